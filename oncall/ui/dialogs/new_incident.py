"""Open an incident: pick its playbook, give it a title, where, and the control-room reference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from oncall.model import Playbook
from oncall.textsafe import printable
from oncall.ui.widgets.safeinput import SafeInput


@dataclass(frozen=True)
class NewIncident:
    """What the officer chose."""

    playbook: Playbook
    title: str
    location: str
    reference: str


class NewIncidentDialog(ModalScreen[NewIncident | None]):
    """Playbook list on top, three one-line fields below; Enter opens, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="new_incident.cancel"),
    ]

    def __init__(self, playbooks: list[Playbook]) -> None:
        super().__init__()
        self.playbooks = sorted(playbooks, key=lambda p: p.title)

    def compose(self) -> ComposeResult:
        with Vertical(id="new-incident", classes="dialog") as box:
            box.border_title = "Open an incident"
            yield OptionList(*[Option(Text(printable(p.title)), id=p.id)
                               for p in self.playbooks], id="ni-playbooks")
            yield Static("", id="ni-when", classes="muted")
            for field, label, hint in (
                    ("title", "Title", "e.g. Missing girl, 14, Brackenford"),
                    ("location", "Where", "e.g. Canal towpath, Mill Lane"),
                    ("reference", "Reference", "control room incident no., e.g. 123 of 26/11")):
                with Horizontal(classes="field-row"):
                    yield Label(f"{label}:", classes="field-label")
                    yield SafeInput(placeholder=hint, id=f"ni-{field}", classes="compact")
            yield Static("Enter: open incident · Tab: next field · Esc: cancel",
                         id="ni-error", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one("#ni-playbooks", OptionList)
        if self.playbooks:
            options.highlighted = 0
        options.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        playbook = self._chosen()
        if playbook:
            self.query_one("#ni-when", Static).update(Text(
                "When: " + printable(" ".join(playbook.when.split()))))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#ni-title", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        order = ["ni-title", "ni-location", "ni-reference"]
        title = self.query_one("#ni-title", Input).value.strip()
        playbook = self._chosen()
        if playbook is None:
            self._error("Choose a playbook first (arrow keys in the list).")
            return
        if not title:
            self._error("The incident needs a title.")
            self.query_one("#ni-title", Input).focus()
            return
        if event.input.id != order[-1] and event.input.id in order and not self._all_done():
            self.query_one(f"#{order[order.index(event.input.id) + 1]}", Input).focus()
            return
        self.dismiss(NewIncident(playbook, title, self.query_one("#ni-location", Input).value,
                                 self.query_one("#ni-reference", Input).value))

    def _all_done(self) -> bool:
        return all(self.query_one(f"#ni-{f}", Input).value.strip()
                   for f in ("title", "location", "reference"))

    def _chosen(self) -> Playbook | None:
        index = self.query_one("#ni-playbooks", OptionList).highlighted
        return self.playbooks[index] if index is not None and self.playbooks else None

    def _error(self, message: str) -> None:
        self.query_one("#ni-error", Static).update(Text(message, style="bold"))

    def action_cancel(self) -> None:
        self.dismiss(None)
