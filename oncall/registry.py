"""Read a site registry file (`sites.toml`) into Site records, with file:line errors.

Web Communications keep the registry; `oncall sites import FILE` and the demo
load it into the store. It never holds a secret, only where the vault keeps one.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path
from typing import Any

from oncall.model import Platform, Site, Tier
from oncall.textsafe import printable
from oncall.tomlfile import Problem, TomlError, check_type, load, type_name

_FIELDS = {f.name: (bool if f.name == "requires_disclaimer" else str) for f in fields(Site)}
_REQUIRED = ("id", "platform", "name", "handle", "tier")
# Site ids name keyring entries, store partitions and CLI arguments: nothing that could
# be a path ("../../etc/passwd"), empty, or hold a control character.
SITE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def load_sites(path: Path) -> list[Site]:
    """Parse and validate `path`; raise TomlError listing every problem with its line."""
    doc = load(path)
    problems: list[Problem] = []
    for key in doc.data:
        if key != "site":
            problems.append(doc.problem(f"unknown table {key}; expected [[site]]", key))
    sites: list[Site] = []
    seen: set[str] = set()
    items = doc.data.get("site", [])
    if not isinstance(items, list):
        problems.append(doc.problem("site must be [[site]] tables, one per site", "site"))
        items = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(doc.problem("each site must be a [[site]] table", "site", i))
            continue
        values: dict[str, Any] = {}
        for key, value in item.items():
            kind = _FIELDS.get(key)
            if kind is None:
                problems.append(doc.problem(f"unknown key site.{key}", "site", i, key))
            elif not check_type(value, kind):
                problems.append(doc.problem(f"site.{key} must be {type_name(kind)}",
                                            "site", i, key))
            else:
                values[key] = value
        missing = [k for k in _REQUIRED if k not in values]
        if missing:
            problems.append(doc.problem(f"site needs {', '.join(missing)}", "site", i))
            continue
        if values["platform"] not in {p.value for p in Platform}:
            problems.append(doc.problem(
                f"unknown platform {values['platform']!r}; known: "
                f"{', '.join(p.value for p in Platform)}", "site", i, "platform"))
        if values["tier"] not in {t.value for t in Tier}:
            problems.append(doc.problem(
                f"unknown tier {values['tier']!r}; known: corporate, council, local",
                "site", i, "tier"))
        if values["tier"] == Tier.LOCAL and not values.get("owner"):
            problems.append(doc.problem("a local site needs its owning officer (owner = ...)",
                                        "site", i))
        if not SITE_ID.fullmatch(values["id"]):
            problems.append(doc.problem(
                f"site id {printable(values['id'], single_line=True)!r} must be lower-case "
                "letters, digits and dashes (at most 64), e.g. brk-north-fb", "site", i, "id"))
            continue
        if values["id"] in seen:
            problems.append(doc.problem(f"site id {values['id']!r} appears twice", "site", i, "id"))
        seen.add(values["id"])
        values.setdefault("keyring_key", f"oncall/{values['id']}")
        sites.append(Site(**values))
    if problems:
        raise TomlError(problems)
    return sites
