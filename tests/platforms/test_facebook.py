"""Facebook Pages adapter: Graph API page feed."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import httpx
import pytest

from oncall.platforms.base import Failure, PublishError, Rendition
from oncall.platforms.facebook import FacebookAdapter

from .conftest import TOKEN, clock, make_site, reply

SITE = make_site("facebook")
BASE = "http://127.0.0.1:8765/facebook"


def adapter(net, tokens) -> FacebookAdapter:
    return FacebookAdapter(SITE, net.client, tokens, clock=clock)


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def graph_error(code: int, message: str = "An error", status: int = 400,
                headers: dict[str, str] | None = None, **extra: object) -> httpx.Response:
    return reply(status, {"error": {"message": message, "type": "OAuthException", "code": code,
                                    "fbtrace_id": "AbCdEf", **extra}}, headers)


async def test_publish_posts_message_link_and_token_to_the_page_feed(network, tokens):
    net = network(lambda r: reply(200, {"id": "1234_5678"}))
    post = await adapter(net, tokens).publish(
        Rendition(SITE, "Road closed at the A34.", "k1", link="https://merciavale.police.uk/x"))
    request = net.last
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/v21.0/MerciaValePolice/feed"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form(request) == {"message": "Road closed at the A34.",
                             "link": "https://merciavale.police.uk/x", "access_token": TOKEN}
    assert post.id == "1234_5678"
    assert post.url == "https://www.facebook.com/1234_5678"


async def test_publish_without_link_sends_no_link_field(network, tokens):
    net = network(lambda r: reply(200, {"id": "1_2"}))
    await adapter(net, tokens).publish(Rendition(SITE, "Update", "k1"))
    assert "link" not in form(net.last)


def test_not_idempotent():
    assert FacebookAdapter.idempotent is False
    assert FacebookAdapter.platform == "facebook"


async def test_default_base_is_the_real_graph_api(network, tokens):
    net = network(lambda r: reply(200, {"id": "1_2"}))
    site = make_site("facebook", api_base="")
    await FacebookAdapter(site, net.client, tokens).publish(Rendition(site, "x", "k"))
    assert str(net.last.url) == "https://graph.facebook.com/v21.0/MerciaValePolice/feed"


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001])
async def test_rate_limit_codes_are_rate_limited_with_a_default_wait(network, tokens, code):
    net = network(lambda r: graph_error(code, "(#32) Page request limit reached", 400))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "x", "k"))
    error = caught.value
    assert error.kind == Failure.RATE_LIMITED
    assert error.retry_after == 60
    assert error.reason == ("Mercia Vale Police (Facebook): rate limited; Facebook gave no "
                            "time, so try again after 02:48 GMT.")


async def test_http_429_uses_retry_after_header(network, tokens):
    net = network(lambda r: reply(429, {"error": {"message": "slow down", "code": 4}},
                                  {"Retry-After": "120"}))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "x", "k"))
    assert caught.value.kind == Failure.RATE_LIMITED
    assert caught.value.retry_after == 120
    assert "Facebook says try again at 02:49 GMT" in caught.value.reason
    assert caught.value.status == 429


async def test_business_use_case_header_gives_the_wait_in_minutes(network, tokens):
    usage = {"112233": [{"type": "pages", "call_count": 100, "total_cputime": 10,
                         "total_time": 10, "estimated_time_to_regain_access": 11}]}
    net = network(lambda r: graph_error(
        80001, headers={"X-Business-Use-Case-Usage": json.dumps(usage)}))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "x", "k"))
    assert caught.value.retry_after == 11 * 60
    assert "Facebook says try again at 02:58 GMT" in caught.value.reason


@pytest.mark.parametrize(("code", "words"), [
    (190, "did not accept the page's access token"),
    (200, "not allowed to post here"),
    (10, "not allowed to post here"),
    (368, "temporarily blocked this page from posting"),
    (506, "duplicate post: Facebook already has this exact text"),
    (100, "Facebook would not take the post: Invalid parameter (code 100)"),
])
async def test_refusals_are_rejected_in_plain_words(network, tokens, code, words):
    net = network(lambda r: graph_error(code, "Invalid parameter"))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "x", "k"))
    assert caught.value.kind == Failure.REJECTED
    assert caught.value.reason.startswith("Mercia Vale Police (Facebook): ")
    assert words in caught.value.reason
    assert caught.value.status == 400
    assert '"fbtrace_id"' in caught.value.raw


async def test_user_message_is_preferred_and_kept_on_one_line(network, tokens):
    net = network(lambda r: graph_error(100, "(#100) raw",
                                        error_user_msg="Line one\nline \x1b[2Jtwo"))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "x", "k"))
    assert "Line one line ␛[2Jtwo" in caught.value.reason
    assert "\n" not in caught.value.reason


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_is_server(network, tokens, status):
    net = network(lambda r: graph_error(1, "An unknown error occurred", status))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "x", "k"))
    assert caught.value.kind == Failure.SERVER
    assert caught.value.status == status
    assert f"HTTP {status}" in caught.value.reason


async def test_transient_code_is_server(network, tokens):
    net = network(lambda r: graph_error(2, "Service temporarily unavailable", 400,
                                        is_transient=True))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "x", "k"))
    assert caught.value.kind == Failure.SERVER


async def test_gateway_timeout_is_unknown(network, tokens):
    net = network(lambda r: reply(504, text="<html>Gateway Timeout</html>"))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "x", "k"))
    assert caught.value.kind == Failure.UNKNOWN
    assert "may have gone out" in caught.value.reason


async def test_success_without_id_is_unknown(network, tokens):
    net = network(lambda r: reply(200, text="OK"))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "x", "k"))
    assert caught.value.kind == Failure.UNKNOWN


async def test_read_timeout_is_unknown_and_connect_error_unreachable(network, tokens):
    def timeout(request):
        raise httpx.ReadTimeout("timed out", request=request)

    def refused(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(PublishError) as caught:
        await adapter(network(timeout), tokens).publish(Rendition(SITE, "x", "k"))
    assert caught.value.kind == Failure.UNKNOWN
    assert caught.value.reason.startswith("Mercia Vale Police (Facebook): no reply in time")
    with pytest.raises(PublishError) as caught:
        await adapter(network(refused), tokens).publish(Rendition(SITE, "x", "k"))
    assert caught.value.kind == Failure.UNREACHABLE


async def test_retract_deletes_the_post_with_the_token_as_a_parameter(network, tokens):
    net = network(lambda r: reply(200, {"success": True}))
    await adapter(net, tokens).retract("1234_5678")
    request = net.last
    assert request.method == "DELETE"
    assert request.url.path == "/facebook/v21.0/1234_5678"
    assert request.url.params["access_token"] == TOKEN


async def test_retract_not_confirmed_is_rejected(network, tokens):
    net = network(lambda r: reply(200, {"success": False}))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).retract("1_2")
    assert caught.value.kind == Failure.REJECTED
    assert "did not confirm" in caught.value.reason


async def test_retract_error_says_what_failed(network, tokens):
    net = network(lambda r: graph_error(100, "Object does not exist", error_subcode=33))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).retract("1_2")
    assert caught.value.reason == ("Mercia Vale Police (Facebook): Facebook would not delete "
                                   "the post: Object does not exist (code 100).")


async def test_missing_token_is_rejected_before_any_request(network):
    from oncall.platforms.base import StaticTokens

    net = network(lambda r: reply(200, {"id": "1_2"}))
    with pytest.raises(PublishError) as caught:
        await FacebookAdapter(SITE, net.client, StaticTokens()).publish(Rendition(SITE, "x", "k"))
    assert caught.value.kind == Failure.REJECTED
    assert net.requests == []
