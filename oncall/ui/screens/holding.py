"""Setting and lifting a crisis hold from a screen (the dashboard, an incident).

`!` offers: hold every site, only this incident, or one area's sites; and lifting each
hold in force. Setting asks why (shown on every officer's screen, logged) and says what
it will pause before it is set; lifting asks why, then lists what the hold was holding
for a decision on each (oncall.ui.screens.lifted). The core decides who may (press
officers and Corporate Communications) and logs both; a refusal is one line."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from textual import work

from oncall.textsafe import printable
from oncall.ui.callbacks import then

if TYPE_CHECKING:
    from oncall.hold import Hold, Holds, Lifted
    from oncall.ui.app import OncallApp

T = TypeVar("T")
WHAT_PAUSES = ("Every scheduled post, and every queued or waiting delivery, it covers "
               "pauses until it is lifted; a new post needs a confirmation naming it. "
               "Every officer's screen shows it.")


class CrisisHold:
    """Mixin for a screen with the `!` key. `_hold_incident` is the incident the screen
    shows ("" on the dashboard)."""

    app: OncallApp

    def _hold_incident(self) -> str:
        return ""

    def action_crisis_hold(self) -> None:
        """Offer to set a hold, or lift one in force."""
        self._read_holds()

    @work(thread=True, exclusive=True, group="crisis-hold")
    def _read_holds(self) -> None:
        from oncall.hold import Holds
        from oncall.postview import sites_in_order

        session = self.app.session
        holds = Holds(session).active()
        areas = sorted({s.area for s in sites_in_order(session) if s.area})
        self.app.call_from_thread(self._offer, holds, areas)

    def _offer(self, holds: list[Hold], areas: list[str]) -> None:
        from oncall.ui.dialogs.choose import ChooseDialog

        names = {p.login: p.name for p in self.app.session.directory.people.values()}
        incident = self._hold_incident()
        options = [("all", "Hold EVERY site")]
        if incident:
            options.append((f"incident:{incident}", f"Hold incident {incident} only"))
        if areas:
            options.append(("area", "Hold one area's sites…"))
        options += [(f"lift:{h.id}", "Lift: " + h.describe(names)) for h in holds]
        self.app.push_screen(ChooseDialog("Crisis hold", options),
                             then(lambda choice: self._hold_chosen(str(choice), areas)))

    def _hold_chosen(self, choice: str, areas: list[str]) -> None:
        from oncall.ui.dialogs.choose import ChooseDialog
        from oncall.ui.dialogs.reason import ReasonDialog

        if choice.startswith("lift:"):
            hold_id = choice.removeprefix("lift:")
            self.app.push_screen(
                ReasonDialog("Lift the crisis hold?", "Why? (Logged.) Then you decide on "
                             "each post it held: send, move or cancel.",
                             placeholder="e.g. family informed; Silver agrees"),
                then(lambda reason: self._lift(hold_id, str(reason))))
        elif choice == "area":
            self.app.push_screen(ChooseDialog("Hold which area?",
                                              [(f"area:{a}", a) for a in areas]),
                                 then(lambda scope: self._ask_why(str(scope))))
        else:
            self._ask_why(choice)

    def _ask_why(self, scope: str) -> None:
        # The dialogs load when first asked for: not on every console's start.
        from oncall.ui.dialogs.confirm import ConfirmDialog
        from oncall.ui.dialogs.reason import ReasonDialog

        kind, _, what = scope.partition(":")
        where = {"all": "every site", "incident": f"incident {what}",
                 "area": f"the {what} area"}.get(kind, scope)
        self.app.push_screen(
            ReasonDialog(printable(f"Crisis hold on {where}", single_line=True),
                         "Why? It is shown on every officer's screen and logged.",
                         placeholder="e.g. Silver: death confirmed, hold all posts"),
            then(lambda reason: self.app.push_screen(
                ConfirmDialog("Set the crisis hold?",
                              printable(f"Hold {where}: {reason}\n\n{WHAT_PAUSES}"),
                              yes="hold"),
                then(lambda _: self._set_hold(scope, str(reason))))))

    def _set_hold(self, scope: str, reason: str) -> None:
        names = {p.login: p.name for p in self.app.session.directory.people.values()}
        self._write(lambda holds: holds.set(reason, scope),
                    lambda hold: self.app.notify(hold.describe(names), timeout=10))

    def _lift(self, hold_id: str, reason: str) -> None:
        from oncall.ui.screens.lifted import LiftedScreen

        def lifted(what: Lifted) -> None:
            if what.posts or what.deliveries:
                self.app.push_screen(LiftedScreen(what))
            else:
                self.app.notify("Crisis hold lifted; it was holding no post.", timeout=10)

        self._write(lambda holds: holds.lift(hold_id, reason), lifted)

    @work(thread=True, group="crisis-hold-write")
    def _write(self, change: Callable[[Holds], T], done: Callable[[T], object]) -> None:
        """Change the holds through the core, off the event loop; a refusal (not allowed,
        no reason, lifted already) or a storage fault is one line."""
        from oncall.hold import HoldRefused, Holds
        from oncall.store import StoreError

        try:
            result = change(Holds(self.app.session))
        except (HoldRefused, StoreError) as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error",
                                      timeout=12)
            return
        self.app.call_from_thread(done, result)
