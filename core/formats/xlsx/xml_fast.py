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
    # looking for the single byte '!' runs at memchr speed, several times a regex's: most segments have none
    if segment.find(b"!", 0, end) >= 0 and _DTD.search(segment, 0, end) is not None:
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
    """A regex matching the column letters A..``letters``, the longest
    alternatives first (the usual cell has as many letters as the corner)."""
    k = len(letters)
    if k == 1:
        return b"[A-%c]" % letters[0]
    alternatives = []
    for i in range(k):
        if letters[i] > ord("A"):
            alternatives.append(letters[:i] + b"[A-%c]" % (letters[i] - 1) + (b"[A-Z]{%d}" % (k - i - 1)))
    alternatives += [letters, b"[A-Z]{1,%d}" % (k - 1)]
    return b"(?:" + b"|".join(alternatives) + b")"


def _row_bound(row: int) -> int:
    """The round number at or above ``row`` that the row regex checks
    against: its first digit, then nines (52,953 -> 59,999; at most twice
    the row). A round bound makes a regex of two plain alternatives; an
    exact one (52,953) needs five, tried at every cell of the sheet."""
    text = str(max(row, 1))
    return int((int(text[0]) + 1) * 10 ** (len(text) - 1) - 1)


def _rows_up_to(bound: int) -> bytes:
    """A regex matching the row numbers 1..``bound`` (a :func:`_row_bound`),
    the full-length rows first."""
    text = str(bound)
    k = len(text)
    if k == 1:
        return b"[1-%c]" % text[0].encode()
    return b"(?:[1-%c][0-9]{%d}|[1-9][0-9]{0,%d})" % (text[0].encode(), k - 1, k - 2)


def _column_index(letters: bytes) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + (ch - ord("A") + 1)
    return col - 1


_ANY_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"')
_UNREFERENCED_CELL = re.compile(rb'<c(?! r="[A-Z]{1,3}[1-9][0-9]{0,6}")(?=[\s/>])')


def _inside_pattern(letters: bytes, rows: int) -> re.Pattern[bytes]:
    """A regex finding a cell that does not start ``<c r="A1"`` with A1
    inside the rectangle from A1 to column ``letters``, row ``rows`` (a
    :func:`_row_bound`)."""
    inside = _letters_at_most(letters) + _rows_up_to(rows)
    return re.compile(b'<c(?! r="' + inside + b'")(?=[\\s/>])')


def _stray_cell(segment: bytes, end: int, limits: SpreadsheetLimits) -> re.Pattern[bytes] | None:
    """A regex finding a cell outside the rectangle from A1 to the last cell
    of the sheet's declared dimension (read from the sheet's first segment;
    its row rounded up by :func:`_row_bound`), when that rectangle is within
    the cell limit; Uncertain otherwise. None when the sheet declares no
    dimension (openpyxl's write-only mode, some CRM exports): the caller
    then measures the rectangle from the cells' own references."""
    found = _DIMENSION.search(segment, 0, end)
    if found is None:
        return None
    letters, digits = (found.group(3), found.group(4)) if found.group(3) else (found.group(1), found.group(2))
    rows = _row_bound(int(digits))
    if (_column_index(letters) + 1) * rows > limits.max_cells:
        raise Uncertain  # the exact check decides whether the cells really span that far
    return _inside_pattern(letters, rows)


class _Extent:
    """The rectangle a sheet without a declared dimension spans, from its
    cells' references (every cell must carry one), with one regex search a
    segment rather than by reading every reference: a corner is kept, and a
    segment is searched for a cell that is not ``<c r="A1"`` inside it (the
    search :func:`_stray_cell` makes against a declared dimension). A cell
    found beyond the corner moves it and the segment is searched again; a
    cell without a plain reference is Uncertain. The corner's row is
    rounded up (:func:`_row_bound`), so that a sheet written row by row
    rebuilds the regex a few times a power of ten, not once a segment; the
    corner is then an upper bound of the rectangle, which is all the check
    needs."""

    def __init__(self) -> None:
        self.letters = b""
        self.rows = 0
        self._inside: re.Pattern[bytes] | None = None

    @property
    def columns(self) -> int:
        return _column_index(self.letters) + 1 if self.letters else 0

    def _take(self, letters: bytes, digits: bytes) -> None:
        grown = False
        if not self.letters or (len(letters), letters) > (len(self.letters), self.letters):
            self.letters, grown = letters, True
        row = int(digits)
        if row > self.rows:
            self.rows, grown = _row_bound(row), True
        if grown:
            self._inside = _inside_pattern(self.letters, self.rows)

    def add(self, buf: bytes, end: int) -> None:
        last = buf.rfind(b'<c r="', 0, end)
        found = _ANY_CELL_REF.match(buf, last) if last >= 0 else None
        if found is not None:  # rows in order: the segment's last cell is its corner
            self._take(found.group(1), found.group(2))
        start = 0  # the cells before a stray one lie inside the corner, and so inside any larger one
        while True:
            stray = (self._inside or _UNREFERENCED_CELL).search(buf, start, end)
            if stray is None:
                return
            beyond = _ANY_CELL_REF.match(buf, stray.start())
            if beyond is None:
                raise Uncertain  # a cell without a plain reference
            self._take(beyond.group(1), beyond.group(2))
            start = stray.start()

    def check(self, limits: SpreadsheetLimits) -> None:
        if self.columns * self.rows > limits.max_cells:
            raise Uncertain  # the exact check decides (and says which limit)


# Every cell of a segment starts with a tag `<c r="A1">` (or `<c r="A1"/>`) of at
# least 10 bytes, wholly inside the segment (segments end before a '<' and a
# tag holds none; a tag not closed before the next '<' is malformed XML that
# the reader refuses). So a segment of n bytes holds at most n // 10 cells:
# a bound that costs nothing, used while it keeps within the limits.
_MIN_CELL_BYTES = 10


def _scan_sheet(segments: Iterable[tuple[bytes, int]], budget: _BoundBudget, shared: Sequence[int], where: str) -> None:
    """Upper bounds of one large worksheet part's cells, area and text:
    every cell is ``<c r="..."`` inside the declared dimension, or inside
    the rectangle its cells' references span when none is declared (else
    Uncertain), so the cells are counted by that token (or bounded by the
    segment's bytes, see :data:`_MIN_CELL_BYTES`), the area is at
    most that rectangle's, inline text at most the bytes holding it, and
    shared-string text at most cells x the longest shared string, or, when
    that is too many, the sum over the cells' actual indices."""
    stray: re.Pattern[bytes] | None = None
    extent: _Extent | None = None
    longest = max(shared, default=0)
    for buf, end in segments:
        _refuse_dtd(buf, end)
        if stray is None and extent is None:
            stray = _stray_cell(buf, end, budget.limits)
            if stray is None:
                extent = _Extent()
        if extent is not None:
            extent.add(buf, end)
        elif stray is not None and stray.search(buf, 0, end) is not None:
            raise Uncertain
        if buf.find(b":", 0, end) >= 0 and _PREFIXED_CELL.search(buf, 0, end) is not None:
            raise Uncertain
        cells = end // _MIN_CELL_BYTES
        if budget.cells + cells > budget.limits.max_cells or end + cells * longest > budget.room_for_text():
            cells = buf.count(b'<c r="', 0, end)  # the cheap bound is too loose here: count the cells
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


def _marking(chunks: Iterable[bytes], found: list[bool]) -> Iterator[bytes]:
    """The chunks unchanged; ``found[0]`` set when an error cell may be
    among them: a ``"e"`` type (``<c r="A1" t="e"><v>#N/A</v></c>``) with
    its ``#`` value (an over-estimate, which only costs the importer a
    closer look). The single byte ``#`` is looked for first, at memchr
    speed; the bytes before a chunk are looked at again with it."""
    tail = b""
    for chunk in chunks:
        if not found[0]:
            window = tail + chunk if tail else chunk
            found[0] = window.find(b"#") >= 0 and (window.find(b'"e"') >= 0 or window.find(b"'e'") >= 0)
            tail = chunk[-_MARK_REACH:]
        yield chunk


_MARK_REACH = 1024  # an error cell's type and its '#' value are never further apart


def check_ooxml_fast(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: SpreadsheetLimits) -> frozenset[str]:
    """The fast check of an OOXML workbook (see the comment above); raises
    Uncertain where only the exact check can decide. Returns the XML parts
    (zip member names) that may hold an Excel error cell."""
    budget = _BoundBudget(limits)
    used = [0]
    shared: Sequence[int] = []
    roles = part_roles(zf, infos, limits)
    with_errors: set[str] = set()
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
        found = [False]  # an error mark, in any XML part (whatever role the part is given)
        whole = _marking(itertools.chain((first,), chunks), found)
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
        elif not _plain_text(first):
            raise Uncertain
        elif is_shared:
            shared = longest_each(shared, _scan_shared_strings(_segments(whole), limits))
        elif is_sheet:
            _scan_sheet(_segments(whole), budget, shared, f" (part {sheet})")
        else:
            for buf, end in _segments(whole):
                _refuse_dtd(buf, end)
        if found[0]:
            with_errors.add(info.filename)
    return frozenset(with_errors)
