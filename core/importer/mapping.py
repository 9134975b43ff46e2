"""The mapping file: the user's word on which sheet, row and columns to read.

See the package docstring for the format. :func:`load_mapping` reads it
leniently and returns every problem as a value naming the key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.importer.columns import valid_role
from core.model.plan import Problem

MAX_MAPPING_BYTES = 1_000_000


@dataclass(frozen=True)
class ColumnMapping:
    """Overrides for the guess. ``header_row`` is 1-based as Excel shows it;
    ``columns`` maps a header as written in the file to a role (``ignore``
    to skip it); ``stages`` lists the data's stages top to bottom (names of
    plan stages); ``criteria`` maps a header to a lead-spec criterion name;
    ``statuses`` maps a status text to a stage name (None: reached no stage
    beyond the first, e.g. "Disqualified"); ``shape`` forces "monthly" or
    "leads"; ``decimal`` ("." or ",") and ``date_order`` ("day-first" or
    "month-first") say how numbers and dates written as text read when the
    text itself does not show it."""

    sheet: str | None = None
    header_row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    stages: tuple[str, ...] = ()
    criteria: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str | None] = field(default_factory=dict)
    shape: str | None = None
    decimal: str | None = None
    date_order: str | None = None
    sources: dict[str, str] = field(default_factory=dict)

    def role_for(self, header: str) -> str | None:
        """The role the mapping gives this header (compared trimmed, any case)."""
        wanted = header.strip().casefold()
        for name, role in self.columns.items():
            if name.strip().casefold() == wanted:
                return role
        for name, criterion in self.criteria.items():
            if name.strip().casefold() == wanted:
                return f"criterion:{criterion}"
        return None


def key_words(key: str, entry: str | None = None) -> str:
    """A mapping file's key as the user reads it: ``mapping file, "columns" entry 'Src'``."""
    text = f'mapping file, "{key}"'
    return f"{text} entry '{entry}'" if entry is not None else text


_KEYS = {
    "sheet", "header_row", "columns", "stages", "criteria", "statuses", "shape", "decimal", "date_order", "sources",
}  # fmt: skip


def mapping_from_dict(data: Any, source: str = "mapping") -> tuple[ColumnMapping | None, tuple[Problem, ...]]:
    """Build a mapping from parsed JSON; None with problems when unusable."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return None, (Problem("mapping", "The mapping file must hold a JSON object {...}.", location=source),)

    def fail(key: str, message: str, entry: str | None = None) -> None:
        problems.append(Problem(key_words(key, entry), message, location=source))

    for key in data:
        if key not in _KEYS:
            problems.append(
                Problem(
                    key_words(str(key)),
                    f"Unknown key '{key}' was ignored (known: {', '.join(sorted(_KEYS))}).",
                    "warning",
                    source,
                )
            )
    sheet = data.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        fail("sheet", "must be the name of a sheet, as text.")
        sheet = None
    header_row = data.get("header_row")
    if header_row is not None and (isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1):
        fail("header_row", f"must be a row number (1 for the first row); it is {json.dumps(header_row)[:40]}.")
        header_row = None
    columns: dict[str, str] = {}
    raw_columns = data.get("columns", {})
    if not isinstance(raw_columns, dict):
        fail("columns", 'must be an object {"<header in file>": "<role>"}.')
    else:
        for header, role in raw_columns.items():
            if not isinstance(role, str) or not valid_role(role.strip()):
                fail(
                    "columns",
                    f"'{role}' is not a role; use e.g. month, channel, created_date, status, amount, revenue, spend, "
                    "stage:<Stage>, date:<Stage>, criterion:<Name>, spend@<Channel>, id or ignore.",
                    str(header),
                )
                continue
            columns[str(header)] = role.strip()
    stages: tuple[str, ...] = ()
    raw_stages = data.get("stages", [])
    if not isinstance(raw_stages, list) or not all(isinstance(s, str) and s.strip() for s in raw_stages):
        fail("stages", "must be a list of stage names, top to bottom.")
    else:
        stages = tuple(s.strip() for s in raw_stages)
        if len({s.casefold() for s in stages}) != len(stages):
            fail("stages", "names a stage twice.")
    criteria: dict[str, str] = {}
    raw_criteria = data.get("criteria", {})
    if not isinstance(raw_criteria, dict) or not all(isinstance(v, str) for v in raw_criteria.values()):
        fail("criteria", 'must be an object {"<header in file>": "<criterion name in the plan>"}.')
    else:
        criteria = {str(k): v for k, v in raw_criteria.items()}
    statuses: dict[str, str | None] = {}
    raw_statuses = data.get("statuses", {})
    if not isinstance(raw_statuses, dict) or not all(v is None or isinstance(v, str) for v in raw_statuses.values()):
        fail("statuses", 'must be an object {"<status text>": "<stage name>" or null}.')
    else:
        statuses = {str(k): v for k, v in raw_statuses.items()}
    shape = data.get("shape")
    if shape is not None and shape not in ("monthly", "leads"):
        fail("shape", "must be 'monthly' or 'leads'.")
        shape = None
    decimal = data.get("decimal")
    if decimal is not None and decimal not in (".", ","):
        fail("decimal", 'must be "." (1,234.50) or "," (1.234,50).')
        decimal = None
    date_order = data.get("date_order")
    if date_order is not None and date_order not in ("day-first", "month-first"):
        fail("date_order", 'must be "day-first" (25/03/2026) or "month-first" (03/25/2026).')
        date_order = None
    sources: dict[str, str] = {}
    raw_sources = data.get("sources", {})
    if not isinstance(raw_sources, dict) or not all(v in ("free", "paid") for v in raw_sources.values()):
        fail("sources", 'must be an object {"<lead source>": "free" or "paid"}.')
    else:
        sources = {str(k): str(v) for k, v in raw_sources.items()}
    if any(p.severity == "error" for p in problems):
        return None, tuple(problems)
    mapping = ColumnMapping(sheet, header_row, columns, stages, criteria, statuses, shape, decimal, date_order, sources)
    return mapping, tuple(problems)


def load_mapping(path: Path) -> tuple[ColumnMapping | None, tuple[Problem, ...]]:
    """Read a mapping file (JSON); None with problems when it cannot be used."""
    path = Path(path)
    source = path.name
    try:
        if path.stat().st_size > MAX_MAPPING_BYTES:
            return None, (
                Problem("mapping", "The mapping file is too large (over 1 MB); is it the right file?", location=source),
            )
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None, (Problem("mapping", "The mapping file does not exist; check the path.", location=source),)
    except (OSError, UnicodeDecodeError) as exc:
        return None, (Problem("mapping", f"The mapping file cannot be read ({exc}).", location=source),)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, (
            Problem(
                "mapping",
                f"The mapping file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
                location=source,
            ),
        )
    return mapping_from_dict(data, source)
