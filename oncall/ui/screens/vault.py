"""Credentials for every site, under the procedure's access rules; every reveal and copy logged.

The screen never shows or copies a secret the officer did not ask for, asks for
a reason beyond first-line access (break-glass), and keeps a revealed password
on screen only briefly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Static

from oncall.access import AccessDecision, decide, first_line_holders
from oncall.model import Site
from oncall.postview import sites_in_order
from oncall.secret import Secret
from oncall.textsafe import printable
from oncall.timeutil import utcnow
from oncall.totp import seconds_left, totp
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.dialogs.unlock import UnlockDialog
from oncall.ui.safe import shown
from oncall.vault import is_sandbox, token_kind

if TYPE_CHECKING:
    from oncall.ui.app import OncallApp

REVEAL_SECONDS = 10


class VaultScreen(Screen[None]):
    """Sites by tier and area, who holds first-line access now, and what is stored."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "copy_secret", "Copy password", id="vault.copy_secret",
                tooltip="Copy the highlighted site's password (cleared after a while)"),
        Binding("u", "copy_username", "Copy username", id="vault.copy_username",
                tooltip="Copy the highlighted site's username"),
        Binding("2", "copy_code", "Copy 2FA code", id="vault.copy_code",
                tooltip="Copy the site's current two-factor code (where a seed is stored)"),
        Binding("s", "reveal", "Show password", id="vault.reveal",
                tooltip=f"Show the password for {REVEAL_SECONDS} seconds"),
        Binding("escape", "back", "Back", id="vault.back"),
    ]

    app: OncallApp

    def __init__(self, site_id: str | None = None, incident: str = "") -> None:
        """`site_id`: the site to highlight first (the palette's "Site: …");
        `incident`: the incident it was opened from: each use is logged as part of it."""
        super().__init__()
        self._wanted = site_id
        self.incident = incident
        self.sites: list[Site] = []
        self._hide_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        table: DataTable[Text] = DataTable(id="vault-table", cursor_type="row")
        yield table
        yield Static("", id="vault-access", classes="panel")
        yield Static("", id="vault-secret", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"Credentials, for {self.incident}" if self.incident else \
            "Credentials"
        table = self.query_one(DataTable)
        self._site_column = table.add_column("Site", width=30)
        self._tier_column = table.add_column("Tier / area", width=18)
        table.add_column("Stored", width=20)
        self.query_one("#vault-access").border_title = "Your access"
        secret_panel = self.query_one("#vault-secret")
        secret_panel.border_title = "Password"
        secret_panel.display = False
        self.load()

    def on_resize(self, event: events.Resize) -> None:
        """Below 80 columns the tier folds away (the access pane below names it for the
        highlighted site) and the site's name takes its room; what is stored stays."""
        width = event.size.width
        table = self.query_one(DataTable)
        tier = 18 if width >= 80 else 0
        table.columns[self._tier_column].width = tier
        table.columns[self._site_column].width = 30 if width >= 80 else max(width - 30, 14)
        table.refresh()

    @work(thread=True, exclusive=True, group="vault-load")
    def load(self) -> None:
        """Read the sites and which secrets are stored (keyring calls, off the loop)."""
        sites = sites_in_order(self.app.session)
        stored: dict[str, str] = {}
        problem = ""
        try:
            vault = self.app.vault
            for site in sites:
                status = vault.status(site)
                token = token_kind(site)
                token_state = ("✓ token" if status.get(token) else
                               "✓ sandbox" if is_sandbox(site) else "✗ token")
                stored[site.id] = f"{'✓' if status.get('password') else '✗'} password " \
                    f"{token_state}"
        except Exception as exc:  # VaultUnavailable / VaultLocked / VaultTimeout
            problem = str(exc)
        self.app.call_from_thread(self.show, sites, stored, problem)

    def show(self, sites: list[Site], stored: dict[str, str], problem: str) -> None:
        current = self._site()
        # Kept by identity across reloads: the wanted site first, then the highlighted one.
        keep = self._wanted or (current.id if current else None)
        self._wanted = None
        self.sites = sites
        table = self.query_one(DataTable)
        table.clear()
        for site in sites:
            where = site.tier if not site.area else f"{site.tier} · {site.area}"
            table.add_row(Text(printable(f"{site.name} ({site.platform_label})"),
                               no_wrap=True, overflow="ellipsis"),
                          Text(printable(where), no_wrap=True, overflow="ellipsis"),
                          Text(stored.get(site.id, "? vault not open")), key=site.id)
        row = next((i for i, site in enumerate(sites) if site.id == keep), None)
        if row is not None:
            table.move_cursor(row=row)
        if problem:
            self.notify(problem, severity="error", timeout=15)
        self._show_access()

    def _site(self) -> Site | None:
        table = self.query_one(DataTable)
        if not self.sites or table.cursor_row is None:
            return None
        return self.sites[min(table.cursor_row, len(self.sites) - 1)]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_access()

    def _decision(self, site: Site) -> AccessDecision:
        return decide(self.app.session.user, site, self.app.session.directory, utcnow())

    def _show_access(self) -> None:
        site = self._site()
        if site is None:
            return
        d = self._decision(site)
        _, holders_text = first_line_holders(site, self.app.session.directory, utcnow())
        text = Text()
        if not d.allowed:
            text.append("✗ NO ACCESS  ", style="bold")
        elif d.needs_reason:
            text.append("! BREAK-GLASS: a reason is logged  " if not d.first_line
                        else "✓ FIRST-LINE, reason logged  ", style="bold")
        else:
            text.append("✓ FIRST-LINE  ", style="bold")
        text.append(printable(d.explanation))
        if holders_text and holders_text not in d.explanation:
            text.append(f"\n{printable(holders_text)}")
        self.query_one("#vault-access", Static).update(text)

    # --- actions ------------------------------------------------------------------------

    def _with_access(self, what: str, then) -> None:
        site = self._site()
        if site is None:
            return
        d = self._decision(site)
        if not d.needs_reason or not d.allowed:
            then(site, d, "")  # a refusal is the vault's to make, and to log
            return
        self.app.push_screen(
            ReasonDialog(f"Reason to {what}", f"{d.explanation}\nWhy do you need it now?",
                         placeholder="e.g. on-call: post the holding statement on this page"),
            lambda reason: then(site, d, reason) if reason else None)

    def action_copy_username(self) -> None:
        site = self._site()
        if site is None or not site.username:
            self.notify("No username recorded for this site.")
            return
        message = self.app.copier.copy(site.username, secret=False)
        self.notify(f"Username of {site.name}: {message}")

    def action_copy_secret(self) -> None:
        self._with_access("copy the password", lambda s, d, r: self._fetch(s, d, r, "copy"))

    def action_copy_code(self) -> None:
        self._with_access("get a two-factor code",
                          lambda s, d, r: self._fetch(s, d, r, "code"))

    def action_reveal(self) -> None:
        self._with_access("see the password", lambda s, d, r: self._fetch(s, d, r, "reveal"))

    @work(group="vault-secret")
    async def _fetch(self, site: Site, decision: AccessDecision, reason: str, how: str) -> None:
        vault = self.app.vault
        if vault.locked and decision.allowed:
            passphrase = await self.app.push_screen_wait(UnlockDialog(
                "" if vault.initialised else "No vault file yet: the passphrase you type "
                "now creates it. Keep it with Web Communications."))
            if passphrase is None:
                return
            try:
                await vault.aunlock(passphrase)
            except Exception as exc:
                self.notify(str(exc), severity="error")
                return
        kind = "totp_seed" if how == "code" else "password"
        purpose = {"code": "code_copied", "copy": "copied"}.get(how, "revealed")
        try:
            # The vault checks the rules and logs the use before it hands anything over.
            secret = await vault.atake(site, kind, purpose=purpose, reason=reason,
                                       incident=self.incident)
        except Exception as exc:  # refused, timeout, locked: say so, stay responsive
            self.notify(str(exc), severity="error", timeout=12)
            return
        if secret is None:
            what = "two-factor seed" if kind == "totp_seed" else "password"
            self.notify(f"No {what} stored for {site.name}. Web Communications: "
                        f"oncall vault set {site.id} --kind {kind}", severity="warning")
            return
        if how == "code":
            now = utcnow()
            try:
                code = totp(secret.reveal(), now)
            except ValueError as exc:
                self.notify(f"{site.name}: {exc}", severity="error")
                return
            message = self.app.copier.copy(code, secret=True)
            self.notify(f"Two-factor code for {site.name} (valid {seconds_left(now)} s more): "
                        f"{message}")
        elif how == "copy":
            message = self.app.copier.copy(secret.reveal(), secret=True)
            self.notify(f"Password of {site.name}: {message}")
        else:
            self._reveal(site, secret)

    def _reveal(self, site: Site, secret: Secret) -> None:
        panel = self.query_one("#vault-secret", Static)
        panel.border_title = shown(f"Password of {site.name} (hides in {REVEAL_SECONDS} s)",
                                   single_line=True)
        panel.update(Text(secret.reveal()))
        panel.display = True
        if self._hide_timer is not None:
            self._hide_timer.stop()
        self._hide_timer = self.set_timer(REVEAL_SECONDS, self._hide)

    def _hide(self) -> None:
        panel = self.query_one("#vault-secret", Static)
        panel.update("")
        panel.display = False
        self._hide_timer = None

    def on_screen_suspend(self) -> None:
        self._hide()  # never leave a password on a screen the officer navigated away from

    def action_back(self) -> None:
        self._hide()
        self.app.pop_screen()
