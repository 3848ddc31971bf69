"""In a real terminal (tmux at 80x24): a burst of keys with a Tab in it fills two fields,
each with its own letters, as `tmux send-keys -l $'AAAA\\tBBBB'` showed it did not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.tmux import HAVE_TMUX, Tmux, oncall

pytestmark = pytest.mark.skipif(not HAVE_TMUX, reason="tmux is not installed "
                                "(.ci/run installs it)")


def test_a_burst_with_a_tab_fills_two_fields(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    term = Tmux(oncall("demo", "--keep", str(home)), env={"ONCALL_USER": ""})
    try:
        term.wait_for("Log: ✓ verified")
        term.keys("Enter")
        term.wait_for("Next update due")
        term.keys("Down", "f")  # the appeal: one below the first step to do
        term.wait_for("Save draft")
        term.text("AAAA\tBBBB")
        shown = term.wait_for("BBBB")
        name = next(line for line in shown.splitlines() if "Name*" in line)
        age = next(line for line in shown.splitlines() if "Age*" in line)
        assert name.split() == ["Name*", "AAAA"] and age.split() == ["Age*", "BBBB"], shown
        term.keys("Escape")
        term.wait_for("Next update due")
        term.keys("q")
        term.wait_for("EXIT=0")
    finally:
        term.close()
