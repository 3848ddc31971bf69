"""Text out of the little HTML some networks wrap messages in (Mastodon's `content`):
paragraphs and line breaks kept as newlines, tags dropped, entities decoded. The
result is still untrusted text, shown literally."""

from __future__ import annotations

from html.parser import HTMLParser

_BREAKS = {"br"}
_BLOCKS = {"p", "div", "li", "blockquote"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """`html` as the plain text a reader sees."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts).strip()
