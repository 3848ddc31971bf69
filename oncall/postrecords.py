"""Where posts and their deliveries are kept: one file of each per incident.

Kept apart from the posting engine so that what only reads them (the dashboard's
update cadence, views) does not load the HTTP stack.
"""

from __future__ import annotations

from oncall.model import Delivery, PostRecord
from oncall.store import Repository


class PostRepository(Repository[PostRecord]):
    kind = "posts"
    record = PostRecord

    def _partition(self, obj: PostRecord | None = None) -> str | None:
        return obj.incident if obj else None


class DeliveryRepository(Repository[Delivery]):
    kind = "deliveries"
    record = Delivery

    def _partition(self, obj: Delivery | None = None) -> str | None:
        return obj.incident if obj else None


__all__ = ["DeliveryRepository", "PostRepository"]
