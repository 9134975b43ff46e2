"""Each CRM's export imported end to end through the wizard, by its real
buttons: HubSpot contacts, Salesforce reports, Pipedrive deals, Dynamics 365
opportunities. The wizard shows each lead source as a free source or a paid
channel and what was kept from the base plan; a source's kind changed by the
person is used once they press Calibrate again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QWizard

from core.model.plan import Plan
from gui.import_wizard import ImportWizard
from tests.crm_exports import (
    DEAL_TRUTH,
    DYNAMICS_TRUTH,
    SF_TRUTH,
    Truth,
    hubspot_rows,
    pipedrive_rows,
    salesforce_sheets,
    simulate,
    write_csv_rows,
    write_dynamics,
    write_xlsx,
)
from tests.test_gui_wizard_buttons import FINISH, NEXT, assert_no_paths, press, wait_for_work

pytestmark = pytest.mark.gui


def _hubspot(folder: Path) -> Path:
    return write_xlsx(folder / "hubspot.xlsx", {"Contacts": hubspot_rows(simulate(Truth(), 2500, seed=1))})


def _hubspot_entered(folder: Path) -> Path:
    return write_csv_rows(folder / "hubspot.csv", hubspot_rows(simulate(Truth(), 2500, seed=2), "entered"))


def _salesforce(folder: Path) -> Path:
    return write_xlsx(folder / "salesforce.xlsx", salesforce_sheets(simulate(SF_TRUTH, 2500, seed=3), True))


def _salesforce_without_ids(folder: Path) -> Path:
    sheets = salesforce_sheets(simulate(SF_TRUTH, 2500, seed=6), False, ids=False)
    return write_xlsx(folder / "salesforce-reports.xlsx", sheets)


def _pipedrive(folder: Path) -> Path:
    return write_xlsx(folder / "pipedrive.xlsx", {"Deals": pipedrive_rows(simulate(DEAL_TRUTH, 2000, seed=4))})


def _dynamics(folder: Path) -> Path:
    return write_dynamics(folder / "dynamics.xlsx", simulate(DYNAMICS_TRUTH, 2000, seed=5))


EXPORTS: dict[str, tuple[Callable[[Path], Path], str, str]] = {
    # name: (builder, a free source, a paid channel)
    "hubspot": (_hubspot, "Organic Search", "Paid Social"),
    "hubspot-entered": (_hubspot_entered, "Referrals", "Paid Search"),
    "salesforce": (_salesforce, "Word of mouth", "Trade Show"),
    "salesforce-without-ids": (_salesforce_without_ids, "Word of mouth", "Trade Show"),
    "pipedrive": (_pipedrive, "Organic search", "Paid social"),
    "dynamics": (_dynamics, "Word of Mouth", "Advertisement"),
}


def _source_rows(wizard: ImportWizard) -> dict[str, QComboBox]:
    table = wizard.figures_page.sources.table
    out: dict[str, QComboBox] = {}
    for r in range(table.rowCount()):
        item, combo = table.item(r, 0), table.cellWidget(r, 2)
        assert item is not None and isinstance(combo, QComboBox)
        out[item.text()] = combo
    return out


@pytest.mark.parametrize("name", list(EXPORTS))
def test_a_crm_export_imports_through_the_wizard(qtbot, example_plan: Plan, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    build, free, paid = EXPORTS[name]
    wizard = ImportWizard(example_plan, None, build(tmp_path))
    qtbot.addWidget(wizard)
    wizard.show()
    press(wizard, NEXT)
    wait_for_work(qtbot, wizard)
    rows_are = "a row per deal" if name in ("pipedrive", "dynamics") else "a row per lead"
    assert rows_are in wizard.columns_page.summary.text()
    if name == "salesforce-without-ids":  # both reports used, and the wizard says so before calibrating
        assert "Deals from sheet 'Opportunities'" in wizard.columns_page.summary.text()
    press(wizard, NEXT)
    wait_for_work(qtbot, wizard)
    page = wizard.figures_page
    assert page.figures.rowCount() > 0
    sources = _source_rows(wizard)
    assert sources[free].currentData() == "free" and sources[paid].currentData() == "paid"
    said = page.sources.provenance.text()
    assert "From the data:" in said and "Average deal size" in said
    assert_no_paths(wizard)
    press(wizard, FINISH)
    assert wizard.result() == QWizard.DialogCode.Accepted
    plan = wizard.calibrated_plan
    assert plan is not None
    assert paid in [c.name for c in plan.channels] and free in [f.name for f in plan.free_sources]
    assert plan.avg_deal_size != example_plan.avg_deal_size


def test_a_source_changed_to_paid_is_used_after_calibrate_again(qtbot, example_plan: Plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wizard = ImportWizard(example_plan, None, _pipedrive(tmp_path))
    qtbot.addWidget(wizard)
    wizard.show()
    press(wizard, NEXT)
    wait_for_work(qtbot, wizard)
    press(wizard, NEXT)
    wait_for_work(qtbot, wizard)
    page = wizard.figures_page
    combo = _source_rows(wizard)["Direct traffic"]
    assert combo.currentData() == "free"
    combo.setCurrentIndex(combo.findData("paid"))
    assert not wizard.button(FINISH).isEnabled()
    assert "Calibrate again" in page.sources.note.text()
    assert page.sources.again.isEnabled()
    QTest.mouseClick(page.sources.again, Qt.MouseButton.LeftButton)
    wait_for_work(qtbot, wizard)
    assert _source_rows(wizard)["Direct traffic"].currentData() == "paid"
    press(wizard, FINISH)
    plan = wizard.calibrated_plan
    assert plan is not None
    assert "Direct traffic" in [c.name for c in plan.channels]
    assert "Direct traffic" not in [f.name for f in plan.free_sources]


def test_the_wizard_calls_a_warning_a_note_once() -> None:
    from core.model.plan import Problem
    from gui.import_wizard import problems_html

    html = problems_html([Problem("channels", "Channels of the base plan not in the data were dropped: X.", "warning")])
    assert "Note: Channels of the base plan not in the data were dropped: X." in html
    assert "warning" not in html
