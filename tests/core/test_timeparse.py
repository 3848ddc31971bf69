"""parse_when: typed times read safely, in Europe/London, with the clock changes flagged.

Every test has a fixed `now`; nothing depends on the wall clock. 2026's clock
changes: forward on Sun 29 Mar at 01:00 GMT, back on Sun 25 Oct at 02:00 BST.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from oncall import timeparse
from oncall.timeparse import HINT, ParsedTime, TimeParseError, parse_when
from oncall.timeutil import day_word, fmt_echo


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Scenario 1: 02:47 on a winter night (GMT, so UTC == local).
NIGHT = utc(2026, 11, 26, 2, 47)
# A summer afternoon: 14:00 BST.
SUMMER = utc(2026, 6, 10, 13, 0)


# --- accepted forms ----------------------------------------------------------------------


def test_scenario_last_seen_21_00_at_02_47_is_yesterday() -> None:
    parsed = parse_when("21:00", NIGHT, "past")
    assert parsed == ParsedTime(utc(2026, 11, 25, 21, 0), "21:00 yesterday (GMT)", None)


def test_now() -> None:
    parsed = parse_when("now", NIGHT)
    assert parsed.utc == NIGHT
    assert parsed.echo == "02:47 today (GMT)"
    assert parsed.warning is None


def test_now_in_any_direction_has_no_warning() -> None:
    for direction in ("past", "future", "any"):
        assert parse_when("  NOW ", NIGHT, direction).warning is None  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["14:05", "1405", "14.05", " 14:05 ", "2:05pm", "2.05pm",
                                  "2:05 pm", "2:05 p.m.", "2:05PM"])
def test_clock_time_forms(text: str) -> None:
    parsed = parse_when(text, NIGHT)
    assert parsed.utc == utc(2026, 11, 26, 14, 5)
    assert parsed.echo == "14:05 today (GMT)"
    assert parsed.warning is None


@pytest.mark.parametrize(("text", "hour", "minute"), [
    ("9:30pm", 21, 30), ("9pm", 21, 0), ("9 pm", 21, 0), ("9am", 9, 0), ("12am", 0, 0),
    ("12pm", 12, 0), ("noon", 12, 0), ("Midday", 12, 0), ("midnight", 0, 0), ("0930", 9, 30),
    ("9:05", 9, 5), ("00:00", 0, 0), ("23:59", 23, 59),
])
def test_more_clock_times_are_today_for_any(text: str, hour: int, minute: int) -> None:
    parsed = parse_when(text, NIGHT, "any")
    assert parsed.utc == utc(2026, 11, 26, hour, minute)
    assert parsed.echo == f"{hour:02d}:{minute:02d} today (GMT)"


def test_summer_times_are_bst() -> None:
    parsed = parse_when("9:30pm", SUMMER)
    assert parsed.utc == utc(2026, 6, 10, 20, 30)
    assert parsed.echo == "21:30 today (BST)"


@pytest.mark.parametrize(("text", "delta"), [
    ("in 20 min", timedelta(minutes=20)), ("in 20 minutes", timedelta(minutes=20)),
    ("in 20min", timedelta(minutes=20)), ("in 2 hours", timedelta(hours=2)),
    ("in 1h30", timedelta(hours=1, minutes=30)), ("in 1h30m", timedelta(hours=1, minutes=30)),
    ("in 1 hour and 30 minutes", timedelta(hours=1, minutes=30)),
    ("in an hour", timedelta(hours=1)), ("IN 5 MINS", timedelta(minutes=5)),
    ("20 min ago", -timedelta(minutes=20)), ("2 hours ago", -timedelta(hours=2)),
    ("20min ago", -timedelta(minutes=20)), ("1h30 ago", -timedelta(hours=1, minutes=30)),
])
def test_relative_times(text: str, delta: timedelta) -> None:
    parsed = parse_when(text, NIGHT)
    assert parsed.utc == NIGHT + delta
    assert parsed.warning is None


def test_relative_times_keep_seconds_and_echo_the_day() -> None:
    now = utc(2026, 11, 26, 23, 50, 30)
    parsed = parse_when("in 20 min", now)
    assert parsed.utc == utc(2026, 11, 27, 0, 10, 30)
    assert parsed.echo == "00:10 tomorrow (GMT)"
    assert parse_when("3 hours ago", NIGHT).echo == "23:47 yesterday (GMT)"


def test_relative_times_count_real_minutes_across_the_clock_change() -> None:
    before = utc(2026, 10, 25, 0, 45)  # 01:45 BST
    parsed = parse_when("in 30 min", before)
    assert parsed.utc == utc(2026, 10, 25, 1, 15)
    assert parsed.echo == "01:15 today (GMT)"


@pytest.mark.parametrize(("text", "expected", "echo"), [
    ("yesterday 23:10", utc(2026, 11, 25, 23, 10), "23:10 yesterday (GMT)"),
    ("23:10 yesterday", utc(2026, 11, 25, 23, 10), "23:10 yesterday (GMT)"),
    ("Yesterday at 23:10", utc(2026, 11, 25, 23, 10), "23:10 yesterday (GMT)"),
    ("today 08:00", utc(2026, 11, 26, 8, 0), "08:00 today (GMT)"),
    ("tomorrow 06:00", utc(2026, 11, 27, 6, 0), "06:00 tomorrow (GMT)"),
    ("yesterday, 9pm", utc(2026, 11, 25, 21, 0), "21:00 yesterday (GMT)"),
])
def test_day_words(text: str, expected: datetime, echo: str) -> None:
    parsed = parse_when(text, NIGHT)
    assert (parsed.utc, parsed.echo) == (expected, echo)


def test_tomorrow_in_summer_echoes_bst() -> None:
    assert parse_when("tomorrow 06:00", SUMMER).echo == "06:00 tomorrow (BST)"


@pytest.mark.parametrize(("text", "expected", "echo"), [
    ("26/11 14:05", utc(2026, 11, 26, 14, 5), "14:05 today (GMT)"),
    ("26/11/2026 14:05", utc(2026, 11, 26, 14, 5), "14:05 today (GMT)"),
    ("26-11-2026 14:05", utc(2026, 11, 26, 14, 5), "14:05 today (GMT)"),
    ("26/11/26 14:05", utc(2026, 11, 26, 14, 5), "14:05 today (GMT)"),
    ("14:05 26/11", utc(2026, 11, 26, 14, 5), "14:05 today (GMT)"),
    ("on 20/11 at 09:15", utc(2026, 11, 20, 9, 15), "09:15 Fri 20 Nov (GMT)"),
    ("3/12 09:15", utc(2026, 12, 3, 9, 15), "09:15 Thu 3 Dec (GMT)"),
    ("5/6/2026 10:00", utc(2026, 6, 5, 9, 0), "10:00 Fri 5 Jun (BST)"),  # day first: 5 June
    ("1/1/2027 10:00", utc(2027, 1, 1, 10, 0), "10:00 Fri 1 Jan 2027 (GMT)"),
])
def test_dates_are_day_first(text: str, expected: datetime, echo: str) -> None:
    parsed = parse_when(text, NIGHT)
    assert (parsed.utc, parsed.echo) == (expected, echo)


def test_a_date_without_a_year_is_the_nearest_one_fitting_the_direction() -> None:
    new_year = utc(2027, 1, 2, 10, 0)
    assert parse_when("31/12 23:00", new_year, "past").utc == utc(2026, 12, 31, 23, 0)
    assert parse_when("31/12 23:00", new_year, "any").utc == utc(2026, 12, 31, 23, 0)
    assert parse_when("31/12 23:00", new_year, "future").utc == utc(2027, 12, 31, 23, 0)
    new_years_eve = utc(2026, 12, 31, 20, 0)
    parsed = parse_when("1/1 06:00", new_years_eve, "future")
    assert parsed.utc == utc(2027, 1, 1, 6, 0)
    assert parsed.echo == "06:00 tomorrow (GMT)"


def test_utc_suffix_is_an_instant() -> None:
    parsed = parse_when("14:05 UTC", SUMMER)
    assert parsed.utc == utc(2026, 6, 10, 14, 5)
    assert parsed.echo == "15:05 today (BST)"


def test_gmt_suffix_in_winter_and_bst_suffix_in_summer_are_accepted() -> None:
    assert parse_when("14:05 GMT", NIGHT).utc == utc(2026, 11, 26, 14, 5)
    assert parse_when("14:05 bst", SUMMER).utc == utc(2026, 6, 10, 13, 5)


def test_now_may_be_given_in_another_zone_and_the_result_is_utc() -> None:
    here = NIGHT.astimezone(timezone(timedelta(hours=5)))
    parsed = parse_when("21:00", here, "past")
    assert parsed.utc == utc(2026, 11, 25, 21, 0)
    assert parsed.utc.tzinfo is UTC


# --- direction --------------------------------------------------------------------------


def test_past_rolls_a_later_time_back_to_yesterday() -> None:
    assert parse_when("03:00", NIGHT, "past").echo == "03:00 yesterday (GMT)"
    assert parse_when("02:00", NIGHT, "past").echo == "02:00 today (GMT)"
    assert parse_when("02:47", NIGHT, "past").echo == "02:47 today (GMT)"


def test_future_rolls_an_earlier_time_on_to_tomorrow() -> None:
    evening = utc(2026, 11, 26, 22, 0)
    assert parse_when("06:00", evening, "future").echo == "06:00 tomorrow (GMT)"
    assert parse_when("23:40", evening, "future").echo == "23:40 today (GMT)"
    assert parse_when("midnight", evening, "future").utc == utc(2026, 11, 27, 0, 0)


def test_future_counts_the_current_minute_as_now() -> None:
    now = utc(2026, 11, 26, 14, 5, 30)
    assert parse_when("14:05", now, "future").echo == "14:05 today (GMT)"


def test_any_keeps_a_bare_time_today() -> None:
    assert parse_when("21:00", NIGHT, "any").echo == "21:00 today (GMT)"
    assert parse_when("01:00", NIGHT, "any").echo == "01:00 today (GMT)"


def test_rolling_into_summer_time() -> None:
    # Sat 28 Mar 23:30 GMT; "reopens at 09:00" is Sunday, after the clocks went forward.
    now = utc(2026, 3, 28, 23, 30)
    parsed = parse_when("09:00", now, "future")
    assert parsed.utc == utc(2026, 3, 29, 8, 0)
    assert parsed.echo == "09:00 tomorrow (BST)"


def test_an_explicit_day_is_kept_but_a_wrong_side_of_now_is_flagged() -> None:
    parsed = parse_when("tomorrow 06:00", NIGHT, "past")
    assert parsed.utc == utc(2026, 11, 27, 6, 0)
    assert parsed.warning == (
        "06:00 tomorrow (GMT) is later than now; check it is the time you mean.")
    parsed = parse_when("yesterday 23:10", NIGHT, "future")
    assert parsed.warning is not None and "earlier than now" in parsed.warning
    assert parse_when("yesterday 23:10", NIGHT, "past").warning is None


def test_a_relative_time_on_the_wrong_side_of_now_is_flagged() -> None:
    assert "later than now" in (parse_when("in 20 min", NIGHT, "past").warning or "")
    assert "earlier than now" in (parse_when("20 min ago", NIGHT, "future").warning or "")
    assert parse_when("in 20 min", NIGHT, "future").warning is None


# --- rejections ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["A34", "a34", "B1234", "near the A34 at 9", "M6 J10",
                                  "A34 14:05", "14:05 near the canal", "1234 B1234", "2034AD"])
def test_road_numbers_and_other_words_are_never_read_as_times(text: str) -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_when(text, NIGHT)
    assert HINT in str(caught.value)


def test_leftover_word_is_named_as_typed() -> None:
    with pytest.raises(TimeParseError, match="'A34' is not part of a time"):
        parse_when("A34", NIGHT)
    with pytest.raises(TimeParseError, match="'near' is not part of a time"):
        parse_when("near the A34 at 9", NIGHT)


def test_four_digits_are_a_24_hour_time_never_a_year() -> None:
    assert parse_when("2034", NIGHT).echo == "20:34 today (GMT)"
    with pytest.raises(TimeParseError):
        parse_when("2534", NIGHT)


def test_impossible_time_message() -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_when("25:99", NIGHT)
    assert str(caught.value) == (
        "could not read '25:99' as a time; try 14:05, now, in 20 min or yesterday 23:10")


@pytest.mark.parametrize("text", [
    "24:00", "14:60", "2400", "13pm", "0am", "9:75pm", "9", "930", "at 9", "in 20", "20 ago",
    "in soon", "in -5 min", "later", "yesterday", "26/11", "today tomorrow 10:00",
    "14:05 15:00", "14:05 GMT BST", "26/11 yesterday 14:05", "31/11 10:00", "29/02 10:00",
    "5/13 10:00", "13/13 10:00", "14:05pm", "now please", "1.5 hours ago", "14:05:30",
    "in 99999999 days", "\x1b[31m14:05",
])
def test_rejections(text: str) -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_when(text, NIGHT)
    assert HINT in str(caught.value)
    assert "\x1b" not in str(caught.value)


@pytest.mark.parametrize("text", ["", "   ", "\t"])
def test_empty_text(text: str) -> None:
    with pytest.raises(TimeParseError, match="no time given"):
        parse_when(text, NIGHT)


def test_month_first_dates_are_refused_with_a_hint() -> None:
    with pytest.raises(TimeParseError, match="day first"):
        parse_when("5/13 10:00", NIGHT)


def test_a_bare_number_gets_a_specific_hint() -> None:
    with pytest.raises(TimeParseError, match="'9' on its own is not a time"):
        parse_when("at 9", NIGHT)
    with pytest.raises(TimeParseError, match="needs a unit"):
        parse_when("in 20", NIGHT)


def test_a_zone_not_in_force_is_refused() -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_when("14:05 BST", NIGHT)
    assert str(caught.value) == ("BST is not in use at 14:05 today (the clocks are on GMT); "
                                 "leave it out or check the time")


def test_long_text_is_shortened_in_the_message() -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_when("x" * 500, NIGHT)
    assert len(str(caught.value)) < 200


def test_time_parse_error_is_a_value_error() -> None:
    assert issubclass(TimeParseError, ValueError)


def test_programming_errors_are_plain_value_errors() -> None:
    with pytest.raises(ValueError, match="aware") as caught:
        parse_when("14:05", datetime(2026, 11, 26, 2, 47))
    assert not isinstance(caught.value, TimeParseError)
    with pytest.raises(ValueError, match="direction"):
        parse_when("14:05", NIGHT, "backwards")  # type: ignore[arg-type]


def test_dateutil_only_ever_sees_the_extracted_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, dict[str, object]]] = []
    real = timeparse.dateparser.parse

    def spy(text: str, **kwargs: object) -> datetime:
        seen.append((text, kwargs))
        return real(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(timeparse.dateparser, "parse", spy)
    parse_when("yesterday 9.30pm", NIGHT)
    parse_when("26/11/2026 14:05", NIGHT)
    with pytest.raises(TimeParseError):
        parse_when("near the A34 at 9", NIGHT)
    assert [text for text, _ in seen] == ["9:30pm", "14:05", "26/11/2026"]
    assert all(not kwargs.get("fuzzy") and "default" in kwargs for _, kwargs in seen)


# --- clock changes ---------------------------------------------------------------------------


def test_ambiguous_time_takes_the_first_bst_and_says_so() -> None:
    saturday_evening = utc(2026, 10, 24, 19, 0)  # 20:00 BST
    parsed = parse_when("01:30", saturday_evening, "future")
    assert parsed.utc == utc(2026, 10, 25, 0, 30)
    assert parsed.echo == "01:30 tomorrow (BST)"
    assert parsed.warning == (
        "01:30 happens twice tomorrow: the clocks go back from 02:00 BST to 01:00 GMT. "
        "Took the first, 01:30 BST; add GMT (as in '01:30 GMT') for the second, an hour later.")


def test_ambiguous_time_on_another_day_echoes_the_date() -> None:
    parsed = parse_when("25/10 01:30", SUMMER)
    assert parsed.utc == utc(2026, 10, 25, 0, 30)
    assert parsed.echo == "01:30 Sun 25 Oct (BST)"
    assert parsed.warning is not None and "on Sun 25 Oct" in parsed.warning


def test_gmt_picks_the_second_of_the_two_0130s() -> None:
    after = utc(2026, 10, 25, 3, 0)
    first = parse_when("01:30 BST", after, "past")
    second = parse_when("01:30 GMT", after, "past")
    assert (first.utc, first.echo, first.warning) == (
        utc(2026, 10, 25, 0, 30), "01:30 today (BST)", None)
    assert (second.utc, second.echo, second.warning) == (
        utc(2026, 10, 25, 1, 30), "01:30 today (GMT)", None)
    assert parse_when("25/10/2026 01:30 gmt", SUMMER).utc == utc(2026, 10, 25, 1, 30)


def test_ambiguous_time_in_the_past_is_still_the_first() -> None:
    parsed = parse_when("01:30", utc(2026, 10, 25, 3, 0), "past")
    assert parsed.utc == utc(2026, 10, 25, 0, 30)
    assert parsed.warning is not None
    assert parsed.warning.startswith("01:30 happened twice today: the clocks went back")


def test_future_takes_the_second_0130_when_the_first_has_gone() -> None:
    between = utc(2026, 10, 25, 1, 10)  # 01:10 GMT, after the first 01:30
    parsed = parse_when("01:30", between, "future")
    assert parsed.utc == utc(2026, 10, 25, 1, 30)
    assert parsed.echo == "01:30 today (GMT)"
    assert parsed.warning is not None
    assert "Took the second, 01:30 GMT; add BST" in parsed.warning
    assert "an hour earlier" in parsed.warning


def test_ordinary_0130s_are_not_flagged() -> None:
    assert parse_when("01:30", utc(2026, 10, 18, 3, 0), "past").warning is None
    assert parse_when("02:30", utc(2026, 10, 25, 3, 0), "past").warning is None
    assert parse_when("00:30", utc(2026, 10, 25, 3, 0), "past").warning is None


def test_a_bst_time_that_no_longer_exists_after_the_change_is_refused() -> None:
    with pytest.raises(TimeParseError, match="BST is not in use at 02:30 today"):
        parse_when("02:30 BST", utc(2026, 10, 25, 3, 0), "past")


def test_skipped_time_is_refused_and_explained() -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_when("01:30", utc(2026, 3, 29, 5, 0), "past")
    assert str(caught.value) == (
        "there was no 01:30 today: the clocks went forward from 01:00 to 02:00 (GMT to BST), "
        "so that time did not happen; did you mean 00:30 GMT or 02:30 BST?")


def test_skipped_time_ahead_is_explained_in_the_future_tense() -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_when("29/3 01:15", utc(2026, 3, 20, 12, 0))
    message = str(caught.value)
    assert message.startswith("there will be no 01:15 on Sun 29 Mar: the clocks go forward "
                              "from 01:00 to 02:00")
    assert "00:15 GMT or 02:15 BST" in message


@pytest.mark.parametrize("text", ["01:00", "01:59", "tomorrow 01:30", "1:30am", "01:30 GMT"])
def test_every_skipped_minute_is_refused(text: str) -> None:
    with pytest.raises(TimeParseError, match="clocks go forward"):
        parse_when(text, utc(2026, 3, 28, 12, 0), "future" if "tomorrow" not in text else "any")


def test_either_side_of_the_skipped_hour_is_fine() -> None:
    now = utc(2026, 3, 29, 5, 0)
    assert parse_when("00:59", now, "past").echo == "00:59 today (GMT)"
    assert parse_when("02:00", now, "past").echo == "02:00 today (BST)"
    assert parse_when("02:00", now, "past").utc == utc(2026, 3, 29, 1, 0)


def test_a_past_time_that_would_be_skipped_today_rolls_to_yesterday_first() -> None:
    # 00:30 GMT on Sun 29 Mar: "last seen 01:30" means Saturday's, which happened.
    parsed = parse_when("01:30", utc(2026, 3, 29, 0, 30), "past")
    assert parsed.utc == utc(2026, 3, 28, 1, 30)
    assert parsed.echo == "01:30 yesterday (GMT)"


# --- echo helpers in timeutil -------------------------------------------------------------------


def test_fmt_echo_and_day_word() -> None:
    assert fmt_echo(utc(2026, 11, 25, 21, 0), NIGHT) == "21:00 yesterday (GMT)"
    assert fmt_echo(utc(2026, 10, 25, 0, 30), NIGHT) == "01:30 Sun 25 Oct (BST)"
    assert fmt_echo(utc(2025, 10, 26, 1, 30), NIGHT) == "01:30 Sun 26 Oct 2025 (GMT)"
    assert day_word(utc(2026, 11, 27, 0, 0), NIGHT) == "tomorrow"
    # 23:30 UTC in June is 00:30 BST the next day.
    assert day_word(utc(2026, 6, 10, 23, 30), SUMMER) == "tomorrow"
