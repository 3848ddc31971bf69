"""Findings from outside text are shown literally: no markup, no terminal escapes."""

from __future__ import annotations

from textual.app import App, ComposeResult

from oncall.policy import Finding
from oncall.ui.widgets.findings import FindingsList
from tests.ui.conftest import SIZE


class _Host(App[None]):
    def compose(self) -> ComposeResult:
        yield FindingsList(id="f")


async def test_markup_and_escapes_in_findings_are_literal() -> None:
    app = _Host()
    async with app.run_test(size=SIZE) as pilot:
        widget = app.query_one(FindingsList)
        widget.show([Finding("people.sensitive_role", "block",
                             "Names “[bold]Jo[/] \x1b[31mRed”.", "cite"),
                     Finding("link.no_force_site", "warn", "No link.", "cite")],
                    acknowledged={"link.no_force_site"})
        await pilot.pause()
        shown = str(widget.render())
        assert "✗ BLOCK Names “[bold]Jo[/] ␛[31mRed”." in shown
        assert "✓ NOTED No link." in shown
        widget.show([])
        await pilot.pause()
        assert "No problems found" in str(widget.render())
