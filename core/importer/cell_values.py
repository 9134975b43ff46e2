"""Single cell values as the importer sees them: blank, yes/no, shown as text.

Shared by the table scan (:mod:`core.importer.scan`: is a column yes/no, the
preview) and the typed column readers (:mod:`core.importer.typed_columns`).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

FLAG_TRUE = {"yes", "y", "true", "1", "x", "ja", "oui", "si", "checked", "✓", "✔", "met", "1.0"}
FLAG_FALSE = {"no", "n", "false", "0", "nein", "non", "unchecked", "not met", "0.0", "-"}


def is_blank(value: Any) -> bool:
    """None, or text of only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def flag_like(value: Any) -> bool:
    """A cell a yes/no column may hold (blank, a boolean, 0/1, yes/no words)."""
    if is_blank(value) or isinstance(value, bool):
        return True
    if isinstance(value, (int, float)):
        return value in (0, 1)
    if isinstance(value, str):
        return value.strip().casefold() in FLAG_TRUE | FLAG_FALSE
    return False


def cell_text(value: Any) -> str:
    """A cell as the user would read it (whole numbers without '.0', dates in
    ISO form, at most 200 characters)."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:g}"
    if isinstance(value, dt.datetime):
        return (
            value.isoformat(sep=" ", timespec="minutes") if (value.hour or value.minute) else value.date().isoformat()
        )
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)[:200]
