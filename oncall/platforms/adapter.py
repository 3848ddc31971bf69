"""What every HTTP adapter holds: its site, the shared client, the token source, a clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx

from oncall.model import Site
from oncall.platforms.base import TokenSource
from oncall.platforms.registry import api_base
from oncall.timeutil import utcnow


class HttpAdapter:
    """Base of the network adapters; `base` is looked up per request, so a badly configured
    site fails only its own delivery."""

    platform: str
    idempotent: bool

    def __init__(self, site: Site, client: httpx.AsyncClient, tokens: TokenSource, *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.site = site
        self.client = client
        self.tokens = tokens
        self.clock = clock

    @property
    def base(self) -> str:
        return api_base(self.site)
