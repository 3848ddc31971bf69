"""A ready-made demo force, Mercia Vale Police (fictional), in a fresh home.

`oncall demo` builds one in a temporary directory so that a new user can try
every screen offline; `--keep DIR` builds it in DIR and leaves it there.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from oncall.actionlog import ActionLog
from oncall.config import Paths
from oncall.registry import load_sites
from oncall.store import SiteRepository, Store

DEMO_USER = "sokafor"
_DATA = Path(__file__).resolve().parent / "demodata"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_demo(home: Path, now: datetime | None = None) -> Paths:
    """Write a complete demo force into `home` (created if needed) and return its paths."""
    now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    paths = Paths(home)
    paths.ensure()
    paths.config.write_text((_DATA / "config.toml").read_text(encoding="utf-8"),
                            encoding="utf-8")
    shift_start = now - timedelta(hours=3)
    template = (_DATA / "people.toml.in").read_text(encoding="utf-8")
    paths.people.write_text(template.format(
        shift_start=_iso(shift_start), shift_end=_iso(shift_start + timedelta(hours=12)),
        next_start=_iso(shift_start + timedelta(hours=12)),
        next_end=_iso(shift_start + timedelta(hours=24)),
        leave_start=_iso(now - timedelta(days=4)), leave_end=_iso(now + timedelta(days=10)),
        sick_start=_iso(now - timedelta(days=1)), sick_end=_iso(now + timedelta(days=3)),
    ), encoding="utf-8")
    SiteRepository(Store(paths.data)).put_many(load_sites(_DATA / "sites.toml"))
    log = ActionLog(paths.log, clock=lambda: shift_start)
    log.append("sokafor", "Press Officer", "shift.started",
               details={"note": "On call until " + _iso(shift_start + timedelta(hours=12))})
    log = ActionLog(paths.log, clock=lambda: now - timedelta(minutes=40))
    log.append("mkowalski", "Web Communications", "site.registry.imported",
               details={"sites": 20, "source": "sites.toml"})
    return paths
