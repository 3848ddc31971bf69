"""Every key of the console in one table, built from the bindings themselves, so the
README, F1 and the footer can never disagree with what a key does."""

from __future__ import annotations

from textual.binding import Binding

from oncall.ui.dialogs.help import key_label

# Keys whose meaning is "activate what is highlighted" or "go back" wherever they are.
CONTEXTUAL = frozenset({"Enter", "Esc", "Tab", "Shift+Tab"})


def _screens() -> list[tuple[str, type]]:
    from oncall.ui.app import OncallApp
    from oncall.ui.dialogs.attach import AttachDialog
    from oncall.ui.dialogs.choose import ChooseDialog
    from oncall.ui.dialogs.confirm import ConfirmDialog
    from oncall.ui.dialogs.help import HelpDialog
    from oncall.ui.dialogs.new_incident import NewIncidentDialog
    from oncall.ui.dialogs.reason import ReasonDialog
    from oncall.ui.screens.compose import ComposeScreen
    from oncall.ui.screens.dashboard import DashboardScreen
    from oncall.ui.screens.fill import FillScreen
    from oncall.ui.screens.freshness import FreshnessScreen
    from oncall.ui.screens.history import HistoryScreen
    from oncall.ui.screens.inbox import InboxScreen
    from oncall.ui.screens.incident import IncidentScreen
    from oncall.ui.screens.lifted import LiftedScreen
    from oncall.ui.screens.logview import LogScreen
    from oncall.ui.screens.outbox import OutboxScreen
    from oncall.ui.screens.oversight import OversightScreen
    from oncall.ui.screens.record import RecordScreen
    from oncall.ui.screens.scheduled import ScheduledScreen
    from oncall.ui.screens.vault import VaultScreen

    return [("everywhere", OncallApp), ("dashboard", DashboardScreen),
            ("incident", IncidentScreen), ("fill", FillScreen), ("compose", ComposeScreen),
            ("inbox", InboxScreen), ("outbox", OutboxScreen), ("record", RecordScreen),
            ("history", HistoryScreen), ("out of date", FreshnessScreen),
            ("scheduled", ScheduledScreen), ("hold lifted", LiftedScreen),
            ("oversight", OversightScreen),
            ("log", LogScreen), ("vault", VaultScreen),
            ("new incident", NewIncidentDialog), ("attach", AttachDialog),
            ("confirm", ConfirmDialog), ("choose", ChooseDialog), ("reason", ReasonDialog),
            ("help", HelpDialog)]


def bindings() -> list[tuple[str, str, str]]:
    """(key as on a keyboard, what it does, where) for every described binding."""
    out: list[tuple[str, str, str]] = []
    for where, cls in _screens():
        for binding in getattr(cls, "BINDINGS", []):
            if not isinstance(binding, Binding) or not binding.description:
                continue
            for key in binding.key.split(","):
                out.append((key_label(key), binding.description, where))
    return out


def binding_ids() -> set[str]:
    """Every binding id an officer may give keys of their own in config.toml [keys]."""
    ids: set[str] = set()
    for _, cls in _screens():
        for binding in getattr(cls, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    return ids


def meanings() -> dict[str, set[str]]:
    """Each key and the meanings it has across the screens (one, for all but CONTEXTUAL)."""
    found: dict[str, set[str]] = {}
    for key, what, _ in bindings():
        found.setdefault(key, set()).add(what)
    return found


def key_table() -> str:
    """The README's key table, as Markdown."""
    rows: dict[tuple[str, str], list[str]] = {}
    for key, what, where in bindings():
        places = rows.setdefault((key, what), [])
        if where not in places:
            places.append(where)
    lines = ["| key | what it does | where |", "|---|---|---|"]
    for (key, what), places in sorted(rows.items(), key=lambda r: _order(r[0][0])):
        cell = key.replace("|", "\\|")
        lines.append(f"| {cell} | {what} | {', '.join(places)} |")
    return "\n".join(lines)


def _order(key: str) -> tuple[int, int, str]:
    if key.startswith("F") and key[1:].isdigit():
        return (0, int(key[1:]), key)
    if key.startswith("Ctrl+"):
        return (1, 0, key)
    return (2, 0, key)


