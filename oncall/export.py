"""An incident's record written out for a debrief or a disclosure: Markdown, a
self-contained HTML page (no external assets; it prints cleanly), or JSON carrying the
log's sequence numbers and hashes so a reader can check each line against `oncall log
verify`. Text from outside (posts, messages, names) is escaped in HTML and kept
literally in Markdown's code spans. No UI here.
"""

from __future__ import annotations

import html
import json
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oncall.fsio import atomic_write
from oncall.record import Entry, IncidentRecord
from oncall.textsafe import printable
from oncall.timeutil import local, utcnow

if TYPE_CHECKING:
    from oncall.session import Session

FORMATS = ("md", "html", "json")


def when(moment: datetime) -> str:
    """A time as the record shows it: local, with the zone, never ambiguous."""
    return f"{local(moment):%Y-%m-%d %H:%M:%S %Z}"


def export(record: IncidentRecord, fmt: str, *, made_at: datetime, made_by: str) -> str:
    """The record in `fmt` (one of FORMATS)."""
    if fmt == "json":
        return to_json(record, made_at=made_at, made_by=made_by)
    if fmt == "md":
        return to_markdown(record, made_at=made_at, made_by=made_by)
    if fmt == "html":
        return to_html(record, made_at=made_at, made_by=made_by)
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def _facts(record: IncidentRecord) -> list[tuple[str, str]]:
    inc = record.incident
    facts = [("Incident", inc.id), ("Title", inc.title), ("Status", inc.status_label),
             ("Opened", f"{when(inc.opened_at)} by {inc.opened_by}")]
    if inc.reference:
        facts.append(("Reference", inc.reference))
    if inc.location:
        facts.append(("Location", inc.location))
    if inc.closed_at:
        facts.append(("Closed", f"{when(inc.closed_at)} by {inc.closed_by}"))
    if inc.protected_names:
        facts.append(("Protected names", f"{len(inc.protected_names)} (not shown)"))
    return facts


# --- JSON -------------------------------------------------------------------------------

def _entry_json(entry: Entry) -> dict[str, Any]:
    return {"at": entry.at.isoformat(), "who": entry.who, "action": entry.action,
            "summary": entry.summary, "detail": entry.detail, "log_seq": entry.seq,
            "log_hash": entry.hash or None}


def to_json(record: IncidentRecord, *, made_at: datetime, made_by: str) -> str:
    """Every entry with its log sequence number and hash (null for what the store
    holds), the posts with their per-site results, and the messages."""
    inc = record.incident
    data = {
        "exported_at": made_at.isoformat(), "exported_by": made_by,
        "incident": {"id": inc.id, "title": inc.title, "kind": inc.kind,
                     "status": inc.status, "reference": inc.reference,
                     "location": inc.location, "opened_at": inc.opened_at.isoformat(),
                     "opened_by": inc.opened_by,
                     "closed_at": inc.closed_at.isoformat() if inc.closed_at else None,
                     "protected_names": len(inc.protected_names)},
        "entries": [_entry_json(e) for e in record.entries],
        "posts": [{"id": p.id, "author": p.author, "created_at": p.created_at.isoformat(),
                   "body": p.body, "short": p.short, "template": p.template,
                   "overrides": p.override_notes or dict.fromkeys(p.overrides, ""),
                   "warnings_noted": sorted(p.acknowledged),
                   "retracted_at": p.retracted_at.isoformat() if p.retracted_at else None,
                   "sites": [{"site": d.site, "state": d.state, "url": d.url,
                              "reason": d.reason, "remote_id": d.remote_id}
                             for d in sorted(record.deliveries.get(p.id, []),
                                             key=lambda d: d.site)]}
                  for p in record.posts],
        "messages": [{"id": m.id, "site": m.site, "kind": m.kind, "author": m.author,
                      "author_name": m.author_name, "text": m.text,
                      "sent_at": m.sent_at.isoformat(), "state": m.state,
                      "acknowledged_at": m.ack_at.isoformat() if m.ack_at else None,
                      "acknowledged_by": m.ack_by or None, "forwards": m.forwards}
                     for m in record.messages],
    }
    # ASCII, escaped: whatever a message held (C1 controls, bidi overrides) cannot act on
    # a terminal the JSON is printed to; a reader decodes it exactly.
    return json.dumps(data, indent=2, ensure_ascii=True) + "\n"


# --- Markdown ---------------------------------------------------------------------------

def _md(text: str) -> str:
    """Outside text on one Markdown line, read literally: in a code span that no
    backtick inside can close."""
    flat = printable(text, single_line=True)
    longest = 0
    run = 0
    for ch in flat:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def to_markdown(record: IncidentRecord, *, made_at: datetime, made_by: str) -> str:
    """A readable record: the facts, then every entry in order with its detail."""
    inc = record.incident
    out = [f"# Incident record: {_md(inc.title)}", ""]
    out += [f"- **{name}:** {_md(value)}" for name, value in _facts(record)]
    out += ["", f"Exported {when(made_at)} by {_md(made_by)}. Lines from the action log "
            "carry their sequence number (#n): check them with `oncall log verify`.", "",
            "## Timeline", ""]
    for entry in record.entries:
        seq = f" #{entry.seq}" if entry.seq is not None else ""
        out.append(f"- {when(entry.at)}{seq} {_md(entry.who)}: {_md(entry.summary)}")
        for line in entry.detail.splitlines():
            if line.strip():
                out.append(f"    - {_md(line)}")
    out.append("")
    return "\n".join(out)


# --- HTML -------------------------------------------------------------------------------

_STYLE = """
body { font: 11pt/1.45 system-ui, sans-serif; max-width: 60em; margin: 2em auto;
       color: #111; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; border-bottom: 1px solid #999; }
table { border-collapse: collapse; } td, th { text-align: left; padding: .15em .6em;
vertical-align: top; } th { font-weight: 600; }
ol.timeline { list-style: none; padding: 0; }
ol.timeline li { border-top: 1px solid #ddd; padding: .35em 0; break-inside: avoid; }
.when { font-variant-numeric: tabular-nums; color: #333; }
.seq { color: #555; font-size: .9em; }
pre { white-space: pre-wrap; margin: .3em 0 0 1.5em; font: .95em/1.4 monospace; }
@media print { body { margin: 0; max-width: none; } }
"""


def _h(text: str) -> str:
    return html.escape(printable(text), quote=True)


def to_html(record: IncidentRecord, *, made_at: datetime, made_by: str) -> str:
    """One page, nothing fetched from anywhere, every outside text escaped."""
    inc = record.incident
    rows = "".join(f"<tr><th>{_h(k)}</th><td>{_h(v)}</td></tr>" for k, v in _facts(record))
    items = []
    for entry in record.entries:
        seq = (f' <span class="seq">log #{entry.seq} {_h(entry.hash[:12])}</span>'
               if entry.seq is not None else "")
        detail = f"<pre>{_h(entry.detail)}</pre>" if entry.detail.strip() else ""
        items.append(f'<li><span class="when">{_h(when(entry.at))}</span>{seq} '
                     f"<b>{_h(entry.who)}</b>: {_h(entry.summary)}{detail}</li>")
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Incident record: {_h(inc.title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>Incident record: {_h(inc.title)}</h1><table>{rows}</table>"
        f"<p>Exported {_h(when(made_at))} by {_h(made_by)}. Lines from the action log show "
        "their sequence number and the start of their hash: check them with "
        "<code>oncall log verify</code>.</p>"
        f"<h2>Timeline</h2><ol class=\"timeline\">{''.join(items)}</ol></body></html>\n")


# --- writing it out --------------------------------------------------------------------

def exports_dir() -> Path:
    """Where the console writes exports: the officer's own data directory (a record
    holds personal data; the shared home is not the place for copies of it)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "oncall" / "exports"


def logged(session: Session, record: IncidentRecord, fmt: str, to: str) -> None:
    """Who took the record out, in what form and where to: a disclosure is logged."""
    session.record("record.exported", incident=record.incident.id,
                   details={"format": fmt, "entries": len(record.entries), "to": to})


def write_export(session: Session, record: IncidentRecord, fmt: str,
                 path: Path | None = None) -> Path:
    """Write the record in `fmt` to `path` (default: a new file in exports_dir), whole
    or not at all and readable by its owner only; logged. Raises OSError."""
    now = utcnow()
    text = export(record, fmt, made_at=now, made_by=session.user.name)
    path = path or exports_dir() / f"{record.incident.id}-{local(now):%Y%m%d-%H%M%S}.{fmt}"
    atomic_write(path, text.encode("utf-8"), mode=0o600)
    logged(session, record, fmt, "file")
    return path


__all__ = ["FORMATS", "export", "exports_dir", "logged", "to_html", "to_json", "to_markdown",
           "when", "write_export"]
