"""One site's line in the compose list: tick, name, network, count/limit, status.

Every state is a symbol and a word, never colour alone; everything from outside
(the site's name, a network's error, a link) is shown literally.
"""

from __future__ import annotations

from rich.text import Text

from oncall.model import Delivery, DeliveryState, Site
from oncall.textlength import measure
from oncall.textsafe import printable

S = DeliveryState
STATUS = {S.QUEUED: "… queued", S.SENDING: "… sending", S.WAITING: "⏸ waiting",
          S.HELD: "⏸ HELD",
          S.SENT: "✓ sent", S.FAILED: "✗ FAILED", S.UNKNOWN: "? UNKNOWN",
          S.NOT_APPLICABLE: "– n/a", S.CANCELLED: "– cancelled",
          S.RETRACTING: "… retracting", S.RETRACTED: "⌫ retracted",
          S.RETRACT_FAILED: "✗ RETRACT FAILED"}


def status_word(delivery: Delivery) -> str:
    """The delivery's state as shown: symbol and word; UNRECORDED if it could not be saved."""
    if delivery.unrecorded:
        return "! UNRECORDED"
    return STATUS[S(delivery.state)]


NAME_WIDTH = 24


def name_width(screen_width: int) -> int:
    """How much of a site's name fits: below 80 columns the name gives way, so that the
    count and the status (the things an officer acts on) stay whole."""
    return max(NAME_WIDTH - max(80 - screen_width, 0), 12)


def site_line(site: Site, text: str, *, ticked: bool, has_video: bool,
              delivery: Delivery | None, width: int = NAME_WIDTH) -> Text:
    """The line for `site`, given the text it would get and its delivery, if any;
    `width` is how much of the site's name is shown."""
    line = Text(no_wrap=True, overflow="ellipsis")
    # The list's own tick box differs only by colour: say it with a symbol too.
    line.append("☑ " if ticked else "☐ ", style="bold" if ticked else "")
    name = printable(site.name, single_line=True)
    if len(name) > width:
        name = name[:width - 1] + "…"
    line.append(f"{name:<{width}} ")
    line.append(f"{site.platform_label:<9}")
    if site.platform == "youtube":
        line.append("  with video " if has_video else "  video only ")
    else:
        m = measure(text, site.platform)
        line.append(f"{m.length:>5}/{m.limit:<5}")
        line.append("      " if m.ok else " OVER ", style="" if m.ok else "bold")
    if delivery is not None:
        line.append(status_word(delivery), style="bold")
        if delivery.state == S.SENT and delivery.url:
            line.append(f" {printable(delivery.url, single_line=True)}")
        elif delivery.reason:
            line.append(f" {printable(delivery.reason, single_line=True)}")
    return line
