"""Search across every incident, open and closed: its details, each post (its text, its
author, the sites it went to and how each ended) and each message from the public
linked to it, optionally within a span of time ("appeal Hanley last month"). No UI here.

What is searched comes from the store, not the action log: a year of the log is a
million entries, while the store holds one summary line per thing that happened to
the public. Each incident's posts are read once and kept while their files are
unchanged (one stat per file a search), so a search over a year answers in tens of
milliseconds once the first has read the year.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from oncall.freshness import PostFact, fact_of
from oncall.fsio import atomic_write, make_dirs
from oncall.model import Delivery, Incident, PostRecord
from oncall.postrecords import DeliveryRepository, PostRepository
from oncall.store import settled
from oncall.timerange import TimeRange, split_query
from oncall.timeutil import parse_iso

if TYPE_CHECKING:
    from oncall.inboxrecords import InboxItem
    from oncall.session import Session

_VERSION = 3  # of the files kept on disk: another is read again from the store

#: At most this many hits are returned (newest first); `Found.total` counts them all.
LIMIT = 500


@dataclass(frozen=True)
class Hit:
    """One thing that matched: the incident it belongs to, and a line to show."""

    incident: str
    at: datetime
    kind: str       # "incident" | "post" | "message"
    who: str
    line: str       # one line: what it is, from the thing itself
    hay: str = field(default="", repr=False, compare=False)  # casefolded, searched

    def snippet(self, words: str, width: int) -> str:
        """The line, cut to `width` around the first typed word found in it, so that
        what matched shows in a narrow column ("…seen near the bandstand")."""
        line = " ".join(self.line.split())
        if len(line) <= width:
            return line
        lowered = line.casefold()
        at = min((i for w in words.casefold().split() if (i := lowered.find(w)) >= 0),
                 default=0)
        if at < width - 12:
            return line[:width - 1] + "…"
        start = max(0, min(at - 10, len(line) - width + 1))
        space = line.find(" ", max(0, start - 1), at)  # begin at a word, not inside one
        if space >= 0:
            start = space + 1
        cut = line[start:start + width - 1]
        return "…" + cut if start + width - 1 >= len(line) else "…" + cut[:-1] + "…"


@dataclass(frozen=True)
class Found:
    """The answer to one search."""

    hits: list[Hit]
    total: int
    words: str                   # what was looked for, without the time phrase
    span: TimeRange | None       # the time phrase, read
    problem: str = ""            # a time phrase that could not be read, in words


def _stamp(path: Path | str) -> tuple[int, int] | bool | None:
    """A file's (mtime, size), None if it is missing, False if it changed too recently
    to trust an unchanged stamp later (see oncall.store.settled)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size) if settled(info) else False


def _first_line(text: str, width: int = 100) -> str:
    line = next((x.strip() for x in text.splitlines() if x.strip()), "")
    return line if len(line) <= width else line[:width - 1] + "…"


class SearchIndex:
    """What a search looks through, kept between searches and refreshed by file stamps.

    Each incident's post hits are also kept on disk (`data/.search/<incident>.json`,
    with the stamps of the files they came from), so that a new run of the app does not
    read a year of per-post files again: only incidents changed since are re-read.
    Safe from several threads (the History screen's search and the dashboard's
    freshness count share one): each call holds the index's lock."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._lock = threading.RLock()
        self.dir = session.paths.data / ".search"
        self._posts: dict[str, tuple[object, list[Hit], list[PostFact]]] = {}
        self._messages: tuple[object, list[Hit]] | None = None
        self._all: tuple[object, list[Incident], list[Hit], list[_Group]] | None = None
        self.read_files = 0   # incidents whose posts were read from the store, not kept
        self._paths: dict[str, list[str]] = {}
        # The incidents, sites and names, kept while their files are unchanged.
        self._heads: tuple[object, list[Incident], list[Hit], dict[str, str],
                           dict[str, str]] | None = None

    def _names(self) -> dict[str, str]:
        return {p.login: p.name for p in self.session.directory.people.values()}

    def _incident_stamp(self, incident_id: str) -> list[object]:
        paths = self._paths.get(incident_id)
        if paths is None:
            store = self.session.store
            paths = self._paths[incident_id] = [
                str(p) for kind in ("posts", "deliveries")
                for p in (store.path_for(kind, incident_id),
                          store.path_for(kind, incident_id).with_suffix(""))]
        return [_stamp(p) for p in paths]

    def _kept_on_disk(self, incident_id: str, stamp: list[object]
                      ) -> tuple[list[Hit], list[PostFact]] | None:
        try:
            data = json.loads((self.dir / f"{incident_id}.json").read_text("utf-8"))
            if data.get("version") != _VERSION or \
                    data.get("stamp") != json.loads(json.dumps(stamp)):
                return None
            return ([Hit(incident_id, parse_iso(at), kind, who, line, hay)
                     for at, kind, who, line, hay in data["hits"]],
                    [PostFact.from_json(incident_id, f) for f in data["facts"]])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing, torn or from another version: read the store

    def _keep_on_disk(self, incident_id: str, stamp: list[object], hits: list[Hit],
                      facts: list[PostFact]) -> None:
        if False in stamp:
            return  # changing now: its stamp could stay the same across the next write
        data = {"version": _VERSION, "stamp": stamp,
                "hits": [[h.at.isoformat(), h.kind, h.who, h.line, h.hay] for h in hits],
                "facts": [f.to_json() for f in facts]}
        try:
            make_dirs(self.dir)
            atomic_write(self.dir / f"{incident_id}.json",
                         json.dumps(data, ensure_ascii=False).encode("utf-8"))
        except OSError:
            pass  # a read-only or full disk: searching still works, only slower next run

    def _post_hits(self, incident: Incident, names: dict[str, str],
                   site_names: dict[str, str]) -> list[Hit]:
        stamp = self._incident_stamp(incident.id)
        kept = self._posts.get(incident.id)
        if kept is not None and kept[0] == stamp and False not in stamp:
            return kept[1]
        read = self._kept_on_disk(incident.id, stamp) if False not in stamp else None
        if read is None:
            store = self.session.store
            by_post: dict[str, list[Delivery]] = {}
            for delivery in DeliveryRepository(store).all(incident.id):
                by_post.setdefault(delivery.post, []).append(delivery)
            posts = PostRepository(store).all(incident.id)
            read = ([post_hit(p, by_post.get(p.id, []), names, site_names) for p in posts],
                    [fact_of(p, by_post.get(p.id, [])) for p in posts])
            self.read_files += 1
            self._keep_on_disk(incident.id, stamp, *read)
        self._posts[incident.id] = (stamp, *read)
        return read[0]

    def facts(self) -> dict[str, list[PostFact]]:
        """Each incident's posts as freshness needs them (read or refreshed as for a
        search)."""
        with self._lock:
            incidents, _ = self._everything()
            return {i.id: self._posts[i.id][2] for i in incidents if i.id in self._posts}

    def _message_hits(self, names: dict[str, str]) -> list[Hit]:
        from oncall.inboxrecords import InboxRepository

        store = self.session.store
        sites = [s.id for s in self.session.sites.all()]
        stamp = [_stamp(store.path_for("inbox", s)) for s in sites]
        if self._messages is not None and self._messages[0] == stamp and False not in stamp:
            return self._messages[1]
        repo = InboxRepository(store)
        hits = [message_hit(m, names) for s in sites for m in repo.all(s) if m.incident]
        self._messages = (stamp, hits)
        return hits

    def everything(self) -> tuple[list[Incident], list[Hit]]:
        """Every incident, and every hit there is to search, newest first (re-read
        where the files changed since the last call)."""
        with self._lock:
            return self._everything()

    def _everything(self) -> tuple[list[Incident], list[Hit]]:
        store = self.session.store
        heads = [_stamp(store.path_for("incidents")), _stamp(store.path_for("sites"))]
        if self._heads is None or self._heads[0] != heads or False in heads:
            names = self._names()
            incidents = self.session.incidents.all()
            self._heads = (heads, incidents, [incident_hit(i, names) for i in incidents],
                           names, {s.id: s.name for s in self.session.sites.all()})
        _, incidents, incident_hits, names, site_names = self._heads
        hits = list(incident_hits)
        stamp: list[object] = [heads]
        for incident in incidents:
            hits += self._post_hits(incident, names, site_names)
            stamp.append(self._posts[incident.id][0])
        hits += self._message_hits(names)
        stamp.append(self._messages[0] if self._messages else None)
        steady = all(False not in part for part in stamp if isinstance(part, list))
        if self._all is not None and self._all[0] == stamp and steady:
            return self._all[1], self._all[2]
        # Grouped by incident, with all of a group's text in one string: a word missing
        # from it rules out the whole group in one scan (most words are in few incidents).
        groups = [_Group(hits[:len(incidents)]),
                  *(_Group(self._posts[i.id][1]) for i in incidents),
                  _Group(self._messages[1] if self._messages else [])]
        hits.sort(key=lambda h: h.at, reverse=True)
        self._all = (stamp, incidents, hits, groups)
        return incidents, hits

    def search(self, query: str, now: datetime, limit: int = LIMIT) -> Found:
        """The hits for `query` (words, and perhaps a time phrase), newest first."""
        words, span, problem = split_query(query, now)
        looked_for = wanted(words)
        with self._lock:
            _, hits = self._everything()
            if looked_for and self._all is not None:
                hits = [h for g in self._all[3] for h in g.matching(looked_for)]
        return Found(*match(hits, words, span, limit), words=words, span=span,
                     problem=problem)


class _Group:
    """Hits searched together (an incident's posts): their texts joined in one string,
    so that a word missing from it rules the whole group out in one scan by the
    string's own search, not hit by hit in Python."""

    __slots__ = ("hay", "hits")

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits
        self.hay = "\n".join(h.hay for h in hits)

    def matching(self, words: list[str]) -> list[Hit]:
        """The hits holding every word (words hold no whitespace, so none spans two)."""
        if not all(w in self.hay for w in words):
            return []
        return _holding(self.hits, words)


def _holding(hits: list[Hit], words: list[str]) -> list[Hit]:
    """The hits holding every word: one plain pass per word, the longest (most telling)
    first, so each pass leaves fewer for the next; a bare comprehension is far quicker
    than all() over a generator, hit by hit."""
    for word in sorted(words, key=len, reverse=True):
        hits = [h for h in hits if word in h.hay]
    return hits


def _site_token(site_id: str) -> str:
    """How a site's id is searched: "site:corp-x;", so that "site:corp-x" finds that
    site alone, not corp-x-roads (see `wanted`)."""
    return f"site:{site_id};"


def wanted(words: str) -> list[str]:
    """The words to look for, casefolded; "site:ID" is made exact (see _site_token)."""
    return [f"{w};" if w.startswith("site:") and not w.endswith(";") else w
            for w in words.casefold().split()]


def match(hits: Iterable[Hit], words: str, span: TimeRange | None,
          limit: int = LIMIT) -> tuple[list[Hit], int]:
    """The hits holding every word (any case) within `span`, newest first, at most
    `limit` of them, and how many there were in all."""
    if span is not None:
        hits = [h for h in hits if span.holds(h.at)]
    found = _holding(list(hits), wanted(words))
    found.sort(key=lambda h: h.at, reverse=True)  # already so from everything(): cheap
    return found[:limit], len(found)


def incident_hit(incident: Incident, names: dict[str, str]) -> Hit:
    """An incident itself: its title, number, kind, place, reference and status."""
    who = names.get(incident.opened_by, incident.opened_by)
    line = f"{incident.title} (incident opened, {incident.status_label})"
    hay = " ".join((incident.id, incident.title, incident.kind, incident.location,
                    incident.reference, incident.status_label, incident.opened_by, who,
                    incident.closed_by, names.get(incident.closed_by, ""),
                    "closed" if incident.closed_at else "opened"))
    return Hit(incident.id, incident.opened_at, "incident", who, line, hay.casefold())


def post_hit(post: PostRecord, deliveries: list[Delivery], names: dict[str, str],
             site_names: dict[str, str]) -> Hit:
    """A post: its text, author, template, sites and how each ended, its overrides."""
    who = names.get(post.author, post.author)
    states = sorted({d.state for d in deliveries})
    sites = [site_names.get(d.site, d.site) for d in deliveries] or \
        [site_names.get(s, s) for s in post.sites]
    marks = [*(["retracted"] if post.retracted_at else []),
             *(["override", *post.overrides] if post.overrides else [])]
    tokens = [_site_token(d.site) for d in deliveries] or \
        [_site_token(s) for s in post.sites]
    hay = " ".join((post.body, post.short, post.template, post.author, who, *sites,
                    *tokens, *states, *marks,
                    *(d.reason for d in deliveries if d.reason)))
    ended = ", ".join(states) if states else "not sent"
    line = f"{_first_line(post.body)} (post: {ended}" \
           f"{', retracted' if post.retracted_at else ''})"
    return Hit(post.incident, post.created_at, "post", who, line, hay.casefold())


def message_hit(item: InboxItem, names: dict[str, str]) -> Hit:
    """A message from the public linked to an incident, and who handled it."""
    handlers = [item.ack_by, *(str(f.get("by", "")) for f in item.forwards)]
    hay = " ".join((item.text, item.author, item.author_name, _site_token(item.site),
                    item.kind,
                    item.state, item.ack_state, item.ack_text,
                    *(h for h in handlers if h), *(names.get(h, "") for h in handlers),
                    "acknowledged" if item.ack_state == "sent" else "",
                    "forwarded" if item.forwards else ""))
    line = f"{_first_line(item.text)} (message from {item.author_name or item.author})"
    return Hit(item.incident, item.sent_at, "message", item.author_name or item.author,
               line, hay.casefold())


__all__ = ["LIMIT", "Found", "Hit", "SearchIndex", "incident_hit", "match", "message_hit",
           "post_hit"]
