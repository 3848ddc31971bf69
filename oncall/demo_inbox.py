"""What the demo's sandbox holds in its sites' inboxes when `oncall demo` starts: an
evening as scenario 2 tells it (a fatal collision on the A49), with what else arrives
on a force's pages. Every name and place is invented."""

from __future__ import annotations

from datetime import datetime, timedelta

# (site id, minutes ago, author, display name, kind, text, a photo's description or "")
DEMO_MESSAGES: tuple[tuple[str, int, str, str, str, str, str], ...] = (
    ("corp-x", 26, "@stuckonA49", "Gaz", "mention",
     "@MerciaVale when does the A49 reopen?? Been sat here over an hour", ""),
    ("corp-fb", 19, "100044", "Lena Price", "mention",
     "I've got dashcam footage of the crash on the A49 at about 18:40, who do I send it "
     "to? Here's a still", "a still from a dashcam: a blue car on its side on a wet road"),
    ("corp-x", 16, "@valewatcher", "Vale Watcher", "mention",
     "RIP Darren Hale, he was driving the blue Corsa wasn't he", ""),
    ("corp-bsky", 12, "@joreed.valegazette.co.uk", "Jo Reed", "mention",
     "Jo Reed, Vale Gazette: can you confirm how many vehicles were involved? "
     "Deadline 20:30.", ""),
    ("corp-fb", 9, "100087", "Cash Daily", "mention",
     "Make £500 a day from home!!! [click here](https://bit.ly/x) <b>now</b>", ""),
    ("corp-x", 8, "@valemum", "Kerry", "dm",
     "My son drives that road home and he isn't answering his phone. Please, can anyone "
     "tell me anything?", ""),
    ("corp-x", 7, "@angryvale", "angry", "mention", "you lot are useless, do your jobs", ""),
    ("corp-fb", 6, "100112", "Siân Morgan", "mention",
     "Gwelais i'r car glas ger y bont tua chwech o'r gloch.", ""),
    ("corp-fb", 4, "100150", "Tom Ellis", "dm",
     "Found a wallet on the A49 verge near the crash, who do I hand it in to?", ""),
    ("corp-masto", 3, "@scared_in_brk", "M", "dm",
     "he's here now, he has a knife, 14 Mill Lane, please help", ""),
)


def demo_messages(now: datetime) -> list[tuple[str, dict[str, str]]]:
    """The messages as the sandbox takes them (POST /_sandbox/inbox), dated from `now`."""
    return [(site, {"text": text, "author": author, "author_name": name, "kind": kind,
                    "created_at": (now - timedelta(minutes=ago)).isoformat(), "image": image})
            for site, ago, author, name, kind, text, image in DEMO_MESSAGES]
