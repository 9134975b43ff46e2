"""The fast safety scan of large OOXML worksheets: their bytes are searched,
not parsed, and the scan gives up (leaving the file to the exact check)
whenever the bytes are not in the plain form it can bound."""

from __future__ import annotations

import itertools
import re
import zipfile
from array import array
from collections.abc import Iterable, Iterator, Sequence

from core.formats.xlsx.limits import SMALL_PART, Refuse, SpreadsheetLimits
from core.formats.xlsx.xml_exact import (
    Area,
    Budget,
    NullTarget,
    SharedStrings,
    XlsxSheet,
    longest_each,
    looks_xml,
    member_chunks,
    parse_exactly,
    part_roles,
    shared_first,
)

# -- the fast scan of OOXML workbooks ------------------------------------------
#
# Large parts are not parsed; their decompressed bytes are searched, a
# segment at a time, with bytes.count and compiled regular expressions
# (C speed). Each segment ends just before a '<', so no tag is ever split
# between two segments and nothing is counted twice. The scan proves upper
# bounds only where the bytes are in the plain form Excel, LibreOffice,
# openpyxl and xlsxwriter write (UTF-8, every cell `<c r="A1" ...>` with a
# reference, a `<dimension>`); anywhere else it gives up (Uncertain) and
# the exact check decides. Counts that exceed a limit are also handed to
# the exact check, so that a refusal always reports the exact figure.

_MAX_CARRY = 8 << 20  # a single tag or text longer than this is left to the exact check

_DTD = re.compile(rb"<!(?i:doctype|entity|element|attlist|notation)")
_PREFIXED_CELL = re.compile(rb":c[\s/>]")  # '<x:c ...': a cell in a prefixed namespace
_PREFIXED_SI = re.compile(rb"<[\w.-]+:si[\s/>]")
_ODD_TYPE = re.compile(rb"<c\s[^>]*?[\s:\"']t(?:\s*=\s*'|\s+=|=\s)")
_SHARED_CELL = re.compile(rb't="s"[^>]*><v>([0-9]{1,9})</v>')
_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]{1,3})([1-9][0-9]{0,6})(?::([A-Z]{1,3})([1-9][0-9]{0,6}))?"')
_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_PLAIN_ENCODINGS = (b"utf-8", b"utf8", b"us-ascii", b"ascii")
DTD_MESSAGE = (
    "it contains an XML declaration (DOCTYPE/ENTITY) that spreadsheets never need; "
    "it may be an 'XML bomb' and was not opened. Ask for the original file or re-save it in Excel."
)


class Uncertain(Exception):
    """Internal: the fast scan cannot vouch for this file; check it exactly."""


class _BoundBudget(Budget):
    """The workbook budget fed with upper bounds: exceeding it is not yet a refusal."""

    def add_cells(self, count: int, text: int, where: str) -> None:
        try:
            super().add_cells(count, text, where)
        except Refuse:
            raise Uncertain from None

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
                raise Uncertain
            carry = buf
            continue
        yield buf, cut
        carry = buf[cut:]
    if carry:
        yield carry, len(carry)


def _refuse_dtd(segment: bytes, end: int) -> None:
    if _DTD.search(segment, 0, end) is not None:
        raise Refuse(DTD_MESSAGE)


def _scan_shared_strings(segments: Iterable[tuple[bytes, int]], limits: SpreadsheetLimits) -> array[int]:
    """Upper bounds of the shared strings' lengths, in order: the bytes from
    one `<si` to the next (markup included, so never fewer than the
    characters a reader makes of them)."""
    lengths: array[int] = array("q")
    for buf, end in segments:
        _refuse_dtd(buf, end)
        segment = buf[:end]
        if b"<!--" in segment or b"<![CDATA[" in segment:
            raise Uncertain  # a '<si' inside them would shift every index
        if b":si" in segment and _PREFIXED_SI.search(segment) is not None:
            raise Uncertain
        opened = segment.count(b"<si")
        if opened != segment.count(b"<si>") + segment.count(b"<si ") + segment.count(b"<si/"):
            raise Uncertain
        pieces = segment.split(b"<si")
        if lengths:
            lengths[-1] += len(pieces[0])
        lengths.extend(map(len, pieces[1:]))
        if len(lengths) > limits.max_cells + 1:
            raise Uncertain
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


_ANY_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"')
_UNREFERENCED_CELL = re.compile(rb'<c(?! r="[A-Z]{1,3}[1-9][0-9]{0,6}")(?=[\s/>])')


def _stray_cell(segment: bytes, end: int, limits: SpreadsheetLimits) -> re.Pattern[bytes] | None:
    """A regex finding a cell that does not start ``<c r="A1"`` with A1
    inside the rectangle from A1 to the last cell of the sheet's declared
    dimension (read from the sheet's first segment), when that rectangle is
    within the cell limit; Uncertain otherwise. None when the sheet declares
    no dimension (openpyxl's write-only mode, some CRM exports): the caller
    then measures the rectangle from the cells' own references."""
    found = _DIMENSION.search(segment, 0, end)
    if found is None:
        return None
    letters, digits = (found.group(3), found.group(4)) if found.group(3) else (found.group(1), found.group(2))
    if (_column_index(letters) + 1) * int(digits) > limits.max_cells:
        raise Uncertain  # the exact check decides whether the cells really span that far
    inside = _letters_at_most(letters) + _number_at_most(digits)
    return re.compile(b'<c(?! r="' + inside + b'")(?=[\\s/>])')


class _Extent:
    """The rectangle a sheet without a declared dimension spans, from its
    cells' references (every cell must carry one). Found with a few regex
    searches a segment rather than by reading every reference: the last
    cell of a segment is taken as the candidate corner, then one search each
    checks that no cell lies further right or further down (rows out of
    order move the corner and search again)."""

    def __init__(self) -> None:
        self.letters = b""
        self.digits = b""

    @property
    def columns(self) -> int:
        return _column_index(self.letters) + 1 if self.letters else 0

    @property
    def rows(self) -> int:
        return int(self.digits) if self.digits else 0

    def _take(self, letters: bytes, digits: bytes) -> None:
        if not self.letters or (len(letters), letters) > (len(self.letters), self.letters):
            self.letters = letters
        if not self.digits or (len(digits), digits) > (len(self.digits), self.digits):
            self.digits = digits

    def add(self, buf: bytes, end: int) -> None:
        last = buf.rfind(b'<c r="', 0, end)
        found = _ANY_CELL_REF.match(buf, last) if last >= 0 else None
        if found is None:
            return
        self._take(found.group(1), found.group(2))
        while True:  # a cell right of the corner
            right = re.compile(b'<c r="(?!' + _letters_at_most(self.letters) + b"[0-9])([A-Z]{1,3})([1-9][0-9]{0,6})")
            beyond = right.search(buf, 0, end)
            if beyond is None:
                break
            self._take(beyond.group(1), self.digits)
        while True:  # a cell below the corner
            below = re.compile(b'<c r="([A-Z]{1,3})(?!' + _number_at_most(self.digits) + b'")([1-9][0-9]{0,6})"')
            beyond = below.search(buf, 0, end)
            if beyond is None:
                break
            self._take(self.letters, beyond.group(2))

    def check(self, limits: SpreadsheetLimits) -> None:
        if self.columns * self.rows > limits.max_cells:
            raise Uncertain  # the exact check decides (and says which limit)


def _scan_sheet(segments: Iterable[tuple[bytes, int]], budget: _BoundBudget, shared: Sequence[int], where: str) -> None:
    """Upper bounds of one large worksheet part's cells, area and text:
    every cell is ``<c r="..."`` inside the declared dimension (else
    Uncertain), so the cells are counted by that token, the area is at
    most the dimension's, inline text at most the bytes holding it, and
    shared-string text at most cells x the longest shared string, or, when
    that is too many, the sum over the cells' actual indices."""
    stray: re.Pattern[bytes] | None = None
    extent: _Extent | None = None
    longest = max(shared, default=0)
    for buf, end in segments:
        _refuse_dtd(buf, end)
        if stray is None:
            stray = _stray_cell(buf, end, budget.limits)
            if stray is None:
                stray, extent = _UNREFERENCED_CELL, _Extent()
        if stray.search(buf, 0, end) is not None:
            raise Uncertain
        if extent is not None:
            extent.add(buf, end)
        if _PREFIXED_CELL.search(buf, 0, end) is not None:
            raise Uncertain
        cells = buf.count(b'<c r="', 0, end)
        text = end  # inline text is at most the bytes that hold it
        shared_text = cells * longest
        if text + shared_text > budget.room_for_text():
            if not any(buf.find(mark, 0, end) >= 0 for mark in (b"inlineStr", b"is>", b'"str"', b"'str'")):
                text = 0
            if shared_text and text + shared_text > budget.room_for_text():
                if _ODD_TYPE.search(buf, 0, end) is not None:
                    raise Uncertain
                indices = _SHARED_CELL.findall(buf, 0, end)
                if len(indices) != buf.count(b't="s"', 0, end):
                    raise Uncertain
                count = len(shared)
                shared_text = sum(shared[i] for i in map(int, indices) if i < count)
        text += shared_text
        budget.add_cells(cells, text, where)
    if extent is not None:
        extent.check(budget.limits)


def check_ooxml_fast(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: SpreadsheetLimits) -> None:
    """The fast check of an OOXML workbook (see the comment above);
    raises Uncertain where only the exact check can decide."""
    budget = _BoundBudget(limits)
    used = [0]
    shared: Sequence[int] = []
    roles = part_roles(zf, infos, limits)
    for info in shared_first(infos, roles):
        if info.is_dir():
            continue
        lname = info.filename.lower()
        is_shared = roles.is_shared(lname)
        is_sheet = roles.is_sheet(lname)
        chunks = member_chunks(zf, info, limits, used)
        first = next(chunks, b"")
        if not first:
            continue
        if not looks_xml(info.filename, first):
            for _ in chunks:
                pass
            continue
        whole = itertools.chain((first,), chunks)
        sheet = info.filename.rsplit("/", 1)[-1]
        if info.file_size <= SMALL_PART:
            if is_shared:
                sst = SharedStrings()
                parse_exactly(whole, sst)
                shared = longest_each(shared, sst.lengths)
            elif is_sheet:
                parse_exactly(whole, XlsxSheet(budget, Area(limits, sheet), shared, f" (part {sheet})"))
            else:
                parse_exactly(whole, NullTarget())
            continue
        if not _plain_text(first):
            raise Uncertain
        if is_shared:
            shared = longest_each(shared, _scan_shared_strings(_segments(whole), limits))
        elif is_sheet:
            _scan_sheet(_segments(whole), budget, shared, f" (part {sheet})")
        else:
            for buf, end in _segments(whole):
                _refuse_dtd(buf, end)
