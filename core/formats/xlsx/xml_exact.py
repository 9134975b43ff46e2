"""The exact safety check of a spreadsheet's zip container: every member
decompressed a megabyte at a time within the size and ratio bounds, and
every XML part parsed streaming with defusedxml (no DTD, no tree), counting
the cells, the area they span and the text they expand to."""

from __future__ import annotations

import itertools
import posixpath
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import defusedxml.ElementTree as defused_et

from core.formats.xlsx.limits import CHUNK, SMALL_PART, Refuse, SpreadsheetLimits
from core.formats.xlsx.location import cell_name, parse_ref


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def attribute(attrib: dict[str, str], name: str) -> str | None:
    """An attribute by local name, whatever its namespace."""
    if name in attrib:
        return attrib[name]
    for key, value in attrib.items():
        if local_name(key) == name:
            return value
    return None


class Budget:
    """The cell and text budget shared by every sheet of one workbook."""

    def __init__(self, limits: SpreadsheetLimits) -> None:
        self.limits = limits
        self.cells = 0
        self.text = 0

    def add_cells(self, count: int, text: int, where: str) -> None:
        self.cells += count
        self.text += text
        if self.cells > self.limits.max_cells:
            raise Refuse(
                f"it holds more than {self.limits.max_cells:,} filled cells{where}, more than this planner reads. "
                "Copy the part you need into a new, smaller workbook."
            )
        if self.text > self.limits.max_text_chars:
            raise Refuse(
                f"its cells expand to more than {self.limits.max_text_chars:,} characters of text{where}. "
                "Copy the part you need into a new, smaller workbook."
            )


class Area:
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
            raise Refuse(
                f"a sheet ({self.sheet}) spans {cell_name(self.min_row, self.min_col)}:"
                f"{cell_name(self.max_row, self.max_col)}, more than {self.limits.max_cells:,} cells. "
                "Delete the far-away cells or copy the table you need into a new workbook."
            )


class NullTarget:
    """Parser target that keeps nothing (the XML is only checked)."""

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        pass

    def end(self, tag: str) -> None:
        pass

    def data(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


class CellCursor(NullTarget):
    """Where the parser is in a worksheet: ``row`` and ``col`` (0-based) of
    the current cell, from each ``<row r>`` and ``<c r>`` or, where those
    leave out ``r`` (as some writers do), by counting; ``cell_type`` is the
    cell's ``t``. Subclasses call :meth:`enter` from ``start``."""

    def __init__(self) -> None:
        self.row = -1
        self.col = -1
        self.in_cell = False
        self.cell_type = ""

    def enter(self, name: str, attrib: dict[str, str]) -> bool:
        """Follow a row or cell start; True when a cell starts."""
        if name == "row":
            number = attribute(attrib, "r")
            self.row = int(number) - 1 if number and number.isdigit() else self.row + 1
            self.col = -1
            return False
        if name != "c":
            return False
        at = parse_ref(attribute(attrib, "r") or "")
        if at is not None:
            self.row, self.col = at
        else:
            self.col += 1
        self.in_cell = True
        self.cell_type = attribute(attrib, "t") or ""
        return True


class SharedStrings(NullTarget):
    """Lengths of the shared strings, in order."""

    def __init__(self) -> None:
        self.lengths: list[int] = []
        self._in_si = 0
        self._in_t = 0
        self._current = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = local_name(tag)
        if name == "si":
            self._in_si += 1
            self._current = 0
        elif name == "t" and self._in_si:
            self._in_t += 1

    def end(self, tag: str) -> None:
        name = local_name(tag)
        if name == "si":
            self._in_si -= 1
            self.lengths.append(self._current)
        elif name == "t" and self._in_t:
            self._in_t -= 1

    def data(self, text: str) -> None:
        if self._in_t:
            self._current += len(text)


class XlsxSheet(CellCursor):
    """Counts the filled cells of an OOXML worksheet, their area and text."""

    def __init__(self, budget: Budget, area: Area, shared: Sequence[int], where: str) -> None:
        super().__init__()
        self.budget = budget
        self.area = area
        self.shared = shared
        self.where = where
        self.cell_filled = False
        self.value_text: list[str] = []
        self.in_v = False
        self.inline_len = 0
        self.in_is = False

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = local_name(tag)
        if self.enter(name, attrib):
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
        name = local_name(tag)
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
    raw = attribute(attrib, name)
    if raw is None:
        return 1
    try:
        value = int(raw)
    except ValueError:
        raise Refuse(f"it holds a damaged repeat count ('{raw[:20]}').") from None
    return max(value, 1)


class _OdsContent(NullTarget):
    """Counts the filled cells of OpenDocument tables, repeats multiplied out."""

    def __init__(self, budget: Budget, limits: SpreadsheetLimits) -> None:
        self.budget = budget
        self.limits = limits
        self.area: Area | None = None
        self.row = 0
        self.rows_repeated = 1
        self.col = 0
        self.cell_depth = 0
        self.cell_repeat = 1
        self.cell_filled = False
        self.cell_text = 0
        self.table_depth = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = local_name(tag)
        if name == "table":
            self.table_depth += 1
            if self.table_depth == 1:
                self.area = Area(self.limits, attribute(attrib, "name") or "?")
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
            self.cell_filled = attribute(attrib, "value-type") is not None
            self.cell_text = 0
        elif self.cell_depth:
            self.cell_depth += 1
            if name == "p":
                self.cell_filled = True

    def data(self, text: str) -> None:
        if self.cell_depth:
            self.cell_text += len(text)

    def end(self, tag: str) -> None:
        name = local_name(tag)
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


def member_chunks(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: SpreadsheetLimits, used: list[int]
) -> Iterator[bytes]:
    """The decompressed bytes of one member in 1 MB chunks, enforcing the
    size bounds on the bytes actually produced (zipfile checks the CRC when
    the member has been read to its end)."""
    member_cap = max(limits.ratio_floor_bytes, int(limits.max_ratio * max(info.compress_size, 1)))
    read = 0
    with zf.open(info) as stream:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                return
            read += len(chunk)
            used[0] += len(chunk)
            if used[0] > limits.max_uncompressed_bytes:
                raise Refuse(_bomb_message(limits))
            if read > member_cap:
                raise Refuse(
                    f"its part '{info.filename}' expands more than {limits.max_ratio:g} times "
                    "(a 'zip bomb'). Open it in Excel and save it again, or ask for the original."
                )
            yield chunk


def looks_xml(name: str, first: bytes) -> bool:
    head = first.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    return _is_xml_name(name) or head.startswith(b"<")


def parse_exactly(chunks: Iterable[bytes], target: NullTarget) -> None:
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
    target: NullTarget | None,
) -> None:
    """Decompress one member in chunks, enforcing the size bounds (and so
    checking its CRC); feed XML parts to a DTD-refusing streaming parser."""
    chunks = member_chunks(zf, info, limits, used)
    first = next(chunks, b"")
    if not first:
        return
    if target is None and looks_xml(info.filename, first):
        target = NullTarget()
    if target is None:
        for _ in chunks:
            pass
        return
    parse_exactly(itertools.chain((first,), chunks), target)


def _bomb_message(limits: SpreadsheetLimits) -> str:
    return (
        f"it expands to more than {limits.max_uncompressed_bytes // (1024 * 1024)} MB when unpacked "
        "(a 'zip bomb' or a far too large workbook). Copy the part you need into a new workbook."
    )


def zip_preflight(zf: zipfile.ZipFile, limits: SpreadsheetLimits) -> tuple[list[zipfile.ZipInfo], bool, bool]:
    """The members, and whether this is OpenDocument / OOXML; refuses
    duplicate or encrypted members and sizes declared beyond the bounds."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise Refuse(f"it has more than {limits.max_members:,} parts; it is not an ordinary workbook.")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise Refuse(
            "it is damaged: the same part appears twice inside the file. "
            "Open it in Excel or LibreOffice, save it again, and retry."
        )
    lowered = {n.lower().lstrip("/") for n in names}
    is_ods = "content.xml" in lowered and "mimetype" in lowered
    is_ooxml = "[content_types].xml" in lowered
    if not (is_ods or is_ooxml):
        raise Refuse(
            "it is a zip archive but not a spreadsheet (no workbook inside). Choose the .xlsx or .ods file itself."
        )
    if any(i.flag_bits & 0x1 for i in infos):
        raise Refuse("it is password-protected. Remove the password in Excel (File > Info), save, and retry.")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_uncompressed_bytes:
        raise Refuse(_bomb_message(limits))
    for info in infos:
        if info.file_size > max(limits.ratio_floor_bytes, limits.max_ratio * max(info.compress_size, 1)):
            raise Refuse(
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


def part_roles(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: SpreadsheetLimits) -> _Roles:
    """The sheet and shared-strings parts named by the relationship parts
    (each parsed with defusedxml; a damaged one is refused)."""
    sheets: set[str] = set()
    shared: set[str] = set()
    for info in infos:
        lname = info.filename.lower().lstrip("/")
        if not lname.endswith(".rels") or info.file_size > SMALL_PART or info.is_dir():
            continue
        data = b"".join(member_chunks(zf, info, limits, [0]))
        if not data.strip():
            continue
        folder = posixpath.dirname(posixpath.dirname(lname))
        for element in defused_et.fromstring(data).iter():
            kind = (attribute(element.attrib, "Type") or "").lower()
            target = attribute(element.attrib, "Target") or ""
            if (attribute(element.attrib, "TargetMode") or "").lower() == "external" or not target:
                continue
            where = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            name = posixpath.normpath(where).lower().lstrip("/")
            if kind.endswith("sharedstrings"):
                shared.add(name)
            elif "sheet" in kind and "chartsheet" not in kind:
                sheets.add(name)
    return _Roles(frozenset(sheets), frozenset(shared))


def shared_first(infos: list[zipfile.ZipInfo], roles: _Roles) -> list[zipfile.ZipInfo]:
    """Shared strings first: sheet text is counted through them."""
    return sorted(infos, key=lambda i: 0 if roles.is_shared(i.filename.lower()) else 1)


def longest_each(old: Sequence[int], new: Sequence[int]) -> Sequence[int]:
    """Two shared-string tables (only a doctored file has two): the longer
    length at each index, so either table's use is bounded."""
    if not old:
        return new
    size = max(len(old), len(new))
    return [max(old[i] if i < len(old) else 0, new[i] if i < len(new) else 0) for i in range(size)]


def check_zip_exactly(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: SpreadsheetLimits, is_ooxml: bool, is_ods: bool
) -> None:
    """The exact check: every XML part parsed with defusedxml, every cell
    counted where it is (slow on large sheets: one Python call per element)."""
    budget = Budget(limits)
    used = [0]
    shared: Sequence[int] = []
    roles = part_roles(zf, infos, limits) if is_ooxml else _Roles()
    for info in shared_first(infos, roles):
        if info.is_dir():
            continue
        lname = info.filename.lower()
        target: NullTarget | None = None
        sst: SharedStrings | None = None
        if is_ooxml and roles.is_shared(lname):
            sst = SharedStrings()
            target = sst
        elif is_ooxml and roles.is_sheet(lname):
            sheet = info.filename.rsplit("/", 1)[-1]
            target = XlsxSheet(budget, Area(limits, sheet), shared, f" (part {sheet})")
        elif is_ods and lname.lstrip("/") == "content.xml":
            target = _OdsContent(budget, limits)
        _stream_member(zf, info, limits, used, target)
        if sst is not None:
            shared = longest_each(shared, sst.lengths)
