"""X adapter with photos: /2/media/upload, /2/media/metadata for alt text, then /2/tweets."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from oncall.platforms.base import Failure, Image, PublishError, Rendition
from oncall.platforms.x import XAdapter
from tests.imagefiles import jpeg, png, write

from .conftest import TOKEN, Network, clock, make_site, multipart, reply

SITE = make_site("x")
BASE = "http://127.0.0.1:8765/x"


def adapter(net, tokens) -> XAdapter:
    return XAdapter(SITE, net.client, tokens, clock=clock)


class FakeX:
    """Answers media uploads with ids m1, m2 ..., metadata and posts as X does."""

    def __init__(self) -> None:
        self.uploads = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/x")
        if path == "/2/media/upload":
            self.uploads += 1
            media_id = f"m{self.uploads}"
            return reply(200, {"data": {"id": media_id, "media_key": f"3_{media_id}",
                                        "size": 100, "expires_after_secs": 86400}})
        if path == "/2/media/metadata":
            body = Network.json(request)
            return reply(200, {"data": {"id": body["id"],
                                        "associated_metadata": body["metadata"]}})
        return reply(201, {"data": {"id": "1850000000000000001", "text": "t"}})


@pytest.fixture
def photos(tmp_path: Path) -> tuple[Image, Image]:
    return (Image(write(tmp_path, "closure-map.png", png()), "Map of the A34 closure"),
            Image(write(tmp_path, "vehicle.jpg", jpeg()), ""))


def assert_upload(request: httpx.Request, name: str, mime: str, data: bytes) -> None:
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/2/media/upload"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    fields, files = multipart(request)
    assert fields == {"media_category": "tweet_image", "media_type": mime}
    assert (files["media"].filename, files["media"].content_type, files["media"].data) == \
        (name, mime, data)


async def test_one_photo_with_alt_text(network, tokens, photos):
    net = network(FakeX())
    post = await adapter(net, tokens).publish(
        Rendition(SITE, "Road closed", "k1", images=photos[:1]))
    upload, metadata, tweet = net.requests
    assert_upload(upload, "closure-map.png", "image/png", png())
    assert str(metadata.url) == f"{BASE}/2/media/metadata"
    assert metadata.headers["authorization"] == f"Bearer {TOKEN}"
    assert Network.json(metadata) == {
        "id": "m1", "metadata": {"alt_text": {"text": "Map of the A34 closure"}}}
    assert str(tweet.url) == f"{BASE}/2/tweets"
    assert Network.json(tweet) == {"text": "Road closed", "media": {"media_ids": ["m1"]}}
    assert post.id == "1850000000000000001"


async def test_two_photos_alt_text_only_where_given(network, tokens, photos):
    net = network(FakeX())
    await adapter(net, tokens).publish(Rendition(SITE, "Seen this car?", "k1", images=photos))
    paths = [r.url.path.removeprefix("/x") for r in net.requests]
    assert paths == ["/2/media/upload", "/2/media/metadata", "/2/media/upload", "/2/tweets"]
    assert_upload(net.requests[2], "vehicle.jpg", "image/jpeg", jpeg())
    assert Network.json(net.last) == {"text": "Seen this car?",
                                      "media": {"media_ids": ["m1", "m2"]}}


async def test_a_gif_is_not_a_photo_to_x(network, tokens, tmp_path: Path):
    gif = write(tmp_path, "animation.gif", b"GIF89a" + b"\x00" * 20)
    net = network(FakeX())
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=(Image(gif),)))
    assert caught.value.kind == Failure.REJECTED
    assert caught.value.reason == ("Mercia Vale Police (X): X takes BMP, JPEG, PNG, TIFF or "
                                   "WebP photos and animation.gif is GIF; save it as BMP, "
                                   "JPEG, PNG, TIFF or WebP and send again (nothing was "
                                   "sent).")
    assert net.requests == []


async def test_alt_text_over_1000_characters_is_refused(network, tokens, tmp_path: Path):
    image = Image(write(tmp_path, "a.png", png()), "x" * 1001)
    net = network(FakeX())
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=(image,)))
    assert caught.value.reason == ("Mercia Vale Police (X): the description (alt text) of "
                                   "a.png is 1,001 characters and X takes at most 1,000; "
                                   "nothing was sent.")
    assert net.requests == []


async def test_a_photo_over_5_mb_is_refused(network, tokens, tmp_path: Path):
    path = write(tmp_path, "big.png", png())
    os.truncate(path, 5 * 1024 * 1024 + 1)
    net = network(FakeX())
    with pytest.raises(PublishError, match="X takes at most 5 MB a photo"):
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=(Image(path),)))
    assert net.requests == []


async def test_an_upload_rate_limited_is_rate_limited_and_nothing_is_posted(network, tokens,
                                                                            photos):
    net = network(lambda r: httpx.Response(429, json={"title": "Too Many Requests"}))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=photos))
    assert caught.value.kind == Failure.RATE_LIMITED
    assert len(net.requests) == 1


async def test_an_upload_timeout_is_safe_to_retry(network, tokens, photos):
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(PublishError) as caught:
        await adapter(network(timeout), tokens).publish(
            Rendition(SITE, "t", "k", images=photos))
    assert caught.value.kind == Failure.SERVER
    assert "closure-map.png; the post itself was not sent" in caught.value.reason


async def test_refused_alt_text_stops_the_post(network, tokens, photos):
    fake = FakeX()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/metadata"):
            return httpx.Response(400, json={
                "title": "Invalid Request", "detail": "One or more parameters to your "
                "request was invalid.", "errors": [{"message": "Alt text is invalid"}]})
        return fake(request)

    net = network(handler)
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=photos))
    assert caught.value.kind == Failure.REJECTED
    assert caught.value.reason == ("Mercia Vale Police (X): X would not take the description "
                                   "of the photo closure-map.png (HTTP 400): Alt text is "
                                   "invalid.")
    assert not any(r.url.path.endswith("/2/tweets") for r in net.requests)


async def test_an_upload_without_an_id_posts_nothing(network, tokens, photos):
    net = network(lambda r: reply(200, {"data": {}}))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=photos))
    assert caught.value.kind == Failure.SERVER
    assert "gave no id for it" in caught.value.reason
    assert len(net.requests) == 1
