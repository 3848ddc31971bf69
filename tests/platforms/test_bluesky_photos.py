"""Bluesky adapter with photos: uploadBlob with the raw bytes, then an images embed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from oncall.platforms.base import Failure, Image, PublishError, Rendition
from oncall.platforms.bluesky import BlueskyAdapter
from tests.imagefiles import jpeg, png, write

from .conftest import Network, clock, make_site, reply
from .test_bluesky import DID, PDS, XRPC

SITE = make_site("bluesky")


class PhotoPDS(PDS):
    """The test PDS, also taking blobs: {"blob": {...}} with a made-up CID."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.removeprefix(XRPC)
        if nsid != "com.atproto.repo.uploadBlob" or self.script.get(nsid):
            return super().__call__(request)
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.valid:
            return reply(400, {"error": "ExpiredToken", "message": "Token has expired"})
        link = "bafkrei" + hashlib.sha256(request.content).hexdigest()[:40]
        return reply(200, {"blob": {"$type": "blob", "ref": {"$link": link},
                                    "mimeType": request.headers["content-type"],
                                    "size": len(request.content)}})


def blob_of(data: bytes, mime: str) -> dict[str, object]:
    return {"$type": "blob", "ref": {"$link": "bafkrei" + hashlib.sha256(data).hexdigest()[:40]},
            "mimeType": mime, "size": len(data)}


def adapter(net, tokens) -> BlueskyAdapter:
    return BlueskyAdapter(SITE, net.client, tokens, clock=clock)


def calls(net) -> list[str]:
    return [r.url.path.removeprefix(XRPC) for r in net.requests]


@pytest.fixture
def photos(tmp_path: Path) -> tuple[Image, Image]:
    return (Image(write(tmp_path, "closure-map.png", png()), "Map of the A34 closure"),
            Image(write(tmp_path, "vehicle.jpg", jpeg()), ""))


async def test_one_photo_is_uploaded_as_a_blob_and_embedded_with_its_alt(network, tokens,
                                                                         photos):
    pds = PhotoPDS()
    net = network(pds)
    await adapter(net, tokens).publish(Rendition(SITE, "Road closed", "k1", images=photos[:1]))
    assert calls(net) == ["com.atproto.server.createSession", "com.atproto.repo.uploadBlob",
                          "com.atproto.repo.createRecord"]
    upload = net.requests[1]
    assert upload.method == "POST"
    assert upload.headers["content-type"] == "image/png"
    assert upload.headers["authorization"] == "Bearer eyJhbGciOi.access-1.sig"
    assert upload.content == png()
    record = Network.json(net.last)["record"]
    assert record["embed"] == {"$type": "app.bsky.embed.images", "images": [
        {"alt": "Map of the A34 closure", "image": blob_of(png(), "image/png")}]}
    assert record["text"] == "Road closed"


async def test_two_photos_keep_their_order_and_an_empty_alt(network, tokens, photos):
    net = network(PhotoPDS())
    await adapter(net, tokens).publish(Rendition(SITE, "Seen this car?", "k1", images=photos))
    assert calls(net)[1:] == ["com.atproto.repo.uploadBlob", "com.atproto.repo.uploadBlob",
                              "com.atproto.repo.createRecord"]
    assert net.requests[2].headers["content-type"] == "image/jpeg"
    assert Network.json(net.last)["record"]["embed"]["images"] == [
        {"alt": "Map of the A34 closure", "image": blob_of(png(), "image/png")},
        {"alt": "", "image": blob_of(jpeg(), "image/jpeg")}]


async def test_a_photo_over_a_million_bytes_is_refused_not_resized(network, tokens,
                                                                   tmp_path: Path):
    big = Image(write(tmp_path, "scene.jpg", jpeg(pad=1_000_000)))
    net = network(PhotoPDS())
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=(big,)))
    assert caught.value.kind == Failure.REJECTED
    assert caught.value.reason == (
        f"Mercia Vale Police (Bluesky): the photo scene.jpg is {len(jpeg(pad=1_000_000)):,} "
        "bytes and Bluesky takes at most 1,000,000 bytes (about 976 KB) a photo; make it "
        "smaller and send again (nothing was sent).")
    assert net.requests == []  # not even a sign-in


async def test_only_jpeg_and_png(network, tokens, tmp_path: Path):
    webp = Image(write(tmp_path, "photo.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8))
    net = network(PhotoPDS())
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=(webp,)))
    assert caught.value.reason == ("Mercia Vale Police (Bluesky): Bluesky takes JPEG or PNG "
                                   "photos and photo.webp is WebP; save it as JPEG or PNG and "
                                   "send again (nothing was sent).")
    assert net.requests == []


async def test_an_expired_session_during_an_upload_signs_in_again(network, tokens, photos):
    pds = PhotoPDS()
    net = network(pds)
    bluesky = adapter(net, tokens)
    await bluesky.publish(Rendition(SITE, "one", "k1"))
    pds.valid = set()
    await bluesky.publish(Rendition(SITE, "two", "k2", images=photos[:1]))
    assert calls(net)[2:] == ["com.atproto.repo.uploadBlob",
                              "com.atproto.server.createSession",
                              "com.atproto.repo.uploadBlob", "com.atproto.repo.createRecord"]
    assert net.requests[4].content == png()
    assert pds.sessions == 2


async def test_an_upload_fault_posts_nothing_and_may_be_retried(network, tokens, photos):
    pds = PhotoPDS()
    pds.script["com.atproto.repo.uploadBlob"] = [
        reply(502, {"error": "UpstreamFailure", "message": "Upstream Failure"})]
    net = network(pds)
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=photos))
    assert caught.value.kind == Failure.SERVER
    assert caught.value.status == 502
    assert "com.atproto.repo.createRecord" not in calls(net)
    assert pds.records == {}


async def test_a_blob_reply_without_a_reference_posts_nothing(network, tokens, photos):
    pds = PhotoPDS()
    pds.script["com.atproto.repo.uploadBlob"] = [reply(200, {"blob": None})]
    net = network(pds)
    with pytest.raises(PublishError, match="gave no reference to it; the post itself was "
                                           "not sent"):
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=photos[:1]))
    assert pds.records == {}


async def test_a_repeat_of_a_landed_photo_post_counts_as_sent(network, tokens, photos):
    pds = PhotoPDS()
    net = network(pds)
    bluesky = adapter(net, tokens)
    first = await bluesky.publish(Rendition(SITE, "Appeal", "same", images=photos))
    again = await bluesky.publish(Rendition(SITE, "Appeal", "same", images=photos))
    assert again == first
    assert len(pds.records) == 1
    assert pds.records[first.id.rsplit("/", 1)[-1]]["embed"]["images"][0]["alt"] == \
        "Map of the A34 closure"
    assert DID in first.id
