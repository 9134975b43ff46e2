"""Reading the plan workbook's cells: finding tables by their title and
header labels, and reading each value as what the plan needs, recording a
problem (file, sheet and cell) for each one that cannot be read."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from core.calc.calendar import month_labels
from core.formats.xlsx.cells import NO_VALUE
from core.formats.xlsx.location import cell_name, location
from core.formats.xlsx.plan_layout import H_MONTH
from core.model.plan import (
    MAX_MONTHS,
    Problem,
    Series,
)


def norm(value: object) -> str:
    return re.sub(r"\s+", " ", value).strip().casefold() if isinstance(value, str) else ""


class SheetCells:
    def __init__(self, file: str, name: str, rows: list[list[object]]) -> None:
        self.file = file
        self.name = name
        self.rows = rows

    def get(self, row: int, col: int) -> object:
        if 0 <= row < len(self.rows) and 0 <= col < len(self.rows[row]):
            return self.rows[row][col]
        return None

    def where(self, row: int, col: int) -> str:
        return location(self.file, self.name, (row, col))

    def find(self, label: str, first: int = 0, last: int | None = None) -> tuple[int, int] | None:
        """The first cell (row by row) whose text is ``label`` (case and
        spacing ignored) in rows first..last-1."""
        wanted = norm(label)
        stop = len(self.rows) if last is None else min(last, len(self.rows))
        for r in range(max(first, 0), stop):
            for c, value in enumerate(self.rows[r]):
                if isinstance(value, str) and norm(value) == wanted:
                    return r, c
        return None

    def find_label(self, label: str, first: int = 0, last: int | None = None) -> tuple[int, int] | None:
        """A row label: the first cell reading ``label`` with nothing left
        of it on its row (a value that happens to read the same, such as a
        plan called 'Months', sits right of its own label)."""
        at = self.find(label, first, last)
        while at is not None:
            if all(is_blank(self.get(at[0], c)) for c in range(at[1])):
                return at
            at = self.find(label, at[0] + 1, last)
        return None

    def find_title(self, label: str, first: int = 0) -> tuple[int, int] | None:
        """A section title: a cell reading ``label`` alone on its row (a
        table row naming a channel or criterion the same has other values
        beside it); any cell reading ``label`` when none stands alone."""
        at = self.find(label, first)
        fallback = at
        while at is not None:
            others = [v for c, v in enumerate(self.rows[at[0]]) if c != at[1] and not is_blank(v)]
            if not others:
                return at
            at = self.find(label, at[0] + 1)
        return fallback

    def row_empty(self, row: int, cols: Sequence[int]) -> bool:
        return all(is_blank(self.get(row, c)) for c in cols)


@dataclass(frozen=True)
class Unreadable:
    """A cell calamine reads as empty that is not: an Excel error (``code``
    its text, e.g. ``#REF!``) or a formula saved without a value (``code`` is
    :data:`~core.formats.xlsx.cells.NO_VALUE`)."""

    code: str

    def message(self, expected: str) -> str:
        if self.code == NO_VALUE:
            return (
                "The cell holds a formula with no saved value (it was never calculated); open the file in Excel or "
                "LibreOffice, let it calculate and save it again."
            )
        return f"The cell shows {self.code} (an Excel error), not {expected}: correct the formula or type the value."


def with_unreadable(
    sheets: dict[str, list[list[object]]], found: dict[str, dict[tuple[int, int], str]]
) -> dict[str, list[list[object]]]:
    """The sheets with each error cell and each formula without a value (as
    :func:`core.formats.xlsx.cells.unreadable_cells` found them) as an
    :class:`Unreadable`, so that reading such a cell is refused, never taken
    for an empty one."""
    for name, cells in found.items():
        rows = sheets.get(name)
        if rows is None:
            continue
        for (row, col), code in cells.items():
            while len(rows) <= row:
                rows.append([])
            line = rows[row]
            if len(line) <= col:
                line.extend([None] * (col + 1 - len(line)))
            if is_blank(line[col]):
                line[col] = Unreadable(code)
    return sheets


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def show(value: object) -> str:
    if isinstance(value, Unreadable):
        return "a formula with no saved value" if value.code == NO_VALUE else f"the Excel error {value.code}"
    if isinstance(value, str):
        return f"text '{value[:40]}'"
    if isinstance(value, bool):
        return f"the value {'TRUE' if value else 'FALSE'}"
    if isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return f"a date or time ({value})"
    return f"'{value}'"


def show_first(value: object) -> str:
    """:func:`show` opening a sentence (the value itself keeps its case)."""
    said = show(value)
    return said[:1].upper() + said[1:]


_KINDS = {
    "rate": ("a rate", "enter a number more than 0 and at most 1 (e.g. 35%)"),
    "share": ("a share", "enter a number between 0 and 1 (e.g. 40%)"),
    "money": ("an amount", "enter an amount of money, 0 or more"),
    "days": ("a lag", "enter a number of days, 0 or more"),
    "hours": ("an hours", "enter a number of hours, 0 or more"),
    "count": ("a volume", "enter a number of items, 0 or more"),
    "points": ("a points", "enter a whole number of points"),
    "number": ("a number", "enter a number"),
    "whole": ("a whole-number", "enter a whole number"),
    "items": (
        "a number-of-items",
        "enter the whole number of items it was measured on, 1 or more; blank = not measured",
    ),
    "growth": ("a growth", "enter the growth a year as a percentage, more than -100% (e.g. 10%); blank = 0"),
    "months": ("a months", "enter a whole number of months, 1 to 60"),
}


_MONTH_NAMES = tuple(dt.date(2000, m, 1).strftime("%B").casefold() for m in range(1, 13))
_START_FORMAT = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _month_key(value: object) -> tuple[int, int] | None:
    """(year, month) of a month label: text ``2027-01`` (or ``2027/1``),
    ``Jan 2027`` or ``January 2027``, or a date (Excel turns a typed
    ``2027-01`` into one); None for anything else."""
    if isinstance(value, dt.date):
        return value.year, value.month
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = re.fullmatch(r"(\d{4})\s*[-/.]\s*(\d{1,2})", text)
    if match:
        month = int(match[2])
        return (int(match[1]), month) if 1 <= month <= 12 else None
    match = re.fullmatch(r"([A-Za-z]{3,9})\.?[\s'-]*(\d{4})", text)
    if match:
        name = match[1].casefold()
        for index, full in enumerate(_MONTH_NAMES):
            if full.startswith(name):
                return int(match[2]), index + 1
    return None


def month_of(labels: Sequence[str], value: object) -> int | None:
    """The index in ``labels`` (the plan's months) of the month a cell
    names (``2027-01``, ``Jan 2027``, a date), None when it names none of them."""
    key = _month_key(value)
    if key is None:
        return None
    for t, label in enumerate(labels):
        if _month_key(label) == key:
            return t
    return None


def plan_month_labels(start: str, months: int) -> tuple[str, ...] | None:
    """The plan's month labels, None when its start or number of months
    cannot be read (reported on their own)."""
    if not _START_FORMAT.fullmatch(start) or not 1 <= months <= MAX_MONTHS:
        return None
    return month_labels(start, months)


@dataclass
class Table:
    header_row: int
    cols: dict[str, int]
    rows: list[int]
    extra_cols: list[int]
    blank_months: int = 0  # with no month columns to read: the number of months that read as blank


class CellReader:
    """Reads the workbook's cells into plan values, recording a problem
    (with file, sheet and cell) for each value it cannot read, and the cell
    each plan field came from."""

    def __init__(self, file: str, sheets: dict[str, list[list[object]]]) -> None:
        self.file = file
        self.raw = sheets
        self.problems: list[Problem] = []
        self.cells: dict[str, str] = {}
        self.month_labels: tuple[str, ...] | None = None  # the plan's months, once the calendar is read

    def fail(self, field: str, message: str, location: str, severity: str = "error") -> None:
        self.problems.append(Problem(field, message, "warning" if severity == "warning" else "error", location))

    def sheet(self, name: str, field: str) -> SheetCells | None:
        for actual, rows in self.raw.items():
            if norm(actual) == norm(name):
                return SheetCells(self.file, actual, rows)
        found = ", ".join(f"'{n}'" for n in self.raw)
        self.fail(
            field,
            f"The sheet '{name}' is missing (the workbook has {found}). Rename the sheet back to '{name}'.",
            location(self.file, name),
        )
        return None

    # -- single cells --

    def note(self, field: str, sheet: SheetCells, row: int, col: int) -> None:
        self.cells[field] = sheet.where(row, col)

    def number(
        self, sheet: SheetCells, row: int, col: int, field: str, kind: str, blank: float | None = math.nan
    ) -> float:
        """A number cell; ``blank`` is what an empty cell means (NaN: refused)."""
        self.note(field, sheet, row, col)
        value = sheet.get(row, col)
        noun, todo = _KINDS[kind]
        if is_blank(value):
            if blank is not None and math.isnan(blank):
                self.fail(field, f"The cell is empty: {todo}.", sheet.where(row, col))
                return math.nan
            return math.nan if blank is None else blank
        if isinstance(value, Unreadable):
            self.fail(field, value.message("a number"), sheet.where(row, col))
            return math.nan
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(field, f"{show_first(value)} in {noun} cell: {todo}.", sheet.where(row, col))
            return math.nan
        number = float(value)
        if not math.isfinite(number):
            self.fail(field, f"The cell holds {number}: {todo}.", sheet.where(row, col))
            return math.nan
        return number

    def optional(self, sheet: SheetCells, row: int, col: int, field: str, kind: str) -> float | None:
        if is_blank(sheet.get(row, col)):
            self.note(field, sheet, row, col)
            return None
        return self.number(sheet, row, col, field, kind)

    def whole(self, sheet: SheetCells, row: int, col: int, field: str, kind: str = "whole") -> int:
        number = self.number(sheet, row, col, field, kind)
        if math.isnan(number):
            return 0
        if not number.is_integer():
            _, todo = _KINDS[kind]
            self.fail(field, f"The cell holds {number:g}, not a whole number: {todo}.", sheet.where(row, col))
            return 0
        return int(number)

    def sample(self, sheet: SheetCells, row: int, col: int | None, field: str) -> int | None:
        """A sample size (items a rate or share was measured on): None when
        blank or when the table has no such column (a workbook saved before it)."""
        if col is None:
            return None
        if is_blank(sheet.get(row, col)):
            self.note(field, sheet, row, col)
            return None
        return self.whole(sheet, row, col, field, "items")

    def text(self, sheet: SheetCells, row: int, col: int, field: str, required: bool = True) -> str:
        self.note(field, sheet, row, col)
        value = sheet.get(row, col)
        if is_blank(value) and isinstance(value, str) and not required:
            return value
        if value is None or (isinstance(value, str) and value == ""):
            if required:
                self.fail(field, "The cell is empty: enter a name.", sheet.where(row, col))
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, float) and value.is_integer() and not isinstance(value, bool):
            return str(int(value))
        if isinstance(value, float):
            return repr(value)
        if isinstance(value, Unreadable):
            self.fail(field, value.message("a name"), sheet.where(row, col))
            return ""
        self.fail(field, f"{show_first(value)} where a text is expected: enter a name.", sheet.where(row, col))
        return ""

    def flag(self, sheet: SheetCells, row: int, col: int, field: str) -> bool:
        self.note(field, sheet, row, col)
        value = sheet.get(row, col)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and norm(value) in ("yes", "y", "true"):
            return True
        if is_blank(value) or (isinstance(value, str) and norm(value) in ("no", "n", "false")):
            return False
        self.fail(field, f"{show_first(value)} in a yes/no cell: enter yes or no.", sheet.where(row, col))
        return False

    # -- labelled values and tables --

    def labelled(
        self, sheet: SheetCells, label: str, field: str, first: int = 0, last: int | None = None
    ) -> tuple[int, int] | None:
        """The cell right of ``label``, or None (with a problem) when the label is gone."""
        at = sheet.find_label(label, first, last)
        if at is None:
            self.fail(
                field,
                f"The label '{label}' is missing; put it back in column A with its value beside it.",
                location(self.file, sheet.name),
            )
            return None
        return at[0], at[1] + 1

    def table(
        self,
        sheet: SheetCells,
        headers: Sequence[str],
        field: str,
        first: int = 0,
        last: int | None = None,
        months: bool = False,
    ) -> Table | None:
        """A table whose header row holds ``headers`` (the first is the key
        column), in rows first..last-1. Data rows run to ``last`` (blank rows
        skipped). With ``months``, the non-blank header cells right of the
        last named column are month columns."""
        stop = len(sheet.rows) if last is None else min(last, len(sheet.rows))
        key = sheet.find(headers[0], first, stop)
        while key is not None:
            r, _ = key
            row_labels = {norm(v): c for c, v in enumerate(sheet.rows[r]) if isinstance(v, str)}
            if all(norm(h) in row_labels for h in headers):
                break
            if len(headers) > 1 and sum(norm(h) in row_labels for h in headers) >= 2:
                missing = [h for h in headers if norm(h) not in row_labels]
                names = ", ".join(f"'{h}'" for h in missing)
                self.fail(
                    field,
                    f"The table's column {names} is missing (deleted or renamed?). "
                    f"The header row needs: {', '.join(repr(h) for h in headers)}.",
                    sheet.where(r, key[1]),
                )
                return None
            key = sheet.find(headers[0], r + 1, stop)
        if key is None:
            self.fail(
                field,
                f"No table with the header '{headers[0]}' was found"
                f"{' in this part of the sheet' if first or last else ''}; its header row needs "
                f"{', '.join(repr(h) for h in headers)}.",
                location(self.file, sheet.name),
            )
            return None
        r = key[0]
        row_labels = {}
        for c, v in enumerate(sheet.rows[r]):
            if isinstance(v, str) and norm(v) not in row_labels:
                row_labels[norm(v)] = c
        cols = {h: row_labels[norm(h)] for h in headers}
        extra: list[int] = []
        if months:
            c = max(cols.values()) + 1
            while not is_blank(sheet.get(r, c)):
                extra.append(c)
                c += 1
        used = [*cols.values(), *extra]
        rows = [row for row in range(r + 1, stop) if not sheet.row_empty(row, used)]
        self.cells.setdefault(field, sheet.where(r, cols[headers[0]]))
        return Table(r, cols, rows, extra)

    def optional_column(self, sheet: SheetCells, table: Table, header: str) -> int | None:
        """The column headed ``header`` in ``table``'s header row, None when
        there is none (a column added in a later version of the workbook)."""
        wanted = norm(header)
        for c, value in enumerate(sheet.rows[table.header_row]):
            if isinstance(value, str) and norm(value) == wanted:
                return c
        return None

    def month_order(
        self, sheet: SheetCells, cells: Sequence[tuple[int, int]], field: str, header: tuple[int, int], kind: str
    ) -> list[int] | None:
        """Which of ``cells`` (a table's month labels: the first cell of each
        of its rows, or its month header cells; ``kind`` is "row" or
        "column") is labelled with each month of the plan, in the plan's
        order; None (each fault recorded at its cell) when a label is empty,
        not a month, not a month of the plan or repeated, or a month of the
        plan has no label (recorded at ``header``). Without the plan's months
        (start or number of months unreadable) the cells are taken in order."""
        labels = self.month_labels
        if labels is None:
            return list(range(len(cells)))
        wanted = {_month_key(label): t for t, label in enumerate(labels)}
        span = f"the plan's {len(labels)} month{'s' if len(labels) > 1 else ''} run from {labels[0]} to {labels[-1]}"
        found: dict[int, int] = {}
        faults: list[tuple[tuple[int, int], str]] = []
        for i, (row, col) in enumerate(cells):
            value = sheet.get(row, col)
            key = _month_key(value)
            t = wanted.get(key) if key is not None else None
            if t is not None and t not in found:
                found[t] = i
                continue
            if t is not None:
                message = f"The month {labels[t]} has two {kind}s (also cell {cell_name(*cells[found[t]])}); keep one."
            elif isinstance(value, Unreadable):
                message = value.message("a month")
            elif is_blank(value):
                message = f"The month label is empty: write the {kind}'s month as YYYY-MM ({span})."
            elif key is None:
                message = f"{show_first(value)} is not a month: write the {kind}'s month as YYYY-MM ({span})."
            else:
                message = (
                    f"{key[0]:04d}-{key[1]:02d} is not a month of this plan ({span}): delete the {kind}, "
                    "or change the start month or the number of months."
                )
            faults.append(((row, col), message))
        missing = [label for t, label in enumerate(labels) if t not in found]
        if len(faults) > 3:
            self.fail(
                field,
                f"{len(faults)} {kind}s of this table, from this cell on, are not labelled with the plan's months "
                f"({span}). Label each {kind} with its month (YYYY-MM), or correct the start month or the number "
                "of months.",
                sheet.where(*faults[0][0]),
            )
            return None
        for at, message in faults:
            self.fail(field, message, sheet.where(*at))
        if missing:
            shown = ", ".join(missing[:6]) + (", ..." if len(missing) > 6 else "")
            self.fail(
                field,
                f"No {kind} is labelled with the month{'s' if len(missing) > 1 else ''} {shown} ({span}); "
                f"add one {kind} per month.",
                sheet.where(*header),
            )
        if len(found) < len(cells) or missing:
            return None
        return [found[t] for t in range(len(labels))]

    def month_columns(self, sheet: SheetCells, table: Table, field: str) -> None:
        """Put the table's month columns in the plan's order, matched by
        their header labels (a mismatch is a problem, and the months then
        read as blank). When every month cell is blank, the labels are not
        checked: each month reads as blank."""
        labels = self.month_labels
        if labels is None:
            return
        if all(sheet.row_empty(row, table.extra_cols) for row in table.rows):
            table.extra_cols, table.blank_months = [], len(labels)
            return
        header = (table.header_row, min(table.cols.values()))
        cells = [(table.header_row, c) for c in table.extra_cols]
        order = self.month_order(sheet, cells, field, header, "column")
        if order is None:
            table.extra_cols, table.blank_months = [], len(labels)
        else:
            table.extra_cols = [table.extra_cols[i] for i in order]

    def month_rows(self, sheet: SheetCells, table: Table, field: str) -> list[int] | None:
        """The table's rows in the plan's month order (matched by their
        labels in the Month column); None (with problems) when they do not match."""
        col = table.cols[H_MONTH]
        order = self.month_order(sheet, [(row, col) for row in table.rows], field, (table.header_row, col), "row")
        return None if order is None else [table.rows[i] for i in order]

    def monthly(self, sheet: SheetCells, table: Table, row: int, field: str, kind: str, blank: float | None) -> Series:
        if not table.extra_cols and table.blank_months:
            return (math.nan if blank is None else blank,) * table.blank_months
        return tuple(
            self.number(sheet, row, col, f"{field}[{t}]", kind, blank) for t, col in enumerate(table.extra_cols)
        )
