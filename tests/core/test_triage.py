"""Triage: what needs action, and why; what reads as an emergency (issue 13)."""

from __future__ import annotations

import pytest

from oncall.triage import DM_REASON, Rule, triage


@pytest.mark.parametrize(("text", "kind", "reason"), [
    ("I SAW her by the canal at 9", "reply", "offers information"),
    ("Dash cam footage of the crash if you want it", "comment", "offers information"),
    ("Your officer was so rude to my mum", "mention", "a complaint"),
    ("Gwelais i hi ger y gamlas", "reply", "offers information"),
    ("thanks for the update", "dm", DM_REASON),
])
def test_what_needs_action_says_why(text: str, kind: str, reason: str) -> None:
    verdict = triage(text, kind)
    assert verdict.needs_action and not verdict.emergency
    assert any(r.startswith(reason) for r in verdict.reasons)


@pytest.mark.parametrize("text", [
    "he\u2019s here now, he has a knife", "HELP ME", "someone is threatening me with a gun",
    "helpwch fi"])
def test_a_threat_to_life_is_an_emergency(text: str) -> None:
    verdict = triage(text, "dm")
    assert verdict.emergency and verdict.needs_action
    assert verdict.reasons[0] == DM_REASON and "threat to life" in verdict.reasons[1]


@pytest.mark.parametrize("text", [
    "When does the road reopen?", "Seesaw in the park is broken",  # "saw" inside a word
    "knifepoint",  # a longer word is not the phrase
    "Thank you all, great work", ""])
def test_ordinary_public_messages_do_not_need_action(text: str) -> None:
    verdict = triage(text, "reply")
    assert not verdict.needs_action and verdict.reasons == () and not verdict.emergency


def test_the_reason_quotes_what_matched_and_rules_come_from_the_caller() -> None:
    rules = (Rule("press", "a journalist's question", ("deadline", "for comment")),)
    verdict = triage("Any update for comment before our deadline?", "mention", rules)
    assert verdict.reasons == ('a journalist\'s question ("for comment")',)
    assert not triage("he has a knife", "mention", rules).needs_action


def test_a_phrase_at_the_end_of_a_megabyte_of_near_misses_is_found() -> None:
    verdict = triage("sa" * 500_000 + " saw", "reply")
    assert verdict.reasons == ('offers information or a sighting ("saw")',)


def test_the_forces_own_words_add_to_the_rules() -> None:
    from oncall.triage import rules_with

    rules = rules_with({"information_words": ["ring doorbell"],
                        "emergency_words": ["acid"]})
    found = triage("my ring doorbell caught him", "mention", rules)
    assert found.needs_action and "offers information" in found.reasons[0]
    assert triage("he threw acid", "mention", rules).emergency
    assert not triage("he threw acid", "mention").emergency  # not a built-in word
