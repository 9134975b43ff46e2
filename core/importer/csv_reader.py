"""Reading a CSV export as a one-sheet workbook.

CRMs export CSV more often than workbooks. :func:`open_csv` reads one
safely and returns a :class:`CsvWorkbook`, which answers the few calls the
importer makes of a python-calamine workbook, so a CSV file goes through
the same table search and column readers as a sheet (named after the file,
as Excel does when it opens a CSV).

* **encoding**: UTF-8 with or without a byte-order mark, UTF-16 with one,
  else Windows-1252 (what Excel writes on Western Windows);
* **delimiter**: comma, semicolon, tab or bar: the one a first line
  ``sep=;`` names (as Excel writes), else the one that splits the first
  lines into the same number of fields most consistently
  (:func:`detect_delimiter`);
* **limits**: the file size, cell count and text size caps of
  :data:`core.formats.xlsx.limits.DEFAULT_LIMITS`, the same as for workbooks; a
  binary file named ``.csv`` is refused. Every failure is a Problem naming
  the file (and line), never a traceback.

A semicolon delimiter is the convention where the comma is the decimal
mark, so :attr:`CsvWorkbook.hints` then says "decimal comma, day-first"
(used only where the data itself does not decide).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.formats.xlsx.limits import DEFAULT_LIMITS, SpreadsheetLimits
from core.model.plan import Problem

CSV_SUFFIXES = (".csv",)
DELIMITERS = (",", ";", "\t", "|")
MAX_COLUMNS = 16_384  # as many as a worksheet has
_SNIFF_LINES = 30
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_SEP_LINE = re.compile(r"^\ufeff?sep=([,;\t|])[ \t]*(?:\r\n|\n|\r|$)")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}


def is_csv_path(path: Path) -> bool:
    """True for a file named like a CSV export."""
    return Path(path).suffix.lower() in CSV_SUFFIXES


def decode(data: bytes) -> tuple[str, str]:
    """The text of ``data`` and the encoding used (see the module docstring)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the first lines most consistently: most
    lines with the same field count (above one), then the most fields."""
    lines = text.splitlines()[:_SNIFF_LINES]
    sample = "\n".join(lines)
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
        except csv.Error:
            continue
        wide = [c for c in counts if c > 1]
        if not wide:
            continue
        modal = max(set(wide), key=lambda c: (wide.count(c), c))
        score = (wide.count(modal), modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best


@dataclass(frozen=True)
class _SheetMeta:
    name: str
    typ: str = "WorkSheet"


class CsvSheet:
    """The rows of a CSV file, answering ``to_python`` as calamine does."""

    def __init__(self, rows: list[list[Any]]) -> None:
        self.rows = rows

    def to_python(self, skip_empty_area: bool = False, nrows: int | None = None) -> list[list[Any]]:
        return self.rows if nrows is None else self.rows[:nrows]


class CsvWorkbook:
    """A CSV file as a workbook of one sheet named after the file."""

    def __init__(self, name: str, rows: list[list[Any]], delimiter: str, encoding: str) -> None:
        self.name = name
        self.sheet = CsvSheet(rows)
        self.delimiter = delimiter
        self.encoding = encoding

    @property
    def sheet_names(self) -> list[str]:
        return [self.name]

    @property
    def sheets_metadata(self) -> list[_SheetMeta]:
        return [_SheetMeta(self.name)]

    def get_sheet_by_name(self, name: str) -> CsvSheet:
        if name != self.name:
            raise KeyError(name)
        return self.sheet

    def close(self) -> None:
        """Nothing to release (the file was read whole)."""

    @property
    def semicolon_convention(self) -> bool:
        """True when the file uses the European CSV convention (';' between fields)."""
        return self.delimiter == ";"


def _problem(path: Path, message: str) -> Problem:
    return Problem("file", message, location=path.name)


def _check_bytes(path: Path, data: bytes, limits: SpreadsheetLimits) -> Problem | None:
    if not data.strip():
        return _problem(path, "The file is empty. Export the data again from your CRM.")
    head = data[:4096]
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return _problem(
            path,
            f"{path.name} is a workbook (Excel or OpenDocument), not a CSV text file, although its name ends in "
            f"'{path.suffix}'. Rename it to end in .xlsx (or save it again as .xlsx) and import that.",
        )
    if not utf16 and b"\x00" in head:
        return _problem(path, f"{path.name} is not a text file, so it is not a CSV export. Choose the exported file.")
    return None


def _rows(path: Path, text: str, delimiter: str, limits: SpreadsheetLimits) -> tuple[list[list[Any]], Problem | None]:
    rows: list[list[Any]] = []
    cells = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS:
                return [], _problem(
                    path,
                    f"Line {reader.line_num} of {path.name} has {len(row):,} fields, more than the {MAX_COLUMNS:,} "
                    "columns a sheet can hold. Is it really a CSV export?",
                )
            cells += len(row)
            if cells > limits.max_cells:
                return [], _problem(
                    path,
                    f"{path.name} has more than {limits.max_cells:,} cells, more than this planner reads. "
                    "Export fewer columns or a shorter period.",
                )
            rows.append(row)
    except csv.Error as exc:
        return [], _problem(
            path,
            f"Line {reader.line_num} of {path.name} cannot be read as CSV ({exc}). Export the data again, "
            "or open the file in Excel or LibreOffice and save it as .xlsx.",
        )
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        if len(row) < width:
            row.extend([""] * (width - len(row)))
    return rows, None


def open_csv(path: Path, limits: SpreadsheetLimits = DEFAULT_LIMITS) -> tuple[CsvWorkbook | None, Problem | None]:
    """The CSV file as a one-sheet workbook, or None with the problem."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            return None, _problem(
                path,
                f"The file is {size / (1024 * 1024):.0f} MB, more than the {limits.max_file_bytes // (1024 * 1024)} "
                "MB this planner reads. Export a shorter period or fewer columns.",
            )
        data = path.read_bytes()
    except OSError as exc:
        return None, _problem(path, f"The file cannot be opened ({exc.strerror or exc}). Check that you may read it.")
    refused = _check_bytes(path, data, limits)
    if refused is not None:
        return None, refused
    text, encoding = decode(data)
    del data
    if len(text) > limits.max_text_chars:
        return None, _problem(path, f"{path.name} holds more text than this planner reads. Export a shorter period.")
    declared = _SEP_LINE.match(text)
    if declared is not None:  # Excel's "sep=;" first line names the delimiter
        delimiter, text = declared.group(1), text[declared.end() :]
    else:
        delimiter = detect_delimiter(text)
    rows, problem = _rows(path, text, delimiter, limits)
    if problem is not None:
        return None, problem
    return CsvWorkbook(path.stem or path.name, rows, delimiter, encoding), None


def delimiter_name(delimiter: str) -> str:
    """ "semicolon" for ';' (for messages)."""
    return _DELIMITER_NAMES.get(delimiter, repr(delimiter))


__all__ = ["CSV_SUFFIXES", "CsvWorkbook", "decode", "delimiter_name", "detect_delimiter", "is_csv_path", "open_csv"]
