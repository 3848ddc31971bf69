"""YouTube adapter: videos only, by resumable upload."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from oncall.platforms.base import Failure, PublishError, Rendition
from oncall.platforms.youtube import YouTubeAdapter, seconds_to_quota_reset, video_title

from .conftest import TOKEN, Network, clock, make_site, reply

SITE = make_site("youtube")
BASE = "http://127.0.0.1:8765/youtube"
UPLOAD = f"{BASE}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status&upload_id=xa298"
VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40


@pytest.fixture
def video(tmp_path: Path) -> str:
    path = tmp_path / "appeal.mp4"
    path.write_bytes(VIDEO)
    return str(path)


def adapter(net, tokens) -> YouTubeAdapter:
    return YouTubeAdapter(SITE, net.client, tokens, clock=clock)


def google_error(status: int, reason: str, message: str = "An error",
                 headers: dict[str, str] | None = None) -> httpx.Response:
    return reply(status, {"error": {"code": status, "message": message,
                                    "errors": [{"message": message, "domain": "youtube.video",
                                                "reason": reason}]}}, headers)


def uploader(upload_answer: httpx.Response | None = None, location: str = UPLOAD):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return reply(200, {}, {"Location": location})
        if upload_answer is not None:
            return upload_answer
        return reply(200, {"kind": "youtube#video", "id": "dQw4w9WgXcQ",
                           "snippet": {"title": "t"}, "status": {"uploadStatus": "uploaded"}})
    return handler


async def test_text_only_does_not_apply(network, tokens):
    net = network(uploader())
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "Road closed", "k"))
    assert caught.value.kind == Failure.NOT_APPLICABLE
    assert str(caught.value) == ("Mercia Vale Police (YouTube): YouTube takes videos only; a "
                                 "text post does not apply there")
    assert net.requests == []


def test_not_idempotent():
    assert YouTubeAdapter.idempotent is False
    assert YouTubeAdapter.platform == "youtube"


async def test_upload_opens_a_session_then_puts_the_bytes(network, tokens, video):
    net = network(uploader())
    post = await adapter(net, tokens).publish(Rendition(
        SITE, "Have you seen Zoë?\nShe was last seen at 21:00.", "k", video_path=video,
        title="Appeal: Zoë, 14, missing from Brackenford"))
    start, put = net.requests
    assert start.method == "POST"
    assert start.url.path == "/youtube/upload/youtube/v3/videos"
    assert dict(start.url.params) == {"uploadType": "resumable", "part": "snippet,status"}
    assert start.headers["authorization"] == f"Bearer {TOKEN}"
    assert start.headers["x-upload-content-type"] == "video/mp4"
    assert start.headers["x-upload-content-length"] == str(len(VIDEO))
    assert start.headers["content-type"] == "application/json"
    assert Network.json(start) == {
        "snippet": {"title": "Appeal: Zoë, 14, missing from Brackenford",
                    "description": "Have you seen Zoë?\nShe was last seen at 21:00.",
                    "categoryId": "25"},
        "status": {"privacyStatus": "public"}}
    assert put.method == "PUT"
    assert str(put.url) == UPLOAD
    assert put.content == VIDEO
    assert put.headers["content-length"] == str(len(VIDEO))
    assert "transfer-encoding" not in put.headers
    assert put.headers["content-type"] == "video/mp4"
    assert put.headers["authorization"] == f"Bearer {TOKEN}"
    assert post.id == "dQw4w9WgXcQ"
    assert post.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


async def test_created_201_is_success_too(network, tokens, video):
    net = network(uploader(reply(201, {"id": "abc123DEF45"})))
    post = await adapter(net, tokens).publish(Rendition(SITE, "t", "k", video_path=video))
    assert post.id == "abc123DEF45"


async def test_relative_location_is_resolved_against_the_base(network, tokens, video):
    net = network(uploader(location="/youtube/upload/youtube/v3/videos?upload_id=rel1"))
    await adapter(net, tokens).publish(Rendition(SITE, "t", "k", video_path=video))
    assert str(net.last.url) == f"{BASE}/upload/youtube/v3/videos?upload_id=rel1"


async def test_token_is_not_sent_to_another_host(network, tokens, video):
    net = network(uploader(location="https://uploads.elsewhere.test/u?upload_id=1"))
    await adapter(net, tokens).publish(Rendition(SITE, "t", "k", video_path=video))
    assert net.last.url.host == "uploads.elsewhere.test"
    assert "authorization" not in net.last.headers


def test_title_defaults_to_the_first_line_cut_to_100():
    assert video_title(Rendition(SITE, "First line\nsecond", "k")) == "First line"
    long = video_title(Rendition(SITE, "word " * 50, "k"))
    assert len(long) == 100 and long.endswith("…")
    assert video_title(Rendition(SITE, "", "k")) == "Video"


async def test_missing_file_is_rejected_before_any_request(network, tokens, tmp_path):
    net = network(uploader())
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(
            Rendition(SITE, "t", "k", video_path=str(tmp_path / "gone.mp4")))
    assert caught.value.kind == Failure.REJECTED
    assert "cannot read the video file gone.mp4" in caught.value.reason
    assert net.requests == []


async def test_no_location_is_server(network, tokens, video):
    net = network(lambda r: reply(200, {}))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", video_path=video))
    assert caught.value.kind == Failure.SERVER
    assert len(net.requests) == 1


async def test_quota_exceeded_waits_for_midnight_pacific(network, tokens, video):
    net = network(lambda r: google_error(403, "quotaExceeded", "The request cannot be "
                                         "completed because you have exceeded your quota."))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", video_path=video))
    error = caught.value
    assert error.kind == Failure.RATE_LIMITED
    # 02:47 GMT is 18:47 in California; its midnight is 08:00 GMT.
    assert error.retry_after == (5 * 60 + 13) * 60
    assert error.reason == ("Mercia Vale Police (YouTube): the channel's daily API quota is "
                            "used up; YouTube says try again at 08:00 GMT.")


def test_quota_reset_across_a_clock_change():
    # 07:00 UTC on 9 March 2025 is 23:00 PST on the 8th; midnight PST is 08:00 UTC.
    assert seconds_to_quota_reset(datetime(2025, 3, 9, 7, 0, tzinfo=UTC)) == 3600


async def test_rate_limit_exceeded_uses_retry_after(network, tokens, video):
    net = network(lambda r: google_error(403, "rateLimitExceeded", headers={"Retry-After": "30"}))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", video_path=video))
    assert caught.value.kind == Failure.RATE_LIMITED
    assert caught.value.retry_after == 30


@pytest.mark.parametrize(("status", "reason", "kind", "words"), [
    (401, "authError", Failure.REJECTED, "did not accept the stored token"),
    (400, "invalidTitle", Failure.REJECTED,
     "YouTube would not start the upload (invalidTitle: Bad title)"),
    (400, "uploadLimitExceeded", Failure.REJECTED, "limit on uploads"),
    (500, "backendError", Failure.SERVER, "YouTube had a fault at its end (HTTP 500"),
    (503, "backendError", Failure.SERVER, "HTTP 503"),
])
async def test_errors_opening_the_session(network, tokens, video, status, reason, kind, words):
    net = network(lambda r: google_error(status, reason, "Bad title"))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", video_path=video))
    assert caught.value.kind == kind
    assert caught.value.reason.startswith("Mercia Vale Police (YouTube): ")
    assert words in caught.value.reason
    assert len(net.requests) == 1


async def test_error_during_upload(network, tokens, video):
    net = network(uploader(google_error(503, "backendError", "Backend Error")))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", video_path=video))
    assert caught.value.kind == Failure.SERVER
    assert len(net.requests) == 2


async def test_partial_upload_is_not_published(network, tokens, video):
    net = network(uploader(httpx.Response(308, headers={"Range": "bytes=0-999"})))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).publish(Rendition(SITE, "t", "k", video_path=video))
    assert caught.value.kind == Failure.SERVER
    assert "only part of the video" in caught.value.reason


async def test_timeout_during_upload_is_unknown(network, tokens, video):
    def handler(request):
        if request.method == "PUT":
            raise httpx.ReadTimeout("timed out", request=request)
        return uploader()(request)

    with pytest.raises(PublishError) as caught:
        await adapter(network(handler), tokens).publish(
            Rendition(SITE, "t", "k", video_path=video))
    assert caught.value.kind == Failure.UNKNOWN


async def test_retract_deletes_the_video(network, tokens):
    net = network(lambda r: httpx.Response(204))
    await adapter(net, tokens).retract("dQw4w9WgXcQ")
    request = net.last
    assert request.method == "DELETE"
    assert request.url.path == "/youtube/youtube/v3/videos"
    assert dict(request.url.params) == {"id": "dQw4w9WgXcQ"}
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


async def test_retract_of_a_video_already_gone_succeeds(network, tokens):
    net = network(lambda r: google_error(404, "videoNotFound"))
    await adapter(net, tokens).retract("x")  # gone already: what a retraction wants
    assert [(r.method, r.url.path, dict(r.url.params)) for r in net.requests] == [
        ("DELETE", "/youtube/youtube/v3/videos", {"id": "x"})]


async def test_retract_forbidden_is_rejected(network, tokens):
    net = network(lambda r: google_error(403, "forbidden", "Forbidden"))
    with pytest.raises(PublishError) as caught:
        await adapter(net, tokens).retract("x")
    assert caught.value.kind == Failure.REJECTED
    assert caught.value.reason == ("Mercia Vale Police (YouTube): YouTube would not delete the "
                                   "video (forbidden: Forbidden).")


async def test_default_base_is_googleapis(network, tokens, video):
    net = network(uploader(location="https://www.googleapis.com/upload/youtube/v3/videos?upload_id=1"))
    site = make_site("youtube", api_base="")
    await YouTubeAdapter(site, net.client, tokens).publish(
        Rendition(site, "t", "k", video_path=video))
    assert str(net.requests[0].url).startswith(
        "https://www.googleapis.com/upload/youtube/v3/videos?")
    assert net.last.headers["authorization"] == f"Bearer {TOKEN}"
