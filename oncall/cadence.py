"""Update cadences ("every 30 min for 4 h, then every 1 h") as dateutil rrules in UTC.

A playbook says how often an incident needs a public update. `Cadence` holds that
as a list of phases and turns it into a `dateutil.rrule.rruleset` anchored at the
incident's opening time. Everything is computed on aware UTC datetimes, so the
schedule counts real minutes: an incident opened at 23:00 BST on the Saturday the
clocks go back still gets an update every 30 minutes through the change, not a
gap or a double at 01:00/02:00 local. Show the results with `oncall.timeutil`.

Phases, in order, each with an interval and a length (only the last may be
open-ended):

- the first phase's updates fall at start + every, start + 2*every, ... up to and
  including start + length (the opening itself is not an update);
- each later phase starts where the previous one ended and its updates fall at
  its start, start + every, ... (up to and including its end if it has one);
- a time that two phases share (the boundary, when it lines up) counts once.

So [("30m", "4h"), ("1h", None)] opened at 02:47 is due at 03:17, 03:47, ...,
06:47 (start+4h, where the hourly phase starts), 07:47, 08:47, ...

Lengths of time are written "15m", "2h", "1h30m", "1d", optionally with a leading
"+" as in a playbook step's due offset ("+15m"); `parse_duration` also takes the
spelled-out forms an officer might type ("20 min", "2 hours", "1 hour 30 minutes").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dateutil.rrule import DAILY, HOURLY, MINUTELY, rrule, rrulestr
from dateutil.rrule import rruleset as RRuleSet

__all__ = [
    "Cadence",
    "Phase",
    "PhaseSpec",
    "UpdateSlots",
    "format_duration",
    "load_rruleset",
    "parse_duration",
]

_UNIT_NAMES: dict[str, str] = {
    "d": "d", "day": "d", "days": "d",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m",
}
_UNIT_MINUTES = {"d": 24 * 60, "h": 60, "m": 1}
_UNIT_ORDER = {"d": 0, "h": 1, "m": 2}
# One number and its unit; "and" may join parts ("1 hour and 30 minutes").
_PART = re.compile(r"(?:(?<=\s)and\s+)?(\d{1,6})\s*([a-z]*)\s*")
_DURATION_HINT = "write it like 15m, 2h, 1h30m or 1d"


def parse_duration(text: str) -> timedelta:
    """Read a length of time: "15m", "+15m", "2h", "1h30m", "1h30", "1d", "20 min", "2 hours".

    Units are d/day(s), h/hr(s)/hour(s) and m/min(s)/minute(s), largest first, each
    at most once; a bare number is allowed only as the minutes after hours ("1h30").
    A leading "+" (a due offset, as in "+15m") is accepted and ignored. Zero is
    allowed ("0m"); negative lengths are not.

    Raises ValueError with a message an officer can act on.
    """
    shown = " ".join(text.split())
    body = shown.lower()
    if body.startswith("+"):
        body = body[1:].lstrip()
    if not body:
        raise ValueError(f"no length of time given; {_DURATION_HINT}")
    parts: list[tuple[int, str]] = []
    pos = 0
    while pos < len(body):
        match = _PART.match(body, pos)
        if match is None:
            raise ValueError(f"could not read '{shown}' as a length of time; {_DURATION_HINT}")
        parts.append((int(match.group(1)), match.group(2)))
        pos = match.end()
    total = 0
    last_rank = -1
    for index, (number, word) in enumerate(parts):
        if word:
            unit = _UNIT_NAMES.get(word)
            if unit is None:
                raise ValueError(f"'{word}' in '{shown}' is not a unit of time; {_DURATION_HINT}")
        elif index == len(parts) - 1 and index > 0 and _UNIT_NAMES.get(parts[index - 1][1]) == "h":
            unit = "m"  # "1h30": the bare number after hours is minutes
        elif len(parts) == 1:
            raise ValueError(f"'{shown}' needs a unit, as in {number}m or {number}h")
        else:
            raise ValueError(f"could not read '{shown}' as a length of time; {_DURATION_HINT}")
        if _UNIT_ORDER[unit] <= last_rank:
            raise ValueError(
                f"could not read '{shown}' as a length of time (largest unit first, each once); "
                f"{_DURATION_HINT}")
        last_rank = _UNIT_ORDER[unit]
        total += number * _UNIT_MINUTES[unit]
    return timedelta(minutes=total)


def _split(delta: timedelta) -> tuple[int, int, int]:
    """Whole (days, hours, minutes) in a non-negative whole-minute timedelta."""
    minutes = int(delta.total_seconds()) // 60
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    return days, hours, minutes


def format_duration(delta: timedelta) -> str:
    """The compact form `parse_duration` reads back: "30m", "4h", "1h30m", "1d", "0m"."""
    days, hours, minutes = _split(delta)
    text = "".join(f"{n}{u}" for n, u in ((days, "d"), (hours, "h"), (minutes, "m")) if n)
    return text or "0m"


def _words(delta: timedelta) -> str:
    """The spaced form used in descriptions: "30 min", "4 h", "1 h 30 min", "1 d"."""
    days, hours, minutes = _split(delta)
    text = " ".join(f"{n} {u}" for n, u in ((days, "d"), (hours, "h"), (minutes, "min")) if n)
    return text or "0 min"


def _as_delta(value: str | timedelta, what: str) -> timedelta:
    delta = parse_duration(value) if isinstance(value, str) else value
    if not isinstance(delta, timedelta):
        raise TypeError(f"{what} must be a string such as '30m' or a timedelta, not {value!r}")
    if delta <= timedelta(0) or delta % timedelta(minutes=1):
        raise ValueError(f"{what} must be a whole number of minutes, at least 1: '{value}'")
    return delta


@dataclass(frozen=True)
class Phase:
    """Updates every `every`, for `lasting` (None: for as long as the incident runs)."""

    every: timedelta
    lasting: timedelta | None = None


#: A phase as written in code or a playbook: ("30m", "4h"), ("1h", None) or ("1h",).
PhaseSpec = Phase | Sequence[str | timedelta | None]


def _as_phase(spec: PhaseSpec) -> Phase:
    if isinstance(spec, Phase):
        return Phase(_as_delta(spec.every, "an update interval"),
                     None if spec.lasting is None else _as_delta(spec.lasting, "a phase length"))
    if isinstance(spec, str) or len(spec) not in (1, 2):
        raise ValueError(f"a cadence phase is (every, for), such as ('30m', '4h'), not {spec!r}")
    every = spec[0]
    lasting = spec[1] if len(spec) == 2 else None
    if every is None:
        raise ValueError(f"a cadence phase needs an interval, such as ('30m', '4h'): {spec!r}")
    return Phase(_as_delta(every, "an update interval"),
                 None if lasting is None else _as_delta(lasting, "a phase length"))


def _aware_utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (UTC), got naive {moment!r}")
    return moment.astimezone(UTC)


def _rule(every: timedelta, first: datetime, until: datetime | None) -> rrule:
    """An rrule stepping `every` from `first` (aware UTC), to `until` inclusive."""
    minutes = int(every.total_seconds()) // 60
    if minutes % (24 * 60) == 0:
        freq, interval = DAILY, minutes // (24 * 60)
    elif minutes % 60 == 0:
        freq, interval = HOURLY, minutes // 60
    else:
        freq, interval = MINUTELY, minutes
    return rrule(freq, interval=interval, dtstart=first, until=until)  # type: ignore[arg-type]


# str(rrule) writes DTSTART and UNTIL without a zone; ours are always UTC, so say so.
_UTC_STAMP = re.compile(r"(?:DTSTART:|UNTIL=)\d{8}T\d{6}(?!Z)")


class Cadence:
    """An update cadence: phases such as [("30m", "4h"), ("1h", None)].

    That example means "every 30 minutes for the first 4 hours, then every hour".
    Each phase is a `Phase`, or a pair (every, for) of lengths written as
    `parse_duration` reads them ("30m", "1h30m", "1d") or as timedeltas; the last
    phase's length may be None (or left out, as a TOML array must: ["1h"]), meaning
    "until the incident is closed". Every earlier phase needs a length. No phases at
    all (a playbook without a cadence) is allowed: it never has an update due.

    Raises ValueError for an unreadable or zero length, or an open-ended phase
    that is not last. Immutable, hashable, compares by phases.
    """

    __slots__ = ("_phases",)

    def __init__(self, phases: Iterable[PhaseSpec]) -> None:
        parsed = tuple(_as_phase(spec) for spec in phases)
        for phase in parsed[:-1]:
            if phase.lasting is None:
                raise ValueError("only the last phase of a cadence can run on without a length; "
                                 "give the others one, as in ('30m', '4h')")
        self._phases = parsed

    @property
    def phases(self) -> tuple[Phase, ...]:
        """The phases, in order, as `Phase`s."""
        return self._phases

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cadence) and other._phases == self._phases

    def __hash__(self) -> int:
        return hash(self._phases)

    def __repr__(self) -> str:
        return f"Cadence({self.to_spec()!r})"

    def to_spec(self) -> list[tuple[str, str | None]]:
        """The phases in the compact written form: [("30m", "4h"), ("1h", None)]."""
        return [(format_duration(p.every),
                 None if p.lasting is None else format_duration(p.lasting)) for p in self._phases]

    def describe(self) -> str:
        """In words for the officer: "every 30 min for 4 h, then every 1 h"."""
        if not self._phases:
            return "no update cadence"
        return ", then ".join(
            f"every {_words(p.every)}" + ("" if p.lasting is None else f" for {_words(p.lasting)}")
            for p in self._phases)

    def rrules(self, start_utc: datetime) -> list[rrule]:
        """One `rrule` per phase that has an update in it, anchored at `start_utc`.

        `start_utc` is the incident's opening time (aware; converted to UTC). All
        the rules' datetimes are aware UTC.
        """
        phase_start = _aware_utc(start_utc, "start_utc")
        rules: list[rrule] = []
        for index, phase in enumerate(self._phases):
            first = phase_start + phase.every if index == 0 else phase_start
            until = None if phase.lasting is None else phase_start + phase.lasting
            if until is None or first <= until:
                rules.append(_rule(phase.every, first, until))
            if until is not None:
                phase_start = until
        return rules

    def rruleset(self, start_utc: datetime) -> RRuleSet:
        """Every update due time, as a dateutil `rruleset` of aware UTC datetimes.

        Iterate it, or use `.after(moment)`, `.between(a, b)`; a time two phases
        share appears once. Infinite when the last phase is open-ended.
        """
        rules = RRuleSet()
        for rule in self.rrules(start_utc):
            rules.rrule(rule)
        return rules

    def next_after(self, start_utc: datetime, moment: datetime) -> datetime | None:
        """The first update due strictly after `moment` (aware), in UTC; None once the cadence has
        run out. The opening time itself is not an update: the first is start + every."""
        found = self.rruleset(start_utc).after(_aware_utc(moment, "moment"), inc=False)
        return None if found is None else found.astimezone(UTC)

    def to_rrule_strings(self, start_utc: datetime) -> list[str]:
        """The rules as RFC 5545 text for storing, one string per rule, e.g.

        "DTSTART:20261024T223000Z\\nRRULE:FREQ=MINUTELY;INTERVAL=30;UNTIL=20261025T020000Z".
        DTSTART and UNTIL carry the "Z" (UTC). Read them back with `load_rruleset`.
        """
        return [_UTC_STAMP.sub(lambda m: m.group(0) + "Z", str(rule))
                for rule in self.rrules(start_utc)]


def load_rruleset(texts: Iterable[str]) -> RRuleSet:
    """Rebuild the `rruleset` from `Cadence.to_rrule_strings` output (aware UTC times).

    Raises ValueError if a string is not RFC 5545 rule text with a UTC DTSTART.
    """
    rules = RRuleSet()
    for text in texts:
        parsed = _read_own_rule(text) or rrulestr(text, tzinfos={"UTC": UTC, "Z": UTC})
        if not isinstance(parsed, rrule):
            raise ValueError(f"expected one DTSTART and RRULE, got {text!r}")
        first = next(iter(parsed), None)
        if first is not None and first.utcoffset() != timedelta(0):
            raise ValueError(f"a stored cadence rule must start at a UTC time (ending Z): {text!r}")
        rules.rrule(parsed)
    return rules


# What `to_rrule_strings` writes. Read directly: rrulestr parses its times with
# dateutil.parser, whose import alone costs more than drawing the dashboard.
_OWN_RULE = re.compile(r"DTSTART:(\d{8}T\d{6})Z\nRRULE:FREQ=(MINUTELY|HOURLY|DAILY)"
                       r"(?:;INTERVAL=(\d+))?(?:;UNTIL=(\d{8}T\d{6})Z)?")
_FREQS = {"MINUTELY": MINUTELY, "HOURLY": HOURLY, "DAILY": DAILY}


def _read_own_rule(text: str) -> rrule | None:
    """The rule if `text` is exactly as `to_rrule_strings` writes it; else None (rrulestr
    then reads it, with its full grammar)."""
    steps = _own_steps(text)
    if steps is None:
        return None
    return rrule(steps.freq, interval=steps.interval, dtstart=steps.start,  # type: ignore[arg-type]
                 until=steps.until)


@dataclass(frozen=True)
class _Steps:
    """A rule as `to_rrule_strings` writes it: start, start + step, ... up to until."""

    start: datetime
    freq: int
    interval: int
    until: datetime | None

    @property
    def step(self) -> timedelta:
        return timedelta(minutes=self.interval * {MINUTELY: 1, HOURLY: 60, DAILY: 1440}[
            self.freq])

    def last(self) -> datetime | None:
        """The rule's last time, None if it runs for ever."""
        if self.until is None:
            return None
        return self.start + ((self.until - self.start) // self.step) * self.step

    def first_from(self, t: datetime) -> datetime | None:
        """The first time at or after `t`."""
        k = 0 if t <= self.start else -(-(t - self.start) // self.step)
        slot = self.start + k * self.step
        return None if self.until is not None and slot > self.until else slot

    def last_to(self, t: datetime) -> datetime | None:
        """The last time at or before `t`."""
        if t < self.start:
            return None
        slot = self.start + ((t - self.start) // self.step) * self.step
        last = self.last()
        return min(slot, last) if last is not None else slot


def _own_steps(text: str) -> _Steps | None:
    m = _OWN_RULE.fullmatch(text)
    if m is None:
        return None

    def stamp(value: str) -> datetime:
        return datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)

    until = stamp(m.group(4)) if m.group(4) else None
    return _Steps(stamp(m.group(1)), _FREQS[m.group(2)], int(m.group(3) or 1), until)


class UpdateSlots:
    """An incident's update times, asked about near a moment in time.

    The rules `to_rrule_strings` writes are fixed steps from the opening, so the slot
    after now is found by arithmetic, not by walking dateutil's rule from the opening:
    the cost stays the same in a year-long incident as in a new one (the incident
    screen asks every second). Any other rule text is left to dateutil."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._steps: list[_Steps] = []
        others: list[str] = []
        for text in texts:
            steps = _own_steps(text)
            if steps is None:
                others.append(text)
            else:
                self._steps.append(steps)
        self._others = load_rruleset(others) if others else None

    def after(self, t: datetime, inc: bool = True) -> datetime | None:
        """The first slot after `t` (at `t` too when `inc`)."""
        found = [s for s in (self._step_after(r, t, inc) for r in self._steps) if s]
        if self._others is not None:
            other = self._others.after(t, inc=inc)
            if other is not None:
                found.append(other)
        return min(found, default=None)

    def before(self, t: datetime, inc: bool = True) -> datetime | None:
        """The last slot before `t` (at `t` too when `inc`)."""
        found = [s for s in (self._step_before(r, t, inc) for r in self._steps) if s]
        if self._others is not None:
            other = self._others.before(t, inc=inc)
            if other is not None:
                found.append(other)
        return max(found, default=None)

    def between(self, start: datetime, end: datetime) -> list[datetime]:
        """Every slot from `start` to `end`, both included, in order, each once."""
        found: set[datetime] = set()
        for steps in self._steps:
            slot = steps.first_from(start)
            while slot is not None and slot <= end and (steps.until is None
                                                         or slot <= steps.until):
                found.add(slot)
                slot += steps.step
        if self._others is not None:
            found.update(self._others.between(start, end, inc=True))
        return sorted(found)

    @staticmethod
    def _step_after(steps: _Steps, t: datetime, inc: bool) -> datetime | None:
        slot = steps.first_from(t)
        if slot is not None and slot == t and not inc:
            slot = steps.first_from(t + steps.step)
        return slot

    @staticmethod
    def _step_before(steps: _Steps, t: datetime, inc: bool) -> datetime | None:
        slot = steps.last_to(t)
        if slot is not None and slot == t and not inc:
            slot = steps.last_to(t - steps.step)
        return slot
