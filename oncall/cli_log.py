"""`oncall log ...`: verify, tail, anchor and the signing keys in use."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from oncall.cli_common import UsageError, _home
from oncall.textsafe import printable

if TYPE_CHECKING:
    from oncall.actionlog import ActionLog
    from oncall.config import Paths, Settings
    from oncall.staff import Directory


def cmd_log_verify(args: argparse.Namespace) -> int:
    """Walk the action log: chain, signatures, month files, HEAD and anchors."""
    from oncall.actionlog import ActionLog
    from oncall.anchors import verify_with_anchors
    from oncall.config import Paths, load_settings
    from oncall.staff import load_directory
    from oncall.tomlfile import TomlError

    paths = Paths(_home(args))
    problems: list[str] = []
    sources: list[str] = list(args.anchors or [])
    pins: dict[str, list[str]] = {}
    log = ActionLog(paths.log)
    try:
        settings = load_settings(paths.config)
        if not args.anchors:
            sources = list(settings.log.anchor_read)
        directory = load_directory(paths.people)
        pins = directory.pins()
        log = _verifiers_log(paths, settings, directory, args)
    except TomlError as exc:
        problems.append(f"pinned keys and anchor settings not read: {exc.problems[0]}")
    result = verify_with_anchors(log, pins, sources, paths.home, resume=not args.full)
    result.notes[:0] = problems
    text = str(result) if result.ok else "\n".join([result.headline(), *(
        f"  note: {n}" for n in result.notes)])
    print(printable(text), file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


def _verifiers_log(paths: Paths, settings: Settings, directory: Directory,
                   args: argparse.Namespace) -> ActionLog:
    """The log as the verifying officer holds it, able to sign their attestation of the
    walk (see oncall.logattest); a plain reader when they are not in the directory (an
    auditor's own account) or may not act as the login asked for."""
    from oncall.actionlog import ActionLog
    from oncall.session import IdentityRefused, resolve_login
    from oncall.staff import UnknownUser

    try:
        login, _ = resolve_login(paths, settings, getattr(args, "user", None))
        directory.person(login)
    except (IdentityRefused, UnknownUser):
        return ActionLog(paths.log)
    return ActionLog(paths.log, key_dir=settings.key_dir(paths.home), author=login)


def cmd_log_tail(args: argparse.Namespace) -> int:
    """Print the last entries of the action log."""
    from oncall.actionlog import ActionLog
    from oncall.config import Paths
    from oncall.timeutil import fmt_datetime, parse_iso

    entries = ActionLog(Paths(_home(args)).log).tail(args.n)
    for e in entries:
        if args.json:
            # ASCII-escaped: valid JSON whose text can carry no terminal control or bidi mark.
            print(json.dumps(e.to_dict(), ensure_ascii=True))
            continue
        where = f" [{e.incident}]" if e.incident else ""
        subject = f" {e.subject}" if e.subject else ""
        details = f" {json.dumps(e.details, ensure_ascii=False)}" if e.details else ""
        print(printable(f"{e.seq:>6} {fmt_datetime(parse_iso(e.at))} {e.actor} ({e.role}) "
                        f"{e.action}{subject}{where}{details}", single_line=True))
    return 0


def cmd_log_anchor(args: argparse.Namespace, session: Any) -> int:
    """Publish the log's head, signed, to the configured witness."""
    from oncall.anchors import AnchorError, anchor

    try:
        done = anchor(session)
    except AnchorError as exc:
        raise UsageError(f"not anchored: {exc}") from None
    print(printable(f"anchored entry {done.seq} ({done.hash[:16]}...) to {done.source}"))
    return 0


def cmd_log_keys(args: argparse.Namespace) -> int:
    """List the signing keys the log's entries were signed with, and which are pinned."""
    from oncall.actionlog import ActionLog
    from oncall.config import Paths
    from oncall.signing import fingerprint
    from oncall.staff import load_directory

    paths = Paths(_home(args))
    directory = load_directory(paths.people)
    people = directory.people
    result = ActionLog(paths.log).verify(directory.pins())
    if not result.ok:
        print(printable(result.headline()), file=sys.stderr)
    for login, keys in sorted(result.keys.items()):
        pinned = set(people[login].signing_keys) if login in people else set()
        for key in keys:
            state = "pinned" if key in pinned else "first use (pin it in people.toml)"
            print(printable(f"{login:<16} {fingerprint(key)}  {state}\n"
                            f"    signing_keys = [\"{key}\"]"))
    if not result.keys:
        print("no entry in the log is signed yet")
    return 0 if result.ok else 1


def register(sub: argparse._SubParsersAction,
             with_session: Callable[[Callable[[argparse.Namespace, Any], int]],
                                    Callable[[argparse.Namespace], int]]) -> None:
    """Add `log verify|tail|anchor|keys` to the CLI's subcommands."""
    log = sub.add_parser("log", help="the action log")
    log_sub = log.add_subparsers(title="log commands", metavar="ACTION", required=True)
    verify = log_sub.add_parser("verify", help="check chain, signatures and anchors; exit 1 "
                                "naming the first broken line")
    verify.add_argument("--anchors", action="append", metavar="FILE",
                        help="read anchors from FILE (a syslog file, a saved mail; - for "
                        "standard input; repeat); default: [log] anchor_read")
    verify.add_argument("--full", action="store_true",
                        help="walk every entry again, not only those since this account's "
                        "last verification")
    verify.set_defaults(handler=cmd_log_verify)
    tail = log_sub.add_parser("tail", help="print the last entries")
    tail.add_argument("-n", type=int, default=20, help="how many entries (default 20)")
    tail.add_argument("--json", action="store_true", help="one JSON object per line")
    tail.set_defaults(handler=cmd_log_tail)
    anchor = log_sub.add_parser("anchor", help="publish the log's head, signed, to the "
                                "witness outside the home (syslog or [log] anchor_command)")
    anchor.set_defaults(handler=with_session(cmd_log_anchor))
    keys = log_sub.add_parser("keys", help="list the officers' signing keys in the log, "
                              "as lines to pin in people.toml")
    keys.set_defaults(handler=cmd_log_keys)
