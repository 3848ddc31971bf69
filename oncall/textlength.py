"""How long a post is, in each platform's own units.

Every platform counts differently, and a counter that disagrees with the
platform is worse than none: it lets an officer publish a post that is then
rejected or cut off mid-sentence.

- X: the twitter-text v3 weighted count (most Latin text weighs 1, CJK and
  emoji weigh 2, every URL weighs 23), the published reference for X's limit.
- Mastodon: characters, with every http(s) URL counted as 23 and a remote
  mention ``@user@domain`` counted as ``@user``; the content warning counts too.
- Bluesky: grapheme clusters (what a reader sees as one character), plus a
  separate cap on UTF-8 bytes.
- Facebook, YouTube: plain characters (code points).

Pure functions only: no UI imports, so the core can be tested headless.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

# The stdlib `re` has no \X (grapheme clusters) and no emoji properties.
import regex

PLATFORMS: tuple[str, ...] = ("x", "mastodon", "bluesky", "facebook", "youtube")

# twitter-text config v3 (config/v3.json in twitter/twitter-text).
X_LIMIT = 280
X_URL_LENGTH = 23
_X_SCALE = 100
_X_DEFAULT_WEIGHT = 200
_X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))  # weight 100

MASTODON_LIMIT = 500  # the stock server's limit; many instances raise it
MASTODON_URL_LENGTH = 23
BLUESKY_LIMIT = 300
BLUESKY_BYTE_LIMIT = 3000
FACEBOOK_LIMIT = 63206
YOUTUBE_TITLE_LIMIT = 100
YOUTUBE_DESCRIPTION_LIMIT = 5000
YOUTUBE_COMMENT_LIMIT = 10000

_LIMITS: dict[tuple[str, str], int] = {
    ("x", "text"): X_LIMIT,
    ("mastodon", "text"): MASTODON_LIMIT,
    ("bluesky", "text"): BLUESKY_LIMIT,
    ("facebook", "text"): FACEBOOK_LIMIT,
    ("youtube", "title"): YOUTUBE_TITLE_LIMIT,
    ("youtube", "description"): YOUTUBE_DESCRIPTION_LIMIT,
    ("youtube", "comment"): YOUTUBE_COMMENT_LIMIT,
}
_UNITS = {
    "x": "weighted characters",
    "mastodon": "characters",
    "bluesky": "graphemes",
    "facebook": "characters",
    "youtube": "characters",
}

# A URL written without "https://" is only a link when its TLD is real; otherwise
# "report.pdf" or "ends.Then" would each cost 23 on X. Which TLDs are real depends on who
# is asked: X and Mastodon count with twitter-text's list, Bluesky's link facets and the
# procedure's link checks with the root zone's. scripts/refresh_tlds.py refreshes both.
TWITTER_TEXT = "twitter-text"
ROOT_ZONE = "root-zone"


@cache
def tld_list(name: str) -> tuple[str, ...]:
    """The TLDs of one list (TWITTER_TEXT or ROOT_ZONE), read from oncall/tlds/."""
    text = (Path(__file__).parent / "tlds" / f"{name}.txt").read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line and not line.startswith("#"))

# --- URL finding (after twitter-text's extractUrlsWithIndices) -------------

# A domain character is anything but ASCII punctuation, whitespace, controls and
# the Unicode non-characters, so internationalised domains are found too.
_C = r"[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\ufffe\ufeff\uffff]"
# Labels are capped at 63 characters and hosts at 127 labels, DNS's own limits
# (punycode never shortens a label), so no real host is lost; unbounded, a long
# run of CJK text made each match attempt scan to its end, quadratic in length.
_SUBDOMAIN = rf"(?:(?:{_C}(?:[_-]|{_C}){{0,61}})?{_C}\.)"
_DOMAIN_NAME = rf"(?:(?:{_C}(?:-|{_C}){{0,61}})?{_C}\.)"
# The TLD must end the label, so the "com" of "report.compiled" is no TLD.
_TLD = r"(?:\L<tlds>|xn--[0-9a-z-]+)(?=[^0-9a-z@+-]|$)"
_LATIN = r"\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263"
_LATIN += r"\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
_PATH_CHAR = rf"[a-z0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{_LATIN}\u0400-\u04ff]"
# A path may not end in . , : ; ! ? ' or ")", so a URL closing a sentence or a
# bracketed aside keeps its punctuation outside; balanced parentheses are kept.
_PARENS = rf"\((?:{_PATH_CHAR}+|{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*)\)"
_PATH_END = rf"(?:[a-z0-9=_#/+\-{_LATIN}\u0400-\u04ff]|{_PARENS})"
_PATH = rf"(?:{_PATH_CHAR}*(?:{_PARENS}{_PATH_CHAR}*)*{_PATH_END}|@{_PATH_CHAR}+/)"
def warm() -> None:
    """Compile the URL patterns of both TLD lists now (half a second of CPU, once per
    process; see oncall.platforms.registry.prepare_adapters)."""
    for name in (TWITTER_TEXT, ROOT_ZONE):
        _patterns(name)


@dataclass(frozen=True)
class _Patterns:
    url: regex.Pattern[str]
    ascii_domain: regex.Pattern[str]
    has_tld: regex.Pattern[str]


@cache
def _patterns(tlds: str) -> _Patterns:
    """The URL patterns for one TLD list, compiled on first use: compiling them takes
    about a tenth of a second, which `oncall` should not spend before its first screen."""
    names = list(tld_list(tlds))
    url = regex.compile(
        # A URL is not glued to a word, an @handle or a #tag. Without a scheme it
        # also may not follow "-_./" ("a_b.com", "x/y.com" are parts of something
        # else), and is only tried where a run of domain characters begins: both
        # give twitter-text's results, and trying every position inside a long run
        # of CJK or dotted text was quadratic.
        r"(?P<url>(?:(?<![a-z0-9@＠$#＃\ufffe\ufeff\uffff])(?P<proto>https?://)"
        rf"|(?<![-_./@＠$#＃\ufffe\ufeff\uffff])(?<!{_C}))"
        rf"(?P<domain>{_SUBDOMAIN}{{0,126}}{_DOMAIN_NAME}{_TLD})"
        r"(?::[0-9]+)?"
        rf"(?P<path>/{_PATH}*)?"
        r"(?:\?[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-z0-9\-_&=#/])?)",
        regex.IGNORECASE,
        tlds=names,
    )
    ascii_domain = regex.compile(rf"(?:[a-z0-9{_LATIN}-]+\.)+{_TLD}", regex.IGNORECASE,
                                 tlds=names)
    has_tld = regex.compile(rf"\.{_TLD}", regex.IGNORECASE, tlds=names)
    return _Patterns(url, ascii_domain, has_tld)


_TCO_RE = regex.compile(r"https?://t\.co/([a-z0-9]+)", regex.IGNORECASE)
_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG = 40


def _host_is_valid(domain: str, url_length: int, proto: str) -> bool:
    """True if every label fits DNS's 63 octets once punycoded, as X checks."""
    ascii_length = 0
    for label in domain.split("."):
        if label.isascii():
            encoded = len(label)
        else:
            try:
                encoded = len("xn--") + len(label.encode("punycode"))
            except UnicodeError:
                return False
        if not 0 < encoded <= 63:
            return False
        ascii_length += encoded + 1
    ascii_length -= 1
    total = len(proto or "https://") + url_length - len(domain) + ascii_length
    return total <= _MAX_URL_LENGTH


def _is_short_domain(domain: str) -> bool:
    """True for a bare name under a country TLD, with no subdomain.

    X links these only when a path follows, except under .co and .tv: "t.co" is
    a link, "police.uk" on its own is not, "police.uk/news" is.
    """
    labels = domain.split(".")
    tld = labels[-1].lower()
    return len(labels) == 2 and len(tld) == 2 and tld.isascii() and tld not in ("co", "tv")


def find_urls(text: str, tlds: str = TWITTER_TEXT) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the URLs in *text*, in order.

    Follows twitter-text: http(s) URLs, and bare domains whose TLD is real
    ("test.com", "t.co", "foo.co.jp"). Other schemes such as ``ftp://`` are not
    URLs; trailing sentence punctuation and unbalanced brackets are left out.
    The text is taken as given (the X count NFC-normalises before calling this).
    `tlds` names the list a bare domain's TLD must be on (TWITTER_TEXT or ROOT_ZONE).
    """
    spans: list[tuple[int, int]] = []
    patterns = _patterns(tlds)
    if not patterns.has_tld.search(text):  # the common case, and cheap
        return spans
    for m in patterns.url.finditer(text):
        start, end = m.span("url")
        proto, domain = m.group("proto"), m.group("domain")
        if not _host_is_valid(domain, end - start, proto):
            continue
        if proto:
            tco = _TCO_RE.match(text, start, end)
            if tco:
                # X does not let a t.co link carry extra path characters.
                if len(tco.group(1)) > _MAX_TCO_SLUG:
                    continue
                end = tco.end()
            spans.append((start, end))
            continue
        # Only the ASCII part of a bare domain links: in "詳細はexample.com"
        # the CJK characters are prose, not host.
        base = m.start("domain")
        found: list[tuple[int, int]] = []
        for a in patterns.ascii_domain.finditer(domain):
            if m.group("path") or not _is_short_domain(a.group()):
                found.append((base + a.start(), base + a.end()))
        if found and m.group("path"):
            found[-1] = (found[-1][0], m.end("path"))
        spans.extend(found)
    return spans


# --- per-platform counts ----------------------------------------------------

_CLUSTER_RE = regex.compile(r"\X")
_EMOJI_RE = regex.compile(
    r"\p{Extended_Pictographic}|\p{Regional_Indicator}{2}|[0-9#*]\ufe0f?\u20e3"
)


def _is_emoji(cluster: str) -> bool:
    # Bare © and ® are pictographic in Unicode but twitter-text's emoji list
    # only has them with the emoji variation selector; plain they weigh 1.
    if cluster[0] in "©®" and "\ufe0f" not in cluster:
        return False
    return _EMOJI_RE.search(cluster) is not None


def _x_weight(char: str) -> int:
    code = ord(char)
    for low, high in _X_LIGHT_RANGES:
        if low <= code <= high:
            return _X_SCALE
    return _X_DEFAULT_WEIGHT


def _x_length(text: str) -> int:
    # X counts the NFC form, so "e" + combining acute is one character.
    text = unicodedata.normalize("NFC", text)
    urls = find_urls(text)
    total = 0
    i = 0
    next_url = 0
    while i < len(text):
        if next_url < len(urls) and urls[next_url][0] == i:
            total += X_URL_LENGTH * _X_SCALE
            i = urls[next_url][1]
            next_url += 1
            continue
        stop = urls[next_url][0] if next_url < len(urls) else len(text)
        cluster = _CLUSTER_RE.match(text, i, stop)
        if cluster and _is_emoji(cluster.group()):
            # A whole emoji sequence (ZWJ family, flag, skin tone) weighs 2.
            total += _X_DEFAULT_WEIGHT
            i = cluster.end()
        else:
            total += _x_weight(text[i])
            i += 1
    return total // _X_SCALE


_MENTION_RE = regex.compile(
    r"(?<![=/\w])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)@([\w.-]+\w)", regex.IGNORECASE
)
# What may not follow a mention (twitter-text's end_mention_match, which Mastodon's
# extractor keeps): another at sign, a Latin accented letter, or "://".
_END_MENTION_RE = regex.compile(
    r"[@＠]|[À-ÖØ-öø-ÿĀ-ɏɓ-ɔɖ-ɗəɛɣɨɯɲʉʋʻ\u0300-\u036fḀ-ỿ]|://")
# The longest host name there is (RFC 1035): a longer "domain" is no host, so the
# server does not treat the text as a mention and counts it in full.
_MAX_DOMAIN_LENGTH = 253


def _count_mentions_short(text: str) -> str:
    """`text` with each remote mention cut to its local part, as the server counts it."""
    def local_part(match: regex.Match[str]) -> str:
        after = text[match.end():]
        if _END_MENTION_RE.match(after) or len(match.group(2)) > _MAX_DOMAIN_LENGTH:
            return match.group(0)
        return f"@{match.group(1)}"

    return _MENTION_RE.sub(local_part, text)


def _mastodon_length(text: str, spoiler: str) -> int:
    # Mastodon's server (StatusLengthValidator) counts grapheme clusters, so a ZWJ
    # family emoji is one; counting code points would refuse posts the server takes.
    parts: list[str] = []
    pos = 0
    for start, end in find_urls(text):
        if text[start:end].lower().startswith(("http://", "https://")):
            parts.append(text[pos:start])
            parts.append("x" * MASTODON_URL_LENGTH)
            pos = end
    parts.append(text[pos:])
    # A remote mention only costs its local part: the instance is not counted.
    countable = _count_mentions_short("".join(parts))
    return graphemes(countable) + graphemes(spoiler)


def graphemes(text: str) -> int:
    """Number of user-perceived characters (extended grapheme clusters)."""
    return len(_CLUSTER_RE.findall(text))


def bluesky_bytes(text: str) -> int:
    """UTF-8 size of *text*; Bluesky also refuses posts over 3000 bytes."""
    return len(text.encode("utf-8"))


def _resolve(platform: str, field: str) -> tuple[str, str]:
    name = platform.strip().lower()
    if name not in _UNITS:
        raise ValueError(f"unknown platform {platform!r}; expected one of {PLATFORMS}")
    # The main body of a YouTube upload is its description.
    if name == "youtube" and field == "text":
        field = "description"
    if (name, field) not in _LIMITS:
        fields = sorted(f for p, f in _LIMITS if p == name)
        raise ValueError(f"{name} has no field {field!r}; expected one of {fields}")
    return name, field


def limit(platform: str, *, field: str = "text", instance_limit: int | None = None) -> int:
    """The most *platform* allows in *field*, in the units `length` returns.

    *instance_limit* overrides Mastodon's 500 for servers that allow more; it
    is an error for any other platform. YouTube's fields are "title" and
    "description" ("text" means the description); the others have only "text".
    """
    name, field = _resolve(platform, field)
    if instance_limit is not None:
        if name != "mastodon":
            raise ValueError("instance_limit only applies to mastodon")
        if instance_limit < 1:
            raise ValueError(f"instance_limit must be positive, not {instance_limit}")
        return instance_limit
    return _LIMITS[(name, field)]


def length(text: str, platform: str, *, field: str = "text", spoiler: str = "") -> int:
    """How long *text* is on *platform*, in the units `limit` uses.

    *spoiler* is Mastodon's content warning, which counts against the same
    limit as the text; it is an error to pass one for another platform.
    """
    name, field = _resolve(platform, field)
    if spoiler and name != "mastodon":
        raise ValueError("only mastodon has a content warning (spoiler)")
    if name in ("x", "mastodon", "bluesky"):
        return _counted(text, name, spoiler)
    return len(text)


# A cross-post measures one text for many sites of a network (six X accounts, several
# Bluesky ones): count it once. Python strings cache their hash, so a long text as a key
# costs one pass, and only a handful are kept.
@lru_cache(maxsize=32)
def _counted(text: str, name: str, spoiler: str) -> int:
    if name == "x":
        return _x_length(text)
    if name == "mastodon":
        return _mastodon_length(text, spoiler)
    return graphemes(text)


@dataclass(frozen=True)
class Measure:
    """A post's length against its limit, ready for a counter in the UI.

    *over* is how far past the limit it is (0 when it fits); *bytes_over* is the
    same for Bluesky's byte cap and 0 everywhere else.
    """

    length: int
    limit: int
    over: int
    unit: str
    bytes_over: int = 0

    @property
    def remaining(self) -> int:
        """How many more units fit; negative when over."""
        return self.limit - self.length

    @property
    def ok(self) -> bool:
        """True if the platform would accept this length."""
        return self.over == 0 and self.bytes_over == 0


def measure(
    text: str,
    platform: str,
    *,
    field: str = "text",
    spoiler: str = "",
    instance_limit: int | None = None,
) -> Measure:
    """Measure *text* for *platform*: see `length` and `limit` for the options."""
    used = length(text, platform, field=field, spoiler=spoiler)
    cap = limit(platform, field=field, instance_limit=instance_limit)
    name, _ = _resolve(platform, field)
    bytes_over = 0
    if name == "bluesky":
        bytes_over = max(0, bluesky_bytes(text) - BLUESKY_BYTE_LIMIT)
    return Measure(used, cap, max(0, used - cap), _UNITS[name], bytes_over)
