"""Bluesky adapter: XRPC sessions, createRecord with a derived rkey, link facets."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx
import pytest

from oncall.platforms.base import Failure, PublishError, Rendition
from oncall.platforms.bluesky import BlueskyAdapter, link_facets, record_key

from .conftest import NOW, TOKEN, Network, clock, make_site, reply

SITE = make_site("bluesky")
DID = "did:plc:mvp3x7example"
XRPC = "/bluesky/xrpc/"
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


class PDS:
    """A small stand-in for a PDS: sessions, records, and scripted failures."""

    def __init__(self) -> None:
        self.sessions = 0
        self.valid: set[str] = set()
        self.records: dict[str, dict] = {}
        # nsid -> list of responses to give (in order) before behaving normally
        self.script: dict[str, list[httpx.Response]] = {}

    def token(self, n: int) -> str:
        return f"eyJhbGciOi.access-{n}.sig"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.removeprefix(XRPC)
        if self.script.get(nsid):
            return self.script[nsid].pop(0)
        if nsid == "com.atproto.server.createSession":
            body = Network.json(request)
            if body != {"identifier": "merciavale.police.uk", "password": TOKEN}:
                return reply(401, {"error": "AuthenticationRequired",
                                   "message": "Invalid identifier or password"})
            self.sessions += 1
            access = self.token(self.sessions)
            self.valid = {access}
            return reply(200, {"accessJwt": access, "refreshJwt": f"eyJ.refresh-{self.sessions}.s",
                               "did": DID, "handle": "merciavale.police.uk", "active": True})
        auth = request.headers.get("authorization", "")
        if auth.removeprefix("Bearer ") not in self.valid:
            return reply(400, {"error": "ExpiredToken", "message": "Token has expired"})
        if nsid == "com.atproto.repo.createRecord":
            body = Network.json(request)
            if body["rkey"] in self.records:
                return reply(500, {"error": "InternalServerError",
                                   "message": "Internal Server Error"})
            self.records[body["rkey"]] = body["record"]
            return reply(200, {"uri": f"at://{DID}/app.bsky.feed.post/{body['rkey']}",
                               "cid": "bafyreib2rxk3rybk3aobmv5cjuql3bm2twh4jo5uxgf5ye",
                               "validationStatus": "valid"})
        if nsid == "com.atproto.repo.getRecord":
            rkey = request.url.params["rkey"]
            if rkey in self.records:
                return reply(200, {"uri": f"at://{DID}/app.bsky.feed.post/{rkey}",
                                   "cid": "bafy", "value": self.records[rkey]})
            return reply(400, {"error": "RecordNotFound", "message": "Could not locate record"})
        if nsid == "com.atproto.repo.deleteRecord":
            self.records.pop(Network.json(request)["rkey"], None)
            return reply(200, {"commit": {"cid": "bafy", "rev": "3l"}})
        return reply(404, {"error": "MethodNotImplemented"})


@pytest.fixture
def pds() -> PDS:
    return PDS()


def adapter(net, tokens) -> BlueskyAdapter:
    return BlueskyAdapter(SITE, net.client, tokens, clock=clock)


def calls(net) -> list[str]:
    return [r.url.path.removeprefix(XRPC) for r in net.requests]


async def test_publish_signs_in_then_creates_the_record(network, tokens, pds):
    net = network(pds)
    text = "Zoë, 14, missing. See merciavale.police.uk/appeals/123 or https://mvp.police.uk/a"
    post = await adapter(net, tokens).publish(Rendition(SITE, text, "delivery-key-1"))
    session, create = net.requests
    assert session.method == "POST"
    assert str(session.url) == "http://127.0.0.1:8765/bluesky/xrpc/com.atproto.server.createSession"
    assert Network.json(session) == {"identifier": "merciavale.police.uk", "password": TOKEN}
    assert create.method == "POST"
    assert create.url.path == XRPC + "com.atproto.repo.createRecord"
    assert create.headers["authorization"] == "Bearer eyJhbGciOi.access-1.sig"
    body = Network.json(create)
    rkey = record_key("delivery-key-1")
    assert body["repo"] == DID
    assert body["collection"] == "app.bsky.feed.post"
    assert body["rkey"] == rkey
    record = body["record"]
    assert record["$type"] == "app.bsky.feed.post"
    assert record["text"] == text
    assert record["createdAt"] == "2025-11-26T02:47:00.000Z"
    # "Zoë, 14, missing. See " is 22 characters but 23 bytes: ë is two bytes in UTF-8.
    assert record["facets"] == [
        {"index": {"byteStart": 23, "byteEnd": 55},
         "features": [{"$type": "app.bsky.richtext.facet#link",
                       "uri": "https://merciavale.police.uk/appeals/123"}]},
        {"index": {"byteStart": 59, "byteEnd": 82},
         "features": [{"$type": "app.bsky.richtext.facet#link",
                       "uri": "https://mvp.police.uk/a"}]},
    ]
    encoded = text.encode()
    assert encoded[23:55].decode() == "merciavale.police.uk/appeals/123"
    assert encoded[59:82].decode() == "https://mvp.police.uk/a"
    assert post.id == f"at://{DID}/app.bsky.feed.post/{rkey}"
    assert post.url == f"https://bsky.app/profile/merciavale.police.uk/post/{rkey}"


def test_facets_count_bytes_of_emoji_and_accents():
    text = "🚨 Café closed: https://mvp.police.uk/x"
    (facet,) = link_facets(text)
    assert facet["index"] == {"byteStart": 19, "byteEnd": 42}
    assert text.encode()[19:42] == b"https://mvp.police.uk/x"


def test_text_without_links_has_no_facets():
    assert link_facets("No links here. Thank you for sharing.") == []


async def test_post_without_links_sends_no_facets(network, tokens, pds):
    net = network(pds)
    await adapter(net, tokens).publish(Rendition(SITE, "Found safe. Thank you.", "k"))
    assert "facets" not in Network.json(net.last)["record"]


def test_record_key_is_a_stable_tid_per_delivery_key():
    assert record_key("abc") == record_key("abc")
    assert record_key("abc") != record_key("abd")
    for key in ("abc", "0" * 24, "f" * 24, "delivery-key-1", ""):
        assert TID.match(record_key(key)), record_key(key)


def test_idempotent():
    assert BlueskyAdapter.idempotent is True
    assert BlueskyAdapter.platform == "bluesky"


async def test_session_is_reused(network, tokens, pds):
    net = network(pds)
    bluesky = adapter(net, tokens)
    await bluesky.publish(Rendition(SITE, "one", "k1"))
    await bluesky.publish(Rendition(SITE, "two", "k2"))
    await bluesky.retract(record_key("k1"))
    assert pds.sessions == 1
    assert calls(net).count("com.atproto.server.createSession") == 1


async def test_concurrent_publishes_sign_in_once(network, tokens, pds):
    net = network(pds)
    bluesky = adapter(net, tokens)
    await asyncio.gather(*(bluesky.publish(Rendition(SITE, f"post {i}", f"k{i}"))
                           for i in range(5)))
    assert pds.sessions == 1
    assert len(pds.records) == 5


async def test_a_repeat_of_a_landed_delivery_counts_as_sent(network, tokens, pds):
    """The reference PDS answers a duplicate rkey with a bare 500: look the record up."""
    net = network(pds)
    bluesky = adapter(net, tokens)
    first = await bluesky.publish(Rendition(SITE, "Appeal", "same-key"))
    again = await bluesky.publish(Rendition(SITE, "Appeal", "same-key"))
    assert again == first
    assert len(pds.records) == 1
    assert calls(net)[-2:] == ["com.atproto.repo.createRecord", "com.atproto.repo.getRecord"]
    lookup = net.last
    assert lookup.method == "GET"
    assert dict(lookup.url.params) == {"repo": DID, "collection": "app.bsky.feed.post",
                                       "rkey": record_key("same-key")}


@pytest.mark.parametrize("answer", [
    reply(409, {"error": "RecordAlreadyExists", "message": "Record already exists"}),
    reply(400, {"error": "InvalidRequest", "message": "Record already exists at that key"}),
])
async def test_already_exists_is_success_with_that_rkey(network, tokens, pds, answer):
    pds.script["com.atproto.repo.createRecord"] = [answer]
    net = network(pds)
    post = await adapter(net, tokens).publish(Rendition(SITE, "Appeal", "key-9"))
    rkey = record_key("key-9")
    assert post.id == f"at://{DID}/app.bsky.feed.post/{rkey}"
    assert post.url.endswith(f"/post/{rkey}")


async def test_server_error_with_no_record_is_server(network, tokens, pds):
    pds.script["com.atproto.repo.createRecord"] = [
        reply(502, {"error": "UpstreamFailure", "message": "Upstream Failure"})]
    net = network(pds)
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "Appeal", "k"))
    assert caught.value.kind == Failure.SERVER
    assert caught.value.status == 502
    assert caught.value.reason.startswith("Mercia Vale Police (Bluesky): Bluesky had a fault")
    assert calls(net)[-1] == "com.atproto.repo.getRecord"


async def test_expired_session_signs_in_again_once_and_retries(network, tokens, pds):
    net = network(pds)
    bluesky = adapter(net, tokens)
    await bluesky.publish(Rendition(SITE, "one", "k1"))
    pds.valid = set()  # the access token expires
    post = await bluesky.publish(Rendition(SITE, "two", "k2"))
    assert pds.sessions == 2
    assert calls(net) == ["com.atproto.server.createSession", "com.atproto.repo.createRecord",
                          "com.atproto.repo.createRecord", "com.atproto.server.createSession",
                          "com.atproto.repo.createRecord"]
    assert net.requests[2].headers["authorization"] == "Bearer eyJhbGciOi.access-1.sig"
    assert net.last.headers["authorization"] == "Bearer eyJhbGciOi.access-2.sig"
    assert Network.json(net.requests[2])["rkey"] == Network.json(net.last)["rkey"]
    assert post.id.endswith(record_key("k2"))


async def test_401_also_means_sign_in_again(network, tokens, pds):
    net = network(pds)
    bluesky = adapter(net, tokens)
    await bluesky.publish(Rendition(SITE, "one", "k1"))
    pds.script["com.atproto.repo.createRecord"] = [
        reply(401, {"error": "AuthenticationRequired", "message": "Authentication Required"})]
    await bluesky.publish(Rendition(SITE, "two", "k2"))
    assert pds.sessions == 2


async def test_a_fresh_session_refused_too_is_rejected(network, tokens, pds):
    expired = reply(400, {"error": "ExpiredToken", "message": "Token has expired"})
    pds.script["com.atproto.repo.createRecord"] = [expired, expired]
    net = network(pds)
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k"))
    assert caught.value.kind == Failure.REJECTED
    assert "refused a fresh sign-in session (ExpiredToken)" in caught.value.reason
    assert pds.sessions == 2


async def test_wrong_app_password_is_rejected(network, pds):
    from oncall.platforms.base import StaticTokens

    net = network(pds)
    wrong = StaticTokens({SITE.id: "not-the-password"})
    with pytest.raises(PublishError) as caught:
        await BlueskyAdapter(SITE, net.client, wrong, clock=clock).publish(
            Rendition(SITE, "t", "k"))
    assert caught.value.kind == Failure.REJECTED
    assert caught.value.reason == (
        "Mercia Vale Police (Bluesky): Bluesky did not accept the app password for "
        "merciavale.police.uk; ask Web Communications to check it.")
    assert calls(net) == ["com.atproto.server.createSession"]


async def test_rate_limited_uses_ratelimit_reset(network, tokens, pds):
    reset = str(int((NOW + timedelta(minutes=7)).timestamp()))
    pds.script["com.atproto.repo.createRecord"] = [reply(
        429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        {"RateLimit-Limit": "5000", "RateLimit-Remaining": "0", "RateLimit-Reset": reset,
         "RateLimit-Policy": "5000;w=3600"})]
    net = network(pds)
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k"))
    assert caught.value.kind == Failure.RATE_LIMITED
    assert caught.value.retry_after == 7 * 60
    assert caught.value.reason == ("Mercia Vale Police (Bluesky): rate limited; Bluesky says "
                                   "try again at 02:54 GMT.")


async def test_sign_in_rate_limited_uses_retry_after(network, tokens, pds):
    pds.script["com.atproto.server.createSession"] = [reply(
        429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        {"Retry-After": "300"})]
    with pytest.raises(PublishError) as caught:
        await adapter(network(pds), tokens).publish(Rendition(SITE, "t", "k"))
    assert caught.value.kind == Failure.RATE_LIMITED
    assert caught.value.retry_after == 300


async def test_invalid_record_is_rejected_with_the_pds_words(network, tokens, pds):
    pds.script["com.atproto.repo.createRecord"] = [reply(400, {
        "error": "InvalidRequest",
        "message": "Invalid app.bsky.feed.post record: Record/text must not be longer than "
                   "300 graphemes"})]
    with pytest.raises(PublishError) as caught:
        await adapter(network(pds), tokens).publish(Rendition(SITE, "t", "k"))
    assert caught.value.kind == Failure.REJECTED
    assert caught.value.reason == (
        "Mercia Vale Police (Bluesky): Bluesky would not take the post (InvalidRequest: "
        "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 "
        "graphemes).")


async def test_retract_deletes_the_record_named_by_its_at_uri(network, tokens, pds):
    net = network(pds)
    bluesky = adapter(net, tokens)
    post = await bluesky.publish(Rendition(SITE, "Appeal", "k1"))
    await bluesky.retract(post.id)
    delete = net.last
    assert delete.method == "POST"
    assert delete.url.path == XRPC + "com.atproto.repo.deleteRecord"
    assert delete.headers["authorization"] == "Bearer eyJhbGciOi.access-1.sig"
    assert Network.json(delete) == {"repo": DID, "collection": "app.bsky.feed.post",
                                    "rkey": record_key("k1")}
    assert pds.records == {}


async def test_retract_by_bare_rkey_uses_the_sessions_repo(network, tokens, pds):
    net = network(pds)
    await adapter(net, tokens).retract("3kabc234567ab")
    assert Network.json(net.last) == {"repo": DID, "collection": "app.bsky.feed.post",
                                      "rkey": "3kabc234567ab"}


async def test_retract_with_expired_session_signs_in_again(network, tokens, pds):
    net = network(pds)
    bluesky = adapter(net, tokens)
    post = await bluesky.publish(Rendition(SITE, "Appeal", "k1"))
    pds.valid = set()
    await bluesky.retract(post.id)
    assert pds.sessions == 2
    assert pds.records == {}


async def test_retract_of_a_malformed_address_is_rejected(network, tokens, pds):
    with pytest.raises(PublishError) as caught:
        await adapter(network(pds), tokens).retract("at://did:plc:x/app.bsky.feed.post")
    assert caught.value.kind == Failure.REJECTED


async def test_retract_server_error(network, tokens, pds):
    pds.script["com.atproto.repo.deleteRecord"] = [reply(503, text="unavailable")]
    with pytest.raises(PublishError) as caught:
        await adapter(network(pds), tokens).retract("3kabc234567ab")
    assert caught.value.kind == Failure.SERVER


async def test_timeout_on_create_is_unknown(network, tokens, pds):
    def handler(request):
        if request.url.path.endswith("createRecord"):
            raise httpx.ReadTimeout("timed out", request=request)
        return pds(request)

    with pytest.raises(PublishError) as caught:
        await adapter(network(handler), tokens).publish(Rendition(SITE, "t", "k"))
    assert caught.value.kind == Failure.UNKNOWN
