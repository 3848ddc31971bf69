"""Cadence: update schedules as rrules in UTC, steady across the clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from itertools import islice, pairwise

import pytest
from dateutil.rrule import rrule, rruleset

from oncall.cadence import (
    Cadence,
    Phase,
    format_duration,
    load_rruleset,
    parse_duration,
)
from oncall.timeutil import fmt_time


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


STANDARD = Cadence([("30m", "4h"), ("1h", None)])


def first(rules: rruleset, count: int) -> list[datetime]:
    return list(islice(rules, count))


# --- parse_duration ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "minutes"), [
    ("15m", 15), ("+15m", 15), ("+ 15m", 15), ("2h", 120), ("1h30m", 90), ("1h30", 90),
    ("1d", 1440), ("1d2h", 1560), ("90m", 90), ("0m", 0), (" 20 min ", 20), ("20 minutes", 20),
    ("2 hours", 120), ("1 hour 30 minutes", 90), ("1 hour and 30 minutes", 90), ("1 hr", 60),
    ("3 days", 4320), ("2H", 120), ("5 mins", 5),
])
def test_parse_duration(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize(("text", "message"), [
    ("", "no length of time given"),
    ("+", "no length of time given"),
    ("30", "'30' needs a unit, as in 30m or 30h"),
    ("1h2h", "largest unit first"),
    ("30m1h", "largest unit first"),
    ("5 weeks", "'weeks' in '5 weeks' is not a unit of time"),
    ("1.5h", "could not read '1.5h' as a length of time"),
    ("-5m", "could not read '-5m'"),
    ("and 1h", "could not read"),
    ("m", "could not read"),
    ("30 15", "could not read"),
    ("1234567d", "could not read"),
])
def test_parse_duration_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        parse_duration(text)
    assert "15m, 2h, 1h30m or 1d" in str(caught.value) or "needs a unit" in str(caught.value)


@pytest.mark.parametrize(("minutes", "text"), [
    (0, "0m"), (15, "15m"), (60, "1h"), (90, "1h30m"), (1440, "1d"), (1530, "1d1h30m")])
def test_format_duration_round_trips(minutes: int, text: str) -> None:
    assert format_duration(timedelta(minutes=minutes)) == text
    assert parse_duration(text) == timedelta(minutes=minutes)


# --- building a cadence ----------------------------------------------------------------------


def test_phases_are_parsed() -> None:
    assert STANDARD.phases == (Phase(timedelta(minutes=30), timedelta(hours=4)),
                               Phase(timedelta(hours=1), None))


def test_equivalent_spellings_are_equal() -> None:
    same = [
        Cadence([("30m", "4h"), ("1h",)]),  # a TOML array has no null
        Cadence([["30m", "4h"], ["1h"]]),
        Cadence([("30 min", "+4h"), (timedelta(hours=1), None)]),
        Cadence((Phase(timedelta(minutes=30), timedelta(hours=4)), Phase(timedelta(hours=1)))),
    ]
    for cadence in same:
        assert cadence == STANDARD
        assert hash(cadence) == hash(STANDARD)
    assert Cadence([("30m", "4h")]) != STANDARD
    assert STANDARD != "every 30 min"


def test_spec_and_repr() -> None:
    assert STANDARD.to_spec() == [("30m", "4h"), ("1h", None)]
    assert repr(STANDARD) == "Cadence([('30m', '4h'), ('1h', None)])"
    assert Cadence(STANDARD.to_spec()) == STANDARD


@pytest.mark.parametrize(("phases", "message"), [
    ([("1h", None), ("30m", "4h")], "only the last phase"),
    ([("0m", None)], "at least 1"),
    ([("30m", "0m")], "at least 1"),
    ([("30", None)], "needs a unit"),
    ([("30m", "4h", "x")], "a cadence phase is"),
    (["30m"], "a cadence phase is"),
    ([(None, "4h")], "needs an interval"),
    ([(timedelta(seconds=90), None)], "whole number of minutes"),
])
def test_bad_cadences_are_refused(phases: list, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=message):
        Cadence(phases)


def test_no_phases_means_no_updates() -> None:
    empty = Cadence([])
    opened = utc(2026, 11, 26, 2, 47)
    assert empty.phases == ()
    assert empty.describe() == "no update cadence"
    assert list(empty.rruleset(opened)) == []
    assert empty.next_after(opened, opened) is None
    assert empty.to_rrule_strings(opened) == []
    assert list(load_rruleset([])) == []


def test_describe() -> None:
    assert STANDARD.describe() == "every 30 min for 4 h, then every 1 h"
    assert Cadence([("15m", "1h"), ("30m", "4h"), ("2h", None)]).describe() == (
        "every 15 min for 1 h, then every 30 min for 4 h, then every 2 h")
    assert Cadence([("1h30m", "1d")]).describe() == "every 1 h 30 min for 1 d"
    assert Cadence([("1d", None)]).describe() == "every 1 d"


# --- the schedule ---------------------------------------------------------------------------


def test_scenario_next_update_after_03_10_is_03_17() -> None:
    opened = utc(2026, 11, 26, 2, 47)
    assert STANDARD.next_after(opened, utc(2026, 11, 26, 3, 10)) == utc(2026, 11, 26, 3, 17)


def test_ordinary_schedule_and_phase_boundary() -> None:
    opened = utc(2026, 11, 26, 2, 47)
    due = first(STANDARD.rruleset(opened), 11)
    assert due == [opened + timedelta(minutes=30 * k) for k in range(1, 9)] + [
        opened + timedelta(hours=5), opened + timedelta(hours=6), opened + timedelta(hours=7)]
    # The hourly phase starts at start+4h: that update is there once, and then hourly.
    assert due[7] == opened + timedelta(hours=4)
    assert due.count(opened + timedelta(hours=4)) == 1


def test_the_opening_itself_is_not_an_update() -> None:
    opened = utc(2026, 11, 26, 2, 47)
    assert STANDARD.next_after(opened, opened) == opened + timedelta(minutes=30)
    assert STANDARD.next_after(opened, opened - timedelta(hours=1)) == opened + timedelta(
        minutes=30)


def test_next_after_is_strictly_after() -> None:
    opened = utc(2026, 11, 26, 2, 47)
    assert STANDARD.next_after(opened, utc(2026, 11, 26, 3, 17)) == utc(2026, 11, 26, 3, 47)
    assert STANDARD.next_after(opened, utc(2026, 11, 26, 6, 47)) == utc(2026, 11, 26, 7, 47)
    assert STANDARD.next_after(opened, utc(2026, 11, 26, 6, 40)) == utc(2026, 11, 26, 6, 47)
    assert STANDARD.next_after(opened, utc(2026, 11, 27, 6, 50)) == utc(2026, 11, 27, 7, 47)


def test_boundary_that_does_not_line_up_starts_the_next_phase_on_time() -> None:
    opened = utc(2026, 11, 26, 12, 0)
    cadence = Cadence([("45m", "2h"), ("1h", None)])
    assert [fmt_time(t) for t in first(cadence.rruleset(opened), 5)] == [
        "12:45 GMT", "13:30 GMT", "14:00 GMT", "15:00 GMT", "16:00 GMT"]


def test_a_finite_cadence_runs_out() -> None:
    opened = utc(2026, 11, 26, 12, 0)
    cadence = Cadence([("30m", "2h")])
    assert list(cadence.rruleset(opened)) == [utc(2026, 11, 26, 12, 30), utc(2026, 11, 26, 13, 0),
                                              utc(2026, 11, 26, 13, 30), utc(2026, 11, 26, 14, 0)]
    assert cadence.next_after(opened, utc(2026, 11, 26, 14, 0)) is None


def test_three_phases() -> None:
    opened = utc(2026, 11, 26, 12, 0)
    cadence = Cadence([("15m", "1h"), ("30m", "1h"), ("1h", None)])
    assert [fmt_time(t) for t in first(cadence.rruleset(opened), 8)] == [
        "12:15 GMT", "12:30 GMT", "12:45 GMT", "13:00 GMT", "13:30 GMT", "14:00 GMT",
        "15:00 GMT", "16:00 GMT"]


def test_daily_and_odd_intervals() -> None:
    opened = utc(2026, 11, 26, 12, 0)
    assert first(Cadence([("1d", None)]).rruleset(opened), 2) == [
        utc(2026, 11, 27, 12, 0), utc(2026, 11, 28, 12, 0)]
    assert first(Cadence([("1h30m", None)]).rruleset(opened), 2) == [
        utc(2026, 11, 26, 13, 30), utc(2026, 11, 26, 15, 0)]


def test_times_are_aware_utc_even_when_start_is_given_in_another_zone() -> None:
    opened_bst = datetime(2026, 6, 10, 14, 0, tzinfo=timezone(timedelta(hours=1)))
    due = first(STANDARD.rruleset(opened_bst), 2)
    assert due == [utc(2026, 6, 10, 13, 30), utc(2026, 6, 10, 14, 0)]
    assert all(t.utcoffset() == timedelta(0) for t in due)
    found = STANDARD.next_after(opened_bst, utc(2026, 6, 10, 13, 40))
    assert found == utc(2026, 6, 10, 14, 0)
    assert found is not None and found.tzinfo is UTC


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        STANDARD.rruleset(datetime(2026, 11, 26, 2, 47))
    with pytest.raises(ValueError, match="aware"):
        STANDARD.next_after(utc(2026, 11, 26, 2, 47), datetime(2026, 11, 26, 3, 10))


# --- across the clock changes (2026: 29 Mar forward, 25 Oct back) ----------------------


def test_every_30_real_minutes_when_the_clocks_go_back() -> None:
    opened = utc(2026, 10, 24, 22, 0)  # 23:00 BST on Sat 24 Oct
    due = first(STANDARD.rruleset(opened), 8)
    assert all(b - a == timedelta(minutes=30) for a, b in pairwise(due))
    assert [fmt_time(t) for t in due] == [
        "23:30 BST", "00:00 BST", "00:30 BST", "01:00 BST", "01:30 BST",
        "01:00 GMT", "01:30 GMT", "02:00 GMT"]
    # The hourly phase starts at start+4h = 02:00 UTC (02:00 GMT), whatever the clocks did.
    assert STANDARD.next_after(opened, utc(2026, 10, 25, 2, 0)) == utc(2026, 10, 25, 3, 0)


def test_every_30_real_minutes_when_the_clocks_go_forward() -> None:
    opened = utc(2026, 3, 28, 23, 0)  # 23:00 GMT on Sat 28 Mar
    due = first(STANDARD.rruleset(opened), 8)
    assert all(b - a == timedelta(minutes=30) for a, b in pairwise(due))
    assert [fmt_time(t) for t in due] == [
        "23:30 GMT", "00:00 GMT", "00:30 GMT", "02:00 BST", "02:30 BST",
        "03:00 BST", "03:30 BST", "04:00 BST"]
    assert first(STANDARD.rruleset(opened), 10)[8:] == [utc(2026, 3, 29, 4, 0),
                                                         utc(2026, 3, 29, 5, 0)]


def test_hourly_and_daily_phases_stay_in_real_time_across_both_changes() -> None:
    spring = first(Cadence([("1h", None)]).rruleset(utc(2026, 3, 28, 22, 30)), 6)
    assert all(b - a == timedelta(hours=1) for a, b in pairwise(spring))
    opened = utc(2026, 10, 24, 12, 0)
    autumn = first(Cadence([("1d", None)]).rruleset(opened), 2)
    # A day is 24 real hours, so the local time moves from 13:00 BST to 12:00 GMT.
    assert fmt_time(opened) == "13:00 BST"
    assert autumn[0] - opened == timedelta(hours=24)
    assert [fmt_time(t) for t in autumn] == ["12:00 GMT", "12:00 GMT"]


# --- storing -------------------------------------------------------------------------------


def test_rrules_are_one_per_phase() -> None:
    rules = STANDARD.rrules(utc(2026, 11, 26, 2, 47))
    assert len(rules) == 2
    assert all(isinstance(rule, rrule) for rule in rules)


def test_to_rrule_strings() -> None:
    assert STANDARD.to_rrule_strings(utc(2026, 10, 24, 22, 0)) == [
        "DTSTART:20261024T223000Z\nRRULE:FREQ=MINUTELY;INTERVAL=30;UNTIL=20261025T020000Z",
        "DTSTART:20261025T020000Z\nRRULE:FREQ=HOURLY",
    ]
    assert Cadence([("2h", None)]).to_rrule_strings(utc(2026, 1, 1, 0, 0)) == [
        "DTSTART:20260101T020000Z\nRRULE:FREQ=HOURLY;INTERVAL=2"]


def test_stored_strings_load_back_to_the_same_schedule() -> None:
    opened = utc(2026, 10, 24, 22, 0)
    loaded = load_rruleset(STANDARD.to_rrule_strings(opened))
    assert first(loaded, 12) == first(STANDARD.rruleset(opened), 12)
    assert all(t.utcoffset() == timedelta(0) for t in first(loaded, 12))
    finite = Cadence([("30m", "2h")])
    assert list(load_rruleset(finite.to_rrule_strings(opened))) == list(finite.rruleset(opened))


def test_load_refuses_a_rule_without_utc() -> None:
    with pytest.raises(ValueError, match="UTC"):
        load_rruleset(["DTSTART:20261024T223000\nRRULE:FREQ=HOURLY"])


def test_a_phase_shorter_than_its_interval_adds_nothing() -> None:
    opened = utc(2026, 11, 26, 12, 0)
    cadence = Cadence([("1h", "30m"), ("15m", None)])
    assert len(cadence.rrules(opened)) == 1
    assert first(cadence.rruleset(opened), 2) == [utc(2026, 11, 26, 12, 30),
                                                  utc(2026, 11, 26, 12, 45)]


@pytest.mark.parametrize("phases", [
    [("30m", "4h"), ("1h", None)],
    [("15m", "1h"), ("45m", "3h"), ("2h", None)],
    [("1d", None)],
    [("1h30m", "6h")],
    [("2h", "1d"), ("1d", "7d")],
])
@pytest.mark.parametrize("start", [datetime(2026, 10, 24, 22, 30, tzinfo=UTC),
                                   datetime(2027, 3, 28, 0, 59, tzinfo=UTC)])
def test_stored_rules_read_back_as_rrulestr_reads_them(phases: list, start: datetime) -> None:
    """load_rruleset reads our own rule text without dateutil.parser; what it reads must be
    what rrulestr (the full RFC 5545 grammar) reads."""
    from dateutil.rrule import rrulestr

    from oncall.cadence import _read_own_rule

    for text in Cadence(phases).to_rrule_strings(start):
        ours = _read_own_rule(text)
        assert ours is not None, text
        theirs = rrulestr(text, tzinfos={"UTC": UTC, "Z": UTC})
        assert list(islice(ours, 200)) == list(islice(theirs, 200))


def test_reading_stored_rules_does_not_load_dateutils_parser() -> None:
    import subprocess
    import sys

    code = ("import sys; from datetime import UTC, datetime; "
            "from oncall.cadence import Cadence, load_rruleset; "
            "load_rruleset(Cadence([('30m', '4h'), ('1h', None)]).to_rrule_strings("
            "datetime(2026, 1, 1, tzinfo=UTC))); print('dateutil.parser' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout.strip()
    assert out == "False"
