"""Each network's inbox read through its adapter from the sandbox, on the real request
and reply shapes: what the public sent, replies tied to the site's own post, and a
cursor that brings only what is new (issue 13, fetch)."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from oncall.model import Site
from oncall.platforms.base import Rendition, StaticTokens, sandbox_token
from oncall.platforms.registry import adapter_for
from oncall.sandbox import Sandbox
from oncall.session import Session

SITES = {"x": "corp-x", "mastodon": "corp-masto", "facebook": "corp-fb",
         "bluesky": "corp-bsky", "youtube": "corp-yt"}


def site_on(session: Session, sandbox: Sandbox, platform: str) -> Site:
    site = next(s for s in session.sites.all() if s.id == SITES[platform])
    return replace(site, api_base=sandbox.base_for(site.platform))


@pytest.mark.parametrize("platform", sorted(SITES))
async def test_the_inbox_is_read_once_and_then_only_what_is_new(
        demo_session: Session, sandbox: Sandbox, platform: str) -> None:
    site = site_on(demo_session, sandbox, platform)
    async with httpx.AsyncClient(timeout=5.0) as client:
        adapter = adapter_for(site, client, StaticTokens(default=sandbox_token))
        ours = "VIDEO1"
        if platform != "youtube":
            ours = (await adapter.publish(Rendition(site, "Have you seen Ann?", "k1"))).id
        sandbox.state.add_inbox(site.id, {"text": "I saw her by the canal <b>[red]</b> at 9",
                                          "author": "walker", "author_name": "Pat Walker",
                                          "in_reply_to": ours})
        sandbox.state.add_inbox(site.id, {"text": "When does the road reopen?",
                                          "author": "driver"})
        first = await adapter.fetch_inbox(None)
        texts = {m.text: m for m in first.messages}
        assert set(texts) == {"I saw her by the canal <b>[red]</b> at 9",
                              "When does the road reopen?"}
        reply = texts["I saw her by the canal <b>[red]</b> at 9"]
        assert reply.in_reply_to == ours and reply.author_name == "Pat Walker"
        assert reply.kind in ("reply", "comment") and first.cursor
        again = await adapter.fetch_inbox(first.cursor)
        # Nothing new: at most the same messages again (a cursor of whole seconds
        # or times is asked again at its own instant; the inbox keeps each once).
        assert {m.id for m in again.messages} <= {m.id for m in first.messages}
        sandbox.state.add_inbox(site.id, {"text": "Dashcam footage of the crash here",
                                          "author": "witness", "in_reply_to": ours})
        later = await adapter.fetch_inbox(first.cursor)
        assert "Dashcam footage of the crash here" in {m.text for m in later.messages}
        assert later.cursor is not None
        assert max(later.cursor, first.cursor, key=lambda c: (len(c), c)) == later.cursor


async def test_a_mastodon_direct_message_is_a_dm(demo_session: Session,
                                                 sandbox: Sandbox) -> None:
    site = site_on(demo_session, sandbox, "mastodon")
    sandbox.state.add_inbox(site.id, {"text": "he's here now, he has a knife",
                                      "author": "scared", "kind": "dm"})
    async with httpx.AsyncClient(timeout=5.0) as client:
        page = await adapter_for(site, client, StaticTokens(default=sandbox_token)) \
            .fetch_inbox(None)
    assert [(m.kind, m.text) for m in page.messages] == [
        ("dm", "he's here now, he has a knife")]


@pytest.mark.parametrize("platform", sorted(SITES))
async def test_a_backlog_longer_than_a_page_is_read_whole_and_once(
        demo_session: Session, sandbox: Sandbox, platform: str) -> None:
    """250 messages at once: more than any network gives on one page (Facebook's
    comments on one post included), all read by one fetch, in pages."""
    from datetime import timedelta

    from oncall.timeutil import utcnow

    site = site_on(demo_session, sandbox, platform)
    start = utcnow() - timedelta(hours=1)
    async with httpx.AsyncClient(timeout=5.0) as client:
        adapter = adapter_for(site, client, StaticTokens(default=sandbox_token))
        ours = "VIDEO1"
        if platform != "youtube":
            ours = (await adapter.publish(Rendition(site, "Road closed", "k1"))).id
        for n in range(250):
            sandbox.state.add_inbox(site.id, {
                "text": f"message {n}", "author": f"a{n}", "in_reply_to": ours,
                "created_at": (start + timedelta(seconds=n)).isoformat()})
        first = await adapter.fetch_inbox(None)
        assert sorted(m.text for m in first.messages) == sorted(f"message {n}"
                                                                for n in range(250))
        later = await adapter.fetch_inbox(first.cursor)
        assert {m.id for m in later.messages} <= {m.id for m in first.messages}


@pytest.mark.parametrize("platform", sorted(SITES))
async def test_a_backlog_beyond_the_page_limit_is_never_passed_over(
        demo_session: Session, sandbox: Sandbox, platform: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With one page per fetch, nothing is skipped: the cursor moves only as far as was
    read (or not at all, on a network listed newest first), so the next fetch goes on.
    The very first read starts from the newest it saw: older history is not the
    inbox's, and a cursor that never moved would read the same pages for ever."""
    import importlib
    from datetime import timedelta

    from oncall.timeutil import utcnow

    for name in (f"oncall.platforms.{platform}", "oncall.platforms.base"):
        module = importlib.import_module(name)
        if hasattr(module, "INBOX_PAGES"):
            monkeypatch.setattr(module, "INBOX_PAGES", 1)
    site = site_on(demo_session, sandbox, platform)
    start = utcnow() - timedelta(hours=1)
    sandbox.state.add_inbox(site.id, {"text": "before", "author": "b",
                                      "created_at": (start - timedelta(hours=1)).isoformat()})
    async with httpx.AsyncClient(timeout=5.0) as client:
        adapter = adapter_for(site, client, StaticTokens(default=sandbox_token))
        first = await adapter.fetch_inbox(None)
        assert [m.text for m in first.messages] == ["before"] and first.cursor
        for n in range(130):
            sandbox.state.add_inbox(site.id, {
                "text": f"message {n}", "author": f"a{n}",
                "created_at": (start + timedelta(seconds=n)).isoformat()})
        seen: set[str] = set()
        cursor = first.cursor
        for _ in range(3):
            page = await adapter.fetch_inbox(cursor)
            seen |= {m.text for m in page.messages}
            cursor = page.cursor or cursor
    if platform in ("mastodon",):
        # Read forward: all of it within the three fetches.
        assert seen >= {f"message {n}" for n in range(130)}
    else:
        # Read newest first: the newest page each time, and the cursor kept back, so
        # nothing older is passed over for good.
        assert cursor == first.cursor and len(seen) >= 100


@pytest.mark.parametrize("platform", ["x", "bluesky", "youtube", "facebook"])
async def test_a_first_read_longer_than_the_page_limit_starts_from_its_newest(
        demo_session: Session, sandbox: Sandbox, platform: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    for name in (f"oncall.platforms.{platform}", "oncall.platforms.base"):
        module = importlib.import_module(name)
        if hasattr(module, "INBOX_PAGES"):
            monkeypatch.setattr(module, "INBOX_PAGES", 1)
    site = site_on(demo_session, sandbox, platform)
    for n in range(130):
        sandbox.state.add_inbox(site.id, {"text": f"old {n}", "author": f"a{n}"})
    async with httpx.AsyncClient(timeout=5.0) as client:
        adapter = adapter_for(site, client, StaticTokens(default=sandbox_token))
        first = await adapter.fetch_inbox(None)
        assert first.cursor and len(first.messages) >= 100
        sandbox.state.add_inbox(site.id, {"text": "new one", "author": "z"})
        later = await adapter.fetch_inbox(first.cursor)
    assert "new one" in {m.text for m in later.messages}


async def test_bluesky_likes_older_than_the_cursor_stop_the_paging(
        demo_session: Session, sandbox: Sandbox) -> None:
    """A page of notifications that are not messages (likes) still shows how far back
    the list has gone."""
    from datetime import UTC, datetime

    from oncall.platforms.base import read_back, time_cursor

    calls = []

    async def page(token: str | None):  # type: ignore[no-untyped-def]
        calls.append(token)
        return [], f"t{len(calls)}", datetime(2026, 1, 1, tzinfo=UTC)  # likes, old

    found = await read_back(time_cursor(datetime(2026, 6, 1, tzinfo=UTC)), page)
    assert calls == [None] and found.messages == ()


async def test_x_direct_messages_are_read_apart_from_mentions_each_with_its_cursor(
        demo_session: Session, sandbox: Sandbox) -> None:
    site = site_on(demo_session, sandbox, "x")
    sandbox.state.add_inbox(site.id, {"text": "road open?", "author": "driver"})
    sandbox.state.add_inbox(site.id, {"text": "private: I know who did it",
                                      "author": "knows", "kind": "dm"})
    async with httpx.AsyncClient(timeout=5.0) as client:
        adapter = adapter_for(site, client, StaticTokens(default=sandbox_token))
        first = await adapter.fetch_inbox(None)
        kinds = {m.text: m.kind for m in first.messages}
        assert kinds == {"road open?": "mention", "private: I know who did it": "dm"}
        mentions, dms = first.cursor.split("|")
        assert mentions and dms
        sandbox.state.add_inbox(site.id, {"text": "another DM", "author": "knows",
                                          "kind": "dm"})
        later = await adapter.fetch_inbox(first.cursor)
        assert "another DM" in {m.text for m in later.messages}
        assert "road open?" not in {m.text for m in later.messages}
        # an old cursor of mentions alone (kept before DMs were read) still works
        old = await adapter.fetch_inbox(mentions)
        assert "road open?" not in {m.text for m in old.messages}


async def test_facebook_messenger_conversations_are_read_page_by_page(
        demo_session: Session, sandbox: Sandbox) -> None:
    """Messages to the page (Messenger) beside the feed: 130 in one conversation, more
    than a page of its messages, and a second person; then only what is new."""
    from datetime import timedelta

    from oncall.timeutil import utcnow

    site = site_on(demo_session, sandbox, "facebook")
    start = utcnow() - timedelta(hours=1)
    for n in range(130):
        sandbox.state.add_inbox(site.id, {"text": f"dm {n}", "author": "4001", "kind": "dm",
                                          "created_at": (start + timedelta(seconds=n))
                                          .isoformat()})
    sandbox.state.add_inbox(site.id, {"text": "other person", "author": "4002",
                                      "kind": "dm"})
    sandbox.state.add_inbox(site.id, {"text": "on the wall", "author": "4003"})
    async with httpx.AsyncClient(timeout=5.0) as client:
        adapter = adapter_for(site, client, StaticTokens(default=sandbox_token))
        first = await adapter.fetch_inbox(None)
        dms = sorted(m.text for m in first.messages if m.kind == "dm")
        assert dms == sorted([f"dm {n}" for n in range(130)] + ["other person"])
        assert [m.text for m in first.messages if m.kind != "dm"] == ["on the wall"]
        assert all(m.ref.get("psid") for m in first.messages if m.kind == "dm")
        sandbox.state.add_inbox(site.id, {"text": "one more", "author": "4001",
                                          "kind": "dm"})
        later = await adapter.fetch_inbox(first.cursor)
        assert "one more" in {m.text for m in later.messages}
        assert len(later.messages) < 10  # not the whole conversation again


# Bluesky's notifications carry no direct messages; YouTube's comments no photos.
@pytest.mark.parametrize(("platform", "kind"), [
    ("x", "mention"), ("x", "dm"), ("mastodon", "mention"), ("mastodon", "dm"),
    ("facebook", "mention"), ("facebook", "dm"), ("bluesky", "mention")])
async def test_a_message_with_a_photo_says_so(demo_session: Session, sandbox: Sandbox,
                                              platform: str, kind: str) -> None:
    site = site_on(demo_session, sandbox, platform)
    sandbox.state.add_inbox(site.id, {"text": "this is him", "author": "9001", "kind": kind,
                                      "image": "a man in a red coat"})
    sandbox.state.add_inbox(site.id, {"text": "no photo", "author": "9002", "kind": kind})
    async with httpx.AsyncClient(timeout=5.0) as client:
        adapter = adapter_for(site, client, StaticTokens(default=sandbox_token))
        page = await adapter.fetch_inbox(None)
    media = {m.text: m.has_media for m in page.messages}
    assert media == {"this is him": True, "no photo": False}


@pytest.mark.parametrize(("platform", "second"), [("x", "_read_dms"),
                                                  ("facebook", "_read_conversations")])
async def test_a_list_the_token_may_not_read_loses_nothing_of_the_others(
        demo_session: Session, sandbox: Sandbox, platform: str, second: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A token without the right to read direct messages: the mentions (the feed) are
    still read and kept, the cursor moves for them only, and the reason is said."""
    from oncall.inbox import Inbox
    from oncall.platforms.base import Failure, PublishError

    site = site_on(demo_session, sandbox, platform)
    sandbox.state.add_inbox(site.id, {"text": "public one", "author": "5001"})

    async def refused(*args: object) -> None:
        raise PublishError(Failure.REJECTED, f"{site.name}: would not read the direct "
                           "messages (HTTP 403)", status=403)

    async with httpx.AsyncClient(timeout=5.0) as client:
        adapter = adapter_for(site, client, StaticTokens(default=sandbox_token))
        monkeypatch.setattr(adapter, second, refused)
        fetched = await Inbox(demo_session).fetch(site, adapter)
    assert [i.text for i in fetched.new] == ["public one"]
    assert "direct messages" in fetched.problem
    (problem,) = Inbox(demo_session).problems()
    assert "direct messages" in problem
    cursor = Inbox(demo_session).cursors.get(site.id)
    assert cursor is not None and cursor.cursor.split("|")[0] and cursor.failures == 0
