"""Bluesky's XRPC (a PDS), as far as a press office uses it.

POST /xrpc/com.atproto.server.createSession {identifier, password: "sandbox-<site id>"}
  -> {accessJwt, refreshJwt, did: "did:plc:<site id>", handle, active}
POST /xrpc/com.atproto.server.refreshSession (Bearer refreshJwt) -> new tokens
POST /xrpc/com.atproto.repo.createRecord (Bearer accessJwt)
  {repo, collection: "app.bsky.feed.post", rkey?, validate?, record}
  -> {uri: "at://<did>/app.bsky.feed.post/<rkey>", cid, commit, validationStatus}
POST /xrpc/com.atproto.repo.deleteRecord {repo, collection, rkey} -> {} (also when absent)
POST /xrpc/com.atproto.repo.uploadBlob (Bearer accessJwt; the raw bytes, Content-Type)
  -> {blob: {$type: "blob", ref: {$link: <cid>}, mimeType, size}}; the type is read
  from the bytes, as the PDS does. A record's embed app.bsky.embed.images takes at
  most 4 images, each {alt, image: <blob>} of image/* and at most 1,000,000 bytes;
  createRecord refuses others (BlobTooLarge, InvalidMimeType, BlobNotFound).
GET /xrpc/com.atproto.repo.getRecord?repo=&collection=&rkey= (no token needed)
  -> {uri, cid, value} or 400 {"error": "RecordNotFound"}
GET /xrpc/app.bsky.notification.listNotifications[?limit=&cursor=] -> {notifications:
  [...], cursor?}: newest first, 50 by default and 100 at most, cursor for older ones
GET /profile/{did}/post/{rkey} -> a bare public page for the post

Errors are {"error": "<Name>", "message": "..."}. Only the accessJwt from
createSession opens the repo (the demo token is the app password, not a bearer).
uploadBlob meets only "upload" and "any" faults; createRecord meets "post" faults.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from typing import Any

from oncall import imagetype, textlength
from oncall.sandbox.state import Post, State, Upload, iso_z, now
from oncall.sandbox.wire import (
    Errors,
    Reply,
    Request,
    guarded,
    json_reply,
    paged,
    post_page,
    token_account,
)

PLATFORM = "bluesky"
COLLECTION = "app.bsky.feed.post"
EXISTS = "Record already exists"
_RKEY = re.compile(r"[A-Za-z0-9._:~-]{1,512}")
_B32_SORT = "234567abcdefghijklmnopqrstuvwxyz"
IMAGES_EMBED = "app.bsky.embed.images"
IMAGES_PER_POST = 4
IMAGE_LIMIT = 1_000_000            # app.bsky.embed.images#image: maxSize
BLOB_UPLOAD_LIMIT = 50 * 1024 * 1024  # what uploadBlob itself takes


def error(status: int, name: str, message: str, headers: dict[str, str] | None = None) -> Reply:
    return json_reply(status, {"error": name, "message": message}, headers=headers)


def _rate_limited(retry_after: int) -> Reply:
    return error(429, "RateLimitExceeded", "Rate Limit Exceeded", headers={
        "RateLimit-Limit": "5000", "RateLimit-Remaining": "0",
        "RateLimit-Reset": str(int(time.time()) + retry_after),
        "RateLimit-Policy": "5000;w=3600", "Retry-After": str(retry_after)})


ERRORS = Errors(
    rate_limited=_rate_limited,
    server_error=lambda: error(500, "InternalServerError", "Internal Server Error"),
    duplicate=lambda: error(422, "InvalidRequest", "Duplicate post"),
)


def did_for(account: str) -> str:
    return f"did:plc:{account}"


def tid(number: int) -> str:
    """A record key in the TID form Bluesky uses (13 sortable base32 characters)."""
    value = (time.time_ns() // 1000) << 10 | (number & 0x3FF)
    chars = []
    for _ in range(13):
        chars.append(_B32_SORT[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def _cid(data: object) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).digest()
    return "bafyrei" + base64.b32encode(digest).decode().lower().rstrip("=")[:52]


def _jwt(did: str, scope: str) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    issued = int(time.time())
    claims = {"scope": scope, "sub": did, "aud": "did:web:sandbox", "iat": issued,
              "exp": issued + 7200, "jti": secrets.token_hex(8)}
    return f"{part({'typ': 'at+jwt', 'alg': 'HS256'})}.{part(claims)}." \
           f"{secrets.token_urlsafe(32)}"


def handle(req: Request, state: State) -> Reply:
    path, method = req.path, req.method
    page = re.fullmatch(r"/profile/([^/]+)/post/([^/]+)", path)
    if page and method == "GET":
        did = page.group(1)
        did = did if did.startswith("did:") else _did_of_handle(state, did)
        return post_page(state.find_post(PLATFORM, f"at://{did}/{COLLECTION}/{page.group(2)}"))
    nsid = path.removeprefix("/xrpc/") if path.startswith("/xrpc/") else ""
    if nsid == "com.atproto.server.createSession" and method == "POST":
        return _create_session(req, state)
    if nsid == "com.atproto.server.refreshSession" and method == "POST":
        return _refresh_session(req, state)
    if nsid == "com.atproto.repo.getRecord" and method == "GET":
        owner = req.arg("repo").removeprefix("did:plc:")  # public: no token needed
        return guarded(state, owner, "read", ERRORS, lambda: _get(req, state))
    routes = {
        ("POST", "com.atproto.repo.createRecord"): ("post", _create),
        ("POST", "com.atproto.repo.deleteRecord"): ("delete", _delete),
        ("POST", "com.atproto.repo.uploadBlob"): ("upload", _upload_blob),
        ("GET", "app.bsky.notification.listNotifications"): ("read", _notifications),
    }
    route = routes.get((method, nsid))
    if route is None:
        return error(501, "MethodNotImplemented", "Method Not Implemented")
    session, refused = _session(req, state, "access")
    if refused is not None:
        return refused
    op, action = route
    account = session["account"]
    return guarded(state, account, op, ERRORS, lambda: action(req, state, session))


def _did_of_handle(state: State, handle: str) -> str:
    with state.lock:
        for session in state.sessions.values():
            if session["handle"] == handle:
                return did_for(session["account"])
    return ""


def _session(req: Request, state: State, kind: str) \
        -> tuple[dict[str, Any], Reply | None]:
    token = req.bearer()
    if not token:
        return {}, error(401, "AuthMissing", "Authentication Required")
    with state.lock:
        session = state.sessions.get(token)
    if session is None or session["kind"] != kind:
        return {}, error(401, "InvalidToken", "Token could not be verified")
    if session["expired"]:
        return {}, error(400, "ExpiredToken", "Token has expired")
    return session, None


def _issue(state: State, account: str, handle: str) -> dict[str, Any]:
    did = did_for(account)
    access, refresh = _jwt(did, "com.atproto.access"), _jwt(did, "com.atproto.refresh")
    with state.lock:
        for token, kind in ((access, "access"), (refresh, "refresh")):
            state.sessions[token] = {"account": account, "handle": handle, "kind": kind,
                                     "expired": False}
    return {"accessJwt": access, "refreshJwt": refresh, "handle": handle, "did": did,
            "active": True}


def _create_session(req: Request, state: State) -> Reply:
    body = req.json()
    if not isinstance(body, dict):
        return error(400, "InvalidRequest", "Input must be an object")
    for name in ("identifier", "password"):
        if not isinstance(body.get(name), str):
            return error(400, "InvalidRequest", f'Input must have the property "{name}"')
    account = token_account(body["password"])
    if account is None:
        return error(401, "AuthenticationRequired", "Invalid identifier or password")
    identifier = body["identifier"].lstrip("@")
    handle = identifier if identifier and not identifier.startswith("did:") \
        else f"{account}.bsky.sandbox"

    def issue() -> Reply:
        return json_reply(200, _issue(state, account, handle))

    return guarded(state, account, "session", ERRORS, issue)


def _refresh_session(req: Request, state: State) -> Reply:
    session, refused = _session(req, state, "refresh")
    if refused is not None:
        return refused
    with state.lock:
        state.sessions.pop(req.bearer(), None)
    return json_reply(200, _issue(state, session["account"], session["handle"]))


def expire_sessions(state: State, account: str | None = None) -> int:
    """Make the access tokens of `account` (or everyone) answer ExpiredToken."""
    count = 0
    with state.lock:
        for session in state.sessions.values():
            if session["kind"] == "access" and account in (None, session["account"]):
                session["expired"] = True
                count += 1
    return count


def _repo_matches(repo: object, session: dict[str, Any]) -> bool:
    return repo in (did_for(session["account"]), session["handle"])


def _invalid_record(record: Any) -> str:
    """Why `record` is not a valid post, in the PDS's words; "" if it is valid."""
    prefix = f"Invalid {COLLECTION} record: "
    if not isinstance(record, dict):
        return prefix + "Record must be an object"
    kind = record.get("$type", COLLECTION)
    if kind != COLLECTION:
        return f"Invalid $type: expected {COLLECTION}, got {kind}"
    for name in ("text", "createdAt"):
        if name not in record:
            return prefix + f'Record must have the property "{name}"'
    text = record["text"]
    if not isinstance(text, str):
        return prefix + "Record/text must be a string"
    if textlength.bluesky_bytes(text) > textlength.BLUESKY_BYTE_LIMIT:
        return prefix + f"Record/text must not be longer than " \
                        f"{textlength.BLUESKY_BYTE_LIMIT} characters"
    if textlength.graphemes(text) > textlength.BLUESKY_LIMIT:
        return prefix + f"Record/text must not be longer than {textlength.BLUESKY_LIMIT} " \
                        "graphemes"
    return ""


def _create(req: Request, state: State, session: dict[str, Any]) -> Reply:
    body = req.json()
    if not isinstance(body, dict):
        return error(400, "InvalidRequest", "Input must be an object")
    for name in ("repo", "collection", "record"):
        if name not in body:
            return error(400, "InvalidRequest", f'Input must have the property "{name}"')
    if not _repo_matches(body["repo"], session):
        return error(401, "AuthenticationRequired", "Authentication Required")
    if body["collection"] != COLLECTION:
        return error(400, "InvalidRequest", f"The sandbox only keeps {COLLECTION} records")
    rkey = body.get("rkey")
    if rkey is not None and (not isinstance(rkey, str) or not _RKEY.fullmatch(rkey)
                             or rkey in (".", "..")):
        return error(400, "InvalidRequest", "Invalid record key")
    record = body["record"]
    problem = _invalid_record(record) if body.get("validate", True) is not False else ""
    if problem:
        return error(400, "InvalidRequest", problem)
    account = session["account"]
    photos = _embedded_photos(state, account, record)
    if isinstance(photos, Reply):
        return photos
    did = did_for(account)
    with state.lock:
        rkey = rkey or tid(state.next_number())
        uri = f"at://{did}/{COLLECTION}/{rkey}"
        existing = state.find_post(PLATFORM, uri)
        if existing is not None and not existing.deleted:
            return error(400, "InvalidRequest", EXISTS)
        cid = _cid(record)
        text = record.get("text", "") if isinstance(record, dict) else ""
        state.add_post(Post(PLATFORM, account, uri, text if isinstance(text, str) else "",
                            now(), url=f"{req.base}/profile/{did}/post/{rkey}",
                            extra={"rkey": rkey, "cid": cid, "record": record},
                            media=photos))
    return json_reply(200, {"uri": uri, "cid": cid,
                            "commit": {"cid": _cid([uri, "commit"]), "rev": tid(0)},
                            "validationStatus": "valid"})


def _blob_cid(data: bytes) -> str:
    """A CIDv1 (raw codec, sha-256) in base32, the form blob references take."""
    digest = hashlib.sha256(data).digest()
    cid = b"\x01\x55\x12\x20" + digest
    return "b" + base64.b32encode(cid).decode().lower().rstrip("=")


def _upload_blob(req: Request, state: State, session: dict[str, Any]) -> Reply:
    data = req.body
    if not data:
        return error(400, "InvalidRequest", "Request body is empty")
    if len(data) > BLOB_UPLOAD_LIMIT:
        return error(400, "BlobTooLarge", f"This file is too large. It is {len(data):,} "
                     f"bytes but the maximum size is {BLOB_UPLOAD_LIMIT:,} bytes.")
    declared = req.header("Content-Type").split(";")[0].strip().lower()
    kind = imagetype.sniff(data) or declared or "application/octet-stream"
    cid = _blob_cid(data)
    state.add_upload(Upload(PLATFORM, session["account"], f"{session['account']}/{cid}",
                            kind, len(data)))
    return json_reply(200, {"blob": {"$type": "blob", "ref": {"$link": cid},
                                     "mimeType": kind, "size": len(data)}})


def _embedded_photos(state: State, account: str, record: Any) -> list[dict[str, Any]] | Reply:
    """The photos an app.bsky.embed.images embed names ({"type", "size", "alt"} each), or
    the PDS's refusal: the lexicon's limits, and blobs this repo must hold."""
    embed = record.get("embed") if isinstance(record, dict) else None
    if embed is None or not isinstance(embed, dict) or embed.get("$type") != IMAGES_EMBED:
        return []
    prefix = f"Invalid {COLLECTION} record: Record/embed/images"
    images = embed.get("images")
    if not isinstance(images, list):
        return error(400, "InvalidRequest", f"{prefix} must be an array")
    if len(images) > IMAGES_PER_POST:
        return error(400, "InvalidRequest", f"{prefix} must not have more than "
                     f"{IMAGES_PER_POST} elements")
    photos = []
    for number, image in enumerate(images):
        where = f"{prefix}/{number}"
        blob = image.get("image") if isinstance(image, dict) else None
        if not isinstance(image, dict) or not isinstance(image.get("alt"), str):
            return error(400, "InvalidRequest", f'{where} must have the property "alt"')
        ref = blob.get("ref") if isinstance(blob, dict) else None
        cid = ref.get("$link") if isinstance(ref, dict) else None
        if not isinstance(cid, str):
            return error(400, "InvalidRequest", f"{where}/image should be a blob ref")
        upload = state.find_upload(PLATFORM, f"{account}/{cid}")
        if upload is None:
            return error(400, "BlobNotFound", f"Could not find blob: {cid}")
        if not upload.type.startswith("image/"):
            return error(400, "InvalidMimeType", f"Wrong type of file. It is {upload.type} "
                         "but it must match image/*.")
        if upload.size > IMAGE_LIMIT:
            return error(400, "BlobTooLarge", f"This file is too large. It is "
                         f"{upload.size:,} bytes but the maximum size is {IMAGE_LIMIT:,} "
                         "bytes.")
        photos.append({"type": upload.type, "size": upload.size, "alt": image["alt"]})
    return photos


def _delete(req: Request, state: State, session: dict[str, Any]) -> Reply:
    body = req.json()
    if not isinstance(body, dict):
        return error(400, "InvalidRequest", "Input must be an object")
    for name in ("repo", "collection", "rkey"):
        if not isinstance(body.get(name), str):
            return error(400, "InvalidRequest", f'Input must have the property "{name}"')
    if not _repo_matches(body["repo"], session):
        return error(401, "AuthenticationRequired", "Authentication Required")
    uri = f"at://{did_for(session['account'])}/{body['collection']}/{body['rkey']}"
    post = state.find_post(PLATFORM, uri)
    if post is not None and not post.deleted:
        state.delete_post(post)
    return json_reply(200, {})


def _get(req: Request, state: State) -> Reply:
    repo, collection, rkey = req.arg("repo"), req.arg("collection"), req.arg("rkey")
    if not (repo and collection and rkey):
        return error(400, "InvalidRequest", "Params must have the properties \"repo\", "
                     "\"collection\" and \"rkey\"")
    did = repo if repo.startswith("did:") else _did_of_handle(state, repo)
    uri = f"at://{did}/{collection}/{rkey}"
    post = state.find_post(PLATFORM, uri)
    if post is None or post.deleted:
        return error(400, "RecordNotFound", f"Could not locate record: {uri}")
    return json_reply(200, {"uri": uri, "cid": post.extra["cid"],
                            "value": post.extra["record"]})


def _notifications(req: Request, state: State, session: dict[str, Any]) -> Reply:
    account = session["account"]
    newest_first, cursor = paged(list(reversed(state.inbox_raw(account))), req,
                                 limit="limit", token="cursor", default=50, maximum=100)
    items = []
    for m in newest_first:
        author = m["author"].lstrip("@")
        author_did = f"did:plc:{author.replace('.', '-')}"
        record: dict[str, Any] = {"$type": COLLECTION, "text": m["text"],
                                  "createdAt": iso_z(m["created_at"])}
        if m["image"]:
            record["embed"] = {"$type": IMAGES_EMBED, "images": [{
                "alt": m["image"], "image": {"$type": "blob", "ref": {"$link": _cid(m["id"])},
                                             "mimeType": "image/jpeg", "size": 1}}]}
        reason = "mention"
        if m["in_reply_to"]:
            reason = "reply"
            parent = state.find_post(PLATFORM, m["in_reply_to"])
            ref = {"uri": m["in_reply_to"], "cid": parent.extra["cid"] if parent else ""}
            record["reply"] = {"root": ref, "parent": ref}
        uri = f"at://{author_did}/{COLLECTION}/{m['id']}"
        items.append({"uri": uri, "cid": _cid(uri), "reason": reason,
                      "author": {"did": author_did, "handle": author,
                                 "displayName": m["author_name"]},
                      "record": record, "isRead": False, "indexedAt": iso_z(m["created_at"]),
                      "labels": []})
    page: dict[str, Any] = {"notifications": items, "seenAt": iso_z(now())}
    if cursor:
        page["cursor"] = cursor
    return json_reply(200, page)
