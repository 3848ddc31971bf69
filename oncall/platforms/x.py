"""X through API v2: a post (tweet) from the site's account.

publish: POST /2/tweets {"text": ...} with Authorization: Bearer <user token>
-> 201 {"data": {"id", "text"}}. retract: DELETE /2/tweets/{id} -> 200
{"data": {"deleted": true}}. Errors are problem+json ({"title", "detail", "type",
"status"}, sometimes with "errors": [{"message", ...}]). X has no idempotency
key: a repeated publish posts again (or is refused as a duplicate), so
`idempotent` is False.

Photos (up to 4, each up to 5 MB): each is uploaded first with POST /2/media/upload
as multipart/form-data (media=<the file>, media_category=tweet_image, media_type)
-> {"data": {"id", "media_key", "size", "expires_after_secs", ...}}; alt text, if
any, is set with POST /2/media/metadata {"id", "metadata": {"alt_text": {"text"}}};
then the post is POST /2/tweets {"text", "media": {"media_ids": [...]}}. An upload
never used expires on its own (expires_after_secs), unseen.

Rate limits: every reply carries x-rate-limit-{limit,remaining,reset} (reset in
Unix seconds) for the 15-minute window; the daily posting caps have their own
x-user-limit-24hour-* and x-app-limit-24hour-* headers, and a 429 from one of
those resets when it says, not when the 15-minute window does.
"""

from __future__ import annotations

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
    epoch_seconds_until,
    joined_cursor,
    json_or_none,
    made_id,
    oldest,
    one_line,
    parse_time,
    rate_limited,
    raw_of,
    read_back,
    redact,
    retry_after_header,
    send,
    server_error,
    site_label,
)

POST_URL = "https://x.com/{handle}/status/{id}"
DM_URL = "https://x.com/messages/{conversation}"
_LIMIT_HEADERS = ("x-user-limit-24hour", "x-app-limit-24hour", "x-rate-limit")
# tweet_image takes these types up to 5 MB; alt text is at most 1,000 characters.
# (An animated GIF is another media category with its own limits: not a photo.)
PHOTO_LIMITS = media.Limits(
    count=4, size=5 * media.MB, size_words="5 MB", alt=1000,
    types=frozenset({imagetype.JPEG, imagetype.PNG, imagetype.WEBP, imagetype.BMP,
                     imagetype.TIFF}))


def x_retry_after(response: httpx.Response, now: datetime) -> float | None:
    """Seconds until X lets the account post again, from its headers.

    The longest reset among the limits that are used up (remaining 0); if none says
    so, the 15-minute window's reset; then Retry-After."""
    exhausted = [epoch_seconds_until(response.headers.get(f"{name}-reset"), now)
                 for name in _LIMIT_HEADERS
                 if response.headers.get(f"{name}-remaining", "").strip() == "0"]
    waits = [w for w in exhausted if w is not None]
    if waits:
        return max(waits)
    window = epoch_seconds_until(response.headers.get("x-rate-limit-reset"), now)
    if window is not None:
        return window
    return retry_after_header(response, now)


class XAdapter(HttpAdapter):
    platform = "x"
    idempotent = False


    @property
    def handle(self) -> str:
        return self.site.handle.lstrip("@") or self.site.username

    async def publish(self, rendition: Rendition) -> RemotePost:
        photos = await media.load_photos(self.site, rendition.images, PHOTO_LIMITS)
        token = (await self.tokens.token_for(self.site)).reveal()
        headers = {"Authorization": f"Bearer {token}"}
        if rendition.reply_to is not None and rendition.reply_to.kind == "dm":
            return await self._direct(rendition, rendition.reply_to, token)
        body: dict[str, object] = {"text": rendition.text}
        if rendition.reply_to is not None:
            body["reply"] = {"in_reply_to_tweet_id": rendition.reply_to.remote_id}
        if photos:
            ids = [await self._upload(photo, token, headers) for photo in photos]
            body["media"] = {"media_ids": ids}
        response = await send(self.site, lambda: self.client.post(
            f"{self.base}/2/tweets", json=body, headers=headers), token)
        raw = raw_of(response, token)
        if not response.is_success:
            raise self._error(response, raw, token, "take the post")
        post_id = made_id(self.site, response, raw, "data", "id")
        return RemotePost(post_id, POST_URL.format(handle=self.handle, id=post_id))

    async def _direct(self, rendition: Rendition, to: ReplyTo, token: str) -> RemotePost:
        """A direct message answered directly: POST /2/dm_conversations/with/{their user
        id}/messages {"text"} -> 201 {"data": {"dm_conversation_id", "dm_event_id"}}."""
        participant = to.ref.get("participant", "")
        if not participant:
            raise PublishError(Failure.REJECTED, f"{site_label(self.site)}: the message does "
                               "not say who sent it; answer it on X itself.")
        response = await send(self.site, lambda: self.client.post(
            f"{self.base}/2/dm_conversations/with/{quote(participant, safe='')}/messages",
            json={"text": rendition.text}, headers={"Authorization": f"Bearer {token}"}),
            token)
        raw = raw_of(response, token)
        if not response.is_success:
            raise self._error(response, raw, token, "take the direct message")
        body = json_or_none(response)
        event = made_id(self.site, response, raw, "data", "dm_event_id", body=body)
        conversation = str(as_dict(as_dict(body).get("data")).get("dm_conversation_id") or "")
        return RemotePost(event, DM_URL.format(conversation=conversation)
                          if conversation else "")

    async def _upload(self, photo: media.Photo, token: str, headers: dict[str, str]) -> str:
        """Upload one photo (and its alt text); the media id to attach to the post."""
        try:
            response = await send(self.site, lambda: self.client.post(
                f"{self.base}/2/media/upload",
                data={"media_category": "tweet_image", "media_type": photo.mime},
                files={"media": (photo.name, photo.data, photo.mime)}, headers=headers),
                token)
            raw = raw_of(response, token)
            if not response.is_success:
                raise self._error(response, raw, token, f"upload the photo {photo.name}")
            body = json_or_none(response)
            data = body.get("data") if isinstance(body, dict) else None
            media_id = data.get("id") if isinstance(data, dict) else None
            if not isinstance(media_id, str) or not media_id:
                raise PublishError(Failure.SERVER, f"{site_label(self.site)}: X took the "
                                   f"photo {photo.name} but gave no id for it; the post "
                                   "itself was not sent. Try again.",
                                   status=response.status_code, raw=raw)
            if photo.alt:
                metadata = {"id": media_id, "metadata": {"alt_text": {"text": photo.alt}}}
                response = await send(self.site, lambda: self.client.post(
                    f"{self.base}/2/media/metadata", json=metadata, headers=headers), token)
                if not response.is_success:
                    raise self._error(response, raw_of(response, token), token,
                                      f"take the description of the photo {photo.name}")
        except PublishError as exc:
            raise media.before_the_post(self.site, exc, photo) from None
        return media_id

    async def retract(self, remote_id: str) -> None:
        token = (await self.tokens.token_for(self.site)).reveal()
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{self.base}/2/tweets/{quote(remote_id, safe='')}"
        response = await send(self.site, lambda: self.client.delete(url, headers=headers),
                              token)
        if response.status_code == 404:
            return  # already gone, which is what a retraction wants
        raw = raw_of(response, token)
        if not response.is_success:
            raise self._error(response, raw, token, "delete the post")
        body = json_or_none(response)
        data = body.get("data") if isinstance(body, dict) else None
        if not (isinstance(data, dict) and data.get("deleted") is True):
            raise PublishError(Failure.REJECTED, f"{site_label(self.site)}: X did not confirm "
                               "the post was deleted; check the account.",
                               status=response.status_code, raw=raw)

    async def fetch_inbox(self, since: str | None) -> InboxPage:
        """Mentions of the account and replies to it (GET /2/users/{id}/mentions, newer
        than a post id) and direct messages to it (GET /2/dm_events, newer than a time):
        the cursor is "<post id>|<time>". The user id is from GET /2/users/me."""
        token = (await self.tokens.token_for(self.site)).reveal()
        headers = {"Authorization": f"Bearer {token}"}
        me = await self._get(f"{self.base}/2/users/me", {}, headers, token)
        user_id = as_dict(me.get("data")).get("id")
        if not isinstance(user_id, str) or not user_id:
            raise PublishError(Failure.SERVER, f"{site_label(self.site)}: X did not say "
                               "which account the token is for; the inbox was not read.")
        mentions_since, dms_since = cursor_parts(since, 2)
        mentions = await self._read_mentions(user_id, mentions_since, headers, token)
        try:
            dms = await self._read_dms(user_id, dms_since, headers, token)
        except PublishError as exc:  # the mentions read are kept; the DMs wait
            return InboxPage(mentions.messages, joined_cursor(mentions.cursor, None),
                             exc.reason)
        return InboxPage(mentions.messages + dms.messages,
                         joined_cursor(mentions.cursor, dms.cursor))

    async def _read_dms(self, user_id: str, since: str | None, headers: dict[str, str],
                        token: str) -> InboxPage:
        """Direct messages received (not those the account sent), newest first."""
        async def page(after: str | None) -> tuple[list[RemoteMessage], str | None,
                                                   datetime | None]:
            params = {"max_results": "100", "event_types": "MessageCreate",
                      "dm_event.fields": "id,text,event_type,created_at,sender_id,"
                                         "dm_conversation_id,attachments",
                      "expansions": "sender_id", "user.fields": "username,name",
                      **({"pagination_token": after} if after else {})}
            body = await self._get(f"{self.base}/2/dm_events", params, headers, token,
                                   "read the direct messages")
            users = {u.get("id"): u for u in
                     as_list(as_dict(body.get("includes")).get("users")) if isinstance(u, dict)}
            found = []
            for event in as_list(body.get("data")):
                event = as_dict(event)
                sender = str(event.get("sender_id") or "")
                if not event.get("id") or not sender or sender == user_id:
                    continue
                author = as_dict(users.get(sender))
                handle = str(author.get("username") or sender)
                conversation = str(event.get("dm_conversation_id") or "")
                found.append(RemoteMessage(
                    id=str(event["id"]), kind="dm", author=f"@{handle}",
                    author_name=str(author.get("name") or handle),
                    text=str(event.get("text") or ""),
                    sent_at=parse_time(event.get("created_at")),
                    url=DM_URL.format(conversation=conversation) if conversation else "",
                    has_media=bool(event.get("attachments")), ref={"participant": sender}))
            listed = [as_dict(e).get("created_at") for e in as_list(body.get("data"))]
            return (found, str(as_dict(body.get("meta")).get("next_token") or "") or None,
                    oldest(listed))

        return await read_back(since, page)

    async def _read_mentions(self, user_id: str, since: str | None,
                             headers: dict[str, str], token: str) -> InboxPage:
        """Mentions newer than `since`, newest first, page by page back to it."""
        params = {"max_results": "100", "expansions": "author_id",
                  "tweet.fields": "created_at,conversation_id,referenced_tweets,attachments"}
        if since:
            params["since_id"] = since
        url = f"{self.base}/2/users/{quote(user_id, safe='')}/mentions"
        messages: list[RemoteMessage] = []
        newest: str | None = None
        # Newest first, page by page back to `since`. A backlog longer than INBOX_PAGES
        # keeps the old cursor: what was read is kept (once), the rest is read next time.
        for number in range(INBOX_PAGES):
            body = await self._get(url, params, headers, token)
            messages.extend(self._mentions(body))
            meta = as_dict(body.get("meta"))
            if number == 0 and meta.get("newest_id"):
                newest = str(meta["newest_id"])
            if not meta.get("next_token"):
                return InboxPage(tuple(messages), newest)
            params["pagination_token"] = str(meta["next_token"])
        # The first read starts from the newest it saw (older history is not the inbox's).
        return InboxPage(tuple(messages), newest if since is None else None)

    def _mentions(self, body: dict[str, Any]) -> list[RemoteMessage]:
        """One page of mentions as messages (the authors from its `includes`)."""
        users = {u.get("id"): u for u in as_list(as_dict(body.get("includes")).get("users"))
                 if isinstance(u, dict)}
        messages = []
        for tweet in as_list(body.get("data")):
            tweet = as_dict(tweet)
            if not tweet.get("id"):
                continue
            author = as_dict(users.get(tweet.get("author_id")))
            replied = [str(as_dict(r).get("id") or "")
                       for r in as_list(tweet.get("referenced_tweets"))
                       if as_dict(r).get("type") == "replied_to"]
            handle = str(author.get("username") or tweet.get("author_id") or "")
            messages.append(RemoteMessage(
                id=str(tweet["id"]), kind="reply" if replied else "mention",
                author=f"@{handle}", author_name=str(author.get("name") or handle),
                text=str(tweet.get("text") or ""), sent_at=parse_time(tweet.get("created_at")),
                in_reply_to=replied[0] if replied else "",
                url=POST_URL.format(handle=handle, id=tweet["id"]),
                has_media=bool(tweet.get("attachments"))))
        return messages

    async def _get(self, url: str, params: dict[str, str], headers: dict[str, str],
                   token: str, action: str = "read the mentions") -> dict[str, Any]:
        response = await send(self.site, lambda: self.client.get(
            url, params=params, headers=headers), token)
        if not response.is_success:
            raise self._error(response, raw_of(response, token), token, action)
        body = json_or_none(response)
        return body if isinstance(body, dict) else {}

    def _error(self, response: httpx.Response, raw: str, token: str,
               action: str) -> PublishError:
        label = site_label(self.site)
        status = response.status_code
        body = json_or_none(response)
        body = body if isinstance(body, dict) else {}
        errors = body.get("errors")
        first = errors[0] if isinstance(errors, list) and errors and \
            isinstance(errors[0], dict) else {}
        # A 400's "detail" is only "One or more parameters ... invalid"; the entry in
        # "errors" says which and why.
        text = first.get("message") or body.get("detail") or body.get("title") or ""
        message = one_line(redact(str(text), token), 160)
        if status == 429:
            now = self.clock()
            return rate_limited(self.site, x_retry_after(response, now), now,
                                status=status, raw=raw)
        if status == 401:
            return PublishError(Failure.REJECTED, f"{label}: X did not accept the stored "
                                "token (HTTP 401); ask Web Communications to renew the "
                                "site's access.", status=status, raw=raw)
        said_anywhere = f"{first.get('message')} {body.get('detail')}".lower()
        if status == 403 and "duplicate" in said_anywhere:
            return PublishError(Failure.REJECTED, f"{label}: duplicate content: X already "
                                "has this exact text.", status=status, raw=raw)
        if status >= 500:
            return server_error(self.site, response, raw, message)
        said = f": {message}" if message else ""
        return PublishError(Failure.REJECTED, f"{label}: X would not {action} "
                            f"(HTTP {status}){said}.", status=status, raw=raw)
