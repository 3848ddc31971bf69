"""One test per policy rule, named after the rule id: a text that passes and one that fails."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from oncall.config import ForceSettings, PolicySettings
from oncall.model import Incident, Person, Site, Template
from oncall.policy import BLOCK, WARN, Attachment, Post, check, verdict

FORCE = ForceSettings(name="Mercia Vale Police", website="https://www.merciavale.police.uk",
                      phone="01632 960000")
LINK = "https://www.merciavale.police.uk/news/road-closure"
APPEAL_LINK = "https://www.merciavale.police.uk/appeals/amy-baxter"
TODAY = date(2026, 11, 26)

CORP_FB = Site(id="corp-fb", platform="facebook", name="Mercia Vale Police",
               handle="MerciaValePolice", tier="corporate")
CORP_X = Site(id="corp-x", platform="x", name="Mercia Vale Police", handle="@MVP",
              tier="corporate")
LOCAL_FB = Site(id="brk-fb", platform="facebook", name="Brackenford North NPT",
                handle="BrkNorth", tier="local", owner="thale")
COUNCIL = Site(id="council", platform="facebook", name="Safer Brackenford", handle="Safer",
               tier="council", requires_disclaimer=True)
YOUTUBE = Site(id="yt", platform="youtube", name="Mercia Vale Police", handle="@MVP",
               tier="corporate")
UNDERCOVER = Person(login="lcarver", name="Liam Carver", collar="DC 4471",
                    nicknames=["Carv"], sensitive_role=True)
OFFICER = Person(login="sokafor", name="Sarah Okafor")


def incident(**changes: object) -> Incident:
    values: dict[str, object] = {
        "id": "20261126-01", "title": "Assault, Brackenford", "kind": "assault",
        "opened_at": datetime(2026, 11, 26, 9, tzinfo=UTC), "opened_by": "sokafor"}
    values.update(changes)
    return Incident(**values)  # type: ignore[arg-type]


def post(text: str, *sites: Site, **kw: object) -> Post:
    kw.setdefault("force", FORCE)
    kw.setdefault("today", TODAY)
    kw.setdefault("people", [UNDERCOVER, OFFICER])
    return Post(text=text, sites=list(sites or [CORP_FB]), **kw)  # type: ignore[arg-type]


def rules(p: Post) -> dict[str, list[object]]:
    out: dict[str, list[object]] = {}
    for f in check(p):
        out.setdefault(f.rule, []).append(f)
    return out


def test_length_over_limit() -> None:
    ok = post(f"Road closed. {LINK}", CORP_X)
    assert "length.over_limit" not in rules(ok)
    long = post("x" * 300 + f" {LINK}", CORP_X)
    [finding] = rules(long)["length.over_limit"]
    assert finding.severity == BLOCK and not finding.overridable
    assert finding.message == "Mercia Vale Police (X): 324/280 weighted characters, 44 over."
    assert finding.sites == ("corp-x",)


def test_length_uses_each_sites_own_rendition() -> None:
    p = post("x" * 400 + f" {LINK}", CORP_FB, CORP_X, renditions={"corp-x": f"Short. {LINK}"})
    assert "length.over_limit" not in rules(p)


def test_link_no_force_site() -> None:
    assert "link.no_force_site" not in rules(post(f"The A34 is closed. {LINK}"))
    [f] = rules(post("The A34 is closed. Avoid the area."))["link.no_force_site"]
    assert f.severity == WARN


def test_an_unset_force_website_is_said_not_guessed() -> None:
    from oncall.config import ForceSettings

    unset = ForceSettings(name="Mercia Vale Police")
    [f] = rules(post(f"The A34 is closed. {LINK}", force=unset))["link.force_website_unset"]
    assert f.severity == WARN and "config.toml [force] website" in f.message
    [f] = rules(post(f"MISSING: have you seen Amy, 14? {APPEAL_LINK}",
                     force=unset))["link.force_website_unset"]
    assert f.severity == BLOCK
    assert unset.unset() and "website" in unset.unset()[0]
    assert FORCE.unset() == []


def test_appeal_no_force_link() -> None:
    good = post(f"MISSING: have you seen Amy, 14? {APPEAL_LINK}")
    assert "appeal.no_force_link" not in rules(good)
    # A link to the home page is not the appeal page; a link elsewhere is no good either.
    for text in ("MISSING: have you seen Amy, 14? https://www.merciavale.police.uk",
                 "MISSING: have you seen Amy, 14? https://facebook.com/amyappeal"):
        [f] = rules(post(text))["appeal.no_force_link"]
        assert f.severity == BLOCK


def test_appeal_local_needs_corporate() -> None:
    text = f"MISSING: have you seen Amy, 14? {APPEAL_LINK}"
    assert "appeal.local_needs_corporate" not in rules(post(text, LOCAL_FB,
                                                            corporate_approved=True))
    assert "appeal.local_needs_corporate" not in rules(post(text, CORP_FB))
    [f] = rules(post(text, LOCAL_FB))["appeal.local_needs_corporate"]
    assert f.sites == ("brk-fb",) and f.severity == BLOCK


def test_disclaimer_missing() -> None:
    good = post(f"Road closed. {LINK} Report crime on 101; in an emergency call 999.", COUNCIL)
    assert "disclaimer.missing" not in rules(good)
    [f] = rules(post(f"Road closed. {LINK}", COUNCIL))["disclaimer.missing"]
    assert f.severity == WARN


def test_people_sensitive_role() -> None:
    assert "people.sensitive_role" not in rules(post(f"Thanks to PC Sarah Okafor. {LINK}"))
    for text in ("Thanks to Liam\nCARVER for his work.", "Nice one carv!",
                 "Officer DC  4471 attended.", "Collar number 4471 attended."):
        found = rules(post(f"{text} {LINK}"))["people.sensitive_role"]
        assert found and all(f.severity == BLOCK for f in found), text


def test_people_sensitive_role_is_found_in_any_case_and_only_as_a_whole_word() -> None:
    """The case-insensitive match's second test: accented names in every casing, and a
    nickname inside a longer word is not the person."""
    welsh = Person(login="sosullivan", name="Siân Ó Súilleabháin", nicknames=["Sî"],
                   sensitive_role=True)
    for text in ("Thanks to SIÂN Ó SÚILLEABHÁIN.", "thanks to siân ó súilleabháin",
                 "Thanks to Siân\nÓ Súilleabháin!"):
        assert rules(post(f"{text} {LINK}", people=[welsh]))["people.sensitive_role"], text
    assert "people.sensitive_role" not in rules(post(f"The carvery is open. {LINK}"))
    assert "people.sensitive_role" in rules(post(f"Ask CARV about it. {LINK}"))


def test_people_sensitive_role_matches_outside_text_literally() -> None:
    marked = Person(login="x", name="[bold]Jo[/] \x1b[31mRed", sensitive_role=True)
    p = post(f"Jo says hi. {LINK}", people=[marked])
    assert "people.sensitive_role" not in rules(p)
    p = post(f"Thanks [bold]Jo[/] \x1b[31mRed! {LINK}", people=[marked])
    [f] = rules(p)["people.sensitive_role"]
    assert "[bold]Jo[/] \x1b[31mRed" in f.message


def test_court_prejudicial() -> None:
    charged = incident(status="proceedings_active")
    fine = post(f"A man, 34, of Brackenford has been charged with assault and will appear at "
                f"Mercia Vale Magistrates' Court tomorrow. {LINK}", incident=charged)
    assert "court.prejudicial" not in rules(fine)
    draft = ("The man who attacked the victim has a history of violence and was caught on "
             f"CCTV. {LINK}")
    assert "court.prejudicial" not in rules(post(draft, incident=incident()))
    found = rules(post(draft, incident=charged))["court.prejudicial"]
    kinds = " ".join(f.message for f in found)
    assert "asserts guilt" in kinds and "previous convictions" in kinds
    assert "identification evidence" in kinds
    assert found[0].where(draft) == "1:1"


def test_court_victim_named() -> None:
    protected = incident(kind="sexual_offence", protected_names=["Jane Doe"])
    assert "court.victim_named" not in rules(post(f"A woman was assaulted. {LINK}",
                                                  incident=protected))
    [f] = rules(post(f"Jane  doe was assaulted. {LINK}", incident=protected))[
        "court.victim_named"]
    assert f.severity == BLOCK and not f.overridable


@pytest.mark.parametrize("text", [
    "Ms Doe was assaulted.",               # the surname alone
    "We are supporting Jane tonight.",     # the first name alone
    "DOE'S family thank you.",             # a possessive, any case
    "Doe’s neighbours were spoken to.",    # a typographic apostrophe
    "Our thoughts are with Jane\nDoe.",    # across a line break
])
def test_court_victim_named_by_any_part(text: str) -> None:
    protected = incident(kind="sexual_offence", protection="sexual_offence",
                         protected_names=["Jane Doe"])
    found = rules(post(f"{text} {LINK}", incident=protected))["court.victim_named"]
    assert len(found) == 1
    # The finding names the rule, never the name: it is shown, logged and copied.
    assert "Jane" not in found[0].message and "Doe" not in found[0].message.replace(
        "Remove", "")


@pytest.mark.parametrize("text", ["Does anyone have information?", "Janet was there.",
                                  "Jan Doerr spoke to us."])
def test_court_victim_named_only_whole_words(text: str) -> None:
    protected = incident(protection="sexual_offence", protected_names=["Jane Doe"])
    assert "court.victim_named" not in rules(post(f"{text} {LINK}", incident=protected))


def test_child_in_proceedings_names_its_reason() -> None:
    protected = incident(protection="child_proceedings", protected_names=["Sam Blake"])
    [f] = rules(post(f"Blake, 15, appeared in court. {LINK}", incident=protected))[
        "court.victim_named"]
    assert "a child in proceedings" in f.message


def test_opsec_words() -> None:
    assert "opsec.words" not in rules(post(f"Officers are in the area. {LINK}"))
    [f] = rules(post(f"A planned raid will take place at dawn. {LINK}"))["opsec.words"]
    assert f.severity == WARN and f.span is not None


def test_personal_phone() -> None:
    allowed = post(f"Call 101, or 999 in an emergency, or us on 01632 960000. {LINK}")
    assert "personal.phone" not in rules(allowed)
    [f] = rules(post(f"Call Dave on 07700 900123. {LINK}"))["personal.phone"]
    assert "07700 900123" in f.message


def test_personal_email() -> None:
    assert "personal.email" not in rules(post(f"E-mail press@merciavale.police.uk {LINK}"))
    [f] = rules(post(f"E-mail dave.smith@example.com {LINK}"))["personal.email"]
    assert f.severity == WARN


def test_personal_address() -> None:
    assert "personal.address" not in rules(post(f"Officers are on Mill Lane. {LINK}"))
    assert rules(post(f"Police were called to 14 Mill Lane. {LINK}"))["personal.address"]
    assert rules(post(f"The house in ST4 7QB was searched. {LINK}"))["personal.address"]


def test_personal_vehicle_reg() -> None:
    assert "personal.vehicle_reg" not in rules(post(f"The A34 and M6 J15 are closed. {LINK}"))
    [f] = rules(post(f"A silver Ford, AB12 CDE, was seen. {LINK}"))["personal.vehicle_reg"]
    assert "AB12 CDE" in f.message


def test_personal_dob() -> None:
    assert "personal.dob" not in rules(post(f"Last seen 25/11/2026 at 21:00. {LINK}"))
    assert rules(post(f"DOB 12/03/1990. {LINK}"))["personal.dob"]
    assert rules(post(f"Born 12/03/1990 in Brackenford. {LINK}"))["personal.dob"]


def test_media_third_party() -> None:
    ok = Attachment("photo", "amy.jpg", third_party=True, source="family",
                    permission="mother, 02:30")
    assert "media.third_party" not in rules(post(LINK, attachments=[ok]))
    bad = Attachment("photo", "amy.jpg", third_party=True)
    [f] = rules(post(LINK, attachments=[bad]))["media.third_party"]
    assert f.severity == BLOCK and "amy.jpg" in f.message


def test_media_video_purpose() -> None:
    ok = Attachment("video", "arrest.mp4", purpose="shows the arrest",
                    key_message="drink driving ruins lives")
    assert "media.video_purpose" not in rules(post(LINK, attachments=[ok]))
    [f] = rules(post(LINK, attachments=[Attachment("video", "chase.mp4")]))[
        "media.video_purpose"]
    assert f.severity == BLOCK


def template(**changes: object) -> Template:
    values: dict[str, object] = {
        "id": "t", "title": "T", "body": "x", "source": "t.toml", "purpose": "update",
        "approved_by": "Ruth Ellison", "approved_on": date(2026, 9, 1),
        "review_by": date(2027, 3, 1)}
    values.update(changes)
    return Template(**values)  # type: ignore[arg-type]


def test_template_unapproved() -> None:
    assert "template.unapproved" not in rules(post(LINK, template=template()))
    [f] = rules(post(LINK, template=template(approved_by="")))["template.unapproved"]
    assert f.severity == BLOCK and f.overridable


def test_template_out_of_review() -> None:
    stale = template(approved_on=date(2024, 1, 1), review_by=date(2024, 6, 1))
    [f] = rules(post(LINK, template=stale))["template.out_of_review"]
    assert f.severity == BLOCK and "01 Jun 2024" in f.message


def test_post_no_review_time() -> None:
    needs = template(review_after="6h")
    reviewed = post(LINK, template=needs, review_at=datetime(2026, 11, 26, 18, tzinfo=UTC))
    assert "post.no_review_time" not in rules(reviewed)
    [f] = rules(post(LINK, template=needs))["post.no_review_time"]
    assert f.severity == WARN


def test_words_blocked() -> None:
    assert "words.blocked" not in rules(post(f"Scunthorpe United fans: road closed. {LINK}"))
    [f] = rules(post(f"What a shit night. {LINK}"))["words.blocked"]
    assert f.severity == BLOCK


def test_words_blocked_from_config() -> None:
    policy = PolicySettings(blocked_words=("gammon",))
    assert rules(post(f"Gammon sandwiches. {LINK}", policy=policy))["words.blocked"]


def test_platform_youtube_text() -> None:
    [f] = rules(post(f"Road closed. {LINK}", YOUTUBE))["platform.youtube_text"]
    assert f.severity == "info" and "videos only" in f.message


@pytest.mark.parametrize("rule", ["court.prejudicial", "length.over_limit"])
def test_verdict_overrides_only_what_may_be_overridden(rule: str) -> None:
    charged = incident(status="proceedings_active")
    p = post("The attacker has previous convictions. " + "x" * 300 + f" {LINK}", CORP_X,
             incident=charged)
    findings = check(p)
    assert not verdict(findings).may_send
    after = verdict(findings, overridden={rule})
    remaining = {f.rule for f in after.blocking}
    if rule == "court.prejudicial":
        assert remaining == {"length.over_limit"}
    else:  # a network's limit cannot be overridden
        assert "length.over_limit" in remaining


def test_verdict_needs_warnings_acknowledged() -> None:
    findings = check(post("Road closed."))
    assert [f.rule for f in verdict(findings).unacknowledged] == ["link.no_force_site"]
    assert verdict(findings, acknowledged={"link.no_force_site"}).may_send


def test_findings_name_the_sites_of_each_rendition() -> None:
    p = post(f"Call Dave on 07700 900123. {LINK}", CORP_FB, CORP_X,
             renditions={"corp-x": f"Short version. {LINK}"})
    [f] = rules(p)["personal.phone"]
    assert f.sites == ("corp-fb",)


def test_media_video_youtube_only() -> None:
    video = Attachment("video", "arrest.mp4", purpose="shows the arrest",
                       key_message="drink driving ruins lives")
    assert "media.video_youtube_only" not in rules(post(LINK, YOUTUBE, attachments=[video]))
    [f] = rules(post(LINK, CORP_X, attachments=[video]))["media.video_youtube_only"]
    assert f.severity == WARN and f.sites == ("corp-x",)
