"""Dialog callbacks: act on the answer, or do nothing when the dialog was cancelled."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from textual.dom import DOMNode

T = TypeVar("T")


def then(action: Callable[[T], object]) -> Callable[[T | None], None]:
    """A callback for push_screen that runs `action` with the dialog's answer, unless
    the officer cancelled (None, False or an empty answer)."""
    def callback(answer: T | None) -> None:
        if answer:
            action(answer)
    return callback


def after_queued(widgets: Sequence[DOMNode], action: Callable[[], object]) -> None:
    """Run `action` once each of `widgets` has handled what is already queued to it.

    A priority key (Enter that submits) is acted on the moment the app reads it, while
    the keys typed just before it in the same burst still wait in the field's queue: a
    callback queued behind them runs after them, so the action sees all the text. A key
    a widget does not handle itself (an arrow bound to an action) bubbles up through its
    parents to the app, where its binding runs: so the callback follows it up the same
    way, hop by hop, to the app."""
    hops = [node for widget in widgets for node in widget.ancestors_with_self]

    def step(index: int) -> None:
        if index == len(hops):
            action()
        else:
            hops[index].call_later(step, index + 1)

    step(0)
