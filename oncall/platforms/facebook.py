"""Facebook Pages through the Graph API: a post on the page's feed.

publish: POST /v21.0/{page-id}/feed with form fields message, link (if any) and
access_token (a Page access token) -> 200 {"id": "<page-id>_<post-id>"}.
With one photo: POST /v21.0/{page-id}/photos as multipart/form-data (source=<the
file>, message, access_token) -> {"id": <photo id>, "post_id": "<page-id>_<n>"}; the
post_id is the post. With several: each goes to /{page-id}/photos with
published=false (-> {"id"}), then POST /{page-id}/feed with message and
attached_media[i]={"media_fbid": "<photo id>"}. An unpublished photo left behind by a
failed attempt is never shown to anyone.
retract: DELETE /v21.0/{post-id}?access_token=... -> {"success": true}.
Errors: {"error": {"message", "type", "code", "error_subcode", "fbtrace_id",
"error_user_msg"?, "is_transient"?}}. The Graph API has no idempotency key, so a
repeated publish can post twice: `idempotent` is False.

The page is `site.handle`. The real Graph API wants the numeric Page ID there; the
demo registry's handles are page usernames, which the sandbox accepts.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from oncall import imagetype
from oncall.platforms import media
from oncall.platforms.adapter import HttpAdapter
from oncall.platforms.base import (
    INBOX_PAGES,
    Failure,
    InboxPage,
    PublishError,
    RemoteMessage,
    RemotePost,
    Rendition,
    ReplyTo,
    as_dict,
    as_list,
    cursor_parts,
    joined_cursor,
    json_or_none,
    made_id,
    newer_cursor,
    one_line,
    parse_time,
    rate_limited,
    raw_of,
    redact,
    retry_after_header,
    send,
    server_error,
    since_time,
    site_label,
)

GRAPH_VERSION = "v21.0"
POST_URL = "https://www.facebook.com/{id}"
# Feed items and comments asked per page (Graph's most), and a comment's fields.
PAGE = 100
COMMENT_FIELDS = "id,message,created_time,from,attachment"
MESSAGE_FIELDS = "id,message,created_time,from,attachments"
INBOX_URL = "https://www.facebook.com/{page}/inbox"
# 4 app, 17 user, 32 page, 613 "calls exceed the rate"; 80000-80014 are the
# Business Use Case limits that Page tokens meet.
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613}) | frozenset(range(80000, 80015))
TOKEN_CODES = frozenset({102, 190})
# The Send API's refusal of a message outside the 24-hour window after the person's last.
OUTSIDE_WINDOW = 2018278
PERMISSION_CODES = frozenset({10}) | frozenset(range(200, 300))
TRANSIENT_CODES = frozenset({1, 2})
# Facebook takes JPEG, BMP, PNG, GIF and TIFF photos of up to 10 MB (it suggests
# under 4 MB, and PNGs under 1 MB to avoid pixelation) and sets no documented count
# for a multi-photo post. The Graph API has no alt text for Page photos (Facebook
# writes its own automatic description), so an Image's alt is not sent here.
PHOTO_LIMITS = media.Limits(
    size=10 * media.MB, size_words="10 MB",
    types=frozenset({imagetype.JPEG, imagetype.BMP, imagetype.PNG, imagetype.GIF,
                     imagetype.TIFF}))


class FacebookAdapter(HttpAdapter):
    platform = "facebook"
    idempotent = False


    def _url(self, *parts: str) -> str:
        return "/".join([self.base, GRAPH_VERSION, *(quote(p, safe="") for p in parts)])

    async def publish(self, rendition: Rendition) -> RemotePost:
        photos = await media.load_photos(self.site, rendition.images, PHOTO_LIMITS)
        token = (await self.tokens.token_for(self.site)).reveal()
        page = self.site.handle.lstrip("@")
        if rendition.reply_to is not None and rendition.reply_to.kind == "dm":
            return await self._send_message(rendition, rendition.reply_to, token, page)
        if rendition.reply_to is not None:
            return await self._comment(rendition, rendition.reply_to, token)
        if len(photos) == 1:
            return await self._photo_post(rendition, photos[0], token, page)
        form = {"message": rendition.text}
        if rendition.link:
            form["link"] = rendition.link
        for number, photo in enumerate(photos):
            photo_id = await self._unpublished_photo(photo, token, page)
            form[f"attached_media[{number}]"] = json.dumps({"media_fbid": photo_id})
        form["access_token"] = token
        url = self._url(page, "feed")
        response = await send(self.site, lambda: self.client.post(url, data=form), token)
        raw = raw_of(response, token)
        if not response.is_success:
            raise self._error(response, raw, token, "take the post")
        post_id = made_id(self.site, response, raw, "id")
        return RemotePost(post_id, POST_URL.format(id=post_id))

    async def _send_message(self, rendition: Rendition, to: ReplyTo, token: str,
                            page: str) -> RemotePost:
        """A Messenger message answered in its conversation: POST /{page-id}/messages
        {"recipient": {"id": <their page-scoped id>}, "messaging_type": "RESPONSE",
        "message": {"text"}} -> {"recipient_id", "message_id"}. Facebook takes it only
        within 24 hours of their last message."""
        psid = to.ref.get("psid", "")
        if not psid:
            raise PublishError(Failure.REJECTED, f"{site_label(self.site)}: the message does "
                               "not say who sent it; answer it in the page's inbox.")
        body = {"recipient": {"id": psid}, "messaging_type": "RESPONSE",
                "message": {"text": rendition.text}}
        url = self._url(page, "messages")
        response = await send(self.site, lambda: self.client.post(
            url, params={"access_token": token}, json=body), token)
        raw = raw_of(response, token)
        if not response.is_success:
            raise self._error(response, raw, token, "take the message")
        return RemotePost(made_id(self.site, response, raw, "message_id"),
                          INBOX_URL.format(page=page))

    async def _comment(self, rendition: Rendition, to: ReplyTo, token: str) -> RemotePost:
        """A reply under a visitor's post or a comment: POST /{object-id}/comments
        (message) -> {"id"}. A reply to a comment joins its thread."""
        url = self._url(to.remote_id, "comments")
        form = {"message": rendition.text, "access_token": token}
        response = await send(self.site, lambda: self.client.post(url, data=form), token)
        raw = raw_of(response, token)
        if not response.is_success:
            raise self._error(response, raw, token, "take the reply")
        comment_id = made_id(self.site, response, raw, "id")
        return RemotePost(comment_id, POST_URL.format(id=comment_id))

    async def _photo_post(self, rendition: Rendition, photo: media.Photo, token: str,
                          page: str) -> RemotePost:
        """One photo: the photo upload, published, is the post (its post_id)."""
        message = rendition.text
        if rendition.link and rendition.link not in message:
            # /photos has no link field: the link goes in the text to stay visible.
            message = f"{message}\n{rendition.link}" if message else rendition.link
        url = self._url(page, "photos")
        response = await send(self.site, lambda: self.client.post(
            url, data={"message": message, "access_token": token},
            files={"source": (photo.name, photo.data, photo.mime)}), token)
        raw = raw_of(response, token)
        if not response.is_success:
            raise self._error(response, raw, token, "take the post")
        post_id = made_id(self.site, response, raw, "post_id")
        return RemotePost(post_id, POST_URL.format(id=post_id))

    async def _unpublished_photo(self, photo: media.Photo, token: str, page: str) -> str:
        """Upload one photo of several, unpublished; its id, to attach to the post."""
        url = self._url(page, "photos")
        try:
            response = await send(self.site, lambda: self.client.post(
                url, data={"published": "false", "access_token": token},
                files={"source": (photo.name, photo.data, photo.mime)}), token)
            raw = raw_of(response, token)
            if not response.is_success:
                raise self._error(response, raw, token, f"upload the photo {photo.name}")
        except PublishError as exc:
            raise media.before_the_post(self.site, exc, photo) from None
        data = json_or_none(response)
        photo_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(photo_id, str | int) or isinstance(photo_id, bool) or photo_id == "":
            raise PublishError(Failure.SERVER, f"{site_label(self.site)}: Facebook took the "
                               f"photo {photo.name} but gave no id for it; the post itself "
                               "was not sent. Try again.", status=response.status_code,
                               raw=raw)
        return str(photo_id)

    async def retract(self, remote_id: str) -> None:
        token = (await self.tokens.token_for(self.site)).reveal()
        url = self._url(remote_id)
        response = await send(
            self.site, lambda: self.client.delete(url, params={"access_token": token}), token)
        raw = raw_of(response, token)
        if not response.is_success:
            raise self._error(response, raw, token, "delete the post")
        data = json_or_none(response)
        if not (isinstance(data, dict) and data.get("success") is True):
            raise PublishError(Failure.REJECTED, f"{site_label(self.site)}: Facebook did not "
                               "confirm the post was deleted; check the page.",
                               status=response.status_code, raw=raw)

    # --- errors ---------------------------------------------------------------------

    def _retry_after(self, response: httpx.Response, now: datetime) -> float | None:
        """Retry-After if sent, else the longest `estimated_time_to_regain_access`
        (minutes) in the Business Use Case usage header."""
        seconds = retry_after_header(response, now)
        if seconds is not None:
            return seconds
        try:
            usage = json.loads(response.headers.get("x-business-use-case-usage", ""))
        except (json.JSONDecodeError, TypeError):
            return None
        minutes = [entry.get("estimated_time_to_regain_access", 0)
                   for entries in (usage.values() if isinstance(usage, dict) else [])
                   if isinstance(entries, list)
                   for entry in entries if isinstance(entry, dict)]
        longest = max((m for m in minutes if isinstance(m, int | float)), default=0)
        return float(longest) * 60 if longest > 0 else None

    async def fetch_inbox(self, since: str | None) -> InboxPage:
        """Comments and visitors' posts on the page (the feed), and Messenger messages to
        it (its conversations): the cursor is "<feed>|<conversations>"."""
        token = (await self.tokens.token_for(self.site)).reveal()
        page = self.site.handle.lstrip("@")
        feed_since, messages_since = cursor_parts(since, 2)
        feed = await self._read_feed(page, feed_since, token)
        try:
            chats = await self._read_conversations(page, messages_since, token)
        except PublishError as exc:  # the feed read is kept; Messenger waits
            return InboxPage(feed.messages, joined_cursor(feed.cursor, None), exc.reason)
        return InboxPage(feed.messages + chats.messages,
                         joined_cursor(feed.cursor, chats.cursor))

    async def _read_conversations(self, page: str, since: str | None,
                                  token: str) -> InboxPage:
        """Messenger conversations with the page, the most recently active first (GET
        /{page-id}/conversations?platform=messenger), back to `since` (a time); in each,
        the people's messages newer than it, page after page."""
        params = {"platform": "messenger", "limit": str(PAGE), "access_token": token,
                  "fields": f"id,updated_time,messages.limit({PAGE}){{{MESSAGE_FIELDS}}}"}
        floor = parse_time(since) if since else None
        messages: list[RemoteMessage] = []
        for _ in range(INBOX_PAGES):
            listing = await self._read(self._url(page, "conversations"), params, token)
            quiet = False
            for item in as_list(listing.get("data")):
                chat = as_dict(item)
                if floor is not None and parse_time(chat.get("updated_time")) < floor:
                    quiet = True  # and every one after it: nothing new there
                    break
                messages.extend(await self._chat(chat, page, floor, token))
            after = _after(listing)
            if quiet or after is None:
                return since_time(messages, since)
            params["after"] = after
        return since_time(messages, since, complete=since is None)

    async def _chat(self, chat: dict[str, Any], page: str, floor: datetime | None,
                    token: str) -> list[RemoteMessage]:
        """One conversation's messages from the person (not the page's own), newest first,
        back to `floor`."""
        listing = as_dict(chat.get("messages"))
        params = {"fields": MESSAGE_FIELDS, "limit": str(PAGE), "access_token": token}
        out: list[RemoteMessage] = []
        for _ in range(INBOX_PAGES):
            older = False
            for item in as_list(listing.get("data")):
                message = as_dict(item)
                sender = str(as_dict(message.get("from")).get("id") or "")
                if not message.get("id") or not sender:
                    continue
                if floor is not None and parse_time(message.get("created_time")) < floor:
                    older = True
                elif sender != page:
                    out.append(replace(self._message(message, "dm", ""),
                                       url=INBOX_URL.format(page=page),
                                       ref={"psid": sender}))
            after = _after(listing)
            if older or after is None or not chat.get("id"):
                break
            params["after"] = after
            listing = await self._read(self._url(str(chat["id"]), "messages"), params, token)
        return out

    async def _read_feed(self, page: str, since: str | None, token: str) -> InboxPage:
        """Comments on the page's posts and visitors' posts on the page, newer than
        `since` (Unix seconds): GET /{page-id}/feed with the comments of each post. The
        second of the cursor is asked for again (Facebook's `since` is whole seconds and
        two messages can share one); the inbox keeps each message once by its id."""
        params = {"fields": f"id,message,created_time,from,permalink_url,attachments,"
                            f"comments.limit({PAGE}){{{COMMENT_FIELDS}}}",
                  "limit": str(PAGE), "access_token": token}
        if since and since.isdigit():
            params["since"] = str(max(int(since) - 1, 0))
        messages: list[RemoteMessage] = []
        for _ in range(INBOX_PAGES):  # the feed, page after page (paging.cursors.after)
            feed = await self._read(self._url(page, "feed"), params, token)
            for item in as_list(feed.get("data")):
                post = as_dict(item)
                author = as_dict(post.get("from"))
                if post.get("id") and str(author.get("id") or "") != page:
                    messages.append(self._message(post, "mention", ""))  # a visitor's post
                comments = as_dict(post.get("comments"))
                messages.extend(await self._comments(comments, post, page, params, token))
            after = _after(feed)
            if after is None:
                break
            params["after"] = after
        else:
            if since is not None:  # read the rest next time; a first read starts here
                return InboxPage(tuple(messages), None)
        newest = max((m.sent_at for m in messages), default=None)
        cursor = str(int(newest.timestamp())) if newest is not None else None
        return InboxPage(tuple(messages), newer_cursor(since, cursor))

    async def _comments(self, comments: dict[str, Any], post: dict[str, Any], page: str,
                        feed_params: dict[str, str], token: str) -> list[RemoteMessage]:
        """A post's comments from the public: those the feed carried, then the further
        pages of them (GET /{post-id}/comments?after=), as many as a post has."""
        out: list[RemoteMessage] = []
        params = {"fields": COMMENT_FIELDS, "limit": str(PAGE), "access_token": token}
        if "since" in feed_params:
            params["since"] = feed_params["since"]
        for _ in range(INBOX_PAGES):
            for comment in as_list(comments.get("data")):
                comment = as_dict(comment)
                if comment.get("id") and str(as_dict(comment.get("from")).get("id")) != page:
                    out.append(self._message(comment, "comment", str(post.get("id"))))
            after = _after(comments)
            if after is None or not post.get("id"):
                break
            params["after"] = after
            comments = await self._read(self._url(str(post["id"]), "comments"), params, token)
        return out

    async def _read(self, url: str, params: dict[str, str], token: str) -> dict[str, Any]:
        response = await send(self.site, lambda: self.client.get(url, params=params), token)
        if not response.is_success:
            raise self._error(response, raw_of(response, token), token, "read the page")
        return as_dict(json_or_none(response))

    def _message(self, data: dict[str, Any], kind: str, on: str) -> RemoteMessage:
        author = as_dict(data.get("from"))
        return RemoteMessage(
            id=str(data["id"]), kind=kind, author=str(author.get("id") or ""),
            author_name=str(author.get("name") or author.get("id") or ""),
            text=str(data.get("message") or ""), sent_at=parse_time(data.get("created_time")),
            in_reply_to=on, url=str(data.get("permalink_url") or POST_URL.format(id=data["id"])),
            has_media=bool(data.get("attachment") or data.get("attachments")))

    def _error(self, response: httpx.Response, raw: str, token: str,
               action: str) -> PublishError:
        label = site_label(self.site)
        status = response.status_code
        body = json_or_none(response)
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {}
        code = error.get("code") if isinstance(error.get("code"), int) else None
        text = error.get("error_user_msg") or error.get("message") or ""
        message = one_line(redact(str(text), token), 160)
        now = self.clock()
        if status == 429 or code in RATE_LIMIT_CODES:
            return rate_limited(self.site, self._retry_after(response, now), now,
                                status=status, raw=raw)
        if code in TOKEN_CODES:
            return PublishError(Failure.REJECTED, f"{label}: Facebook did not accept the "
                                "page's access token (expired or revoked); ask Web "
                                "Communications to renew it.", status=status, raw=raw)
        if error.get("error_subcode") == OUTSIDE_WINDOW:
            return PublishError(Failure.REJECTED, f"{label}: Facebook lets a page answer a "
                                "Messenger message only within 24 hours of the person's last "
                                "message; nothing was sent. Answer them another way.",
                                status=status, raw=raw)
        if code in PERMISSION_CODES:
            return PublishError(Failure.REJECTED, f"{label}: the page's token is not allowed "
                                f"to {action.removeprefix('take the ')} here (Facebook "
                                f"permission error {code}); ask Web Communications to check "
                                "the page's access.", status=status, raw=raw)
        if code == 368:
            return PublishError(Failure.REJECTED, f"{label}: Facebook has temporarily blocked "
                                f"this page from posting: {message or 'policy block'}.",
                                status=status, raw=raw)
        if code == 506:
            return PublishError(Failure.REJECTED, f"{label}: duplicate post: Facebook "
                                "already has this exact text on the page.",
                                status=status, raw=raw)
        if status >= 500 or code in TRANSIENT_CODES or error.get("is_transient") is True:
            return server_error(self.site, response, raw, message)
        said = f": {message}" if message else f" (HTTP {status})"
        number = f" (code {code})" if code is not None and message else ""
        return PublishError(Failure.REJECTED, f"{label}: Facebook would not {action}"
                            f"{said}{number}.", status=status, raw=raw)


def _after(listing: dict[str, Any]) -> str | None:
    """The cursor of the page after this one, or None on the last (Graph gives `next`
    only when there is one)."""
    paging = as_dict(listing.get("paging"))
    after = as_dict(paging.get("cursors")).get("after")
    return str(after) if paging.get("next") and after else None
