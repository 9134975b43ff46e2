"""The import wizard driven as a person drives it: the real Next and Finish
buttons are clicked (and must be enabled once the background read or
calibration has ended), for a monthly summary and for a lead-level CRM
export, from the File menu as well; whatever keeps a button disabled is said
on the page; no text the wizard shows is an internal field path, and each
column's meaning is offered in words, never as a role id like ``stage:MQL``."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QFileDialog, QLabel, QPushButton, QTableWidget, QWidget, QWizard

from core.importer.columns import valid_role
from core.model.plan import Plan
from gui.import_wizard import Busy, ImportWizard
from gui.main_window import MainWindow
from tests.data_builders import MonthlyTruth, make_leads, write_leads, write_monthly, write_table

pytestmark = pytest.mark.gui

NEXT = QWizard.WizardButton.NextButton
FINISH = QWizard.WizardButton.FinishButton
PATH_LIKE = re.compile(
    r"\w\[\d+\]|\b(stages|channels|lead_spec|proposed_lead_spec|targets|capacity|mapping)\.(?!json)[a-z_]"
)
WAIT_MS = 60_000
ROLE_ID = re.compile(r"\b\w+[:@]\w")


@pytest.fixture(scope="module")
def leads_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_leads(make_leads(2000, seed=11), tmp_path_factory.mktemp("wizard") / "crm export.xlsx")


def shown_texts(root: QWidget) -> list[str]:
    """Every label and table cell the person can see under ``root``."""
    texts: list[str] = []
    for label in root.findChildren(QLabel):
        if label.isVisibleTo(root) and label.text():
            texts.append(re.sub(r"<[^>]+>", "", label.text()))
    for table in root.findChildren(QTableWidget):
        if not table.isVisibleTo(root):
            continue
        for r in range(table.rowCount()):
            for c in range(table.columnCount()):
                item = table.item(r, c)
                if item is not None:
                    texts += [item.text(), item.toolTip()]
    return texts


def assert_no_paths(root: QWidget) -> None:
    bad = [t for t in shown_texts(root) if PATH_LIKE.search(t)]
    assert not bad, f"internal field paths shown to the user: {bad}"


def wait_for_work(qtbot, wizard: ImportWizard) -> None:  # type: ignore[no-untyped-def]
    """Wait, as the person does, until the current page's progress bar has gone."""
    page = wizard.currentPage()
    busy = page.findChild(Busy)
    assert busy is not None
    qtbot.waitUntil(lambda: busy.isHidden() and not busy.running(), timeout=WAIT_MS)


def press(wizard: ImportWizard, which: QWizard.WizardButton) -> None:
    """Click a wizard button, which must be on screen and enabled."""
    button = wizard.button(which)
    page = wizard.currentPage()
    reason = " | ".join(label.text() for label in page.findChildren(QLabel) if label.isVisibleTo(page))
    assert button.isVisible(), f"{button.text()} is not shown on '{page.title()}'"
    assert button.isEnabled(), f"{button.text()} is disabled on '{page.title()}': {reason}"
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def through_the_wizard(qtbot, wizard: ImportWizard, shape: str) -> None:  # type: ignore[no-untyped-def]
    """File page -> Next -> (read) -> Next -> (calibrate) -> Finish, by the buttons."""
    wizard.show()
    assert wizard.currentPage() is wizard.file_page
    press(wizard, NEXT)
    assert wizard.currentPage() is wizard.columns_page
    wait_for_work(qtbot, wizard)
    assert shape in wizard.columns_page.summary.text()
    assert wizard.columns_page.note.text() == ""
    press(wizard, NEXT)
    assert wizard.currentPage() is wizard.figures_page
    wait_for_work(qtbot, wizard)
    assert wizard.figures_page.figures.rowCount() > 0
    assert_no_paths(wizard)
    press(wizard, FINISH)


def test_a_monthly_summary_imports_with_the_real_buttons(qtbot, example_plan: Plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    truth = MonthlyTruth()
    wizard = ImportWizard(example_plan, None, write_monthly(tmp_path / "summary 2024.xlsx", truth))
    qtbot.addWidget(wizard)
    through_the_wizard(qtbot, wizard, "a row per month")
    assert wizard.result() == QWizard.DialogCode.Accepted
    plan = wizard.calibrated_plan
    assert plan is not None
    # the summary's volumes follow known rates exactly: Finish hands over the data's rates
    assert plan.stages[0].rate == pytest.approx(truth.rates[0], rel=1e-6)
    assert plan.stages[1].rate == pytest.approx(truth.rates[1], rel=1e-6)
    assert example_plan.stages[0].rate != pytest.approx(truth.rates[0], rel=1e-3)


def test_a_lead_level_export_imports_from_the_file_menu(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path, leads_workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, tmp_path / "recovery.json")
    qtbot.addWidget(window)
    before = window.document.plan
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_args, **_kw: (str(leads_workbook), ""))

    def as_the_user(wizard: ImportWizard) -> int:
        browse = next(b for b in wizard.file_page.findChildren(QPushButton) if b.text() == "Browse…")
        QTest.mouseClick(browse, Qt.MouseButton.LeftButton)
        assert wizard.file_page.path.text() == str(leads_workbook)
        through_the_wizard(qtbot, wizard, "a row per lead")
        return wizard.result()

    monkeypatch.setattr(ImportWizard, "exec", as_the_user)
    window.import_action.trigger()
    assert window.document.plan != before
    assert window.document.result is not None
    assert window.document.undo_stack.count() == 1
    window.undo_action.trigger()
    assert window.document.plan == before
    window.maybe_save = lambda: True  # type: ignore[method-assign]
    window.close()
    QApplication.processEvents()


def test_a_changed_column_waits_for_read_again_and_says_so(qtbot, example_plan: Plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wizard = ImportWizard(example_plan, None, write_monthly(tmp_path / "summary.xlsx"))
    qtbot.addWidget(wizard)
    wizard.show()
    press(wizard, NEXT)
    wait_for_work(qtbot, wizard)
    page = wizard.columns_page
    assert wizard.button(NEXT).isEnabled()
    row = next(r for r in range(page.columns.rowCount()) if page.columns.item(r, 0).text() == "Events spend")  # type: ignore[union-attr]
    combo = page.columns.cellWidget(row, 2)
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findText("Ignore this column"))
    assert not wizard.button(NEXT).isEnabled()
    assert "Read again" in page.note.text() and page.note.isVisibleTo(wizard)
    QTest.mouseClick(page.reread, Qt.MouseButton.LeftButton)
    wait_for_work(qtbot, wizard)
    assert wizard.mapping is not None and wizard.mapping.columns["Events spend"] == "ignore"
    assert "Events spend" not in [c.header for c in wizard.scan.columns]  # type: ignore[union-attr]
    assert page.note.text() == ""
    press(wizard, NEXT)
    wait_for_work(qtbot, wizard)
    assert wizard.button(FINISH).isEnabled()
    wizard.reject()


def test_a_sheet_that_is_not_a_table_says_why_next_is_disabled(qtbot, example_plan: Plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "notes.csv"
    path.write_text("Some notes\nnothing to import here\n", encoding="utf-8")
    wizard = ImportWizard(example_plan, None, path)
    qtbot.addWidget(wizard)
    wizard.show()
    press(wizard, NEXT)
    wait_for_work(qtbot, wizard)
    assert not wizard.button(NEXT).isEnabled()
    page = wizard.columns_page
    said = page.note.text() + page.problems.text()
    assert said.strip(), "Next is disabled without a word on the page"
    assert_no_paths(wizard)
    wizard.reject()


def test_a_broken_mapping_file_is_explained_in_words(qtbot, example_plan: Plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"columns": 5, "header_row": "two"}), encoding="utf-8")
    wizard = ImportWizard(example_plan, None, write_monthly(tmp_path / "summary.xlsx"))
    qtbot.addWidget(wizard)
    wizard.file_page.mapping.setText(str(mapping))
    wizard.show()
    press(wizard, NEXT)
    assert wizard.currentPage() is wizard.file_page
    assert "mapping.json" in wizard.file_page.error.text()
    assert_no_paths(wizard)
    wizard.reject()


def test_import_warnings_are_shown_in_words(qtbot, example_plan: Plan, leads_workbook: Path) -> None:  # type: ignore[no-untyped-def]
    wizard = ImportWizard(example_plan, None, leads_workbook)
    qtbot.addWidget(wizard)
    wizard.show()
    press(wizard, NEXT)
    wait_for_work(qtbot, wizard)
    press(wizard, NEXT)
    wait_for_work(qtbot, wizard)
    calibration = wizard.calibration
    assert calibration is not None
    warnings = [p for p in calibration.problems if p.severity == "warning"]
    assert warnings, "the example plan has channels the export lacks: the importer warns"
    shown = html.unescape(re.sub(r"<[^>]+>", "", wizard.figures_page.problems.text()))
    for problem in warnings[:8]:
        assert problem.message in shown
        if PATH_LIKE.search(problem.field):  # a field that is a path stays internal
            assert problem.field not in shown
    assert_no_paths(wizard)
    wizard.reject()


def columns_page_read(qtbot, example_plan: Plan, path: Path) -> ImportWizard:  # type: ignore[no-untyped-def]
    """The wizard on the 'Sheet and columns' page once ``path`` has been read."""
    wizard = ImportWizard(example_plan, None, path)
    qtbot.addWidget(wizard)
    wizard.show()
    press(wizard, NEXT)
    assert wizard.currentPage() is wizard.columns_page
    wait_for_work(qtbot, wizard)
    return wizard


def column_rows(wizard: ImportWizard) -> list[tuple[str, QComboBox, str]]:
    """Each listed column: its header, its choice of meaning and its note."""
    table = wizard.columns_page.columns
    rows = []
    for r in range(table.rowCount()):
        combo = table.cellWidget(r, 2)
        assert isinstance(combo, QComboBox)
        rows.append((table.item(r, 0).text(), combo, table.item(r, 3).text()))  # type: ignore[union-attr]
    return rows


def role_kind(role: str) -> str:
    """``stage:MQL`` -> ``stage:``, ``spend@Webinars`` -> ``spend@``, ``month`` -> ``month``."""
    match = re.match(r"\w+[:@]", role)
    return match.group(0) if match else role


@pytest.mark.parametrize(
    ("shape", "kinds", "examples"),
    [
        (
            "a row per month",
            {"ignore", "month", "channel", "revenue", "spend", "id", "stage:", "spend@"},
            ["Count entering stage MQL", "Spend on channel Webinars", "Month", "Ignore this column"],
        ),
        (
            "a row per lead",
            {"ignore", "created_date", "channel", "status", "amount", "id", "date:", "stage:", "criterion:"},
            ["Date entered stage MQL", "Lead source / channel", "Created date", "Deal amount", "Ignore this column"],
        ),
    ],
)
def test_every_column_meaning_is_offered_in_words(  # type: ignore[no-untyped-def]
    qtbot, example_plan: Plan, tmp_path: Path, leads_workbook: Path, shape: str, kinds: set[str], examples: list[str]
) -> None:
    path = write_monthly(tmp_path / "summary.xlsx") if shape == "a row per month" else leads_workbook
    wizard = columns_page_read(qtbot, example_plan, path)
    assert shape in wizard.columns_page.summary.text()
    scan = wizard.scan
    assert scan is not None
    read_as = {c.header: c.role for c in scan.columns} | {c.header: "ignore" for c in scan.ignored}
    rows = column_rows(wizard)
    assert len(rows) == len(read_as) > 3
    for header, combo, note in rows:
        texts = [combo.itemText(i) for i in range(combo.count())]
        roles = [combo.itemData(i) for i in range(combo.count())]
        shown = [*texts, combo.currentText(), note]
        assert not [t for t in shown if ROLE_ID.search(t) or "_" in t], f"'{header}' offers role ids: {shown}"
        assert len(set(texts)) == len(texts), f"'{header}' offers two meanings under one name: {texts}"
        assert all(isinstance(r, str) and valid_role(r) for r in roles), roles
        assert combo.currentData() == read_as[header]  # the id stays the choice's data
        assert kinds <= {role_kind(r) for r in roles}, f"'{header}' lacks some meanings: {texts}"
        for example in examples:
            assert example in texts
    wizard.reject()


def test_why_a_column_is_ignored_is_said_in_words(qtbot, example_plan: Plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows: list[list[object]] = [["Month", "Inquiries", "Leads", "MQLs", "Won", "Amount", "Spend"]]
    rows += [[f"2024-{m:02d}", 100 + m, 100 + m, 40 + m, 5, 9000, 5000] for m in range(1, 13)]
    wizard = columns_page_read(qtbot, example_plan, write_table(tmp_path / "summary.xlsx", {"Summary": rows}))
    notes = {header: note for header, _combo, note in column_rows(wizard)}
    assert "Count entering stage Inquiry" in notes["Leads"]  # a second column for the same meaning
    assert "Deal amount" in notes["Amount"] and "lead-level" in notes["Amount"]
    assert not [n for n in notes.values() if ROLE_ID.search(n)], notes
    # the person ignores a column here: it is said to be their choice, not a mapping file's
    _header, combo, _note = next(row for row in column_rows(wizard) if row[0] == "Spend")
    combo.setCurrentIndex(combo.findText("Ignore this column"))
    QTest.mouseClick(wizard.columns_page.reread, Qt.MouseButton.LeftButton)
    wait_for_work(qtbot, wizard)
    notes = {header: note for header, _combo, note in column_rows(wizard)}
    assert notes["Spend"] == "ignored as you chose"
    assert wizard.mapping is not None and wizard.mapping.columns["Spend"] == "ignore"
    wizard.reject()
