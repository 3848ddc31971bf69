"""What every network adapter offers, and the outcomes it reports.

An adapter turns one rendition of a post into the network's own request and
the network's reply into a `RemotePost` or a `PublishError` that says, in one
line naming the site, what went wrong and whether trying again is safe. All
adapters share one `httpx.AsyncClient` given to them (tests pass one built on
`httpx.MockTransport`); the base URL is the site's `api_base`, which is how
the local sandbox stands in for the real networks.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import quote, quote_plus

import httpx

from oncall.model import Platform, Site
from oncall.secret import Secret
from oncall.textsafe import printable
from oncall.timeutil import fmt_time, parse_iso

# How long one request may take before the outcome is unknown. Connect failures
# are certain (nothing was sent); a read timeout after sending is not.
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=20.0, pool=5.0)


class Failure(StrEnum):
    """Why a request did not end in a post, and so what may be done next."""

    REJECTED = "rejected"          # the network refused it (bad token, duplicate, too long)
    RATE_LIMITED = "rate_limited"  # try again after retry_after seconds
    SERVER = "server"              # 5xx: the network had a problem
    UNREACHABLE = "unreachable"    # nothing reached the network (DNS, connect refused)
    UNKNOWN = "unknown"            # the request may have reached it: timeout, dropped connection
    NOT_APPLICABLE = "not_applicable"  # e.g. a text post to YouTube


class PublishError(Exception):
    """A request that did not produce the wanted result. `reason` is one line for the
    officer and names the site; `raw` is the network's reply with secrets removed."""

    def __init__(self, kind: Failure, reason: str, *, status: int | None = None,
                 retry_after: float | None = None, raw: str = "") -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        self.raw = raw


@dataclass(frozen=True)
class Rendition:
    """The post as it goes to one site. `key` is stable across retries of one delivery:
    networks that support it use it to make a repeated request harmless."""

    site: Site
    text: str
    key: str
    link: str = ""
    video_path: str = ""
    title: str = ""
    # Mastodon's content warning (spoiler_text); other networks have none.
    spoiler: str = ""
    # Photos to attach (image files on disk), with the alt text each network shows.
    images: tuple[Image, ...] = ()
    # Set when the post answers a message from the public (an acknowledgement): it goes
    # as a reply in that message's thread, or as a direct message to a direct message.
    reply_to: ReplyTo | None = None


@dataclass(frozen=True)
class ReplyTo:
    """The message a reply answers, as its network addresses it. `ref` holds what a
    network needs besides the id (Bluesky: the message's cid and its thread's root)."""

    remote_id: str
    kind: str                      # mention | reply | comment | dm
    author: str
    ref: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Image:
    """A photo to attach: a file on the comms host, and its description for screen readers."""

    path: str
    alt: str = ""


@dataclass(frozen=True)
class RemotePost:
    """Where the network put the post."""

    id: str
    url: str


@dataclass(frozen=True)
class RemoteMessage:
    """One message the public sent a site, as its network gives it. Every text field is
    theirs, untrusted: shown literally, never as markup."""

    id: str                 # the network's id for the message
    kind: str               # mention | reply | comment | dm
    author: str             # their handle or id on the network
    author_name: str
    text: str
    sent_at: datetime
    in_reply_to: str = ""   # the network's id of the site's own post it answers
    url: str = ""           # where to open it on the network
    has_media: bool = False
    # What a reply to it needs besides its id (see ReplyTo.ref).
    ref: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


# At most this many pages of a network's list are read in one fetch (a few thousand
# messages): a backlog beyond it is read on the next.
INBOX_PAGES = 50


@dataclass(frozen=True)
class InboxPage:
    """What one fetch found: the messages newer than the cursor it was given, and the
    cursor to give next time (None: keep the old one). Cursors of one network compare
    as (length, text): larger is newer (ids of growing numbers, fixed-width times)."""

    messages: tuple[RemoteMessage, ...]
    cursor: str | None
    # One of the network's lists could not be read (the token may not read direct
    # messages): the others' messages are kept, and this says which and why.
    problem: str = ""


def addressed(platform: str, to: ReplyTo, text: str) -> str:
    """A reply's text as it goes. On Mastodon it begins with the person's @handle: the
    network tells people only of posts that mention them, and a direct message reaches
    only those it mentions. The other networks thread a reply by the message's id."""
    if platform == Platform.MASTODON.value and to.author.startswith("@") \
            and not text.startswith(to.author):
        return f"{to.author} {text}"
    return text


def as_dict(value: object) -> dict[str, Any]:
    """`value` if a network sent an object there, else {} (its replies are not trusted
    to have the shape their documentation gives)."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    """`value` if a network sent a list there, else []."""
    return value if isinstance(value, list) else []


def parse_time(value: object) -> datetime:
    """A network's ISO 8601 time ("...Z", with or without fractions) as aware UTC; the
    epoch for anything else, so a message with a broken time sorts first, not lost."""
    if isinstance(value, str) and value:
        try:
            return parse_iso(value).astimezone(UTC)
        except ValueError:
            pass
    return datetime.fromtimestamp(0, UTC)


def time_cursor(moment: datetime) -> str:
    """A time as a cursor: fixed width UTC, so that cursors compare as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def since_time(messages: list[RemoteMessage], since: str | None, *,
               complete: bool = True) -> InboxPage:
    """For networks listed newest first with no "since" of their own (Bluesky, YouTube):
    the messages at or after the cursor's time (the same instant again: the inbox keeps
    each message once by its id), and the new cursor; the old one if the pages were not
    read back as far as it (`complete` False), so the rest is read next time."""
    floor = parse_time(since) if since else None
    kept = tuple(m for m in messages if floor is None or m.sent_at >= floor)
    newest = max((m.sent_at for m in kept), default=None)
    if not complete:
        return InboxPage(kept, None)
    return InboxPage(kept, newer_cursor(since, time_cursor(newest) if newest else None))


# One page: its messages, the next page's token, and the oldest time on the page among
# everything listed (likes and the account's own messages too, which are not messages).
PageReader = Callable[[str | None],
                      Awaitable[tuple[list[RemoteMessage], str | None, datetime | None]]]


async def read_back(since: str | None, page: PageReader) -> InboxPage:
    """For networks listed newest first with a next-page token and no "since" of their
    own (Bluesky, YouTube, X's direct messages, Messenger): pages are read back until
    one goes as far as the cursor's time, at most INBOX_PAGES of them. Stopping there
    with a cursor keeps it, so the rest is read next time; the very first read takes
    what those pages hold and starts from their newest (older history is not the
    inbox's)."""
    messages: list[RemoteMessage] = []
    token: str | None = None
    floor = parse_time(since) if since else None
    for _ in range(INBOX_PAGES):
        found, token, oldest = await page(token)
        messages.extend(found)
        if not token or (floor is not None and oldest is not None and oldest <= floor):
            return since_time(messages, since)
    return since_time(messages, since, complete=since is None)


def oldest(times: Iterable[object]) -> datetime | None:
    """The earliest of a page's listed times (missing ones left out)."""
    return min((parse_time(v) for v in times if isinstance(v, str) and v), default=None)


def cursor_parts(cursor: str | None, count: int) -> list[str | None]:
    """The parts of a cursor over `count` lists read in one fetch (X's mentions and its
    direct messages), written "a|b". A cursor kept before a list was added is its first
    part; the others start empty."""
    pieces = (cursor or "").split("|")
    return [p or None for p in (pieces + [""] * count)[:count]]


def joined_cursor(*parts: str | None) -> str | None:
    """One cursor of several lists' (None for a list not read to the end: it keeps its
    old part)."""
    return "|".join(p or "" for p in parts) if any(parts) else None


def newer_cursor(a: str | None, b: str | None) -> str | None:
    """The newer of two cursors of one network (see InboxPage); of cursors of several
    lists, the newer of each part."""
    if not a or not b:
        return a or b
    if "|" in a or "|" in b:
        count = max(a.count("|"), b.count("|")) + 1
        return joined_cursor(*(newer_cursor(x, y) for x, y in
                               zip(cursor_parts(a, count), cursor_parts(b, count),
                                   strict=True)))
    return max(a, b, key=lambda c: (len(c), c))


class TokenSource(Protocol):
    """Gives an adapter the credential for a site (the vault, or the sandbox's demo tokens)."""

    async def token_for(self, site: Site) -> Secret: ...


class Adapter(Protocol):
    """One network. `idempotent` says a repeated publish with the same key cannot post twice."""

    platform: str
    idempotent: bool

    async def publish(self, rendition: Rendition) -> RemotePost: ...

    async def retract(self, remote_id: str) -> None: ...

    async def fetch_inbox(self, since: str | None) -> InboxPage: ...


AdapterFactory = Callable[[Site, httpx.AsyncClient, TokenSource], Adapter]


@dataclass
class StaticTokens:
    """Tokens from a dict (tests) or computed per site (the sandbox's demo tokens)."""

    tokens: dict[str, str] = field(default_factory=dict)
    default: Callable[[Site], str] | None = None

    async def token_for(self, site: Site) -> Secret:
        if site.id in self.tokens:
            return Secret(self.tokens[site.id])
        if self.default is not None:
            return Secret(self.default(site))
        raise PublishError(Failure.REJECTED,
                           f"{site_label(site)}: no API token stored for this site")


def sandbox_token(site: Site) -> str:
    """The demo token the local sandbox accepts for a site; not a secret of any real account."""
    return f"sandbox-{site.id}"


_SECRET_FIELDS = re.compile(
    r'("?(?:access_?token|accessJwt|refreshJwt|password|authorization|token|secret)"?\s*[:=]\s*)'
    r'("[^"]*"|[^\s&,}]+)', re.IGNORECASE)
# "Authorization: Bearer abc…": the field above would take only the word "Bearer".
_AUTH_SCHEME = re.compile(r"\b(Bearer|Basic|Token|OAuth)\s+[A-Za-z0-9._~+/=-]{6,}",
                          re.IGNORECASE)


def redact(text: str, *secrets: str) -> str:
    """`text` with token-like fields and the given secret values replaced by ********.

    A secret is also found as it travels in a request: URL-encoded (a form body or a
    query string a server echoes back) and JSON-escaped, up to three times over (a
    JSON request body quoted inside a JSON error)."""
    for value in secrets:
        if not value:
            continue
        forms = {value, quote(value, safe=""), quote_plus(value)}
        layer = set(forms)
        for _ in range(3):
            layer = {json.dumps(f, ensure_ascii=escape)[1:-1] for f in layer
                     for escape in (True, False)}
            forms |= layer
        for form in sorted(forms, key=len, reverse=True):
            text = text.replace(form, "********")
    text = _AUTH_SCHEME.sub(lambda m: m.group(1) + " ********", text)
    return _SECRET_FIELDS.sub(lambda m: m.group(1) + '"********"', text)


def body_text(response: httpx.Response, limit: int = 2000) -> str:
    """The response body as text for the log, cut to `limit` characters."""
    try:
        return response.text[:limit]
    except (UnicodeDecodeError, httpx.ResponseNotRead):
        return f"<{len(response.content)} bytes>"


def json_or_none(response: httpx.Response) -> object:
    """The response's JSON, or None if it has none."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


async def send(site: Site, request: Callable[[], Awaitable[httpx.Response]],
               *secrets: str) -> httpx.Response:
    """Run one request, turning transport errors into PublishErrors that say whether the
    network may have received it. HTTP error statuses are left to the adapter."""
    label = site_label(site)
    try:
        return await request()
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise PublishError(Failure.UNREACHABLE, f"{label}: could not connect "
                           f"({type(exc).__name__}); nothing was sent") from None
    except httpx.PoolTimeout:
        raise PublishError(Failure.UNREACHABLE, f"{label}: no free connection; "
                           "nothing was sent") from None
    except (httpx.ReadTimeout, httpx.WriteTimeout):
        raise PublishError(Failure.UNKNOWN, f"{label}: no reply in time; the post may "
                           "have gone out. Check the site before sending again.") from None
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
        raise PublishError(Failure.UNKNOWN, f"{label}: the connection dropped after "
                           "sending; the post may have gone out. Check the site before "
                           "sending again.") from None
    except (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL) as exc:
        raise PublishError(Failure.UNREACHABLE, f"{label}: the request could not be made "
                           f"({one_line(redact(str(exc), *secrets))}); nothing was sent") \
            from None
    except httpx.HTTPError as exc:
        raise PublishError(Failure.UNKNOWN, f"{label}: {one_line(redact(str(exc), *secrets))}; "
                           "the post may have gone out. Check the site before sending "
                           "again.") from None


# --- shared by the adapters ----------------------------------------------------------

# A minute is what oncall waits when a network says "too many requests" but not for how long.
DEFAULT_RETRY_AFTER = 60.0
MIN_RETRY_AFTER = 1.0
# No network asks for more than a day; a bigger number is a broken header.
MAX_RETRY_AFTER = 86400.0
_REASON_LIMIT = 240


def network_name(site: Site) -> str:
    """The site's network as people write it: 'X', 'Facebook', 'Bluesky'."""
    try:
        return Platform(site.platform).label
    except ValueError:
        return site.platform


def site_label(site: Site) -> str:
    """'Mercia Vale Police (X)': the site's name with its network, since a force often
    has one name on several networks."""
    return f"{site.name} ({network_name(site)})"


def one_line(text: str, limit: int = _REASON_LIMIT) -> str:
    """Text from a network, made safe for a one-line reason: no control characters,
    whitespace collapsed, no closing full stop (the reason adds its own), cut to
    `limit` characters."""
    flat = " ".join(printable(text).split()).rstrip(" .")
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def raw_of(response: httpx.Response, *secrets: str) -> str:
    """The response's status and body for the log, with the secrets taken out."""
    return redact(f"HTTP {response.status_code} {body_text(response)}", *secrets)


def retry_after_header(response: httpx.Response, now: datetime) -> float | None:
    """Seconds from the standard Retry-After header (delta-seconds or an HTTP date)."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def epoch_seconds_until(value: str | None, now: datetime) -> float | None:
    """Seconds from `now` until a Unix time given as text (X's and Bluesky's reset headers)."""
    if not value:
        return None
    try:
        reset = float(value.strip())
    except ValueError:
        return None
    return max(0.0, reset - now.timestamp()) if math.isfinite(reset) else None


def rate_limited(site: Site, retry_after: float | None, now: datetime, *, status: int | None,
                 raw: str, told: bool = True, what: str = "rate limited") -> PublishError:
    """The PublishError for 'too many requests'. `told` is False when the network gave no
    time and `retry_after` is oncall's own guess."""
    network = network_name(site)
    if retry_after is None:
        retry_after = DEFAULT_RETRY_AFTER
        told = False
    # Reset headers have whole-second resolution and the refusal has just happened:
    # waiting at least a second keeps a "reset now" from becoming a tight loop.
    retry_after = min(MAX_RETRY_AFTER, max(MIN_RETRY_AFTER, retry_after))
    at = fmt_time(now + timedelta(seconds=retry_after))
    when = f"{network} says try again at {at}" if told else \
        f"{network} gave no time, so try again after {at}"
    return PublishError(Failure.RATE_LIMITED, f"{site_label(site)}: {what}; {when}.",
                        status=status, retry_after=retry_after, raw=raw)


def server_error(site: Site, response: httpx.Response, raw: str, detail: str = "") -> PublishError:
    """The PublishError for a 5xx. A 504 is a gateway that gave up waiting for the network
    after the request was passed on, so the post may exist: that is UNKNOWN, not SERVER."""
    label = site_label(site)
    network = network_name(site)
    status = response.status_code
    said = f": {one_line(detail, 120)}" if detail else ""
    if status == 504:
        return PublishError(
            Failure.UNKNOWN, f"{label}: {network}'s gateway timed out (HTTP 504) after the "
            "request was passed on; the post may have gone out. Check the site before "
            "sending again.", status=status, raw=raw)
    return PublishError(Failure.SERVER, f"{label}: {network} had a fault at its end "
                        f"(HTTP {status}{said}); try again shortly.", status=status, raw=raw)


def made_id(site: Site, response: httpx.Response, raw: str, *path: str,
            body: object = None) -> str:
    """The id the network gave what it made, at `path` in its JSON reply ("id", or
    "data", "id"; `body`: the reply already parsed); without one, no_id's error (it
    probably went out: check first)."""
    value: object = json_or_none(response) if body is None else body
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, str) or not value:
        raise no_id(site, response, raw)
    return value


def no_id(site: Site, response: httpx.Response, raw: str) -> PublishError:
    """A success status whose body names no post: it probably went out, but where?"""
    network = network_name(site)
    return PublishError(Failure.UNKNOWN, f"{site_label(site)}: {network} answered "
                        f"HTTP {response.status_code} but did not say which post it made; "
                        "check the site before sending again.",
                        status=response.status_code, raw=raw)
