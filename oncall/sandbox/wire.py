"""The plumbing every network module shares: the request as the handler read it,
the reply it wants sent, demo-token checks, and fault application."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from oncall.sandbox.state import Fault, Post, State

TOKEN_PREFIX = "sandbox-"
JSON = "application/json; charset=utf-8"


@dataclass
class Request:
    """One HTTP request, with `path` relative to the network's base (e.g. "/2/tweets")."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]  # names in lower case
    body: bytes
    base: str  # the network's base URL in this sandbox, e.g. http://127.0.0.1:5000/x
    root: str  # the sandbox's URL

    def arg(self, name: str, default: str = "") -> str:
        """The last value of query parameter `name`."""
        values = self.query.get(name)
        return values[-1] if values else default

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def json(self) -> Any:
        """The body as JSON, or None if it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8")) if self.body else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None

    def form(self) -> dict[str, Any]:
        """Query parameters overlaid with the body, urlencoded or JSON."""
        out: dict[str, Any] = {k: v[-1] for k, v in self.query.items() if v}
        ctype = self.header("Content-Type").lower()
        if "json" in ctype:
            data = self.json()
            if isinstance(data, dict):
                out.update(data)
        elif self.body and ("x-www-form-urlencoded" in ctype or not ctype):
            text = self.body.decode("utf-8", "replace")
            out.update({k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()})
        return out

    def bearer(self) -> str:
        """The token of an `Authorization: Bearer ...` header, or ""."""
        scheme, _, token = self.header("Authorization").strip().partition(" ")
        return token.strip() if scheme.lower() == "bearer" else ""


@dataclass
class Reply:
    """What to send back. `DROP` means: close the connection without a word."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON


DROP = Reply(0)


def json_reply(status: int, data: Any, *, headers: dict[str, str] | None = None,
               content_type: str = JSON) -> Reply:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Reply(status, body, dict(headers or {}), content_type)


def empty_reply(status: int, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, b"", dict(headers or {}), "")


def token_account(token: object) -> str | None:
    """The account a demo token `sandbox-<site id>` stands for, or None if it is not one."""
    if isinstance(token, str) and token.startswith(TOKEN_PREFIX) \
            and len(token) > len(TOKEN_PREFIX) and token.isprintable() and " " not in token:
        return token[len(TOKEN_PREFIX):]
    return None


@dataclass(frozen=True)
class Errors:
    """A network's own replies for the faults that answer instead of the network."""

    rate_limited: Callable[[int], Reply]
    server_error: Callable[[], Reply]
    duplicate: Callable[[], Reply]


def guarded(state: State, account: str, op: str, errors: Errors,
            action: Callable[[], Reply], *, kinds: frozenset[str] | None = None) -> Reply:
    """Run `action` (which checks, stores and builds the reply) under the account's next
    fault for `op`, if any."""
    fault: Fault | None = state.take_fault(account, op, kinds)
    if fault is None:
        return action()
    if fault.kind == "latency":
        state.sleep(fault.seconds)
        return action()
    if fault.kind == "rate_limit":
        return errors.rate_limited(fault.retry_after)
    if fault.kind == "server_error":
        return errors.server_error()
    if fault.kind == "duplicate":
        return errors.duplicate()
    reply = action()  # timeout and drop: the network did the work ...
    if fault.kind == "timeout":
        state.sleep(fault.seconds)  # ... but answers too late
        return reply
    return DROP  # ... or never answers at all


def post_page(post: Post | None) -> Reply:
    """A bare public page for a post's URL, so a link opened from the demo shows something."""
    if post is None or post.deleted:
        body = "<!doctype html><title>Not found</title><p>This post is not available.</p>"
        return Reply(404, body.encode(), {}, "text/html; charset=utf-8")
    title = f"<h1>{html.escape(post.title)}</h1>" if post.title else ""
    text = html.escape(post.text).replace("\n", "<br>")
    body = (f"<!doctype html><meta charset=utf-8><title>{html.escape(post.account)} "
            f"({post.platform}, sandbox)</title>{title}<p>{text}</p>"
            f"<p><small>{html.escape(post.account)} on {post.platform} (oncall sandbox), "
            f"{post.created:%Y-%m-%d %H:%M:%S} UTC</small></p>")
    return Reply(200, body.encode("utf-8"), {}, "text/html; charset=utf-8")
