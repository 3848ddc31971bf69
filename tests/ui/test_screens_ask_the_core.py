"""Screens ask the core; they never decide. No screen opens a repository, reads the
store, runs the procedure's checks itself or builds its own poster: what they show
comes from core views (oncall.postview, overview) and what they do goes through the
core's entry points (the send path, the vault, Incidents)."""

from __future__ import annotations

import re
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "oncall" / "ui"

FORBIDDEN = {
    "opens a repository": re.compile(r"\w+Repository\("),
    "reads the store": re.compile(r"session\.store\b"),
    "reads the registry itself": re.compile(r"\.sites\.all\("),
    "runs the checks itself": re.compile(r"from oncall\.policy import[^\n]*\b(check|verdict)\b"),
    "builds its own poster": re.compile(r"CrossPoster\("),
}
# The app builds the one send path every screen asks for.
ALLOWED = {("app.py", "builds its own poster")}


def test_no_screen_decides_for_itself() -> None:
    found = []
    for path in sorted(UI.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for what, pattern in FORBIDDEN.items():
            if pattern.search(text) and (path.name, what) not in ALLOWED:
                found.append(f"{path.relative_to(UI)} {what}")
    assert found == []
