"""Settings files from a careless or hostile hand: each gets one clear line naming the
file (and the line where it can), never a traceback, never a hang."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall.tomlfile import MAX_DEPTH, MAX_TOML_BYTES, TomlError, _too_deep, load


def one_problem(path: Path) -> str:
    with pytest.raises(TomlError) as caught:
        load(path)
    [problem] = caught.value.problems
    text = str(problem)
    assert str(path) in text
    return text


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)  # no writer: a plain read would wait for ever
    assert "not a regular file" in one_problem(fifo)


def test_a_device_or_directory_is_refused(tmp_path: Path) -> None:
    assert "not a regular file" in one_problem(Path("/dev/zero"))
    folder = tmp_path / "sites.toml"
    folder.mkdir()
    assert "not a regular file" in one_problem(folder)


def test_an_oversized_file_says_its_size_and_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "people.toml"
    big.write_bytes(b"# " + b"x" * MAX_TOML_BYTES + b"\n")
    text = one_problem(big)
    assert "too large (2.0 MB; the limit is 2.0 MB)" in text


def test_deep_nesting_names_the_line_not_a_recursion_error(tmp_path: Path) -> None:
    deep = tmp_path / "playbook.toml"
    deep.write_text('id = "x"\ncadence = ' + "[" * 5000 + "]" * 5000 + "\n")
    text = one_problem(deep)
    assert f"{deep}:2" in text and f"nested more than {MAX_DEPTH} deep" in text
    # Brackets inside strings and comments are text, not nesting.
    fine = tmp_path / "fine.toml"
    fine.write_text('# ' + "[" * 100 + '\nbody = """' + "{" * 100 + '"""\nx = [[1], [2]]\n')
    assert load(fine).data["x"] == [[1], [2]]


def _too_deep_by_hand(text: str) -> int | None:
    """The specification, a character at a time: the shipped scanner must agree."""
    depth, line, i, n = 0, 1, 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif c in "\"'":
            quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                if text[j] == "\\" and quote[0] == '"' and j + 1 < n and \
                        (len(quote) == 3 or text[j + 1] != "\n"):
                    j += 1
                elif text[j] == "\n" and len(quote) == 1:
                    break
                j += 1
            line += text.count("\n", i, min(j, n))
            i = j + (len(quote) if j < n and text.startswith(quote, j) else 0)
            continue
        elif c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif c in "]}":
            depth = max(depth - 1, 0)
        i += 1
    return None


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["[", "{", "]", "}", "[" * 20, "\n", "#", '"', "'",
                                 '"""', "'''", "\\", "x", " = "]), max_size=120))
def test_the_depth_scan_agrees_with_a_character_at_a_time_reading(parts: list[str]) -> None:
    text = "".join(parts)
    assert _too_deep(text) == _too_deep_by_hand(text), text


def test_an_unclosed_string_ending_in_a_backslash_is_read_in_linear_time() -> None:
    # A backtracking scanner takes exponential time here: pytest-timeout would end it.
    text = "[" * (MAX_DEPTH + 1) + '\nbody = """' + "ab " * 20_000 + "\\"
    assert _too_deep(text) == 1 == _too_deep_by_hand(text)


def test_bad_utf8_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "sites.toml"
    bad.write_bytes(b'[[site]]\nid = "corp-x"\nname = "caf\xe9"\n')
    assert f"{bad}:3" in one_problem(bad) and "not UTF-8" in one_problem(bad)


@pytest.mark.parametrize("command", ["check", "post"])
def test_a_post_text_that_cannot_be_read_is_one_line_and_exit_2(
        command: str, demo_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from oncall.cli import main

    folder = tmp_path / "a-folder"
    folder.mkdir()
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes(b"Road closed\nat the caf\xe9\n")
    args = {"check": ["check", "--site", "all"],
            "post": ["post", "--incident", "20260101-01", "--site", "corp-x"]}[command]
    home = ["--home", str(demo_home), "--user", "sokafor"]
    for target, expected in ((str(tmp_path / "missing.txt"), "No such file"),
                             (str(folder), "not a regular file"),
                             (str(latin1), "latin1.txt:2: not UTF-8")):
        assert main([*home, *args, target]) == 2
        err = capsys.readouterr().err
        assert expected in err and "Traceback" not in err and len(err.splitlines()) == 1
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"x" * 1_100_000)))
    assert main([*home, *args, "-"]) == 2
    assert "too large" in capsys.readouterr().err


SITE = ('[[site]]\nid = {id}\nplatform = "x"\nname = "Roads"\nhandle = "@roads"\n'
        'tier = "corporate"\n')


@pytest.mark.parametrize("site_id", ['""', '"a\\u0000b"', '"../../../etc/passwd"', '"Corp X"',
                                     '"' + "a" * 65 + '"'])
def test_a_site_id_that_could_be_a_path_or_a_trick_is_refused(site_id: str,
                                                              tmp_path: Path) -> None:
    from oncall.registry import load_sites

    sites = tmp_path / "sites.toml"
    sites.write_text(SITE.format(id=site_id))
    with pytest.raises(TomlError) as caught:
        load_sites(sites)
    [problem] = caught.value.problems
    assert "must be lower-case letters, digits and dashes" in str(problem)
    assert f"{sites}:2" in str(problem) and "\x00" not in str(problem)


@pytest.mark.parametrize("body", ['site = "corp-x"\n', "site = 7\n", "site = [1, 2]\n"])
def test_site_given_as_something_other_than_tables_is_one_line(body: str,
                                                               tmp_path: Path) -> None:
    from oncall.registry import load_sites

    sites = tmp_path / "sites.toml"
    sites.write_text(body)
    with pytest.raises(TomlError) as caught:
        load_sites(sites)
    assert "[[site]] table" in str(caught.value.problems[0])


def test_a_zero_update_interval_is_a_playbook_problem(tmp_path: Path) -> None:
    from oncall.playbooks import load_library

    (tmp_path / "p.toml").write_text(
        'id = "p"\ntitle = "P"\nwhen = "w"\n\n[[step]]\nid = "s"\ntitle = "S"\n'
        'owner = "Press Officer"\n\n[[cadence]]\nevery = "0m"\n')
    library = load_library(tmp_path)
    assert "p" not in library.playbooks
    assert any("cadence every = '0m'" in str(p) for p in library.problems)


HOSTILE = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\u202eevil\x9b31m"


def test_cli_output_never_carries_raw_controls_from_files(
        demo_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Titles, log subjects and problems from files are echoed with their controls made
    visible: an OSC 52 clipboard write, a screen clear, a bidi override, a C1 CSI."""
    from oncall.cli import main
    from oncall.session import open_session

    playbooks = tmp_path / "playbooks"
    playbooks.mkdir()
    (playbooks / "p.toml").write_text(
        f'id = "p"\ntitle = "{HOSTILE.encode("unicode_escape").decode()}"\nwhen = "w"\n\n'
        '[[step]]\nid = "s"\ntitle = "S"\nowner = "Press Officer"\n')
    (playbooks / "broken.toml").write_text(f'id = "b"\n{HOSTILE} = 1\n')
    open_session(demo_home, "sokafor").record("test.hostile", subject=HOSTILE)
    home = ["--home", str(demo_home), "--user", "sokafor"]
    main([*home, "playbooks", "list", str(playbooks)])
    main([*home, "playbooks", "check", str(playbooks)])
    main([*home, "log", "tail", "-n", "3"])
    main([*home, "log", "tail", "-n", "3", "--json"])
    out = capsys.readouterr()
    for stream in (out.out, out.err):
        assert not any(c in stream for c in "\x1b\x07\x9b\u202e"), repr(stream)
    assert "evil" in out.out
