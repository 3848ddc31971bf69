"""`oncall export INCIDENT`: an incident's record for a debrief or a disclosure, as
Markdown, a self-contained HTML page or JSON; written whole or not at all. Logged."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from oncall.cli_common import UsageError
from oncall.textsafe import printable

FORMATS = ("md", "html", "json")  # as oncall.export.FORMATS (a test checks they agree)


def cmd_export(args: argparse.Namespace, session: Any) -> int:
    """Write the record of one incident to standard output or a file."""
    from oncall.export import export, logged, write_export
    from oncall.record import UnknownIncident, build_record
    from oncall.timeutil import utcnow

    try:
        record = build_record(session, args.incident)
    except UnknownIncident as exc:
        raise UsageError(f"{exc} See the dashboard or `oncall log tail`.") from None
    if args.output and args.output != "-":
        path = write_export(session, record, args.format, Path(args.output))  # and logged
        print(printable(f"exported {len(record.entries)} entries of {record.incident.id} "
                        f"to {path}"), file=sys.stderr)
        return 0
    sys.stdout.write(export(record, args.format, made_at=utcnow(),
                            made_by=session.user.name))
    logged(session, record, args.format, "stdout")
    return 0


def register(sub: argparse._SubParsersAction,
             with_session: Callable[[Callable[[argparse.Namespace, Any], int]],
                                    Callable[[argparse.Namespace], int]]) -> None:
    """Add `export` to the CLI's subcommands."""
    export = sub.add_parser("export", help="an incident's record (md, html or json) for a "
                            "debrief or a disclosure")
    export.add_argument("incident", help="incident id, e.g. 20261204-01")
    export.add_argument("--format", choices=FORMATS, default="md",
                        help="md (default), html (one page, prints cleanly) or json (with "
                        "the log's sequence numbers and hashes)")
    export.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE (whole or not at all); default standard output")
    export.set_defaults(handler=with_session(cmd_export))


def cmd_freshness(args: argparse.Namespace, session: Any) -> int:
    """List what is out of date on the sites; exit 1 if anything is."""
    from oncall.freshness import freshness
    from oncall.playbooks import load_library
    from oncall.timeutil import fmt_datetime, utcnow

    now = utcnow()
    library = load_library(session.settings.playbooks_dir())
    found = freshness(session, library.templates, now)
    for stale in found:
        what = (stale.post and f"post {stale.post} of {stale.incident}") or stale.site
        since = f" (since {fmt_datetime(stale.since, now)})" if stale.since else ""
        print(printable(f"{stale.kind:<8} {what}: {stale.why}{since}", single_line=True))
    print(f"{len(found)} out of date", file=sys.stderr)
    return 1 if found else 0


def register_freshness(sub: argparse._SubParsersAction,
                       with_session: Callable[[Callable[[argparse.Namespace, Any], int]],
                                              Callable[[argparse.Namespace], int]]) -> None:
    """Add `freshness` to the CLI's subcommands."""
    fresh = sub.add_parser("freshness", help="what is out of date on the sites: posts past "
                           "their review time, appeals for resolved incidents, quiet sites; "
                           "exit 1 if any")
    fresh.set_defaults(handler=with_session(cmd_freshness))
