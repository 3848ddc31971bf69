"""Fixtures for the platform adapters: sites, a fixed clock, and a recording mock network."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import httpx
import pytest

from oncall.model import Site
from oncall.platforms.base import StaticTokens
from oncall.sandbox.wire import Part, parse_multipart

# A token no reason, raw body or message may ever show.
TOKEN = "tok-S3CRET-a1b2c3d4e5"
# 02:47 GMT on a November night.
NOW = datetime(2025, 11, 26, 2, 47, 0, tzinfo=UTC)

SITES = {
    "facebook": dict(id="corp-fb", name="Mercia Vale Police", handle="MerciaValePolice",
                     username="social@merciavale.police.uk"),
    "x": dict(id="corp-x", name="Mercia Vale Police", handle="@MerciaValePol",
              username="MerciaValePol"),
    "mastodon": dict(id="corp-masto", name="Mercia Vale Police",
                     handle="@news@social.merciavale.police.uk", username="news",
                     url="https://social.merciavale.police.uk/@news"),
    "bluesky": dict(id="corp-bsky", name="Mercia Vale Police", handle="@merciavale.police.uk",
                    username="merciavale.police.uk"),
    "youtube": dict(id="corp-yt", name="Mercia Vale Police", handle="@MerciaValePolice",
                    username="video@merciavale.police.uk"),
}


def make_site(platform: str, api_base: str | None = None, **changes: str) -> Site:
    """A demo site on `platform`, pointing at a sandbox-like base with a path prefix."""
    values = {**SITES[platform], **changes}
    base = f"http://127.0.0.1:8765/{platform}" if api_base is None else api_base
    return Site(platform=platform, tier="corporate", api_base=base, **values)  # type: ignore[arg-type]


def clock() -> datetime:
    return NOW


def reply(status: int = 200, body: object = None, headers: dict[str, str] | None = None,
          text: str | None = None) -> httpx.Response:
    """A response with a JSON body (or `text` as is)."""
    if text is not None:
        return httpx.Response(status, text=text, headers=headers)
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


class Network:
    """A MockTransport that records every request and answers through `handler`."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self.client = httpx.AsyncClient(transport=httpx.MockTransport(self._handle))

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    @staticmethod
    def json(request: httpx.Request) -> dict[str, object]:
        return json.loads(request.content)


@pytest.fixture
def tokens() -> StaticTokens:
    return StaticTokens({site["id"]: TOKEN for site in SITES.values()})


@pytest.fixture
async def network() -> AsyncIterator[Callable[..., Network]]:
    """Build a Network from a handler; every client is closed after the test."""
    made: list[Network] = []

    def build(handler: Callable[[httpx.Request], httpx.Response]) -> Network:
        net = Network(handler)
        made.append(net)
        return net

    yield build
    for net in made:
        await net.client.aclose()


def multipart(request: httpx.Request) -> tuple[dict[str, str], dict[str, Part]]:
    """A multipart/form-data request's text fields and its files, by field name."""
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    parts = parse_multipart(request.content, request.headers["content-type"])
    assert parts is not None, "not a well-formed multipart body"
    fields = {p.name: p.text() for p in parts if p.filename is None}
    files = {p.name: p for p in parts if p.filename is not None}
    return fields, files
