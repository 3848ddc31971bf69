"""Photos for a post, read from disk and checked against one network's limits.

Every check runs before the first request, so a photo that is missing, too big, of
a kind the network refuses, or one too many stops the delivery with nothing sent
and a reason that names the site and the file (never its full path, never the
text of an exception). Files are read in a worker thread: a large photo on a slow
disk must not stall the other sites' deliveries sharing the event loop.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from oncall import imagetype
from oncall.model import Site
from oncall.platforms.base import Failure, Image, PublishError, network_name, site_label

# Nothing larger than this is read into memory, whatever the network would take.
MAX_READ = 64 * 1024 * 1024
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one network takes. None means it sets no limit of that kind (or the limit
    depends on the server, which then says so itself)."""

    count: int | None = None               # photos in one post
    size: int | None = None                # bytes per photo
    size_words: str = ""                   # the size limit as people say it: "5 MB"
    types: frozenset[str] | None = None    # accepted MIME types; None: any picture
    alt: int | None = None                 # characters of alt text per photo


@dataclass(frozen=True)
class Photo:
    """One photo ready to send: its bytes, their MIME type and its alt text. `name` is
    the file's name without its folder, for reasons and upload filenames."""

    name: str
    data: bytes
    mime: str
    alt: str

    @property
    def size(self) -> int:
        return len(self.data)


def file_name(path: str) -> str:
    """The last part of `path`, as a reason may show it."""
    return PurePath(path).name or path


def _read(path: str, most: int) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(most)


async def load_photos(site: Site, images: Sequence[Image], limits: Limits) -> list[Photo]:
    """The rendition's photos read and checked, in order; a REJECTED PublishError for
    the first that cannot go (or for one photo too many, before any is read)."""
    if limits.count is not None and len(images) > limits.count:
        raise PublishError(Failure.REJECTED, f"{site_label(site)}: {network_name(site)} "
                           f"takes at most {limits.count} photo"
                           f"{'' if limits.count == 1 else 's'} in a post and this one "
                           f"has {len(images)}; nothing was sent.")
    return [await _load(site, image, limits) for image in images]


async def _load(site: Site, image: Image, limits: Limits) -> Photo:
    label, network = site_label(site), network_name(site)
    name = file_name(image.path)

    def cannot_read(exc: OSError) -> PublishError:
        why = exc.strerror or type(exc).__name__
        return PublishError(Failure.REJECTED, f"{label}: cannot read the photo {name} "
                            f"({why}); nothing was sent.")

    if not image.path:
        raise PublishError(Failure.REJECTED, f"{label}: a photo has no file; nothing was "
                           "sent.")
    try:
        size = (await asyncio.to_thread(os.stat, image.path)).st_size
    except OSError as exc:
        raise cannot_read(exc) from None
    most = limits.size if limits.size is not None else MAX_READ
    too_big = PublishError(
        Failure.REJECTED, f"{label}: the photo {name} is {size:,} bytes and {network} "
        f"takes at most {limits.size_words or f'{most:,} bytes'} a photo; make it smaller "
        "and send again (nothing was sent).")
    if size > most:
        raise too_big
    try:
        data = await asyncio.to_thread(_read, image.path, most + 1)
    except OSError as exc:
        raise cannot_read(exc) from None
    if len(data) > most:  # it grew between the look and the read
        raise too_big
    if not data:
        raise PublishError(Failure.REJECTED, f"{label}: the photo {name} is an empty file; "
                           "nothing was sent.")
    mime = imagetype.sniff(data)
    if not mime:
        raise PublishError(Failure.REJECTED, f"{label}: {name} is not a photo oncall "
                           "recognises (JPEG, PNG, GIF, WebP, BMP, TIFF or HEIC); nothing "
                           "was sent.")
    if limits.types is not None and mime not in limits.types:
        names = sorted(imagetype.name_of(t) for t in limits.types)
        accepted = f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]
        raise PublishError(Failure.REJECTED, f"{label}: {network} takes {accepted} photos "
                           f"and {name} is {imagetype.name_of(mime)}; save it as "
                           f"{accepted} and send again (nothing was sent).")
    if limits.alt is not None and len(image.alt) > limits.alt:
        raise PublishError(Failure.REJECTED, f"{label}: the description (alt text) of "
                           f"{name} is {len(image.alt):,} characters and {network} takes "
                           f"at most {limits.alt:,}; nothing was sent.")
    return Photo(name, data, mime, image.alt)


def before_the_post(site: Site, error: PublishError, photo: Photo) -> PublishError:
    """An error from uploading `photo`, a step before the post itself was asked for.

    Whatever became of the upload, no post exists yet: an outcome `send` calls unknown
    ("the post may have gone out") is here a plain fault worth another try."""
    if error.kind != Failure.UNKNOWN:
        return error
    return PublishError(Failure.SERVER, f"{site_label(site)}: no clear answer while "
                        f"uploading the photo {photo.name}; the post itself was not sent, "
                        "so it is safe to try again.", status=error.status, raw=error.raw)
