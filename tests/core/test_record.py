"""An incident's record and its export, no screen (issue 14): every kind of entry in
order (ticks, a post with its text and per-site results, its log lines, a retraction, a
message from the public with its acknowledgement and forward), the HTML escaping hostile
text, the Markdown keeping it literal, the JSON's sequence numbers and hashes matching
the log, and `oncall export` writing the file and logging that it did."""

from __future__ import annotations

import json
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from oncall.cli import main
from oncall.export import FORMATS, export
from oncall.inboxrecords import InboxItem, InboxRepository
from oncall.incidents import Incidents
from oncall.playbooks import load_library
from oncall.record import UnknownIncident, build_record
from oncall.resources import shipped_dir
from oncall.sending import Outgoing, SendPath
from oncall.session import Session
from oncall.timeutil import utcnow
from tests.core.test_crosspost import Harness

LIBRARY = load_library(shipped_dir("playbooks"))
HOSTILE = "Road shut <script>alert('x')</script> [bold]`tick` & more"
LINK = "https://www.merciavale.police.uk/news/road"


@pytest.fixture
def incident(demo_session: Session) -> str:
    """An incident with a tick, a post sent to two sites and retracted, and a message
    acknowledged and forwarded."""
    session = demo_session
    incidents = Incidents(session)
    playbook = LIBRARY.playbooks["road-collision"]
    opened = incidents.open(playbook, "Collision <A34>", reference="512 of 4 December")
    step = playbook.steps[0]
    incidents.tick(opened, step)

    async def post_and_retract() -> None:
        harness = Harness(session, {})
        sender = SendPath(session, harness.poster, LIBRARY.templates)
        sent = await sender.send(Outgoing(opened.id, f"{HOSTILE} {LINK}",
                                          ("corp-x", "corp-masto")))
        await sender.retract_everywhere(opened.id, sent.post, "road reopened")

    import asyncio

    asyncio.run(post_and_retract())
    now = utcnow()
    InboxRepository(session.store).put_many([InboxItem(
        id="corp-x:77", site="corp-x", platform="x", remote_id="77", kind="reply",
        author="@w", author_name="Wit <b>ness</b>",
        text="I saw it </pre><b>bold</b> \x1b[2J",
        sent_at=now - timedelta(minutes=5), fetched_at=now, incident=opened.id,
        needs_action=True, reasons=["offers information"], state="forwarded",
        ack_state="sent", ack_by="sokafor", ack_at=now, ack_template="common-ack",
        ack_text="Thank you", forwards=[{"id": "f1", "to": "role:investigating_officer",
                                         "to_label": "Investigating Officer", "logins": "hmarsh",
                                         "note": "dashcam", "by": "sokafor",
                                         "at": now.isoformat(), "mail": "off"}])])
    return opened.id


def test_the_record_holds_every_kind_of_entry_in_order(demo_session: Session,
                                                      incident: str) -> None:
    record = build_record(demo_session, incident)
    actions = [e.action for e in record.entries]
    for wanted in ("incident.opened", "playbook.step.done", "post", "post.queued",
                   "post.sent", "post.retract_requested", "post.retracted", "message"):
        assert wanted in actions, wanted
    assert [e.at for e in record.entries] == sorted(e.at for e in record.entries)
    post = next(e for e in record.entries if e.action == "post")
    assert HOSTILE in post.detail and "corp-x: retracted" in post.detail
    assert post.who == "Sarah Okafor"
    message = next(e for e in record.entries if e.action == "message")
    assert "Acknowledged by Sarah Okafor" in message.detail
    assert "Forwarded by Sarah Okafor to Investigating Officer: dashcam" in message.detail
    tick = next(e for e in record.entries if e.action == "playbook.step.done")
    assert tick.seq is not None and tick.hash


def test_json_carries_the_logs_numbers_and_hashes(demo_session: Session,
                                                  incident: str) -> None:
    record = build_record(demo_session, incident)
    data = json.loads(export(record, "json", made_at=utcnow(), made_by="Sarah Okafor"))
    log = {e.seq: e.hash for e in demo_session.log.entries()}
    from_log = [e for e in data["entries"] if e["log_seq"] is not None]
    assert from_log and all(log[e["log_seq"]] == e["log_hash"] for e in from_log)
    assert data["posts"][0]["body"].startswith(HOSTILE)
    assert {s["site"]: s["state"] for s in data["posts"][0]["sites"]} == {
        "corp-x": "retracted", "corp-masto": "retracted"}
    assert data["messages"][0]["acknowledged_by"] == "sokafor"


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_outside_text_and_needs_nothing_from_outside(
        demo_session: Session, incident: str) -> None:
    page = export(build_record(demo_session, incident), "html", made_at=utcnow(),
                  made_by="Sarah Okafor")
    parsed = Tags()
    parsed.feed(page)
    assert parsed.tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2",
                           "table", "tr", "th", "td", "p", "code", "ol", "li", "span", "b",
                           "pre"}
    text = "".join(parsed.text)
    assert "<script>alert('x')</script>" in text  # shown as text, not run
    assert "Wit <b>ness</b>" in text and "I saw it </pre><b>bold</b>" in text
    assert "\x1b" not in page and "http" not in page.split("<body>")[0]
    assert "src=" not in page and "<link" not in page


def test_markdown_keeps_outside_text_literal(demo_session: Session, incident: str) -> None:
    page = export(build_record(demo_session, incident), "md", made_at=utcnow(),
                  made_by="Sarah Okafor")
    assert "# Incident record: `Collision <A34>`" in page
    line = next(x for x in page.splitlines() if "<script>" in x)
    assert "``" in line  # the backticks in the text cannot close its code span
    assert "\x1b" not in page
    assert all(f in FORMATS for f in ("md", "html", "json"))


def test_oncall_export_writes_the_file_and_logs_it(
        demo_session: Session, incident: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from oncall import cli_export
    from oncall import export as export_module

    assert cli_export.FORMATS == export_module.FORMATS
    monkeypatch.setenv("ONCALL_USER", "gmercer")  # Professional Standards may export
    home = str(demo_session.paths.home)
    target = tmp_path / "record.html"
    code = main(["--home", home, "export", incident, "--format", "html", "-o", str(target)])
    assert code == 0 and target.read_text().startswith("<!doctype html>")
    assert "exported" in capsys.readouterr().err
    entry = demo_session.log.tail(1)[0]
    assert (entry.action, entry.actor, entry.incident) == ("record.exported", "gmercer",
                                                           incident)
    code = main(["--home", home, "export", "20990101-09"])
    assert code == 2 and "There is no incident" in capsys.readouterr().err
    with pytest.raises(UnknownIncident):
        build_record(demo_session, "20990101-09")


def test_a_credential_taken_for_the_incident_is_in_its_record(demo_session: Session,
                                                               incident: str) -> None:
    from oncall.keystore import KeyStore
    from oncall.secret import Secret
    from oncall.vault import PROCESS_MEMORY, Vault

    PROCESS_MEMORY.clear()
    site = demo_session.sites.get("corp-fb")
    assert site is not None
    KeyStore(demo_session.settings.vault, demo_session.paths.home).set(
        site, "password", Secret("heron-lantern-9"))
    try:
        taken = Vault.for_session(demo_session).take(site, purpose="copied", incident=incident)
        assert taken is not None
        Vault.for_session(demo_session).take(site, purpose="revealed")  # not for it
    finally:
        PROCESS_MEMORY.clear()
    record = build_record(demo_session, incident)
    used = [e for e in record.entries if e.action.startswith("credential.")]
    assert [(e.action, e.summary) for e in used] == [
        ("credential.copied", f"Copied a site's password: {site.name} (site corp-fb, rule "
                              "corporate.on_call, kind password)")]
    assert "heron-lantern-9" not in "".join(e.summary + e.detail for e in record.entries)
