"""Opening spreadsheets safely: the real-world corpus and generated hostile files."""

from __future__ import annotations

import io
import re
import resource
import sys
import threading
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

import core.formats.xlsx.safety as xlsx_safety
from core.formats.xlsx.limits import SpreadsheetLimits
from core.formats.xlsx.location import cell_name, column_name
from core.formats.xlsx.reader import SpreadsheetError, read_sheet_rows, read_workbook, sheet_names
from core.formats.xlsx.safety import SpreadsheetCheck, check_spreadsheet_file, inspect_spreadsheet_file
from tests.conftest import CORPUS

CORPUS_FILES = (
    sorted(p for p in CORPUS.iterdir() if p.name not in ("README.md", "MANIFEST.tsv")) if CORPUS.is_dir() else []
)

# every file the corpus README calls hostile or broken must be refused
MUST_REFUSE = {
    "c__poi__poc-xmlbomb.xlsx": "XML",
    "c__poi__54764.xlsx": "XML",
    "c__poi__poc-shared-strings.xlsx": "text",
    "c__poi__xlsx-corrupted.xlsx": "damaged",
    "c__poi__duplicate-filename.xlsx": "twice",
    "c__poi__clusterfuzz-testcase-minimized-POIXSSFFuzzer-4828727001088000.xlsx": "damaged",
    "c__edr__agile_AES256_SHA512_CBC_pwd_password.xlsx": "password",
    "c__edr__EmptyZipFile.xlsx": "not a spreadsheet",
    "c__calamine__issue_594_dos.ods": "cells",
    "c__calamine__too_small.xls": "not a spreadsheet",
}


def _peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _check_with_deadline(path: Path, limits: SpreadsheetLimits | None = None, seconds: float = 10.0) -> object:
    """Run the check in a thread; fail (not hang) when it overruns."""
    out: list[object] = []
    args = (path,) if limits is None else (path, limits)
    worker = threading.Thread(target=lambda: out.append(check_spreadsheet_file(*args)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"{path.name}: the check did not finish within {seconds} s"
    return out[0]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_file_is_read_or_refused_clearly(path: Path) -> None:
    before = _peak_rss_bytes()
    problem = _check_with_deadline(path)
    if problem is None:
        assert path.name not in MUST_REFUSE
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        for index in range(len(workbook.sheet_names)):
            workbook.get_sheet_by_index(index).to_python()
        book, refused = read_workbook(path)
        assert refused is None and book is not None
        assert book.sheet_names == tuple(workbook.sheet_names)
    else:
        assert problem.field == "file"  # type: ignore[attr-defined]
        assert problem.location == path.name  # type: ignore[attr-defined]
        message = problem.message  # type: ignore[attr-defined]
        assert len(message) > 30 and "Traceback" not in message
        if path.name in MUST_REFUSE:
            assert MUST_REFUSE[path.name].lower() in message.lower()
    assert _peak_rss_bytes() - before < 1024**3


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_valid_files_are_accepted() -> None:
    """The awkward-but-valid files (b__*) and the sales workbooks (a__*) all open."""
    refused = [(p.name, check_spreadsheet_file(p)) for p in CORPUS_FILES if p.name.startswith(("a__", "b__"))]
    assert [r for r in refused if r[1] is not None] == []


# -- generated hostile files ---------------------------------------------------


def _plain_xlsx(path: Path, rows: int = 3) -> Path:
    """A small workbook written by xlsxwriter (text in xl/sharedStrings.xml)."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Data")
    for r in range(rows):
        sheet.write_string(r, 0, f"name {r}")
        sheet.write_number(r, 1, r * 1.5)
    book.close()
    return path


def _rezip(source: Path, target: Path, replace: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
        for name, data in replace.items():
            if name not in zin.namelist():
                zout.writestr(name, data)
    return target


def test_plain_workbook_is_accepted_and_read_with_positions(tmp_path: Path) -> None:
    path = tmp_path / "ok.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Data"
    ws["C3"] = "label"
    ws["E5"] = 2.5
    wb.save(path)
    assert check_spreadsheet_file(path) is None
    rows = read_sheet_rows(path, "Data")
    assert rows[2][2] == "label"
    assert rows[4][4] == 2.5
    assert rows[0][0] is None
    assert sheet_names(path) == ["Data"]


def test_missing_sheet_names_sheets_found(tmp_path: Path) -> None:
    path = _plain_xlsx(tmp_path / "ok.xlsx")
    with pytest.raises(SpreadsheetError) as caught:
        read_sheet_rows(path, "Funnel")
    assert "'Funnel'" in caught.value.problem.message and "'Data'" in caught.value.problem.message


def test_cell_names() -> None:
    assert cell_name(0, 0) == "A1"
    assert cell_name(4, 2) == "C5"
    assert column_name(25) == "Z"
    assert column_name(26) == "AA"
    assert column_name(16383) == "XFD"


def test_missing_and_empty_files(tmp_path: Path) -> None:
    missing = check_spreadsheet_file(tmp_path / "nope.xlsx")
    assert missing is not None and "does not exist" in missing.message
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    problem = check_spreadsheet_file(empty)
    assert problem is not None and "empty" in problem.message and problem.location == "empty.xlsx"
    assert check_spreadsheet_file(tmp_path) is not None


def test_renamed_text_and_image_files(tmp_path: Path) -> None:
    text = tmp_path / "notes.xlsx"
    text.write_text("Region,Revenue\nNorth,100\n", encoding="utf-8")
    problem = check_spreadsheet_file(text)
    assert problem is not None and "not a spreadsheet" in problem.message
    image = tmp_path / "logo.xlsx"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    problem = check_spreadsheet_file(image)
    assert problem is not None and "PNG image" in problem.message


def test_truncated_zip_is_damaged(tmp_path: Path) -> None:
    whole = _plain_xlsx(tmp_path / "whole.xlsx").read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole[: len(whole) // 2])
    problem = check_spreadsheet_file(cut)
    assert problem is not None and "damaged" in problem.message


def test_bad_crc_is_damaged(tmp_path: Path) -> None:
    source = _plain_xlsx(tmp_path / "src.xlsx")
    stored = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
    data = bytearray(stored.read_bytes())
    at = data.index(b"name 1")  # inside sharedStrings, stored uncompressed
    data[at] = ord("N")
    stored.write_bytes(bytes(data))
    problem = check_spreadsheet_file(stored)
    assert problem is not None and "damaged" in problem.message


def test_zip_bomb_is_refused_by_declared_and_actual_size(tmp_path: Path) -> None:
    source = _plain_xlsx(tmp_path / "src.xlsx")
    padding = b"<Properties><!-- " + b"A" * 3_000_000 + b" --></Properties>"
    bomb = _rezip(source, tmp_path / "bomb.xlsx", {"docProps/app.xml": padding})
    small = SpreadsheetLimits(max_uncompressed_bytes=1_000_000)
    problem = check_spreadsheet_file(bomb, small)
    assert problem is not None and "zip bomb" in problem.message
    ratio = SpreadsheetLimits(max_ratio=50, ratio_floor_bytes=10_000)
    problem = check_spreadsheet_file(bomb, ratio)
    assert problem is not None and "expands more than 50 times" in problem.message
    assert check_spreadsheet_file(bomb) is None  # the defaults allow 3 MB of comment


def test_lying_declared_size_is_caught_while_decompressing(tmp_path: Path) -> None:
    """A member whose header understates its size still stops at the bound."""
    source = _plain_xlsx(tmp_path / "src.xlsx")
    payload = b"<x>" + b"B" * 2_000_000 + b"</x>"
    bomb = _rezip(source, tmp_path / "liar.xlsx", {"docProps/app.xml": payload})
    data = bytearray(bomb.read_bytes())
    # patch the central directory's uncompressed size of that member to 100 bytes
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("docProps/app.xml")
    name = b"docProps/app.xml"
    central = data.index(b"PK\x01\x02")
    while True:
        entry_name_len = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + entry_name_len] == name:
            data[central + 24 : central + 28] = (100).to_bytes(4, "little")
            break
        extra = int.from_bytes(data[central + 30 : central + 32], "little")
        comment = int.from_bytes(data[central + 32 : central + 34], "little")
        central += 46 + entry_name_len + extra + comment
    bomb.write_bytes(bytes(data))
    assert info.file_size > 2_000_000
    limits = SpreadsheetLimits(max_uncompressed_bytes=1_000_000, ratio_floor_bytes=10_000, max_ratio=10_000)
    problem = check_spreadsheet_file(bomb, limits)
    assert problem is not None
    assert "zip bomb" in problem.message or "damaged" in problem.message


def test_xml_entity_declaration_is_refused(tmp_path: Path) -> None:
    source = _plain_xlsx(tmp_path / "src.xlsx")
    with zipfile.ZipFile(source) as zf:
        shared = zf.read("xl/sharedStrings.xml").decode("utf-8")
    evil = shared.replace("<sst", '<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><sst', 1)
    bomb = _rezip(source, tmp_path / "entity.xlsx", {"xl/sharedStrings.xml": evil.encode("utf-8")})
    problem = check_spreadsheet_file(bomb)
    assert problem is not None and "DOCTYPE" in problem.message


def test_utf16_doctype_is_refused(tmp_path: Path) -> None:
    source = _plain_xlsx(tmp_path / "src.xlsx")
    evil = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    bomb = _rezip(source, tmp_path / "u16.xlsx", {"docProps/custom.xml": evil.encode("utf-16")})
    problem = check_spreadsheet_file(bomb)
    assert problem is not None and "DOCTYPE" in problem.message


def test_too_many_cells_and_far_apart_cells(tmp_path: Path) -> None:
    path = _plain_xlsx(tmp_path / "cells.xlsx", rows=60)
    problem = check_spreadsheet_file(path, SpreadsheetLimits(max_cells=100))
    assert problem is not None and "100" in problem.message
    wide = tmp_path / "wide.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = 1
    ws["XFD1048576"] = 2
    wb.save(wide)
    problem = check_spreadsheet_file(wide)
    assert problem is not None and "A1:XFD1048576" in problem.message


def test_shared_string_expansion_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "sst.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r in range(200):
        sheet.write_string(r, 0, "x" * 10_000)  # one shared string used 200 times
    book.close()
    problem = check_spreadsheet_file(path, SpreadsheetLimits(max_text_chars=1_000_000))
    assert problem is not None and "characters of text" in problem.message
    assert check_spreadsheet_file(path) is None


def test_ods_repeat_bomb_is_refused(tmp_path: Path) -> None:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="S">'
        '<table:table-row table:number-rows-repeated="5000">'
        '<table:table-cell table:number-columns-repeated="5000" office:value-type="float" office:value="1">'
        "<text:p>1</text:p></table:table-cell></table:table-row></table:table>"
        "</office:spreadsheet></office:body></office:document-content>"
    )
    path = tmp_path / "rep.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content)
    problem = check_spreadsheet_file(path)
    assert problem is not None and "5,000,000" in problem.message


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    problem = check_spreadsheet_file(path)
    assert problem is not None and "not a spreadsheet" in problem.message


# -- large parts: the fast byte scan, and where it hands over to the exact check --


def _sheet_xml(
    rows: int = 12_000,
    dimension: str | None = None,
    cell: str = '<c r="{col}{row}"><v>{row}</v></c>',
    shared_cell: str = '<c r="A{row}" t="s"><v>{index}</v></c>',
    index: int = 0,
    row_attrs: str = "",
    prolog: str = "",
    tail: str = "",
) -> bytes:
    """A worksheet of ``rows`` rows (a shared string in A, numbers in B:E), some 1.7 MB."""
    body = "".join(
        f'<row r="{r}"{row_attrs}>'
        + shared_cell.format(row=r, index=index)
        + "".join(cell.format(col=c, row=r) for c in "BCDE")
        + "</row>"
        for r in range(1, rows + 1)
    )
    dim = dimension if dimension is not None else f"A1:E{rows}"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + prolog + '<worksheet xmlns="http://schemas.'
        'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/relationships"><dimension ref="{dim}"/><sheetData>{body}</sheetData>{tail}</worksheet>'
    ).encode()


def _shared_xml(strings: list[str]) -> bytes:
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    ).encode()


def _big_xlsx(tmp_path: Path, name: str, sheet: bytes, shared: bytes | None = None) -> Path:
    source = _plain_xlsx(tmp_path / f"src-{name}")
    replace = {"xl/worksheets/sheet1.xml": sheet}
    if shared is not None:
        replace["xl/sharedStrings.xml"] = shared
    return _rezip(source, tmp_path / name, replace)


@pytest.fixture
def exact_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each time the slow exact check runs (the fast scan gave up)."""
    calls: list[str] = []
    original = xlsx_safety.check_zip_exactly

    def spy(zf: zipfile.ZipFile, *args: object) -> None:
        calls.append(str(zf.filename))
        original(zf, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(xlsx_safety, "check_zip_exactly", spy)
    return calls


def _exact_verdict(path: Path, monkeypatch: pytest.MonkeyPatch, limits: SpreadsheetLimits | None = None) -> object:
    """The verdict of the exact check alone (the fast scan switched off)."""

    def give_up(*args: object) -> None:
        raise xlsx_safety.Uncertain

    with monkeypatch.context() as patch:
        patch.setattr(xlsx_safety, "check_ooxml_fast", give_up)
        return check_spreadsheet_file(path) if limits is None else check_spreadsheet_file(path, limits)


def test_large_plain_sheet_is_vouched_for_by_the_fast_scan(
    tmp_path: Path, exact_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _big_xlsx(tmp_path, "big.xlsx", _sheet_xml())
    assert check_spreadsheet_file(path) is None
    assert exact_calls == []
    assert _exact_verdict(path, monkeypatch) is None
    book, problem = read_workbook(path)
    assert problem is None and book is not None
    rows = book.sheets["Data"]
    assert len(rows) == 12_000 and rows[11_999][4] == 12_000.0 and rows[0][0] == "name 0"


def test_doctype_or_entity_anywhere_in_a_large_part_is_refused(tmp_path: Path) -> None:
    at_top = _big_xlsx(tmp_path, "top.xlsx", _sheet_xml(prolog='<!DOCTYPE worksheet [<!ENTITY a "aaaa">]>'))
    deep = _big_xlsx(tmp_path, "deep.xlsx", _sheet_xml(tail='<!entity b "&a;&a;">'))
    other = _rezip(
        _plain_xlsx(tmp_path / "src.xlsx"),
        tmp_path / "other.xlsx",
        {"docProps/custom.xml": b"<x>" + b"<y>1</y>" * 300_000 + b'<!DOCTYPE x [<!ENTITY a "b">]></x>'},
    )
    for path in (at_top, deep, other):
        problem = check_spreadsheet_file(path)
        assert problem is not None and "DOCTYPE" in problem.message, path.name


def test_large_utf16_part_with_doctype_is_refused(tmp_path: Path, exact_calls: list[str]) -> None:
    evil = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>' + "<y>1</y>" * 100_000 + "</x>"
    path = _rezip(
        _plain_xlsx(tmp_path / "src.xlsx"), tmp_path / "u16.xlsx", {"docProps/custom.xml": evil.encode("utf-16")}
    )
    problem = check_spreadsheet_file(path)
    assert problem is not None and "DOCTYPE" in problem.message
    assert exact_calls  # UTF-16 is left to the parser


def test_large_sheet_with_too_many_cells_is_refused_with_the_exact_count(tmp_path: Path) -> None:
    path = _big_xlsx(tmp_path, "many.xlsx", _sheet_xml())
    problem = check_spreadsheet_file(path, SpreadsheetLimits(max_cells=50_000))
    assert problem is not None and "50,000" in problem.message  # 60,000 cells in A1:E12000


def test_cell_outside_the_declared_dimension_is_caught(tmp_path: Path, exact_calls: list[str]) -> None:
    sheet = _sheet_xml(tail="").replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    )
    path = _big_xlsx(tmp_path, "liar.xlsx", sheet)
    problem = check_spreadsheet_file(path)
    assert problem is not None and "A1:XFD1048576" in problem.message
    assert exact_calls


@pytest.mark.parametrize(
    ("cell", "row_attrs"),
    [
        ("<c><v>{row}</v></c>", ""),  # no reference: placed by the row
        (
            '<x:c r="{col}{row}"><x:v>{row}</x:v></x:c>',
            ' xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
        ),
        ('<c\tr="{col}{row}"><v>{row}</v></c>', ""),
    ],
    ids=["no-reference", "prefixed", "tab"],
)
def test_unusual_cell_markup_is_left_to_the_exact_check(
    tmp_path: Path, exact_calls: list[str], cell: str, row_attrs: str
) -> None:
    path = _big_xlsx(tmp_path, "odd.xlsx", _sheet_xml(cell=cell, row_attrs=row_attrs))
    assert check_spreadsheet_file(path) is None
    assert exact_calls
    assert check_spreadsheet_file(path, SpreadsheetLimits(max_cells=50_000)) is not None


def test_no_dimension_is_measured_from_the_cells_references(
    tmp_path: Path, exact_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sheet without a declared dimension (openpyxl's write-only mode, CRM
    exports) is checked at C speed from its cells' own references: the
    rectangle they span within the limit passes without the slow exact parse;
    beyond it the exact check decides (and refuses, as it would anyway)."""
    nodim = _sheet_xml().replace(b'<dimension ref="A1:E12000"/>', b"")
    path = _big_xlsx(tmp_path, "nodim.xlsx", nodim)
    assert check_spreadsheet_file(path) is None
    assert exact_calls == []
    small = SpreadsheetLimits(max_cells=50_000)  # 5 columns x 12,000 rows = 60,000 cells spanned
    problem = check_spreadsheet_file(path, small)
    assert problem is not None and exact_calls
    assert problem == _exact_verdict(path, monkeypatch, small)
    # a cell without a reference cannot be placed: the exact check reads the sheet
    exact_calls.clear()
    stray = _big_xlsx(tmp_path, "stray.xlsx", nodim.replace(b'<c r="B9"', b"<c", 1))
    assert check_spreadsheet_file(stray) is None and exact_calls


def test_shared_string_expansion_in_large_sheets(
    tmp_path: Path, exact_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 12,000 cells use a 6-character string; one cell uses a 5,000-character one
    shared = _shared_xml(["name 0", "x" * 5_000])
    sheet = _sheet_xml().replace(b'<c r="A7" t="s"><v>0</v>', b'<c r="A7" t="s"><v>1</v>', 1)
    path = _big_xlsx(tmp_path, "sst.xlsx", sheet, shared)
    small = SpreadsheetLimits(max_text_chars=1_000_000)
    assert check_spreadsheet_file(path, small) is None  # exact sum: about 77,000 characters
    assert exact_calls == []
    assert _exact_verdict(path, monkeypatch, small) is None
    # every cell using the long string: 60 million characters
    greedy = _big_xlsx(tmp_path, "greedy.xlsx", _sheet_xml(index=1), shared)
    problem = check_spreadsheet_file(greedy, small)
    assert problem is not None and "characters of text" in problem.message
    # the same, with the type attribute written in single quotes
    quoted = _big_xlsx(
        tmp_path, "quoted.xlsx", _sheet_xml(index=1, shared_cell="<c r=\"A{row}\" t='s'><v>{index}</v></c>"), shared
    )
    problem = check_spreadsheet_file(quoted, small)
    assert problem is not None and "characters of text" in problem.message


def test_large_shared_strings_part_is_scanned(
    tmp_path: Path, exact_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    strings = [f"customer number {i:08d} in the pipeline" for i in range(40_000)]
    sheet = _sheet_xml(shared_cell='<c r="A{row}" t="s"><v>{row}</v></c>')
    path = _big_xlsx(tmp_path, "bigsst.xlsx", sheet, _shared_xml(strings))
    assert check_spreadsheet_file(path) is None
    assert exact_calls == []
    assert _exact_verdict(path, monkeypatch) is None
    problem = check_spreadsheet_file(path, SpreadsheetLimits(max_text_chars=300_000))
    assert problem is not None and "characters of text" in problem.message
    book, refused = read_workbook(path)
    assert refused is None and book is not None and book.sheets["Data"][4][0] == strings[5]


def test_bad_crc_in_a_large_part_is_damaged(tmp_path: Path) -> None:
    source = _big_xlsx(tmp_path, "src-big.xlsx", _sheet_xml())
    stored = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
    data = bytearray(stored.read_bytes())
    at = data.index(b"<v>9000</v>")
    data[at + 3] = ord("7")
    stored.write_bytes(bytes(data))
    problem = check_spreadsheet_file(stored)
    assert problem is not None and "damaged" in problem.message


def test_what_calamine_cannot_read_comes_back_as_a_problem(tmp_path: Path) -> None:
    """The check no longer loads every sheet: the read path reports failures."""
    sheet = _sheet_xml().replace(b'<c r="A9" t="s">', b'<c r="A9" t="&#115;">', 1)
    path = _big_xlsx(tmp_path, "unknown-type.xlsx", sheet)
    assert check_spreadsheet_file(path) is None  # large part: searched, not parsed
    book, problem = read_workbook(path)
    assert book is None and problem is not None
    assert problem.field == "file" and "cannot be read" in problem.message and "save it again" in problem.message
    with pytest.raises(SpreadsheetError) as caught:
        read_sheet_rows(path, "Data")
    assert "sheet 'Data' cannot be read" in caught.value.problem.message


def _moved(source: Path, target: Path, renames: dict[str, str]) -> Path:
    """A copy of ``source`` with parts renamed (and every reference to them)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data, name = zin.read(info.filename), info.filename
            for old, new in renames.items():
                data, name = data.replace(old.encode(), new.encode()), name.replace(old, new)
            zout.writestr(name, data)
    return target


def test_sheet_and_strings_outside_their_usual_places_are_still_counted(tmp_path: Path) -> None:
    """A reader follows the workbook's relationships wherever they point."""
    source = _plain_xlsx(tmp_path / "src.xlsx")
    moved = _moved(source, tmp_path / "moved.xlsx", {"worksheets/sheet1.xml": "data/leads.xml"})
    assert check_spreadsheet_file(moved) is None
    book, problem = read_workbook(moved)
    assert problem is None and book is not None and book.sheets["Data"][1][0] == "name 1"
    problem = check_spreadsheet_file(moved, SpreadsheetLimits(max_cells=4))
    assert problem is not None and "4" in problem.message and "leads.xml" in problem.message
    strings = _moved(source, tmp_path / "strings.xlsx", {"sharedStrings.xml": "words.xml"})
    problem = check_spreadsheet_file(strings, SpreadsheetLimits(max_text_chars=10))  # "name 0".."name 2"
    assert problem is not None and "characters of text" in problem.message


def test_a_sheet_without_dimension_spanning_too_far_out_of_order_goes_to_the_exact_check(
    tmp_path: Path, exact_calls: list[str]
) -> None:
    """The corner of a sheet without a dimension is found even when a far
    cell hides early in the sheet (rows out of order): a cell at row 900,000
    in column E spans 4.5 million cells, over a 1,000,000-cell limit."""
    nodim = _sheet_xml().replace(b'<dimension ref="A1:E12000"/>', b"")
    far = nodim.replace(b'<c r="B9"', b'<c r="B900000"', 1)
    path = _big_xlsx(tmp_path, "far.xlsx", far)
    problem = check_spreadsheet_file(path, SpreadsheetLimits(max_cells=1_000_000))
    assert problem is not None and exact_calls


def test_the_fast_scan_names_the_parts_that_may_hold_error_cells(tmp_path: Path, exact_calls: list[str]) -> None:
    """The importer looks for Excel error cells (#N/A...) only in the parts
    the safety scan saw an error mark in: a clean large sheet is not read a
    second time, and a sheet with one error cell deep inside is named."""
    clean = _big_xlsx(tmp_path, "clean.xlsx", _sheet_xml())
    assert inspect_spreadsheet_file(clean) == SpreadsheetCheck(None, frozenset())
    with_error = _sheet_xml().replace(b'<c r="C9000"><v>9000</v></c>', b'<c r="C9000" t="e"><v>#N/A</v></c>', 1)
    path = _big_xlsx(tmp_path, "error.xlsx", with_error)
    assert inspect_spreadsheet_file(path).error_parts == frozenset({"xl/worksheets/sheet1.xml"})
    assert exact_calls == []


@settings(max_examples=200)
@given(corner=st.integers(1, 16384), column=st.integers(1, 16384), row=st.integers(1, 9_999_999))
def test_the_rectangle_regexes_match_exactly_the_cells_inside(corner: int, column: int, row: int) -> None:
    """The fast scan's regexes for 'a column at most the corner's' and 'a row
    at most the round bound' accept a reference exactly when it lies inside;
    the bound is at or above the row and below twice it."""
    from core.formats.xlsx.xml_fast import _column_index, _letters_at_most, _row_bound, _rows_up_to

    letters = column_name(column - 1).encode()
    corner_letters = column_name(corner - 1).encode()
    assert _column_index(letters) == column - 1
    inside_columns = re.compile(_letters_at_most(corner_letters) + b"$")
    assert (inside_columns.match(letters) is not None) == (column <= corner)
    bound = _row_bound(row)
    assert row <= bound < 2 * row + 9
    inside_rows = re.compile(_rows_up_to(bound) + b"$")
    for probe in (1, row, bound, bound + 1, max(1, row // 3)):
        assert (inside_rows.match(b"%d" % probe) is not None) == (probe <= bound)
