"""Protected names: recorded by a press officer or Corporate Communications, enforced on
every post through the send path, never written to the log."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall.incidents import IncidentError, Incidents
from oncall.playbooks import load_library
from oncall.resources import shipped_dir
from oncall.sending import Blocked, Outgoing
from oncall.session import Session, open_session
from tests.core.test_sending import LINK, path_for

PLAYBOOK = load_library(shipped_dir("playbooks")).playbooks["missing-high-risk"]


def test_a_name_is_recorded_and_the_log_never_holds_it(demo_session: Session) -> None:
    incidents = Incidents(demo_session)
    inc = incidents.open(PLAYBOOK, "Assault")
    incidents.protect(inc.id, kind="sexual_offence", name="Jane  Doe")
    again = incidents.protect(inc.id, name="jane doe")  # the same name, once
    assert again.protected_names == ["Jane Doe"] and again.protection == "sexual_offence"
    log = "".join(p.read_text(encoding="utf-8") for p in (demo_session.paths.log).iterdir())
    assert "Jane" not in log and "Doe" not in log
    added = [e for e in demo_session.log.entries()
             if e.action == "incident.protected_name_added"]
    assert [e.details["protected_names"] for e in added] == [1]


@pytest.mark.parametrize("login", ["gmercer", "thale", "jashworth"])
def test_only_press_officers_and_corporate_comms_protect(demo_home: Path, login: str) -> None:
    from oncall.store import ReadOnly

    session = open_session(demo_home, login)
    inc = Incidents(open_session(demo_home, "sokafor")).open(PLAYBOOK, "Assault")
    # Professional Standards are refused everything that changes a record, first.
    refused = (ReadOnly, "read-only") if login == "gmercer" else \
        (IncidentError, "only a press officer")
    with pytest.raises(refused[0], match=refused[1]):
        Incidents(session).protect(inc.id, name="Jane Doe")
    assert Incidents(session).get(inc.id).protected_names == []


async def test_the_send_path_blocks_a_protected_surname(demo_session: Session) -> None:
    incidents = Incidents(demo_session)
    inc = incidents.open(PLAYBOOK, "Assault")
    incidents.protect(inc.id, kind="sexual_offence", name="Jane Doe")
    sender, h = path_for(demo_session)
    with pytest.raises(Blocked) as caught:
        await sender.send(Outgoing(inc.id, f"Ms Doe was assaulted on Mill Lane. {LINK}",
                                   ("corp-fb",), overrides={"court.victim_named": "x"}))
    assert caught.value.rule == "court.victim_named" and "Doe" not in caught.value.message
    assert h.adapters == {}
