"""Tests for oncall.textlength: post lengths in each platform's own units."""

from __future__ import annotations

import dataclasses
import time

import pytest

from oncall.textlength import (
    BLUESKY_BYTE_LIMIT,
    PLATFORMS,
    Measure,
    bluesky_bytes,
    find_urls,
    graphemes,
    length,
    limit,
    measure,
)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # man, woman, girl, boy
FLAG_GB = "\U0001f1ec\U0001f1e7"
KEYCAP_1 = "1\ufe0f\u20e3"
E_ACUTE_DECOMPOSED = "e\u0301"
ENGLAND_FLAG = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
MEDIUM_SKIN = "\U0001f3fd"
MEDIUM_DARK_SKIN = "\U0001f3fe"


# --- X: twitter-text conformance -------------------------------------------
#
# Expected weightedLength values are those published by twitter/twitter-text in
# conformance/tests/validate.yml, section WeightedTweetsWithDiscountedEmojiCounterTest
# (the config v3 counter with emoji parsing on). The inputs are rebuilt here: long
# ones in code, and invisible characters (ZWJ, tag characters, the decomposed "Á")
# written as escapes so an editor cannot silently drop them.

DASHES = "xxxxxxxxxx-"
POEM = (
    "故人西辞黄鹤楼，烟花三月下扬州。孤帆远影碧空尽，唯见长江天际流。"
    "朱雀桥边野草花，乌衣巷口夕阳斜。旧时王谢堂前燕，飞入寻常百姓家。"
    "朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。"
    "泪湿罗巾梦不成，夜深前殿按歌声。红颜未老恩先断，斜倚薰笼坐到明。"
    "独在异乡为异客，每逢佳节倍思亲。遥知兄弟登高处，遍插茱萸少一人。"
)
KANA = "あいうえおかきくけこ"
PUNCTUATION = (
    "This is a tweet with general punctuation characters: "
    + "".join(chr(c) for c in range(0x2000, 0x200C))  # U+2000..U+200B, no ZWNJ/ZWJ
    + " \u2010 \u2011 \u2012 \u2013 \u2014 \u2015 \u2016  \u2017 \u2018 \u2019 \u201a"
    " \u201b \u201c \u201d \u201e \u201f \u2032 \u2033 \u2034 \u2035 \u2036 \u2037"
)
# The published text has three https URLs whose 16 * 747 characters of
# "somesuperlongurl" (total worked out from its displayRangeEnd, 12075) make
# labels far over DNS's 63, so they are plain text; 747 = 3 * 249.
LONG_LABEL_URL = "https://" + "somesuperlongurl" * 249 + ".com/foo"
LONG_LABEL_TEXT = (
    "Long url with invalid domain labels and a short url: "
    + " ".join([LONG_LABEL_URL] * 3)
    + " https://validurl.com"
)

DISCOUNTED_EMOJI_CASES = [
    pytest.param("Hi http://test.co", 26, id="regular tweet with url"),
    pytest.param("http://test.co", 23, id="just url"),
    pytest.param("285 chars-" + DASHES * 25, 285, id="long tweet, overflow at 280"),
    pytest.param(
        "285 chars- http://www.twitter.com/jack " + DASHES * 24,
        299,
        id="long tweet with url in the middle",
    ),
    pytest.param(
        DASHES * 24 + " http://www.twitter.com/jack ", 289, id="long tweet with url at the end"
    ),
    pytest.param("https://www.twitter.com/aloha " * 10, 240, id="10 url string"),
    pytest.param(POEM, 320, id="160 CJK chars"),
    pytest.param("\U0001f637" * 160, 320, id="160 emoji"),
    pytest.param("the" + POEM, 323, id="3 latin + 160 CJK chars"),
    pytest.param(
        "282 chars-" + DASHES * 24 + "xxxxxA\u0301x",
        281,
        id="normalised character outside 280",
    ),
    pytest.param("H\U0001f431\u263a" + FAMILY, 7, id="single and double word mix"),
    pytest.param("\U0001f637\U0001f47e\U0001f621\U0001f525\U0001f4a9", 10, id="BMP emoji"),
    pytest.param(
        "\U0001f64b" + MEDIUM_SKIN + "\U0001f468\u200d\U0001f3a4", 4, id="skin tone and ZWJ"
    ),
    pytest.param(PUNCTUATION, 110, id="general punctuation, no ZWJ/ZWNJ"),
    pytest.param(LONG_LABEL_TEXT, 12079, id="long url with invalid domain labels"),
    pytest.param("randomurl" * 7 + "s.com", 68, id="64 character domain without protocol"),
    pytest.param(
        KANA * 12 + " http://" + KANA * 5 + "あいう.com", 358, id="punycode host over 63"
    ),
    pytest.param(KANA * 12 + " http://" + KANA * 5 + "あい.com", 264, id="punycode host under 63"),
    pytest.param(FAMILY * 140, 280, id="140 family emoji"),
    pytest.param(
        "Unicode 10.0 emoji: \U0001f92a; \U0001f9d5; \U0001f9d5"
        + MEDIUM_DARK_SKIN
        + "; "
        + ENGLAND_FLAG,
        34,
        id="Unicode 10.0 emoji",
    ),
    pytest.param(
        "Unicode 9.0 emoji: \U0001f920; \U0001f483; \U0001f483" + MEDIUM_DARK_SKIN,
        29,
        id="Unicode 9.0 emoji",
    ),
]


@pytest.mark.parametrize(("text", "expected"), DISCOUNTED_EMOJI_CASES)
def test_x_matches_twitter_text_discounted_emoji_conformance(text: str, expected: int) -> None:
    assert length(text, "x") == expected


# Same file, section UnicodeDirectionalMarkerCounterTest: bidi controls and
# non-characters weigh 2, and do not stop a URL after them being a URL.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ABC\u202a\uffffABC\ufffe", 12),
        ("\u2066\u202ahttp://foobar.\u067e\u0627\u06a9\u0633\u062a\u0627\u0646/\u202c\u2069", 31),
    ],
    ids=["invalid characters", "directional characters around a url"],
)
def test_x_matches_twitter_text_directional_marker_conformance(text: str, expected: int) -> None:
    assert length(text, "x") == expected


def test_conformance_inputs_are_the_published_sizes() -> None:
    # Guards the rebuilt inputs: the published cases say 160 CJK characters, a
    # 64-character label, and displayRangeEnd 109 for the punctuation text.
    assert len(POEM) == 160
    assert len("randomurl" * 7 + "s") == 64
    assert len(PUNCTUATION) == 110
    assert len(LONG_LABEL_TEXT) == 12076


# The "lengths" section of conformance/validate.yml in twitter/twitter-text. Its
# other three cases predate weighting (they count code points, a CJK character
# as 1), so they do not apply to the v3 count and are left out.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("This is a test.", 15),
        ("http://test.com", 23),
        ("https://test.com", 23),
        ("test.com", 23),
        ("Test https://test.com test https://test.com test.com test", 86),
    ],
)
def test_x_matches_twitter_text_lengths(text: str, expected: int) -> None:
    assert length(text, "x") == expected


def test_x_limit_is_280_weighted() -> None:
    assert limit("x") == 280
    result = measure("a" * 281, "x")
    assert result == Measure(length=281, limit=280, over=1, unit="weighted characters")
    assert not result.ok
    assert result.remaining == -1


def test_x_normalises_before_counting() -> None:
    assert length("Caf" + E_ACUTE_DECOMPOSED, "x") == 4


def test_x_weighs_cjk_double_and_latin_single() -> None:
    assert length("abc", "x") == 3
    assert length("警察", "x") == 4


def test_x_emoji_sequences_count_two_whatever_their_code_points() -> None:
    assert length(FAMILY, "x") == 2
    assert length(FLAG_GB, "x") == 2
    assert length(KEYCAP_1, "x") == 2
    assert length(ENGLAND_FLAG, "x") == 2


def test_x_plain_copyright_sign_is_not_an_emoji() -> None:
    # twitter-text only treats © as an emoji with the emoji variation selector.
    assert length("© Police", "x") == 8
    assert length("\u00a9\ufe0f", "x") == 2


def test_x_counts_every_url_as_23_however_long() -> None:
    url = "https://www.police.uk/pu/your-area/thames-valley-police/" + "a" * 200
    assert length(url, "x") == 23
    assert length(f"Appeal: {url} thanks", "x") == len("Appeal: ") + 23 + len(" thanks")


def test_x_ftp_is_not_a_url() -> None:
    # "ftp://" is not a scheme X shortens, but "www.example.com" inside it is a
    # bare domain preceded by "/", which twitter-text does not link either.
    text = "ftp://www.example.com/"
    assert find_urls(text) == []
    assert length(text, "x") == len(text)


def test_x_long_unbroken_text_is_counted_quickly() -> None:
    # Regression: URL matching was quadratic in a long run of CJK or dotted
    # text (20,000 CJK characters took 95 s); it must stay roughly linear.
    started = time.perf_counter()
    assert length("あ" * 10_000 + " x.com", "x") == 20_000 + 1 + 23
    assert length("ab." * 5_000 + " x.com", "mastodon") == 15_000 + 6
    assert time.perf_counter() - started < 2


# --- find_urls -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("see https://example.com/appeal.", ["https://example.com/appeal"]),
        ("(details at https://example.com/a)", ["https://example.com/a"]),
        ("https://en.wikipedia.org/wiki/Primer_(film)", ["https://en.wikipedia.org/wiki/Primer_(film)"]),
        ("visit test.com, then t.co and foo.co.jp!", ["test.com", "t.co", "foo.co.jp"]),
        ("www.police.uk and police.uk/news", ["www.police.uk", "police.uk/news"]),
        ("HTTPS://WWW.EXAMPLE.COM/Index", ["HTTPS://WWW.EXAMPLE.COM/Index"]),
        ("http://example.com?foo=bar&x=1.", ["http://example.com?foo=bar&x=1"]),
    ],
)
def test_find_urls_spans(text: str, found: list[str]) -> None:
    assert [text[start:end] for start, end in find_urls(text)] == found


@pytest.mark.parametrize(
    "text",
    [
        "report.pdf attached",  # "pdf" is not a TLD
        "ends here.Then it starts",  # nor is "Then"
        "police.uk",  # a country TLD bare name links only with a path
        "email press@example.com",  # the domain of an address is not a link
        "example.community123",  # a TLD has to end the label
        "a_b.com",  # glued to a word by "_"
        "ftp://example.com",
    ],
)
def test_find_urls_rejects(text: str) -> None:
    spans = find_urls(text)
    assert [text[start:end] for start, end in spans] == []


def test_find_urls_returns_character_offsets_not_bytes() -> None:
    text = FAMILY + " https://example.com"
    assert find_urls(text) == [(len(FAMILY) + 1, len(text))]


def test_find_urls_takes_only_the_ascii_part_of_a_bare_domain() -> None:
    text = "詳細はexample.comへ"
    assert [text[s:e] for s, e in find_urls(text)] == ["example.com"]


# --- Bluesky ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [FAMILY, FLAG_GB, E_ACUTE_DECOMPOSED, KEYCAP_1, ENGLAND_FLAG, "\U0001f64b" + MEDIUM_SKIN],
    ids=["zwj family", "flag", "e + combining acute", "keycap", "tag flag", "skin tone"],
)
def test_bluesky_counts_a_cluster_as_one(text: str) -> None:
    assert length(text, "bluesky") == 1
    assert graphemes(text) == 1


def test_bluesky_counts_urls_in_full() -> None:
    text = "https://example.com/a-long-path"
    assert length(text, "bluesky") == len(text)


def test_bluesky_limits() -> None:
    assert limit("bluesky") == 300
    assert BLUESKY_BYTE_LIMIT == 3000
    assert measure("a" * 301, "bluesky").over == 1
    assert measure("a" * 300, "bluesky").ok


def test_bluesky_bytes_are_utf8() -> None:
    assert bluesky_bytes("abc") == 3
    assert bluesky_bytes(E_ACUTE_DECOMPOSED) == 3
    assert bluesky_bytes("£") == 2
    assert bluesky_bytes(FAMILY) == 25


def test_bluesky_byte_cap_can_bite_under_the_grapheme_cap() -> None:
    text = FAMILY * 150  # 150 graphemes, 3750 bytes
    result = measure(text, "bluesky")
    assert result.length == 150
    assert result.over == 0
    assert result.bytes_over == 750
    assert not result.ok


# --- Mastodon --------------------------------------------------------------


def test_mastodon_counts_http_urls_as_23() -> None:
    assert length("http://t.co", "mastodon") == 23
    long_url = "https://example.com/" + "a" * 100
    assert length(f"Read {long_url} now", "mastodon") == 5 + 23 + 4


def test_mastodon_does_not_shorten_bare_domains_or_other_schemes() -> None:
    assert length("police.uk/news", "mastodon") == len("police.uk/news")
    assert length("ftp://example.com", "mastodon") == len("ftp://example.com")


def test_mastodon_counts_remote_mention_as_local_part() -> None:
    assert length("@alice@police.example.social", "mastodon") == len("@alice")
    assert length("hi @alice", "mastodon") == len("hi @alice")
    assert length("cc @bob.smith@example.org.", "mastodon") == len("cc @bob.smith.")


@pytest.mark.parametrize("text", [
    "@alice@" + "a" * 250 + ".org",        # longer than any host name (253)
    "@alice@example.org@more",             # followed by another at sign
    "@alice@example.org://x",              # followed by ://
])
def test_mastodon_counts_a_mention_that_is_not_one_in_full(text: str) -> None:
    assert length(text, "mastodon") == len(text)


def test_mastodon_email_address_is_not_a_mention() -> None:
    assert length("press@example.org", "mastodon") == len("press@example.org")


def test_mastodon_content_warning_counts_with_the_text() -> None:
    assert length("body", "mastodon", spoiler="CW: violence") == 4 + 12
    result = measure("a" * 490, "mastodon", spoiler="b" * 11)
    assert (result.length, result.over) == (501, 1)


def test_mastodon_counts_grapheme_clusters() -> None:
    # As the server does: a ZWJ family is one, a flag is one, e + combining accent is one.
    assert length(FAMILY, "mastodon") == 1
    assert length("\U0001F1EC\U0001F1E7 e\u0301", "mastodon") == 3


def test_mastodon_instance_limit() -> None:
    assert limit("mastodon") == 500
    assert limit("mastodon", instance_limit=5000) == 5000
    assert measure("a" * 600, "mastodon", instance_limit=1000).ok
    assert measure("a" * 600, "mastodon").over == 100


# --- YouTube and Facebook --------------------------------------------------


def test_youtube_title_and_description() -> None:
    assert limit("youtube", field="title") == 100
    assert limit("youtube", field="description") == 5000
    assert limit("youtube") == 5000  # "text" is the description
    assert measure("t" * 101, "youtube", field="title").over == 1
    assert measure("d" * 5000, "youtube", field="description").ok
    assert length(FAMILY, "youtube", field="title") == 7
    assert measure("t", "youtube", field="title").unit == "characters"


def test_facebook() -> None:
    assert limit("facebook") == 63206
    assert length("https://example.com " + FAMILY, "facebook") == 20 + 7
    assert measure("x" * 63207, "facebook").over == 1


# --- API shape and errors --------------------------------------------------


def test_units_name_what_is_counted() -> None:
    units = {p: measure("hello", p).unit for p in PLATFORMS}
    assert units == {
        "x": "weighted characters",
        "mastodon": "characters",
        "bluesky": "graphemes",
        "facebook": "characters",
        "youtube": "characters",
    }


def test_measure_is_frozen() -> None:
    result = measure("hello", "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.length = 0  # type: ignore[misc]


def test_empty_text_is_zero_everywhere() -> None:
    assert all(length("", p) == 0 for p in PLATFORMS)


@pytest.mark.parametrize("call", [length, measure])
def test_unknown_platform_raises(call) -> None:
    with pytest.raises(ValueError, match="unknown platform"):
        call("hello", "myspace")


def test_unknown_platform_raises_for_limit() -> None:
    with pytest.raises(ValueError, match="unknown platform"):
        limit("threads")


def test_platform_name_is_case_insensitive() -> None:
    assert limit("X") == 280
    assert length("hi", " Bluesky ") == 2


@pytest.mark.parametrize(
    ("platform", "field"), [("x", "title"), ("youtube", "tags"), ("facebook", "description")]
)
def test_unknown_field_raises(platform: str, field: str) -> None:
    with pytest.raises(ValueError, match="no field"):
        length("hello", platform, field=field)


def test_instance_limit_is_mastodon_only_and_positive() -> None:
    with pytest.raises(ValueError, match="only applies to mastodon"):
        limit("x", instance_limit=500)
    with pytest.raises(ValueError, match="positive"):
        limit("mastodon", instance_limit=0)


def test_spoiler_is_mastodon_only() -> None:
    with pytest.raises(ValueError, match="content warning"):
        length("hello", "bluesky", spoiler="cw")
