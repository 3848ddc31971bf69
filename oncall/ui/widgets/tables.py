"""Small helpers for the screens' tables."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable


def with_columns(table: DataTable[Text], columns: Sequence[tuple[str, int]]) -> None:
    """Add each (label, width) column, in order."""
    for label, width in columns:
        table.add_column(label, width=width)
