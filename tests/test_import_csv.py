"""Issue 8 item 12: CSV exports are imported, and every entry point agrees.

``main.py import x.csv`` reads it (encoding and delimiter detected, the
same safety limits as workbooks); ``main.py calc x.csv`` says it is an
export to import; the GUI wizard's file filter and drag-and-drop offer it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.formats.documents import load_plan
from core.formats.xlsx.limits import SpreadsheetLimits
from core.importer import calibrate, scan_workbook
from core.importer.csv_reader import decode, detect_delimiter, open_csv
from core.importer.numbers import format_number
from core.model.plan import Plan
from core.paths import example_plan_path
from tests.data_builders import LeadData, lead_text_rows, make_leads, summary_block, write_csv, write_table

ROOT = Path(__file__).resolve().parent.parent


def _main(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, timeout=180)


def _plan(path: Path) -> Plan:
    plan, problems = load_plan(path)
    assert plan is not None, problems
    return plan


@pytest.fixture(scope="module")
def leads() -> LeadData:
    return make_leads(2000, seed=5)


@pytest.fixture(scope="module")
def reference(leads: LeadData, tmp_path_factory: pytest.TempPathFactory) -> Plan:
    """The plan imported from the same leads as a workbook."""
    folder = tmp_path_factory.mktemp("reference")
    source = write_table(folder / "leads.xlsx", {"leads": lead_text_rows(leads)})
    done = _main("import", str(source), "--out", str(folder / "plan.json"))
    assert done.returncode == 0, done.stderr
    return _plan(folder / "plan.json")


def _same_figures(plan: Plan, reference: Plan) -> None:
    assert plan.with_changes(notes="") == reference.with_changes(notes="")


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(",", "utf-8"), (",", "utf-8-sig"), (";", "utf-16"), ("\t", "cp1252")],
    ids=["comma-utf8", "comma-bom", "semicolon-utf16", "tab-cp1252"],
)
def test_import_reads_a_csv_export_like_the_same_workbook(
    tmp_path: Path, leads: LeadData, reference: Plan, delimiter: str, encoding: str
) -> None:
    source = write_csv(tmp_path / "leads.csv", lead_text_rows(leads), delimiter, encoding)
    done = _main("import", str(source), "--out", str(tmp_path / "plan.xlsx"))
    assert done.returncode == 0, done.stderr
    assert "Calibrated plan written to" in done.stdout
    _same_figures(_plan(tmp_path / "plan.xlsx"), reference)


def test_european_csv_with_summary_rows(tmp_path: Path, leads: LeadData, reference: Plan) -> None:
    def amount(value: float) -> str:
        return format_number(value, ",", ".")

    def day_first(day: object) -> str:
        return str(day)[8:10] + "." + str(day)[5:7] + "." + str(day)[0:4]

    rows = lead_text_rows(leads, date_text=day_first, amount_text=amount) + summary_block(leads, amount)
    source = write_csv(tmp_path / "Export März.csv", rows, ";", "cp1252")
    done = _main("import", str(source), "--out", str(tmp_path / "plan.json"))
    assert done.returncode == 0, done.stderr
    assert "Left out 6 summary rows at the bottom of sheet 'Export März'" in done.stdout
    _same_figures(_plan(tmp_path / "plan.json"), reference)


def test_calc_on_a_csv_says_to_import_it(tmp_path: Path, leads: LeadData) -> None:
    source = write_csv(tmp_path / "x.csv", lead_text_rows(leads)[:50])
    done = _main("calc", str(source))
    assert done.returncode != 0
    assert (
        "x.csv is a spreadsheet export, not a plan: import it (File > Import last year's spreadsheet, or "
        "`main.py import x.csv --out plan.xlsx`)."
    ) in done.stderr
    assert "Traceback" not in done.stderr


def test_the_wizard_and_drag_and_drop_offer_csv(qtbot: object, tmp_path: Path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    from gui.import_wizard import SPREADSHEETS
    from gui.main_window import MainWindow

    assert "*.csv" in SPREADSHEETS.split(";;")[0]
    path = tmp_path / "export.csv"
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    assert MainWindow._dropped_path(event) == path


def test_the_wizard_scans_a_csv(tmp_path: Path, leads: LeadData, example_plan: Plan) -> None:
    source = write_csv(tmp_path / "leads.csv", lead_text_rows(leads))
    scan = scan_workbook(source)  # what the wizard's first page runs
    assert scan.ok, scan.problems
    assert scan.sheet == "leads" and scan.shape == "leads" and scan.header_row == 1
    assert scan.preview[1][1] == str(leads.channel[0])
    assert calibrate(scan, example_plan).plan is not None


# --------------------------------------------------------------------------- reading


def test_encodings_are_detected() -> None:
    text = "Lead Source,Amount\nMünchen Messe,12\n"
    assert decode(text.encode("utf-8")) == (text, "utf-8")
    assert decode(text.encode("utf-8-sig")) == (text, "utf-8-sig")
    assert decode(text.encode("utf-16")) == (text, "utf-16")
    assert decode(text.encode("cp1252")) == (text, "cp1252")


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected_despite_decimal_commas_and_a_title(delimiter: str) -> None:
    rows = [["CRM export FY2025"], ["Created Date", "Lead Source", "Amount"]]
    rows += [["2025-01-02", "Web, organic" if delimiter != "," else "Web", "12,5"] for _ in range(10)]
    quoted = "\n".join(delimiter.join(f'"{c}"' if delimiter in c else c for c in row) for row in rows)
    assert detect_delimiter(quoted) == delimiter


def test_a_workbook_named_csv_is_refused_with_what_to_do(tmp_path: Path) -> None:
    workbook = write_table(tmp_path / "real.xlsx", {"Leads": [["Created Date", "Status"], ["2025-01-01", "MQL"]]})
    renamed = tmp_path / "export.csv"
    renamed.write_bytes(workbook.read_bytes())
    scan = scan_workbook(renamed)
    assert not scan.ok
    assert "is a workbook (Excel or OpenDocument), not a CSV text file" in scan.problems[0].message
    assert scan.problems[0].location == "export.csv"


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"", "empty"), (b"\x00\x01\x02binary\x00", "not a text file"), (b'a,"b\n', None)],
)
def test_bad_csv_files_are_problems_not_tracebacks(tmp_path: Path, content: bytes, words: str | None) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    scan = scan_workbook(path)
    assert not scan.ok and scan.problems
    if words:
        assert words in scan.problems[0].message


def test_csv_files_meet_the_workbook_limits(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "big.csv", [["Created Date", "Status", "Amount"]] + [["2025-01-01", "MQL", "1"]] * 50)
    book, problem = open_csv(path, SpreadsheetLimits(max_cells=100))
    assert book is None and problem is not None and "more than 100 cells" in problem.message
    book, problem = open_csv(path, SpreadsheetLimits(max_file_bytes=100))
    assert book is None and problem is not None and "MB this planner reads" in problem.message
    book, problem = open_csv(path)
    assert book is not None and problem is None and book.sheet_names == ["big"]


def test_excel_sep_line_names_the_delimiter(tmp_path: Path, leads: LeadData, reference: Plan) -> None:
    path = tmp_path / "sep.csv"
    body = write_csv(tmp_path / "body.csv", lead_text_rows(leads), ";").read_bytes()
    path.write_bytes(b"sep=;\r\n" + body)
    book, problem = open_csv(path)
    assert problem is None and book is not None and book.delimiter == ";"
    assert book.sheet.rows[0][0] == "Created Date"
    done = _main("import", str(path), "--out", str(tmp_path / "plan.json"))
    assert done.returncode == 0, done.stderr
    _same_figures(_plan(tmp_path / "plan.json"), reference)


def test_the_wizard_imports_a_european_csv_export(qtbot: object, tmp_path: Path, leads: LeadData) -> None:
    from gui.import_wizard import ImportWizard
    from tests.test_gui_import import drive

    def amount(value: float) -> str:
        return format_number(value, ",", ".")

    rows = lead_text_rows(leads, amount_text=amount) + summary_block(leads, amount)
    source = write_csv(tmp_path / "crm export.csv", rows, ";")
    wizard = ImportWizard(_plan(example_plan_path()), None, source)
    qtbot.addWidget(wizard)  # type: ignore[attr-defined]
    drive(qtbot, wizard)
    assert "Left out 6 summary rows at the bottom of sheet 'crm export'" in wizard.figures_page.problems.text()
    wizard.accept()
    assert wizard.calibrated_plan is not None
    won = leads.amount[~np.isnan(leads.amount)]
    assert wizard.calibrated_plan.avg_deal_size == pytest.approx(float(np.mean(np.round(won, 2))), abs=0.01)
