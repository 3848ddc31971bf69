"""Mastodon adapter with photos: /api/v2/media (description = alt), then the status."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from oncall.platforms import mastodon as mastodon_module
from oncall.platforms.base import Failure, Image, PublishError, Rendition
from oncall.platforms.mastodon import MastodonAdapter
from tests.imagefiles import jpeg, png, write

from .conftest import TOKEN, Network, clock, make_site, multipart, reply

SITE = make_site("mastodon")
BASE = "http://127.0.0.1:8765/mastodon"
STATUS = {"id": "113000000000000001", "url": "https://social.example/@news/1",
          "uri": "https://social.example/users/news/statuses/1"}


class FakeInstance:
    """Media uploads answer `upload_status` with ids 2001, 2002 ...; a media GET answers
    the next of `checks` (206 processing, 200 ready); statuses answer STATUS."""

    def __init__(self, upload_status: int = 200, checks: tuple[int, ...] = ()) -> None:
        self.upload_status = upload_status
        self.checks = list(checks)
        self.uploads = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/mastodon")
        if path == "/api/v2/media":
            self.uploads += 1
            ready = self.upload_status == 200
            return reply(self.upload_status, {
                "id": str(2000 + self.uploads), "type": "image",
                "url": "https://files.example/o.png" if ready else None})
        if path.startswith("/api/v1/media/"):
            return reply(self.checks.pop(0), {"id": path.rsplit("/", 1)[-1]})
        return reply(200, STATUS)


def adapter(net, tokens, sleeps: list[float] | None = None) -> MastodonAdapter:
    async def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    return MastodonAdapter(SITE, net.client, tokens, clock=clock, sleep=sleep)


@pytest.fixture
def photos(tmp_path: Path) -> tuple[Image, Image]:
    return (Image(write(tmp_path, "closure-map.png", png()), "Map of the A34 closure"),
            Image(write(tmp_path, "vehicle.jpg", jpeg()), ""))


async def test_one_photo_with_its_description_then_the_status(network, tokens, photos):
    net = network(FakeInstance())
    post = await adapter(net, tokens).publish(
        Rendition(SITE, "Road closed", "delivery-key-1", images=photos[:1]))
    upload, status = net.requests
    assert upload.method == "POST"
    assert str(upload.url) == f"{BASE}/api/v2/media"
    assert upload.headers["authorization"] == f"Bearer {TOKEN}"
    assert "idempotency-key" not in upload.headers
    fields, files = multipart(upload)
    assert fields == {"description": "Map of the A34 closure"}
    assert (files["file"].filename, files["file"].content_type, files["file"].data) == \
        ("closure-map.png", "image/png", png())
    assert str(status.url) == f"{BASE}/api/v1/statuses"
    assert status.headers["idempotency-key"] == "delivery-key-1"
    assert Network.json(status) == {"status": "Road closed", "visibility": "public",
                                    "media_ids": ["2001"]}
    assert post.id == STATUS["id"]


async def test_two_photos_and_no_description_where_there_is_no_alt(network, tokens, photos):
    net = network(FakeInstance())
    await adapter(net, tokens).publish(
        Rendition(SITE, "Seen this car?", "k", spoiler="Appeal", images=photos))
    first, second, status = net.requests
    assert multipart(first)[0] == {"description": "Map of the A34 closure"}
    fields, files = multipart(second)
    assert fields == {}
    assert (files["file"].filename, files["file"].content_type) == ("vehicle.jpg",
                                                                     "image/jpeg")
    assert Network.json(status) == {"status": "Seen this car?", "visibility": "public",
                                    "spoiler_text": "Appeal", "media_ids": ["2001", "2002"]}


async def test_an_upload_still_processing_is_waited_for(network, tokens, photos):
    net = network(FakeInstance(upload_status=202, checks=(206, 206, 200)))
    sleeps: list[float] = []
    await adapter(net, tokens, sleeps).publish(Rendition(SITE, "t", "k", images=photos[:1]))
    paths = [(r.method, r.url.path.removeprefix("/mastodon")) for r in net.requests]
    assert paths == [("POST", "/api/v2/media"), ("GET", "/api/v1/media/2001"),
                     ("GET", "/api/v1/media/2001"), ("GET", "/api/v1/media/2001"),
                     ("POST", "/api/v1/statuses")]
    assert net.requests[1].headers["authorization"] == f"Bearer {TOKEN}"
    assert sleeps == [1.0, 1.0, 1.0]


async def test_an_upload_that_never_finishes_processing_posts_nothing(network, tokens,
                                                                      photos):
    checks = (206,) * mastodon_module.PROCESSING_CHECKS
    net = network(FakeInstance(upload_status=202, checks=checks))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=photos[:1]))
    assert caught.value.kind == Failure.SERVER
    assert caught.value.reason == ("Mercia Vale Police (Mastodon): the instance was still "
                                   "processing the photo closure-map.png after 10 seconds; "
                                   "the post itself was not sent. Try again shortly.")
    assert not any(r.url.path.endswith("/statuses") for r in net.requests)


async def test_the_instances_own_size_limit_is_reported_by_file(network, tokens, photos):
    net = network(lambda r: reply(422, {"error": "Validation failed: File file size must "
                                                 "be less than 16 MB"}))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=photos))
    assert caught.value.kind == Failure.REJECTED
    assert caught.value.reason == ("Mercia Vale Police (Mastodon): Mastodon would not take the "
                                   "photo closure-map.png (HTTP 422): Validation failed: File "
                                   "file size must be less than 16 MB.")
    assert len(net.requests) == 1


async def test_a_description_over_1500_characters_and_a_bmp_are_refused(network, tokens,
                                                                        tmp_path: Path):
    net = network(FakeInstance())
    long_alt = Image(write(tmp_path, "a.png", png()), "d" * 1501)
    with pytest.raises(PublishError, match="is 1,501 characters and Mastodon takes at most "
                                           "1,500"):
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=(long_alt,)))
    bmp = Image(write(tmp_path, "scan.bmp", b"BM" + b"\x00" * 60))
    with pytest.raises(PublishError, match=r"scan\.bmp is BMP"):
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=(bmp,)))
    assert net.requests == []


async def test_a_retry_uploads_again_but_keeps_the_statuss_key(network, tokens, photos):
    fake = FakeInstance()
    answers = iter([reply(503, {"error": "busy"}), reply(200, STATUS)])
    net = network(lambda r: next(answers) if r.url.path.endswith("/statuses") else fake(r))
    mastodon = adapter(net, tokens)
    with pytest.raises(PublishError):
        await mastodon.publish(Rendition(SITE, "t", "same-key", images=photos[:1]))
    await mastodon.publish(Rendition(SITE, "t", "same-key", images=photos[:1]))
    statuses = [r for r in net.requests if r.url.path.endswith("/statuses")]
    assert [r.headers["idempotency-key"] for r in statuses] == ["same-key", "same-key"]
    assert [Network.json(r)["media_ids"] for r in statuses] == [["2001"], ["2002"]]
