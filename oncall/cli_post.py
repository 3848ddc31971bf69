"""`oncall post` and `oncall incident protect`: the send path and protected names from
the shell, with the same checks, rights and log as the console.

Exit codes of `oncall post`: 0 every site sent, 1 some site failed or is unknown (see
each line), 2 bad input, 3 the procedure's checks block the text, 4 the sender may not
post there (or the incident is closed). Nothing is sent on 2, 3 or 4.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from oncall.cli_common import UsageError, read_text_arg
from oncall.textsafe import printable

if TYPE_CHECKING:
    from oncall.session import Session

EXIT_SENT, EXIT_FAILED, EXIT_USAGE, EXIT_BLOCKED, EXIT_REFUSED = 0, 1, 2, 3, 4


class PostUsage(Exception):
    """Bad input to `oncall post`; exit 2."""


def _read(path: str) -> str:
    try:
        return read_text_arg(path)
    except UsageError as exc:
        raise PostUsage(f"cannot read {exc}") from None


def _fields(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise PostUsage(f"--field wants name=value, not {pair!r}")
        out[key.strip()] = value
    return out


def _sites(session: Session, args: argparse.Namespace, incident_id: str) -> tuple[str, ...]:
    from oncall.sitegroups import groups

    if args.group:
        incident = session.incidents.get(incident_id)
        by_key = {g.key: g for g in groups(session.sites.all(), incident)}
        if args.group not in by_key:
            raise PostUsage(f"unknown group {args.group!r}; groups: {', '.join(by_key)}")
        return by_key[args.group].site_ids
    return tuple(args.site)


def _body(session: Session, args: argparse.Namespace,
          templates: dict) -> tuple[str, str]:
    """The text and short version: a filled template, or the file's text."""
    from oncall.templates import fill
    from oncall.timeutil import utcnow

    short = _read(args.short).strip() if args.short else ""
    if not args.template:
        if args.field:
            raise PostUsage("--field needs --template")
        if args.file is None:
            raise PostUsage("give the text as FILE, or - for standard input")
        return _read(args.file).strip(), short
    template = templates.get(args.template)
    if template is None:
        raise PostUsage(f"no template {args.template!r}; see `oncall playbooks list`")
    filled = fill(template, _fields(args.field), session.settings.force, utcnow())
    if not filled.ok:
        problems = "; ".join(f"{k}: {v}" for k, v in filled.errors.items())
        raise PostUsage(f"template {template.id}: {problems}")
    return filled.body, short or (filled.short if template.short else "")


def cmd_post(args: argparse.Namespace, session: Session) -> int:
    """Check and send one post to many sites; print each site's result."""
    import httpx

    from oncall.crosspost import CrossPoster, StorageFault
    from oncall.overrides import OverrideRefused, record_override, text_hash
    from oncall.platforms.base import DEFAULT_TIMEOUT
    from oncall.platforms.registry import adapter_for
    from oncall.playbooks import load_library
    from oncall.sending import (
        Blocked,
        Outgoing,
        SendPath,
        SendRefused,
        SendResult,
        marked_text,
    )
    from oncall.textsafe import printable
    from oncall.vault import Vault

    if bool(args.site) == bool(args.group):
        raise PostUsage("give --site (repeatable) or --group, not both")
    templates = load_library(session.settings.playbooks_dir()).templates
    body, short = _body(session, args, templates)
    if not body:
        raise PostUsage("nothing to send: the text is empty")
    out = Outgoing(args.incident, body, _sites(session, args, args.incident), short=short,
                   template=args.template or "")
    marked = marked_text(body, short)
    template_body = templates[args.template].body if args.template else ""
    for item in args.override:
        rule, sep, reason = item.partition("=")
        if not sep:
            raise PostUsage(f"--override wants RULE=REASON, not {item!r}")
        text = template_body if rule.startswith("template.") else marked
        try:
            out.overrides[rule] = record_override(session, rule, reason, text,
                                                  incident=args.incident,
                                                  given_by=args.approved_by or "")
        except OverrideRefused as exc:
            print(printable(f"oncall: refused: {exc}"), file=sys.stderr)
            return EXIT_REFUSED
        out.override_notes[rule] = reason.strip()
    if args.ack:
        digest = text_hash(marked)
        session.record("policy.acknowledged", incident=args.incident,
                       subject=args.template or None,
                       details={"rules": sorted(args.ack), "text_sha256": digest})
        out.acknowledged.update(dict.fromkeys(args.ack, digest))

    async def send() -> SendResult:
        async with httpx.AsyncClient(timeout=DEFAULT_TIMEOUT) as client:
            poster = CrossPoster(session, client, Vault.for_session(session), adapter_for)
            return await SendPath(session, poster, templates).send(out)

    try:
        result = asyncio.run(send())
    except Blocked as exc:
        print(f"oncall: blocked: {printable(exc.message, single_line=True)}", file=sys.stderr)
        for finding in exc.findings[1:]:
            print(printable(f"  also {finding.rule}: {finding.message}", single_line=True),
                  file=sys.stderr)
        if any(f.severity == "block" and not f.overridable for f in exc.findings):
            print("  nothing was sent; this cannot be overridden: change the text",
                  file=sys.stderr)
        else:
            print("  nothing was sent; fix the text, or --ack RULE for a warning, --override "
                  "RULE=REASON for a block", file=sys.stderr)
        return EXIT_BLOCKED
    except SendRefused as exc:
        print(f"oncall: refused ({exc.rule}): {printable(exc.message, single_line=True)}",
              file=sys.stderr)
        return EXIT_REFUSED
    except StorageFault as exc:
        print(printable(f"oncall: {printable(str(exc), single_line=True)}"), file=sys.stderr)
        return EXIT_FAILED
    names = {s.id: s.name for s in session.sites.all()}
    bad = 0
    deliveries = result.deliveries
    for d in deliveries:
        state = "unrecorded" if d.unrecorded else d.state
        detail = d.url if d.state == "sent" and d.url else d.reason
        bad += state != "sent"
        print(printable(f"{d.site:<20} {state.upper() if state != 'sent' else 'sent':<10} "
                        f"{names.get(d.site, d.site)}  {detail}", single_line=True))
    for site in result.skipped:
        print(printable(f"{site.id:<20} {'skipped':<10} {site.name}  video only: a text "
                        "post does not apply there", single_line=True))
    print(printable(f"{len(deliveries) - bad} of {len(deliveries)} site(s) sent"
          f"{'; see `oncall` (outbox) for the rest' if bad else ''}"), file=sys.stderr)
    return EXIT_FAILED if bad else EXIT_SENT


def cmd_incident_protect(args: argparse.Namespace, session: Session) -> int:
    """Mark an incident's protection and add a name never to publish (read from
    standard input, so it never appears in the shell history or the process list)."""
    from oncall.incidents import IncidentError, Incidents

    name = ""
    if args.name:
        if sys.stdin.isatty():
            name = input("Name never to publish (first name and surname): ")
        else:
            name = sys.stdin.readline()
    try:
        incident = Incidents(session).protect(args.incident, kind=args.kind or "",
                                              name=name.strip())
    except IncidentError as exc:
        print(printable(f"oncall: {exc}"), file=sys.stderr)
        return EXIT_REFUSED if "only a press officer" in str(exc) else EXIT_USAGE
    print(printable(f"incident {incident.id}: {len(incident.protected_names)} protected name(s)"
          f"{'; ' + incident.protection.replace('_', ' ') if incident.protection else ''}"))
    return 0


def register(sub: argparse._SubParsersAction, with_session) -> None:
    """Add `post` and `incident protect` to the CLI's subcommands."""
    post = sub.add_parser("post", help="check and send a post to many sites (as the console "
                          "does); exit 0 sent, 1 some failed, 3 blocked, 4 refused")
    post.add_argument("file", nargs="?", help="text file, or - for standard input "
                      "(not with --template)")
    post.add_argument("--incident", required=True, help="incident id")
    post.add_argument("--site", action="append", default=[], help="site id (repeat)")
    post.add_argument("--group", help="a group of sites, e.g. corporate, area:Brackenford")
    post.add_argument("--template", help="template id: the text is the filled template")
    post.add_argument("--field", action="append", default=[], metavar="NAME=VALUE",
                      help="a template field (repeat)")
    post.add_argument("--short", metavar="FILE", help="short version for X and Bluesky")
    post.add_argument("--ack", action="append", default=[], metavar="RULE",
                      help="acknowledge a warning (logged; repeat)")
    post.add_argument("--override", action="append", default=[], metavar="RULE=REASON",
                      help="override a block (Corporate Communications; logged)")
    post.add_argument("--approved-by", metavar="LOGIN",
                      help="with --override: recorded on behalf of this Corporate "
                      "Communications officer, who approved it (e.g. by phone)")
    post.set_defaults(handler=with_session(cmd_post))

    incident = sub.add_parser("incident", help="incidents")
    inc_sub = incident.add_subparsers(title="incident commands", metavar="ACTION",
                                      required=True)
    protect = inc_sub.add_parser("protect", help="record a name never to publish for an "
                                 "incident (read from standard input)")
    protect.add_argument("incident", help="incident id")
    protect.add_argument("--kind", choices=("sexual_offence", "child_proceedings"),
                         help="why names are protected")
    protect.add_argument("--name", action="store_true",
                         help="read a name from standard input and protect it")
    protect.set_defaults(handler=with_session(cmd_incident_protect))
