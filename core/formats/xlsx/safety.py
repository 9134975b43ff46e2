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

import zipfile
from dataclasses import dataclass
from pathlib import Path

import defusedxml.ElementTree as defused_et
from defusedxml.common import DefusedXmlException

from core.formats.xlsx.limits import CHUNK, DEFAULT_LIMITS, Refuse, SpreadsheetLimits
from core.formats.xlsx.xml_exact import check_zip_exactly, zip_preflight
from core.formats.xlsx.xml_fast import DTD_MESSAGE, Uncertain, check_ooxml_fast
from core.model.plan import Problem

__all__ = [
    "DEFAULT_LIMITS",
    "SPREADSHEET_SUFFIXES",
    "SpreadsheetCheck",
    "SpreadsheetLimits",
    "check_spreadsheet_file",
    "inspect_spreadsheet_file",
]

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_ENCRYPTION_MARKERS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))


def _check_zip(path: Path, limits: SpreadsheetLimits) -> frozenset[str] | None:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise Refuse(
            "it is damaged (the zip container is broken or cut short). "
            "Open it in Excel or LibreOffice, save it again, and retry."
        ) from None
    with zf:
        infos, is_ods, is_ooxml = zip_preflight(zf, limits)
        if is_ooxml and not is_ods:
            try:
                return check_ooxml_fast(zf, infos, limits)
            except Uncertain:
                pass
        check_zip_exactly(zf, infos, limits, is_ooxml, is_ods)
        return None


def _check_cfb(path: Path) -> None:
    """An OLE2/CFB container: an old .xls, or an encrypted OOXML workbook."""
    tail = b""
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            window = tail + chunk
            if any(marker in window for marker in _ENCRYPTION_MARKERS):
                raise Refuse(
                    "it is password-protected (encrypted). Open it in Excel, remove the password "
                    "(File > Info > Protect Workbook), save, and retry."
                )
            tail = window[-64:]


@dataclass(frozen=True)
class SpreadsheetCheck:
    """What :func:`inspect_spreadsheet_file` found: the ``problem`` (None when
    the file can be read safely) and, when the fast scan vouched for an
    .xlsx/.xlsm, the worksheet parts that may hold an Excel error cell
    (``error_parts``; None: not known, look for yourself)."""

    problem: Problem | None
    error_parts: frozenset[str] | None = None


def check_spreadsheet_file(path: Path, limits: SpreadsheetLimits = DEFAULT_LIMITS) -> Problem | None:
    """None when ``path`` is a spreadsheet that can be read safely, else the
    :class:`Problem` saying what is wrong and what to do.

    Accepts ``.xlsx``/``.xlsm`` and ``.ods`` (zip containers, checked member
    by member) and ``.xls`` (an unencrypted OLE2 container). Runs in memory
    bounded by ``limits`` (plus buffers of a few MB), whatever the file holds.
    """
    return inspect_spreadsheet_file(path, limits).problem


def inspect_spreadsheet_file(path: Path, limits: SpreadsheetLimits = DEFAULT_LIMITS) -> SpreadsheetCheck:
    """:func:`check_spreadsheet_file`, with what the scan learnt on the way
    (the parts that may hold error cells, sparing the importer a second
    pass over the sheet's XML)."""
    check = _inspect(Path(path), limits)
    return check if isinstance(check, SpreadsheetCheck) else SpreadsheetCheck(check)


def _inspect(path: Path, limits: SpreadsheetLimits) -> Problem | SpreadsheetCheck:
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
    error_parts: frozenset[str] | None = None
    try:
        if head.startswith(_ZIP_MAGICS):
            error_parts = _check_zip(path, limits)
        elif head.startswith(_CFB_MAGIC):
            _check_cfb(path)
        else:
            kind = _describe_bytes(head)
            return problem(
                f"this is not a spreadsheet ({kind}), although its name ends in '{suffix or '(nothing)'}'. "
                "Choose an Excel (.xlsx, .xls) or OpenDocument (.ods) workbook."
            )
    except Refuse as refusal:
        return problem(str(refusal))
    except (DefusedXmlException, defused_et.ParseError) as exc:
        if isinstance(exc, DefusedXmlException):
            return problem(DTD_MESSAGE)
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
    return SpreadsheetCheck(None, error_parts)


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
