"""Read TOML files and report problems with the file and line they come from.

`tomllib` gives values but not positions, so this module keeps a light index
of where each table and key was written. It understands the forms our files
use (`[table]`, `[[array]]`, `key = value`, dotted keys); for anything else
it falls back to the enclosing table's line, which still points the reader
to the right place.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oncall.fsio import NotUTF8, decode_utf8, read_regular

Key = tuple[str | int, ...]

_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_ARRAY = re.compile(r"^\s*\[\[\s*([^\[\]]+?)\s*\]\]\s*(#.*)?$")
_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_KEY = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")
_LINE_IN_MESSAGE = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, with where it is."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class TomlError(Exception):
    """A TOML file could not be used; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", text)
    return [p.strip("\"'") for p in parts]


def _inside_arrays(path: Key, counters: dict[Key, int]) -> Key:
    """Number a table path's parts that name an array of tables: [template.fields.x]
    written after the third [[template]] is ("template", 2, "fields", "x")."""
    out: Key = ()
    for part in path:
        out = (*out, part)
        if out in counters:
            out = (*out, counters[out])
    return out


def key_lines(text: str) -> dict[Key, int]:
    """Map each table and key path to the 1-based line that defines it.

    Array-of-tables entries are numbered: the second `[[site]]` is ("site", 1).
    """
    lines: dict[Key, int] = {}
    counters: dict[Key, int] = {}
    current: Key = ()
    multiline: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if multiline:
            if raw.count(multiline) % 2 == 1:
                multiline = None
            continue
        if m := _ARRAY.match(raw):
            parts = tuple(_split_dotted(m.group(1)))
            base = (*_inside_arrays(parts[:-1], counters), parts[-1])
            index = counters.get(base, -1) + 1
            counters[base] = index
            current = (*base, index)
            lines.setdefault(base, number)  # the array itself: its first entry
            lines.setdefault(current, number)
            continue
        if m := _TABLE.match(raw):
            current = _inside_arrays(tuple(_split_dotted(m.group(1))), counters)
            lines.setdefault(current, number)
            continue
        if m := _KEY.match(raw):
            lines.setdefault((*current, *_split_dotted(m.group(1))), number)
            rest = raw[m.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    multiline = quote
    return lines


@dataclass
class TomlDoc:
    """A parsed TOML file that can say where any of its keys is."""

    path: Path
    data: dict[str, Any]
    lines: dict[Key, int]
    text_lines: list[str] = field(default_factory=list)

    def line_of(self, *key: str | int) -> int | None:
        """Line of `key`, or of its nearest enclosing table that has one."""
        path: Key = tuple(key)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def line_within(self, key: Key, value: str, offset: int) -> int | None:
        """Line of character `offset` of the string `value` written at `key`.

        A multi-line string that opens with \"\"\" and a newline starts on the next line.
        """
        start = self.line_of(*key)
        if start is None:
            return None
        raw = self.text_lines[start - 1] if start <= len(self.text_lines) else ""
        opens_alone = raw.rstrip().endswith(('"""', "'''"))
        return start + (1 if opens_alone else 0) + value[:offset].count("\n")

    def problem(self, message: str, *key: str | int) -> Problem:
        """A Problem placed at `key`."""
        return Problem(self.path, self.line_of(*key), message)


# Far above any real config, people, sites or playbook file (the largest shipped is 20 KB).
MAX_TOML_BYTES = 2 * 1_048_576
# Tables and arrays nested deeper than this are no settings file: a hostile one, which
# would otherwise take the parser past Python's recursion limit.
MAX_DEPTH = 32


def load(path: Path) -> TomlDoc:
    """Parse `path`; raise TomlError naming file and line if it is not valid TOML, not a
    regular file, too large, not UTF-8 or nested too deeply."""
    try:
        raw = read_regular(path, MAX_TOML_BYTES)
    except OSError as exc:
        raise TomlError([Problem(path, None, f"cannot read: {exc.strerror or exc}")]) from None
    try:
        text = decode_utf8(raw)
    except NotUTF8 as exc:
        raise TomlError([Problem(path, exc.line, f"not UTF-8 text ({exc.reason})")]) from None
    depth_line = _too_deep(text)
    if depth_line is not None:
        raise TomlError([Problem(path, depth_line, f"nested more than {MAX_DEPTH} deep: "
                                 "no oncall file needs that")])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line = None
        if m := _LINE_IN_MESSAGE.search(message):
            line = int(m.group(1))
            message = message[: m.start()].strip()
        raise TomlError([Problem(path, line, f"invalid TOML: {message}")]) from None
    return TomlDoc(path, data, key_lines(text), text.splitlines())


# A string or a comment, read whole so the brackets inside go with it. An unclosed
# one-line string stops at its line's end: the parser will say so.
# Possessive loops (*+): a string's tail always matches (its close or the end of the
# text), and nothing may backtrack into a run of characters, which on a hostile file
# (an unclosed string ending in a backslash) would take exponential time.
_SKIPPED = r"""
    " (?: "" (?:[^"\\]+ | \\.? | "(?!""))*+ (?:\"{3} | \Z)  # \"""multi-line\"""
        | (?:[^"\\\n]+ | \\[^\n])*+ "? )                   # "one line"
  | ' (?: '' (?:[^']+ | '(?!''))*+ (?:'{3} | \Z)           # '''multi-line'''
        | [^'\n]* '? )                                     # 'one line'
  | \# [^\n]*
"""
_STRINGS_AND_COMMENTS = re.compile(_SKIPPED, re.VERBOSE | re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_DEPTH_TOKENS = re.compile(_SKIPPED + r"| [\[\]{}]", re.VERBOSE | re.DOTALL)


def _deepest(brackets: str) -> int:
    depth = deepest = 0
    for c in brackets:
        if c == "[" or c == "{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest


def _too_deep(text: str) -> int | None:
    """The line where brackets or braces first open more than MAX_DEPTH deep, outside
    strings and comments; None if they never do. Linear in the text, and cheap: it runs
    on every file read, so the brackets are picked out by regular expressions and only
    a file found too deep is read token by token for the line."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None  # too few openings to get that deep, whatever they are inside
    brackets = _NOT_BRACKETS.sub("", _STRINGS_AND_COMMENTS.sub("", text))
    if _deepest(brackets) <= MAX_DEPTH:
        return None
    depth = 0
    for m in _DEPTH_TOKENS.finditer(text):
        token = m.group()
        if token == "[" or token == "{":
            depth += 1
            if depth > MAX_DEPTH:
                return text.count("\n", 0, m.start()) + 1
        elif token == "]" or token == "}":
            depth = max(depth - 1, 0)
    return None


def type_name(kind: type | tuple[type, ...]) -> str:
    """A reader's name for a Python type used in a schema."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
             list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def check_type(value: Any, kind: type | tuple[type, ...]) -> bool:
    """True if `value` is of `kind`, not counting bools as numbers."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        return False
    return isinstance(value, kinds)
