"""The two TLD lists: X and Mastodon count with twitter-text's, the rest with the root
zone's; and the script that refreshes them reads both sources."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from oncall.textlength import ROOT_ZONE, TWITTER_TEXT, find_urls, length, tld_list

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "refresh_tlds.py"


def refresh_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_tlds", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["refresh_tlds"] = module
    spec.loader.exec_module(module)
    return module


def test_both_lists_are_whole_and_say_where_they_came_from() -> None:
    for name in (TWITTER_TEXT, ROOT_ZONE):
        path = Path(__file__).resolve().parents[2] / "oncall" / "tlds" / f"{name}.txt"
        header = path.read_text(encoding="utf-8").splitlines()[0]
        assert header.startswith("# ") and "top-level domains from" in header
        names = tld_list(name)
        assert len(names) > 1000 and {"com", "uk", "gov"} <= set(names)
        assert all(n == n.strip().lower() and "." not in n for n in names)


def test_a_tld_newer_than_twitter_text_is_a_link_on_bluesky_but_not_counted_on_x() -> None:
    # .music entered the root zone after twitter-text's list was last refreshed.
    assert "music" in tld_list(ROOT_ZONE) and "music" not in tld_list(TWITTER_TEXT)
    text = "Tickets at gig.music tonight"
    assert find_urls(text, ROOT_ZONE) == [(11, 20)]
    assert find_urls(text) == []
    assert length(text, "x") == len(text)  # no 23-character link on X
    # A TLD both know is a link to both.
    both = "see merciavale.police.uk"
    assert find_urls(both, ROOT_ZONE) == find_urls(both) == [(4, 24)]


def test_the_refresh_reads_twitter_texts_yaml_and_the_public_suffix_list() -> None:
    script = refresh_script()
    yaml = "country:\n- uk\n- fr\ngeneric:\n- com\n- police\n- 移动\n"
    assert script.twitter_tlds(yaml) == ["com", "fr", "police", "uk", "移动"]
    port = ("valid_gtld = re.compile(\n    '(?:(?:' +\n    'com|police|' +\n"
            "    ')(?=[^0-9a-z@+-]|$))'\n)")
    assert script.twitter_tlds(port) == ["com", "police"]
    psl = ("// VERSION: 2026-10-22_08-36-41_UTC\n// ===BEGIN ICANN DOMAINS===\nuk\nco.uk\n"
           "*.ck\n!www.ck\nभारत\n// ===END ICANN DOMAINS===\n"
           "// ===BEGIN PRIVATE DOMAINS===\nblogspot.com\n")
    names, version = script.root_zone_tlds(psl)
    assert names == ["ck", "uk", "भारत"] and version == "2026-10-22_08-36-41_UTC"
