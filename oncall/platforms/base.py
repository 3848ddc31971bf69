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
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import httpx

from oncall.model import Site
from oncall.secret import Secret

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


@dataclass(frozen=True)
class RemotePost:
    """Where the network put the post."""

    id: str
    url: str


class TokenSource(Protocol):
    """Gives an adapter the credential for a site (the vault, or the sandbox's demo tokens)."""

    async def token_for(self, site: Site) -> Secret: ...


class Adapter(Protocol):
    """One network. `idempotent` says a repeated publish with the same key cannot post twice."""

    platform: str
    idempotent: bool

    async def publish(self, rendition: Rendition) -> RemotePost: ...

    async def retract(self, remote_id: str) -> None: ...


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
        raise PublishError(Failure.REJECTED, f"{site.name}: no API token stored for this site")


def sandbox_token(site: Site) -> str:
    """The demo token the local sandbox accepts for a site; not a secret of any real account."""
    return f"sandbox-{site.id}"


_SECRET_FIELDS = re.compile(
    r'("?(?:access_?token|accessJwt|refreshJwt|password|authorization|token|secret)"?\s*[:=]\s*)'
    r'("[^"]*"|[^\s&,}]+)', re.IGNORECASE)


def redact(text: str, *secrets: str) -> str:
    """`text` with token-like fields and the given secret values replaced by ********."""
    for value in secrets:
        if value:
            text = text.replace(value, "********")
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
    try:
        return await request()
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise PublishError(Failure.UNREACHABLE, f"{site.name}: could not connect "
                           f"({type(exc).__name__}); nothing was sent") from None
    except httpx.PoolTimeout:
        raise PublishError(Failure.UNREACHABLE, f"{site.name}: no free connection; "
                           "nothing was sent") from None
    except (httpx.ReadTimeout, httpx.WriteTimeout):
        raise PublishError(Failure.UNKNOWN, f"{site.name}: no reply in time; the post may "
                           "have gone out. Check the site before sending again.") from None
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
        raise PublishError(Failure.UNKNOWN, f"{site.name}: the connection dropped after "
                           "sending; the post may have gone out. Check the site before "
                           "sending again.") from None
    except httpx.HTTPError as exc:
        raise PublishError(Failure.UNKNOWN, f"{site.name}: {redact(str(exc), *secrets)}") \
            from None
