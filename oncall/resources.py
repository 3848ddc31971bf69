"""Where the shipped data directories (themes, playbooks) live.

A wheel carries them inside the package as `oncall/_shipped/`; a source
checkout (or an editable install) has them at the repository's top level.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """Return the directory of shipped data called `name` ("themes" or "playbooks")."""
    inside = _PACKAGE / "_shipped" / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name
