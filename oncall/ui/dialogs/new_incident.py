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
from oncall.ui.callbacks import after_queued
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
        # Priority: acted on the moment the key is read, so keys typed after it reach the
        # screen underneath instead of this dialog's field as it closes.
        Binding("escape", "cancel", "Cancel", id="new_incident.cancel", priority=True),
        # Priority, so keys typed right after Enter never land in a field the dialog is
        # leaving; in the playbook list Enter still picks the playbook.
        Binding("enter", "open", "Open incident", show=False, priority=True,
                id="new_incident.open"),
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return isinstance(self.focused, Input)
        return True

    def action_open(self) -> None:
        """Enter in any field opens the incident, as the hint says (Tab moves on). The
        fields may still hold keys typed just before Enter: read them once each field
        has taken its own (a callback queued behind them runs after them). Focus leaves
        the fields at once, so keys typed after Enter go nowhere."""
        inputs = list(self.query(Input))
        self.set_focus(None)
        after_queued(inputs, self._open)

    def _open(self) -> None:
        title = self.query_one("#ni-title", Input).value.strip()
        playbook = self._chosen()
        if playbook is None:
            self._error("Choose a playbook first (arrow keys in the list).")
            self.query_one("#ni-playbooks", OptionList).focus()
            return
        if not title:
            self._error("The incident needs a title.")
            self.query_one("#ni-title", Input).focus()
            return
        self.dismiss(NewIncident(playbook, title, self.query_one("#ni-location", Input).value,
                                 self.query_one("#ni-reference", Input).value))

    def _chosen(self) -> Playbook | None:
        index = self.query_one("#ni-playbooks", OptionList).highlighted
        return self.playbooks[index] if index is not None and self.playbooks else None

    def _error(self, message: str) -> None:
        self.query_one("#ni-error", Static).update(Text(message, style="bold"))

    def action_cancel(self) -> None:
        self.dismiss(None)
