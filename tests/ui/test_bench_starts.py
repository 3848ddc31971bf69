"""`oncall bench`'s start figures (issue 11): the ratios it prints, and a yardstick that
will not start is said and left out, never a failed bench."""

from __future__ import annotations

from pathlib import Path

import pytest

import oncall.ui.bench_terminal as bench
from oncall.ui.bench_terminal import POSTING, Startup, bench_startups, start_ratios


def starts(*ms: float) -> tuple[Startup, ...]:
    return tuple(Startup(m / 1000, None) for m in ms)


def test_ratios_are_of_the_medians_to_the_bare_app_and_to_posting() -> None:
    line = start_ratios({"bare Textual app + footer": starts(200, 190, 400),
                         "oncall (existing home)": starts(320, 300, 900),
                         "oncall demo": starts(330, 330, 331),
                         POSTING: starts(700, 660, 2000)})
    assert "oncall (existing home) 1.60x, oncall demo 1.65x a bare" in line
    assert "oncall (existing home) 0.46x, oncall demo 0.47x posting's" in line


def test_without_posting_the_line_says_how_to_measure_it() -> None:
    line = start_ratios({"bare Textual app + footer": starts(200),
                         "oncall demo": starts(300)})
    assert "oncall demo 1.50x a bare" in line
    assert "--posting PATH" in line and "posting's" not in line


def test_a_posting_that_will_not_start_is_said_and_left_out(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    def fake(argv: list[str], env: dict[str, str], *, needle: bytes = b"",
             guard: float = 60.0, cwd: str | None = None) -> Startup:
        if argv[0] == str(tmp_path / "posting"):
            raise RuntimeError("posting exited before its first screen: b'Segfault'")
        return Startup(0.25, None)

    monkeypatch.setattr(bench, "time_to_screen", fake)
    monkeypatch.setattr("compileall.compile_dir", lambda *a, **k: True)
    results = bench_startups(2, str(tmp_path / "posting"))
    assert POSTING not in results
    assert [len(r) for r in results.values()] == [2, 2, 2]
    assert "posting did not start" in capsys.readouterr().err
