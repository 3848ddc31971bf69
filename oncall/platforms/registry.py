"""Which adapter speaks for a site, and where its network's API lives.

A site's `api_base` overrides the real network's address; that is how the local
sandbox stands in (its bases look like http://127.0.0.1:PORT/x and serve the same
paths as the real API). Adapters are imported when first asked for, so importing
this module stays cheap and no adapter module imports another.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpx

from oncall.model import Platform, Site
from oncall.platforms.base import Adapter, Failure, PublishError, TokenSource, site_label
from oncall.platforms.media import Limits

# The real networks. Mastodon has no single address: each site lives on its own
# instance, found from the site's profile URL or its @user@instance handle.
DEFAULT_BASES: dict[str, str] = {
    Platform.FACEBOOK.value: "https://graph.facebook.com",
    Platform.X.value: "https://api.x.com",
    Platform.BLUESKY.value: "https://bsky.social",
    Platform.YOUTUBE.value: "https://www.googleapis.com",
}

_ADAPTERS: dict[str, tuple[str, str]] = {
    Platform.FACEBOOK.value: ("oncall.platforms.facebook", "FacebookAdapter"),
    Platform.X.value: ("oncall.platforms.x", "XAdapter"),
    Platform.MASTODON.value: ("oncall.platforms.mastodon", "MastodonAdapter"),
    Platform.BLUESKY.value: ("oncall.platforms.bluesky", "BlueskyAdapter"),
    Platform.YOUTUBE.value: ("oncall.platforms.youtube", "YouTubeAdapter"),
}


def mastodon_instance(site: Site) -> str:
    """'https://social.example' for a Mastodon site, from its URL or its handle; '' if
    neither says."""
    if site.url:
        parts = urlsplit(site.url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    user, _, instance = site.handle.lstrip("@").partition("@")
    if user and instance:
        return f"https://{instance}"
    return ""


def base_url(site: Site) -> str:
    """Where the site's API is, without a trailing slash: `api_base` if set, else the
    real network's address."""
    if site.api_base:
        return site.api_base.rstrip("/")
    if site.platform == Platform.MASTODON.value:
        instance = mastodon_instance(site)
        if not instance:
            raise ValueError(f"site {site.id}: a Mastodon site needs api_base, a url or an "
                             "@user@instance handle to find its server")
        return instance
    try:
        return DEFAULT_BASES[site.platform]
    except KeyError:
        raise ValueError(f"site {site.id}: unknown platform {site.platform!r}") from None


def api_base(site: Site) -> str:
    """`base_url` for an adapter at request time: a site whose server cannot be found
    fails that delivery, in words, instead of the whole fan-out."""
    try:
        return base_url(site)
    except ValueError as exc:
        raise PublishError(Failure.REJECTED, f"{site_label(site)}: {exc}; ask Web "
                           "Communications to fix the site registry.") from None


def adapter_for(site: Site, client: httpx.AsyncClient, tokens: TokenSource) -> Adapter:
    """The adapter for `site`'s network, sharing `client` and getting tokens from `tokens`."""
    try:
        module_name, class_name = _ADAPTERS[site.platform]
    except KeyError:
        raise ValueError(f"site {site.id}: no adapter for platform {site.platform!r}; "
                         f"known: {', '.join(_ADAPTERS)}") from None
    adapter_class = getattr(importlib.import_module(module_name), class_name)
    adapter: Adapter = adapter_class(site, client, tokens)
    return adapter


def prepare_adapters(platforms: Iterable[str]) -> None:
    """Import the adapters of `platforms` and compile the link patterns they count with,
    now (unknown platforms are left to adapter_for to name). A fan-out calls this before
    its first request: done in the middle, this CPU work (half a second, once per
    process) stalled the event loop and ran other sites' read timeouts down."""
    from oncall.textlength import warm

    for platform in set(platforms):
        entry = _ADAPTERS.get(platform)
        if entry is not None:
            importlib.import_module(entry[0])
    warm()


def photo_limits(platform: str) -> Limits | None:
    """What `platform` takes in photos (count, bytes, types, alt text length), for a
    check before sending; None where photos do not apply (YouTube) or the platform is
    unknown. The adapters enforce the same limits themselves."""
    entry = _ADAPTERS.get(platform)
    if entry is None:
        return None
    limits = getattr(importlib.import_module(entry[0]), "PHOTO_LIMITS", None)
    return limits if isinstance(limits, Limits) else None
