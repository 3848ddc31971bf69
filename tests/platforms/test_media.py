"""Photos read from disk: the checks every adapter makes before its first request."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from oncall.platforms import media
from oncall.platforms.base import Failure, Image, PublishError, Rendition
from oncall.platforms.bluesky import BlueskyAdapter
from oncall.platforms.facebook import FacebookAdapter
from oncall.platforms.mastodon import MastodonAdapter
from oncall.platforms.x import XAdapter
from oncall.platforms.youtube import YouTubeAdapter
from tests.imagefiles import jpeg, png, write

from .conftest import clock, make_site, reply

ADAPTERS = {"facebook": FacebookAdapter, "x": XAdapter, "mastodon": MastodonAdapter,
            "bluesky": BlueskyAdapter}
LABELS = {"facebook": "Facebook", "x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}


def publish_on(platform: str, net, tokens, images: tuple[Image, ...]):
    site = make_site(platform)
    adapter = ADAPTERS[platform](site, net.client, tokens, clock=clock)
    return adapter.publish(Rendition(site, "Road closed", "k1", images=images))


@pytest.mark.parametrize("platform", list(ADAPTERS))
async def test_a_missing_photo_is_rejected_by_name_before_any_request(
        network, tokens, tmp_path: Path, platform: str) -> None:
    net = network(lambda r: reply(500))
    there = write(tmp_path, "map.png", png())
    missing = str(tmp_path / "scene-photo.jpg")
    with pytest.raises(PublishError) as caught:
        await publish_on(platform, net, tokens, (Image(there), Image(missing, "The scene")))
    error = caught.value
    assert error.kind == Failure.REJECTED
    assert error.reason == (f"Mercia Vale Police ({LABELS[platform]}): cannot read the photo "
                            "scene-photo.jpg (No such file or directory); nothing was sent.")
    assert str(tmp_path) not in error.reason  # the name, never the folders
    assert net.requests == []


@pytest.mark.parametrize("platform", ["x", "mastodon", "bluesky"])
async def test_more_photos_than_the_network_takes_is_refused_naming_the_limit(
        network, tokens, platform: str) -> None:
    net = network(lambda r: reply(500))
    # Refused on the count alone: the files are not even looked at.
    images = tuple(Image(f"/nowhere/photo{i}.jpg") for i in range(5))
    with pytest.raises(PublishError) as caught:
        await publish_on(platform, net, tokens, images)
    assert caught.value.kind == Failure.REJECTED
    assert caught.value.reason == (f"Mercia Vale Police ({LABELS[platform]}): "
                                   f"{LABELS[platform]} takes at most 4 photos in a post and "
                                   "this one has 5; nothing was sent.")
    assert net.requests == []


async def test_a_folder_an_empty_file_and_a_non_photo_are_refused(tmp_path: Path) -> None:
    site = make_site("x")
    folder = tmp_path / "photos"
    folder.mkdir()
    empty = write(tmp_path, "empty.jpg", b"")
    words = write(tmp_path, "statement.jpg", b"This is not a picture at all")
    limits = media.Limits()
    with pytest.raises(PublishError, match=r"cannot read the photo photos \(Is a directory\)"):
        await media.load_photos(site, [Image(str(folder))], limits)
    with pytest.raises(PublishError, match=r"the photo empty\.jpg is an empty file"):
        await media.load_photos(site, [Image(empty)], limits)
    with pytest.raises(PublishError) as caught:
        await media.load_photos(site, [Image(words)], limits)
    assert caught.value.reason == ("Mercia Vale Police (X): statement.jpg is not a photo "
                                   "oncall recognises (JPEG, PNG, GIF, WebP, BMP, TIFF or "
                                   "HEIC); nothing was sent.")
    with pytest.raises(PublishError, match="a photo has no file"):
        await media.load_photos(site, [Image("")], limits)


async def test_photos_are_read_in_a_worker_thread_and_typed_by_their_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[str] = []
    real = asyncio.to_thread

    async def spy(func, /, *args, **kwargs):
        called.append(getattr(func, "__name__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(media.asyncio, "to_thread", spy)
    # Named .png but a JPEG inside: the bytes decide.
    path = write(tmp_path, "misnamed.png", jpeg())
    [photo] = await media.load_photos(make_site("x"), [Image(path, "Alt")], media.Limits())
    assert (photo.name, photo.mime, photo.alt, photo.data) == \
        ("misnamed.png", "image/jpeg", "Alt", jpeg())
    assert called == ["stat", "_read"]


async def test_a_photo_over_the_size_limit_is_refused_before_it_is_read(
        tmp_path: Path) -> None:
    path = write(tmp_path, "big.jpg", jpeg())
    os.truncate(path, 5 * media.MB + 1)
    limits = media.Limits(size=5 * media.MB, size_words="5 MB")
    with pytest.raises(PublishError) as caught:
        await media.load_photos(make_site("x"), [Image(path)], limits)
    assert caught.value.reason == ("Mercia Vale Police (X): the photo big.jpg is 5,242,881 "
                                   "bytes and X takes at most 5 MB a photo; make it smaller "
                                   "and send again (nothing was sent).")


def test_an_unknown_outcome_before_the_post_is_a_fault_worth_retrying() -> None:
    site = make_site("x")
    photo = media.Photo("a.png", png(), "image/png", "")
    unknown = PublishError(Failure.UNKNOWN, "may have gone out", status=504, raw="HTTP 504")
    error = media.before_the_post(site, unknown, photo)
    assert error.kind == Failure.SERVER
    assert (error.status, error.raw) == (504, "HTTP 504")
    assert "the post itself was not sent" in error.reason
    rejected = PublishError(Failure.REJECTED, "no")
    assert media.before_the_post(site, rejected, photo) is rejected


async def test_youtube_does_not_take_a_photo_post(network, tokens, tmp_path: Path) -> None:
    net = network(lambda r: reply(500))
    site = make_site("youtube")
    image = Image(write(tmp_path, "a.png", png()), "alt")
    with pytest.raises(PublishError) as caught:
        await YouTubeAdapter(site, net.client, tokens, clock=clock).publish(
            Rendition(site, "Appeal", "k", images=(image,)))
    assert caught.value.kind == Failure.NOT_APPLICABLE
    assert caught.value.reason == ("Mercia Vale Police (YouTube): YouTube takes videos only; "
                                   "a photo post does not apply there")
    assert net.requests == []


def test_each_networks_photo_limits_can_be_asked_for_before_sending() -> None:
    from oncall.platforms.registry import photo_limits

    assert [photo_limits(p).count for p in ("x", "mastodon", "bluesky")] == [4, 4, 4]
    assert photo_limits("bluesky").size == 1_000_000
    assert photo_limits("x").size == 5 * media.MB and photo_limits("x").alt == 1000
    assert photo_limits("facebook").count is None
    assert photo_limits("facebook").size == 10 * media.MB
    assert photo_limits("youtube") is None
    assert photo_limits("myspace") is None
