"""Opening spreadsheet files someone else wrote, safely.

:func:`check_spreadsheet_file` looks at a file before any spreadsheet
library reads it and refuses, quickly and in bounded memory, whatever is not
a readable spreadsheet: a missing or empty file, a text or image file with a
spreadsheet extension, a password-protected workbook, a corrupt zip, a zip
bomb, an XML entity bomb, a sheet that would expand to too many cells or too
much text. Only then is the file read, with python-calamine, which reads
``.xlsx``/``.xlsm``, ``.xls`` and ``.ods``.

How the bounds are enforced (:class:`SpreadsheetLimits`):

* the file on disk is at most ``max_file_bytes``;
* zip containers: the declared uncompressed sizes must stay within
  ``max_uncompressed_bytes`` in total and each member within
  ``max_ratio`` x its compressed size (members under ``ratio_floor_bytes``
  are exempt); the same bounds are enforced again on the bytes actually
  decompressed (1 MB at a time), which also verifies every member's CRC;
* XML parts up to 1 MB (and every part of an OpenDocument file) are parsed
  with defusedxml, streaming, with a parser that builds no tree; any
  DOCTYPE (and so any entity declaration) is refused, and so is malformed
  XML;
* larger XML parts of an .xlsx/.xlsm are not parsed but searched, segment
  by segment, with ``bytes.count`` and compiled regular expressions (C
  speed, ~0.2 s for a 35 MB sheet): any ``<!DOCTYPE``/``<!ENTITY`` (any
  case) is refused; cells are counted by their ``<c r="`` token; every
  cell reference must lie inside the rectangle of the sheet's declared
  ``<dimension>``; inline text counts as the bytes that hold it and shared
  strings as the bytes between one ``<si`` and the next. Whenever the bytes
  are not in that plain form (UTF-16 or another encoding, a cell without a
  leading reference, a prefixed namespace, no dimension, ...) or a bound
  would be exceeded, the whole file is checked again exactly;
* the worksheets and shared strings are the parts under their usual names
  and any part a relationship (``*.rels``) calls a worksheet or the shared
  strings; they are counted (exactly, or by the upper bounds above): cells
  holding a value, the area of the rectangle they span (a reader
  allocates that whole rectangle), and the characters of text they expand
  to (a shared string counts once per cell that uses it). OpenDocument
  repeat counts are multiplied out.

The check does not load the file with python-calamine: the readers here
(:func:`read_workbook`, :func:`read_sheet_rows`, :func:`sheet_names`) and
the importer turn whatever calamine fails on into a Problem.

Every refusal is a :class:`~core.model.plan.Problem` with ``field="file"`` and
``location`` = the file's name, whose message says what is wrong and what
to do.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import posixpath
import re
import zipfile
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as defused_et
from defusedxml.common import DefusedXmlException

from core.model.plan import Problem

__all__ = [
    "SPREADSHEET_SUFFIXES",
    "SpreadsheetError",
    "SpreadsheetLimits",
    "Workbook",
    "cell_name",
    "check_spreadsheet_file",
    "column_name",
    "read_sheet_rows",
    "read_workbook",
    "sheet_names",
]

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_CHUNK = 1 << 20
_ENCRYPTION_MARKERS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))


@dataclass(frozen=True)
class SpreadsheetLimits:
    """Bounds on what a spreadsheet may expand to (defaults suit a laptop)."""

    max_file_bytes: int = 100 * 1024 * 1024
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 10 * 1024 * 1024
    max_cells: int = 5_000_000
    max_text_chars: int = 100_000_000
    max_members: int = 10_000


DEFAULT_LIMITS = SpreadsheetLimits()


class SpreadsheetError(Exception):
    """A spreadsheet that cannot be read; carries the :class:`Problem`."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


class _Refuse(Exception):
    """Internal: stop checking with this message."""


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


def _parse_ref(ref: str) -> tuple[int, int] | None:
    """0-based (row, col) of an A1 reference, None if it is not one."""
    match = _CELL_REF.match(ref.strip())
    if match is None:
        return None
    col = 0
    for ch in match.group(1).upper():
        col = col * 26 + (ord(ch) - ord("A") + 1)
    return int(match.group(2)) - 1, col - 1


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(attrib: dict[str, str], name: str) -> str | None:
    """An attribute by local name, whatever its namespace."""
    if name in attrib:
        return attrib[name]
    for key, value in attrib.items():
        if _local(key) == name:
            return value
    return None


class _Budget:
    """The cell and text budget shared by every sheet of one workbook."""

    def __init__(self, limits: SpreadsheetLimits) -> None:
        self.limits = limits
        self.cells = 0
        self.text = 0

    def add_cells(self, count: int, text: int, where: str) -> None:
        self.cells += count
        self.text += text
        if self.cells > self.limits.max_cells:
            raise _Refuse(
                f"it holds more than {self.limits.max_cells:,} filled cells{where}, more than this planner reads. "
                "Copy the part you need into a new, smaller workbook."
            )
        if self.text > self.limits.max_text_chars:
            raise _Refuse(
                f"its cells expand to more than {self.limits.max_text_chars:,} characters of text{where}. "
                "Copy the part you need into a new, smaller workbook."
            )


class _Area:
    """The rectangle spanned by the filled cells of one sheet."""

    def __init__(self, limits: SpreadsheetLimits, sheet: str) -> None:
        self.limits = limits
        self.sheet = sheet
        self.min_row = self.min_col = 1 << 62
        self.max_row = self.max_col = -1

    def add(self, row0: int, row1: int, col0: int, col1: int) -> None:
        """Cells filled in rows row0..row1 and columns col0..col1 (inclusive)."""
        self.min_row = min(self.min_row, row0)
        self.max_row = max(self.max_row, row1)
        self.min_col = min(self.min_col, col0)
        self.max_col = max(self.max_col, col1)
        area = (self.max_row - self.min_row + 1) * (self.max_col - self.min_col + 1)
        if area > self.limits.max_cells:
            raise _Refuse(
                f"a sheet ({self.sheet}) spans {cell_name(self.min_row, self.min_col)}:"
                f"{cell_name(self.max_row, self.max_col)}, more than {self.limits.max_cells:,} cells. "
                "Delete the far-away cells or copy the table you need into a new workbook."
            )


class _NullTarget:
    """Parser target that keeps nothing (the XML is only checked)."""

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        pass

    def end(self, tag: str) -> None:
        pass

    def data(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


class _SharedStrings(_NullTarget):
    """Lengths of the shared strings, in order."""

    def __init__(self) -> None:
        self.lengths: list[int] = []
        self._in_si = 0
        self._in_t = 0
        self._current = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _local(tag)
        if name == "si":
            self._in_si += 1
            self._current = 0
        elif name == "t" and self._in_si:
            self._in_t += 1

    def end(self, tag: str) -> None:
        name = _local(tag)
        if name == "si":
            self._in_si -= 1
            self.lengths.append(self._current)
        elif name == "t" and self._in_t:
            self._in_t -= 1

    def data(self, text: str) -> None:
        if self._in_t:
            self._current += len(text)


class _XlsxSheet(_NullTarget):
    """Counts the filled cells of an OOXML worksheet, their area and text."""

    def __init__(self, budget: _Budget, area: _Area, shared: Sequence[int], where: str) -> None:
        self.budget = budget
        self.area = area
        self.shared = shared
        self.where = where
        self.row = -1
        self.col = -1
        self.in_cell = False
        self.cell_type = ""
        self.cell_filled = False
        self.value_text: list[str] = []
        self.in_v = False
        self.inline_len = 0
        self.in_is = False

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _local(tag)
        if name == "row":
            number = _attr(attrib, "r")
            self.row = int(number) - 1 if number and number.isdigit() else self.row + 1
            self.col = -1
        elif name == "c":
            at = _parse_ref(_attr(attrib, "r") or "")
            if at is not None:
                self.row, self.col = at
            else:
                self.col += 1
            self.in_cell = True
            self.cell_type = _attr(attrib, "t") or ""
            self.cell_filled = False
            self.value_text = []
            self.inline_len = 0
        elif self.in_cell and name == "v":
            self.in_v = True
            self.cell_filled = True
        elif self.in_cell and name == "is":
            self.in_is = True
            self.cell_filled = True

    def data(self, text: str) -> None:
        if self.in_v:
            if sum(len(t) for t in self.value_text) < 64:
                self.value_text.append(text)
            if self.cell_type in ("str", "inlineStr"):
                self.inline_len += len(text)
        elif self.in_is:
            self.inline_len += len(text)

    def end(self, tag: str) -> None:
        name = _local(tag)
        if name == "v":
            self.in_v = False
        elif name == "is":
            self.in_is = False
        elif name == "c":
            self.in_cell = False
            if not self.cell_filled:
                return
            text = self.inline_len
            if self.cell_type == "s":
                raw = "".join(self.value_text).strip()
                if raw.isdigit() and int(raw) < len(self.shared):
                    text = self.shared[int(raw)]
            row = max(self.row, 0)
            col = max(self.col, 0)
            self.area.add(row, row, col, col)
            self.budget.add_cells(1, text, self.where)


def _repeat(attrib: dict[str, str], name: str) -> int:
    raw = _attr(attrib, name)
    if raw is None:
        return 1
    try:
        value = int(raw)
    except ValueError:
        raise _Refuse(f"it holds a damaged repeat count ('{raw[:20]}').") from None
    return max(value, 1)


class _OdsContent(_NullTarget):
    """Counts the filled cells of OpenDocument tables, repeats multiplied out."""

    def __init__(self, budget: _Budget, limits: SpreadsheetLimits) -> None:
        self.budget = budget
        self.limits = limits
        self.area: _Area | None = None
        self.row = 0
        self.rows_repeated = 1
        self.col = 0
        self.cell_depth = 0
        self.cell_repeat = 1
        self.cell_filled = False
        self.cell_text = 0
        self.table_depth = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _local(tag)
        if name == "table":
            self.table_depth += 1
            if self.table_depth == 1:
                self.area = _Area(self.limits, _attr(attrib, "name") or "?")
                self.row = 0
        elif self.table_depth != 1:
            if self.cell_depth and name == "p":
                self.cell_filled = True
            return
        elif name == "table-row" and not self.cell_depth:
            self.rows_repeated = _repeat(attrib, "number-rows-repeated")
            self.col = 0
        elif name in ("table-cell", "covered-table-cell") and not self.cell_depth:
            self.cell_depth = 1
            self.cell_repeat = _repeat(attrib, "number-columns-repeated")
            self.cell_filled = _attr(attrib, "value-type") is not None
            self.cell_text = 0
        elif self.cell_depth:
            self.cell_depth += 1
            if name == "p":
                self.cell_filled = True

    def data(self, text: str) -> None:
        if self.cell_depth:
            self.cell_text += len(text)

    def end(self, tag: str) -> None:
        name = _local(tag)
        if name == "table":
            self.table_depth -= 1
            return
        if self.table_depth != 1:
            return
        if self.cell_depth:
            self.cell_depth -= 1
            if self.cell_depth:
                return
            if self.cell_filled and self.area is not None:
                rows, cols = self.rows_repeated, self.cell_repeat
                self.area.add(self.row, self.row + rows - 1, self.col, self.col + cols - 1)
                self.budget.add_cells(rows * cols, rows * cols * self.cell_text, f" (sheet {self.area.sheet})")
            self.col += self.cell_repeat
        elif name == "table-row":
            self.row += self.rows_repeated


def _is_xml_name(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels", ".vml"))


def _member_chunks(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: SpreadsheetLimits, used: list[int]
) -> Iterator[bytes]:
    """The decompressed bytes of one member in 1 MB chunks, enforcing the
    size bounds on the bytes actually produced (zipfile checks the CRC when
    the member has been read to its end)."""
    member_cap = max(limits.ratio_floor_bytes, int(limits.max_ratio * max(info.compress_size, 1)))
    read = 0
    with zf.open(info) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                return
            read += len(chunk)
            used[0] += len(chunk)
            if used[0] > limits.max_uncompressed_bytes:
                raise _Refuse(_bomb_message(limits))
            if read > member_cap:
                raise _Refuse(
                    f"its part '{info.filename}' expands more than {limits.max_ratio:g} times "
                    "(a 'zip bomb'). Open it in Excel and save it again, or ask for the original."
                )
            yield chunk


def _looks_xml(name: str, first: bytes) -> bool:
    head = first.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    return _is_xml_name(name) or head.startswith(b"<")


def _parse_exactly(chunks: Iterable[bytes], target: _NullTarget) -> None:
    """Feed XML to a DTD-refusing streaming defusedxml parser (no tree kept)."""
    parser: Any = defused_et.DefusedXMLParser(
        target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    for chunk in chunks:
        parser.feed(chunk)
    parser.close()


def _stream_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    limits: SpreadsheetLimits,
    used: list[int],
    target: _NullTarget | None,
) -> None:
    """Decompress one member in chunks, enforcing the size bounds (and so
    checking its CRC); feed XML parts to a DTD-refusing streaming parser."""
    chunks = _member_chunks(zf, info, limits, used)
    first = next(chunks, b"")
    if not first:
        return
    if target is None and _looks_xml(info.filename, first):
        target = _NullTarget()
    if target is None:
        for _ in chunks:
            pass
        return
    _parse_exactly(itertools.chain((first,), chunks), target)


def _bomb_message(limits: SpreadsheetLimits) -> str:
    return (
        f"it expands to more than {limits.max_uncompressed_bytes // (1024 * 1024)} MB when unpacked "
        "(a 'zip bomb' or a far too large workbook). Copy the part you need into a new workbook."
    )


def _zip_preflight(zf: zipfile.ZipFile, limits: SpreadsheetLimits) -> tuple[list[zipfile.ZipInfo], bool, bool]:
    """The members, and whether this is OpenDocument / OOXML; refuses
    duplicate or encrypted members and sizes declared beyond the bounds."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise _Refuse(f"it has more than {limits.max_members:,} parts; it is not an ordinary workbook.")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise _Refuse(
            "it is damaged: the same part appears twice inside the file. "
            "Open it in Excel or LibreOffice, save it again, and retry."
        )
    lowered = {n.lower().lstrip("/") for n in names}
    is_ods = "content.xml" in lowered and "mimetype" in lowered
    is_ooxml = "[content_types].xml" in lowered
    if not (is_ods or is_ooxml):
        raise _Refuse(
            "it is a zip archive but not a spreadsheet (no workbook inside). Choose the .xlsx or .ods file itself."
        )
    if any(i.flag_bits & 0x1 for i in infos):
        raise _Refuse("it is password-protected. Remove the password in Excel (File > Info), save, and retry.")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_uncompressed_bytes:
        raise _Refuse(_bomb_message(limits))
    for info in infos:
        if info.file_size > max(limits.ratio_floor_bytes, limits.max_ratio * max(info.compress_size, 1)):
            raise _Refuse(
                f"its part '{info.filename}' expands more than {limits.max_ratio:g} times "
                "(a 'zip bomb'). Open it in Excel and save it again, or ask for the original."
            )
    return infos, is_ods, is_ooxml


@dataclass(frozen=True)
class _Roles:
    """Lower-cased names of the parts a relationship calls a worksheet (or
    macro/dialog sheet) and the shared strings: a reader follows the
    relationships wherever they point, so these are counted even when they
    are not at the usual ``xl/worksheets/`` and ``xl/sharedStrings.xml``."""

    sheets: frozenset[str] = frozenset()
    shared: frozenset[str] = frozenset()

    def is_sheet(self, lname: str) -> bool:
        return ("worksheets/" in lname and lname.endswith(".xml")) or lname.lstrip("/") in self.sheets

    def is_shared(self, lname: str) -> bool:
        return lname.endswith("sharedstrings.xml") or lname.lstrip("/") in self.shared


def _roles(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: SpreadsheetLimits) -> _Roles:
    """The sheet and shared-strings parts named by the relationship parts
    (each parsed with defusedxml; a damaged one is refused)."""
    sheets: set[str] = set()
    shared: set[str] = set()
    for info in infos:
        lname = info.filename.lower().lstrip("/")
        if not lname.endswith(".rels") or info.file_size > _SMALL_PART or info.is_dir():
            continue
        data = b"".join(_member_chunks(zf, info, limits, [0]))
        if not data.strip():
            continue
        folder = posixpath.dirname(posixpath.dirname(lname))
        for element in defused_et.fromstring(data).iter():
            kind = (_attr(element.attrib, "Type") or "").lower()
            target = _attr(element.attrib, "Target") or ""
            if (_attr(element.attrib, "TargetMode") or "").lower() == "external" or not target:
                continue
            where = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            name = posixpath.normpath(where).lower().lstrip("/")
            if kind.endswith("sharedstrings"):
                shared.add(name)
            elif "sheet" in kind and "chartsheet" not in kind:
                sheets.add(name)
    return _Roles(frozenset(sheets), frozenset(shared))


def _shared_first(infos: list[zipfile.ZipInfo], roles: _Roles) -> list[zipfile.ZipInfo]:
    """Shared strings first: sheet text is counted through them."""
    return sorted(infos, key=lambda i: 0 if roles.is_shared(i.filename.lower()) else 1)


def _longest_each(old: Sequence[int], new: Sequence[int]) -> Sequence[int]:
    """Two shared-string tables (only a doctored file has two): the longer
    length at each index, so either table's use is bounded."""
    if not old:
        return new
    size = max(len(old), len(new))
    return [max(old[i] if i < len(old) else 0, new[i] if i < len(new) else 0) for i in range(size)]


def _check_zip_exactly(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: SpreadsheetLimits, is_ooxml: bool, is_ods: bool
) -> None:
    """The exact check: every XML part parsed with defusedxml, every cell
    counted where it is (slow on large sheets: one Python call per element)."""
    budget = _Budget(limits)
    used = [0]
    shared: Sequence[int] = []
    roles = _roles(zf, infos, limits) if is_ooxml else _Roles()
    for info in _shared_first(infos, roles):
        if info.is_dir():
            continue
        lname = info.filename.lower()
        target: _NullTarget | None = None
        sst: _SharedStrings | None = None
        if is_ooxml and roles.is_shared(lname):
            sst = _SharedStrings()
            target = sst
        elif is_ooxml and roles.is_sheet(lname):
            sheet = info.filename.rsplit("/", 1)[-1]
            target = _XlsxSheet(budget, _Area(limits, sheet), shared, f" (part {sheet})")
        elif is_ods and lname.lstrip("/") == "content.xml":
            target = _OdsContent(budget, limits)
        _stream_member(zf, info, limits, used, target)
        if sst is not None:
            shared = _longest_each(shared, sst.lengths)


# -- the fast scan of OOXML workbooks ------------------------------------------
#
# Large parts are not parsed; their decompressed bytes are searched, a
# segment at a time, with bytes.count and compiled regular expressions
# (C speed). Each segment ends just before a '<', so no tag is ever split
# between two segments and nothing is counted twice. The scan proves upper
# bounds only where the bytes are in the plain form Excel, LibreOffice,
# openpyxl and xlsxwriter write (UTF-8, every cell `<c r="A1" ...>` with a
# reference, a `<dimension>`); anywhere else it gives up (_Uncertain) and
# the exact check decides. Counts that exceed a limit are also handed to
# the exact check, so that a refusal always reports the exact figure.

_SMALL_PART = 1 << 20  # XML parts up to this (declared) size are parsed exactly: cheap
_MAX_CARRY = 8 << 20  # a single tag or text longer than this is left to the exact check

_DTD = re.compile(rb"<!(?i:doctype|entity|element|attlist|notation)")
_PREFIXED_CELL = re.compile(rb":c[\s/>]")  # '<x:c ...': a cell in a prefixed namespace
_PREFIXED_SI = re.compile(rb"<[\w.-]+:si[\s/>]")
_ODD_TYPE = re.compile(rb"<c\s[^>]*?[\s:\"']t(?:\s*=\s*'|\s+=|=\s)")
_SHARED_CELL = re.compile(rb't="s"[^>]*><v>([0-9]{1,9})</v>')
_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]{1,3})([1-9][0-9]{0,6})(?::([A-Z]{1,3})([1-9][0-9]{0,6}))?"')
_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_PLAIN_ENCODINGS = (b"utf-8", b"utf8", b"us-ascii", b"ascii")
_DTD_MESSAGE = (
    "it contains an XML declaration (DOCTYPE/ENTITY) that spreadsheets never need; "
    "it may be an 'XML bomb' and was not opened. Ask for the original file or re-save it in Excel."
)


class _Uncertain(Exception):
    """Internal: the fast scan cannot vouch for this file; check it exactly."""


class _BoundBudget(_Budget):
    """The workbook budget fed with upper bounds: exceeding it is not yet a refusal."""

    def add_cells(self, count: int, text: int, where: str) -> None:
        try:
            super().add_cells(count, text, where)
        except _Refuse:
            raise _Uncertain from None

    def room_for_text(self) -> int:
        return self.limits.max_text_chars - self.text


def _plain_text(first: bytes) -> bool:
    """True when a part is ASCII-compatible (UTF-8 or ASCII): searching its
    bytes finds every tag. UTF-16 and other declared encodings are not."""
    body = first[3:] if first.startswith(b"\xef\xbb\xbf") else first
    if body[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in body[:4]:
        return False
    declared = _ENCODING.match(body[:400])
    return declared is None or declared.group(1).lower() in _PLAIN_ENCODINGS


def _segments(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, int]]:
    """The bytes again as ``(buffer, end)``: ``buffer[:end]`` is the next
    segment, cut just before a '<' so that no tag is ever split (searched
    in place, with ``end`` as the bound, to save copying)."""
    carry = b""
    for chunk in chunks:
        buf = carry + chunk if carry else chunk
        cut = buf.rfind(b"<")
        if cut <= 0:
            if len(buf) > _MAX_CARRY:
                raise _Uncertain
            carry = buf
            continue
        yield buf, cut
        carry = buf[cut:]
    if carry:
        yield carry, len(carry)


def _refuse_dtd(segment: bytes, end: int) -> None:
    if _DTD.search(segment, 0, end) is not None:
        raise _Refuse(_DTD_MESSAGE)


def _scan_shared_strings(segments: Iterable[tuple[bytes, int]], limits: SpreadsheetLimits) -> array[int]:
    """Upper bounds of the shared strings' lengths, in order: the bytes from
    one `<si` to the next (markup included, so never fewer than the
    characters a reader makes of them)."""
    lengths: array[int] = array("q")
    for buf, end in segments:
        _refuse_dtd(buf, end)
        segment = buf[:end]
        if b"<!--" in segment or b"<![CDATA[" in segment:
            raise _Uncertain  # a '<si' inside them would shift every index
        if b":si" in segment and _PREFIXED_SI.search(segment) is not None:
            raise _Uncertain
        opened = segment.count(b"<si")
        if opened != segment.count(b"<si>") + segment.count(b"<si ") + segment.count(b"<si/"):
            raise _Uncertain
        pieces = segment.split(b"<si")
        if lengths:
            lengths[-1] += len(pieces[0])
        lengths.extend(map(len, pieces[1:]))
        if len(lengths) > limits.max_cells + 1:
            raise _Uncertain
    return lengths


def _letters_at_most(letters: bytes) -> bytes:
    """A regex matching the column letters A..``letters``."""
    k = len(letters)
    alternatives = [b"[A-Z]{1,%d}" % (k - 1)] if k > 1 else []
    for i in range(k):
        if letters[i] > ord("A"):
            alternatives.append(letters[:i] + b"[A-%c]" % (letters[i] - 1) + (b"[A-Z]{%d}" % (k - i - 1)))
    alternatives.append(letters)
    return b"(?:" + b"|".join(alternatives) + b")"


def _number_at_most(digits: bytes) -> bytes:
    """A regex matching the row numbers 1..``digits`` (no leading zeros)."""
    k = len(digits)
    alternatives = [b"[1-9][0-9]{0,%d}" % (k - 2)] if k > 1 else []
    for i in range(k):
        low = ord("1") if i == 0 else ord("0")
        if digits[i] > low:
            alternatives.append(digits[:i] + b"[%c-%c]" % (low, digits[i] - 1) + (b"[0-9]{%d}" % (k - i - 1)))
    alternatives.append(digits)
    return b"(?:" + b"|".join(alternatives) + b")"


def _column_index(letters: bytes) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + (ch - ord("A") + 1)
    return col - 1


def _stray_cell(segment: bytes, end: int, limits: SpreadsheetLimits) -> re.Pattern[bytes]:
    """A regex finding a cell that does not start ``<c r="A1"`` with A1
    inside the rectangle from A1 to the last cell of the sheet's declared
    dimension (read from the sheet's first segment), when that rectangle is
    within the cell limit; _Uncertain otherwise."""
    found = _DIMENSION.search(segment, 0, end)
    if found is None:
        raise _Uncertain
    letters, digits = (found.group(3), found.group(4)) if found.group(3) else (found.group(1), found.group(2))
    if (_column_index(letters) + 1) * int(digits) > limits.max_cells:
        raise _Uncertain  # the exact check decides whether the cells really span that far
    inside = _letters_at_most(letters) + _number_at_most(digits)
    return re.compile(b'<c(?! r="' + inside + b'")(?=[\\s/>])')


def _scan_sheet(segments: Iterable[tuple[bytes, int]], budget: _BoundBudget, shared: Sequence[int], where: str) -> None:
    """Upper bounds of one large worksheet part's cells, area and text:
    every cell is ``<c r="..."`` inside the declared dimension (else
    _Uncertain), so the cells are counted by that token, the area is at
    most the dimension's, inline text at most the bytes holding it, and
    shared-string text at most cells x the longest shared string, or, when
    that is too many, the sum over the cells' actual indices."""
    stray: re.Pattern[bytes] | None = None
    longest = max(shared, default=0)
    for buf, end in segments:
        _refuse_dtd(buf, end)
        if stray is None:
            stray = _stray_cell(buf, end, budget.limits)
        if stray.search(buf, 0, end) is not None:
            raise _Uncertain
        if _PREFIXED_CELL.search(buf, 0, end) is not None:
            raise _Uncertain
        cells = buf.count(b'<c r="', 0, end)
        text = end  # inline text is at most the bytes that hold it
        shared_text = cells * longest
        if text + shared_text > budget.room_for_text():
            if not any(buf.find(mark, 0, end) >= 0 for mark in (b"inlineStr", b"is>", b'"str"', b"'str'")):
                text = 0
            if shared_text and text + shared_text > budget.room_for_text():
                if _ODD_TYPE.search(buf, 0, end) is not None:
                    raise _Uncertain
                indices = _SHARED_CELL.findall(buf, 0, end)
                if len(indices) != buf.count(b't="s"', 0, end):
                    raise _Uncertain
                count = len(shared)
                shared_text = sum(shared[i] for i in map(int, indices) if i < count)
        text += shared_text
        budget.add_cells(cells, text, where)


def _check_ooxml_fast(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: SpreadsheetLimits) -> None:
    """The fast check of an OOXML workbook (see the comment above);
    raises _Uncertain where only the exact check can decide."""
    budget = _BoundBudget(limits)
    used = [0]
    shared: Sequence[int] = []
    roles = _roles(zf, infos, limits)
    for info in _shared_first(infos, roles):
        if info.is_dir():
            continue
        lname = info.filename.lower()
        is_shared = roles.is_shared(lname)
        is_sheet = roles.is_sheet(lname)
        chunks = _member_chunks(zf, info, limits, used)
        first = next(chunks, b"")
        if not first:
            continue
        if not _looks_xml(info.filename, first):
            for _ in chunks:
                pass
            continue
        whole = itertools.chain((first,), chunks)
        sheet = info.filename.rsplit("/", 1)[-1]
        if info.file_size <= _SMALL_PART:
            if is_shared:
                sst = _SharedStrings()
                _parse_exactly(whole, sst)
                shared = _longest_each(shared, sst.lengths)
            elif is_sheet:
                _parse_exactly(whole, _XlsxSheet(budget, _Area(limits, sheet), shared, f" (part {sheet})"))
            else:
                _parse_exactly(whole, _NullTarget())
            continue
        if not _plain_text(first):
            raise _Uncertain
        if is_shared:
            shared = _longest_each(shared, _scan_shared_strings(_segments(whole), limits))
        elif is_sheet:
            _scan_sheet(_segments(whole), budget, shared, f" (part {sheet})")
        else:
            for buf, end in _segments(whole):
                _refuse_dtd(buf, end)


def _check_zip(path: Path, limits: SpreadsheetLimits) -> None:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise _Refuse(
            "it is damaged (the zip container is broken or cut short). "
            "Open it in Excel or LibreOffice, save it again, and retry."
        ) from None
    with zf:
        infos, is_ods, is_ooxml = _zip_preflight(zf, limits)
        if is_ooxml and not is_ods:
            try:
                _check_ooxml_fast(zf, infos, limits)
                return
            except _Uncertain:
                pass
        _check_zip_exactly(zf, infos, limits, is_ooxml, is_ods)


def _check_cfb(path: Path) -> None:
    """An OLE2/CFB container: an old .xls, or an encrypted OOXML workbook."""
    tail = b""
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            window = tail + chunk
            if any(marker in window for marker in _ENCRYPTION_MARKERS):
                raise _Refuse(
                    "it is password-protected (encrypted). Open it in Excel, remove the password "
                    "(File > Info > Protect Workbook), save, and retry."
                )
            tail = window[-64:]


def check_spreadsheet_file(path: Path, limits: SpreadsheetLimits = DEFAULT_LIMITS) -> Problem | None:
    """None when ``path`` is a spreadsheet that can be read safely, else the
    :class:`Problem` saying what is wrong and what to do.

    Accepts ``.xlsx``/``.xlsm`` and ``.ods`` (zip containers, checked member
    by member) and ``.xls`` (an unencrypted OLE2 container). Runs in memory
    bounded by ``limits`` (plus buffers of a few MB), whatever the file holds.
    """
    path = Path(path)
    name = path.name

    def problem(message: str) -> Problem:
        if message.startswith("its "):
            message = "The file's " + message[4:]
        elif message.startswith("it "):
            message = "The file " + message[3:]
        else:
            message = message[0].upper() + message[1:]
        return Problem("file", message, location=name)

    try:
        size = path.stat().st_size
        if path.is_dir():
            return problem("this is a folder, not a spreadsheet file. Choose the file inside it.")
        with path.open("rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        return problem("the file does not exist (moved or renamed?). Choose it again.")
    except OSError as exc:
        return problem(f"the file cannot be opened ({exc.strerror or exc}). Check that you may read it.")
    if size == 0 or not head:
        return problem("the file is empty (0 bytes). Choose the saved workbook, or save it again from Excel.")
    if size > limits.max_file_bytes:
        return problem(
            f"the file is {size / (1024 * 1024):.0f} MB, more than the {limits.max_file_bytes // (1024 * 1024)} MB "
            "this planner reads. Copy the part you need into a new workbook."
        )
    suffix = path.suffix.lower()
    try:
        if head.startswith(_ZIP_MAGICS):
            _check_zip(path, limits)
        elif head.startswith(_CFB_MAGIC):
            _check_cfb(path)
        else:
            kind = _describe_bytes(head)
            return problem(
                f"this is not a spreadsheet ({kind}), although its name ends in '{suffix or '(nothing)'}'. "
                "Choose an Excel (.xlsx, .xls) or OpenDocument (.ods) workbook."
            )
    except _Refuse as refusal:
        return problem(str(refusal))
    except (DefusedXmlException, defused_et.ParseError) as exc:
        if isinstance(exc, DefusedXmlException):
            return problem(_DTD_MESSAGE)
        return problem(
            f"it is damaged (malformed XML: {str(exc)[:80]}). Open it in Excel or LibreOffice, save it again, and retry."
        )
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, NotImplementedError):
        return problem(
            "it is damaged (a part fails its checksum or is cut short). "
            "Open it in Excel or LibreOffice, save it again, and retry."
        )
    except OSError as exc:
        return problem(f"the file cannot be read ({exc.strerror or exc}).")
    except (RecursionError, MemoryError, ValueError):
        return problem("it is damaged or too complex to read safely. Save it again from Excel and retry.")
    return None


def _describe_bytes(head: bytes) -> str:
    if head.startswith(b"\x89PNG"):
        return "a PNG image"
    if head.startswith(b"\xff\xd8\xff"):
        return "a JPEG image"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.lstrip().startswith(b"<"):
        return "an XML or HTML text"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "an unknown kind of file"
    return "a text file; for a .csv, open it in Excel and save it as .xlsx"


# -- reading (only after check_spreadsheet_file accepted the file) -----------

CellValue = object


def _reraise_control(exc: BaseException) -> None:
    """Let interrupts and exits through; everything else is a read failure."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


def _read_failure(path: Path, exc: BaseException, sheet: str | None = None) -> Problem:
    """The Problem for a file python-calamine could not read (it raises
    CalamineError, PasswordError, or on a Rust panic a BaseException)."""
    import python_calamine

    location = path.name if sheet is None else f"{path.name}, sheet '{sheet}'"
    part = "it" if sheet is None else f"sheet '{sheet}'"
    if isinstance(exc, python_calamine.PasswordError):
        return Problem(
            "file",
            f"{path.name}: it is password-protected. Remove the password in Excel, save, and retry.",
            location=location,
        )
    detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
    return Problem(
        "file",
        f"{path.name}: {part} cannot be read ({detail}). "
        "Open the file in Excel or LibreOffice, save it again as .xlsx, and retry.",
        location=location,
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
                    location=f"{path.name}, sheet '{sheet}'",
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
