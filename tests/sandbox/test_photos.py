"""Photos end to end: the real adapters over real HTTP to the sandbox, and faults that
hit the post rather than the uploads before it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from oncall.model import Site
from oncall.platforms.base import (
    Adapter,
    Failure,
    Image,
    PublishError,
    Rendition,
    StaticTokens,
    sandbox_token,
)
from oncall.platforms.registry import adapter_for
from oncall.sandbox import Fault, Sandbox
from tests.imagefiles import jpeg, png, write
from tests.platforms.conftest import make_site

PHOTO_NETWORKS = ("facebook", "x", "mastodon", "bluesky")
ALT_PNG = "Map of the A34 closure between junctions 9 and 10"
ALT_JPEG = "A blue hatchback with a dented rear door"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as c:
        yield c


@pytest.fixture
def images(tmp_path: Path) -> tuple[Image, Image]:
    return (Image(write(tmp_path, "closure-map.png", png(4, 3)), ALT_PNG),
            Image(write(tmp_path, "vehicle.jpg", jpeg()), ALT_JPEG))


def site_on(sandbox: Sandbox, platform: str) -> Site:
    return make_site(platform, api_base=sandbox.base_for(platform))


def adapter(site: Site, client: httpx.AsyncClient) -> Adapter:
    return adapter_for(site, client, StaticTokens(default=sandbox_token))


def expected_media(platform: str) -> list[dict[str, object]]:
    # Facebook's Graph API has no alt text for Page photos, so none reaches it.
    alts = ("", "") if platform == "facebook" else (ALT_PNG, ALT_JPEG)
    return [{"type": "image/png", "size": len(png(4, 3)), "alt": alts[0]},
            {"type": "image/jpeg", "size": len(jpeg()), "alt": alts[1]}]


@pytest.mark.parametrize("platform", PHOTO_NETWORKS)
async def test_a_post_with_a_png_and_a_jpeg_lands_with_its_photos(
        sandbox: Sandbox, client: httpx.AsyncClient, images, platform: str) -> None:
    site = site_on(sandbox, platform)
    remote = await adapter(site, client).publish(
        Rendition(site, "Have you seen this car near the A34?", "delivery-1", images=images))
    [post] = sandbox.posts(site.id)
    assert post["id"] == remote.id
    assert post["text"] == "Have you seen this car near the A34?"
    assert post["media"] == expected_media(platform)


@pytest.mark.parametrize("platform", PHOTO_NETWORKS)
async def test_one_photo(sandbox: Sandbox, client: httpx.AsyncClient, images,
                         platform: str) -> None:
    site = site_on(sandbox, platform)
    remote = await adapter(site, client).publish(
        Rendition(site, "Road closed", "delivery-1", images=images[:1]))
    [post] = sandbox.posts(site.id)
    assert post["id"] == remote.id
    assert post["media"] == expected_media(platform)[:1]
    if platform == "facebook":  # a photo post of its own: no feed post around it
        assert len(post["extra"]["photo_ids"]) == 1


async def test_youtube_takes_no_photo_post(sandbox: Sandbox, client: httpx.AsyncClient,
                                           images) -> None:
    site = site_on(sandbox, "youtube")
    with pytest.raises(PublishError) as caught:
        await adapter(site, client).publish(Rendition(site, "Appeal", "k", images=images))
    assert caught.value.kind == Failure.NOT_APPLICABLE
    assert sandbox.posts() == []


@pytest.mark.parametrize("platform", PHOTO_NETWORKS)
async def test_a_write_fault_hits_the_post_not_the_uploads(
        sandbox: Sandbox, client: httpx.AsyncClient, images, platform: str) -> None:
    site = site_on(sandbox, platform)
    sandbox.inject(site.id, Fault("server_error"))
    poster = adapter(site, client)
    with pytest.raises(PublishError) as caught:
        await poster.publish(Rendition(site, "Appeal", "delivery-1", images=images))
    assert caught.value.kind == Failure.SERVER
    assert caught.value.status == 500
    assert sandbox.posts(site.id) == []
    assert sandbox.faults() == {}  # it fired, on the post
    await poster.publish(Rendition(site, "Appeal", "delivery-1", images=images))
    [post] = sandbox.posts(site.id)
    assert post["media"] == expected_media(platform)


@pytest.mark.parametrize("platform", PHOTO_NETWORKS)
@pytest.mark.parametrize("scope", ["any", "upload"])
async def test_an_any_or_upload_fault_hits_the_first_upload(
        sandbox: Sandbox, client: httpx.AsyncClient, images, platform: str,
        scope: str) -> None:
    site = site_on(sandbox, platform)
    sandbox.inject(site.id, Fault("rate_limit", retry_after=30, on=scope))
    with pytest.raises(PublishError) as caught:
        await adapter(site, client).publish(
            Rendition(site, "Appeal", "delivery-1", images=images))
    assert caught.value.kind == Failure.RATE_LIMITED
    assert sandbox.posts(site.id) == []
    assert sandbox.faults() == {}


async def test_a_write_fault_still_hits_a_post_without_photos(
        sandbox: Sandbox, client: httpx.AsyncClient) -> None:
    site = site_on(sandbox, "x")
    sandbox.inject(site.id, Fault("server_error", on="upload"))
    await adapter(site, client).publish(Rendition(site, "No photos here", "k"))
    assert sandbox.faults() != {}  # an upload fault waits for an upload


async def test_mastodon_retry_after_a_dropped_reply_makes_one_post_with_its_photos(
        sandbox: Sandbox, client: httpx.AsyncClient, images) -> None:
    site = site_on(sandbox, "mastodon")
    sandbox.inject(site.id, Fault("drop"))
    poster = adapter(site, client)
    with pytest.raises(PublishError) as caught:
        await poster.publish(Rendition(site, "Appeal", "delivery-7", images=images))
    assert caught.value.kind == Failure.UNKNOWN
    again = await poster.publish(Rendition(site, "Appeal", "delivery-7", images=images))
    [post] = sandbox.posts(site.id)
    assert again.id == post["id"]
    assert post["media"] == expected_media("mastodon")


async def test_bluesky_retry_after_a_timeout_makes_one_post_with_its_photos(
        sandbox: Sandbox, client: httpx.AsyncClient, images) -> None:
    site = site_on(sandbox, "bluesky")
    sandbox.inject(site.id, Fault("timeout", seconds=1.0, on="post"))
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.3)) as impatient:
        with pytest.raises(PublishError) as caught:
            await adapter(site, impatient).publish(
                Rendition(site, "Appeal", "delivery-8", images=images))
    assert caught.value.kind == Failure.UNKNOWN
    again = await adapter(site, client).publish(
        Rendition(site, "Appeal", "delivery-8", images=images))
    [post] = sandbox.posts(site.id)
    assert again.id == post["id"]
    assert post["media"] == expected_media("bluesky")


async def test_the_sandbox_refuses_what_the_adapters_refuse_first(
        sandbox: Sandbox, client: httpx.AsyncClient, tmp_path: Path) -> None:
    """The adapter stops a fifth photo before any request; so nothing reaches the sandbox."""
    site = site_on(sandbox, "bluesky")
    five = tuple(Image(write(tmp_path, f"p{i}.png", png())) for i in range(5))
    with pytest.raises(PublishError, match="at most 4 photos"):
        await adapter(site, client).publish(Rendition(site, "t", "k", images=five))
    assert sandbox.posts() == []
