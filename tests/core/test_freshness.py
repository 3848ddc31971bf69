"""What is out of date (issue 14, freshness): posts past their review time, appeals still
up for a resolved incident (closed, or proceedings active: scenario 3), quiet sites; on
a clock the test gives."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from oncall.freshness import freshness, quiet_sites, stale_posts
from oncall.incidents import Incidents
from oncall.model import Incident, PostRecord
from oncall.playbooks import load_library
from oncall.resources import shipped_dir
from oncall.sending import SendPath
from oncall.session import Session
from tests.core.test_crosspost import Harness

LIBRARY = load_library(shipped_dir("playbooks"))
T0 = datetime(2026, 12, 4, 19, 0, tzinfo=UTC)


def incident(status: str = "open") -> Incident:
    return Incident(id="I1", title="Missing boy", kind="missing", opened_at=T0,
                    opened_by="sokafor", status=status,
                    closed_at=T0 + timedelta(hours=3) if status == "closed" else None)


def post(template: str, review_at: datetime | None = None) -> PostRecord:
    return PostRecord(id="P1", incident="I1", author="sokafor", created_at=T0,
                      body="text", template=template, review_at=review_at)


def test_a_post_past_its_review_time_is_listed_and_not_before() -> None:
    review = T0 + timedelta(hours=2)
    posts = {"I1": [post("mp-update", review)]}
    live = {"I1": {"P1"}}
    assert stale_posts([incident()], posts, live, LIBRARY.templates, review - timedelta(
        minutes=1)) == []
    (stale,) = stale_posts([incident()], posts, live, LIBRARY.templates, review)
    assert stale.kind == "review" and stale.post == "P1" and stale.since == review
    assert stale_posts([incident()], posts, {}, LIBRARY.templates, review) == []  # down


def test_an_appeal_for_a_resolved_incident_is_listed_first() -> None:
    posts = {"I1": [post("mp-appeal", T0 + timedelta(days=9))]}
    live = {"I1": {"P1"}}
    for status, words in (("closed", "closed incident"), ("proceedings_active",
                                                          "proceedings are active")):
        (stale,) = stale_posts([incident(status)], posts, live, LIBRARY.templates, T0)
        assert stale.kind == "resolved" and words in stale.why
    assert stale_posts([incident()], posts, live, LIBRARY.templates, T0) == []


def test_quiet_sites(demo_session: Session) -> None:
    sites = demo_session.sites.all()[:3]
    last = {sites[0].id: T0 - timedelta(days=2), sites[1].id: T0 - timedelta(days=40)}
    quiet = quiet_sites(sites, last, T0)
    assert [q.site for q in quiet] == [sites[1].id, sites[2].id]
    assert "no post through oncall for 40 days" in quiet[0].why
    assert "no post through oncall yet" in quiet[1].why


def test_an_appeal_sent_then_proceedings_active_is_flagged_until_retracted(
        demo_session: Session) -> None:
    """Scenario 3: once someone is charged, the witness appeal still up is flagged."""
    from oncall.overrides import text_hash
    from oncall.sending import Outgoing, marked_text

    session = demo_session
    incidents = Incidents(session)
    opened = incidents.open(LIBRARY.playbooks["missing-high-risk"], "Assault, Brackenford")
    harness = Harness(session, {})
    sender = SendPath(session, harness.poster, LIBRARY.templates)
    appeal = LIBRARY.templates["mp-appeal"]
    body = ("Have you seen Amy, 14? She was last seen at 21:00 on the canal towpath in "
            "Brackenford. Call 101 quoting incident 512. In an emergency call 999. "
            "https://www.merciavale.police.uk/appeals/amy")
    out = Outgoing(opened.id, body, ("corp-x",), template=appeal.id)
    judged = sender.judge(out)
    assert not judged.verdict.blocking, judged.verdict.blocking
    noted = {f.rule: text_hash(marked_text(out.body, out.short))
             for f in judged.verdict.unacknowledged}  # the officer notes each warning
    result = asyncio.run(sender.send(replace(out, acknowledged=noted)))
    now = T0 + timedelta(days=400)
    assert not [s for s in freshness(session, LIBRARY.templates, now) if s.kind == "resolved"]
    incidents.set_proceedings_active(opened.id, True, "man charged")
    flagged = [s for s in freshness(session, LIBRARY.templates, now) if s.kind == "resolved"]
    assert [s.post for s in flagged] == [result.post]
    asyncio.run(sender.retract_everywhere(opened.id, result.post, "charged"))
    assert not [s for s in freshness(session, LIBRARY.templates, now)
                if s.kind in ("resolved", "review")]


def test_oncall_freshness_lists_them_and_exits_1(
        demo_session: Session, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from oncall.cli import main
    from oncall.model import Delivery
    from oncall.postrecords import DeliveryRepository, PostRepository

    opened = Incidents(demo_session).open(LIBRARY.playbooks["missing-high-risk"], "Amy")
    PostRepository(demo_session.store).put_many([replace(
        post("mp-update", T0), id="P9", incident=opened.id)])
    DeliveryRepository(demo_session.store).put_many([Delivery(
        id="P9.corp-x", post="P9", incident=opened.id, site="corp-x", platform="x",
        text="t", key="k", state="sent", remote_id="1", updated_at=T0)])
    monkeypatch.setenv("ONCALL_USER", "sokafor")
    code = main(["--home", str(demo_session.paths.home), "freshness"])
    out = capsys.readouterr().out
    assert code == 1
    assert f"review   post P9 of {opened.id}: Past its review time" in out
    assert "corp-masto: " in out and "no post through oncall yet" in out


def test_how_long_a_site_may_be_quiet_is_the_forces_setting(demo_session: Session) -> None:
    from oncall.config import load_settings
    from oncall.sending import Outgoing
    from oncall.session import open_session
    from oncall.timeutil import utcnow

    session = demo_session
    opened = Incidents(session).open(LIBRARY.playbooks["missing-high-risk"], "Collision")
    sender = SendPath(session, Harness(session, {}).poster, LIBRARY.templates)
    asyncio.run(sender.send(Outgoing(opened.id, "The A34 is open again. "
                                     "https://www.merciavale.police.uk/news", ("corp-x",))))
    later = utcnow() + timedelta(days=40)

    def quiet(s: Session) -> set[str]:
        return {x.site for x in freshness(s, LIBRARY.templates, later) if x.kind == "quiet"}

    assert "corp-x" in quiet(session)  # 40 days against the default 30
    config = session.paths.config
    config.write_text(config.read_text() + "\n[policy]\nquiet_site_days = 60\n")
    assert "corp-x" not in quiet(open_session(session.paths.home, "sokafor"))
    config.write_text(config.read_text().replace("= 60", "= 0"))
    with pytest.raises(Exception, match="must be at least 1"):
        load_settings(config)
