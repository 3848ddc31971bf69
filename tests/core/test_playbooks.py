"""Loading playbooks: every problem named by file and line, sound files still load."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from oncall.cli import main
from oncall.playbooks import BUILTINS, load_library, placeholders
from oncall.resources import shipped_dir

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BROKEN = FIXTURES / "playbooks_broken"
GOOD = FIXTURES / "playbooks_good"

# file (relative to BROKEN) -> (line or None, fragment of the message). One problem per file.
EXPECTED: dict[str, tuple[int | None, str]] = {
    "bad-syntax.toml": (3, "invalid TOML: Illegal character"),
    "unknown-key-playbook.toml": (4, "unknown key 'colour' in playbook; allowed: id, title"),
    "unknown-key-step.toml": (8, "unknown key 'deadline' in step"),
    "unknown-key-template.toml": (13, "unknown key 'author' in template"),
    "unknown-key-field.toml": (16, "unknown key 'maxlen' in field name"),
    # A missing top-level key has no line of its own to point at.
    "missing-playbook-title.toml": (None, "playbook is missing title"),
    "missing-step-id.toml": (9, "step is missing id"),
    "missing-template-body.toml": (9, "template is missing body"),
    # The line the placeholder is on inside the multi-line body, not the `body =` line (12).
    "undeclared-placeholder.toml": (15, "template up: placeholder {missing_thing} has no "
                                        "declared field; add [template.fields.missing_thing]"),
    "unused-field.toml": (17, "template uf: field 'age' is declared but never used"),
    "due-no-plus.toml": (8, "step a: due '15m' is not an offset like +15m"),
    "due-bad-unit.toml": (8, "step a: due '+15x' is not an offset like +15m"),
    "duplicate-template-id.toml": (10, "template id 'shared-notice' is already used in "
                                       "shared.toml:4"),
    "duplicate-step-id.toml": (10, "step id 'a' appears twice in this playbook"),
    "unknown-template.toml": (8, "step a: unknown template 'no-such-template'"),
    "bad-field-kind.toml": (16, "field day: unknown kind 'date'; use one of text, time"),
    "choice-without-choices.toml": (14, "field condition: a choice field needs choices"),
    "review-before-approval.toml": (15, "template rba: review_by is not after approved_on"),
    "templates/stray-table.toml": (3, "a shared templates file holds only [[template]]; "
                                      "found 'meta'"),
}


@pytest.fixture(scope="module")
def broken_problems() -> dict[Path, list[str]]:
    lib = load_library(BROKEN)
    found: dict[Path, list[str]] = {}
    for problem in lib.problems:
        found.setdefault(problem.path, []).append(str(problem))
    return found


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_broken_file_is_reported_at_its_line(
        name: str, broken_problems: dict[Path, list[str]]) -> None:
    line, fragment = EXPECTED[name]
    path = BROKEN / name
    where = f"{path}:{line}: " if line else f"{path}: "
    reported = broken_problems.get(path, [])
    assert len(reported) == 1, reported  # one problem kind per file, and no knock-on errors
    assert reported[0].startswith(where), reported[0]
    assert fragment in reported[0]


def test_every_problem_is_one_that_was_planted() -> None:
    lib = load_library(BROKEN)
    assert {p.path for p in lib.problems} == {BROKEN / n for n in EXPECTED}
    assert lib.broken_files == sorted(BROKEN / n for n in EXPECTED)


def test_sound_files_beside_broken_ones_still_load() -> None:
    lib = load_library(BROKEN)
    assert set(lib.playbooks) == {"good"}
    good = lib.playbooks["good"]
    assert good.source == str(BROKEN / "good.toml")
    assert [s.id for s in good.steps] == ["notice"]
    assert [t.id for t in lib.templates_for(good)] == ["shared-notice"]
    # A shared file with a problem contributes nothing; a sound one does.
    assert "shared-notice" in lib.templates
    assert "stray-notice" not in lib.templates


def test_good_directory_loads_playbook_and_shared_template() -> None:
    lib = load_library(GOOD)
    assert lib.problems == []
    assert set(lib.playbooks) == {"good-road-closed"}
    pb = lib.playbooks["good-road-closed"]
    assert (pb.title, pb.kind, pb.when) == ("Road closed", "road", "A road is closed by police.")
    assert [(s.id, s.due, s.stand_down) for s in pb.steps] == [
        ("closure", "+15m", False), ("reopened", "", True)]
    assert [(c.every, c.for_) for c in pb.cadence] == [("1h", "")]
    assert pb.templates == ("good-reopened",)  # its own; the shared one comes via its step
    assert [t.id for t in lib.templates_for(pb)] == ["good-reopened", "good-closure"]
    closure = lib.templates["good-closure"]
    assert closure.body == "{road} is closed. Please avoid the area. {force_name}"
    assert closure.source == str(GOOD / "templates" / "common.toml")
    assert str(closure.approved_on) == "2026-09-01" and str(closure.review_by) == "2027-03-01"
    road = closure.field("road")
    assert road is not None and (road.label, road.kind, road.required) == (
        "Road", "location", True)


def test_problem_lines_count_broken_entries_before_them(tmp_path: Path) -> None:
    """A refused [[step]] or [[template]] earlier in the file must not shift later lines."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.toml").write_text(
        '[[template]]\nid = "dup"\ntitle = "T"\nbody = "x"\n')
    path = tmp_path / "a.toml"
    path.write_text(
        'id = "a"\ntitle = "A"\nwhen = "w"\n'                   # 1-3
        '\n[[step]]\ntitle = "no id"\n'                         # 4-6
        '\n[[step]]\nid = "s2"\ntitle = "S2"\n'                 # 7-10
        'templates = ["nope"]\n'                                # 11
        '\n[[template]]\nid = "broken"\ntitle = "T"\n'          # 12-15
        '\n[[template]]\nid = "dup"\ntitle = "T"\nbody = "y"\n')  # 16-20
    shown = sorted(str(p) for p in load_library(tmp_path).problems)
    assert shown == sorted([
        f"{path}:5: step is missing id",
        f"{path}:11: step s2: unknown template 'nope'",
        f"{path}:13: template is missing body",
        f"{path}:18: template id 'dup' is already used in t.toml:2",
    ])


def test_placeholder_in_short_is_reported_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        'id = "p"\ntitle = "P"\nwhen = "w"\n\n[[step]]\nid = "a"\ntitle = "A"\n\n'  # 1-8
        '[[template]]\nid = "t"\ntitle = "T"\nbody = "Hi {force_name}."\n'          # 9-12
        "short = '''\nline one\nline two {oops}\n'''\n")                              # 13-16
    problems = load_library(tmp_path).problems
    assert [str(p) for p in problems] == [
        f"{path}:15: template t: placeholder {{oops}} has no declared field; add "
        f"[template.fields.oops] or use one of {', '.join(sorted(BUILTINS))}"]


def test_placeholders_reads_names_and_literal_braces() -> None:
    assert placeholders("Hi {name}, {{not}} {force_name}") == [("name", 3), ("force_name", 19)]
    with pytest.raises(ValueError, match=re.escape("write {{ for a literal brace")):
        placeholders("a { b")
    with pytest.raises(ValueError, match="plain name"):
        placeholders("{name!r}")


def test_missing_directory_is_one_problem(tmp_path: Path) -> None:
    lib = load_library(tmp_path / "nowhere")
    assert [str(p) for p in lib.problems] == [
        f"{tmp_path / 'nowhere'}: playbooks directory not found"]


def test_shipped_playbooks_load_cleanly() -> None:
    lib = load_library(shipped_dir("playbooks"))
    assert [str(p) for p in lib.problems] == []
    assert len(lib.playbooks) >= 1


def test_cli_check_broken_dir_exits_1_naming_file_and_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["playbooks", "check", str(BROKEN)])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    for name, (line, fragment) in EXPECTED.items():
        where = f"{BROKEN / name}:{line}: " if line else f"{BROKEN / name}: "
        assert any(row.startswith(where) and fragment in row for row in err.splitlines()), name
    assert f"{len(EXPECTED)} problem(s) in {len(EXPECTED)} file(s); 1 playbooks loaded" in err


def test_cli_check_good_dir_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["playbooks", "check", str(GOOD)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.strip() == f"{GOOD}: 1 playbooks, 2 templates, no problems"
