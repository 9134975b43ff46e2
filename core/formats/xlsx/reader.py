"""The calamine adapter: reading a workbook with python-calamine, only
after :func:`core.formats.xlsx.safety.check_spreadsheet_file` accepted it.
Whatever calamine fails on (a damaged part, a password, a Rust panic) comes
back as a :class:`~core.model.plan.Problem` naming the file and sheet, never
as an exception reaching the user."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.formats.xlsx.limits import DEFAULT_LIMITS, SpreadsheetLimits
from core.formats.xlsx.location import location, place
from core.formats.xlsx.safety import check_spreadsheet_file
from core.model.plan import Problem


class SpreadsheetError(Exception):
    """A spreadsheet that cannot be read; carries the :class:`Problem`."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


CellValue = object


def _reraise_control(exc: BaseException) -> None:
    """Let interrupts and exits through; everything else is a read failure."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


def _read_failure(path: Path, exc: BaseException, sheet: str | None = None) -> Problem:
    """The Problem for a file python-calamine could not read (it raises
    CalamineError, PasswordError, or on a Rust panic a BaseException)."""
    import python_calamine

    where = location(path, sheet)
    part = "it" if sheet is None else place(sheet)
    if isinstance(exc, python_calamine.PasswordError):
        return Problem(
            "file",
            f"{path.name}: it is password-protected. Remove the password in Excel, save, and retry.",
            location=where,
        )
    detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
    return Problem(
        "file",
        f"{path.name}: {part} cannot be read ({detail}). "
        "Open the file in Excel or LibreOffice, save it again as .xlsx, and retry.",
        location=where,
    )


def _open(path: Path) -> Any:
    import python_calamine

    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except BaseException as exc:
        _reraise_control(exc)
        raise SpreadsheetError(_read_failure(path, exc)) from None


def sheet_names(path: Path) -> list[str]:
    """The names of the sheets, in workbook order (SpreadsheetError if unreadable)."""
    workbook = _open(Path(path))
    try:
        return list(workbook.sheet_names)
    finally:
        workbook.close()


def _normalise(value: object) -> object:
    """Cell values as plain Python: None for empty, float for numbers,
    str, bool, and datetime/date/time/timedelta for dates and durations."""
    if isinstance(value, str):
        return None if value == "" else value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    return value


def _sheet_rows(sheet: Any) -> list[list[object]]:
    """Rows of a calamine sheet with their true positions: row r, column c
    of the result is cell (r, c) of the sheet (calamine starts its range at
    the first filled cell; the rows and columns before it are padded)."""
    start = sheet.start
    if start is None:
        return []
    top, left = int(start[0]), int(start[1])
    body = sheet.to_python(skip_empty_area=False)
    # to_python(skip_empty_area=False) pads from A1 itself in this version; pad only if it did not
    if len(body) == sheet.height and top > 0:
        body = [[] for _ in range(top)] + body
    rows: list[list[object]] = []
    for raw in body:
        row = [_normalise(v) for v in raw]
        if left and len(raw) == sheet.width:
            row = [None] * left + row
        rows.append(row)
    return rows


def read_sheet_rows(path: Path, sheet: str) -> list[list[object]]:
    """Every row of ``sheet`` as a list of values, positioned so that
    ``rows[r][c]`` is the cell ``cell_name(r, c)`` (rows may be ragged;
    a missing entry is an empty cell). Empty cells are None, numbers float.

    Call :func:`check_spreadsheet_file` first. Raises SpreadsheetError
    naming the file and sheet when the sheet is missing or unreadable.
    """
    path = Path(path)
    workbook = _open(path)
    try:
        if sheet not in workbook.sheet_names:
            found = ", ".join(f"'{n}'" for n in workbook.sheet_names)
            raise SpreadsheetError(
                Problem(
                    "file",
                    f"{path.name}: there is no sheet '{sheet}'; the sheets are {found}.",
                    location=location(path, sheet),
                )
            )
        try:
            return _sheet_rows(workbook.get_sheet_by_name(sheet))
        except SpreadsheetError:
            raise
        except BaseException as exc:
            _reraise_control(exc)
            raise SpreadsheetError(_read_failure(path, exc, sheet)) from None
    finally:
        workbook.close()


@dataclass(frozen=True)
class Workbook:
    """Every sheet of a checked workbook, by name, in workbook order."""

    name: str
    sheets: dict[str, list[list[object]]] = field(default_factory=dict)

    @property
    def sheet_names(self) -> tuple[str, ...]:
        return tuple(self.sheets)


def read_workbook(path: Path, limits: SpreadsheetLimits = DEFAULT_LIMITS) -> tuple[Workbook | None, Problem | None]:
    """Check, then read every sheet: ``(workbook, None)`` or ``(None, problem)``.

    Whatever python-calamine fails on (a damaged part the check does not
    parse, a Rust panic) comes back as the problem, never as an exception."""
    path = Path(path)
    refused = check_spreadsheet_file(path, limits)
    if refused is not None:
        return None, refused
    try:
        workbook = _open(path)
    except SpreadsheetError as exc:
        return None, exc.problem
    current: str | None = None
    try:
        sheets: dict[str, list[list[object]]] = {}
        for index, sheet in enumerate(workbook.sheet_names):
            current = sheet
            sheets[sheet] = _sheet_rows(workbook.get_sheet_by_index(index))
    except BaseException as exc:
        _reraise_control(exc)
        return None, _read_failure(path, exc, current)
    finally:
        workbook.close()
    return Workbook(path.name, sheets), None


def is_date_like(value: object) -> bool:
    """True for the date/time values calamine returns for date-formatted cells."""
    return isinstance(value, (_dt.date, _dt.datetime, _dt.time, _dt.timedelta))
