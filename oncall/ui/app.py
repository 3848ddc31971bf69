"""The Textual app and the one factory that builds it for the CLI, the demo and the tests."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.dom import NoScreen
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import WorkerFailed

from oncall.actionlog import VerifyResult
from oncall.faults import describe
from oncall.incidents import IncidentError, Incidents
from oncall.model import Delivery, Draft, Site
from oncall.playbooks import Library, load_library
from oncall.postview import outbox_view
from oncall.session import Session
from oncall.store import StoreError
from oncall.textsafe import printable
from oncall.ui.asciifilter import AsciiFilter, terminal_is_utf8
from oncall.ui.callbacks import then
from oncall.ui.clipboard import Clipboard
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.dialogs.help import HelpDialog, key_label
from oncall.ui.palette import PlacesProvider
from oncall.ui.screens.dashboard import DashboardScreen
from oncall.ui.themes import load_themes, stylesheet

if TYPE_CHECKING:
    # The network side (httpx, the platforms, the send path) is imported on first use or
    # by the warm-up after the first paint: drawing the dashboard does not need it.
    import httpx

    from oncall.crosspost import AdapterFor
    from oncall.forwarding import Forwarder
    from oncall.platforms.base import Adapter, TokenSource
    from oncall.search import SearchIndex
    from oncall.sending import SendPath
    from oncall.vault import Vault


def expected_faults() -> tuple[type[BaseException], ...]:
    """Failures that are a state, not a crash: see OncallApp._handle_exception."""
    from oncall.crosspost import DeliveryConflict, StorageFault
    from oncall.sending import SendRefused

    return (OSError, StoreError, StorageFault, IncidentError, SendRefused, DeliveryConflict)

THEME_ORDER = ("corporate", "high-contrast", "mono")


class HomeChanged(Message):
    """Another process (or this one) changed these kinds of records in the home."""

    def __init__(self, kinds: frozenset[str]) -> None:
        super().__init__()
        self.kinds = kinds

ABOUT = ("oncall: the press office's console for critical incidents. Every action you take "
         "is written to the action log. Status is always shown in words as well as colour.")


class OncallApp(App[int]):
    """The oncall terminal console."""

    TITLE = "oncall"
    CSS_PATH = str(stylesheet())
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {PlacesProvider}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("f1,question_mark", "help", "Help", id="app.help", key_display="F1"),
        Binding("t", "next_theme", "Theme", id="app.theme"),
        # Priority: the app moves focus the moment Tab is read, before it hands on the
        # keys after it, so a burst ("AAAA<Tab>BBBB") fills each field in turn instead
        # of landing wholly in the first.
        Binding("tab", "focus_next", "Next field", show=False, priority=True,
                id="app.focus_next"),
        Binding("shift+tab", "focus_previous", "Previous field", show=False, priority=True,
                id="app.focus_previous"),
    ]

    def __init__(self, session: Session, *, theme: str | None = None,
                 tokens: TokenSource | None = None, adapter_for: AdapterFor | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 backstage: Callable[[], None] | None = None,
                 poll_inbox: bool = False, ends_on_hangup: bool = False) -> None:
        self._started = time.perf_counter()
        super().__init__()
        self.session = session
        self.first_paint_seconds: float | None = None
        self.log_check: VerifyResult | None = None
        self.incidents = Incidents(session)
        # The history's index (search and freshness), kept while the app runs so that a
        # second look does not read the year's history again; see history_index.
        self._history_index: SearchIndex | None = None
        # Set when the app ends: stops the home watcher (see _watch_home).
        self._watch_stop = threading.Event()
        from oncall.presence import Presence

        self.presence = Presence(session)  # where this officer is, for the others
        self._presence_said: tuple[str, str, str] | None = None
        self._presence_at = 0.0
        # One HTTP client for every network, made when first needed (see `http`).
        self._http: httpx.AsyncClient | None = None
        self._transport = transport
        # Credentials: keyring calls happen only in workers, with a timeout (see vault.py).
        self._vault: Vault | None = None
        self._vault_lock = threading.Lock()  # workers may ask for it first, together
        # Set-up that can wait for the first paint (the demo's sandbox and passwords);
        # the vault and the send path wait for it in turn.
        self._backstage = backstage
        self._backstage_done = threading.Event()
        if backstage is None:
            self._backstage_done.set()
        self._tokens = tokens
        # The console run for real reads every site's inbox; tests ask for it.
        self._poll_inbox = poll_inbox
        # The console run for real ends cleanly on SIGHUP (the SSH link dropped) and
        # SIGTERM, as it does on `q`: presence left, clipboard cleared, the demo's home
        # removed. Tests run the app inside pytest and leave its signals alone.
        self._ends_on_hangup = ends_on_hangup
        self.copier = Clipboard(self, session.settings.ui.clipboard_clear_seconds)
        self.adapter_for: AdapterFor = adapter_for or _default_adapters()
        # Empty until the loader worker has read the playbooks directory.
        self.library = Library(session.settings.playbooks_dir())
        self.library_ready = False
        self._rung: set[str] = set()
        if session.settings.keys:  # the officer's own keys, by binding id ([keys])
            self.set_keymap(dict(session.settings.keys))
        if not terminal_is_utf8():
            self._filters.append(AsciiFilter())
        for palette in load_themes():
            self.register_theme(palette)
        # NO_COLOR (no-color.org): the monochrome theme, whose selection is reverse video.
        no_color = bool(os.environ.get("NO_COLOR"))
        self.theme = theme or ("mono" if no_color else session.settings.ui.theme)
        # Textual made the stylesheet with its default theme's colours, so every sheet
        # would be parsed twice at start (once with those, again by the theme's refresh):
        # give it this theme's colours before the first parse; refresh_css then skips the
        # second (about 20 ms of the start).
        self._parsed_colours = self.get_css_variables()
        self.stylesheet.set_variables(self._parsed_colours)
        self.title = f"oncall · {session.settings.force.name}"

    def refresh_css(self, animate: bool = True) -> None:
        """Textual's refresh, without re-parsing every stylesheet when the colours are
        those they were parsed with (the theme set at start); a theme switch re-parses."""
        colours = self.get_css_variables()
        if colours != self._parsed_colours:
            self._parsed_colours = colours
            super().refresh_css(animate)
            return
        stylesheet = self.stylesheet
        # Instance attributes shadow the two methods that would throw the parse away.
        stylesheet.set_variables = lambda variables: None  # type: ignore[method-assign]
        stylesheet.reparse = lambda: None  # type: ignore[method-assign]
        try:
            super().refresh_css(animate)
        finally:
            del stylesheet.set_variables, stylesheet.reparse

    def _catch_hangups(self, catch: bool) -> None:
        if not self._ends_on_hangup:
            return
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGHUP, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                if catch:
                    loop.add_signal_handler(signum, self.exit)
                else:
                    loop.remove_signal_handler(signum)

    async def on_unmount(self) -> None:
        self._catch_hangups(False)
        self._watch_stop.set()  # the home watcher ends with the app
        self.presence.leave()
        self.copier.clear()  # never leave a copied password behind
        if self._http is not None:
            await self._http.aclose()

    @property
    def vault(self) -> Vault:
        """The credential vault, opened on first use (the keyring is slow to import)."""
        self._after_backstage()
        with self._vault_lock:
            if self._vault is None:
                from oncall.vault import Vault

                self._vault = Vault.for_session(self.session)
            return self._vault

    @vault.setter
    def vault(self, vault: Vault) -> None:
        """Use this vault (a test's, over a backend of its own) instead of the session's."""
        with self._vault_lock:
            self._vault = vault

    @property
    def tokens(self) -> TokenSource:
        """Where the networks' tokens come from: the vault, unless a test gave its own."""
        return self._tokens or self.vault

    @property
    def http(self) -> httpx.AsyncClient:
        """The one HTTP client for every network, made on first use."""
        if self._http is None:
            import httpx

            from oncall.platforms.base import DEFAULT_TIMEOUT

            self._http = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, transport=self._transport,
                                           follow_redirects=False)
        return self._http

    def on_mount(self) -> None:
        self._catch_hangups(True)
        if self.session.user.read_only:
            from oncall.ui.screens.oversight import OversightScreen

            self.push_screen(OversightScreen())
        else:
            self.push_screen(DashboardScreen())
        self._fit(self.size.width, self.size.height)

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width, event.size.height)

    def _fit(self, width: int, height: int) -> None:
        """Screens drop what can go (columns, the timeline) below 80x24, and below the
        minimum a message replaces them until the terminal is big enough again."""
        from oncall.ui.screens.toosmall import TooSmallScreen, too_small

        self.set_class(width < 80, "-narrow")
        self.set_class(height < 24, "-short")
        top = self.screen_stack[-1] if self.screen_stack else None
        if too_small(width, height):
            if isinstance(top, TooSmallScreen):
                top.show_size(width, height)
            else:
                self.push_screen(TooSmallScreen())
        elif isinstance(top, TooSmallScreen):
            self.pop_screen()

    @work(thread=True, group="clipboard-probe")
    def probe_clipboard(self) -> None:
        """What can stop a copy reaching the officer's clipboard (tmux), read once."""
        self.copier.probe()

    @work(thread=True, exclusive=True, group="library")
    def load_library(self) -> None:
        """Read and validate the playbooks off the event loop."""
        library = load_library(self.session.settings.playbooks_dir())
        self.call_from_thread(self._library_loaded, library)

    def _library_loaded(self, library: Library) -> None:
        self.library = library
        self.library_ready = True
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                screen.show_library(library)

    def show_hold(self, holds: int) -> None:
        """Say on every screen's header, in words, that a crisis hold is in force (the
        dashboard's banner says what, why and who; it reads the holds on each refresh)."""
        base = self.title.split(" · ", 1)[1] if self.title.startswith("!! ") else self.title
        self.title = f"!! CRISIS HOLD ({holds}) · {base}" if holds else base

    def history_index(self) -> SearchIndex:
        """The one index of every incident's posts (History's search, the dashboard's
        out-of-date count and list). Made on first use; call it from a worker: its first
        read of a long history takes seconds."""
        from oncall.search import SearchIndex

        if self._history_index is None:
            self._history_index = SearchIndex(self.session)
        return self._history_index

    def send_path(self, on_change: Callable[[Delivery], None] | None = None) -> SendPath:
        """The core's one send path, for a screen: it judges, refuses or sends."""
        from oncall.crosspost import CrossPoster
        from oncall.sending import SendPath

        self._after_backstage()
        poster = CrossPoster(self.session, self.http, self.tokens, self.adapter_for,
                             on_change=on_change)
        return SendPath(self.session, poster, self.library.templates)

    def forwarder(self) -> Forwarder:
        """The core's forwarding to staff; the mail relay's password is read from the
        vault only when a mail needs it (in the worker that sends it)."""
        from oncall.forwarding import Forwarder

        return Forwarder(self.session, password=lambda: self.vault.mail_password())

    def wait_for_backstage(self) -> None:
        """Until the demo's sandbox and passwords are set up (at once elsewhere)."""
        self._after_backstage()

    def _after_backstage(self) -> None:
        # Seconds at most, and only in the first moments of a demo.
        if not self._backstage_done.wait(timeout=60):
            raise OSError("the demo's sandbox did not start within a minute")

    def on_ready(self) -> None:
        self.first_paint_seconds = time.perf_counter() - self._started
        if not gc.isenabled():  # the CLI held the collector off until this first paint
            # What start-up made lives as long as the console: set it aside for good, so
            # no later collection walks it again.
            gc.freeze()
            gc.enable()
        # Reading every playbook is CPU work: a worker started before the first paint
        # would share the interpreter with it and hold it back.
        self.load_library()
        self.probe_clipboard()
        self.warm_up()
        self.set_interval(2.0, self._keep_presence)

    @work(thread=True, exclusive=True, group="warm-up")
    def warm_up(self) -> None:
        """After the first paint, off the event loop: load what the first compose, check
        or send will need (the send path and its checks, the URL patterns, the keyring,
        the HTTP stack), so that the first keystroke there is as quick as the hundredth."""
        if self._backstage is not None:
            try:
                self._backstage()
            finally:
                self._backstage_done.set()
        from oncall.platforms import registry  # noqa: F401 - imported for its cost
        from oncall.sending import SendPath  # noqa: F401 - imported for its cost
        from oncall.textlength import warm

        warm()
        self.vault  # noqa: B018 - opened for its cost
        self.call_from_thread(lambda: self.http)
        self._watch_home()
        if self._poll_inbox and not self.session.user.read_only:  # they store nothing
            # Imported here, off the event loop (it brings the HTTP stack), then run there.
            from oncall.ui.inboxpoll import InboxPoller

            poller = InboxPoller(self)
            self.call_from_thread(lambda: self.run_worker(
                poller.run(), group="inbox-poll", exclusive=True))

    def _watch_home(self) -> None:
        """Watch the shared home for other officers' writes (oncall.homewatch): each
        burst is told to the screen on show, which re-reads what it shows. A daemon
        thread, not a worker: it blocks in the OS's file events until the app ends."""
        import threading

        from oncall.homewatch import watch_home

        def run() -> None:
            try:
                for kinds in watch_home(self.session.paths, self._watch_stop):
                    self.call_from_thread(self._home_changed, kinds)
            except RuntimeError:
                pass  # the app ended while a change was on its way

        threading.Thread(target=run, name="oncall-homewatch", daemon=True).start()

    # --- who else is working (oncall.presence) -------------------------------------

    def _where(self) -> tuple[str, str, str]:
        """(screen, incident, draft) of the screen on show, in words."""
        screen = self.screen
        where = type(screen).__name__.removesuffix("Screen").removesuffix("Dialog").lower()
        incident = getattr(screen, "incident_id", "") or getattr(
            getattr(screen, "incident", None), "id", "")
        draft = getattr(getattr(screen, "draft", None), "id", "")
        return where, str(incident or ""), str(draft or "")

    def _keep_presence(self) -> None:
        """Every two seconds: write where this officer is if it changed, or every half
        minute anyway (a file write, in a thread: never on the event loop)."""
        from oncall.presence import HEARTBEAT

        try:
            where = self._where()
        except NoScreen:
            return
        now = time.monotonic()
        if where == self._presence_said and now - self._presence_at < \
                HEARTBEAT.total_seconds():
            return
        self._presence_said, self._presence_at = where, now
        self.run_worker(lambda: self.presence.here(*where), thread=True,
                        group="presence", exclusive=True)

    def _home_changed(self, kinds: set[str]) -> None:
        self.screen.post_message(HomeChanged(frozenset(kinds)))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpDialog):
            return
        self.push_screen(HelpDialog(self.screen, ABOUT))

    def action_next_theme(self) -> None:
        current = THEME_ORDER.index(self.theme) if self.theme in THEME_ORDER else -1
        self.theme = THEME_ORDER[(current + 1) % len(THEME_ORDER)]
        self.notify(f"Theme: {self.theme}", timeout=2)

    def format_title(self, title: str, sub_title: str) -> Content:
        """The header: titles hold incident and playbook names, shown literally."""
        return super().format_title(printable(title, single_line=True),
                                    printable(sub_title, single_line=True))

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification, from every screen, shown literally: its text often holds
        a site name, a network's error or a URL from outside, so it is never parsed as
        markup and its control characters are made visible. `markup` is ignored."""
        super().notify(printable(str(message)), title=printable(title, single_line=True),
                       severity=severity, timeout=timeout, markup=False)

    def _handle_exception(self, error: Exception) -> None:
        # The one place worker errors end up. A storage fault or a refusal from the core
        # ends only the action it hit, with one line; anything else is a bug and still
        # stops the app so that it is seen.
        cause = error.error if isinstance(error, WorkerFailed) else error
        # Only a --debug run has a handler: then the traceback goes to its log file.
        logging.getLogger("oncall.ui").debug("worker error", exc_info=cause)
        if isinstance(cause, expected_faults()):
            self.report_fault(cause)
            return
        super()._handle_exception(error)

    def call_from_thread(self, callback: Callable[..., Any], *args: Any,
                         **kwargs: Any) -> Any:
        """As Textual's, for workers handing results back: a screen the officer has left
        meanwhile (a late check, a load after a switch) gets nothing, instead of its
        widgets being looked for and the app stopping. A notification still shows."""
        owner = getattr(callback, "__self__", None)
        if isinstance(owner, Widget):
            def if_still_shown(*a: Any, **k: Any) -> Any:
                if self.still_shown(owner):
                    return callback(*a, **k)
                if getattr(callback, "__name__", "") == "notify":
                    return self.notify(*a, **k)
                return None

            return super().call_from_thread(if_still_shown, *args, **kwargs)
        return super().call_from_thread(callback, *args, **kwargs)

    def still_shown(self, widget: Widget) -> bool:
        """Whether `widget` is on a screen the officer can still come back to. A screen
        that was switched away or popped leaves the stack at once but keeps its widgets
        attached for a moment while they are removed: a result arriving then must not
        look for them."""
        if not widget.is_attached:
            return False
        try:
            screen = widget.screen
        except NoScreen:
            return False
        return any(screen in stack for stack in self._screen_stacks.values())

    def ring_once(self, key: str) -> None:
        """Ring the terminal bell the first time `key` (an incident's update slot) is
        seen in this run: enough to wake the officer, not a bell every refresh."""
        if key not in self._rung:
            self._rung.add(key)
            self.bell()

    def report_fault(self, error: BaseException) -> None:
        """Tell the officer, in one line, what could not be done; the app keeps running."""
        self.notify(describe(error), title="Not done", severity="error", timeout=12)
        self.bell()

    async def action_quit(self) -> None:
        """Quit, but ask first if anything would be left hanging: deliveries waiting for a
        decision, or a post being written that has not been sent."""
        self._check_before_quit()

    @work(thread=True, exclusive=True, group="app-quit")
    def _check_before_quit(self) -> None:
        waiting = len(outbox_view(self.session).rows)
        self.call_from_thread(self._confirm_quit, waiting)

    def _confirm_quit(self, waiting: int) -> None:
        from oncall.ui.screens.compose import ComposeScreen

        writing = [s for s in self.screen_stack
                   if isinstance(s, ComposeScreen) and s.unsent_text()]
        reasons = []
        if waiting:
            reasons.append(f"{waiting} deliver{'y' if waiting == 1 else 'ies'} in the outbox "
                           "wait for a decision: nobody else will be told")
        if any(not s.editing_scheduled for s in writing):
            reasons.append("a post you are writing has not been sent (its draft is kept)")
        if any(s.editing_scheduled for s in writing):
            reasons.append("changes to a scheduled post are not kept (F10 keeps them); it "
                           "goes as it was")
        if not reasons:
            self.exit(0)
            return
        self.push_screen(ConfirmDialog("Quit oncall?", "\n".join(f"• {r}." for r in reasons)
                                       + "\n\nQuit anyway?", yes="quit"),
                         then(lambda _: self._quit_now()))

    def _quit_now(self) -> None:
        from oncall.ui.screens.compose import ComposeScreen

        drafts = [s.draft_to_keep() for s in self.screen_stack
                  if isinstance(s, ComposeScreen) and s.unsent_text()
                  and not s.editing_scheduled]
        self._save_then_exit(drafts)

    @work(thread=True, exclusive=True, group="app-quit")
    def _save_then_exit(self, drafts: list[tuple[Draft, int]]) -> None:
        for draft, version in drafts:  # what was being written is kept, to send later
            with contextlib.suppress(IncidentError, StoreError, OSError):
                self.incidents.keep_draft(draft, version)
        self.call_from_thread(self.exit, 0)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield SystemCommand("Help", "Show every key and what it does", self.action_help)
        yield SystemCommand("Quit", "Leave oncall", self.exit)
        for name in THEME_ORDER:
            yield SystemCommand(f"Theme: {name}", f"Switch to the {name} theme",
                                lambda n=name: setattr(self, "theme", n))
        # Every described key of the current screen is also a palette command, so the
        # footer, F1 help and Ctrl+P always list the same actions.
        for binding in screen.BINDINGS:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            action = getattr(screen, f"action_{binding.action}", None)
            if action is None or binding.action in ("back", "cancel", "dismiss"):
                continue
            yield SystemCommand(f"{binding.description} ({key_label(binding.key)})",
                                binding.tooltip or binding.description, action)


def _default_adapters() -> AdapterFor:
    def adapter_for(site: Site, client: httpx.AsyncClient, tokens: TokenSource) -> Adapter:
        # Imported on first use: the network modules are not needed to draw the dashboard.
        from oncall.platforms.registry import adapter_for as real

        return real(site, client, tokens)

    return adapter_for


def make_app(session: Session, *, theme: str | None = None, tokens: TokenSource | None = None,
             adapter_for: AdapterFor | None = None,
             transport: httpx.AsyncBaseTransport | None = None,
             backstage: Callable[[], None] | None = None,
             poll_inbox: bool = False, ends_on_hangup: bool = False) -> OncallApp:
    """Build the app for a session. The CLI, the demo, the benchmarks and the tests all use
    this; tests may pass scripted adapters or an httpx transport; the demo passes the
    set-up to do after the first paint (`backstage`); the CLI asks for the sites' inboxes
    to be read while it runs (`poll_inbox`) and the console to end cleanly on a hangup
    or SIGTERM (`ends_on_hangup`)."""
    return OncallApp(session, theme=theme, tokens=tokens, adapter_for=adapter_for,
                     transport=transport, backstage=backstage, poll_inbox=poll_inbox,
                     ends_on_hangup=ends_on_hangup)
