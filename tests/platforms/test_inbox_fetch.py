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
