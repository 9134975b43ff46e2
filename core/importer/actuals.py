"""Importing this year's actuals ("Import actuals" on the Tracking page).

The file is found and its columns recognised by the importer's public
:func:`core.importer.scan_workbook` (same sheets, header rows, synonyms and
safety checks as last year's import); this module only counts:

* **leads** (a CRM export, a row per lead): the items that entered each
  plan stage in each plan month are the leads whose date for that stage
  (``date:<Stage>``; the first stage: its own date column, else the
  created date) falls in that month. A stage without a date column gets no
  actuals (the forecast computes it). Entries are counted up to the
  **export date** (given, else the latest date in the file); the months
  elapsed are the plan months that ended by then, so a month the export
  cuts through is not counted and leads still in flight are simply not yet
  in a later stage.
* **monthly** (a row per month, a column per stage, ``<channel> spend``
  columns): the figures of the plan months up to the last month with any
  figure (or the export date's last full month, if given); a month missing
  in between is refused, naming it.

Every problem names the file, sheet and cell; nothing here raises for bad
data.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.formats.xlsx.location import cell_name
from core.importer import Column, Scan, Table, scan_workbook
from core.model.plan import Actuals, Plan, Problem

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@dataclass(frozen=True)
class ImportedActuals:
    """What was read: the actuals (None when refused), the shape of the file,
    the date counted up to, the problems, and a sentence for the user."""

    actuals: Actuals | None
    shape: str | None
    export_date: dt.date | None
    problems: tuple[Problem, ...]
    summary: str


def import_actuals(path: Path, plan: Plan, export_date: dt.date | None = None) -> ImportedActuals:
    """The actuals of ``plan``'s year in the file at ``path`` (see the module docstring)."""
    scan = scan_workbook(path)
    problems = list(scan.problems)
    table = scan.table
    if not scan.ok or table is None:
        if not any(p.severity == "error" for p in problems):
            problems.append(Problem("file", f"{path.name}: no table of leads or months was found.", location=path.name))
        return ImportedActuals(None, None, export_date, tuple(problems), "")
    rows = scan.cells.sheets.get(table.sheet)
    if rows is None:
        problems.append(Problem("file", f"{path.name}: the sheet '{table.sheet}' could not be read."))
        return ImportedActuals(None, table.shape, export_date, tuple(problems), "")
    reader = _Reader(path, scan, table, rows, plan, problems)
    if table.shape == "leads":
        return reader.leads(export_date)
    return reader.monthly(export_date)


# ----- reading cells ---------------------------------------------------------------------------------------


def _month_index(plan: Plan, day: dt.date) -> int:
    """The plan month of ``day`` (0 = the plan's first month; negative before it)."""
    year, month = (int(x) for x in plan.start.split("-")[:2])
    return (day.year - year) * 12 + day.month - month


def _month_end(plan: Plan, index: int) -> dt.date:
    year, month = (int(x) for x in plan.start.split("-")[:2])
    total = year * 12 + month - 1 + index
    y, m = divmod(total, 12)
    return dt.date(y, m + 1, calendar.monthrange(y, m + 1)[1])


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_date(value: Any) -> dt.date | None:
    """A cell as a date: a date or datetime, an Excel serial day, ISO text
    (``2027-03-05``, ``2027-03``); None when it is none of these."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m", "%Y/%m/%d", "%Y/%m"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        parts = text.replace("-", " ").replace("/", " ").split()
        if len(parts) == 2 and parts[0][:3].casefold() in MONTHS and parts[1].isdigit():
            year = int(parts[1]) + (2000 if len(parts[1]) == 2 else 0)
            return dt.date(year, MONTHS.index(parts[0][:3].casefold()) + 1, 1)
    return None


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "").replace(" ", ""))
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _stage_of(plan: Plan, name: str) -> int | None:
    """The plan stage a data stage name is (its name, or a plural of it)."""
    wanted = name.strip().casefold()
    for k, stage in enumerate(plan.stages):
        own = stage.name.strip().casefold()
        if wanted in (own, own + "s", own + "es"):
            return k
    if wanted in ("lead", "leads", "inquiry", "inquiries", "raw lead", "raw leads"):
        return 0
    return None


class _Reader:
    def __init__(
        self, path: Path, scan: Scan, table: Table, rows: list[list[Any]], plan: Plan, problems: list[Problem]
    ) -> None:
        self.path, self.scan, self.table, self.rows, self.plan = path, scan, table, rows, plan
        self.problems = problems
        self.first = table.header_row  # 0-based index of the first data row

    def where(self, row: int, column: Column) -> str:
        return f"{self.path.name}, sheet '{self.table.sheet}', cell {cell_name(row, column.index)}"

    def refuse(self, row: int, column: Column, what: str) -> None:
        place = self.where(row, column)
        self.problems.append(Problem("file", f"{place} ({column.header}): {what}", location=place))

    def cells(self, column: Column) -> list[tuple[int, Any]]:
        out = []
        for r in range(self.first, len(self.rows)):
            row = self.rows[r]
            out.append((r, row[column.index] if column.index < len(row) else None))
        return out

    def finish(
        self,
        shape: str,
        stages: dict[int, list[float]],
        spend: dict[str, list[float]],
        months: int,
        until: dt.date | None,
        counted: str,
    ) -> ImportedActuals:
        if any(p.severity == "error" for p in self.problems):
            return ImportedActuals(None, shape, until, tuple(self.problems), "")
        if months < 1:
            when = f" (counted up to {until.isoformat()})" if until is not None else ""
            self.problems.append(
                Problem(
                    "file",
                    f"{self.path.name}: no month of the plan has elapsed in the data{when}; "
                    f"the plan starts {self.plan.start}.",
                )
            )
            return ImportedActuals(None, shape, until, tuple(self.problems), "")
        names = [s.name for s in self.plan.stages]
        actuals = Actuals(
            months=months,
            stages=tuple((names[k], tuple(stages[k][:months])) for k in sorted(stages)),
            spend=tuple((c.name, tuple(spend[c.name][:months])) for c in self.plan.channels if c.name in spend),
        )
        read = ", ".join(names[k] for k in sorted(stages))
        summary = f"Imported {months} months elapsed from {self.path.name} ({read}{counted})."
        return ImportedActuals(actuals, shape, until, tuple(self.problems), summary)

    # ----- a row per lead ------------------------------------------------------------------------------------
    def _date_columns(self) -> dict[int, Column]:
        columns: dict[int, Column] = {}
        for column in self.table.columns:
            if column.role.startswith("date:"):
                k = _stage_of(self.plan, column.role[5:])
                if k is not None and k not in columns:
                    columns[k] = column
        created = self.table.column("created_date")
        if 0 not in columns and created is not None:
            columns[0] = created
        return columns

    def leads(self, export_date: dt.date | None) -> ImportedActuals:
        columns = self._date_columns()
        if not columns:
            self.problems.append(
                Problem(
                    "file",
                    f"{self.path.name}: no column dates a lead's stages (e.g. 'Created Date', "
                    "'MQL Date'); the months cannot be counted.",
                )
            )
            return ImportedActuals(None, "leads", export_date, tuple(self.problems), "")
        dates: dict[int, list[dt.date]] = {}
        for k, column in columns.items():
            found = []
            for r, value in self.cells(column):
                if _blank(value):
                    continue
                day = _as_date(value)
                if day is None:
                    self.refuse(r, column, f"'{value}' is not a date.")
                    if len(self.problems) > 20:
                        break
                    continue
                found.append(day)
            dates[k] = found
        latest = max((d for found in dates.values() for d in found), default=None)
        until = export_date or latest
        if until is None:
            return self.finish("leads", {}, {}, 0, None, "")
        months = 0
        while months < self.plan.months and _month_end(self.plan, months) <= until:
            months += 1
        stages = {k: [0.0] * self.plan.months for k in dates}
        for k, found in dates.items():
            for day in found:
                t = _month_index(self.plan, day)
                if 0 <= t < months and day <= until:
                    stages[k][t] += 1.0
        counted = f"; entries counted up to {until.isoformat()}"
        return self.finish("leads", stages, {}, months, until, counted)

    # ----- a row per month --------------------------------------------------------------------------------------
    def monthly(self, export_date: dt.date | None) -> ImportedActuals:
        month_column = self.table.column("month")
        if month_column is None:
            self.problems.append(Problem("file", f"{self.path.name}: a monthly sheet needs a month column."))
            return ImportedActuals(None, "monthly", export_date, tuple(self.problems), "")
        stage_columns = {
            k: c
            for c in self.table.columns
            if c.role.startswith("stage:") and "@" not in c.role
            for k in [_stage_of(self.plan, c.role[6:])]
            if k is not None
        }
        channels = {c.name.casefold(): c.name for c in self.plan.channels}
        spend_columns = {
            channels[c.role[6:].casefold()]: c
            for c in self.table.columns
            if c.role.startswith("spend@") and c.role[6:].casefold() in channels
        }
        stages = {k: [0.0] * self.plan.months for k in stage_columns}
        spend = {name: [0.0] * self.plan.months for name in spend_columns}
        seen: set[int] = set()
        for r, value in self.cells(month_column):
            if _blank(value):
                continue
            day = _as_date(value)
            if day is None:
                self.refuse(r, month_column, f"'{value}' is not a month.")
                continue
            t = _month_index(self.plan, day)
            if not 0 <= t < self.plan.months or (export_date is not None and _month_end(self.plan, t) > export_date):
                continue
            row = self.rows[r]
            if self._read_row(r, row, t, stage_columns, stages) | self._read_row(r, row, t, spend_columns, spend):
                seen.add(t)
        months = max(seen) + 1 if seen else 0
        missing = [t for t in range(months) if t not in seen]
        if missing:
            label = _month_end(self.plan, missing[0]).strftime("%b %Y")
            self.problems.append(
                Problem(
                    "file",
                    f"{self.path.name}, sheet '{self.table.sheet}': {label} has no figures, "
                    "but later months do; give every month elapsed.",
                )
            )
        return self.finish("monthly", stages, spend, months, export_date, "")

    def _read_row(
        self, r: int, row: list[Any], t: int, columns: dict[Any, Column], into: dict[Any, list[float]]
    ) -> bool:
        """The figures of one month's row; True when it has any."""
        found = False
        for key, column in columns.items():
            value = row[column.index] if column.index < len(row) else None
            if _blank(value):
                continue
            number = _as_number(value)
            if number is None or number < 0:
                self.refuse(r, column, f"'{value}' is not a count or amount (a number, 0 or more).")
                continue
            into[key][t] = number
            found = True
        return found
