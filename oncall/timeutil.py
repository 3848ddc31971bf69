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


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


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


def parse_iso(text: str) -> datetime:
    """Parse a stored ISO-8601 UTC timestamp (accepting a trailing Z)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment
