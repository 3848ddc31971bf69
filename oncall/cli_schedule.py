"""`oncall run-due` (send what is due, once, then exit: safe from cron every minute and
from two hosts at once), `oncall scheduler` (the same on a loop, for a systemd
service) and `oncall schedule` (what is scheduled, missed or blocked)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any

from oncall.textsafe import printable

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from oncall.schedule import RunOutcome, Schedule
    from oncall.session import Session

EXIT_ATTENTION = 1  # something missed, blocked or failed: cron mails the output


@asynccontextmanager
async def _schedule(session: Session) -> AsyncIterator[Schedule]:
    """The schedule with the one send path, over one HTTP client."""
    import httpx

    from oncall.crosspost import CrossPoster
    from oncall.platforms.base import DEFAULT_TIMEOUT
    from oncall.platforms.registry import adapter_for
    from oncall.playbooks import load_library
    from oncall.schedule import Schedule
    from oncall.sending import SendPath
    from oncall.vault import Vault

    templates = load_library(session.settings.playbooks_dir()).templates
    async with httpx.AsyncClient(timeout=DEFAULT_TIMEOUT) as client:
        poster = CrossPoster(session, client, Vault.for_session(session), adapter_for)
        yield Schedule(session, SendPath(session, poster, templates),
                       grace=session.settings.schedule.grace)


def _report(outcomes: list[RunOutcome]) -> int:
    for o in outcomes:
        print(printable(f"{o.result:<8} {o.draft.incident} {o.draft.id}: {o.detail}",
                        single_line=True))
    return EXIT_ATTENTION if any(o.result in ("missed", "blocked", "failed")
                                 for o in outcomes) else 0


def cmd_run_due(args: argparse.Namespace, session: Any) -> int:
    """Send every post due now, once; exit 1 if any was missed, blocked or failed."""
    async def run() -> list[RunOutcome]:
        async with _schedule(session) as schedule:
            return await schedule.run_due()

    return _report(asyncio.run(run()))


def cmd_scheduler(args: argparse.Namespace, session: Any) -> int:
    """Run what is due every --every seconds until stopped (SIGTERM or SIGINT)."""
    async def loop() -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        async with _schedule(session) as schedule:
            while not stop.is_set():
                _report(await schedule.run_due())
                sys.stdout.flush()
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=args.every)

    asyncio.run(loop())
    return 0


def cmd_schedule(args: argparse.Namespace, session: Any) -> int:
    """List what is scheduled, missed or blocked, soonest first."""
    from oncall.schedule import Schedule
    from oncall.timeutil import fmt_datetime, utcnow

    now = utcnow()
    for d in Schedule(session).pending():
        when = fmt_datetime(d.due_at, now) if d.due_at else "-"
        first = d.body.strip().splitlines()[0] if d.body.strip() else ""
        print(printable(f"{d.status:<9} {when:<20} {d.incident} {d.id} to "
                        f"{', '.join(d.sites)}: {first[:60]}"
                        + (f" ({d.problem})" if d.problem else ""), single_line=True))
    return 0


def cmd_hold(args: argparse.Namespace, session: Any) -> int:
    """Set, lift or list crisis holds."""
    from oncall.cli_common import RefusedError
    from oncall.hold import HoldRefused, Holds

    holds = Holds(session)
    names = {p.login: p.name for p in session.directory.people.values()}
    try:
        if args.action == "set":
            scope = f"incident:{args.incident}" if args.incident else \
                f"area:{args.area}" if args.area else "all"
            hold = holds.set(args.reason or "", scope)
            print(printable(f"{hold.id}: {hold.describe(names)}", single_line=True))
        elif args.action == "lift":
            lifted = holds.lift(args.id, args.reason or "")
            print(printable(f"lifted {lifted.hold.id}; it held {len(lifted.posts)} "
                            f"scheduled post(s) and {len(lifted.deliveries)} paused "
                            "delivery(ies): send, move or cancel each (the console asks; "
                            "`oncall schedule` lists the posts, its outbox the "
                            "deliveries)", single_line=True))
        else:
            for hold in holds.active():
                print(printable(f"{hold.id}: {hold.describe(names)}", single_line=True))
    except HoldRefused as exc:
        raise RefusedError(str(exc)) from None
    return 0


def register(sub: argparse._SubParsersAction,
             with_session: Callable[[Callable[[argparse.Namespace, Any], int]],
                                    Callable[[argparse.Namespace], int]]) -> None:
    """Add run-due, scheduler and schedule to the CLI's subcommands."""
    due = sub.add_parser("run-due", help="send the scheduled posts that are due, once, "
                         "then exit (cron: every minute; safe from two hosts at once); "
                         "exit 1 if any was missed, blocked or failed")
    due.set_defaults(handler=with_session(cmd_run_due))
    loop = sub.add_parser("scheduler", help="run-due on a loop until stopped (for a "
                          "systemd service)")
    loop.add_argument("--every", type=float, default=30.0, metavar="SECONDS",
                      help="how often to look (default 30)")
    loop.set_defaults(handler=with_session(cmd_scheduler))
    listing = sub.add_parser("schedule", help="what is scheduled, missed or blocked")
    listing.set_defaults(handler=with_session(cmd_schedule))
    hold = sub.add_parser("hold", help="crisis hold: pause every scheduled post (press "
                          "officers and Corporate Communications; logged)")
    hold.add_argument("action", choices=("set", "lift", "list"))
    hold.add_argument("id", nargs="?", default="", help="the hold to lift")
    hold.add_argument("--reason", help="why (required to set; shown on every screen)")
    where = hold.add_mutually_exclusive_group()
    where.add_argument("--incident", help="hold only this incident's posts")
    where.add_argument("--area", help="hold only posts to this area's sites")
    hold.set_defaults(handler=with_session(cmd_hold))
