"""Times: stored in UTC, shown in Europe/London with the zone's name (GMT/BST)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache


@cache
def london() -> tzinfo:
    """Europe/London, from the system's zone data or, failing that, dateutil's copy."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/London")
    except Exception:  # ZoneInfoNotFoundError on a host without tzdata
        from dateutil import tz

        zone = tz.gettz("Europe/London")
        if zone is None:  # pragma: no cover - dateutil always bundles zone data
            raise RuntimeError("no time zone data for Europe/London") from None
        return zone


def _system_clock() -> datetime:
    return datetime.now(UTC)


# The one clock every part of the app reads. Screen snapshots and the demo's replay
# set it to a fixed moment; nothing else should.
clock = _system_clock


def utcnow() -> datetime:
    """The current time as an aware UTC datetime, from the app's one clock."""
    return clock()


def local(moment: datetime) -> datetime:
    """`moment` (aware) in Europe/London."""
    return moment.astimezone(london())


def fmt_time(moment: datetime) -> str:
    """'14:05 GMT' style: the local clock time with its zone name."""
    here = local(moment)
    return f"{here:%H:%M} {here.tzname()}"


def fmt_datetime(moment: datetime, now: datetime | None = None) -> str:
    """Local time with the zone, and the date where it is not today ('yesterday', 'Tue 24 Nov')."""
    here = local(moment)
    today = local(now or utcnow()).date()
    if here.date() == today:
        day = ""
    elif here.date() == today - timedelta(days=1):
        day = "yesterday "
    elif here.date() == today + timedelta(days=1):
        day = "tomorrow "
    else:
        day = f"{here:%a} {here.day} {here:%b} "
    return f"{day}{here:%H:%M} {here.tzname()}"


def day_word(moment: datetime, now: datetime) -> str:
    """'today', 'yesterday', 'tomorrow', else 'Sun 25 Oct' (with the year if not now's).

    Both are compared as Europe/London calendar dates.
    """
    here = local(moment).date()
    today = local(now).date()
    if here == today:
        return "today"
    if here == today - timedelta(days=1):
        return "yesterday"
    if here == today + timedelta(days=1):
        return "tomorrow"
    year = f" {here.year}" if here.year != today.year else ""
    return f"{here:%a} {here.day} {here:%b}{year}"


def fmt_echo(moment: datetime, now: datetime) -> str:
    """How a time the officer typed is read back: '21:00 yesterday (GMT)'.

    Local clock time, then the day ('today', 'yesterday', 'tomorrow' or
    'Sun 25 Oct'), then the zone in force at that moment (GMT or BST), so the
    two 01:30s on the night the clocks go back read differently.
    """
    here = local(moment)
    return f"{here:%H:%M} {day_word(moment, now)} ({here.tzname()})"


def parse_iso(text: str) -> datetime:
    """Parse a stored ISO-8601 UTC timestamp (accepting a trailing Z)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def countdown(moment: datetime, now: datetime) -> str:
    """'in 7 min', 'in 1 h 05 min', 'now', or 'OVERDUE 3 min' for a deadline."""
    seconds = int((moment - now).total_seconds())
    if -60 < seconds < 60:
        return "due now"
    minutes = abs(seconds) // 60
    span = f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
    return f"in {span}" if seconds > 0 else f"OVERDUE {span}"
