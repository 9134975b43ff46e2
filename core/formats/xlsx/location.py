"""Naming a place in a workbook the way a person finds it: columns by their
letters, cells by their A1 name, and a location as "file, sheet, cell"
(``plan.xlsx, sheet 'Funnel', cell B5``). Every message about a workbook
cell names it through :func:`location`."""

from __future__ import annotations

import re
from pathlib import PurePath


def column_name(col_index: int) -> str:
    """Excel column letters of a 0-based column index (0 -> A, 26 -> AA)."""
    n = col_index + 1
    letters = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def cell_name(row_index: int, col_index: int) -> str:
    """The A1 name of a 0-based (row, column): ``cell_name(4, 2) == "C5"``."""
    return f"{column_name(col_index)}{row_index + 1}"


_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def parse_ref(ref: str) -> tuple[int, int] | None:
    """0-based (row, col) of an A1 reference, None if it is not one."""
    match = _CELL_REF.match(ref.strip())
    if match is None:
        return None
    col = 0
    for ch in match.group(1).upper():
        col = col * 26 + (ord(ch) - ord("A") + 1)
    return int(match.group(2)) - 1, col - 1


def place(sheet: str, cell: str | tuple[int, int] | None = None, column: int | None = None) -> str:
    """Where in a workbook, for a message: ``sheet 'Leads', cell D57`` (a
    cell as its A1 name or a 0-based (row, column)), ``sheet 'Leads', column
    D``, or ``sheet 'Leads'``."""
    text = f"sheet '{sheet}'"
    if isinstance(cell, tuple):
        cell = cell_name(*cell)
    if cell is not None:
        return f"{text}, cell {cell}"
    if column is not None:
        return f"{text}, column {column_name(column)}"
    return text


def location(file: str | PurePath, sheet: str | None = None, cell: str | tuple[int, int] | None = None) -> str:
    """The location of a problem: ``leads.xlsx, sheet 'Leads', cell D57``,
    shortened to the file and sheet, or to the file alone, when the cell or
    the sheet is not known (``file`` a name or a path: its name is shown)."""
    name = PurePath(file).name
    return name if sheet is None else f"{name}, {place(sheet, cell)}"
