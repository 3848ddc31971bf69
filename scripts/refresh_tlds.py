#!/usr/bin/env python3
"""Refresh the top-level-domain lists that decide what counts as a link.

    python scripts/refresh_tlds.py            # fetch both sources from the internet
    python scripts/refresh_tlds.py --twitter tld_lib.yml --psl public_suffix_list.dat

Two lists, because two different things are being matched:

* ``oncall/tlds/twitter-text.txt``: the TLDs twitter-text knows (its
  ``conformance/tld_lib.yml``). X and Mastodon count a bare domain as a 23-character
  link only if its TLD is on *this* list, so the count must follow it, even where it
  lags the root zone.
* ``oncall/tlds/root-zone.txt``: every TLD in the root zone today, from the ICANN
  section of the Public Suffix List. Bluesky's link facets and the procedure's link
  checks use it.

Run it when a network adds TLDs (a few times a year), review the diff, commit it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import urllib.request
from pathlib import Path

TWITTER_URL = ("https://raw.githubusercontent.com/twitter/twitter-text/master/"
               "conformance/tld_lib.yml")
PSL_URL = "https://publicsuffix.org/list/public_suffix_list.dat"
OUT = Path(__file__).resolve().parents[1] / "oncall" / "tlds"


def _read(source: str) -> str:
    if source.startswith("https://"):
        with urllib.request.urlopen(source, timeout=60) as reply:
            return str(reply.read().decode("utf-8"))
    return Path(source).read_text(encoding="utf-8")


def twitter_tlds(text: str) -> list[str]:
    """The TLDs of twitter-text's tld_lib.yml: every ``- name`` under its sections.

    Also reads the same list as compiled into the Python port (twitter_text_parser's
    ``valid_gtld.py``/``valid_cctld.py``: ``'a|b|c|' +`` lines), for an offline refresh."""
    if "re.compile(" in text:
        names: list[str] = []
        for chunk in re.findall(r"'([^']*)'", text):
            names.extend(n for n in chunk.split("|") if n and not n.startswith("("))
        return _clean(names)
    return _clean(re.findall(r"^\s*-\s*(\S+)\s*$", text, flags=re.MULTILINE))


def root_zone_tlds(text: str) -> tuple[list[str], str]:
    """The top-level labels of the Public Suffix List's ICANN section, and its version."""
    version = next((line.split(":", 1)[1].strip() for line in text.splitlines()
                    if line.startswith("// VERSION:")), "unknown")
    icann = text.split("===BEGIN ICANN DOMAINS===", 1)[1].split("===END ICANN DOMAINS===")[0]
    names = [line.strip().lstrip("!*.") for line in icann.splitlines()
             if line.strip() and not line.startswith("//")]
    return _clean(n for n in names if "." not in n), version


# Regex punctuation and anything else no TLD holds (IDN labels keep their marks).
_NOT_A_LABEL = re.compile(r"[\s()\[\]{}$^*+?|\\.,:;=<>@!#%&'\"/`~_]")


def _clean(names: object) -> list[str]:
    """Lower-cased, unique, sorted; anything that is not a DNS label (a regex's own
    punctuation, read from the Python port) is left out."""
    labels = {str(n).strip().lower() for n in names}  # type: ignore[attr-defined]
    return sorted(n for n in labels if n and not _NOT_A_LABEL.search(n))


def write(path: Path, names: list[str], source: str) -> None:
    """One TLD per line after a header saying where and when the list came from."""
    header = (f"# {len(names)} top-level domains from {source}\n"
              f"# refreshed {dt.date.today().isoformat()} by scripts/refresh_tlds.py\n")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(header + "\n".join(names) + "\n", encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--twitter", default=TWITTER_URL,
                        help="twitter-text's tld_lib.yml (a URL or a file)")
    parser.add_argument("--twitter-cctld", default=None,
                        help="with the Python port's valid_gtld.py as --twitter: its "
                             "valid_cctld.py")
    parser.add_argument("--psl", default=PSL_URL, help="the Public Suffix List (URL or file)")
    args = parser.parse_args(argv)
    twitter = twitter_tlds(_read(args.twitter))
    if args.twitter_cctld:
        twitter = _clean([*twitter, *twitter_tlds(_read(args.twitter_cctld))])
    root, version = root_zone_tlds(_read(args.psl))
    if len(twitter) < 1000 or len(root) < 1000:
        print(f"refusing: {len(twitter)} / {len(root)} TLDs is not a whole list",
              file=sys.stderr)
        return 1
    OUT.mkdir(exist_ok=True)
    write(OUT / "twitter-text.txt", twitter, f"twitter-text ({args.twitter})")
    write(OUT / "root-zone.txt", root, f"the Public Suffix List, ICANN section, {version}")
    print(f"twitter-text: {len(twitter)} TLDs; root zone: {len(root)} TLDs ({version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
