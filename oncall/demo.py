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

CONFIG = """\
# Settings for the Mercia Vale Police demo (a fictional force).
[force]
name = "Mercia Vale Police"
website = "https://www.merciavale.police.uk"
phone = "101"
disclaimer = "This page is not monitored 24/7. Report crime online at merciavale.police.uk or call 101. In an emergency always call 999."

[ui]
theme = "corporate"
clipboard_clear_seconds = 20
log_tail = 8
"""

PEOPLE = """\
# Staff directory of the demo force. Every name here is invented.
[[person]]
login = "sokafor"
name = "Sarah Okafor"
title = "Senior Press Officer"
roles = ["press_officer"]
phone = "01632 960101"

[[person]]
login = "dpritchard"
name = "Daniel Pritchard"
title = "Press Officer"
roles = ["press_officer"]

[[person]]
login = "mkowalski"
name = "Marta Kowalski"
title = "Web Communications Officer"
roles = ["web_comms", "press_officer"]

[[person]]
login = "jashworth"
name = "James Ashworth"
title = "Local Communications Officer, Brackenford"
roles = ["local_comms"]

[[person]]
login = "pbhatt"
name = "Priya Bhatt"
title = "Local Communications Officer, Wrenmoor and the South"
roles = ["local_comms"]

[[person]]
login = "rellison"
name = "Ruth Ellison"
title = "Head of Corporate Communications"
roles = ["corporate_comms"]

[[person]]
login = "gmercer"
name = "Graham Mercer"
title = "Inspector, Professional Standards"
roles = ["professional_standards"]

[[person]]
login = "thale"
name = "Tom Hale"
title = "PC, Brackenford North Neighbourhood Team"
collar = "PC 2291"
roles = ["site_owner"]

[[person]]
login = "nsykes"
name = "Nadia Sykes"
title = "Sergeant, Brackenford South and Rural Crime"
collar = "PS 1187"
roles = ["site_owner"]

[[person]]
login = "akhan"
name = "Amir Khan"
title = "PC, Wrenmoor Neighbourhood Team"
collar = "PC 3302"
roles = ["site_owner"]

[[person]]
login = "lfrost"
name = "Lucy Frost"
title = "PCSO, Stowbridge Heath and Carrow End"
collar = "PCSO 7745"
roles = ["site_owner"]

[[person]]
login = "lcarver"
name = "Liam Carver"
title = "Detective Constable (undercover unit)"
collar = "DC 4471"
nicknames = ["Carv", "Lenny Carver"]
sensitive_role = true
roles = []

[[rota]]
login = "sokafor"
start = {shift_start}
end = {shift_end}

[[rota]]
login = "dpritchard"
start = {next_start}
end = {next_end}

[[absence]]
login = "thale"
start = {leave_start}
end = {leave_end}
reason = "annual leave"

[[absence]]
login = "jashworth"
start = {sick_start}
end = {sick_end}
reason = "sick leave"
"""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_demo(home: Path, now: datetime | None = None) -> Paths:
    """Write a complete demo force into `home` (created if needed) and return its paths."""
    now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    paths = Paths(home)
    paths.ensure()
    paths.config.write_text(CONFIG, encoding="utf-8")
    shift_start = now - timedelta(hours=3)
    paths.people.write_text(PEOPLE.format(
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
