"""Typed columns: reading a column's cells as dates, numbers, yes/no or text.

The readers (:func:`read_dates`, :func:`read_numbers`, :func:`read_flags`,
:func:`month_keys`) are vectorised over numpy/pandas, read text by one rule
per column (:mod:`core.importer.numbers`, :mod:`core.importer.dates`) and
report a bad cell as a Problem naming the file, sheet and cell. Excel error
cells (which python-calamine reads as empty) are found by
:func:`error_cells`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal

import defusedxml.ElementTree as defused_et
import numpy as np
import numpy.typing as npt
import pandas as pd

from core.formats.xlsx.location import cell_name, location, place
from core.importer.cell_values import FLAG_FALSE, FLAG_TRUE, cell_text
from core.importer.columns import normalize
from core.importer.dates import NUMERIC_DATE, DateOrder, decide_order, parse_dates
from core.importer.numbers import Separators, decide_separators, parse_numbers
from core.importer.scan import ReadingHints, Table
from core.model.plan import Problem

MAX_CELL_PROBLEMS = 5
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_UNIX_DAY0 = np.datetime64("1970-01-01", "D")
_SKIP_LABELS = {"total", "totals", "grand total", "sum", "average", "avg", "mean", "ytd", "year", "full year", "fy"}


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


sheet_part = _sheet_part


def error_cells(path: Path, sheet: str, error_parts: frozenset[str] | None = None) -> dict[tuple[int, int], str]:
    """Cells of an .xlsx/.xlsm sheet holding an Excel error (``#N/A``,
    ``#DIV/0!``...), as (0-based row, column) -> the error text.

    python-calamine reads them as empty cells; the importer must say so
    rather than count them as blanks. Streams the sheet's XML in 1 MB
    chunks and only looks closely at chunks that contain an error cell;
    other formats (and anything unexpected) give no cells. ``error_parts``:
    the parts the safety scan saw an error mark in, when it knows (a sheet
    whose part is not among them is not read again).
    """
    found: dict[tuple[int, int], str] = {}
    if Path(path).suffix.lower() not in (".xlsx", ".xlsm") or error_parts == frozenset():
        return found
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            if part is None or (error_parts is not None and part not in error_parts):
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


# --------------------------------------------------------------------------- typed columns


@dataclass
class CellErrors:
    """Collects bad cells of one column, keeping the first few."""

    path: Path
    sheet: str
    header: str
    problems: list[Problem] = field(default_factory=list)
    hints: ReadingHints = field(default_factory=lambda: ReadingHints())
    headers: dict[int, str] = field(default_factory=dict)
    """Headers of other columns read through the same collector (a monthly
    sheet's figures), by column index; ``header`` names any other."""

    def header_of(self, col: int) -> str:
        return self.headers.get(col, self.header)

    def column_problem(self, col: int, message: str, severity: Literal["error", "warning"] = "error") -> None:
        """A problem about the whole column (``message`` in the user's words)."""
        header = self.header_of(col)
        self.problems.append(
            Problem(
                header,
                f"{place(self.sheet, column=col)} ('{header}'): {message}",
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
            shown = cell_text(values[int(r)])[:40]
            self.problems.append(
                Problem(
                    self.header_of(col),
                    f"{place(self.sheet, cell)}: '{shown}' is not {what}. {todo}",
                    location=location(self.path, self.sheet, cell),
                )
            )
        if count > MAX_CELL_PROBLEMS:
            self.problems.append(
                Problem(
                    self.header_of(col),
                    f"{place(self.sheet, column=col)}: {count - MAX_CELL_PROBLEMS} more cells like these.",
                    location=location(self.path, self.sheet),
                )
            )


def error_cell_problems(path: Path, table: Table, error_parts: frozenset[str] | None = None) -> list[Problem]:
    """An error for every used column with Excel error cells in its data rows
    (first few cells named), since calamine reads them as empty
    (``error_parts`` as :func:`error_cells` takes it)."""
    found = error_cells(path, table.sheet, error_parts)
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


_UNIFORM_KINDS = {"datetime": 0, "date": 1, "floating": 2, "integer": 2, "mixed-integer-float": 2}


def _column_kinds(values: npt.NDArray[Any]) -> npt.NDArray[np.int8]:
    """:func:`_kinds` of a column, its blank cells found by :func:`_blank_mask`,
    looking at the cells' types once when they are all dates or all numbers
    (the usual column of a CRM export), the general way otherwise."""
    n = len(values)
    blank = np.asarray(pd.isna(values), dtype=bool) | np.asarray(values == "", dtype=bool)
    kinds = np.full(n, 5, dtype=np.int8)
    rest = ~blank
    if n and rest.any():
        kind = _UNIFORM_KINDS.get(pd.api.types.infer_dtype(values[rest], skipna=True))
        if kind is None:
            return _kinds(values, _blank_mask(values))
        kinds[rest] = kind
    return kinds


# the day numbers pandas reads (datetime64[ns]); a date outside them was always read as no date
_FIRST_DAY = float(
    (np.datetime64(pd.Timestamp.min.ceil("D").date(), "D") - np.datetime64("1970-01-01", "D")).astype(np.int64)
)
_LAST_DAY = float(
    (np.datetime64(pd.Timestamp.max.floor("D").date(), "D") - np.datetime64("1970-01-01", "D")).astype(np.int64)
)
_ORDINAL_1970 = dt.date(1970, 1, 1).toordinal()
# date.toordinal as a plain function (datetime and pandas' Timestamp are dates too): mapped over a column it
# runs without a Python frame per cell; anything that is not a date raises TypeError
_TO_ORDINAL = dt.date.toordinal


_NOT_A_DATE = (AttributeError, TypeError, ValueError, OverflowError)


def _ordinal_days(cells: npt.NDArray[Any]) -> FloatArray:
    """Days since 1970-01-01 of date and datetime cells, the time of day
    dropped (NaN outside the years 1677-2262, as pandas reads them); one of
    :data:`_NOT_A_DATE` when a cell is not a date."""
    days = np.fromiter(map(_TO_ORDINAL, cells), dtype=np.float64, count=len(cells)) - _ORDINAL_1970
    days[(days < _FIRST_DAY) | (days > _LAST_DAY)] = np.nan
    return days


def _day_numbers(cells: npt.NDArray[Any]) -> FloatArray:
    """:func:`_ordinal_days`, or for cells that are not plain dates what pandas reads of them."""
    try:
        return _ordinal_days(cells)
    except _NOT_A_DATE:
        parsed = pd.to_datetime(pd.Series(cells, dtype=object), errors="coerce")
        stamps = parsed.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        return np.where(np.isnat(stamps), np.nan, (stamps - _UNIX_DAY0).astype(np.float64))


def _plain_dates(values: npt.NDArray[Any]) -> FloatArray | None:
    """:func:`read_dates` of the usual column (date cells and empty ones, ''
    as python-calamine reads them), at one look per cell; None for any other
    column (a None, NaN or text cell among the dates makes ``toordinal`` fail,
    and the general reading decides)."""
    filled = np.asarray(values != "", dtype=bool)
    if not filled.any() or pd.api.types.infer_dtype(values[filled], skipna=True) not in ("datetime", "date"):
        return None
    try:
        days = _ordinal_days(values[filled])
    except _NOT_A_DATE:
        return None
    out = np.full(len(values), np.nan)
    out[filled] = days
    return out


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
    quick = _plain_dates(values)
    if quick is not None:
        return quick
    kinds = _column_kinds(values)
    dated = (kinds == 0) | (kinds == 1)
    if dated.any():
        out[dated] = _day_numbers(values[dated])
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
    kinds = _column_kinds(values)
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
            if text in FLAG_TRUE:
                lookup[code] = 1.0
            elif text in FLAG_FALSE:
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
    texts = np.array([cell_text(v).strip() for v in uniques] + [""], dtype=object)
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
    """The data rows of a sheet (``rows[start:]``), read a column at a time:
    a column becomes an object array when first asked for, and only the
    columns the import uses are ever converted ('' past a short row)."""

    def __init__(self, rows: list[list[Any]], start: int) -> None:
        self._rows = rows[start:]
        self.n = len(self._rows)
        self.width = max(map(len, self._rows), default=0)
        self._columns: dict[int, npt.NDArray[Any]] = {}
        self._blanked: BoolArray = np.zeros(self.n, dtype=bool)

    def column(self, col: int) -> npt.NDArray[Any]:
        """Column ``col`` (0-based) as an object array, the same array every time."""
        found = self._columns.get(col)
        if found is not None:
            return found
        if col >= self.width:
            values = np.full(self.n, "", dtype=object)
        else:
            try:
                values = np.fromiter(map(itemgetter(col), self._rows), dtype=object, count=self.n)
            except IndexError:  # a short row (CSV): '' past its end
                values = np.fromiter((r[col] if col < len(r) else "" for r in self._rows), dtype=object, count=self.n)
            values[self._blanked] = ""
        self._columns[col] = values
        return values

    def row(self, r: int) -> list[Any]:
        """Data row ``r`` (0-based), ``width`` cells long."""
        if self._blanked[r]:
            return [""] * self.width
        row = self._rows[r]
        return list(row) + [""] * (self.width - len(row))

    def rows(self) -> list[list[Any]]:
        """Every data row, as :meth:`row` gives it."""
        return [self.row(r) for r in range(self.n)]

    def blank_rows(self, mask: BoolArray) -> None:
        """Empty the rows in ``mask`` (summary rows left out of the import)."""
        self._blanked |= mask
        for values in self._columns.values():
            values[mask] = ""


def column_values(rows: list[list[Any]], col: int, start: int) -> npt.NDArray[Any]:
    """One column of ``rows[start:]`` as an object array ('' past a short row)."""
    return np.array([r[col] if col < len(r) else "" for r in rows[start:]], dtype=object)
