"""One meaning per key across the screens, and a README key table that matches the code."""

from __future__ import annotations

from pathlib import Path

from oncall.ui.keys import CONTEXTUAL, key_table, meanings

README = Path(__file__).resolve().parents[2] / "README.md"
START = "<!-- keys: generated from the bindings by oncall.ui.keys.key_table; a test checks it -->"
END = "<!-- /keys -->"


def test_every_key_has_one_meaning() -> None:
    clashes = {k: sorted(v) for k, v in meanings().items() if len(v) > 1 and k not in CONTEXTUAL}
    assert clashes == {}


def test_save_is_never_send() -> None:
    # Ctrl+S by habit must never put anything in front of the public.
    assert meanings()["Ctrl+S"] == {"Save draft"}
    assert meanings()["F5"] == {"Send…"}


def test_the_readme_key_table_matches_the_bindings() -> None:
    text = README.read_text(encoding="utf-8")
    table = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert table == key_table(), ("README key table is stale: paste "
                                  "`python -c 'from oncall.ui.keys import key_table; "
                                  "print(key_table())'` between the markers")
