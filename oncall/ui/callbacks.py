"""Dialog callbacks: act on the answer, or do nothing when the dialog was cancelled."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def then(action: Callable[[T], object]) -> Callable[[T | None], None]:
    """A callback for push_screen that runs `action` with the dialog's answer, unless
    the officer cancelled (None, False or an empty answer)."""
    def callback(answer: T | None) -> None:
        if answer:
            action(answer)
    return callback
