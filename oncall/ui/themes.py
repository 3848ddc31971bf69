"""Turn the palette files in `themes/` into Textual themes."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.theme import Theme

from oncall.resources import shipped_dir

_COLOURS = ("primary", "secondary", "accent", "warning", "error", "success",
            "foreground", "background", "surface", "panel", "boost")


def load_themes(directory: Path | None = None) -> list[Theme]:
    """Every `*.toml` palette in `directory` (default: the shipped themes), as Themes."""
    directory = directory or shipped_dir("themes")
    themes = []
    for path in sorted(directory.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        themes.append(Theme(
            name=data["name"],
            dark=bool(data.get("dark", True)),
            ansi=bool(data.get("ansi", False)),
            variables=dict(data.get("variables", {})),
            **{k: data[k] for k in _COLOURS if k in data},
        ))
    return themes


def stylesheet() -> Path:
    """The layout stylesheet shared by every theme."""
    return shipped_dir("themes") / "base.tcss"
