"""A corpus of hostile inputs: every settings file, data file, log file and CLI argument
oncall reads, given what a careless or malicious hand could put there. Each case runs
the real CLI on a copy of the demo home and is counted: a traceback (an exception out
of `main`), a hang (no answer in 20 s), or a raw escape (ESC, a C1 control or a bidi
override reaching the terminal). All three counts must be zero; they are printed."""

from __future__ import annotations

import contextlib
import io
import os
import random
import shutil
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from oncall.cli import main
from oncall.demo import build_demo

pytestmark = pytest.mark.timeout(600)

ESC, CSI_C1, BIDI = "\x1b", "\x9b", "\u202e"
# What must never reach a terminal raw: C0 controls but tab and newline, DEL, C1, and
# the bidi embeddings, overrides and isolates.
RAW = {chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]} | {
    chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]}
PER_CASE_SECONDS = int(os.environ.get("ONCALL_CORPUS_SECONDS", "20"))

Content = bytes | str  # bytes are written as they are; str names a special kind of file


@dataclass
class Case:
    """One hostile input: files to put in the home, then a command line to run."""

    name: str
    argv: list[str]
    files: dict[str, Content] = field(default_factory=dict)
    stdin: bytes = b""


# --- hostile file contents -----------------------------------------------------------------

_rng = random.Random(20261204)
CONTENTS: dict[str, Content] = {
    "deep-arrays": b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "deep-tables": b"x = " + b"{a = " * 2000 + b"1" + b"}" * 2000 + b"\n",
    "not-utf8": b"name = \"caf\xe9\"\n\xff\xfe\n",
    "nul-byte": b"name = \"a\x00b\"\n",
    "raw-escape-in-string": b"name = \"\x1b[31mred\x1b]0;pwned\x07\"\n",
    "escaped-escape": b"[force]\nname = \"\\u001b[2J\\u001b]0;pwned\\u0007\"\n",
    "bidi-override": "[force]\nname = \"\u202eecilop\"\n".encode(),
    "c1-control": "[force]\nname = \"\u009b31mred\"\n".encode(),
    "oversized": b"# " + b"x" * (3 << 20) + b"\n",
    "empty": b"",
    "garbage": bytes(_rng.randrange(256) for _ in range(4096)),
    "wrong-types": b"force = 5\nperson = \"x\"\nsite = 7\nsteps = \"no\"\n",
    "duplicate-key": b"[force]\nname = \"a\"\nname = \"b\"\n",
    "unterminated": b"[force]\nname = \"never closed\n",
    "long-line": b"x = \"" + b"y" * (1 << 20) + b"\"\n",
    "unknown-escape-key": b"[\"\\u001b[2J\"]\n\"\\u202e\" = 1\n",
    "fifo": "FIFO",
    "directory": "DIR",
    "dev-zero": "DEVZERO",
    "dangling-link": "DANGLING",
}


def _settings_cases() -> Iterator[Case]:
    for kind, content in CONTENTS.items():
        yield Case(f"config.toml:{kind}", ["check", "--site", "all", "-"],
                   {"config.toml": content}, b"Road closed.")
        yield Case(f"people.toml:{kind}", ["check", "--site", "all", "-"],
                   {"people.toml": content}, b"Road closed.")
        yield Case(f"sites import:{kind}", ["--user", "mkowalski", "sites", "import",
                                            "{home}/in/sites.toml"], {"in/sites.toml": content})
        yield Case(f"playbooks check:{kind}", ["playbooks", "check", "{home}/pb"],
                   {"pb/bad.toml": content})
        yield Case(f"playbooks list:{kind}", ["playbooks", "list", "{home}/pb"],
                   {"pb/bad.toml": content})


# --- hostile data and log files --------------------------------------------------------------

def _line(**fields: object) -> bytes:
    import json

    base: dict[str, object] = {"seq": 1, "at": "2026-12-01T00:00:00.000000Z",
                               "actor": "sokafor", "role": "Press Officer", "action": "x",
                               "incident": None, "subject": None, "details": {},
                               "prev": "0" * 64, "hash": "0" * 64}
    base.update(fields)
    return json.dumps(base).encode() + b"\n"


LOG_CONTENTS: dict[str, Content] = {
    "escape-actor": _line(actor="\x1b[2J\x1b]0;pwned\x07", action="\u202eevil\x9b"),
    "escape-details": _line(details={"note": "\x1b[31m\u2066hidden\u2069"}),
    "garbage-line": b"{not json\n",
    "json-array": b"[1, 2, 3]\n",
    "wrong-types": _line(seq="one", details="no", actor=5),
    "bad-key-and-sig": _line(key="ed25519:!!!", sig="\x1b[2J"),
    "huge-line": _line(details={"x": "y" * (3 << 20)}),
    "not-utf8": b"\xff\xfe\xfd\n",
    "fifo": "FIFO",
    "directory": "DIR",
}
LOG_COMMANDS = (["log", "tail"], ["log", "tail", "--json"], ["log", "verify"],
                ["log", "keys"])

DATA_CONTENTS: dict[str, Content] = {
    "garbage": b"{\"_default\": {\"1\": [oops",
    "escape-names": (b"{\"_default\": {\"1\": {\"id\": \"corp-x\", \"platform\": \"x\", "
                     b"\"name\": \"\\u001b[2J\\u202e\\u009b\", \"handle\": \"\\u001b]0;t\\u0007\","
                     b" \"tier\": \"corporate\"}}}"),
    "wrong-shape": b"[1, 2]",
    "fifo": "FIFO",
    "directory": "DIR",
}


def _data_cases() -> Iterator[Case]:
    for kind, content in LOG_CONTENTS.items():
        for argv in LOG_COMMANDS:
            yield Case(f"log/{kind}:{' '.join(argv)}", list(argv),
                       {"log/2026-12.jsonl": content, "log/HEAD": "DELETE"})
    for kind, content in {"directory": "DIR", "garbage": bytes(range(256)),
                          "fifo": "FIFO"}.items():
        yield Case(f"log/HEAD:{kind}", ["log", "verify"], {"log/HEAD": content})
        yield Case(f"witness:{kind}", ["log", "verify"], {"witness.log": content})
    for kind, content in DATA_CONTENTS.items():
        for argv in (["sites", "list"], ["--user", "mkowalski", "vault", "list"],
                     ["check", "--site", "all", "-"]):
            yield Case(f"data/sites.json:{kind}:{argv[-2]}", list(argv),
                       {"data/sites.json": content}, b"Road closed.")
        yield Case(f"data/incidents.json:{kind}", ["check", "--site", "corp-fb",
                                                   "--incident", "INC-1", "-"],
                   {"data/incidents.json": content}, b"Road closed.")


# --- hostile arguments -----------------------------------------------------------------------

HOSTILE_WORDS = ["", "../../../etc/passwd", "a\x00b", "\x1b[2J\x1b]0;pwned\x07",
                 "\u202egnp.exe", "\x9b31m", "x" * 5000]


def _argument_cases() -> Iterator[Case]:
    text = b"Road closed."
    for i, word in enumerate(HOSTILE_WORDS):
        yield Case(f"check --site #{i}", ["check", "--site", word, "-"], stdin=text)
        yield Case(f"check --incident #{i}", ["check", "--site", "corp-fb", "--incident",
                                               word, "-"], stdin=text)
        yield Case(f"check --template #{i}", ["check", "--site", "corp-fb", "--template",
                                               word, "-"], stdin=text)
        yield Case(f"check FILE #{i}", ["check", "--site", "corp-fb", word])
        yield Case(f"--user #{i}", ["--user", word, "check", "--site", "corp-fb", "-"],
                   stdin=text)
        yield Case(f"vault set #{i}", ["--user", "mkowalski", "vault", "set", word],
                   stdin=b"s3cret")
        yield Case(f"vault set --kind #{i}", ["--user", "mkowalski", "vault", "set",
                                               "corp-fb", "--kind", word], stdin=b"s3cret")
        yield Case(f"post --incident #{i}", ["post", "--incident", word, "--site",
                                              "corp-fb", "-"], stdin=text)
        yield Case(f"post --group #{i}", ["post", "--incident", "INC-1", "--group", word,
                                           "-"], stdin=text)
        yield Case(f"post --field #{i}", ["post", "--incident", "INC-1", "--site", "corp-fb",
                                           "--template", "road-closure", "--field", word])
        yield Case(f"incident protect #{i}", ["incident", "protect", word, "--name"],
                   stdin=b"A Name")
        yield Case(f"--home #{i}", ["--home", word or ".", "log", "tail"])
    for n in ("-5", "0", "1000000000000", "x"):
        yield Case(f"log tail -n {n}", ["log", "tail", "-n", n])
    yield Case("check stdin not utf8", ["check", "--site", "all", "-"], stdin=b"\xff\xfe")
    yield Case("check stdin over 1 MB", ["check", "--site", "all", "-"],
               stdin=b"x" * ((1 << 20) + 1))
    yield Case("check stdin escapes", ["check", "--site", "all", "-"],
               stdin="Call \x1b[2J 07700 900123 \u202eabc\x9b".encode())
    yield Case("check FILE fifo", ["check", "--site", "corp-fb", "{home}/in/t"],
               {"in/t": "FIFO"})
    yield Case("check FILE dir", ["check", "--site", "corp-fb", "{home}/in"],
               {"in/x": b""})
    yield Case("check FILE dev-zero", ["check", "--site", "corp-fb", "/dev/zero"])
    yield Case("--home a file", ["--home", "{home}/config.toml", "log", "tail"])
    yield Case("--home dev-null", ["--home", "/dev/null", "sites", "list"])
    yield Case("log verify --anchors fifo", ["log", "verify", "--anchors", "{home}/in/a"],
               {"in/a": "FIFO"})
    yield Case("log verify --anchors missing", ["log", "verify", "--anchors", "/nope/x"])


CASES = [*_settings_cases(), *_data_cases(), *_argument_cases()]


# --- running a case --------------------------------------------------------------------------

class Hang(Exception):
    pass


def _place(home: Path, rel: str, content: Content) -> None:
    path = home / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    if content == "DELETE":
        return
    if content == "FIFO":
        os.mkfifo(path)
    elif content == "DIR":
        path.mkdir()
    elif content == "DEVZERO":
        path.symlink_to("/dev/zero")
    elif content == "DANGLING":
        path.symlink_to(home / "no-such-file")
    else:
        assert isinstance(content, bytes)
        path.write_bytes(content)


@dataclass
class Outcome:
    code: object
    output: str
    traceback: str = ""
    hung: bool = False


def _run(case: Case, home: Path) -> Outcome:
    for rel, content in case.files.items():
        _place(home, rel, content)
    argv = ["--home", str(home), *(a.replace("{home}", str(home)) for a in case.argv)]
    out, err = io.StringIO(), io.StringIO()
    stdin = io.TextIOWrapper(io.BytesIO(case.stdin), encoding="utf-8")

    def alarm(signum: int, frame: object) -> None:
        raise Hang

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(PER_CASE_SECONDS)
    saved_stdin = sys.stdin
    sys.stdin = stdin
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code: object = main(argv)
    except SystemExit as exc:  # argparse's usage errors: exit 2 with a message
        code = exc.code
    except Hang:
        return Outcome(None, out.getvalue() + err.getvalue(), hung=True)
    except BaseException as exc:  # counting them is the point
        import traceback

        return Outcome(None, out.getvalue() + err.getvalue(),
                       traceback="".join(traceback.format_exception(exc)))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        sys.stdin = saved_stdin
    return Outcome(code, out.getvalue() + err.getvalue())


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("corpus") / "pristine"
    build_demo(home)
    return home


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 150
    assert len({c.name for c in CASES}) == len(CASES)


def test_no_hostile_input_gives_a_traceback_a_hang_or_a_raw_escape(
        pristine: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tracebacks: list[str] = []
    hangs: list[str] = []
    raw: list[str] = []
    for number, case in enumerate(CASES):
        home = tmp_path / f"h{number}"
        shutil.copytree(pristine, home, symlinks=True)
        outcome = _run(case, home)
        if outcome.traceback:
            tracebacks.append(f"{case.name}: {outcome.traceback.strip().splitlines()[-1]}")
        if outcome.hung:
            hangs.append(case.name)
        leaked = sorted({f"U+{ord(c):04X}" for c in outcome.output if c in RAW})
        if leaked:
            raw.append(f"{case.name}: {', '.join(leaked)}")
        if not outcome.hung and not outcome.traceback:
            assert isinstance(outcome.code, int), (case.name, outcome.code)
        _clear(home)
    with capsys.disabled():
        print(f"\nhostile corpus: {len(CASES)} inputs, {len(tracebacks)} tracebacks, "
              f"{len(hangs)} hangs, {len(raw)} raw escapes")
    assert not (tracebacks or hangs or raw), "\n".join(
        ["tracebacks:", *tracebacks, "hangs:", *hangs, "raw escapes:", *raw])


def _clear(home: Path) -> None:
    """FIFOs and big files go at once: 190 homes would otherwise fill /tmp."""
    shutil.rmtree(home, ignore_errors=True)
