"""Mastodon adapter: /api/v1/statuses with an Idempotency-Key."""

from __future__ import annotations

import httpx
import pytest

from oncall.platforms.base import Failure, PublishError, Rendition
from oncall.platforms.mastodon import MastodonAdapter, mastodon_retry_after

from .conftest import NOW, TOKEN, Network, clock, make_site, reply

SITE = make_site("mastodon")
STATUS = {"id": "113000000000000001", "created_at": "2025-11-26T02:47:00.000Z",
          "visibility": "public", "content": "<p>Road closed</p>",
          "uri": "https://social.merciavale.police.uk/users/news/statuses/113000000000000001",
          "url": "https://social.merciavale.police.uk/@news/113000000000000001"}


def adapter(net, tokens) -> MastodonAdapter:
    return MastodonAdapter(SITE, net.client, tokens, clock=clock)


async def test_publish_sends_status_with_idempotency_key(network, tokens):
    net = network(lambda r: reply(200, STATUS))
    post = await adapter(net, tokens).publish(Rendition(SITE, "Road closed", "delivery-key-1"))
    request = net.last
    assert request.method == "POST"
    assert str(request.url) == "http://127.0.0.1:8765/mastodon/api/v1/statuses"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["idempotency-key"] == "delivery-key-1"
    assert Network.json(request) == {"status": "Road closed", "visibility": "public"}
    assert post.id == "113000000000000001"
    assert post.url == "https://social.merciavale.police.uk/@news/113000000000000001"


async def test_content_warning_goes_as_spoiler_text(network, tokens):
    net = network(lambda r: reply(200, STATUS))
    await adapter(net, tokens).publish(
        Rendition(SITE, "Details", "k", spoiler="Serious collision"))
    assert Network.json(net.last)["spoiler_text"] == "Serious collision"


def test_idempotent():
    assert MastodonAdapter.idempotent is True
    assert MastodonAdapter.platform == "mastodon"


async def test_the_same_key_is_sent_on_every_attempt(network, tokens):
    answers = iter([reply(503, {"error": "busy"}), reply(200, STATUS)])
    net = network(lambda r: next(answers))
    mastodon = adapter(net, tokens)
    with pytest.raises(PublishError):
        await mastodon.publish(Rendition(SITE, "t", "same-key"))
    await mastodon.publish(Rendition(SITE, "t", "same-key"))
    assert [r.headers["idempotency-key"] for r in net.requests] == ["same-key", "same-key"]


async def test_default_base_is_the_sites_instance(network, tokens):
    net = network(lambda r: reply(200, STATUS))
    site = make_site("mastodon", api_base="")
    await MastodonAdapter(site, net.client, tokens).publish(Rendition(site, "t", "k"))
    assert str(net.last.url) == "https://social.merciavale.police.uk/api/v1/statuses"


async def test_url_falls_back_to_uri(network, tokens):
    net = network(lambda r: reply(200, {**STATUS, "url": None}))
    post = await adapter(net, tokens).publish(Rendition(SITE, "t", "k"))
    assert post.url == STATUS["uri"]


async def test_422_is_rejected_with_the_servers_words(network, tokens):
    net = network(lambda r: reply(422, {"error": "Validation failed: Text character limit "
                                                 "of 500 exceeded"}))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k"))
    assert caught.value.kind == Failure.REJECTED
    assert caught.value.reason == ("Mercia Vale Police (Mastodon): Mastodon would not take the "
                                   "post (HTTP 422): Validation failed: Text character limit "
                                   "of 500 exceeded.")


async def test_401_is_a_token_problem(network, tokens):
    net = network(lambda r: reply(401, {"error": "The access token is invalid"}))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k"))
    assert caught.value.kind == Failure.REJECTED
    assert "did not accept the stored token" in caught.value.reason


async def test_429_uses_the_iso_reset_time(network, tokens):
    headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
               "X-RateLimit-Reset": "2025-11-26T03:00:00.019685Z"}
    net = network(lambda r: reply(429, {"error": "Too many requests"}, headers))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k"))
    assert caught.value.kind == Failure.RATE_LIMITED
    assert caught.value.retry_after == pytest.approx(13 * 60 + 0.019685)
    assert caught.value.reason == ("Mercia Vale Police (Mastodon): rate limited; Mastodon says "
                                   "try again at 03:00 GMT.")


def test_retry_after_is_the_fallback():
    assert mastodon_retry_after(httpx.Response(429, headers={"Retry-After": "90"}), NOW) == 90
    assert mastodon_retry_after(httpx.Response(429, headers={
        "X-RateLimit-Reset": "soon", "Retry-After": "5"}), NOW) == 5
    http_date = "Wed, 26 Nov 2025 02:50:00 GMT"
    assert mastodon_retry_after(httpx.Response(429, headers={"Retry-After": http_date}),
                                NOW) == 180


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_is_server(network, tokens, status):
    net = network(lambda r: reply(status, text="<html>We're sorry</html>"))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k"))
    assert caught.value.kind == Failure.SERVER


async def test_retract_deletes_the_status(network, tokens):
    net = network(lambda r: reply(200, {**STATUS, "text": "Road closed"}))
    await adapter(net, tokens).retract("113000000000000001")
    assert net.last.method == "DELETE"
    assert net.last.url.path == "/mastodon/api/v1/statuses/113000000000000001"
    assert net.last.headers["authorization"] == f"Bearer {TOKEN}"


async def test_retract_of_a_status_already_gone_succeeds(network, tokens):
    net = network(lambda r: reply(404, {"error": "Record not found"}))
    await adapter(net, tokens).retract("1")  # gone already: what a retraction wants
    assert [(r.method, r.url.path) for r in net.requests] == [
        ("DELETE", "/mastodon/api/v1/statuses/1")]


async def test_retract_refused(network, tokens):
    net = network(lambda r: reply(403, {"error": "This action is not allowed"}))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).retract("1")
    assert caught.value.reason == ("Mercia Vale Police (Mastodon): Mastodon would not delete "
                                   "the post (HTTP 403): This action is not allowed.")


async def test_instance_limit_reads_v2_instance(network, tokens):
    net = network(lambda r: reply(200, {"domain": "social.merciavale.police.uk",
                                        "configuration": {"statuses": {
                                            "max_characters": 1000,
                                            "max_media_attachments": 4}}}))
    assert await adapter(net, tokens).instance_limit() == 1000
    assert net.last.method == "GET"
    assert net.last.url.path == "/mastodon/api/v2/instance"
    assert "authorization" not in net.last.headers


async def test_instance_limit_falls_back_to_v1_on_old_servers(network, tokens):
    def handler(request):
        if request.url.path.endswith("/api/v2/instance"):
            return reply(404, {"error": "Not found"})
        return reply(200, {"configuration": {"statuses": {"max_characters": 500}}})

    assert await adapter(network(handler), tokens).instance_limit() == 500


@pytest.mark.parametrize("response", [
    reply(200, {"configuration": {}}),
    reply(200, {"configuration": {"statuses": {"max_characters": "lots"}}}),
    reply(200, text="not json"),
    reply(500, {"error": "oops"}),
])
async def test_instance_limit_is_none_when_the_server_does_not_say(network, tokens, response):
    assert await adapter(network(lambda r: response), tokens).instance_limit() is None


async def test_instance_limit_is_none_when_unreachable(network, tokens):
    def refused(request):
        raise httpx.ConnectError("refused", request=request)

    assert await adapter(network(refused), tokens).instance_limit() is None
