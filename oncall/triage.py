"""Which messages from the public need action, and why; which read as an emergency.

The procedure: where a message received through a site needs action, acknowledge it
immediately and forward it to the appropriate member of staff. What needs action, by
default: every direct message; sightings and information offered; complaints; threats
to life, which also read as an emergency (the officer tells the person to call 999 and
rings the control room). Rules are phrases matched as whole words, case and curly
apostrophes aside, in time linear in the text. No UI here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache


@dataclass(frozen=True)
class Rule:
    """Messages holding any of `phrases` need action for `reason`."""

    name: str
    reason: str
    phrases: tuple[str, ...]
    emergency: bool = False


@dataclass(frozen=True)
class Verdict:
    """What triage made of one message."""

    needs_action: bool
    reasons: tuple[str, ...]
    emergency: bool


DM_REASON = "a direct message: each one is answered"

DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("threat-to-life", "may be a threat to life", (
        "knife", "gun", "firearm", "weapon", "machete", "bomb", "he's here now",
        "she's here now", "they're here now", "he is here now", "help me", "kill me",
        "going to kill", "i'll kill", "i will kill", "kill myself", "end my life",
        "suicide", "overdose", "bleeding", "can't breathe", "being attacked",
        "attacking me", "hurting me", "threatening me", "in danger", "helpwch fi"),
        emergency=True),
    Rule("information", "offers information or a sighting", (
        "saw", "seen", "spotted", "sighting", "witness", "witnessed", "dashcam",
        "dash cam", "footage", "cctv", "doorbell camera", "i know who", "number plate",
        "registration", "was driving", "heading towards", "gwelais")),
    Rule("press", "a journalist's question: for the press office", (
        "journalist", "reporter", "newsdesk", "news desk", "for comment", "deadline",
        "can you confirm")),
    Rule("complaint", "a complaint", (
        "complain", "complaint", "complaining", "disgrace", "disgraceful", "rude",
        "unprofessional", "report an officer", "cwyn")),
)


# Which built-in rule each [inbox] word list adds to.
CONFIGURED = {"emergency_words": "threat-to-life", "information_words": "information",
              "press_words": "press", "complaint_words": "complaint"}


def rules_with(extra: dict[str, Sequence[str]]) -> tuple[Rule, ...]:
    """The built-in rules with the force's own words added (see CONFIGURED): a list
    named for a rule adds its phrases to that rule."""
    by_rule = {CONFIGURED[k]: tuple(v) for k, v in extra.items() if k in CONFIGURED and v}
    return tuple(replace(r, phrases=r.phrases + by_rule.get(r.name, ()))
                 for r in DEFAULT_RULES)


def _normal(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'").casefold()


@cache
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    words = sorted({_normal(p).strip() for p in phrases if p.strip()}, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in words)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)") if body else re.compile(r"(?!x)x")


def triage(text: str, kind: str, rules: Sequence[Rule] = DEFAULT_RULES) -> Verdict:
    """Whether a message of `kind` (mention, reply, comment, dm) needs action, each
    reason once and in the rules' order (the first one quoting what matched)."""
    normal = _normal(text)
    reasons: list[str] = [DM_REASON] if kind == "dm" else []
    emergency = False
    for rule in rules:
        found = _pattern(rule.phrases).search(normal)
        if found is None:
            continue
        reasons.append(f'{rule.reason} ("{found.group(0)}")')
        emergency = emergency or rule.emergency
    return Verdict(bool(reasons), tuple(reasons), emergency)


__all__ = ["CONFIGURED", "DEFAULT_RULES", "DM_REASON", "Rule", "Verdict", "rules_with",
           "triage"]
