"""Overrides: only Corporate Communications, always with a reason, logged with a hash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from oncall.overrides import (
    OverrideRefused,
    can_override,
    override_note,
    record_override,
    text_hash,
    who_can_override,
)
from oncall.session import Session, open_session
from tests.conftest import acting

TEXT = "APPEAL: Have you seen Zebedee Quintrell, 14? Last seen 21:00 on Wednesday 25 November."
SHA = hashlib.sha256(TEXT.encode("utf-8")).hexdigest()


def log_text(session: Session) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in session.log.files())


def test_press_officer_is_refused_and_told_who_can(demo_session: Session) -> None:
    assert demo_session.user.login == "sokafor"
    assert not can_override(demo_session.user)
    before = len(list(demo_session.log.entries()))
    with pytest.raises(OverrideRefused) as info:
        record_override(demo_session, "template.out_of_review", "urgent appeal", TEXT)
    assert str(info.value) == ("only Corporate Communications can override this "
                               "(Ruth Ellison); a press officer can record an approval they "
                               "gave by phone")
    assert len(list(demo_session.log.entries())) == before


def test_press_officer_records_an_approval_given_by_corporate_comms(
        demo_session: Session) -> None:
    digest = record_override(demo_session, "appeal.local_needs_corporate",
                             "by phone 02:55", TEXT, given_by="rellison")
    entry = demo_session.log.tail(1)[0]
    assert (entry.action, entry.actor) == ("policy.overridden", "sokafor")
    assert entry.details == acting({"rule": "appeal.local_needs_corporate",
                                    "given_by": "rellison", "reason": "by phone 02:55",
                                    "text_sha256": digest})
    assert override_note(demo_session, "by phone 02:55", "rellison") == (
        "approved by Ruth Ellison (Corporate Communications), by phone 02:55; recorded by "
        "Sarah Okafor")


@pytest.mark.parametrize(("login", "given_by"), [
    ("sokafor", "dpritchard"),  # a press officer cannot be named as the approver
    ("sokafor", "nobody"),
    ("thale", "rellison"),      # only a press officer records on someone's behalf
    ("gmercer", "rellison"),
])
def test_approval_on_behalf_is_refused_unless_from_and_by_the_right_people(
        demo_home: Path, login: str, given_by: str) -> None:
    session = open_session(demo_home, login)
    with pytest.raises(OverrideRefused):
        record_override(session, "appeal.local_needs_corporate", "by phone", TEXT,
                        given_by=given_by)
    assert not [e for e in session.log.entries() if e.action == "policy.overridden"]


def test_only_ruth_ellison_can_override_in_the_demo(demo_session: Session) -> None:
    assert [p.login for p in who_can_override(demo_session)] == ["rellison"]


def test_corporate_comms_override_is_logged_with_hash_not_text(demo_home: Path) -> None:
    session = open_session(demo_home, "rellison")
    digest = record_override(session, "template.out_of_review", "  child at risk, approved "
                             "wording lapsed yesterday  ", TEXT, incident="20261126-01",
                             subject="mp-appeal")
    assert digest == SHA == text_hash(TEXT)
    entry = session.log.tail(1)[0]
    assert (entry.action, entry.actor, entry.role, entry.incident, entry.subject) == (
        "policy.overridden", "rellison", "Corporate Communications", "20261126-01",
        "mp-appeal")
    assert entry.details == acting({"rule": "template.out_of_review",
                                    "reason": "child at risk, approved wording lapsed yesterday",
                                    "text_sha256": SHA})
    # The overridden text itself is nowhere in the log, not even in part.
    raw = log_text(session)
    assert "Zebedee Quintrell" not in raw and "Quintrell" not in raw
    assert json.loads(raw.splitlines()[-1])["details"]["text_sha256"] == SHA
    assert session.log.verify().ok


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_override_needs_a_reason(demo_home: Path, reason: str) -> None:
    session = open_session(demo_home, "rellison")
    before = len(list(session.log.entries()))
    with pytest.raises(OverrideRefused, match="an override needs a reason"):
        record_override(session, "template.unapproved", reason, TEXT)
    assert len(list(session.log.entries())) == before


def test_hash_changes_with_the_text() -> None:
    assert text_hash(TEXT) != text_hash(TEXT + " ")
    assert text_hash("") == hashlib.sha256(b"").hexdigest()


def test_still_valid_ties_overrides_to_the_exact_text_or_template() -> None:
    from oncall.overrides import still_valid, text_hash

    marks = {"court.prejudicial": text_hash("text A"),
             "template.out_of_review": text_hash("Template wording {x}")}
    assert still_valid(marks, "text A", "Template wording {x}") == set(marks)
    assert still_valid(marks, "text B", "Template wording {x}") == {"template.out_of_review"}
    assert still_valid(marks, "text A", "Edited wording {x}") == {"court.prejudicial"}
    # A text override never stands in for a template one, even with the same hash.
    assert still_valid({"court.prejudicial": text_hash("same")}, "other", "same") == set()
