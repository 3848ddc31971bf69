"""Read a time an officer types ("21:00", "in 20 min", "yesterday 23:10") safely.

`parse_when` turns a short typed time into an aware UTC datetime plus the words
the UI shows back ("21:00 yesterday (GMT)"), so the officer can see at once how
it was read. Wall-clock times are Europe/London.

Guarding: the whole text is never given to `dateutil.parser.parse(fuzzy=True)`,
which reads "A34" as the year 2034 and "B1234" as 1234. The text is split into
words, each of which must be a time, a day word, a date, GMT/BST/UTC or "at"/"on";
anything else ("near", "A34") rejects the whole text. Only the extracted time
and date tokens are handed to dateutil's parser, without fuzzy, against a
default date.

Clock changes: on the last Sunday of October 01:00-01:59 happens twice; the
first (BST) is taken unless "GMT" is typed, and `ParsedTime.warning` says so.
On the last Sunday of March 01:00-01:59 does not happen, and is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Literal

from dateutil import parser as dateparser

from oncall.cadence import parse_duration
from oncall.textsafe import printable
from oncall.timeutil import day_word, fmt_echo, fmt_time, local

__all__ = ["Direction", "ParsedTime", "TimeParseError", "parse_when"]

#: "past": a bare time later than now means yesterday (e.g. "last seen").
#: "future": a bare time earlier than now means tomorrow (e.g. "road reopens at").
#: "any": a bare time is today.
Direction = Literal["past", "future", "any"]

HINT = "try 14:05, now, in 20 min or yesterday 23:10"

_DAY_WORDS = {"yesterday": -1, "today": 0, "tomorrow": 1}
_ZONES = {"gmt": timezone(timedelta(0)), "bst": timezone(timedelta(hours=1)), "utc": UTC}
_FILLER = frozenset({"at", "on"})
_NAMED = {"noon": "12:00", "midday": "12:00", "midnight": "00:00"}
_SPOKEN = {"an hour": "1h", "half an hour": "30m", "a minute": "1m"}
_DATE = re.compile(r"(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}|\d{2}))?")
_TIME_24 = re.compile(r"(\d{1,2})[:.](\d{2})")
_TIME_HHMM = re.compile(r"(\d{2})(\d{2})")
_TIME_12 = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?([ap]m)")


class TimeParseError(ValueError):
    """A typed time could not be read; the message says why, in an officer's words."""


@dataclass(frozen=True)
class ParsedTime:
    """A typed time, read.

    utc: the moment, an aware UTC datetime.
    echo: what to show back, e.g. "21:00 yesterday (GMT)" or "01:30 Sun 25 Oct (BST)".
    warning: set when the reading needs a second look (01:30 on the night the
        clocks go back, or a "last seen" time in the future); None otherwise.
    """

    utc: datetime
    echo: str
    warning: str | None = None


@dataclass(frozen=True)
class _Candidate:
    utc: datetime
    problem: Literal["gap", "zone"] | None = None


def _fail(shown: str, why: str = "") -> TimeParseError:
    return TimeParseError(f"could not read '{shown}' as a time{why}; {HINT}")


def _normalise(text: str) -> str:
    """Lower case, one space between words, "9 p.m." -> "9pm"."""
    s = " ".join(text.replace(",", " ").split()).lower()
    s = re.sub(r"\b([ap])\.m\.?(?=\s|$)", r"\1m", s)
    s = re.sub(r"(\d)([ap])\.m\.?(?=\s|$)", r"\1\2m", s)
    return re.sub(r"(\d)\s+([ap]m)(?=\s|$)", r"\1\2", s)


def _time_token(token: str, shown: str) -> str | None:
    """The token as a time for dateutil ("14:05", "9:30pm"), None if it is not time-shaped."""
    if token in _NAMED:
        return _NAMED[token]
    if match := _TIME_24.fullmatch(token) or _TIME_HHMM.fullmatch(token):
        return f"{match.group(1)}:{match.group(2)}"
    if match := _TIME_12.fullmatch(token):
        hour, minute, half = match.groups()
        if not 1 <= int(hour) <= 12:
            raise _fail(shown, f" (there is no {hour}{half})")
        return f"{hour}:{minute or '00'}{half}"  # "9.30pm" would read as 21:00 without the ':'
    return None


def _wall_time(canonical: str, base: date, shown: str) -> time:
    """Parse only the extracted time token, non-fuzzy, against `base`."""
    try:
        parsed = dateparser.parse(canonical, default=datetime.combine(base, time()))
    except (ValueError, OverflowError):
        raise _fail(shown) from None
    return parsed.time()


def _date_token(token: str, year: int, shown: str) -> date | None:
    """The day/month[/year] token as a date (UK order), None if `year` has no such day."""
    match = _DATE.fullmatch(token)
    assert match is not None
    day, month, _ = (int(g) if g else None for g in match.groups())
    try:
        parsed = dateparser.parse(token.replace("-", "/"), dayfirst=True, yearfirst=False,
                                  default=datetime(year, 1, 1)).date()
    except (ValueError, OverflowError):
        if month is not None and not 1 <= month <= 12:
            raise _fail(shown, f" (there is no month {month}; dates are day first, as 26/11)"
                        ) from None
        return None
    if (parsed.day, parsed.month) != (day, month):  # dateutil swaps "5/13" to 13 May
        raise _fail(shown, f" (there is no month {month}; dates are day first, as 26/11)")
    return parsed


def _offsets_around(naive: datetime) -> tuple[timedelta, timedelta]:
    """London's UTC offset 12 hours either side of the wall time `naive`.

    Clock changes are months apart, so across a change these are the offsets before
    and after it. Worked out from instants only, so it does not depend on how the
    zone implementation (zoneinfo or dateutil) treats `fold` in a gap.
    """
    probe = naive.replace(tzinfo=UTC)
    before = local(probe - timedelta(hours=12)).utcoffset()
    after = local(probe + timedelta(hours=12)).utcoffset()
    assert before is not None and after is not None
    return before, after


def _candidates(day: date, wall: time, zone: str | None) -> list[_Candidate]:
    """The moments `wall` on `day` can mean, earliest first (two on the night clocks go back).

    A time the clocks skip gives one candidate marked "gap", at the reading with the
    offset from before the change; a zone suffix not in force then is marked "zone".
    """
    naive = datetime.combine(day, wall)
    if zone == "utc":
        return [_Candidate(naive.replace(tzinfo=UTC))]
    before, after = _offsets_around(naive)
    readings = sorted({(naive - offset).replace(tzinfo=UTC) for offset in (before, after)})
    real = [moment for moment in readings if local(moment).replace(tzinfo=None) == naive]
    if not real:
        return [_Candidate((naive - before).replace(tzinfo=UTC), "gap")]
    if zone is not None:
        moment = naive.replace(tzinfo=_ZONES[zone]).astimezone(UTC)
        fits = moment in real and local(moment).tzname() == zone.upper()
        return [_Candidate(moment, None if fits else "zone")]
    return [_Candidate(moment) for moment in real]


def _fits(moment: datetime, now: datetime, direction: Direction) -> bool:
    if direction == "past":
        return moment <= now
    if direction == "future":
        return moment >= now.replace(second=0, microsecond=0)
    return True


def _change(earlier: datetime, later: datetime) -> datetime:
    """The instant (UTC, to the minute) between two moments where London's offset changes."""
    after = local(later).utcoffset()
    moment = earlier
    while moment < later and local(moment).utcoffset() != after:
        moment += timedelta(minutes=1)
    return moment


def _on(moment: datetime, now: datetime) -> str:
    word = day_word(moment, now)
    return word if word in ("today", "yesterday", "tomorrow") else f"on {word}"


def _gap_error(naive: datetime, now: datetime) -> TimeParseError:
    """The clocks went forward over `naive`: say so, and offer the two readings either side."""
    offset_before, offset_after = _offsets_around(naive)
    as_after = (naive - offset_after).replace(tzinfo=UTC)  # e.g. 01:30 BST = 00:30 GMT
    as_before = (naive - offset_before).replace(tzinfo=UTC)  # e.g. 01:30 GMT = 02:30 BST
    change = _change(as_after, as_before)
    went = change <= now
    start, end = local(change - timedelta(minutes=1)), local(change)
    return TimeParseError(
        f"there {'was' if went else 'will be'} no {naive:%H:%M} {_on(change, now)}: "
        f"the clocks {'went' if went else 'go'} forward from {change + offset_before:%H:%M} "
        f"to {end:%H:%M} ({start.tzname()} to {end.tzname()}), so that time "
        f"{'did' if went else 'will'} not happen; did you mean {fmt_time(as_after)} "
        f"or {fmt_time(as_before)}?")


def _twice_warning(pair: list[_Candidate], chosen: int, now: datetime) -> str:
    first, second = local(pair[0].utc), local(pair[1].utc)
    change = _change(pair[0].utc, pair[1].utc)
    went = change <= now
    gap = pair[1].utc - pair[0].utc
    first_offset = first.utcoffset()
    assert first_offset is not None
    apart = "an hour" if gap == timedelta(hours=1) else f"{int(gap.total_seconds()) // 60} min"
    other = (second, "second", "later") if chosen == 0 else (first, "first", "earlier")
    taken = first if chosen == 0 else second
    return (
        f"{taken:%H:%M} {'happened' if went else 'happens'} twice {_on(change, now)}: "
        f"the clocks {'went' if went else 'go'} back from {change + first_offset:%H:%M} "
        f"{first.tzname()} to {local(change):%H:%M} {second.tzname()}. Took the "
        f"{'first' if chosen == 0 else 'second'}, {taken:%H:%M} {taken.tzname()}; add "
        f"{other[0].tzname()} (as in '{other[0]:%H:%M} {other[0].tzname()}') for the "
        f"{other[1]}, {apart} {other[2]}.")


def _done(moment: datetime, now: datetime, direction: Direction,
          warning: str | None = None) -> ParsedTime:
    echo = fmt_echo(moment, now)
    notes = [warning] if warning else []
    if not _fits(moment, now, direction):
        later = direction == "past"
        notes.append(f"{echo} is {'later' if later else 'earlier'} than now; "
                     f"check it is the time you mean.")
    return ParsedTime(moment, echo, " ".join(notes) or None)


def _relative(text: str, now: datetime, shown: str) -> datetime | None:
    """"in 20 min" / "20 min ago" as a moment, None if the text is not of that form."""
    if match := re.fullmatch(r"in\s+(.+)", text):
        sign = 1
    elif match := re.fullmatch(r"(.+?)\s*ago", text):
        sign = -1
    else:
        return None
    body = _SPOKEN.get(match.group(1), match.group(1))
    try:
        return now + sign * parse_duration(body)
    except ValueError as exc:
        raise _fail(shown, f" ({exc})" if "needs a unit" in str(exc) else "") from None
    except OverflowError:
        raise _fail(shown, " (that is too far away)") from None


def parse_when(text: str, now: datetime, direction: Direction = "any") -> ParsedTime:
    """Read a typed time, e.g. "21:00", "in 20 min" or "yesterday 23:10", relative to `now`.

    Accepted (any case, extra spaces ignored):
      "now"; "14:05", "1405", "14.05", "9:30pm", "9 pm", "9pm", "noon", "midnight";
      "in 20 min", "in 20 minutes", "in 2 hours", "in 1h30"; "20 min ago", "2 hours ago";
      a day word before or after the time: "yesterday 23:10", "today 08:00",
      "tomorrow 06:00", "23:10 yesterday"; a UK date: "26/11 14:05", "26/11/2026 14:05";
      a zone after the time, "01:30 GMT" / "01:30 BST" (or "UTC"), to choose between
      the two 01:30s on the night the clocks go back; "at"/"on" may be used as filler.

    `now` is an aware datetime (normally UTC). A bare time is today, except that
    with direction "past" one later than now means yesterday, and with "future"
    one earlier than now (to the minute) means tomorrow. A day word or date is
    taken as given; a date without a year is the nearest such day that fits the
    direction. If an explicit time is on the wrong side of now for the direction,
    it is kept and `warning` says so.

    Wall times are Europe/London. An ambiguous time (01:30 on the last Sunday of
    October) is the first one, BST, unless "GMT" is given (or, for "future", the
    first has passed); `warning` says which was taken and how to choose the other.

    Raises TimeParseError (a ValueError) for anything else: words that are not
    part of a time ("A34", "near the A34 at 9", "B1234"), impossible times
    ("25:99", "13pm"), a time the clocks skipped (01:30 on the last Sunday of
    March), or a zone not in force then ("14:05 BST" in November). Raises plain
    ValueError if `now` is naive or `direction` is not past/future/any.
    """
    if direction not in ("past", "future", "any"):
        raise ValueError(f"direction must be 'past', 'future' or 'any', not {direction!r}")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be an aware datetime, got naive {now!r}")
    now = now.astimezone(UTC)
    shown = printable(" ".join(text.split()), single_line=True)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    cleaned = _normalise(text)
    if not cleaned:
        raise TimeParseError(f"no time given; {HINT}")
    if cleaned == "now":
        return _done(now, now, direction)
    if (moment := _relative(cleaned, now, shown)) is not None:
        return _done(moment, now, direction)

    offset: int | None = None
    date_text: str | None = None
    time_text: str | None = None
    zone: str | None = None
    for token in cleaned.split():
        if token in _FILLER:
            continue
        if token in _DAY_WORDS:
            repeated = offset is not None or date_text is not None
            offset = _DAY_WORDS[token]
        elif token in _ZONES:
            repeated, zone = zone is not None, token
        elif _DATE.fullmatch(token):
            repeated = offset is not None or date_text is not None
            date_text = token
        elif (canonical := _time_token(token, shown)) is not None:
            repeated, time_text = time_text is not None, canonical
        else:
            if token.isdigit():
                raise _fail(shown, f": '{token}' on its own is not a time (write 09:00 or 9pm)")
            found = re.search(re.escape(token), shown, re.IGNORECASE)
            word = found.group(0) if found else printable(token, single_line=True)
            word = word if len(word) <= 20 else word[:17] + "..."
            raise _fail(shown, f": '{word}' is not part of a time")
        if repeated:
            raise _fail(shown, ": give one time, with at most one day or date and GMT or BST")
    if time_text is None:
        raise _fail(shown, ": it has no time of day in it")

    today = now.date() if zone == "utc" else local(now).date()
    wall = _wall_time(time_text, today, shown)
    if date_text is not None:
        years = [today.year] if date_text.count("/") + date_text.count("-") == 2 else [
            today.year - 1, today.year, today.year + 1]  # no year: the nearest that fits
        days = [d for y in years if (d := _date_token(date_text, y, shown)) is not None]
        if not days:
            raise _fail(shown, " (there is no such day)")
        nominal = {d: _candidates(d, wall, zone)[0].utc for d in days}
        fitting = [d for d in days if _fits(nominal[d], now, direction)] or days
        day = min(fitting, key=lambda d: abs(nominal[d] - now))
    elif offset is not None:
        day = today + timedelta(days=offset)
    else:
        day = today
        if not any(_fits(c.utc, now, direction) for c in _candidates(today, wall, zone)):
            day = today + timedelta(days=-1 if direction == "past" else 1)

    options = _candidates(day, wall, zone)
    naive = datetime.combine(day, wall)
    if options[0].problem == "gap":
        raise _gap_error(naive, now)
    if options[0].problem == "zone":
        actual = local(options[0].utc).tzname()
        raise TimeParseError(
            f"{zone.upper() if zone else ''} is not in use at {naive:%H:%M} "
            f"{_on(options[0].utc, now)} (the clocks are on {actual}); leave it out or check "
            f"the time")
    chosen = next((i for i, c in enumerate(options) if _fits(c.utc, now, direction)), 0)
    warning = _twice_warning(options, chosen, now) if len(options) == 2 else None
    return _done(options[chosen].utc, now, direction, warning)
