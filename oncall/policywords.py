"""Patterns for the procedure's content checks, kept apart from the engine that runs them.

Each list is deliberately specific: a warning that fires on every post teaches
officers to ignore warnings. The words a force wants to add go in config.toml.
"""

from __future__ import annotations

# Once someone is charged, wording that asserts guilt, cites their past or their
# character, or discusses identification could prejudice a fair trial.
PREJUDICIAL: dict[str, tuple[str, ...]] = {
    "asserts guilt": (
        r"the (?:man|woman|person|men|women|people|teen(?:ager)?|youth|boy|girl) who "
        r"(?:attacked|stabbed|killed|murdered|raped|robbed|assaulted|shot|hit|punched|"
        r"kicked|burgled|abused)",
        r"\b(?:the|this) (?:attacker|killer|murderer|rapist|robber|culprit|perpetrator|thief|"
        r"burglar|abuser|offender)\b",
        r"\bis (?:guilty|responsible for)\b", r"\bwho (?:did|carried out) (?:it|this|the)\b",
        r"\bcaught red[- ]handed\b", r"\bbrought to justice\b",
    ),
    "mentions previous convictions": (
        r"\bprevious convictions?\b", r"\bpreviously convicted\b", r"\bcriminal record\b",
        r"\bhistory of (?:violence|offending|crime|abuse)\b", r"\bknown to (?:the )?police\b",
        r"\bhas form\b", r"\brepeat offender\b", r"\bserved (?:time|a sentence)\b",
        r"\bon (?:licence|parole|bail) for\b",
    ),
    "comments on character": (
        r"\b(?:violent|dangerous|evil|sick|depraved|vicious) (?:man|woman|individual|thug|"
        r"person|criminal)\b",
        r"\b(?:thug|monster|animal|scumbag|lowlife)s?\b",
    ),
    "discusses identification evidence": (
        r"\b(?:positively )?identified (?:by|from|on|in) (?:cctv|witness|footage|dna|"
        r"fingerprints?|an? identity)", r"\bpicked (?:him|her|them) out\b",
        r"\bidentity parade\b", r"\bcaught on (?:camera|cctv)\b",
        r"\bcctv (?:shows|showed|clearly shows) (?:him|her|them|the)\b",
        r"\b(?:dna|fingerprints?) (?:match|matched|links?|linked)\b",
        r"\bconfessed\b", r"\badmitted (?:it|the|to)\b",
    ),
}

# Words that tell a reader a post is an appeal for a missing or wanted person.
APPEAL = (r"\bmissing\b", r"\bwanted\b", r"\bhave you seen\b", r"\bdo you know\b",
          r"\bappeal\b", r"\bwhereabouts\b", r"\bconcerned for (?:the|his|her|their) welfare\b")

# Personal data the procedure asks officers to think twice about.
EMAIL = r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"
UK_PHONE = (r"(?<![\d])(?:\+44\s?\(?0?\)?\s?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}"
            r"(?![\d])")
POSTCODE = r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b"
STREET = (r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z']+\s){1,3}(?:Road|Rd|Street|St|Lane|Ln|"
          r"Avenue|Ave|Close|Drive|Dr|Way|Crescent|Court|Ct|Place|Terrace|Gardens|Grove|"
          r"Walk|Row|Mews|Square|Hill|Park|View|Rise)\b")
VEHICLE_REG = (r"\b(?:[A-Z]{2}\d{2}\s?[A-Z]{3}|[A-Z]\d{1,3}\s?[A-Z]{3}|[A-Z]{3}\s?\d{1,3}[A-Z])\b")
DOB = (r"\b(?:d\.?o\.?b\.?|date of birth|born on)\b\s*[:\-]?\s*"
       r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2}(?:st|nd|rd|th)? \w+ \d{4})?")
FULL_DATE = r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b"
