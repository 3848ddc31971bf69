"""Facebook Pages adapter with photos: /photos for one, unpublished photos + /feed for several."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from oncall.platforms.base import Failure, Image, PublishError, Rendition
from oncall.platforms.facebook import FacebookAdapter
from tests.imagefiles import jpeg, png, write

from .conftest import TOKEN, clock, make_site, multipart, reply

SITE = make_site("facebook")
BASE = "http://127.0.0.1:8765/facebook/v21.0/MerciaValePolice"


def adapter(net, tokens) -> FacebookAdapter:
    return FacebookAdapter(SITE, net.client, tokens, clock=clock)


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


@pytest.fixture
def photos(tmp_path: Path) -> tuple[Image, Image]:
    return (Image(write(tmp_path, "closure-map.png", png()), "Map of the closure"),
            Image(write(tmp_path, "vehicle.jpg", jpeg()), "A blue hatchback"))


async def test_one_photo_is_a_photo_post_on_the_page(network, tokens, photos):
    net = network(lambda r: reply(200, {"id": "778899", "post_id": "1234_5678"}))
    post = await adapter(net, tokens).publish(
        Rendition(SITE, "Road closed at the A34.", "k1", images=photos[:1]))
    [request] = net.requests
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/photos"
    fields, files = multipart(request)
    assert fields == {"message": "Road closed at the A34.", "access_token": TOKEN}
    source = files["source"]
    assert (source.filename, source.content_type, source.data) == \
        ("closure-map.png", "image/png", png())
    # The Graph API has no alt text for Page photos: it is not sent.
    assert b"Map of the closure" not in request.content
    assert post.id == "1234_5678"
    assert post.url == "https://www.facebook.com/1234_5678"


async def test_two_photos_go_unpublished_then_attach_to_one_feed_post(network, tokens,
                                                                      photos):
    ids = iter(["5551", "5552"])

    def graph(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/photos"):
            return reply(200, {"id": next(ids)})
        return reply(200, {"id": "1234_9999"})

    net = network(graph)
    post = await adapter(net, tokens).publish(
        Rendition(SITE, "Have you seen this car?", "k1", images=photos))
    first, second, feed = net.requests
    for request, name, mime, data in ((first, "closure-map.png", "image/png", png()),
                                      (second, "vehicle.jpg", "image/jpeg", jpeg())):
        assert str(request.url) == f"{BASE}/photos"
        fields, files = multipart(request)
        assert fields == {"published": "false", "access_token": TOKEN}
        assert (files["source"].filename, files["source"].content_type,
                files["source"].data) == (name, mime, data)
    assert str(feed.url) == f"{BASE}/feed"
    assert feed.headers["content-type"] == "application/x-www-form-urlencoded"
    sent = form(feed)
    assert sent == {"message": "Have you seen this car?",
                    "attached_media[0]": '{"media_fbid": "5551"}',
                    "attached_media[1]": '{"media_fbid": "5552"}', "access_token": TOKEN}
    assert json.loads(sent["attached_media[1]"]) == {"media_fbid": "5552"}
    assert post.id == "1234_9999"


async def test_a_link_with_one_photo_goes_in_the_message(network, tokens, photos):
    net = network(lambda r: reply(200, {"id": "7", "post_id": "1_2"}))
    await adapter(net, tokens).publish(Rendition(
        SITE, "Appeal", "k", link="https://merciavale.police.uk/a", images=photos[:1]))
    fields, _ = multipart(net.last)
    assert fields["message"] == "Appeal\nhttps://merciavale.police.uk/a"


async def test_a_photo_post_without_a_post_id_is_unknown(network, tokens, photos):
    net = network(lambda r: reply(200, {"id": "778899"}))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=photos[:1]))
    assert caught.value.kind == Failure.UNKNOWN


async def test_a_timeout_on_the_single_photo_is_unknown_it_is_the_post(network, tokens,
                                                                       photos):
    def timeout(request):
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(PublishError) as caught:
        await adapter(network(timeout), tokens).publish(
            Rendition(SITE, "t", "k", images=photos[:1]))
    assert caught.value.kind == Failure.UNKNOWN


async def test_a_timeout_on_an_unpublished_photo_posts_nothing_and_may_be_retried(
        network, tokens, photos):
    def graph(request: httpx.Request) -> httpx.Response:
        if b"vehicle.jpg" in request.content:
            raise httpx.ReadTimeout("timed out", request=request)
        return reply(200, {"id": "5551"})

    net = network(graph)
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=photos))
    assert caught.value.kind == Failure.SERVER
    assert caught.value.reason == ("Mercia Vale Police (Facebook): no clear answer while "
                                   "uploading the photo vehicle.jpg; the post itself was not "
                                   "sent, so it is safe to try again.")
    assert [r.url.path.rsplit("/", 1)[-1] for r in net.requests] == ["photos", "photos"]


async def test_a_refused_photo_names_the_file_and_no_post_is_made(network, tokens, photos):
    net = network(lambda r: reply(400, {"error": {
        "message": "(#324) Missing or invalid image file", "type": "OAuthException",
        "code": 324, "fbtrace_id": "Ab"}}))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=photos))
    assert caught.value.kind == Failure.REJECTED
    assert caught.value.reason == ("Mercia Vale Police (Facebook): Facebook would not upload "
                                   "the photo closure-map.png: (#324) Missing or invalid image "
                                   "file (code 324).")
    assert len(net.requests) == 1
    assert TOKEN not in caught.value.raw


async def test_a_photo_over_10_mb_is_refused_before_any_request(network, tokens,
                                                                tmp_path: Path):
    path = write(tmp_path, "huge.jpg", jpeg())
    os.truncate(path, 10 * 1024 * 1024 + 1)
    net = network(lambda r: reply(500))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", images=(Image(path),)))
    assert caught.value.kind == Failure.REJECTED
    assert "huge.jpg is 10,485,761 bytes and Facebook takes at most 10 MB" in \
        caught.value.reason
    assert net.requests == []


async def test_no_count_limit_of_its_own(network, tokens, tmp_path: Path):
    images = tuple(Image(write(tmp_path, f"p{i}.png", png())) for i in range(6))
    counter = iter(range(100))
    net = network(lambda r: reply(200, {"id": f"id{next(counter)}"}))
    await adapter(net, tokens).publish(Rendition(SITE, "Six photos", "k", images=images))
    assert len(net.requests) == 7
    assert "attached_media[5]" in form(net.last)
