"""The Tracking and Contingency pages as a person uses them (offscreen):
months elapsed set, actuals typed and pasted from Excel (one undo step), a
bad figure refused in words, the KPI, observed rates and the alarm (banner
and KPI strip) following the threshold, Import actuals off the GUI thread,
contingency sources edited, a contingency plan shown and copied into a
scenario; every new model through the model tester."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openpyxl import Workbook
from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

import gui.results  # noqa: F401  (applies the PySide6/Python 3.11 refcount work-around first)
from core.calc.contingency import with_contingency
from core.calc.contingency_lp import ContingencyPlan
from core.calc.results import PlanResult
from core.model.plan import Plan
from gui.document import PlanDocument
from gui.formatting import count_text, money_text, percent_text
from gui.main_window import MainWindow
from gui.models.actuals import ActualsModel, KpiModel, RatesModel
from gui.models.contingency import ScheduleModel, SourcesModel
from tests.gui_actions import click, click_cell, paste, type_in_cell, type_in_spin

# SQL well under the plan's ~200-260 a month: a deficit at observed rates
BLOCK = "2100\t1980\t2230\t2000\n700\t650\t690\t600\n150\t141\t122\t130\n"


def start_tracking(window: MainWindow, months: str = "4") -> None:
    window.show_page("Tracking")
    type_in_spin(window.tracking.months, months)
    assert window.tracking.tabs.isVisible()


def test_months_elapsed_then_a_typed_figure_is_one_undo_step(window: MainWindow) -> None:
    page = window.tracking
    window.show_page("Tracking")
    assert page.no_tracking.isVisible() and not page.tabs.isVisible()
    start_tracking(window)
    actuals = window.document.plan.actuals
    assert actuals is not None and actuals.months == 4
    assert (
        page.stage_model.columnCount() == 4 and page.stage_model.headerData(1, Qt.Orientation.Horizontal) == "2027-02"
    )
    before = window.document.undo_stack.count()
    type_in_cell(page.stage_table, 2, 1, "150")  # SQL, February
    actuals = window.document.plan.actuals
    assert actuals is not None and actuals.stages == (("SQL", (0.0, 150.0, 0.0, 0.0)),)
    assert window.document.undo_stack.count() == before + 1
    window.undo_action.trigger()
    actuals = window.document.plan.actuals
    assert actuals is not None and actuals.stages == ()


def test_a_block_pasted_from_excel_is_one_undo_step_and_sounds_the_alarm(window: MainWindow) -> None:
    page = window.tracking
    start_tracking(window)
    before = window.document.undo_stack.count()
    paste(page.stage_table, 0, 0, BLOCK)
    actuals = window.document.plan.actuals
    assert actuals is not None
    assert dict(actuals.stages) == {
        "Inquiry": (2100.0, 1980.0, 2230.0, 2000.0),
        "MQL": (700.0, 650.0, 690.0, 600.0),
        "SQL": (150.0, 141.0, 122.0, 130.0),
    }
    assert window.document.undo_stack.count() == before + 1
    result = window.document.result
    assert result is not None and result.tracking is not None and result.tracking.alarm
    tracking = result.tracking
    assert page.banner.isVisible() and page.banner.text().startswith("Alarm")
    assert count_text(tracking.projected_deficit) in page.banner.text()
    strip = window.kpis.tracking
    assert strip.isVisible() and strip.value.property("bad") is True
    assert count_text(tracking.projected_deficit) in strip.value.text()
    # the KPI table: a row a month, the actuals in the months elapsed, forecasts after
    assert page.kpi_model.rowCount() == 12
    assert page.kpi_model.index(0, 1).data() == count_text(150.0)
    assert page.kpi_model.index(5, 1).data() == ""
    # the observed rates: the gate's step first
    rates = page.rates_model
    assert rates.headerData(0, Qt.Orientation.Vertical) == "MQL → SQL (gate)"
    assert rates.index(0, 1).data() == percent_text(tracking.observed_rates["MQL"])
    window.undo_action.trigger()
    actuals = window.document.plan.actuals
    assert actuals is not None and actuals.stages == ()
    after = window.document.result.tracking  # type: ignore[union-attr]
    assert after is not None and after.projected_deficit < tracking.projected_deficit
    assert count_text(after.projected_deficit) in page.banner.text()  # the banner follows the undo


def test_the_threshold_silences_the_alarm_in_the_banner_and_the_strip(window: MainWindow) -> None:
    page = window.tracking
    start_tracking(window)
    paste(page.stage_table, 0, 0, BLOCK)
    tracking = window.document.result.tracking  # type: ignore[union-attr]
    assert tracking is not None and tracking.alarm
    share = tracking.projected_deficit / tracking.remaining_requirement
    type_in_spin(page.threshold, f"{share * 100 + 5:.1f}")
    actuals = window.document.plan.actuals
    assert actuals is not None and actuals.alarm_share == pytest.approx(round(share * 100 + 5, 1) / 100)
    tracking = window.document.result.tracking  # type: ignore[union-attr]
    assert tracking is not None and not tracking.alarm
    assert not page.banner.text().startswith("Alarm") and "within the" in page.banner.text()
    assert window.kpis.tracking.value.property("bad") is False


def test_a_negative_figure_is_refused_naming_the_stage_and_month(window: MainWindow) -> None:
    page = window.tracking
    start_tracking(window, "2")
    plan = window.document.plan
    type_in_cell(page.stage_table, 2, 1, "-5")
    assert window.document.plan == plan
    assert page.message_bar.isVisible()
    assert "SQL in Feb 2027" in page.message_bar.text() and "negative" in page.message_bar.text()
    paste(page.stage_table, 0, 0, "100\tabc\n")
    assert window.document.plan == plan


def test_spend_by_channel_is_entered_on_its_own_tab(window: MainWindow) -> None:
    page = window.tracking
    start_tracking(window, "2")
    page.tabs.setCurrentIndex(1)
    QApplication.processEvents()
    paste(page.spend_table, 0, 0, "$24,000\t23,100\n")
    actuals = window.document.plan.actuals
    assert actuals is not None and actuals.spend == (("Webinars", (24000.0, 23100.0)),)
    click_cell(page.spend_table, 0, 1)
    click(page.clear_spend)
    actuals = window.document.plan.actuals
    assert actuals is not None and actuals.spend == ()


def _write_monthly(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Month", "Inquiries", "MQLs", "SQLs"])
    for t, (a, b, c) in enumerate([(2100, 700, 150), (1980, 650, 141), (2230, 690, 122)]):
        sheet.append([dt.date(2027, 1 + t, 1), a, b, c])
    book.save(path)
    return path


def test_import_actuals_reads_off_the_gui_thread_as_one_undo_step(
    window: MainWindow, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write_monthly(tmp_path / "this year.xlsx")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    page = window.tracking
    window.show_page("Tracking")
    before = window.document.undo_stack.count()
    click(page.import_button)
    qtbot.waitUntil(lambda: page.import_button.isEnabled() and window.document.plan.actuals is not None, timeout=20000)
    actuals = window.document.plan.actuals
    assert actuals is not None and actuals.months == 3
    assert dict(actuals.stages)["SQL"] == (150.0, 141.0, 122.0)
    assert page.months.value() == 3 and page.tabs.isVisible()
    assert window.document.undo_stack.count() == before + 1
    window.undo_action.trigger()
    assert window.document.plan.actuals is None


def test_contingency_sources_are_added_edited_and_removed(window: MainWindow) -> None:
    page = window.contingency
    window.show_page("Contingency")
    count = page.sources.rowCount()
    assert count == 3  # the example plan keeps three ready
    click(page.add)
    assert page.sources.rowCount() == count + 1
    type_in_cell(page.source_table, count, SourcesModel.COST, "300")
    type_in_cell(page.source_table, count, SourcesModel.CAPACITY, "20")
    source = window.document.plan.contingency.sources[-1]  # type: ignore[union-attr]
    assert source.cost_per_item == 300.0 and source.max_per_month == (20.0,) * 12
    type_in_cell(page.source_table, count, SourcesModel.LEAD, "1.5")
    assert "whole number of months" in page.message_bar.text()
    type_in_cell(page.source_table, count, SourcesModel.STAGE, "Opportunity")  # below the gate
    assert window.document.plan.contingency.sources[-1].stage == "SQL"  # type: ignore[union-attr]
    assert "below the qualified-lead stage" in page.message_bar.text()
    page.objective.setCurrentIndex(1)
    page.objective.activated.emit(1)
    assert window.document.plan.contingency.objective == "cheapest"  # type: ignore[union-attr]
    click_cell(page.source_table, 0, 0)
    click(page.remove)
    assert page.sources.rowCount() == count
    window.undo_action.trigger()
    assert page.sources.rowCount() == count + 1


def _schedule(months: int) -> ContingencyPlan:
    vendor = np.zeros(months)
    vendor[4:7] = [40, 40, 20]
    burst = np.zeros(months)
    burst[4] = 1500
    shortfall = np.zeros(months)
    shortfall[4] = 12
    return ContingencyPlan(
        from_month=4,
        objective="fastest",
        names=("Appointment-setting vendor", "Content syndication burst"),
        items=(vendor, burst),
        cost=(100 * 450.0, 1500 * 75.0),
        cost_total=100 * 450.0 + 1500 * 75.0,
        uncovered=0.0,
        covered_from=5,
        delivered=vendor * 1.0,
        shortfall=shortfall,
    )


def attach_contingency(monkeypatch: pytest.MonkeyPatch) -> None:
    """Results with a contingency plan for tracking (none for a spec change) from the next calculation on."""
    from core.calc.engine import calculate

    def with_plans(plan: Plan) -> PlanResult:
        return replace(calculate(plan), contingency={"tracking": _schedule(plan.months)})

    monkeypatch.setattr("gui.document.calculate", with_plans)


def test_a_contingency_plan_shows_and_copies_into_a_scenario(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    page = window.contingency
    window.show_page("Contingency")
    # the example plan proposes a stricter spec: its deficit's plan, worked out by the LP off the GUI thread
    qtbot.waitUntil(page.tabs.isVisible, timeout=10_000)
    assert page.tabs.isVisible() and page.tabs.isTabVisible(0) and not page.tabs.isTabVisible(1)
    result = window.document.result
    assert result is not None and result.contingency is None  # not on every edit
    plans = with_contingency(window.document.plan, result).contingency
    assert plans is not None and plans["spec_change"].cost_total > 0
    spec = page.panels["spec_change"]
    assert money_text(plans["spec_change"].cost_total, "USD") in spec.summary.text()
    assert spec.model.rowCount() == 12 and spec.copy.isEnabled()
    attach_contingency(monkeypatch)
    start_tracking(window)
    window.show_page("Contingency")
    assert page.tabs.isVisible() and page.tabs.isTabVisible(1) and not page.tabs.isTabVisible(0)
    panel = page.panels["tracking"]
    assert panel.model.rowCount() == 8  # May to December
    assert panel.model.headerData(0, Qt.Orientation.Vertical) == "2027-05"
    assert panel.model.index(0, 0).data() == "40" and panel.model.index(0, 1).data() == "1,500"
    assert panel.model.index(0, 4).data() == "12"  # still short in May
    assert "covered from Jun 27" in panel.summary.text() and "$157,500" in panel.summary.text()
    scenarios = len(window.document.scenarios)
    click(panel.copy)
    assert len(window.document.scenarios) == scenarios + 1
    bought = window.document.plan
    assert window.document.active_scenario.name == "Contingency for the forecast"
    vendor = next(s for s in bought.free_sources if s.name == "Contingency: Appointment-setting vendor")
    assert vendor.stage == "SQL" and vendor.volume[4:7] == (40.0, 40.0, 20.0)
    channel = next(c for c in bought.channels if c.name == "Contingency sources")
    assert channel.fixed_cost[4] == pytest.approx(40 * 450 + 1500 * 75)
    window.undo_action.trigger()
    assert len(window.document.scenarios) == scenarios


MODELS: dict[str, Callable[[PlanDocument], QAbstractItemModel]] = {
    "actuals by stage": lambda d: ActualsModel(d, "stages"),
    "spend by channel": lambda d: ActualsModel(d, "spend"),
    "kpi": KpiModel,
    "rates": RatesModel,
    "sources": SourcesModel,
    "schedule": lambda d: ScheduleModel(d, "tracking"),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_every_new_model_passes_the_model_tester(
    qtmodeltester: Any, window: MainWindow, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One tester per model (a tester watches the model it checked last, and checks it once), then
    the edits that reshape it, watched: the actuals' columns going and coming back."""
    attach_contingency(monkeypatch)
    start_tracking(window)
    paste(window.tracking.stage_table, 0, 0, BLOCK)
    model = MODELS[name](window.document)
    qtmodeltester.check(model, force_py=True)
    window.undo_action.trigger()
    window.undo_action.trigger()  # not tracking any more: the actuals' columns go
    assert window.document.plan.actuals is None
    window.redo_action.trigger()
    window.redo_action.trigger()
    assert window.document.plan.actuals is not None and len(window.document.plan.actuals.stages) == 3
    assert model.rowCount() > 0


def test_renaming_a_channel_keeps_its_spend_in_one_undo_step(window: MainWindow) -> None:
    """Spend recorded for 'Webinars', then the channel renamed on the
    Channels page: the spend is under the new name; Undo restores both."""
    page = window.tracking
    start_tracking(window, "2")
    page.tabs.setCurrentIndex(1)
    QApplication.processEvents()
    paste(page.spend_table, 0, 0, "24000\t23100\n")
    before = window.document.plan
    window.show_page("Channels & budget")
    type_in_cell(window.channels.channel_table, 0, 0, "Online events")
    plan = window.document.plan
    assert plan.channels[0].name == "Online events"
    assert plan.actuals is not None and plan.actuals.spend == (("Online events", (24000.0, 23100.0)),)
    window.document.undo_stack.undo()
    assert window.document.plan == before
