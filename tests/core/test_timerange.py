"""Time phrases in a search (issue 14): each form read to the right span of London
calendar time, the October and March clock changes, the echo naming the zone at each
end, and a phrase found at either end of a search while ordinary words stay words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncall.timeparse import TimeParseError
from oncall.timerange import parse_range, split_query

NOW = datetime(2026, 12, 5, 0, 30, tzinfo=UTC)  # 00:30 GMT, Saturday


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("text", "start", "end"), [
    ("last 2 hours", utc(2026, 12, 4, 22, 30), None),
    ("past 30 min", utc(2026, 12, 5, 0, 0), None),
    ("last week", utc(2026, 11, 28, 0, 30), None),
    ("last month", utc(2026, 11, 5, 0, 30), None),
    ("since 08:00", utc(2026, 12, 4, 8, 0), None),       # later than now: yesterday's
    ("after 3 December", utc(2026, 12, 3), None),
    ("before 3/11", None, utc(2026, 11, 3)),
    ("today", utc(2026, 12, 5), utc(2026, 12, 6)),
    ("yesterday", utc(2026, 12, 4), utc(2026, 12, 5)),
    ("this week", utc(2026, 11, 30), None),
    ("this month", utc(2026, 12, 1), None),
    ("between 1 and 3 March", utc(2026, 3, 1), utc(2026, 3, 4)),
    ("between 28 and 3 March", utc(2026, 2, 28), utc(2026, 3, 4)),
    ("from 1 Nov to 3 Nov", utc(2026, 11, 1), utc(2026, 11, 4)),
    ("between 14:00 and 16:00", utc(2026, 12, 4, 14), utc(2026, 12, 4, 16)),
    ("on 3/3/2025", utc(2025, 3, 3), utc(2025, 3, 4)),
    ("March 3", utc(2026, 3, 3), utc(2026, 3, 4)),
    ("on Monday", utc(2026, 11, 30), utc(2026, 12, 1)),
    ("in June", utc(2026, 5, 31, 23), utc(2026, 6, 30, 23)),   # BST: midnight is 23:00 UTC
    ("December", utc(2026, 12, 1), utc(2027, 1, 1)),  # this month, from its first day
])
def test_each_form_reads_to_its_span(text: str, start: datetime | None,
                                     end: datetime | None) -> None:
    span = parse_range(text, NOW)
    assert (span.start, span.end) == (start, end)


def test_a_date_without_a_year_is_the_latest_one_not_after_today() -> None:
    assert parse_range("on 25 December", NOW).start == utc(2025, 12, 25)
    assert parse_range("on 4 December", NOW).start == utc(2026, 12, 4)


def test_the_day_the_clocks_go_back_is_25_hours_and_says_both_zones() -> None:
    span = parse_range("on 25 October", NOW)
    assert span.start == utc(2026, 10, 24, 23) and span.end == utc(2026, 10, 26, 0)
    assert span.end - span.start == timedelta(hours=25)
    assert "BST then GMT" in span.echo and "Sun 25 Oct" in span.echo
    # 01:30 happened twice that night: both are inside the day.
    assert span.holds(utc(2026, 10, 25, 0, 30)) and span.holds(utc(2026, 10, 25, 1, 30))
    assert not span.holds(utc(2026, 10, 24, 22, 59))


def test_the_day_the_clocks_go_forward_is_23_hours() -> None:
    span = parse_range("on 29/3", NOW)
    assert span.start == utc(2026, 3, 29, 0) and span.end == utc(2026, 3, 29, 23)
    assert "GMT then BST" in span.echo


def test_a_span_across_the_october_change_names_each_ends_zone() -> None:
    span = parse_range("between 24/10 12:00 and 25/10 12:00", NOW)
    assert (span.start, span.end) == (utc(2026, 10, 24, 11), utc(2026, 10, 25, 12))
    assert "(BST)" in span.echo and "(GMT)" in span.echo


def test_the_echo_says_what_was_read() -> None:
    assert parse_range("yesterday", NOW).echo == "yesterday (the whole day, GMT)"
    assert parse_range("between 1 and 3 March", NOW).echo == \
        "Sun 1 Mar to Tue 3 Mar (whole days, GMT)"
    assert parse_range("since 08:00", NOW).echo == "since 08:00 yesterday (GMT)"


@pytest.mark.parametrize("text", ["last", "last 0 hours", "last 2 fortnights", "since",
                                  "between 3 March", "between 5 and 1 March 2026 12:00",
                                  "on 30 February", "since 25:00", "A34", "in Hanley",
                                  "between 16:00 and 14:00 yesterday"])
def test_what_is_not_a_span_is_refused_in_words(text: str) -> None:
    with pytest.raises(TimeParseError):
        parse_range(text, NOW)


def test_a_query_keeps_its_words_and_reads_its_time_phrase() -> None:
    words, span, problem = split_query("appeal Hanley last month", NOW)
    assert (words, problem) == ("appeal Hanley", "")
    assert span is not None and span.start == utc(2026, 11, 5, 0, 30)
    words, span, _ = split_query("since 08:00 witness", NOW)
    assert words == "witness" and span is not None and span.start == utc(2026, 12, 4, 8)


@pytest.mark.parametrize("query", ["protest march", "closed on A34", "may", "road in Hanley",
                                   "Meir 3 appeals"])
def test_ordinary_words_stay_words(query: str) -> None:
    assert split_query(query, NOW) == (query, None, "")


def test_a_time_phrase_that_does_not_read_is_said_and_nothing_is_dropped() -> None:
    words, span, problem = split_query("witness since 25:00", NOW)
    assert span is None and words == "witness since 25:00"
    assert "25:00" in problem


@given(st.text(max_size=40))
def test_any_text_splits_without_error(text: str) -> None:
    words, span, problem = split_query(text, NOW)
    assert span is None or (span.echo and not problem)
    assert set(words.split()) <= set(text.split())
