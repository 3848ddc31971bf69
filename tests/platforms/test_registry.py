"""Choosing an adapter for a site, and where its API lives."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from oncall.platforms.base import (
    Failure,
    PublishError,
    StaticTokens,
    one_line,
    retry_after_header,
    send,
    site_label,
)
from oncall.platforms.bluesky import BlueskyAdapter
from oncall.platforms.facebook import FacebookAdapter
from oncall.platforms.mastodon import MastodonAdapter
from oncall.platforms.registry import DEFAULT_BASES, adapter_for, base_url
from oncall.platforms.x import XAdapter
from oncall.platforms.youtube import YouTubeAdapter
from oncall.registry import load_sites

from .conftest import NOW, make_site

CLASSES = {"facebook": FacebookAdapter, "x": XAdapter, "mastodon": MastodonAdapter,
           "bluesky": BlueskyAdapter, "youtube": YouTubeAdapter}


@pytest.mark.parametrize("platform", sorted(CLASSES))
async def test_adapter_for_each_platform(platform):
    site = make_site(platform)
    async with httpx.AsyncClient() as client:
        adapter = adapter_for(site, client, StaticTokens())
    assert type(adapter) is CLASSES[platform]
    assert adapter.platform == platform
    assert adapter.idempotent is (platform in ("mastodon", "bluesky"))


async def test_unknown_platform_is_an_error():
    site = replace(make_site("x"), platform="myspace")
    async with httpx.AsyncClient() as client:
        with pytest.raises(ValueError, match="no adapter for platform 'myspace'"):
            adapter_for(site, client, StaticTokens())


def test_default_bases_are_the_real_networks():
    assert DEFAULT_BASES == {"facebook": "https://graph.facebook.com",
                             "x": "https://api.x.com", "bluesky": "https://bsky.social",
                             "youtube": "https://www.googleapis.com"}


def test_base_url_prefers_api_base_without_trailing_slash():
    assert base_url(make_site("x", api_base="http://127.0.0.1:9000/x/")) == \
        "http://127.0.0.1:9000/x"
    assert base_url(make_site("x", api_base="")) == "https://api.x.com"
    assert base_url(make_site("bluesky", api_base="")) == "https://bsky.social"


def test_mastodon_base_is_the_sites_own_instance():
    assert base_url(make_site("mastodon", api_base="")) == "https://social.merciavale.police.uk"
    from_handle = make_site("mastodon", api_base="", url="", handle="@news@mastodon.example")
    assert base_url(from_handle) == "https://mastodon.example"
    nowhere = make_site("mastodon", api_base="", url="", handle="@news")
    with pytest.raises(ValueError, match="needs api_base"):
        base_url(nowhere)


async def test_every_demo_site_gets_an_adapter():
    sites = load_sites(Path(__file__).resolve().parents[2] / "oncall/demodata/sites.toml")
    assert {s.platform for s in sites} == set(CLASSES)
    async with httpx.AsyncClient() as client:
        for site in sites:
            assert adapter_for(site, client, StaticTokens()).platform == site.platform


def test_site_label_names_the_network():
    assert site_label(make_site("x")) == "Mercia Vale Police (X)"
    assert site_label(make_site("youtube")) == "Mercia Vale Police (YouTube)"


def test_retry_after_header_forms():
    def after(value: str) -> float | None:
        return retry_after_header(httpx.Response(429, headers={"Retry-After": value}), NOW)

    assert after("120") == 120
    assert after("-5") == 0
    assert after("Wed, 26 Nov 2025 02:48:30 GMT") == 90
    assert after("Wed, 26 Nov 2025 02:00:00 GMT") == 0
    assert after("soon") is None
    assert retry_after_header(httpx.Response(429), NOW) is None


def test_one_line():
    assert one_line("a\n b\t\x1b[31m c.") == "a b ␛[31m c"
    assert len(one_line("x" * 500, 50)) == 50


async def test_send_names_the_site_and_network():
    site = make_site("x")

    async def refused() -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(PublishError) as caught:
        await send(site, refused)
    assert caught.value.kind == Failure.UNREACHABLE
    assert caught.value.reason.startswith("Mercia Vale Police (X): could not connect")


async def test_a_site_without_a_server_fails_its_delivery_not_the_adapter(network, tokens):
    from oncall.platforms.base import Rendition

    site = make_site("mastodon", api_base="", url="", handle="@news")
    net = network(lambda r: httpx.Response(200))
    adapter = adapter_for(site, net.client, tokens)  # building it does not raise
    with pytest.raises(PublishError) as caught:
        await adapter.publish(Rendition(site, "t", "k"))
    assert caught.value.kind == Failure.REJECTED
    assert caught.value.reason.startswith("Mercia Vale Police (Mastodon): site corp-masto: "
                                          "a Mastodon site needs api_base")
    assert net.requests == []


def test_broken_wait_headers_are_ignored_or_capped():
    from oncall.platforms.base import epoch_seconds_until, rate_limited

    assert retry_after_header(httpx.Response(429, headers={"Retry-After": "inf"}), NOW) is None
    assert retry_after_header(httpx.Response(429, headers={"Retry-After": "nan"}), NOW) is None
    assert epoch_seconds_until("nan", NOW) is None
    error = rate_limited(make_site("x"), 1e12, NOW, status=429, raw="")
    assert error.retry_after == 86400


async def test_a_bad_scheme_is_unreachable_and_nothing_sent():
    site = make_site("x")
    async with httpx.AsyncClient() as client:
        with pytest.raises(PublishError) as caught:
            await send(site, lambda: client.get("ftp://127.0.0.1/x"))
    assert caught.value.kind == Failure.UNREACHABLE
    assert "nothing was sent" in caught.value.reason
