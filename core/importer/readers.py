"""Reading a workbook: safety check, finding the table, typed columns.

:func:`scan_workbook` opens the file with python-calamine, looks at the
first :data:`HEADER_SCAN_ROWS` rows of every worksheet for the row with the
most recognised headers, decides the shape ("monthly" or "leads") and keeps
the chosen sheet's cells for :func:`core.importer.calibrate.calibrate`.

Typed column readers (:func:`read_dates`, :func:`read_numbers`,
:func:`read_flags`) are vectorised over numpy/pandas and report a bad cell
as a Problem naming the file, sheet and cell. Text from the file is only
ever data: it is never evaluated and never written as a formula.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import defusedxml.ElementTree as defused_et
import numpy as np
import numpy.typing as npt
import pandas as pd

from core.formats.xlsx.location import cell_name, location, place
from core.formats.xlsx.safety import check_spreadsheet_file
from core.importer.columns import guess_role, normalize, role_stage
from core.importer.csv_reader import CsvWorkbook, is_csv_path, open_csv
from core.importer.dates import NUMERIC_DATE, DateOrder, decide_order, parse_dates
from core.importer.mapping import ColumnMapping, key_words
from core.importer.numbers import Decimal, Separators, decide_separators, parse_numbers
from core.model.plan import Problem
from core.model.validation import has_errors

Shape = Literal["monthly", "leads"]
HEADER_SCAN_ROWS = 30
PREVIEW_ROWS = 20
MAX_CELL_PROBLEMS = 5
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_UNIX_DAY0 = np.datetime64("1970-01-01", "D")
_SKIP_LABELS = {"total", "totals", "grand total", "sum", "average", "avg", "mean", "ytd", "year", "full year", "fy"}


@dataclass(frozen=True)
class ReadingHints:
    """How the file writes numbers and dates when its text does not say:
    ``decimal`` mark ("." or ","), ``day_first`` dates. None: no hint (the
    English reading is used, with a warning where it matters). Set by the
    mapping file ("decimal", "date_order") or guessed from a CSV file's
    delimiter (a semicolon is the European convention)."""

    decimal: Decimal | None = None
    day_first: bool | None = None


class ImportCancelled(Exception):
    """The user cancelled an import (``cancelled()`` returned True)."""


@dataclass(frozen=True)
class Column:
    """A recognised column: 0-based ``index``, the header as written, its
    role, the header cell's address (``C4``) and whether the role came from
    the mapping file or was guessed."""

    index: int
    header: str
    role: str
    address: str
    source: Literal["guess", "mapping"] = "guess"


@dataclass(frozen=True)
class IgnoredColumn:
    """A column the importer does not use, and why."""

    index: int
    header: str
    address: str
    reason: str


@dataclass(frozen=True)
class Table:
    """A table found on a sheet: header row (1-based, as Excel shows it),
    shape, recognised and ignored columns, number of data rows."""

    sheet: str
    header_row: int
    shape: Shape | None
    columns: tuple[Column, ...]
    ignored: tuple[IgnoredColumn, ...]
    data_rows: int

    def column(self, role: str) -> Column | None:
        """The first column with this role."""
        return next((c for c in self.columns if c.role == role), None)

    def roles(self) -> tuple[str, ...]:
        return tuple(c.role for c in self.columns)


class _Cells:
    """The cells of the sheets read during the scan, kept so that
    calibration does not parse the workbook a second time."""

    def __init__(self) -> None:
        self.sheets: dict[str, list[list[Any]]] = {}


@dataclass(frozen=True)
class Scan:
    """What :func:`scan_workbook` found.

    ``table`` is the main table (None when nothing was recognised);
    ``spend_table`` a monthly spend table on another sheet (lead-level
    workbooks keep spend apart). ``preview`` is the header row and the first
    rows of the main table as text. ``problems`` with an error mean the
    file cannot be imported as it is.
    """

    path: Path
    table: Table | None
    spend_table: Table | None
    preview: tuple[tuple[str, ...], ...]
    problems: tuple[Problem, ...]
    mapping: ColumnMapping | None = None
    sheet_names: tuple[str, ...] = ()
    cells: _Cells = field(default_factory=_Cells, repr=False, compare=False)
    hints: ReadingHints = field(default_factory=lambda: ReadingHints())

    @property
    def ok(self) -> bool:
        """True when the file can be calibrated."""
        return self.table is not None and self.table.shape is not None and not has_errors(self.problems)

    @property
    def sheet(self) -> str | None:
        return self.table.sheet if self.table else None

    @property
    def header_row(self) -> int | None:
        return self.table.header_row if self.table else None

    @property
    def shape(self) -> Shape | None:
        return self.table.shape if self.table else None

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.table.columns if self.table else ()

    @property
    def ignored(self) -> tuple[IgnoredColumn, ...]:
        return self.table.ignored if self.table else ()

    @property
    def recognised(self) -> dict[str, str]:
        """Header -> role of the main table."""
        return {c.header: c.role for c in self.columns}


# --------------------------------------------------------------------------- opening


def _safety_problem(path: Path) -> Problem | None:
    """The one place the file is checked before any reader touches it
    (encrypted, corrupt, empty, not a spreadsheet, zip/XML bombs, too many
    cells): :func:`core.formats.xlsx.safety.check_spreadsheet_file`."""
    return check_spreadsheet_file(path)


def _reader_failure(path: Path, exc: BaseException) -> Problem:
    text = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
    return Problem(
        "file",
        f"The file cannot be read as a spreadsheet ({text}). Open it in Excel or LibreOffice and save it again as .xlsx, "
        "then import that copy.",
        location=location(path),
    )


def _reraise_if_control(exc: BaseException) -> None:
    if isinstance(exc, (KeyboardInterrupt, SystemExit, ImportCancelled, MemoryError)):
        raise exc


def open_workbook(path: Path) -> tuple[Any | None, tuple[Problem, ...]]:
    """A python-calamine workbook (a :class:`~core.importer.csv_reader.CsvWorkbook`
    for a CSV file), or None with the problem."""
    path = Path(path)
    if not path.exists():
        return None, (Problem("file", "The file does not exist; check the name and folder.", location=location(path)),)
    if path.is_dir():
        return None, (Problem("file", "This is a folder, not a spreadsheet file.", location=location(path)),)
    if is_csv_path(path):
        csv_book, refused = open_csv(path)
        return csv_book, ((refused,) if refused is not None else ())
    try:
        problem = _safety_problem(path)
    except BaseException as exc:  # the checker must never let a traceback through
        _reraise_if_control(exc)
        return None, (_reader_failure(path, exc),)
    if problem is not None:
        if not problem.location:
            problem = Problem(problem.field, problem.message, problem.severity, location(path))
        if problem.severity == "error":
            return None, (problem,)
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path)), ((problem,) if problem is not None else ())
    except BaseException as exc:  # calamine raises CalamineError, or a Rust panic (BaseException)
        _reraise_if_control(exc)
        return None, (_reader_failure(path, exc),)


def worksheet_names(workbook: Any) -> list[str]:
    """Names of the worksheets (chart sheets skipped), in workbook order."""
    names: list[str] = []
    try:
        for meta in workbook.sheets_metadata:
            kind = str(meta.typ).lower()
            if "chart" not in kind and "dialog" not in kind:
                names.append(str(meta.name))
    except BaseException as exc:
        _reraise_if_control(exc)
        names = [str(n) for n in workbook.sheet_names]
    return names


def read_sheet(workbook: Any, name: str, nrows: int | None = None) -> list[list[Any]]:
    """The sheet's cells from A1 (rectangular list of rows; '' for empty)."""
    sheet = workbook.get_sheet_by_name(name)
    if nrows is None:
        rows: list[list[Any]] = sheet.to_python(skip_empty_area=False)
    else:
        rows = sheet.to_python(skip_empty_area=False, nrows=nrows)
    return rows


_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_REF = re.compile(rb"\br=\"([A-Z]{1,3})([0-9]+)\"")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</")
_ERROR_MARK = re.compile(rb"\bt=\"e\"")
_CHUNK = 1 << 20


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding worksheet ``sheet`` of an .xlsx/.xlsm."""
    names = set(archive.namelist())
    book = next((n for n in ("xl/workbook.xml", "/xl/workbook.xml") if n in names), None)
    rels = next((n for n in ("xl/_rels/workbook.xml.rels", "/xl/_rels/workbook.xml.rels") if n in names), None)
    if book is None or rels is None:
        return None
    rid = None
    for element in defused_et.fromstring(archive.read(book)).iter():
        if element.tag.rsplit("}", 1)[-1] == "sheet" and element.attrib.get("name") == sheet:
            rid = next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
    if rid is None:
        return None
    for element in defused_et.fromstring(archive.read(rels)).iter():
        if element.attrib.get("Id") == rid:
            target = element.attrib.get("Target", "")
            candidate = target.lstrip("/") if target.startswith("/") else "xl/" + target
            return candidate if candidate in names else None
    return None


def error_cells(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """Cells of an .xlsx/.xlsm sheet holding an Excel error (``#N/A``,
    ``#DIV/0!``...), as (0-based row, column) -> the error text.

    python-calamine reads them as empty cells; the importer must say so
    rather than count them as blanks. Streams the sheet's XML in 1 MB
    chunks and only looks closely at chunks that contain an error cell;
    other formats (and anything unexpected) give no cells.
    """
    found: dict[tuple[int, int], str] = {}
    if Path(path).suffix.lower() not in (".xlsx", ".xlsm"):
        return found
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            if part is None:
                return found
            with archive.open(part) as stream:
                carry = b""
                while True:
                    chunk = stream.read(_CHUNK)
                    data = carry + chunk
                    cut = data.rfind(b"</") if chunk else len(data)
                    cut = data.find(b">", cut) + 1 if chunk and cut >= 0 else len(data)
                    head, carry = data[:cut], data[cut:]
                    if b't="e"' in head:
                        for match in _CELL.finditer(head):
                            attrs = match.group(1)
                            if not _ERROR_MARK.search(attrs):
                                continue
                            ref = _REF.search(attrs)
                            if ref is None:
                                continue
                            value = _VALUE.search(match.group(2) or b"")
                            col = 0
                            for letter in ref.group(1):
                                col = col * 26 + letter - 64
                            found[(int(ref.group(2)) - 1, col - 1)] = (
                                value.group(1).decode("utf-8", "replace") if value else "#ERROR"
                            )
                    if not chunk:
                        break
    except Exception:  # the file passed the safety check; this is only an extra warning
        return found
    return found


# --------------------------------------------------------------------------- header detection


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _roles_of_row(row: list[Any], mapping: ColumnMapping | None) -> list[tuple[int, str, str | None, bool]]:
    """(index, header, role or None, from mapping) for every non-blank cell."""
    stages = mapping.stages if mapping else ()
    found: list[tuple[int, str, str | None, bool]] = []
    for index, value in enumerate(row):
        if _is_blank(value) or not isinstance(value, str):
            continue
        header = value.strip()
        mapped = mapping.role_for(header) if mapping else None
        if mapped is not None:
            found.append((index, header, mapped, True))
        else:
            found.append((index, header, guess_role(header, stages), False))
    return found


def _score(roles: list[tuple[int, str, str | None, bool]]) -> int:
    return sum(1 for _, _, role, _ in roles if role is not None and role != "ignore")


def decide_shape(roles: list[str]) -> Shape | None:
    """``leads`` when rows are leads (stage dates, a status, or a created date
    without monthly volumes); "monthly" when rows are months with volumes,
    revenue or spend; None when neither."""
    kinds = {r.split(":", 1)[0] if ":" in r else r.split("@", 1)[0] for r in roles}
    has_stage_dates = any(r.startswith("date:") for r in roles)
    has_volumes = any(r.startswith("stage:") for r in roles)
    has_money = "revenue" in kinds or "spend" in kinds
    lead_like = has_stage_dates or "status" in kinds or not (has_volumes or has_money)
    if lead_like and ("created_date" in kinds or has_stage_dates):
        return "leads"
    if ("month" in kinds or "created_date" in kinds) and (has_volumes or has_money):
        return "monthly"
    return None


def _build_table(
    sheet: str,
    rows: list[list[Any]],
    header_index: int,
    mapping: ColumnMapping | None,
    total_rows: int,
    forced_shape: Shape | None,
) -> Table:
    found = _roles_of_row(rows[header_index], mapping) if header_index < len(rows) else []
    roles = [r for _, _, r, _ in found if r is not None and r != "ignore"]
    shape = forced_shape or decide_shape(roles)
    columns: list[Column] = []
    ignored: list[IgnoredColumn] = []
    seen: set[str] = set()
    for index, header, role, from_mapping in found:
        address = cell_name(header_index, index)
        if role is not None and shape == "monthly" and role == "created_date":
            role = "month"
        if role is not None and shape == "leads" and role == "month":
            role = "created_date"
        if role is None:
            reason = "header not recognised (name it in a mapping file to use it)"
            if shape == "leads":
                # an unrecognised column in lead-level data may be a lead-spec criterion (yes/no)
                sample = [r[index] for r in rows[header_index + 1 : header_index + 1 + 50] if index < len(r)]
                if sample and any(not _is_blank(v) for v in sample) and all(_flag_like(v) for v in sample):
                    role = f"criterion:{header}"
            if role is None:
                ignored.append(IgnoredColumn(index, header, address, reason))
                continue
        if role == "ignore":
            ignored.append(IgnoredColumn(index, header, address, "ignored by the mapping file"))
            continue
        if role in seen and not role.startswith("criterion:"):
            ignored.append(
                IgnoredColumn(index, header, address, f"a second column for '{role}' (the first one is used)")
            )
            continue
        if shape == "monthly" and (role.startswith("date:") or role in ("status", "amount")):
            ignored.append(
                IgnoredColumn(index, header, address, f"'{role}' belongs to lead-level data, not a monthly summary")
            )
            continue
        seen.add(role)
        columns.append(Column(index, header, role, address, "mapping" if from_mapping else "guess"))
    data_rows = max(0, total_rows - header_index - 1)
    return Table(sheet, header_index + 1, shape, tuple(columns), tuple(ignored), data_rows)


_FLAG_TRUE = {"yes", "y", "true", "1", "x", "ja", "oui", "si", "checked", "✓", "✔", "met", "1.0"}
_FLAG_FALSE = {"no", "n", "false", "0", "nein", "non", "unchecked", "not met", "0.0", "-"}


def _flag_like(value: Any) -> bool:
    if _is_blank(value) or isinstance(value, bool):
        return True
    if isinstance(value, (int, float)):
        return value in (0, 1)
    if isinstance(value, str):
        return value.strip().casefold() in _FLAG_TRUE | _FLAG_FALSE
    return False


def _text(value: Any) -> str:
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


def _last_nonblank_row(rows: list[list[Any]]) -> int:
    for index in range(len(rows) - 1, -1, -1):
        if any(not _is_blank(v) for v in rows[index]):
            return index + 1
    return 0


def scan_workbook(path: Path, mapping: ColumnMapping | None = None) -> Scan:
    """Find the table to import: sheet, header row, shape, columns.

    Every worksheet's first 30 rows are searched for the row with the most
    recognised headers (at least two); the mapping's ``sheet`` and
    ``header_row`` override the search and its ``columns`` the guesses. A
    lead-level table is preferred to a monthly one; another sheet with a
    monthly spend table is kept as ``spend_table``. Never raises for a bad
    file: the reason is in ``problems``.
    """
    path = Path(path)
    workbook, problems_t = open_workbook(path)
    problems = list(problems_t)
    if workbook is None:
        return Scan(path, None, None, (), tuple(problems), mapping)
    try:
        scan = _scan_open(path, workbook, mapping, problems)
        return replace(scan, hints=reading_hints(mapping, workbook))
    except BaseException as exc:
        _reraise_if_control(exc)
        problems.append(_reader_failure(path, exc))
        return Scan(path, None, None, (), tuple(problems), mapping)
    finally:
        try:
            workbook.close()
        except BaseException as exc:
            _reraise_if_control(exc)


def reading_hints(mapping: ColumnMapping | None, workbook: Any) -> ReadingHints:
    """How to read numbers and dates whose text does not say: the mapping
    file's word, else a semicolon CSV's European convention, else none."""
    decimal: Decimal | None = None
    day_first: bool | None = None
    if isinstance(workbook, CsvWorkbook) and workbook.semicolon_convention:
        decimal, day_first = ",", True
    if mapping is not None and mapping.decimal in (".", ","):
        decimal = "." if mapping.decimal == "." else ","
    if mapping is not None and mapping.date_order is not None:
        day_first = mapping.date_order == "day-first"
    return ReadingHints(decimal, day_first)


def _scan_open(path: Path, workbook: Any, mapping: ColumnMapping | None, problems: list[Problem]) -> Scan:
    names = worksheet_names(workbook)
    cells = _Cells()
    forced: Shape | None = mapping.shape if mapping and mapping.shape in ("monthly", "leads") else None  # type: ignore[assignment]
    if mapping and mapping.sheet is not None:
        match = [n for n in names if n.strip().casefold() == mapping.sheet.strip().casefold()]
        if not match:
            problems.append(
                Problem(
                    key_words("sheet"),
                    f"The mapping names sheet '{mapping.sheet}', which is not in the file (sheets: {', '.join(names)}).",
                    location=location(path),
                )
            )
            return Scan(path, None, None, (), tuple(problems), mapping, tuple(names), cells)
        candidates = match
    else:
        candidates = names
    tables: list[tuple[int, int, Table]] = []  # (priority, score, table)
    for order, name in enumerate(names):
        sheet = workbook.get_sheet_by_name(name)
        head: list[list[Any]] = sheet.to_python(skip_empty_area=False, nrows=HEADER_SCAN_ROWS)
        if not head:
            continue
        if mapping and mapping.header_row is not None and name in candidates:
            header_indexes = [mapping.header_row - 1]
        else:
            header_indexes = list(range(len(head)))
        best_index, best_score = -1, 0
        for index in header_indexes:
            if index >= len(head):
                continue
            score = _score(_roles_of_row(head[index], mapping))
            if score > best_score:
                best_index, best_score = index, score
        if best_index < 0 or best_score < 2:
            if name in candidates and mapping and mapping.header_row is not None:
                problems.append(
                    Problem(
                        key_words("header_row"),
                        f"Row {mapping.header_row} has fewer than two recognised headers; check the row number.",
                        location=location(path, name),
                    )
                )
            continue
        all_rows: list[list[Any]] = sheet.to_python(skip_empty_area=False)
        total = _last_nonblank_row(all_rows)
        table = _build_table(name, all_rows, best_index, mapping, total, forced if name in candidates else None)
        if table.shape is None:
            continue
        cells.sheets[name] = all_rows[:total]
        priority = (0 if name in candidates else 10) + (0 if table.shape == "leads" else 1)
        tables.append((priority * 1000 - best_score, order, table))
    if not tables:
        problems.append(
            Problem(
                "file",
                "No sheet has a table this planner can read (looked for headers in the first 30 rows of "
                f"{', '.join(repr(n) for n in names) or 'no sheets'}). Use headers such as 'Month, Inquiries, MQLs, SQLs, "
                "Won, Revenue' (a monthly summary) or 'Created Date, Lead Source, Status, MQL Date, Amount' (one row "
                "per lead), or give a mapping file naming the sheet, header row and columns.",
                location=location(path),
            )
        )
        return Scan(path, None, None, (), tuple(problems), mapping, tuple(names), cells)
    tables.sort(key=lambda t: (t[0], t[1]))
    main = tables[0][2]
    spend: Table | None = None
    for _, _, table in tables[1:]:
        roles = table.roles()
        if table.shape == "monthly" and any(r == "spend" or r.startswith("spend@") for r in roles):
            spend = table
            break
    for name in list(cells.sheets):
        if name != main.sheet and (spend is None or name != spend.sheet):
            del cells.sheets[name]
    rows = cells.sheets[main.sheet]
    header = rows[main.header_row - 1]
    preview = [tuple(_text(v) for v in header)]
    for row in rows[main.header_row : main.header_row + PREVIEW_ROWS]:
        preview.append(tuple(_text(v) for v in row))
    problems += _table_problems(path, main)
    return Scan(path, main, spend, tuple(preview), tuple(problems), mapping, tuple(names), cells)


def _table_problems(path: Path, table: Table) -> list[Problem]:
    problems: list[Problem] = []
    roles = table.roles()
    loc = location(path, table.sheet)
    if table.data_rows == 0:
        problems.append(Problem("file", "The table has headers but no data rows below them.", location=loc))
    if table.shape == "leads":
        if "created_date" not in roles and not any(r.startswith("date:") for r in roles):
            problems.append(
                Problem("file", "Lead-level data needs a created-date column (e.g. 'Created Date').", location=loc)
            )
        stages = {role_stage(r) for r in roles if r.startswith(("date:", "stage:"))}
        if "status" not in roles and len(stages - {None}) < 1:
            problems.append(
                Problem(
                    "file",
                    "Lead-level data needs a status column or stage dates (e.g. 'MQL Date') to show how far leads got.",
                    location=loc,
                )
            )
    if table.shape == "monthly" and "month" not in roles:
        problems.append(Problem("file", "A monthly summary needs a month column (e.g. 'Month').", location=loc))
    return problems


# --------------------------------------------------------------------------- typed columns


@dataclass
class CellErrors:
    """Collects bad cells of one column, keeping the first few."""

    path: Path
    sheet: str
    header: str
    problems: list[Problem] = field(default_factory=list)
    hints: ReadingHints = field(default_factory=lambda: ReadingHints())

    def column_problem(self, col: int, message: str, severity: Literal["error", "warning"] = "error") -> None:
        """A problem about the whole column (``message`` in the user's words)."""
        self.problems.append(
            Problem(
                self.header,
                f"{place(self.sheet, column=col)} ('{self.header}'): {message}",
                severity,
                location(self.path, self.sheet),
            )
        )

    def add(
        self, rows: npt.NDArray[np.intp], col: int, values: npt.NDArray[Any], first_row: int, what: str, todo: str
    ) -> None:
        count = len(rows)
        for r in rows[:MAX_CELL_PROBLEMS]:
            cell = cell_name(first_row + int(r), col)
            shown = _text(values[int(r)])[:40]
            self.problems.append(
                Problem(
                    self.header,
                    f"{place(self.sheet, cell)}: '{shown}' is not {what}. {todo}",
                    location=location(self.path, self.sheet, cell),
                )
            )
        if count > MAX_CELL_PROBLEMS:
            self.problems.append(
                Problem(
                    self.header,
                    f"{place(self.sheet, column=col)}: {count - MAX_CELL_PROBLEMS} more cells like these.",
                    location=location(self.path, self.sheet),
                )
            )


def error_cell_problems(path: Path, table: Table) -> list[Problem]:
    """An error for every used column with Excel error cells in its data rows
    (first few cells named), since calamine reads them as empty."""
    found = error_cells(path, table.sheet)
    if not found:
        return []
    used = {c.index: c for c in table.columns}
    by_column: dict[int, list[tuple[int, str]]] = {}
    for (row, col), text in sorted(found.items()):
        if col in used and row >= table.header_row:
            by_column.setdefault(col, []).append((row, text))
    problems: list[Problem] = []
    for col, cells in by_column.items():
        for row, text in cells[:MAX_CELL_PROBLEMS]:
            cell = cell_name(row, col)
            problems.append(
                Problem(
                    used[col].header,
                    f"{place(table.sheet, cell)} holds the Excel error {text} (a formula that failed), which "
                    "cannot be read as a value. Fix the formula, or replace it by a value or an empty cell.",
                    location=location(path, table.sheet, cell),
                )
            )
        if len(cells) > MAX_CELL_PROBLEMS:
            problems.append(
                Problem(
                    used[col].header,
                    f"{place(table.sheet, column=col)}: {len(cells) - MAX_CELL_PROBLEMS} more error cells.",
                    location=location(path, table.sheet),
                )
            )
    return problems


def _blank_mask(values: npt.NDArray[Any]) -> BoolArray:
    """Empty cells: None, NaN, '' or only spaces (vectorised; python-calamine
    reads an empty cell as '')."""
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    blank = np.asarray(pd.isna(values), dtype=bool) | np.asarray(values == "", dtype=bool)
    rest = ~blank
    kind = pd.api.types.infer_dtype(values[rest], skipna=True) if rest.any() else "empty"
    if kind not in ("date", "datetime", "floating", "integer", "mixed-integer-float", "boolean", "empty"):
        is_str = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values)) & rest
        if is_str.any():
            stripped = pd.Series(values[is_str], dtype=object).str.strip()
            blank[is_str] = (stripped == "").to_numpy()
    return np.asarray(blank, dtype=bool)


def blank_mask(values: npt.NDArray[Any]) -> BoolArray:
    """Empty cells of a column (None, NaN, '' or only spaces)."""
    return _blank_mask(values)


def cell_kinds(values: npt.NDArray[Any], blank: BoolArray) -> npt.NDArray[np.int8]:
    """Per cell: 0 datetime, 1 date, 2 number, 3 text, 4 other, 5 blank."""
    return _kinds(values, blank)


def _kinds(values: npt.NDArray[Any], blank: BoolArray) -> npt.NDArray[np.int8]:
    """Per cell: 0 datetime, 1 date, 2 number, 3 text, 4 other, 5 blank.
    Vectorised for the usual all-dates / all-numbers / all-text columns."""
    n = len(values)
    kinds = np.full(n, 5, dtype=np.int8)
    rest = ~blank
    if not rest.any():
        return kinds
    kind = pd.api.types.infer_dtype(values[rest], skipna=True)
    uniform = {"datetime": 0, "date": 1, "floating": 2, "integer": 2, "mixed-integer-float": 2, "string": 3}
    if kind in uniform:
        kinds[rest] = uniform[kind]
        return kinds
    sub = values[rest]
    kinds[rest] = np.fromiter(
        (
            0 if isinstance(v, dt.datetime)
            else 1 if isinstance(v, dt.date)
            else 2 if isinstance(v, (int, float)) and not isinstance(v, bool)
            else 3 if isinstance(v, str)
            else 4
            for v in sub
        ),
        dtype=np.int8,
        count=len(sub),
    )  # fmt: skip
    return kinds


_MIN_YEAR, _MAX_YEAR = 1900, 2200


def _one_text_date(text: str) -> float:
    """Days since 1970 for a date written as text in any common form, or NaN.
    Needs a digit and a year between 1900 and 2200 ('APR' is not a date)."""
    if not any(ch.isdigit() for ch in text):
        return math.nan
    try:
        stamp = pd.to_datetime(text, format="mixed")
    except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
        return math.nan
    if not isinstance(stamp, pd.Timestamp) or pd.isna(stamp) or not _MIN_YEAR <= stamp.year <= _MAX_YEAR:
        return math.nan
    return float((np.datetime64(stamp.date(), "D") - _UNIX_DAY0).astype(np.int64))


def _text_dates(values: npt.NDArray[Any], day_first: bool | None = None) -> tuple[FloatArray, DateOrder | None]:
    """Dates written as text, read per distinct text (a column of dates has
    few): ISO 8601 vectorised; ``a/b/year`` by one day/month order for the
    column (:mod:`core.importer.dates`, returned when such texts were seen);
    other forms one by one."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object).str.strip())
    strings = pd.Series(uniques, dtype=object)
    parsed = pd.to_datetime(strings, errors="coerce", format="ISO8601")
    days = parsed.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    out = np.where(np.isnat(days), np.nan, (days - _UNIX_DAY0).astype(np.float64))
    years = 1970 + out / 365.25
    out[(years < _MIN_YEAR) | (years > _MAX_YEAR + 1)] = np.nan
    missing = np.isnan(out)
    order: DateOrder | None = None
    if missing.any():
        rest = strings[missing].reset_index(drop=True)
        numeric = [u for u in rest if NUMERIC_DATE.match(str(u))]
        if numeric:
            order = decide_order(numeric, day_first)
            if not order.conflict:
                out[np.flatnonzero(missing)] = parse_dates(rest, order)
                missing = np.isnan(out)
    if missing.any():
        out[missing] = [_one_text_date(str(u)) for u in strings[missing]]
    lookup = np.append(out, math.nan)  # code -1 (a missing value) reads as NaN
    return np.asarray(lookup[codes], dtype=np.float64), order


def _order_problem(order: DateOrder | None, errors: CellErrors, col: int) -> bool:
    """Warn about a guessed day/month order, or refuse a column mixing both
    (True: the column is refused)."""
    if order is None:
        return False
    if order.conflict:
        day, month = order.conflict
        errors.column_problem(
            col,
            f"the dates are written both day-first ('{day}') and month-first ('{month}'), so none of them can be "
            "trusted. Write every date of the column the same way (best: 2026-03-25) and import again.",
        )
        return True
    if order.guessed:
        example = order.ambiguous_example
        reading = _reading(example, order)
        source = "as the file's settings suggest" if errors.hints.day_first is not None else "the US convention"
        errors.column_problem(
            col,
            f"no date in the column shows whether it is written day-first or month-first (e.g. '{example}'); read as "
            f"{order.name} ({source}), so '{example}' is {reading}. If that is wrong, give the mapping file "
            f'"date_order": "{"month-first" if order.day_first else "day-first"}".',
            "warning",
        )
    return False


def _reading(text: str, order: DateOrder) -> str:
    match = NUMERIC_DATE.match(text)
    if match is None:
        return text
    a, b = int(match.group(1)), int(match.group(2))
    day, month = (a, b) if order.day_first else (b, a)
    return f"{day} {dt.date(2000, month, 1).strftime('%B')}"


def read_dates(values: npt.NDArray[Any], errors: CellErrors, col: int, first_row: int) -> FloatArray:
    """Days since 1970-01-01 (float; NaN where blank). Accepts date cells,
    Excel serial numbers and date text (ISO; ``25/03/2026`` and the like by
    one day/month order for the whole column, see :mod:`core.importer.dates`;
    else what pandas parses); anything else is a Problem naming the cell."""
    n = len(values)
    out = np.full(n, np.nan)
    if n == 0:
        return out
    blank = _blank_mask(values)
    kinds = _kinds(values, blank)
    dated = (kinds == 0) | (kinds == 1)
    if dated.any():
        parsed = pd.to_datetime(pd.Series(values[dated], dtype=object), errors="coerce")
        days = parsed.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        out[dated] = np.where(np.isnat(days), np.nan, (days - _UNIX_DAY0).astype(np.float64))
    numeric = kinds == 2
    bad = np.zeros(n, dtype=bool)
    if numeric.any():
        serial = values[numeric].astype(np.float64)
        ok = np.isfinite(serial) & (serial >= 1) & (serial < 2958466)
        out_numeric = np.floor(serial) + float((_EXCEL_EPOCH - _UNIX_DAY0).astype(np.int64))
        out[numeric] = np.where(ok, out_numeric, np.nan)
        bad[np.flatnonzero(numeric)[~ok]] = True
    text = kinds == 3
    if text.any():
        conv, order = _text_dates(values[text], errors.hints.day_first)
        if _order_problem(order, errors, col):
            return np.full(n, np.nan)
        out[text] = conv
        bad[np.flatnonzero(text)[np.isnan(conv)]] = True
    bad |= kinds == 4
    if bad.any():
        errors.add(
            np.flatnonzero(bad), col, values, first_row, "a date", "Enter a date (e.g. 2026-03-15) or clear the cell."
        )
    out[bad] = np.nan
    return out


def read_numbers(values: npt.NDArray[Any], errors: CellErrors, col: int, first_row: int, what: str) -> FloatArray:
    """Numbers (NaN where blank). Number cells are taken as they are; text
    such as '1,200', '12.345,67', '12 345,67' or '$ 1200' is read by one
    separator rule for the whole column (:mod:`core.importer.numbers`):
    a column mixing both conventions is refused, a guess is warned about,
    and other text is a Problem naming the cell."""
    n = len(values)
    if n == 0:
        return np.zeros(0)
    blank = _blank_mask(values)
    kinds = _kinds(values, blank)
    numbers = np.full(n, np.nan)
    numeric = kinds == 2
    if numeric.any():
        numbers[numeric] = values[numeric].astype(np.float64)
    bad = (kinds == 0) | (kinds == 1) | (kinds == 4)
    text = kinds == 3
    if text.any():
        idx = np.flatnonzero(text)
        codes, uniques = pd.factorize(pd.Series(values[idx], dtype=object).astype(str).str.strip())
        rule = decide_separators(list(uniques), errors.hints.decimal)
        if rule.conflict:
            point, comma = rule.conflict
            errors.column_problem(
                col,
                f"the numbers are written both with a decimal point ('{point}') and with a decimal comma ('{comma}'), "
                "so none of them can be trusted. Write every number of the column the same way and import again.",
            )
            return np.full(n, np.nan)
        if rule.guessed:
            _separator_warning(rule, errors, col)
        parsed = parse_numbers(pd.Series(uniques, dtype=object), rule)
        numbers[idx] = parsed[codes]
        bad[idx[np.isnan(numbers[idx])]] = True
    if bad.any():
        errors.add(np.flatnonzero(bad), col, values, first_row, what, "Enter a number or clear the cell.")
    numbers[bad | ~np.isfinite(numbers)] = np.nan
    return numbers


def _separator_warning(rule: Separators, errors: CellErrors, col: int) -> None:
    example = rule.ambiguous_example
    value = parse_numbers(pd.Series([example], dtype=object), rule)[0]
    shown = f"{value:.0f}" if math.isfinite(value) and value.is_integer() else f"{value:g}"
    mark = "decimal comma" if rule.decimal == "," else "decimal point"
    source = "as the file's settings suggest" if errors.hints.decimal is not None else "the English convention"
    other = "." if rule.decimal == "," else ","
    errors.column_problem(
        col,
        f"no number in the column shows which mark separates decimals (e.g. '{example}'); read with a {mark} "
        f"({source}), so '{example}' is {shown}. If that is wrong, give the mapping file "
        f'"decimal": "{other}".',
        "warning",
    )


def read_flags(values: npt.NDArray[Any], errors: CellErrors, col: int, first_row: int) -> FloatArray:
    """Yes/no cells as 1.0/0.0 (NaN where blank: not assessed).
    Accepts yes/no, y/n, true/false, 1/0, x; other text is a Problem."""
    n = len(values)
    out = np.full(n, np.nan)
    if n == 0:
        return out
    series = pd.Series(values, dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    lookup = np.full(len(uniques) + 1, np.nan)
    bad_codes: list[int] = []
    for code, value in enumerate(uniques):
        if isinstance(value, bool):
            lookup[code] = 1.0 if value else 0.0
        elif isinstance(value, (int, float)) and value in (0, 1):
            lookup[code] = float(value)
        elif isinstance(value, str):
            text = value.strip().casefold()
            if text in _FLAG_TRUE:
                lookup[code] = 1.0
            elif text in _FLAG_FALSE:
                lookup[code] = 0.0
            elif text:
                bad_codes.append(code)
        else:
            bad_codes.append(code)
    out = lookup[codes]  # code -1 (NaN) picks the last entry: NaN
    if bad_codes:
        bad = np.isin(codes, bad_codes)
        errors.add(
            np.flatnonzero(bad), col, values, first_row, "yes or no", "Enter yes/no (or 1/0), or clear the cell."
        )
    return out


def text_codes(values: npt.NDArray[Any]) -> tuple[npt.NDArray[np.intp], npt.NDArray[Any]]:
    """A column as codes into its distinct trimmed texts: ``texts[codes]``
    is the text per row (the last entry, '', stands for blank cells)."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.intp), np.array([""], dtype=object)
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    texts = np.array([_text(v).strip() for v in uniques] + [""], dtype=object)
    return np.asarray(codes, dtype=np.intp), texts


def read_texts(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Trimmed text per row ('' where blank); numbers and dates as text.
    Works on the distinct values (a channel or status column has few)."""
    codes, texts = text_codes(values)
    return np.asarray(texts[codes], dtype=object)


def month_keys(values: npt.NDArray[Any], errors: CellErrors, col: int, first_row: int) -> tuple[FloatArray, BoolArray]:
    """Month of each row as ``year*12 + month-1`` (float, NaN where blank)
    and a mask of rows to skip (a "Total"/"Average" label row).

    Accepts dates, Excel serials, and text such as '2026-01', 'Jan 2026',
    'January 2026', '01/2026'; a bare month name ('Jan') gets year 1 so the
    calendar month is still known."""
    n = len(values)
    skip = np.zeros(n, dtype=bool)
    names = {
        m.casefold(): i
        for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))
    }
    full = {dt.date(2000, i + 1, 1).strftime("%B").casefold(): i for i in range(12)}
    prepared = values.copy()
    bare = np.full(n, np.nan)
    for i, value in enumerate(values):
        if isinstance(value, str):
            text = normalize(value)
            if text in _SKIP_LABELS:
                skip[i] = True
                prepared[i] = ""
            elif text in names or text in full:
                bare[i] = 12 + (names.get(text, full.get(text, 0)))
                prepared[i] = ""
            elif len(text.split()) == 2 and text.split()[0][:3] in names:
                word, year = text.split()
                if year.isdigit():
                    year_n = int(year) + (2000 if len(year) == 2 else 0)
                    prepared[i] = f"{year_n}-{names[word[:3]] + 1:02d}-01"
            elif len(text.split()) == 2 and text.split()[0].isdigit() and text.split()[1].isdigit():
                a, b = text.split()
                if len(b) == 4 and 1 <= int(a) <= 12:
                    prepared[i] = f"{b}-{int(a):02d}-01"
                elif len(a) == 4 and 1 <= int(b) <= 12:
                    prepared[i] = f"{a}-{int(b):02d}-01"
    days = read_dates(prepared, errors, col, first_row)
    keys = np.full(n, np.nan)
    ok = ~np.isnan(days)
    if ok.any():
        d = (days[ok].astype(np.int64)).astype("datetime64[D]")
        months = d.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
        keys[ok] = months + 1970 * 12
    has_bare = ~np.isnan(bare)
    keys[has_bare] = bare[has_bare]
    return keys, skip


class Grid:
    """The data rows of a sheet as one 2-D object array (converted once)."""

    def __init__(self, rows: list[list[Any]], start: int) -> None:
        data = rows[start:]
        width = len(data[0]) if data else 0
        self.cells: npt.NDArray[Any] = np.empty((len(data), width), dtype=object)
        if data and width:
            try:
                self.cells[:, :] = data  # calamine's rows are rectangular
            except ValueError:
                width = max(len(r) for r in data)
                self.cells = np.empty((len(data), width), dtype=object)
                self.cells[:, :] = [r + [""] * (width - len(r)) for r in data]

    def column(self, col: int) -> npt.NDArray[Any]:
        if col >= self.cells.shape[1]:
            return np.full(self.cells.shape[0], "", dtype=object)
        return self.cells[:, col]


def column_values(rows: list[list[Any]], col: int, start: int) -> npt.NDArray[Any]:
    """One column of ``rows[start:]`` as an object array ('' past a short row)."""
    return np.array([r[col] if col < len(r) else "" for r in rows[start:]], dtype=object)


def role_columns(table: Table, prefix: str) -> list[Column]:
    """Columns whose role starts with ``prefix``."""
    return [c for c in table.columns if c.role.startswith(prefix)]
