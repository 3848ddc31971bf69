"""The plumbing every network module shares: the request as the handler read it
(with its multipart/form-data parts, for photo uploads), the reply it wants sent,
demo-token checks, and fault application."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from functools import cached_property
from typing import Any, TypeVar
from urllib.parse import parse_qs

from oncall.sandbox.state import Fault, Post, State

TOKEN_PREFIX = "sandbox-"
T = TypeVar("T")
JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Part:
    """One part of a multipart/form-data body: a field, or a file if it has a filename."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str = ""

    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


def _header_params(name: str, value: str) -> Message:
    """A header in a Message, so the standard library parses its parameters (quoting,
    RFC 2231 forms and all)."""
    message = Message()
    message[name] = value
    return message


def parse_multipart(body: bytes, content_type: str) -> list[Part] | None:
    """The parts of a multipart/form-data `body` (RFC 7578), in order; None if
    `content_type` is not multipart/form-data or the body does not follow it."""
    header = _header_params("Content-Type", content_type)
    boundary = header.get_param("boundary")
    if header.get_content_type() != "multipart/form-data" or not isinstance(boundary, str) \
            or not boundary:
        return None
    # Every delimiter, the first included, is CRLF "--" boundary; the CRLF before a
    # delimiter belongs to it, not to the part's data.
    sections = (b"\r\n" + body).split(b"\r\n--" + boundary.encode("latin-1"))
    parts: list[Part] = []
    for section in sections[1:]:
        if section.startswith(b"--"):
            return parts  # the closing delimiter; anything after is epilogue
        head, blank, data = section.partition(b"\r\n\r\n")
        if not blank:
            return None
        headers = Message()
        for line in head.split(b"\r\n")[1:]:  # [0] is the delimiter line's padding
            key, colon, value = line.decode("utf-8", "replace").partition(":")
            if colon:
                headers[key.strip()] = value.strip()
        name = headers.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            return None
        parts.append(Part(name, data, headers.get_filename(),
                          str(headers.get("content-type", ""))))
    return None  # no closing delimiter: the body was cut short


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
        elif "multipart/form-data" in ctype:
            out.update({p.name: p.text() for p in self.parts if p.filename is None})
        elif self.body and ("x-www-form-urlencoded" in ctype or not ctype):
            text = self.body.decode("utf-8", "replace")
            out.update({k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()})
        return out

    @cached_property
    def parts(self) -> list[Part]:
        """The multipart/form-data parts of the body; [] if it has none."""
        return parse_multipart(self.body, self.header("Content-Type")) or []

    def file(self, name: str) -> Part | None:
        """The file sent as form field `name` (the last, if several), or None."""
        files = [p for p in self.parts if p.name == name and p.filename is not None]
        return files[-1] if files else None

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


def paged(items: list[T], req: Request, *, limit: str, token: str, default: int,
          maximum: int) -> tuple[list[T], str]:
    """One page of `items` (in the order given), as the networks page their lists: at
    most the limit asked (`limit` names the parameter; the network's default when absent,
    never more than its maximum), from where the page token (`token`) left off; with the
    token for the next page, "" on the last."""
    asked = req.arg(limit)
    size = min(int(asked), maximum) if asked.isdigit() and int(asked) > 0 else default
    start = 0
    given = req.arg(token)
    if given:
        try:
            start = int(base64.urlsafe_b64decode(given.encode()).decode().removeprefix("@"))
        except (ValueError, UnicodeDecodeError):
            start = len(items)  # an unknown token: the networks answer with nothing more
    page = items[start:start + size]
    after = start + size
    more = base64.urlsafe_b64encode(f"@{after}".encode()).decode() if after < len(items) \
        else ""
    return page, more
