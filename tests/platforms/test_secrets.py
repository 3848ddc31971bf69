"""No token, app password or session JWT ever shows in a PublishError, on any path.

Every adapter is driven through every error status with a network that echoes the
whole request (headers, body, URL) back in its error body, in each network's error
shape, and through transport failures whose messages carry the token."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from oncall.platforms.base import PublishError, Rendition, StaticTokens, redact
from oncall.platforms.registry import adapter_for

from .conftest import TOKEN, clock, make_site, reply

# A plain token, and one with characters that are escaped in forms, URLs and JSON.
AWKWARD = 'tok/S3C+RET=x&y%z"\\'
ACCESS = "eyJhbGciOiJFUzI1NiJ9.SESSION-ACCESS-JWT.sig"
REFRESH = "eyJhbGciOiJFUzI1NiJ9.SESSION-REFRESH-JWT.sig"
STATUSES = [400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504]
PLATFORMS = ["facebook", "x", "mastodon", "bluesky", "youtube"]


def echo(request: httpx.Request) -> str:
    return (f"{request.method} {request.url} auth={request.headers.get('authorization')} "
            f"body={request.content.decode('utf-8', 'replace')}")


def error_body(platform: str, status: int, said: str) -> dict[str, object]:
    if platform == "facebook":
        code = {401: 190, 403: 200, 429: 4, 409: 506}.get(status, 100)
        return {"error": {"message": said, "error_user_msg": said, "code": code,
                          "type": "OAuthException", "fbtrace_id": "x"}}
    if platform == "x":
        return {"title": "Error", "detail": said, "type": "about:blank", "status": status,
                "errors": [{"message": said}]}
    if platform == "mastodon":
        return {"error": said}
    if platform == "bluesky":
        name = {401: "AuthenticationRequired", 429: "RateLimitExceeded"}.get(
            status, "InvalidRequest")
        return {"error": name, "message": said}
    return {"error": {"code": status, "message": said,
                      "errors": [{"reason": "quotaExceeded" if status == 403 else "backendError",
                                  "message": said}]}}


def handler_for(platform: str, status: int, fail_at: str, as_text: bool):
    """A network that fails requests whose path contains `fail_at`, echoing them."""

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if fail_at not in path and not (fail_at == "PUT" and request.method == "PUT"):
            if path.endswith("createSession"):
                return reply(200, {"accessJwt": ACCESS, "refreshJwt": REFRESH,
                                   "did": "did:plc:abc", "handle": "mvp.bsky.social"})
            if platform == "youtube" and request.method == "POST":
                return reply(200, {}, {"Location": f"{request.url.scheme}://"
                                                   f"{request.url.netloc.decode()}/u?id=1"})
        said = echo(request)
        headers = {"Retry-After": "5"} if status == 429 else None
        if as_text:
            return reply(status, text=said, headers=headers)
        return reply(status, error_body(platform, status, said), headers)

    return handler


def stages(platform: str) -> list[str]:
    """Where in the flow a publish can fail."""
    return {"bluesky": ["createSession", "createRecord"],
            "youtube": ["/upload/", "PUT"]}.get(platform, ["/"])


def assert_clean(error: PublishError, secret: str) -> None:
    shown = [error.reason, error.raw, str(error), repr(error), *map(str, error.args)]
    for text in shown:
        for value in (secret, ACCESS, REFRESH):
            assert value not in text, (value, text)
    assert "\n" not in error.reason
    assert error.reason.startswith(("Mercia Vale Police (", "MVP"))


async def run(platform: str, handler, secret: str, action: str,
              video: str) -> PublishError | None:
    site = make_site(platform)
    tokens = StaticTokens({site.id: secret})
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        adapter = adapter_for(site, client, tokens)
        adapter.clock = clock  # type: ignore[attr-defined]
        try:
            if action == "publish":
                await adapter.publish(Rendition(site, "Appeal", "key-1",
                                                video_path=video))
            else:
                await adapter.retract("at://did:plc:abc/app.bsky.feed.post/3kabc234567ab"
                                      if platform == "bluesky" else "12345")
        except PublishError as error:
            assert_clean(error, secret)
            return error
    return None


@pytest.fixture
def video(tmp_path: Path) -> str:
    path = tmp_path / "v.mp4"
    path.write_bytes(b"video bytes")
    return str(path)


@pytest.mark.parametrize("secret", [TOKEN, AWKWARD], ids=["plain", "awkward"])
@pytest.mark.parametrize("as_text", [False, True], ids=["json", "text"])
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("platform", PLATFORMS)
async def test_no_secret_in_any_http_error(platform, status, as_text, secret, video):
    for n, fail_at in enumerate(stages(platform)):
        handler = handler_for(platform, status, fail_at, as_text)
        error = await run(platform, handler, secret, "publish", video)
        if n == 0:  # the first request of every flow fails, so there is an error to check
            assert error is not None
            assert "********" in error.raw  # the echo was there, and was redacted
    retract_at = "deleteRecord" if platform == "bluesky" else "/"
    error = await run(platform, handler_for(platform, status, retract_at, as_text), secret,
                      "retract", video)
    if status != 404:  # a post already gone is what a retraction wants: no error then
        assert error is not None, (platform, status)


@pytest.mark.parametrize("failure", [httpx.ReadTimeout, httpx.ConnectError,
                                     httpx.RemoteProtocolError, httpx.UnsupportedProtocol,
                                     httpx.DecodingError])
@pytest.mark.parametrize("platform", PLATFORMS)
async def test_no_secret_in_any_transport_error(platform, failure, video):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("createSession"):
            return reply(200, {"accessJwt": ACCESS, "refreshJwt": REFRESH,
                               "did": "did:plc:abc", "handle": "mvp.bsky.social"})
        if failure is httpx.DecodingError:
            raise failure(echo(request))
        raise failure(echo(request), request=request)

    for action in ("publish", "retract"):
        for secret in (TOKEN, AWKWARD):
            assert await run(platform, handler, secret, action, video) is not None


async def test_a_failed_sign_in_that_echoes_the_password_is_clean(video):
    for status in STATUSES:
        error = await run("bluesky", handler_for("bluesky", status, "createSession", False),
                          AWKWARD, "publish", video)
        assert error is not None, status  # checked clean inside run()


def test_redact_finds_encoded_forms():
    from urllib.parse import quote, quote_plus

    text = f"a={quote_plus(AWKWARD)} b={quote(AWKWARD, safe='')} c=\"{AWKWARD}\""
    assert AWKWARD not in redact(text, AWKWARD)
    assert quote_plus(AWKWARD) not in redact(text, AWKWARD)
    assert quote(AWKWARD, safe="") not in redact(text, AWKWARD)
    assert redact('{"accessJwt": "abc", "x": 1}') == '{"accessJwt": "********", "x": 1}'
