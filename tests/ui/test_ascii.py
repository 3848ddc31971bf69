"""A terminal that is not UTF-8 (LANG=C) gets every symbol as ASCII, column for column."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from oncall.session import open_session
from oncall.ui.app import make_app
from oncall.ui.asciifilter import terminal_is_utf8, to_ascii
from tests.ui.conftest import SIZE, settle


@pytest.mark.parametrize(("text", "ascii"), [
    ("☑ corp ☐ local", "x corp _ local"),
    ("✓ sent ✗ FAILED ⏸ waiting … » ⌫", "+ sent x FAILED = waiting . > <"),
    ("╭─ Sites ─╮│", "+- Sites -+|"),
    ("Café", "Cafe"),
    ("🚨 alert", "?? alert"),
])
def test_symbols_become_ascii_of_the_same_width(text: str, ascii: str) -> None:
    assert to_ascii(text) == ascii and to_ascii(text).isascii()
    assert cell_len(to_ascii(text)) == cell_len(text)


@pytest.mark.parametrize(("env", "utf8"), [
    ({"LANG": "C.UTF-8"}, True), ({"LANG": "en_GB.utf8"}, True), ({"LANG": "C"}, False),
    ({"LC_ALL": "POSIX", "LANG": "C.UTF-8"}, False), ({"ONCALL_ASCII": "1"}, False),
    # What Python sets by itself in the C locale (PEP 538) says nothing of the terminal.
    ({"LANG": "C", "LC_CTYPE": "C.UTF-8"}, False),
])
def test_the_locale_decides(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                            utf8: bool) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert terminal_is_utf8() is utf8


async def test_every_state_readable_at_lang_c(live_demo_home: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "C")
    app = make_app(open_session(live_demo_home, "sokafor"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        update = app.screen._compositor.render_update(full=True)
        drawn = "".join(seg.text for seg in app.console.render(update, app.console.options)
                        if not seg.control)
        assert drawn.isascii()
        assert "+ done" in drawn  # the tick's word and an ASCII mark, not '_' or '?'
