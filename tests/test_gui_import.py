"""The import wizard on generated workbooks: the file is read and calibrated
off the GUI thread, the recognised columns and calibrated figures with their
sample sizes are shown, and Finish puts them into the plan as one undo step."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QWizard, QWizardPage

from core.model.plan import Plan
from gui.import_wizard import ImportWizard
from gui.main_window import MainWindow
from tests.data_builders import make_leads, write_leads, write_monthly

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def leads_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("import") / "leads 2025.xlsx"
    return write_leads(make_leads(3000, seed=7), path)


def press_next(qtbot, wizard: ImportWizard, page: QWizardPage) -> None:  # type: ignore[no-untyped-def]
    """Click the real Next button (enabled) and wait for the next page's background work."""
    button = wizard.button(QWizard.WizardButton.NextButton)
    assert button.isEnabled()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is page
    qtbot.waitUntil(
        lambda: wizard.button(QWizard.WizardButton.NextButton).isEnabled() or page.isComplete(), timeout=60000
    )


def drive(qtbot, wizard: ImportWizard) -> None:  # type: ignore[no-untyped-def]
    """Next through the pages by the real buttons, waiting for the background work of each."""
    wizard.show()
    press_next(qtbot, wizard, wizard.columns_page)
    press_next(qtbot, wizard, wizard.figures_page)
    qtbot.waitUntil(wizard.button(QWizard.WizardButton.FinishButton).isEnabled, timeout=60000)


def test_wizard_shows_columns_and_calibrated_figures(qtbot, example_plan: Plan, leads_workbook: Path) -> None:  # type: ignore[no-untyped-def]
    wizard = ImportWizard(example_plan, None, leads_workbook)
    qtbot.addWidget(wizard)
    drive(qtbot, wizard)
    page = wizard.columns_page
    assert "a row per lead" in page.summary.text()
    roles = [page.columns.cellWidget(r, 2).currentData() for r in range(page.columns.rowCount())]  # type: ignore[union-attr]
    assert "channel" in roles and "created_date" in roles
    assert page.preview.rowCount() > 1
    figures = wizard.figures_page.figures
    assert figures.rowCount() > 0
    samples = [int(figures.item(r, 3).text().replace(",", "")) for r in range(figures.rowCount())]
    assert max(samples) > 100
    wizard.accept()
    assert wizard.calibrated_plan is not None
    assert wizard.calibrated_plan != example_plan


def test_fixing_the_mapping_reads_again(qtbot, example_plan: Plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_monthly(tmp_path / "summary.xlsx")
    wizard = ImportWizard(example_plan, None, path)
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.columns_page
    press_next(qtbot, wizard, page)
    qtbot.waitUntil(wizard.button(QWizard.WizardButton.NextButton).isEnabled, timeout=60000)
    assert "a row per month" in page.summary.text()
    row = next(r for r in range(page.columns.rowCount()) if page.columns.cellWidget(r, 2).currentData() != "month")  # type: ignore[union-attr]
    header = page.columns.item(row, 0).text()
    combo = page.columns.cellWidget(row, 2)
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findText("Ignore this column"))
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # waits for Read again
    QTest.mouseClick(page.reread, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(wizard.button(QWizard.WizardButton.NextButton).isEnabled, timeout=60000)
    assert wizard.mapping is not None and wizard.mapping.columns[header] == "ignore"
    assert header not in [c.header for c in wizard.scan.columns]  # type: ignore[union-attr]
    wizard.reject()


def test_import_from_the_window_is_one_undoable_step(
    qtbot,
    tmp_path: Path,
    leads_workbook: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, tmp_path / "recovery.json")
    before = window.document.plan

    def run_modal(wizard: ImportWizard) -> int:
        drive(qtbot, wizard)
        wizard.accept()
        return 1

    monkeypatch.setattr(ImportWizard, "exec", run_modal)
    window.import_wizard(leads_workbook)
    assert window.document.plan != before
    assert window.document.result is not None
    assert window.document.undo_stack.count() == 1
    window.undo_action.trigger()
    assert window.document.plan == before
    window.maybe_save = lambda: True  # type: ignore[method-assign]
    window.close()
    QApplication.processEvents()
