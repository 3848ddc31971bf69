"""Pre-publish checks from the force's social media procedure.

Each rule looks at one post as it will appear on one site and returns findings:
`block` stops the post until the text changes or an authorised person
overrides it with a reason; `warn` must be acknowledged; `info` is advice. Every
finding names its rule, quotes the procedure it comes from, and says what is
wrong in words an officer would use. Pure functions: no I/O, no UI.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlsplit

from oncall import policywords as words
from oncall.config import ForceSettings, PolicySettings
from oncall.model import Incident, IncidentStatus, Person, Platform, Site, Template, Tier
from oncall.templates import approval
from oncall.textlength import ROOT_ZONE, find_urls, measure
from oncall.textsafe import CONTROL_CHARS as _CONTROL_CHARS

BLOCK, WARN, INFO = "block", "warn", "info"

# The procedure's own words, so a refusal can say which rule and why.
CITES: dict[str, str] = {
    "length": "Each network refuses a post over its limit.",
    "link": "Where possible, links back to the Force website should be used to help provide "
            "context and background.",
    "appeal": "Any appeals for wanted or missing people must be hosted on the main Force "
              "website so that images can be removed promptly and effectively once people "
              "are found.",
    "appeal_local": "Officers and departments should not post their own appeals for wanted or "
                    "missing people without contacting Corporate Communications first.",
    "disclaimer": "All pages will clearly display an agreed disclaimer ... directing people on "
                  "how to report crime and contact the police.",
    "sensitive": "The sites should not identify colleagues in sensitive policing roles.",
    "court": "Photographs and footage that could compromise an operation or jeopardise a "
             "court case must not be posted.",
    "anonymity": "Victims of sexual offences have anonymity for life (Sexual Offences "
                 "(Amendment) Act 1992), and children in proceedings must not be identified; "
                 "posts must not identify them.",
    "opsec": "Photographs and footage that could compromise an operation ... must not be "
             "posted.",
    "personal": "It is the responsibility of the officer posting to ensure it complies with "
                "legal or data protection requirements.",
    "media": "Permission has been sought to use any third party photographs or footage.",
    "video": "Any video footage which is posted should serve a policing purpose ... every "
             "opportunity should be used to promote key messages.",
    "template": "Pre-approved wording is approved by Corporate Communications and reviewed "
                "by its review date.",
    "stale": "Out of date content must be removed in a timely fashion.",
    "words": "Nothing should be posted that could bring the Force into disrepute.",
}


@dataclass(frozen=True)
class Finding:
    """One thing a rule found in one post for one site (or all sites when site is None)."""

    rule: str
    severity: str
    message: str
    cite: str
    span: tuple[int, int] | None = None
    sites: tuple[str, ...] = ()  # the sites it applies to; empty means every site
    overridable: bool = True

    def where(self, text: str) -> str:
        """'line:column' (1-based) of the span's start in `text`, or '' if no span."""
        if self.span is None:
            return ""
        start = self.span[0]
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        return f"{line}:{column}"


@dataclass(frozen=True)
class Attachment:
    """A photo or video to go with a post, and what the procedure needs recorded about it."""

    kind: str  # photo | video
    name: str = ""
    third_party: bool = False
    source: str = ""
    permission: str = ""
    purpose: str = ""
    key_message: str = ""


@dataclass
class Post:
    """Everything the checks look at: the text per site and its context."""

    text: str
    sites: list[Site]
    renditions: dict[str, str] = field(default_factory=dict)  # site id -> text, if different
    incident: Incident | None = None
    template: Template | None = None
    attachments: list[Attachment] = field(default_factory=list)
    people: Iterable[Person] = ()
    force: ForceSettings = field(default_factory=ForceSettings)
    policy: PolicySettings = field(default_factory=PolicySettings)
    today: date | None = None
    review_at: datetime | None = None
    corporate_approved: bool = False
    spoiler: str = ""

    def text_for(self, site: Site) -> str:
        return self.renditions.get(site.id, self.text)


Rule = Callable[[Post, str, tuple[str, ...]], list[Finding]]


def _spans(pattern: str, text: str, flags: int = re.IGNORECASE) -> list[tuple[int, int]]:
    return [m.span() for m in _compiled(pattern, flags).finditer(text)]


@lru_cache(maxsize=512)
def _compiled(pattern: str, flags: int) -> re.Pattern[str]:
    return re.compile(pattern, flags)


def _phrase(text: str) -> str:
    """A regex for a phrase from outside (a name, a word list entry) matched literally,
    whatever its case and however its words are broken across lines."""
    parts = [re.escape(p) for p in text.split()]
    return r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)"


def _force_host(force: ForceSettings) -> str:
    host = urlsplit(force.website if "://" in force.website else f"https://{force.website}")
    return (host.hostname or "").removeprefix("www.").lower()


def _links(text: str) -> list[tuple[tuple[int, int], str]]:
    return [((a, b), text[a:b]) for a, b in find_urls(text, ROOT_ZONE)]


def _is_force_link(url: str, force: ForceSettings, *, with_path: bool = False) -> bool:
    parts = urlsplit(url if "://" in url else f"https://{url}")
    host = (parts.hostname or "").lower().removeprefix("www.")
    force_host = _force_host(force)
    on_site = bool(force_host) and (host == force_host or host.endswith("." + force_host))
    return on_site and (not with_path or parts.path.strip("/") != "")


def is_appeal(post: Post) -> bool:
    """A wanted or missing person appeal: by template purpose, or by its words."""
    if post.template is not None:
        return post.template.purpose == "appeal"
    kind = (post.incident.kind if post.incident else "").lower()
    appeal_words = any(_spans(p, post.text) for p in words.APPEAL)
    return appeal_words and ("missing" in kind or "wanted" in kind or
                             bool(_spans(r"\b(?:missing|wanted)\b", post.text)))


# --- rules on the text itself (the same for every site showing that text) ------------

def rule_links(post: Post, text: str, sites: tuple[str, ...]) -> list[Finding]:
    links = _links(text)
    out: list[Finding] = []
    appeal = is_appeal(post)
    if not post.force.website:
        # Nothing to check links against: say so, and let no appeal through unseen.
        out.append(Finding(
            "link.force_website_unset", BLOCK if appeal else WARN,
            "The force's website is not set (config.toml [force] website), so links to it "
            "cannot be checked. Ask Web Communications to set it.",
            CITES["appeal" if appeal else "link"], sites=sites))
        return out
    if appeal:
        if not any(_is_force_link(url, post.force, with_path=True) for _, url in links):
            out.append(Finding(
                "appeal.no_force_link", BLOCK,
                f"This is an appeal: link to the appeal page on {post.force.website}, so the "
                "image can be removed from one place once the person is found.",
                CITES["appeal"], sites=sites))
    elif not any(_is_force_link(url, post.force) for _, url in links):
        out.append(Finding("link.no_force_site", WARN,
                           f"No link to the force website ({post.force.website}); add one "
                           "where you can.", CITES["link"], sites=sites))
    return out


def rule_sensitive_people(post: Post, text: str, sites: tuple[str, ...]) -> list[Finding]:
    out = []
    for person in post.people:
        if not person.sensitive_role:
            continue
        needles = [person.name, *person.nicknames]
        if person.collar:
            needles.append(person.collar)
        for needle in filter(None, needles):
            for span in _spans(_phrase(needle), text):
                out.append(Finding(
                    "people.sensitive_role", BLOCK,
                    f"Names a colleague in a sensitive policing role: “{text[span[0]:span[1]]}”. "
                    "Remove it.", CITES["sensitive"], span, sites))
        if person.collar and (digits := re.sub(r"\D", "", person.collar)):
            pattern = rf"(?:#|\bcollar(?: number)?\s*|\b[A-Z]{{1,4}}\s*){digits}\b"
            for span in _spans(pattern, text):
                if not any(f.span and f.span[0] <= span[0] < f.span[1] for f in out):
                    out.append(Finding(
                        "people.sensitive_role", BLOCK,
                        f"Gives the collar number of a colleague in a sensitive role: "
                        f"“{text[span[0]:span[1]]}”.", CITES["sensitive"], span,
                        sites))
    return out


def rule_court(post: Post, text: str, sites: tuple[str, ...]) -> list[Finding]:
    out = []
    incident = post.incident
    if incident and incident.status == IncidentStatus.PROCEEDINGS_ACTIVE.value:
        for what, patterns in words.PREJUDICIAL.items():
            for pattern in patterns:
                for span in _spans(pattern, text):
                    out.append(Finding(
                        "court.prejudicial", BLOCK,
                        f"Proceedings are active: this {what} (“{text[span[0]:span[1]]}”) and "
                        "could prejudice the trial. State the charge and court facts only.",
                        CITES["court"], span, sites))
    if incident and incident.protected_names:
        why = {"child_proceedings": "a child in proceedings must not be identified"}.get(
            incident.protection, "a victim of a sexual offence has anonymity for life")
        for span in _protected_spans(incident.protected_names, text):
            # The finding names the rule, never the name: it is shown and may be copied.
            out.append(Finding(
                "court.victim_named", BLOCK,
                f"Names a person whose identity is protected in this incident ({why}). "
                "Remove the name, any part of it and anything that points to them.",
                CITES["anonymity"], span, sites, overridable=False))
    return out


def _protected_spans(names: Iterable[str], text: str) -> list[tuple[int, int]]:
    """Where any protected name, or any part of one of two or more letters, appears as a
    whole word (any case, across line breaks, possessives included): the surname alone
    identifies a person as surely as the full name."""
    found: list[tuple[int, int]] = []
    for name in names:
        needles = [name, *(p for p in name.split() if len(p.strip(".'-")) >= 2)]
        for needle in needles:
            for span in _spans(_phrase(needle), text):
                if not any(a <= span[0] < b for a, b in found):
                    found.append(span)
    return sorted(found)


def rule_opsec(post: Post, text: str, sites: tuple[str, ...]) -> list[Finding]:
    return [Finding("opsec.words", WARN,
                    f"“{text[a:b]}” could compromise an operation or officers' safety. Is it "
                    "needed?", CITES["opsec"], (a, b), sites)
            for phrase in post.policy.opsec_words for a, b in _spans(_phrase(phrase), text)]


def rule_personal_data(post: Post, text: str, sites: tuple[str, ...]) -> list[Finding]:
    sid = sites
    out = []
    allowed = {re.sub(r"\D", "", n) for n in (*post.policy.allowed_numbers, post.force.phone)}
    for a, b in _spans(words.UK_PHONE, text):
        if re.sub(r"\D", "", text[a:b]) not in allowed:
            out.append(Finding("personal.phone", WARN,
                               f"A phone number that is not the force's own: “{text[a:b]}”.",
                               CITES["personal"], (a, b), sid))
    force_host = _force_host(post.force)
    for a, b in _spans(words.EMAIL, text):
        domain = text[a:b].rsplit("@", 1)[1].lower()
        if not (force_host and (domain == force_host or domain.endswith("." + force_host))):
            out.append(Finding("personal.email", WARN, f"An e-mail address: “{text[a:b]}”.",
                               CITES["personal"], (a, b), sid))
    for pattern, what in ((words.STREET, "a street address"), (words.POSTCODE, "a postcode")):
        for a, b in _spans(pattern, text, 0):
            out.append(Finding("personal.address", WARN,
                               f"Looks like {what}: “{text[a:b]}”. Give the street or area, "
                               "not a house.", CITES["personal"], (a, b), sid))
    for a, b in _spans(words.VEHICLE_REG, text, 0):
        out.append(Finding("personal.vehicle_reg", WARN,
                           f"Looks like a vehicle registration: “{text[a:b]}”.",
                           CITES["personal"], (a, b), sid))
    dob = _spans(words.DOB, text)
    today = post.today or date.today()
    for m in _compiled(words.FULL_DATE, 0).finditer(text):
        if int(m.group(3)) <= today.year - 10 and not any(a <= m.start() < b for a, b in dob):
            dob.append(m.span())
    for a, b in dob:
        out.append(Finding("personal.dob", WARN, f"Looks like a date of birth: "
                           f"“{text[a:b].strip()}”.", CITES["personal"], (a, b), sid))
    return out


def rule_blocked_words(post: Post, text: str, sites: tuple[str, ...]) -> list[Finding]:
    return [Finding("words.blocked", BLOCK,
                    f"“{text[a:b]}” is on the force's list of words never to post.",
                    CITES["words"], (a, b), sites)
            for word in post.policy.blocked_words for a, b in _spans(_phrase(word), text)]


def rule_controls(post: Post, text: str, sites: tuple[str, ...]) -> list[Finding]:
    m = _CONTROL_CHARS.search(text)
    if m is None:
        return []
    return [Finding("text.control_characters", BLOCK,
                    f"The text holds an invisible control character (U+{ord(m.group()):04X}) "
                    "that could change how it reads or what a screen does. Retype the text.",
                    CITES["words"], m.span(), sites, overridable=False)]


TEXT_RULES: tuple[Rule, ...] = (rule_controls, rule_links, rule_sensitive_people, rule_court,
                                rule_opsec, rule_personal_data, rule_blocked_words)


# --- rules about the post as a whole and about each site ------------------------------

def rule_media(post: Post) -> list[Finding]:
    out = []
    for item in post.attachments:
        label = item.name or item.kind
        if item.third_party and not (item.source.strip() and item.permission.strip()):
            out.append(Finding("media.third_party", BLOCK,
                               f"{label}: a third party's {item.kind} needs its source and who "
                               "gave permission recorded.", CITES["media"]))
        if item.kind == "video" and not (item.purpose.strip() and item.key_message.strip()):
            out.append(Finding("media.video_purpose", BLOCK,
                               f"{label}: say the policing purpose of the video and the key "
                               "message the text promotes.", CITES["video"]))
    return out


def rule_template(post: Post) -> list[Finding]:
    out = []
    template = post.template
    today = post.today or date.today()
    if template is not None:
        state = approval(template, today)
        if state.needs_override:
            out.append(Finding(f"template.{state.state}", BLOCK, state.message,
                               CITES["template"]))
    purpose = template.purpose if template else ("appeal" if is_appeal(post) else "")
    needs_review = bool(template and template.review_after) or (
        purpose in post.policy.review_purposes and purpose == "appeal")
    if needs_review and post.review_at is None:
        out.append(Finding("post.no_review_time", WARN,
                           "This kind of post goes out of date: set a time to review or "
                           "remove it.", CITES["stale"]))
    return out


def rule_site(post: Post, site: Site) -> list[Finding]:
    text = post.text_for(site)
    out = []
    if site.platform != Platform.YOUTUBE.value and any(a.kind == "video"
                                                        for a in post.attachments):
        out.append(Finding("media.video_youtube_only", WARN,
                           f"{site.name} ({site.platform_label}) gets the text without the "
                           "video: oncall uploads videos to YouTube only. Link to the video "
                           "instead?", CITES["video"], sites=(site.id,)))
    if site.platform == Platform.YOUTUBE.value:
        if not any(a.kind == "video" for a in post.attachments):
            out.append(Finding("platform.youtube_text", INFO,
                               f"{site.name} (YouTube) takes videos only: a text post does "
                               "not apply there.", CITES["length"], sites=(site.id,),
                               overridable=False))
            return out
        m = measure(text, site.platform, field="description")
    else:
        m = measure(text, site.platform, spoiler=post.spoiler) if site.platform == "mastodon" \
            else measure(text, site.platform)
    if m.over > 0:
        out.append(Finding("length.over_limit", BLOCK,
                           f"{site.name} ({site.platform_label}): {m.length}/{m.limit} "
                           f"{m.unit}, {m.over} over.", CITES["length"], sites=(site.id,),
                           overridable=False))
    if site.tier == Tier.LOCAL.value and is_appeal(post) and not post.corporate_approved:
        out.append(Finding("appeal.local_needs_corporate", BLOCK,
                           f"{site.name} is a local site: its appeal needs Corporate "
                           "Communications first (their approval or override).",
                           CITES["appeal_local"], sites=(site.id,)))
    if site.requires_disclaimer and not _has_disclaimer(text, post.force):
        out.append(Finding("disclaimer.missing", WARN,
                           f"{site.name} requires the agreed disclaimer (how to report crime: "
                           "101, 999 in an emergency).", CITES["disclaimer"], sites=(site.id,)))
    return out


def _has_disclaimer(text: str, force: ForceSettings) -> bool:
    flat = " ".join(text.split()).lower()
    if force.disclaimer and " ".join(force.disclaimer.split()).lower() in flat:
        return True
    return bool(re.search(r"\b101\b", flat) and re.search(r"\b999\b", flat))


def check(post: Post) -> list[Finding]:
    """Every finding for `post` on every one of its sites, blocks first."""
    findings: list[Finding] = [*rule_media(post), *rule_template(post)]
    by_text: dict[str, list[Site]] = {}
    for site in post.sites:
        by_text.setdefault(post.text_for(site), []).append(site)
    if not post.sites:
        by_text[post.text] = []
    for text, sites in by_text.items():
        # Text rules run once per distinct text; their findings name the sites using it.
        ids = tuple(s.id for s in sites) if len(by_text) > 1 else ()
        for rule in TEXT_RULES:
            findings.extend(rule(post, text, ids))
    for site in post.sites:
        findings.extend(rule_site(post, site))
    order = {BLOCK: 0, WARN: 1, INFO: 2}
    return sorted(findings, key=lambda f: order[f.severity])


@dataclass(frozen=True)
class Verdict:
    """Whether a post may go, given the overrides and acknowledgements it has."""

    blocking: list[Finding]
    unacknowledged: list[Finding]

    @property
    def may_send(self) -> bool:
        return not self.blocking and not self.unacknowledged


def verdict(findings: list[Finding], overridden: set[str] = frozenset(),  # type: ignore[assignment]
            acknowledged: set[str] = frozenset()) -> Verdict:  # type: ignore[assignment]
    """Blocks not overridden (or not overridable) and warnings not acknowledged."""
    blocking = [f for f in findings if f.severity == BLOCK
                and not (f.overridable and f.rule in overridden)]
    pending = [f for f in findings if f.severity == WARN and f.rule not in acknowledged]
    return Verdict(blocking, pending)
