"""A ready-made demo force, Mercia Vale Police (fictional), in a fresh home.

`oncall demo` builds one in a temporary directory so that a new user can try
every screen offline; `--keep DIR` builds it in DIR and leaves it there.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from oncall.actionlog import ActionLog
from oncall.config import Paths
from oncall.fsio import atomic_write
from oncall.registry import load_sites
from oncall.store import SiteRepository, Store

DEMO_USER = "sokafor"
# The demo's fictional staff keep their signing keys in the demo home ([log] key_dir in
# its config.toml): there is one Unix account behind all of them.
DEMO_KEY_DIR = ".demo-keys"
_DATA = Path(__file__).resolve().parent / "demodata"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_demo(home: Path, now: datetime | None = None, *, with_incident: bool = True) -> Paths:
    """Write a complete demo force into `home` (created if needed) and return its paths.

    `with_incident` also opens a live incident part-way through its checklist.
    """
    now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    paths = Paths(home)
    paths.ensure()
    atomic_write(paths.config, (_DATA / "config.toml").read_bytes())
    shift_start = now - timedelta(hours=3)
    template = (_DATA / "people.toml.in").read_text(encoding="utf-8")
    atomic_write(paths.people, template.format(
        shift_start=_iso(shift_start), shift_end=_iso(shift_start + timedelta(hours=12)),
        next_start=_iso(shift_start + timedelta(hours=12)),
        next_end=_iso(shift_start + timedelta(hours=24)),
        leave_start=_iso(now - timedelta(days=4)), leave_end=_iso(now + timedelta(days=10)),
        sick_start=_iso(now - timedelta(days=1)), sick_end=_iso(now + timedelta(days=3)),
    ).encode("utf-8"))
    SiteRepository(Store(paths.data)).put_many(load_sites(_DATA / "sites.toml"))
    keys = home / DEMO_KEY_DIR
    log = ActionLog(paths.log, clock=lambda: shift_start, key_dir=keys)
    log.append("sokafor", "Press Officer", "shift.started",
               details={"note": "On call until " + _iso(shift_start + timedelta(hours=12))})
    log = ActionLog(paths.log, clock=lambda: now - timedelta(minutes=80), key_dir=keys)
    log.append("mkowalski", "Web Communications", "site.registry.imported",
               details={"sites": 20, "source": "sites.toml"})
    if with_incident:
        _incident_in_progress(paths, now)
    _anchor(paths, now)
    return paths


def _anchor(paths: Paths, now: datetime) -> None:
    """Anchor the demo's history as a force's console would have (to `witness.log`), so
    `oncall log verify` on the demo shows what an anchor proves."""
    from oncall.anchors import anchor
    from oncall.session import open_session

    session = open_session(paths.home, DEMO_USER)
    session.log = session.log_at(lambda: now)
    anchor(session, now)


def _incident_in_progress(paths: Paths, now: datetime) -> None:
    """Open the demo's live incident 25 minutes ago with its first two steps ticked,
    so a new user sees a working checklist and a running countdown."""
    from oncall.incidents import Incidents
    from oncall.playbooks import load_library
    from oncall.resources import shipped_dir
    from oncall.session import open_session

    playbook = load_library(shipped_dir("playbooks"), only="missing-person-high-risk.toml"
                            ).playbooks.get("missing-high-risk")
    if playbook is None:  # the shipped playbook is broken: the dashboard will say so
        return
    session = open_session(paths.home, DEMO_USER)
    incidents = Incidents(session)
    opened = now - timedelta(minutes=25)
    session.log = session.log_at(lambda: opened)
    incident = incidents.open(playbook, "Missing boy, 14, Brackenford canal",
                              location="Canal towpath near Mill Lane, Brackenford",
                              reference="0312 of today", now=opened)
    for step, minutes in zip(playbook.steps[:2], (6, 14), strict=False):
        done = opened + timedelta(minutes=minutes)
        session.log = session.log_at(lambda done=done: done)
        incidents.tick(incident, step, now=done)
