"""X adapter: API v2 /2/tweets."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from oncall.platforms.base import Failure, PublishError, Rendition
from oncall.platforms.x import XAdapter, x_retry_after

from .conftest import NOW, TOKEN, Network, clock, make_site, reply

SITE = make_site("x")


def adapter(net, tokens) -> XAdapter:
    return XAdapter(SITE, net.client, tokens, clock=clock)


def problem(status: int, title: str, detail: str, headers=None, **extra) -> httpx.Response:
    body = {"title": title, "detail": detail, "type": "about:blank", "status": status, **extra}
    return httpx.Response(status, json=body, headers={
        "content-type": "application/problem+json", **(headers or {})})


def epoch(minutes: int) -> str:
    return str(int((NOW + timedelta(minutes=minutes)).timestamp()))


async def test_publish_sends_text_as_json_with_bearer_token(network, tokens):
    net = network(lambda r: reply(201, {"data": {"id": "1850000000000000001",
                                                 "text": "Road closed"}}))
    post = await adapter(net, tokens).publish(Rendition(SITE, "Road closed", "k1"))
    request = net.last
    assert request.method == "POST"
    assert str(request.url) == "http://127.0.0.1:8765/x/2/tweets"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert Network.json(request) == {"text": "Road closed"}
    assert post.id == "1850000000000000001"
    assert post.url == "https://x.com/MerciaValePol/status/1850000000000000001"


def test_not_idempotent():
    assert XAdapter.idempotent is False
    assert XAdapter.platform == "x"


async def test_default_base_is_api_x_com(network, tokens):
    net = network(lambda r: reply(201, {"data": {"id": "1", "text": "t"}}))
    site = make_site("x", api_base="")
    await XAdapter(site, net.client, tokens).publish(Rendition(site, "t", "k"))
    assert str(net.last.url) == "https://api.x.com/2/tweets"


async def test_duplicate_is_rejected_in_plain_words(network, tokens):
    net = network(lambda r: problem(
        403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k"))
    assert caught.value.kind == Failure.REJECTED
    assert caught.value.reason == ("Mercia Vale Police (X): duplicate content: X already has "
                                   "this exact text.")
    assert caught.value.status == 403
    assert "duplicate content" in caught.value.raw


async def test_other_403_is_rejected_with_xs_words(network, tokens):
    net = network(lambda r: problem(403, "Forbidden",
                                    "You are not permitted to perform this action."))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k"))
    assert caught.value.reason == ("Mercia Vale Police (X): X would not take the post "
                                   "(HTTP 403): You are not permitted to perform this action.")


async def test_invalid_request_names_the_parameter_problem(network, tokens):
    net = network(lambda r: problem(
        400, "Invalid Request", "One or more parameters to your request was invalid.",
        errors=[{"parameters": {"text": ["x" * 10]}, "message": "Text is too long"}]))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k"))
    assert caught.value.kind == Failure.REJECTED
    assert caught.value.reason.endswith("(HTTP 400): Text is too long.")


async def test_401_is_a_token_problem(network, tokens):
    net = network(lambda r: problem(401, "Unauthorized", "Unauthorized"))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k"))
    assert caught.value.kind == Failure.REJECTED
    assert "did not accept the stored token" in caught.value.reason


async def test_429_waits_until_the_reset_time(network, tokens):
    headers = {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0",
               "x-rate-limit-reset": epoch(11)}
    net = network(lambda r: problem(429, "Too Many Requests", "Too Many Requests", headers))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k"))
    error = caught.value
    assert error.kind == Failure.RATE_LIMITED
    assert error.retry_after == 11 * 60
    assert error.reason == ("Mercia Vale Police (X): rate limited; X says try again at "
                            "02:58 GMT.")


def test_daily_cap_reset_wins_over_the_window():
    headers = {"x-rate-limit-remaining": "50", "x-rate-limit-reset": epoch(5),
               "x-user-limit-24hour-remaining": "0", "x-user-limit-24hour-reset": epoch(600)}
    response = httpx.Response(429, headers=headers)
    assert x_retry_after(response, NOW) == 600 * 60


def test_reset_in_the_past_waits_zero_and_retry_after_is_the_fallback():
    assert x_retry_after(httpx.Response(429, headers={"x-rate-limit-reset": epoch(-3)}),
                         NOW) == 0
    assert x_retry_after(httpx.Response(429, headers={"retry-after": "30"}), NOW) == 30
    assert x_retry_after(httpx.Response(429), NOW) is None


async def test_429_without_headers_uses_the_default_wait(network, tokens):
    net = network(lambda r: problem(429, "Too Many Requests", "Too Many Requests"))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k"))
    assert caught.value.retry_after == 60
    assert "X gave no time, so try again after 02:48 GMT" in caught.value.reason


@pytest.mark.parametrize("status", [500, 503])
async def test_5xx_is_server(network, tokens, status):
    net = network(lambda r: problem(status, "Service Unavailable", "Service Unavailable"))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k"))
    assert caught.value.kind == Failure.SERVER
    assert caught.value.status == status


async def test_dropped_connection_is_unknown(network, tokens):
    def drop(request):
        raise httpx.RemoteProtocolError("Server disconnected", request=request)

    with pytest.raises(PublishError) as caught:
        await adapter(network(drop), tokens).publish(Rendition(SITE, "t", "k"))
    assert caught.value.kind == Failure.UNKNOWN
    assert caught.value.reason.startswith("Mercia Vale Police (X): the connection dropped")


async def test_retract_deletes_by_id(network, tokens):
    net = network(lambda r: reply(200, {"data": {"deleted": True}}))
    await adapter(net, tokens).retract("1850000000000000001")
    assert net.last.method == "DELETE"
    assert net.last.url.path == "/x/2/tweets/1850000000000000001"
    assert net.last.headers["authorization"] == f"Bearer {TOKEN}"


async def test_retract_of_a_post_already_gone_succeeds(network, tokens):
    net = network(lambda r: problem(404, "Not Found Error", "Could not find tweet"))
    await adapter(net, tokens).retract("1")  # gone already: what a retraction wants
    assert [(r.method, r.url.path) for r in net.requests] == [("DELETE", "/x/2/tweets/1")]


async def test_retract_not_deleted_is_rejected(network, tokens):
    net = network(lambda r: reply(200, {"data": {"deleted": False}}))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).retract("1")
    assert caught.value.kind == Failure.REJECTED


async def test_retract_rate_limited(network, tokens):
    net = network(lambda r: problem(429, "Too Many Requests", "Too Many Requests",
                                    {"x-rate-limit-reset": epoch(15)}))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).retract("1")
    assert caught.value.kind == Failure.RATE_LIMITED
    assert caught.value.retry_after == 15 * 60


async def test_a_reset_that_has_already_passed_still_waits_a_second(network, tokens):
    net = network(lambda r: problem(429, "Too Many Requests", "Too Many Requests",
                                    {"x-rate-limit-reset": epoch(-1)}))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k"))
    assert caught.value.retry_after == 1
