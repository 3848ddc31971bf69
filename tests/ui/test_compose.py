"""Pilot tests at 80x24 of the compose screen with scripted network adapters."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from textual.widgets import SelectionList, TextArea

from oncall.crosspost import DeliveryRepository
from oncall.model import Site
from oncall.platforms.base import Failure, PublishError, RemotePost, Rendition, TokenSource
from oncall.session import Session, open_session
from oncall.ui.app import make_app
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.screens.compose import ComposeScreen
from oncall.ui.screens.incident import IncidentScreen
from oncall.ui.widgets.findings import FindingsList
from tests.ui.conftest import SIZE, screen_text, settle
from tests.ui.test_incident import open_appeal_fill, type_fields, wait_for_screen

LINK = "https://www.merciavale.police.uk/news/canal"


@dataclass
class Network:
    """Scripted outcomes per site id; everything else succeeds."""

    fail: dict[str, list[PublishError]] = field(default_factory=dict)
    posted: list[tuple[str, str]] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)
    images: list[tuple[str, str, str]] = field(default_factory=list)

    def adapter_for(self, site: Site, client: httpx.AsyncClient, tokens: TokenSource):  # type: ignore[no-untyped-def]
        network = self

        class Adapter:
            platform = site.platform
            idempotent = False

            async def publish(self, rendition: Rendition) -> RemotePost:
                script = network.fail.get(site.id)
                if script:
                    raise script.pop(0)
                network.posted.append((site.id, rendition.text))
                network.images.extend((site.id, i.path, i.alt) for i in rendition.images)
                n = len(network.posted)
                return RemotePost(f"{site.id}-{n}", f"https://example.test/{site.id}/{n}")

            async def retract(self, remote_id: str) -> None:
                network.retracted.append(remote_id)

        return Adapter()


async def open_compose(pilot) -> ComposeScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("enter")
    await wait_for_screen(pilot, IncidentScreen)
    await pilot.press("c")
    await settle(pilot)
    if isinstance(pilot.app.screen, ChooseDialog):  # saved drafts exist: start a new post
        await pilot.press("enter")
    await wait_for_screen(pilot, ComposeScreen)
    return pilot.app.screen  # type: ignore[no-any-return]


async def write_and_send(pilot, screen: ComposeScreen, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type the text, note the warnings, send with F5 and confirm with y; settle."""
    screen.query_one("#compose-body", TextArea).text = text
    await settle(pilot)
    await pilot.press("ctrl+g")
    await settle(pilot)
    await pilot.press("f5")
    await wait_for_screen(pilot, ConfirmDialog)
    await pilot.press("y")
    await wait_for_screen(pilot, ComposeScreen)
    await settle(pilot)


@pytest.fixture
def session(live_demo_home: Path) -> Session:
    return open_session(live_demo_home, "sokafor")


async def test_send_to_the_incident_area_retry_the_failure_then_retract(
        session: Session) -> None:
    network = Network(fail={"corp-x": [PublishError(Failure.REJECTED,
                                                    "Mercia Vale Police (X): token expired")]})
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose(pilot)
        picker = screen.query_one("#compose-sites", SelectionList)
        # Corporate sites plus the Brackenford pages are ticked for a Brackenford incident.
        chosen = set(picker.selected)
        assert {"corp-fb", "corp-x", "brk-north-fb", "brk-south-fb"} <= chosen
        assert "corp-yt" not in chosen and "wren-fb" not in chosen
        screen.query_one("#compose-body", TextArea).text = (
            f"Officers remain at the canal towpath near Mill Lane. {LINK}")
        screen.query_one("#compose-short", TextArea).text = f"Canal towpath update: {LINK}"
        await settle(pilot)
        findings = str(screen.query_one(FindingsList).render())
        assert "BLOCK" not in findings
        # The Brackenford partnership page wants the agreed disclaimer: a warning to note.
        assert "! WARN  Safer Brackenford Partnership requires the agreed disclaimer" in findings
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)  # not until the warning is noted
        await pilot.press("ctrl+g")
        await settle(pilot)
        await pilot.press("f5")
        await wait_for_screen(pilot, ConfirmDialog)
        assert "Mercia Vale Police (X, short)" in screen_text(app)
        await pilot.press("y")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        text = screen_text(app)
        assert "✗ FAILED" in text and "✓ sent" in text
        assert ("corp-x", f"Canal towpath update: {LINK}") not in network.posted
        assert ("corp-bsky", f"Canal towpath update: {LINK}") in network.posted
        sent_before = len(network.posted)

        await pilot.press("ctrl+r")  # the token is fixed now: retry only the failure
        await settle(pilot)
        assert len(network.posted) == sent_before + 1
        assert network.posted[-1] == ("corp-x", f"Canal towpath update: {LINK}")
        assert "✗ FAILED" not in screen_text(app)

        await pilot.press("f8")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await wait_for_screen(pilot, ReasonDialog)
        app.screen.query_one("Input").value = "found safe and well"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        assert len(network.retracted) == len(network.posted)
        assert "⌫ retracted" in screen_text(app)

    actions = [e.action for e in session.log.entries()]
    for action in ("post.queued", "post.sent", "post.failed", "post.retry",
                   "post.retract_requested", "post.retracted"):
        assert action in actions, action
    states = {d.state for d in DeliveryRepository(session.store).all(
        session.incidents.all()[0].id)}
    assert states == {"retracted"}


async def test_unknown_needs_the_officers_decision(session: Session) -> None:
    network = Network(fail={"corp-fb": [PublishError(
        Failure.UNKNOWN, "Mercia Vale Police (Facebook): no reply in time")]})
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#compose-body", TextArea).text = f"Update. {LINK}"
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        await pilot.press("f5")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("enter")  # Enter is No: nothing goes out on a stray Enter
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        assert network.posted == [] and network.fail["corp-fb"]
        await pilot.press("f5")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        assert "? UNKNOWN" in screen_text(app)
        await pilot.press("ctrl+r")  # unknown is not retried
        await settle(pilot)
        assert not any(site == "corp-fb" for site, _ in network.posted)
        picker = screen.query_one("#compose-sites", SelectionList)
        picker.focus()
        picker.highlighted = [s.id for s in screen.sites].index("corp-fb")
        await pilot.press("f12")
        await wait_for_screen(pilot, ChooseDialog)
        await pilot.press("down", "enter")  # "It is NOT on the page"
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert any(site == "corp-fb" for site, _ in network.posted)
    assert "post.confirmed_not_posted" in [e.action for e in session.log.entries()]


async def test_send_is_refused_while_a_block_stands(session: Session) -> None:
    network = Network()
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#compose-body", TextArea).text = (
            f"Thanks to DC Liam Carver for his help. {LINK}")
        await settle(pilot)
        assert "✗ BLOCK Names a colleague" in str(screen.query_one(FindingsList).render())
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
    assert network.posted == []


async def test_draft_is_saved_as_it_is_typed(session: Session) -> None:
    from oncall.incidents import DraftRepository

    app = make_app(session, adapter_for=Network().adapter_for)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#compose-body", TextArea).text = "Half-written appeal"
        await pilot.pause(1.3)
        await settle(pilot)
    incident = session.incidents.all()[0]
    drafts = DraftRepository(session.store).all(incident.id)
    assert any(d.body == "Half-written appeal" for d in drafts)


async def test_an_earlier_post_is_reopened_and_retracted_everywhere(session: Session) -> None:
    """Scenario 1 at 06:05: she is found; the appeal comes down from every site."""
    network = Network()
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose(pilot)
        await write_and_send(pilot, screen, f"Canal towpath closed. {LINK}")
        sent = len(network.posted)
        await pilot.press("escape")
        await wait_for_screen(pilot, IncidentScreen)
        await pilot.press("h")
        await wait_for_screen(pilot, ChooseDialog)
        await pilot.press("enter")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        assert screen_text(app).count("✓ sent") >= 5
        await pilot.press("f8")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await wait_for_screen(pilot, ReasonDialog)
        app.screen.query_one("Input").value = "found safe and well"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
    assert len(network.retracted) == sent


async def test_find_site_by_name_then_tick_it(session: Session) -> None:
    app = make_app(session, adapter_for=Network().adapter_for)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose(pilot)
        picker = screen.query_one("#compose-sites", SelectionList)
        assert "wren-x" not in picker.selected
        await pilot.press("ctrl+f")
        await wait_for_screen(pilot, ReasonDialog)
        app.screen.query_one("Input").value = "wrenmoor police x"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for_screen(pilot, ComposeScreen)
        await pilot.press("space")
        await settle(pilot)
        assert "wren-x" in picker.selected


async def test_third_party_photo_needs_source_and_permission(session: Session,
                                                             tmp_path: Path) -> None:
    from textual.widgets import Input, Select

    from oncall.ui.dialogs.attach import AttachDialog

    photo = tmp_path / "amy.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    network = Network()
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#compose-body", TextArea).text = f"Officers at the search. {LINK}"
        await pilot.press("f9")
        await wait_for_screen(pilot, AttachDialog)
        dialog = app.screen
        dialog.query_one("#at-owner", Select).value = "third"
        dialog.query_one("#at-path", Input).value = str(photo)
        dialog.query_one("#at-alt", Input).value = "Amy, smiling, in a school jumper"
        dialog.query_one("#at-source", Input).value = "family"
        dialog.query_one("#at-key_message", Input).focus()
        await pilot.press("enter")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        assert "photo amy.png (third party: family)" in screen_text(app)
        findings = str(screen.query_one(FindingsList).render())
        assert "✗ BLOCK amy.png: a third party's photo needs its source and who gave " \
               "permission recorded." in findings
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen) and network.posted == []
    # The officer records permission: a new attachment with it goes through.
    network = Network()
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#compose-body", TextArea).text = f"Officers at the search. {LINK}"
        await pilot.press("f9")
        await wait_for_screen(pilot, AttachDialog)
        dialog = app.screen
        dialog.query_one("#at-owner", Select).value = "third"
        for name, value in (("path", str(photo)), ("alt", "Amy"), ("source", "family"),
                            ("permission", "her mother, 02:30")):
            dialog.query_one(f"#at-{name}", Input).value = value
        dialog.query_one("#at-key_message", Input).focus()
        await pilot.press("enter")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        await pilot.press("f5")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
    assert ("corp-fb", str(photo), "Amy") in network.images


async def test_corporate_comms_override_lets_a_blocked_post_go(live_demo_home: Path) -> None:
    from oncall.incidents import Incidents

    officer = open_session(live_demo_home, "sokafor")
    [incident] = officer.incidents.all()
    Incidents(officer).set_proceedings_active(incident.id, True, "man charged")
    manager = open_session(live_demo_home, "rellison")
    network = Network()
    app = make_app(manager, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose(pilot)
        picker = screen.query_one("#compose-sites", SelectionList)
        picker.deselect_all()
        picker.select("corp-fb")
        screen.query_one("#compose-body", TextArea).text = (
            f"He was caught on CCTV leaving the scene. {LINK}")
        await settle(pilot)
        assert "✗ BLOCK Proceedings are active" in str(screen.query_one(FindingsList).render())
        await pilot.press("ctrl+o")
        await wait_for_screen(pilot, ReasonDialog)
        app.screen.query_one("Input").value = "CCTV shown in open court today"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        assert "~ OVERRIDDEN Proceedings are active" in str(
            screen.query_one(FindingsList).render())
        await pilot.press("f5")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
    assert [site for site, _ in network.posted] == ["corp-fb"]
    override = next(e for e in manager.log.entries() if e.action == "policy.overridden")
    assert override.details["rule"] == "court.prejudicial"


async def test_scenario_found_safe_retracts_the_appeal_then_offers_the_thank_you(
        session: Session) -> None:

    from oncall.ui.screens.fill import FillScreen

    network = Network()
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE) as pilot:
        await open_appeal_fill(pilot)
        await type_fields(pilot, description="Slim, with long dark hair.")
        await pilot.press("f6")  # save the draft and compose from it
        await wait_for_screen(pilot, ComposeScreen)
        picker = app.screen.query_one("#compose-sites", SelectionList)
        picker.deselect_all()
        for site_id in ("corp-fb", "corp-x", "corp-bsky", "corp-masto"):
            picker.select(site_id)
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        await pilot.press("f5")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        assert len(network.posted) == 4
        await pilot.press("escape")
        await wait_for_screen(pilot, IncidentScreen)
        table = app.screen.query_one("#inc-steps")
        table.move_cursor(row=6)  # "Found: retract the appeal everywhere and thank the public"
        await pilot.press("space")
        await wait_for_screen(pilot, ConfirmDialog)
        assert "1 appeal post(s) are live on 4 site(s)" in screen_text(app)
        await pilot.press("y")
        await wait_for_screen(pilot, FillScreen)
        assert "Missing person found: thank you" in screen_text(app)
    assert len(network.retracted) == 4
    assert sum(e.action == "post.retracted" for e in session.log.entries()) == 4


async def test_the_highlighted_sites_reason_in_full_and_toasts_clear_of_the_list(
        session: Session) -> None:
    reason = ("Mercia Vale Police (X): X refused the post (HTTP 403: You are not permitted "
              "to perform this action; the app's access level is read-only)")
    network = Network(fail={"corp-x": [PublishError(Failure.REJECTED, reason)]})
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_compose(pilot)
        await write_and_send(pilot, screen, f"Update. {LINK}")
        picker = screen.query_one("#compose-sites", SelectionList)
        picker.focus()
        picker.highlighted = [s.id for s in screen.sites].index("corp-x")
        await settle(pilot)
        detail = str(screen.query_one("#compose-detail").render())
        assert "✗ FAILED" in detail and "access level is read-only" in detail
        from textual.widgets._toast import Toast, ToastRack

        assert list(app.screen.query(Toast))
        rack = app.screen.query_one(ToastRack)
        assert rack.region.y + rack.region.height <= picker.region.y
