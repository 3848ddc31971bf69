"""What the sandbox remembers: posts, faults waiting to fire, inbox messages, and
the small per-network records (idempotency keys, Bluesky sessions, YouTube uploads,
uploaded photos waiting to be attached).

One `State` per running sandbox; every method is safe to call from the server's
handler threads and from the test or demo thread at the same time.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

PLATFORMS: tuple[str, ...] = ("facebook", "x", "mastodon", "bluesky", "youtube")

# Inbox message ids, unless given: large numbers that grow, like X's and Mastodon's.
INBOX_ID_BASE = 1_800_000_000_000_000_000

# What a fault does; see `Fault`.
KINDS: tuple[str, ...] = ("latency", "rate_limit", "server_error", "timeout", "drop", "duplicate")

# The kinds of request a fault may hit. "post" creates something, "delete" removes it,
# "read" is any GET (inbox, instance info), "session" is Bluesky's createSession,
# "upload" a photo sent ahead of the post that uses it (X's media upload and alt
# text, Mastodon's media, Bluesky's uploadBlob, Facebook's unpublished photos).
OPS: tuple[str, ...] = ("post", "delete", "read", "session", "upload")
SCOPES: dict[str, frozenset[str]] = {
    "write": frozenset({"post", "delete"}),
    "any": frozenset(OPS),
    **{op: frozenset({op}) for op in OPS},
}


@dataclass
class Fault:
    """A misbehaviour the sandbox shows an account's next matching request(s).

    kind: "latency" (wait `seconds`, then answer normally); "rate_limit" (the
      network's 429-style refusal, saying to come back in `retry_after` seconds);
      "server_error" (the network's 5xx; nothing is stored); "timeout" (store the
      post, then wait `seconds` before answering, so a client with a shorter timeout
      gives up on a post that exists); "drop" (store the post, then close the
      connection without answering); "duplicate" (the network's duplicate-content
      refusal; only ever fires on a post).
    times: how many requests it hits; -1 means every one until cleared.
    on: which requests it hits: "write" (posts and deletes, the default), "post",
      "delete", "read", "session", "upload" or "any". A post with photos meets a
      "write" or "post" fault on its final request (the one that makes the post), not
      on the photo uploads before it; "upload" or "any" reach those too.
    """

    kind: str
    times: int = 1
    seconds: float = 0.0
    retry_after: int = 0
    on: str = "write"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {KINDS}")
        if self.on not in SCOPES:
            raise ValueError(f"unknown fault scope {self.on!r}; expected one of "
                             f"{tuple(SCOPES)}")
        if isinstance(self.times, bool) or not isinstance(self.times, int) \
                or self.times == 0 or self.times < -1:
            raise ValueError(f"times must be a positive count or -1 (always), not "
                             f"{self.times!r}")
        if isinstance(self.seconds, bool) or not isinstance(self.seconds, int | float) \
                or self.seconds < 0:
            raise ValueError(f"seconds must be a number >= 0, not {self.seconds!r}")
        if isinstance(self.retry_after, bool) or not isinstance(self.retry_after, int) \
                or self.retry_after < 0:
            raise ValueError(f"retry_after must be a whole number >= 0, not "
                             f"{self.retry_after!r}")

    def hits(self, op: str) -> bool:
        """True if this fault applies to a request of kind `op`."""
        if self.kind == "duplicate" and op != "post":
            return False
        return op in SCOPES[self.on]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> Fault:
        """A fault from JSON such as {"kind": "rate_limit", "retry_after": 30}; ValueError
        names what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("a fault is a JSON object")
        known = {"kind", "times", "seconds", "retry_after", "on"}
        unknown = sorted(set(data) - known - {"account"})
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(unknown)}")
        if "kind" not in data:
            raise ValueError("a fault needs a kind")
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Post:
    """Something an account put on a network through the sandbox."""

    platform: str
    account: str
    id: str
    text: str
    created: datetime
    url: str = ""
    title: str = ""
    deleted: bool = False
    deleted_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # The photos attached, in order: {"type": MIME type, "size": bytes, "alt": text}.
    media: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform, "account": self.account, "id": self.id,
            "text": self.text, "title": self.title, "url": self.url,
            "created_at": iso(self.created), "deleted": self.deleted,
            "deleted_at": iso(self.deleted_at) if self.deleted_at else None,
            "extra": dict(self.extra), "media": [dict(m) for m in self.media],
        }


@dataclass
class Upload:
    """A photo uploaded ahead of the post that will use it. `alt` can be set after the
    upload (X's metadata call); `used` once a post has it (Facebook and Mastodon
    refuse to attach one twice)."""

    platform: str
    account: str
    id: str
    type: str
    size: int
    alt: str = ""
    used: bool = False

    def summary(self) -> dict[str, Any]:
        """What a post keeps of it: {"type", "size", "alt"}."""
        return {"type": self.type, "size": self.size, "alt": self.alt}


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """2024-05-01T10:00:00.000+00:00"""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def iso_z(moment: datetime) -> str:
    """2024-05-01T10:00:00.000Z, as X, Mastodon and Bluesky write times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.microsecond // 1000:03d}Z"


def parse_time(value: object) -> datetime:
    """A datetime from a datetime or an ISO 8601 string (naive means UTC)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        raise ValueError(f"not a time: {value!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class State:
    """Everything one sandbox keeps, behind one lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self._posts: list[Post] = []
        self._faults: dict[str, list[Fault]] = {}
        self._inbox: dict[str, list[dict[str, Any]]] = {}
        self._counter = itertools.count(1)
        # Per-network records, used by the network modules under `lock`.
        self.idempotency: dict[tuple[str, str], bytes] = {}  # Mastodon (account, key) -> body
        self.sessions: dict[str, dict[str, Any]] = {}        # Bluesky jwt -> session
        self.uploads: dict[str, dict[str, Any]] = {}         # YouTube upload id -> upload
        self._media: dict[tuple[str, str], Upload] = {}      # (platform, id) -> photo

    def next_number(self) -> int:
        """A number never handed out before by this sandbox (ids are built from it)."""
        with self.lock:
            return next(self._counter)

    def sleep(self, seconds: float) -> None:
        """Wait, but wake at once when the sandbox stops."""
        if seconds > 0:
            self.stopping.wait(seconds)

    # ---- posts
    def add_post(self, post: Post) -> Post:
        with self.lock:
            self._posts.append(post)
        return post

    def find_post(self, platform: str, post_id: str) -> Post | None:
        with self.lock:
            for post in self._posts:
                if post.platform == platform and post.id == post_id:
                    return post
        return None

    def live_posts(self, platform: str, account: str) -> list[Post]:
        with self.lock:
            return [p for p in self._posts
                    if p.platform == platform and p.account == account and not p.deleted]

    def delete_post(self, post: Post) -> None:
        with self.lock:
            post.deleted = True
            post.deleted_at = now()

    def posts(self, account: str | None = None, *, live_only: bool = False) \
            -> list[dict[str, Any]]:
        with self.lock:
            return [p.to_dict() for p in self._posts
                    if (account is None or p.account == account)
                    and not (live_only and p.deleted)]

    # ---- photos uploaded ahead of their post
    def add_upload(self, upload: Upload) -> Upload:
        with self.lock:
            self._media[(upload.platform, upload.id)] = upload
        return upload

    def find_upload(self, platform: str, upload_id: str) -> Upload | None:
        with self.lock:
            return self._media.get((platform, upload_id))

    # ---- faults
    def inject(self, account: str, fault: Fault) -> None:
        with self.lock:
            self._faults.setdefault(account, []).append(replace(fault))

    def clear_faults(self, account: str | None = None) -> int:
        with self.lock:
            if account is None:
                count = sum(len(f) for f in self._faults.values())
                self._faults.clear()
            else:
                count = len(self._faults.pop(account, []))
            return count

    def faults(self) -> dict[str, list[dict[str, Any]]]:
        with self.lock:
            return {a: [f.to_dict() for f in fs] for a, fs in self._faults.items() if fs}

    def take_fault(self, account: str, op: str,
                   kinds: frozenset[str] | None = None) -> Fault | None:
        """The first waiting fault for `account` that hits `op` (and is one of `kinds`),
        counted down; None if there is none."""
        with self.lock:
            waiting = self._faults.get(account, [])
            for fault in waiting:
                if fault.hits(op) and (kinds is None or fault.kind in kinds):
                    taken = replace(fault)  # what fires now, as it was queued
                    if fault.times > 0:
                        fault.times -= 1
                        if fault.times == 0:
                            waiting.remove(fault)
                    return taken
        return None

    # ---- inbox
    def add_inbox(self, account: str, message: dict[str, Any]) -> dict[str, Any]:
        """Store a message for `account`, filling defaults; returns the stored form."""
        if not isinstance(message, dict) or not isinstance(message.get("text"), str):
            raise ValueError("an inbox message is a dict with at least a 'text' string")
        unknown = sorted(set(message) - {"id", "text", "author", "author_name", "created_at",
                                         "in_reply_to", "kind", "image"})
        if unknown:
            raise ValueError(f"unknown inbox message field(s): {', '.join(unknown)}")
        number = self.next_number()
        author = str(message.get("author") or "resident")
        reply_to = str(message.get("in_reply_to") or "")
        stored = {
            "id": str(message.get("id") or INBOX_ID_BASE + number),
            "number": number,
            "text": message["text"],
            "author": author,
            "author_name": str(message.get("author_name") or author),
            "created_at": parse_time(message.get("created_at") or now()),
            "in_reply_to": reply_to,
            "kind": str(message.get("kind") or ("reply" if reply_to else "mention")),
            # A photo sent with it: its description ("" for none), shown by each network
            # as an attachment of its own shape.
            "image": str(message.get("image") or ""),
        }
        with self.lock:
            self._inbox.setdefault(account, []).append(stored)
        return public_message(stored)

    def inbox_raw(self, account: str) -> list[dict[str, Any]]:
        """`account`'s messages, oldest first, as the network modules render them."""
        with self.lock:
            return sorted((dict(m) for m in self._inbox.get(account, [])),
                          key=lambda m: (m["created_at"], m["number"]))

    def inbox(self, account: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            accounts = [account] if account is not None else sorted(self._inbox)
            return [dict(public_message(m), account=a) for a in accounts
                    for m in self.inbox_raw(a)]

    def reset(self) -> None:
        """Forget every post, fault, message, key, session and upload (videos and photos)."""
        with self.lock:
            self._posts.clear()
            self._faults.clear()
            self._inbox.clear()
            self.idempotency.clear()
            self.sessions.clear()
            self.uploads.clear()
            self._media.clear()


def public_message(stored: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in stored.items() if k != "number"}
    out["created_at"] = iso(stored["created_at"])
    return out
