"""access.py: who may reach which site's credentials, from the procedure's access paragraphs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from oncall.access import AccessDecision, decide, first_line_holders
from oncall.model import Person, Site
from oncall.staff import Absence, Directory, Shift

NOW = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # a Thursday, GMT


def day_end(year: int, month: int, day: int) -> datetime:
    """How people.toml stores an absence ending on a date: the end of that UTC day."""
    return datetime.combine(date(year, month, day), time.max, UTC)


PEOPLE = [
    Person("sokafor", "Sarah Okafor", ["press_officer"]),
    Person("dpritchard", "Daniel Pritchard", ["press_officer"]),
    Person("mkowalski", "Marta Kowalski", ["web_comms", "press_officer"]),
    Person("jashworth", "James Ashworth", ["local_comms"]),
    Person("pbhatt", "Priya Bhatt", ["local_comms"]),
    Person("rellison", "Ruth Ellison", ["corporate_comms"]),
    Person("gmercer", "Graham Mercer", ["professional_standards"]),
    Person("thale", "Tom Hale", ["site_owner"]),
    Person("nsykes", "Nadia Sykes", ["site_owner"]),
    Person("akhan", "Amir Khan", ["site_owner"]),
    Person("lcarver", "Liam Carver", []),
]
ON_CALL = Shift("sokafor", NOW - timedelta(hours=2), NOW + timedelta(hours=6))
LEAVE = Absence("thale", datetime(2026, 11, 20, tzinfo=UTC), day_end(2026, 12, 6), "annual leave")
SICK = Absence("jashworth", datetime(2026, 11, 25, tzinfo=UTC), day_end(2026, 11, 30),
               "sick leave")

CORPORATE = Site("corp-fb", "facebook", "Force Facebook", "@force", "corporate")
COUNCIL = Site("council-x", "x", "Council partnership", "@council", "council")
BRACKENFORD = Site("brk-fb", "facebook", "Brackenford North", "@brkn", "local",
                   owner="thale", local_comms="jashworth")
WRENMOOR = Site("wren-fb", "facebook", "Wrenmoor", "@wren", "local",
                owner="akhan", local_comms="pbhatt")


def directory(*, absences: tuple[Absence, ...] = (LEAVE, SICK),
              rota: tuple[Shift, ...] = (ON_CALL,),
              people: list[Person] | None = None) -> Directory:
    people = PEOPLE if people is None else people
    return Directory(Path("people.toml"), {p.login: p for p in people}, list(rota),
                     list(absences))


def check(login: str, site: Site, d: Directory | None = None) -> AccessDecision:
    d = d or directory()
    return decide(d.people[login], site, d, NOW)


# --- corporate and council sites -----------------------------------------------------------

@pytest.mark.parametrize("site", [CORPORATE, COUNCIL])
@pytest.mark.parametrize(("login", "rule"), [
    ("mkowalski", "corporate.web_comms"),
    ("jashworth", "corporate.local_comms"),  # on sick leave: still decided by role
    ("pbhatt", "corporate.local_comms"),
    ("sokafor", "corporate.on_call"),
])
def test_corporate_first_line_needs_no_reason(site: Site, login: str, rule: str) -> None:
    got = check(login, site)
    assert (got.allowed, got.first_line, got.needs_reason, got.rule) == (True, True, False, rule)
    assert login in got.holders


@pytest.mark.parametrize("site", [CORPORATE, COUNCIL])
@pytest.mark.parametrize(("login", "rule"), [
    ("dpritchard", "corporate.press_officer_break_glass"),
    ("rellison", "corporate.corporate_comms_break_glass"),
])
def test_corporate_break_glass(site: Site, login: str, rule: str) -> None:
    got = check(login, site)
    assert (got.allowed, got.first_line, got.needs_reason, got.rule) == (True, False, True, rule)
    assert login not in got.holders
    assert "break-glass" in got.explanation and "reason" in got.explanation


@pytest.mark.parametrize("site", [CORPORATE, COUNCIL])
@pytest.mark.parametrize(("login", "rule"), [
    ("gmercer", "refused.professional_standards"),
    ("lcarver", "refused.no_role"),
    ("thale", "refused.not_entitled"),
])
def test_corporate_refusals(site: Site, login: str, rule: str) -> None:
    got = check(login, site)
    assert (got.allowed, got.first_line, got.needs_reason, got.rule) == (False, False, False, rule)
    assert "Ask Marta Kowalski, James Ashworth, Priya Bhatt or Sarah Okafor." in got.explanation


def test_corporate_holders_and_wording() -> None:
    holders, why = first_line_holders(CORPORATE, directory(), NOW)
    assert holders == ("mkowalski", "jashworth", "pbhatt", "sokafor")
    assert why == ("On corporate and council sites Web Communications (Marta Kowalski), the "
                   "local communication managers (James Ashworth and Priya Bhatt) and the "
                   "on-call press officer (Sarah Okafor) hold first-line access.")
    assert first_line_holders(COUNCIL, directory(), NOW) == (holders, why)


def test_corporate_nobody_on_call() -> None:
    d = directory(rota=())
    holders, why = first_line_holders(CORPORATE, d, NOW)
    assert "sokafor" not in holders
    assert why.endswith("; no press officer is on call now.")
    assert check("sokafor", CORPORATE, d).rule == "corporate.press_officer_break_glass"


def test_rota_boundaries() -> None:
    ended = directory(rota=(Shift("sokafor", NOW - timedelta(hours=8), NOW),))
    starts = directory(rota=(Shift("sokafor", NOW, NOW + timedelta(hours=8)),))
    assert check("sokafor", CORPORATE, ended).rule == "corporate.press_officer_break_glass"
    assert check("sokafor", CORPORATE, starts).rule == "corporate.on_call"


def test_on_call_needs_the_press_officer_role() -> None:
    d = directory(rota=(Shift("thale", NOW - timedelta(hours=1), NOW + timedelta(hours=1)),))
    assert "thale" not in first_line_holders(CORPORATE, d, NOW)[0]
    assert check("thale", CORPORATE, d).allowed is False


def test_professional_standards_with_another_role_is_decided_by_it() -> None:
    both = Person("ps_web", "Pat Doe", ["professional_standards", "web_comms"])
    d = directory(people=[*PEOPLE, both])
    got = decide(both, CORPORATE, d, NOW)
    assert (got.allowed, got.rule) == (True, "corporate.web_comms")


def test_unknown_person_refused() -> None:
    stranger = Person("nobody", "No Body", ["web_comms"])
    got = decide(stranger, CORPORATE, directory(), NOW)
    assert (got.allowed, got.rule) == (False, "refused.unknown_person")
    assert "nobody is not in the staff directory" in got.explanation


def test_unknown_tier_refused() -> None:
    odd = Site("odd", "x", "Odd", "@odd", "regional")
    got = check("mkowalski", odd)
    assert (got.allowed, got.rule, got.holders) == (False, "refused.unknown_tier", ())
    assert "'regional'" in got.explanation


# --- local sites ----------------------------------------------------------------------------

def test_local_owner_present() -> None:
    holders, why = first_line_holders(WRENMOOR, directory(), NOW)
    assert (holders, why) == (("akhan",), "Amir Khan owns this page and holds first-line access.")
    got = check("akhan", WRENMOOR)
    assert (got.allowed, got.first_line, got.needs_reason, got.rule) == (
        True, True, False, "local.owner")


@pytest.mark.parametrize(("login", "rule"), [
    ("pbhatt", "local.local_comms_break_glass"),
    ("mkowalski", "local.web_comms_break_glass"),
    ("sokafor", "local.on_call_break_glass"),
])
def test_local_break_glass_while_owner_present(login: str, rule: str) -> None:
    got = check(login, WRENMOOR)
    assert (got.allowed, got.first_line, got.needs_reason, got.rule) == (True, False, True, rule)


@pytest.mark.parametrize(("login", "rule"), [
    ("dpritchard", "refused.not_entitled"),   # press officer, not on call
    ("rellison", "refused.not_entitled"),     # Corporate Communications
    ("jashworth", "refused.not_entitled"),    # local comms of another area
    ("nsykes", "refused.not_entitled"),       # owns a different page
    ("gmercer", "refused.professional_standards"),
    ("lcarver", "refused.no_role"),
])
def test_local_refusals_name_who_to_ask(login: str, rule: str) -> None:
    got = check(login, WRENMOOR)
    assert (got.allowed, got.first_line, got.needs_reason, got.rule) == (False, False, False, rule)
    assert got.explanation.endswith("Ask Amir Khan.")


def test_owner_absent_local_comms_first_line_with_reason() -> None:
    d = directory(absences=(LEAVE,))
    holders, why = first_line_holders(BRACKENFORD, d, NOW)
    assert holders == ("jashworth",)
    assert why == ("Tom Hale owns this page but is on annual leave until 6 Dec, so James "
                   "Ashworth, the local communications officer, holds first-line access.")
    got = check("jashworth", BRACKENFORD, d)
    assert (got.allowed, got.first_line, got.needs_reason, got.rule) == (
        True, True, True, "local.local_comms")
    web = check("mkowalski", BRACKENFORD, d)
    assert (web.allowed, web.first_line, web.needs_reason, web.rule) == (
        True, False, True, "local.web_comms_break_glass")


def test_absent_owner_still_needs_no_reason() -> None:
    got = check("thale", BRACKENFORD)
    assert (got.allowed, got.first_line, got.needs_reason, got.rule) == (
        True, True, False, "local.owner")


def test_both_absent_web_comms_first_line_still_needs_reason() -> None:
    """Scenario 4: owner on leave, local comms off sick, Web Comms on call."""
    holders, why = first_line_holders(BRACKENFORD, directory(), NOW)
    assert holders == ("mkowalski",)
    assert why == ("Tom Hale owns this page but is on annual leave until 6 Dec; James "
                   "Ashworth, the local communications officer, is on sick leave until 30 Nov; "
                   "so Web Communications (Marta Kowalski) hold first-line access.")
    got = check("mkowalski", BRACKENFORD)
    assert (got.allowed, got.first_line, got.needs_reason, got.rule) == (
        True, True, True, "local.web_comms_fallback")
    assert got.explanation.startswith(why)
    lc = check("jashworth", BRACKENFORD)  # off sick, logging in from home
    assert (lc.allowed, lc.first_line, lc.needs_reason, lc.rule) == (
        True, False, True, "local.local_comms_break_glass")
    sergeant = check("nsykes", BRACKENFORD)
    assert (sergeant.allowed, sergeant.rule) == (False, "refused.not_entitled")
    assert sergeant.explanation.endswith("Ask Marta Kowalski.")


def test_on_call_press_officer_on_local_site_is_break_glass() -> None:
    got = check("sokafor", BRACKENFORD)
    assert (got.allowed, got.first_line, got.needs_reason) == (True, False, True)
    assert check("dpritchard", BRACKENFORD).allowed is False


def test_absence_boundaries() -> None:
    ends_now = Absence("akhan", NOW - timedelta(days=3), NOW, "annual leave")
    starts_now = Absence("akhan", NOW, NOW + timedelta(days=3), "annual leave")
    assert first_line_holders(WRENMOOR, directory(absences=(ends_now,)), NOW)[0] == ("akhan",)
    assert first_line_holders(WRENMOOR, directory(absences=(starts_now,)), NOW)[0] == ("pbhatt",)


def test_missing_owner_and_local_comms() -> None:
    no_owner = Site("x1", "x", "X1", "@x1", "local", owner="", local_comms="pbhatt")
    assert first_line_holders(no_owner, directory(), NOW) == (("pbhatt",), (
        "No owning officer is recorded for this page, so Priya Bhatt, the local "
        "communications officer, holds first-line access."))
    ghost = Site("x2", "x", "X2", "@x2", "local", owner="gone", local_comms="")
    holders, why = first_line_holders(ghost, directory(), NOW)
    assert holders == ("mkowalski",)
    assert why.startswith("The owning officer recorded for this page (gone) is not in the staff "
                          "directory; no local communications officer is recorded")


def test_no_web_comms_left_means_nobody_holds() -> None:
    d = directory(people=[p for p in PEOPLE if p.login != "mkowalski"])
    holders, why = first_line_holders(BRACKENFORD, d, NOW)
    assert holders == () and "nobody in the staff directory has that role" in why
    got = check("sokafor", BRACKENFORD, d)
    assert got.allowed and got.needs_reason
    assert check("nsykes", BRACKENFORD, d).explanation.endswith("Ask Web Communications.")


@pytest.mark.parametrize(("end", "reason", "text"), [
    # a whole-date end in summer is 00:59 BST the next day: still shown as the date entered
    (day_end(2026, 7, 6), "annual leave", "is on annual leave until 6 Jul"),
    (datetime(2026, 12, 6, 17, 0, tzinfo=UTC), "training", "is away (training) until 17:00 GMT "
     "on 6 Dec"),
    (datetime(2026, 12, 7, 0, 0, tzinfo=UTC), "", "is away until 6 Dec"),  # back at midnight
    (day_end(2027, 1, 4), "annual leave", "is on annual leave until 4 Jan 2027"),
])
def test_absence_end_wording(end: datetime, reason: str, text: str) -> None:
    now = datetime(2026, 7, 1, 12, tzinfo=UTC) if end.month == 7 else NOW
    away = Absence("akhan", now - timedelta(days=1), end, reason)
    why = first_line_holders(WRENMOOR, directory(absences=(away,)), now)[1]
    assert why == f"Amir Khan owns this page but {text}, so Priya Bhatt, the local " \
        "communications officer, holds first-line access."


def test_refusal_never_sets_first_line_or_reason() -> None:
    d = directory()
    for person in PEOPLE:
        for site in (CORPORATE, COUNCIL, BRACKENFORD, WRENMOOR):
            got = decide(person, site, d, NOW)
            if not got.allowed:
                assert not got.first_line and not got.needs_reason
            if got.first_line and site.tier != "local":
                assert person.login in got.holders
            assert got.explanation and got.rule
