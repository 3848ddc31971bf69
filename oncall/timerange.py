"""Read a span of time an officer types into a search ("last 2 hours", "since 08:00",
"between 1 and 3 March", "yesterday", "in October") and say back how it was read.

`parse_range` reads only the phrase it is given; `split_query` finds such a phrase at
the start or end of a search and leaves the rest as the words to look for, so that
"appeal Hanley last month" searches for "appeal Hanley" in the last month. A phrase is
taken only when the whole of it reads as a time: "closed on A34" stays words.

Days are Europe/London calendar days (midnight to midnight, 23 or 25 hours on the
nights the clocks change); a date without a year is the latest such day not after
today, since a search looks back. Points in time ("since 08:00") go through
`oncall.timeparse.parse_when`, with its guards. The echo names the zone at each end:
"from 00:00 Sun 25 Oct (BST) to 00:00 Mon 26 Oct (GMT)".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from oncall.timeparse import TimeParseError, parse_when
from oncall.timeutil import day_word, fmt_echo, local, london

__all__ = ["TimeRange", "parse_range", "split_query"]

_MONTHS = {name: i + 1 for i, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
    ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
    ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
    ("december", "dec"))) for name in names}
_WEEKDAYS = {name: i for i, names in enumerate((
    ("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"),
    ("thursday", "thu", "thur", "thurs"), ("friday", "fri"), ("saturday", "sat"),
    ("sunday", "sun"))) for name in names}
_UNITS: dict[str, timedelta | relativedelta] = {
    "minute": timedelta(minutes=1), "min": timedelta(minutes=1), "hour": timedelta(hours=1),
    "hr": timedelta(hours=1), "h": timedelta(hours=1), "day": timedelta(days=1),
    "week": timedelta(weeks=1), "month": relativedelta(months=1),
    "year": relativedelta(years=1)}
_ORDINAL = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}))?")
_STARTERS = ("last", "past", "since", "after", "before", "between", "from", "on", "in",
             "this", "today", "yesterday")
HINT = ("try: last 2 hours, today, yesterday, since 08:00, on 3 March, in October, "
        "between 1 and 3 March")


@dataclass(frozen=True)
class TimeRange:
    """A span of time: start inclusive, end exclusive, either open (None); UTC."""

    start: datetime | None
    end: datetime | None
    echo: str

    def holds(self, moment: datetime) -> bool:
        """True when `moment` is inside the span."""
        return ((self.start is None or moment >= self.start)
                and (self.end is None or moment < self.end))


def _midnight(day: date) -> datetime:
    """The start of a London calendar day, in UTC."""
    return datetime.combine(day, time(), tzinfo=london()).astimezone(UTC)


def _unit(word: str) -> timedelta | relativedelta | None:
    return _UNITS.get(word.removesuffix("s"))


def _latest(month: int, day: int, year: int | None, today: date) -> date | None:
    """The day, in `year` or else the latest year that puts it on or before today."""
    for y in ([year] if year is not None else [today.year, today.year - 1]):
        try:
            found = date(y, month, day)
        except ValueError:
            continue
        if year is not None or found <= today:
            return found
    return None


def _month_of(words: list[str]) -> tuple[int, int | None] | None:
    """"march" / "march 2026" as (month, year)."""
    if not words or words[0] not in _MONTHS or len(words) > 2:
        return None
    if len(words) == 2:
        return (_MONTHS[words[0]], int(words[1])) if re.fullmatch(r"\d{4}", words[1]) \
            else None
    return _MONTHS[words[0]], None


def _day_of(words: list[str], today: date, month_hint: tuple[int, int | None] | None = None
            ) -> date | None:
    """A calendar day: "3 march", "3rd mar 2026", "march 3", "3/3", "3/3/2026", "monday",
    "today", "yesterday"; a bare "3" takes `month_hint`'s month. None if not a day."""
    text = " ".join(words)
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    if text in _WEEKDAYS:
        return today - timedelta(days=(today.weekday() - _WEEKDAYS[text]) % 7)
    if match := _SLASHED.fullmatch(text):
        day_no, month_no, year_no = match.groups()
        return _latest(int(month_no), int(day_no), int(year_no) if year_no else None, today)
    year: int | None = None
    if len(words) == 3 and re.fullmatch(r"\d{4}", words[2]):
        year, words = int(words[2]), words[:2]
    if len(words) == 2:
        first, second = words
        if (m := _ORDINAL.fullmatch(first)) and second in _MONTHS:
            return _latest(_MONTHS[second], int(m.group(1)), year, today)
        if first in _MONTHS and (m := _ORDINAL.fullmatch(second)):
            return _latest(_MONTHS[first], int(m.group(1)), year, today)
    if len(words) == 1 and month_hint and (m := _ORDINAL.fullmatch(words[0])):
        return _latest(month_hint[0], int(m.group(1)), month_hint[1], today)
    return None


def _point(words: list[str], now: datetime) -> tuple[datetime, bool]:
    """A moment: a day (its midnight; True) or a time of day (False) via parse_when."""
    day = _day_of(words, local(now).date())
    if day is not None:
        return _midnight(day), True
    return parse_when(" ".join(words), now, "past").utc, False


def _whole_days(start: datetime, end: datetime, now: datetime) -> str | None:
    """"Sun 1 Mar to Tue 3 Mar (whole days, GMT)" when both ends are local midnights."""
    first, after = local(start), local(end)
    if (first.time(), after.time()) != (time(), time()):
        return None
    last = local(end - timedelta(seconds=1))
    zones = first.tzname() if first.tzname() == last.tzname() else \
        f"{first.tzname()} then {last.tzname()}"
    if first.date() == last.date():
        return f"{day_word(start, now)} (the whole day, {zones})"
    return f"{day_word(start, now)} to {day_word(last, now)} (whole days, {zones})"


def _echo(start: datetime | None, end: datetime | None, now: datetime) -> str:
    if start is not None and end is not None:
        if (days := _whole_days(start, end, now)) is not None:
            return days
        return f"from {fmt_echo(start, now)} to {fmt_echo(end, now)}"
    if start is not None:
        return f"since {fmt_echo(start, now)}"
    assert end is not None
    return f"before {fmt_echo(end, now)}"


def _span(start: datetime | None, end: datetime | None, now: datetime) -> TimeRange:
    if start is not None and end is not None and end <= start:
        raise TimeParseError(f"that span ends before it starts ({_echo(start, end, now)})")
    return TimeRange(start, end, _echo(start, end, now))


def _next_month(first: date) -> date:
    return (first.replace(day=1) + timedelta(days=32)).replace(day=1)


def parse_range(text: str, now: datetime) -> TimeRange:
    """Read a typed span of time relative to `now` (aware). Raises TimeParseError.

    Accepted: "last 2 hours" / "past 30 min" / "last week" (rolling, up to now);
    "today", "yesterday", a day ("3 March", "on 3/3/2026", "on Monday"): that whole
    day; "this week|month|year": since its start; "in October" / "October 2025": that
    whole month; "since X" / "after X" / "from X": from X to now; "before X";
    "between X and Y" / "from X to Y", where X and Y are days (Y included whole) or
    times ("between 1 and 3 March": the 1st takes March from the 3rd).
    """
    now = now.astimezone(UTC)
    words = " ".join(text.lower().replace(",", " ").split()).split()
    if not words:
        raise TimeParseError(f"no time given; {HINT}")
    today = local(now).date()
    head, rest = words[0], words[1:]
    if head in ("last", "past") and rest:
        count, unit_word = (1, rest[0]) if len(rest) == 1 else (rest[0], rest[1])
        unit = _unit(unit_word) if len(rest) <= 2 else None
        if unit is None or not str(count).isdigit() or int(count) < 1:
            raise TimeParseError(f"could not read '{' '.join(words)}' as a span; {HINT}")
        return _span(now - unit * int(count), None, now)
    if head == "this" and len(rest) == 1 and rest[0] in ("week", "month", "year"):
        starts = {"week": today - timedelta(days=today.weekday()),
                  "month": today.replace(day=1), "year": today.replace(month=1, day=1)}
        return _span(_midnight(starts[rest[0]]), None, now)
    if head in ("since", "after", "from") and rest and "to" not in rest:
        return _span(_point(rest, now)[0], None, now)
    if head == "before" and rest:
        return _span(None, _point(rest, now)[0], now)
    if head in ("between", "from") and ("and" in rest or "to" in rest):
        joint = rest.index("and") if "and" in rest else rest.index("to")
        first_words, last_words = rest[:joint], rest[joint + 1:]
        if not first_words or not last_words:
            raise TimeParseError(f"say both ends, as in 'between 1 and 3 March'; {HINT}")
        last_day = _day_of(last_words, today)
        if last_day is not None:
            hint = (last_day.month, last_day.year)
            first_day = _day_of(first_words, today, hint)
            if first_day is not None:
                if first_day > last_day and len(first_words) == 1:
                    first_day -= relativedelta(months=1)  # "between 28 and 3 March"
                return _span(_midnight(first_day), _midnight(last_day + timedelta(days=1)),
                             now)
        start = _point(first_words, now)[0]
        end, end_is_day = _point(last_words, now)
        if end_is_day:
            end = _midnight(local(end).date() + timedelta(days=1))
        return _span(start, end, now)
    if head in ("on", "in") and rest:
        words = rest
    if (month := _month_of(words)) is not None:
        month_no, year = month
        first = date(year if year is not None else
                     (today.year if month_no <= today.month else today.year - 1), month_no, 1)
        return _span(_midnight(first), _midnight(_next_month(first)), now)
    if (day := _day_of(words, today)) is not None:
        return _span(_midnight(day), _midnight(day + timedelta(days=1)), now)
    raise TimeParseError(f"could not read '{' '.join(words)}' as a span of time; {HINT}")


def split_query(query: str, now: datetime) -> tuple[str, TimeRange | None, str]:
    """A search split into (the words to look for, the span it names or None, a problem).

    The span is the longest run of words at the end, or else at the start, that reads
    whole as a time phrase beginning with one of its words ("last", "since", "between",
    "on", a month, ...). A run that starts like one but does not read gives the problem
    (e.g. "since 25:00: could not read ..."), and then no span and all words searched.
    """
    words = query.split()
    lowered = [w.lower().strip(",") for w in words]

    def starts(i: int) -> bool:
        # A month alone is a word ("a protest march", "may"): a date needs more.
        month = lowered[i] in _MONTHS and i < len(words) - 1
        return lowered[i] in _STARTERS or month or \
            lowered[i] in _WEEKDAYS or bool(_ORDINAL.fullmatch(lowered[i])) or \
            bool(_SLASHED.fullmatch(lowered[i]))

    problem = ""
    for i in range(len(words)):  # the longest run ending at the end
        if starts(i):
            try:
                span = parse_range(" ".join(words[i:]), now)
            except TimeParseError as exc:
                if not problem and lowered[i] in _STARTERS[:6]:
                    problem = str(exc)
                continue
            return " ".join(words[:i]), span, ""
    for j in range(len(words), 0, -1):  # else the longest at the start
        if starts(0):
            try:
                span = parse_range(" ".join(words[:j]), now)
            except TimeParseError:
                continue
            return " ".join(words[j:]), span, ""
    return query.strip(), None, problem
