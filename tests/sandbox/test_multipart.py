"""The sandbox's multipart/form-data parser (standard library only)."""

from __future__ import annotations

import httpx

from oncall.sandbox.wire import Part, Request, parse_multipart
from tests.imagefiles import png


def encoded(**kwargs: object) -> tuple[bytes, str]:
    request = httpx.Request("POST", "http://sandbox/", **kwargs)  # type: ignore[arg-type]
    return request.read(), request.headers["content-type"]


def test_fields_and_files_as_httpx_sends_them() -> None:
    tricky = b"\x89PNG\r\n\x1a\n\r\n--\r\n\r\n" + png()  # CRLFs and dashes in the data
    body, ctype = encoded(data={"message": "Zoë\r\n\r\nline", "published": "false"},
                          files={"source": ("map.png", tricky, "image/png")})
    assert parse_multipart(body, ctype) == [
        Part("message", "Zoë\r\n\r\nline".encode()), Part("published", b"false"),
        Part("source", tricky, "map.png", "image/png")]


def test_a_request_reads_its_form_fields_and_files() -> None:
    body, ctype = encoded(data={"access_token": "sandbox-a", "message": "hi"},
                          files={"source": ("a.png", png(), "image/png")})
    request = Request("POST", "/v21.0/p/photos", {"published": ["false"]},
                      {"content-type": ctype}, body, "http://s/facebook", "http://s")
    assert request.form() == {"published": "false", "access_token": "sandbox-a",
                              "message": "hi"}
    part = request.file("source")
    assert part is not None and part.data == png() and part.filename == "a.png"
    assert request.file("message") is None  # a field, not a file
    assert request.file("nothing") is None


def test_what_is_not_multipart_or_is_cut_short() -> None:
    body, ctype = encoded(files={"f": ("a.png", png(), "image/png")})
    assert parse_multipart(body, "application/json") is None
    assert parse_multipart(body, "multipart/form-data") is None  # no boundary
    assert parse_multipart(body[:-20], ctype) is None
    boundary = ctype.split("boundary=")[1]
    no_name = f"--{boundary}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{boundary}--\r\n"
    assert parse_multipart(no_name.encode(), ctype) is None
    empty = f"--{boundary}--\r\n".encode()
    assert parse_multipart(empty, ctype) == []


def test_quoted_and_rfc2231_filenames() -> None:
    boundary = "XyZ"
    body = (f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename*=UTF-8\'\'sc%C3%A8ne.jpg\r\n'
            "Content-Type: image/jpeg\r\n\r\nDATA\r\n"
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="alt"\r\n\r\nA "quoted" alt\r\n'
            f"--{boundary}--\r\n").encode()
    parts = parse_multipart(body, f"multipart/form-data; boundary={boundary}")
    assert parts == [Part("file", b"DATA", "scène.jpg", "image/jpeg"),
                     Part("alt", b'A "quoted" alt')]
