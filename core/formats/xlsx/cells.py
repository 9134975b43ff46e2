"""Cells of an ``.xlsx`` workbook that python-calamine reads as empty but
that are not: Excel error values (``#REF!``, ``#N/A``, ``#VALUE!``,
``#DIV/0!``, ...) and formulas saved without a value (openpyxl and other
libraries write the formula only; the value appears once Excel or
LibreOffice calculates and saves the file).

:func:`unreadable_cells` finds them by reading the worksheet XML itself,
streaming, with the same DTD-refusing defusedxml parser as
:mod:`core.formats.xlsx.safety` (call :func:`core.formats.xlsx.safety.check_spreadsheet_file`
first; it bounds what the parts expand to).
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

import defusedxml.ElementTree as defused_et
from defusedxml.common import DefusedXmlException

from core.formats.xlsx.xml_exact import CellCursor, attribute, local_name, parse_exactly

__all__ = ["NO_VALUE", "unreadable_cells"]

NO_VALUE = ""
"""The code of a formula cell saved without a value (errors have their text, e.g. ``#REF!``)."""

_TEXT_TYPES = ("str", "s", "inlineStr")


class _Cells(CellCursor):
    """Collects the error cells and the formulas without a value of one sheet."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[tuple[int, int], str] = {}
        self.formula = False
        self.has_value = False
        self.value: list[str] = []
        self.in_v = False

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = local_name(tag)
        if self.enter(name, attrib):
            self.formula = self.has_value = False
            self.value = []
        elif self.in_cell and name == "f":
            self.formula = True
        elif self.in_cell and name in ("v", "is"):
            self.has_value = True
            self.in_v = name == "v"

    def data(self, text: str) -> None:
        if self.in_v and sum(len(t) for t in self.value) < 64:
            self.value.append(text)

    def end(self, tag: str) -> None:
        name = local_name(tag)
        if name == "v":
            self.in_v = False
        elif name == "c":
            self.in_cell = False
            at = (max(self.row, 0), max(self.col, 0))
            value = "".join(self.value).strip()
            if self.cell_type == "e":
                self.found[at] = value or "#N/A"
            elif self.formula and (not self.has_value or (not value and self.cell_type not in _TEXT_TYPES)):
                self.found[at] = NO_VALUE


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the part holding it, from the workbook and its relationships."""
    names = {info.filename.lower().lstrip("/"): info.filename for info in zf.infolist()}
    workbook = next((names[n] for n in names if n.endswith("workbook.xml") and "/" in n), None)
    if workbook is None:
        return {}
    folder = posixpath.dirname(workbook)
    rels_name = posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels").lower()
    targets: dict[str, str] = {}
    if rels_name in names:
        for element in defused_et.fromstring(zf.read(names[rels_name])).iter():
            rid, target = attribute(element.attrib, "Id"), attribute(element.attrib, "Target")
            if rid and target:
                where = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                targets[rid] = posixpath.normpath(where).lower()
    parts: dict[str, str] = {}
    for element in defused_et.fromstring(zf.read(workbook)).iter():
        if local_name(element.tag) != "sheet":
            continue
        sheet, rid = attribute(element.attrib, "name"), attribute(element.attrib, "id")
        part = targets.get(rid or "")
        if sheet is not None and part in names:
            parts[sheet] = names[part]
    return parts


def unreadable_cells(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """For each sheet (by name) of the ``.xlsx`` at ``path``, its cells
    (0-based row, column) holding an Excel error (the error's text, e.g.
    ``#REF!``) or a formula saved without a value (:data:`NO_VALUE`).
    Sheets without any are left out; a file that is not a readable .xlsx
    gives ``{}`` (the caller's reader reports that)."""
    out: dict[str, dict[tuple[int, int], str]] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for sheet, part in _sheet_parts(zf).items():
                cells = _Cells()
                with zf.open(part) as stream:
                    parse_exactly(iter(lambda: stream.read(1 << 20), b""), cells)
                if cells.found:
                    out[sheet] = cells.found
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, defused_et.ParseError, DefusedXmlException):
        return {}
    return out
