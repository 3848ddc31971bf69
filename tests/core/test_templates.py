"""Filling templates: each field checked by its kind, rendering, and approval dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from oncall.config import ForceSettings
from oncall.model import Template, TemplateField
from oncall.templates import approval, check_field, fill, public_time, render

# 02:47 GMT on Thursday 26 November 2026 (UK time is GMT = UTC in November).
NOW = datetime(2026, 11, 26, 2, 47, tzinfo=UTC)
FORCE = ForceSettings(name="Mercia Vale Police", website="https://www.merciavale.police.uk",
                      phone="101", disclaimer="Not monitored 24/7.")


def text(**kw: object) -> TemplateField:
    return TemplateField(name="name", label="Name", **kw)  # type: ignore[arg-type]


# --- text ---------------------------------------------------------------------------------

def test_text_required_blank_is_an_error() -> None:
    assert check_field(text(), "   ", NOW).error == "Name is required"
    assert check_field(text(), "", NOW).value == ""


def test_text_optional_blank_is_fine_and_empty() -> None:
    result = check_field(text(required=False), "  ", NOW)
    assert (result.error, result.value) == (None, "")


def test_text_is_trimmed() -> None:
    result = check_field(text(), "  Sam Jones \n", NOW)
    assert (result.error, result.value) == (None, "Sam Jones")


def test_text_max_length() -> None:
    assert check_field(text(max_length=3), "14", NOW).value == "14"
    assert check_field(text(max_length=3), "100", NOW).value == "100"
    assert check_field(text(max_length=3), "1000", NOW).error == "Name is too long (4 > 3)"


@pytest.mark.parametrize("raw", ["{force_name}", "a { b", "b }", "{{x}}"])
def test_text_braces_refused(raw: str) -> None:
    """A value must not smuggle a placeholder (or a brace) into the rendered message."""
    result = check_field(text(), raw, NOW)
    assert result.error == "Name cannot contain { or }"
    assert result.value == ""


def test_text_control_characters_stripped() -> None:
    result = check_field(text(), "Sa\x07m\x1b[31m Jo\x00nes\x7f\x9b", NOW)
    assert (result.error, result.value) == (None, "Sam[31m Jones")


def test_max_length_counts_after_stripping_controls() -> None:
    assert check_field(text(max_length=3), "1\x074\x00", NOW).value == "14"


# --- time ---------------------------------------------------------------------------------

def time_field(direction: str) -> TemplateField:
    return TemplateField(name="seen", label="Last seen", kind="time", direction=direction)


def test_time_past_echoes_yesterday_and_renders_public_time() -> None:
    result = check_field(time_field("past"), "21:00", NOW)
    assert result.error is None
    assert result.echo == "21:00 yesterday (GMT)"
    assert result.moment == datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
    assert result.value == "21:00 on Wednesday 25 November"
    assert result.warning is None


def test_time_future_reads_a_passed_clock_time_as_tomorrow() -> None:
    result = check_field(time_field("future"), "01:00", NOW)
    assert result.echo == "01:00 tomorrow (GMT)"
    assert result.value == "01:00 on Friday 27 November"


def test_time_earlier_today_with_direction_past() -> None:
    result = check_field(time_field("past"), "01:15", NOW)
    assert result.echo == "01:15 today (GMT)"
    assert result.value == "01:15 on Thursday 26 November"


def test_time_unreadable_is_an_error_not_an_exception() -> None:
    result = check_field(time_field("past"), "near the A34", NOW)
    assert result.error is not None and "could not read" in result.error
    assert result.value == "" and result.moment is None


def test_public_time_is_local_clock_time_in_summer() -> None:
    # 20:00 UTC on 1 July is 21:00 BST.
    assert public_time(datetime(2026, 7, 1, 20, 0, tzinfo=UTC)) == "21:00 on Wednesday 1 July"


# --- url ----------------------------------------------------------------------------------

def url() -> TemplateField:
    return TemplateField(name="link", label="Appeal link", kind="url")


def test_url_without_scheme_gets_https_and_is_echoed() -> None:
    result = check_field(url(), "www.merciavale.police.uk/appeal/123", NOW)
    assert result.error is None
    assert result.value == "https://www.merciavale.police.uk/appeal/123"
    assert result.echo == "https://www.merciavale.police.uk/appeal/123"


@pytest.mark.parametrize("raw", ["https://www.merciavale.police.uk/a", "http://example.org"])
def test_url_with_scheme_is_kept_without_echo(raw: str) -> None:
    result = check_field(url(), raw, NOW)
    assert (result.value, result.echo, result.error) == (raw, None, None)


@pytest.mark.parametrize("raw", [
    "ftp://files.example.org/a",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "mailto:press@merciavale.police.uk",
    "press@merciavale.police.uk",
    "https://user:pass@evil.example/x",
    "tel:101",
    "localhost",
    "https://exa mple.org",
    "[oops.uk",
])
def test_url_refuses_non_web_addresses(raw: str) -> None:
    result = check_field(url(), raw, NOW)
    assert result.error is not None and result.error.endswith("is not a web address")
    assert result.error.startswith("Appeal link: ")
    assert result.value == ""


# --- choice and location ------------------------------------------------------------------

def test_choice_is_case_insensitive_and_gives_the_declared_spelling() -> None:
    spec = TemplateField(name="c", label="Found", kind="choice",
                         choices=("safe and well", "safe"))
    assert check_field(spec, "SAFE And Well", NOW).value == "safe and well"
    assert check_field(spec, " safe ", NOW).value == "safe"
    assert check_field(spec, "fine", NOW).error == "Found must be one of: safe and well, safe"


def test_location_too_short() -> None:
    spec = TemplateField(name="p", label="Place", kind="location")
    error = check_field(spec, "A1", NOW).error
    assert error == "Place: give a place a reader would recognise"
    assert check_field(spec, "Mill Lane, Brackenford", NOW).value == "Mill Lane, Brackenford"


# --- render and fill ----------------------------------------------------------------------

def test_render_literal_braces_and_builtins() -> None:
    from oncall.templates import builtins

    values = builtins(FORCE)
    out = render("{{hashtag}} {force_name}: call {force_phone} or see {force_website}. "
                 "{disclaimer} {unknown}", values)
    assert out == ("{hashtag} Mercia Vale Police: call 101 or see "
                   "https://www.merciavale.police.uk. Not monitored 24/7. ")


def test_render_allows_spaces_inside_a_placeholder() -> None:
    assert render("Hi { name }, {name}!", {"name": "Sam"}) == "Hi Sam, Sam!"


def make_template(**kw: object) -> Template:
    base: dict[str, object] = dict(
        id="t", title="T", source="test",
        body="Have you seen {name}? Last seen {seen}. {force_name}",
        fields=(TemplateField(name="name", label="Name"),
                TemplateField(name="seen", label="Last seen", kind="time")))
    base.update(kw)
    return Template(**base)  # type: ignore[arg-type]


def test_fill_renders_body_and_short() -> None:
    tpl = make_template(short="MISSING: {name}, seen {seen}")
    filled = fill(tpl, {"name": "Sam", "seen": "21:00"}, FORCE, NOW)
    assert filled.ok and filled.errors == {}
    assert filled.body == ("Have you seen Sam? Last seen 21:00 on Wednesday 25 November. "
                           "Mercia Vale Police")
    assert filled.short == "MISSING: Sam, seen 21:00 on Wednesday 25 November"
    assert filled.results["seen"].echo == "21:00 yesterday (GMT)"


def test_fill_short_falls_back_to_body() -> None:
    filled = fill(make_template(), {"name": "Sam", "seen": "21:00"}, FORCE, NOW)
    assert filled.short == filled.body
    assert filled.short.startswith("Have you seen Sam?")


def test_fill_blanks_show_as_labels_and_errors_are_listed() -> None:
    tpl = make_template(short="{name} {seen}")
    filled = fill(tpl, {"seen": "nonsense o'clock"}, FORCE, NOW)
    assert not filled.ok
    assert set(filled.errors) == {"name", "seen"}
    assert filled.errors["name"] == "Name is required"
    assert filled.body == "Have you seen ‹Name›? Last seen ‹Last seen›. Mercia Vale Police"
    assert filled.short == "‹Name› ‹Last seen›"


def test_fill_optional_blank_renders_empty() -> None:
    tpl = make_template(body="A{extra}B", fields=(
        TemplateField(name="extra", label="Extra", required=False),))
    filled = fill(tpl, {}, FORCE, NOW)
    assert filled.ok and filled.body == "AB"


# --- approval -----------------------------------------------------------------------------

APPROVED = dict(approved_by="Ruth Ellison", approved_on=date(2026, 9, 1),
                review_by=date(2027, 3, 1))


@pytest.mark.parametrize(("today", "state"), [
    (date(2026, 11, 26), "approved"),
    (date(2027, 2, 14), "approved"),            # 15 days before review_by
    (date(2027, 2, 15), "review_soon"),         # 14 days before
    (date(2027, 3, 1), "review_soon"),          # the review day itself is still in date
    (date(2027, 3, 2), "out_of_review"),
])
def test_approval_states_by_date(today: date, state: str) -> None:
    result = approval(make_template(**APPROVED), today)
    assert result.state == state
    assert result.needs_override == (state == "out_of_review")


def test_approval_messages() -> None:
    tpl = make_template(**APPROVED)
    assert approval(tpl, date(2026, 11, 26)).message == (
        "approved by Ruth Ellison on 01 Sep 2026; review by 01 Mar 2027")
    assert approval(tpl, date(2027, 2, 20)).message.endswith("review due 01 Mar 2027")
    assert approval(tpl, date(2027, 3, 2)).message.startswith("OUT OF REVIEW since 01 Mar 2027")


def test_approval_without_review_date_is_approved() -> None:
    tpl = make_template(approved_by="Ruth Ellison", approved_on=date(2026, 9, 1))
    assert approval(tpl, date(2030, 1, 1)).state == "approved"


@pytest.mark.parametrize("kw", [
    {},
    {"approved_on": date(2026, 9, 1), "review_by": date(2027, 3, 1)},
    {"approved_by": "Ruth Ellison"},
])
def test_unapproved_needs_override(kw: dict[str, object]) -> None:
    result = approval(make_template(**kw), date(2026, 11, 26))
    assert result.state == "unapproved" and result.needs_override
    assert result.message.startswith("NOT APPROVED")


def test_review_soon_window_is_fourteen_days() -> None:
    review_by = date(2027, 3, 1)
    tpl = make_template(**APPROVED)
    assert approval(tpl, review_by - timedelta(days=14)).state == "review_soon"
    assert approval(tpl, review_by - timedelta(days=15)).state == "approved"
