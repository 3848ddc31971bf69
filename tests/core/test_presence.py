"""Who else is working now (issue 15): each console's presence file says where its
officer is; the others see it while it is fresh and its process runs; a console that
ends removes it; a stale, dead or torn file is nobody."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from oncall.presence import FRESH, Presence
from oncall.session import open_session

NOW = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)


def test_others_see_where_an_officer_is_until_they_leave(demo_home: Path) -> None:
    dan = Presence(open_session(demo_home, "dpritchard"))
    sarah = Presence(open_session(demo_home, "sokafor"))
    dan.here("compose", "20261205-01", "d-1", now=NOW)
    sarah.here("dashboard", now=NOW)
    (seen,) = sarah.others(NOW + timedelta(seconds=10))
    assert (seen.name, seen.where, seen.incident, seen.draft) == (
        "Daniel Pritchard", "compose", "20261205-01", "d-1")
    assert seen.describe() == "Daniel Pritchard (compose, 20261205-01)"
    assert [h.login for h in dan.others(NOW)] == ["sokafor"]  # never oneself
    dan.leave()
    assert sarah.others(NOW) == []


def test_a_stale_dead_or_torn_file_is_nobody(demo_home: Path) -> None:
    sarah = Presence(open_session(demo_home, "sokafor"))
    dan = Presence(open_session(demo_home, "dpritchard"))
    dan.here("incident", "20261205-01", now=NOW)
    assert sarah.others(NOW + FRESH + timedelta(seconds=1)) == []  # killed long ago
    path = dan.dir / "dpritchard.json"
    data = json.loads(path.read_text())
    import socket

    path.write_text(json.dumps({**data, "owner": f"{socket.gethostname()}:999999999"}))
    assert sarah.others(NOW) == []  # its process is gone
    path.write_text('{"login": "dpri')
    assert sarah.others(NOW) == []
    other = Presence(open_session(demo_home, "mkowalski"))
    other.here("vault", now=NOW)
    other.owner = "elsewhere:1"
    assert [h.login for h in sarah.others(NOW)] == ["mkowalski"]
    other.leave()  # not its file any more (another console wrote it): left alone
    assert [h.login for h in sarah.others(NOW)] == ["mkowalski"]
