"""The core (store, log, config, staff, ...) must import without Textual or Rich.

The CLI's scriptable subcommands and the tests rely on this: only `oncall.ui`
may pull in the UI toolkit.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import oncall

PACKAGE_DIR = Path(oncall.__file__).resolve().parent
UI_PACKAGES = ("oncall.ui",)
# `python -m oncall` runs the CLI when imported; it is only an entry point.
NOT_IMPORTABLE = ("oncall.__main__",)
UI_LIBRARIES = ("textual", "rich")
_UI_IMPORT = re.compile(r"^\s*(?:import|from)\s+(?:textual|rich)(?:[.\s,]|$)", re.MULTILINE)


def _is_ui(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in UI_PACKAGES)


def core_modules() -> list[str]:
    """Every module under oncall/ but the UI, found with pkgutil.walk_packages.

    walk_packages imports each *package* it descends into, so the walk runs in a
    fresh interpreter (see `test_core_imports_without_ui_libraries`) and the
    caller filters the UI out before importing anything.
    """
    script = (
        "import json, pkgutil, oncall\n"
        "names = []\n"
        "quiet = lambda name: None\n"
        "for info in pkgutil.walk_packages(oncall.__path__, 'oncall.', onerror=quiet):\n"
        "    names.append(info.name)\n"
        "print(json.dumps(names))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=PACKAGE_DIR.parent)
    names = ["oncall", *json.loads(out.stdout)]
    return sorted(n for n in names if not _is_ui(n) and n not in NOT_IMPORTABLE)


def test_module_discovery_finds_the_core() -> None:
    names = core_modules()
    for expected in ("oncall.store", "oncall.actionlog", "oncall.config", "oncall.staff",
                     "oncall.tomlfile", "oncall.model", "oncall.fsio", "oncall.secret"):
        assert expected in names
    assert not any(_is_ui(n) for n in names)
    if (PACKAGE_DIR / "cli.py").exists():
        # The CLI imports oncall.ui only inside the command that starts the console,
        # so `oncall log verify` and friends start without Textual: it is checked too.
        assert "oncall.cli" in names
    # Cross-check the walk against the files on disk, without importing anything:
    # a module in a directory without __init__.py would be missed by the walk.
    on_disk = set()
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = path.relative_to(PACKAGE_DIR).with_suffix("").parts
        if parts[0] in ("ui", "_shipped"):
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        on_disk.add(".".join(("oncall", *parts)))
    assert on_disk - set(NOT_IMPORTABLE) <= set(names), on_disk - set(names)


def test_core_imports_without_ui_libraries(child_env: dict[str, str]) -> None:
    names = core_modules()
    script = (
        "import importlib, json, sys\n"
        f"names = {names!r}\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        f"leaked = sorted(m for m in sys.modules if m.split('.')[0] in {UI_LIBRARIES!r})\n"
        "ui = sorted(m for m in sys.modules if m == 'oncall.ui' or m.startswith('oncall.ui.'))\n"
        "print(json.dumps({'leaked': leaked, 'ui': ui}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=child_env, cwd=PACKAGE_DIR.parent, timeout=60)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["leaked"] == [], f"core modules imported {result['leaked']}"
    assert result["ui"] == [], f"core modules imported {result['ui']}"


def test_the_import_check_would_notice_textual(child_env: dict[str, str]) -> None:
    """The subprocess check is not vacuous: importing Textual does show up."""
    script = "import sys, textual.app\nprint('textual' in sys.modules, 'rich' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=child_env, timeout=60)
    assert proc.stdout.split() == ["True", "True"]


def test_no_core_file_imports_ui_libraries() -> None:
    offenders = []
    checked = 0
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        rel = path.relative_to(PACKAGE_DIR)
        if rel.parts[0] == "ui":
            continue
        checked += 1
        for match in _UI_IMPORT.finditer(path.read_text(encoding="utf-8")):
            line = path.read_text(encoding="utf-8")[: match.start()].count("\n") + 1
            offenders.append(f"oncall/{rel}:{line}: {match.group().strip()}")
    assert checked >= 8
    assert offenders == []


def test_the_static_check_pattern() -> None:
    for line in ("import textual", "from textual.app import App", "import rich.text",
                 "    from rich import print", "import textual, os", "from rich.console import X"):
        assert _UI_IMPORT.search(line), line
    for line in ("import richtext", "from textualize import x", "# import textual later",
                 "from oncall.ui import app", "x = 'from rich import y'"):
        assert not _UI_IMPORT.search(line), line
