"""The v2 inputs in the app, as a person uses them (offscreen): a stage's
timing switched to a profile by month, the target going on after the plan,
the nurture pool turned on and set; each edit one undo step, a bad entry
refused in place in words, and the Results page showing the pool and what
the plan carries over."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

import gui.results  # noqa: F401  (applies the PySide6/Python 3.11 refcount work-around first)
from core.model.plan import Plan
from gui.document import PlanDocument
from gui.formatting import count_text
from gui.main_window import MainWindow
from gui.models.tables import MonthlyModel, StagesModel, nurture_columns
from gui.results.compare import KEY_FIGURES
from gui.widgets.timing import TimingDialog, parse_shares
from tests.gui_actions import click


def retype(edit: QLineEdit, text: str) -> None:
    """Select the field's text, type over it and press Enter (as a person does)."""
    assert edit.isVisible() and edit.isEnabled()
    edit.setFocus()
    edit.selectAll()
    if text:
        QTest.keyClicks(edit, text)
    else:
        QTest.keyClick(edit, Qt.Key.Key_Delete)
    QTest.keyClick(edit, Qt.Key.Key_Return)
    QApplication.processEvents()


def open_timing(window: MainWindow, row: int) -> TimingDialog:
    page = window.funnel
    window.show_page("Funnel")
    page.table.setCurrentIndex(page.model.index(row, StagesModel.NAME))
    click(page.timing)
    dialog = page.timing_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_a_stage_switches_to_a_profile_by_month_and_back_with_undo(window: MainWindow) -> None:
    before = window.document.plan
    row = before.stage_index("Opportunity")
    assert row is not None and before.stages[row].lag_profile is None
    dialog = open_timing(window, row)
    click(dialog.by_month)
    dialog.shares.selectAll()
    QTest.keyClicks(dialog.shares, "10 30 30 20 10")
    assert "Adds up to 100 %" in dialog.summary.text()
    assert [round(v, 3) for v in dialog.bars.shares] == [0.1, 0.3, 0.3, 0.2, 0.1]
    click(dialog.ok)
    assert not dialog.isVisible()
    stage = window.document.plan.stages[row]
    assert stage.lag_profile == pytest.approx((0.1, 0.3, 0.3, 0.2, 0.1)) and stage.lag_days is None
    result = window.document.result
    assert result is not None
    shown = window.funnel.model.index(row, StagesModel.LAG).data()
    assert shown.startswith(f"{round(result.lag_days[row])} days") and "profile 10/30/30/20/10 %" in shown
    window.document.undo_stack.undo()
    assert window.document.plan == before


def test_shares_not_adding_up_are_refused_in_the_dialog_in_words(window: MainWindow) -> None:
    before = window.document.plan
    dialog = open_timing(window, 1)
    dialog.shares.selectAll()
    QTest.keyClicks(dialog.shares, "10 30 30")  # typing in the shares chooses the profile
    assert dialog.by_month.isChecked()
    assert "must add up to 100 %" in dialog.summary.text()
    click(dialog.ok)
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "add up to 70%; they must add up to 100%" in dialog.error.text()
    assert "MQL" in dialog.error.text() and "stages[" not in dialog.error.text()
    assert window.document.plan == before
    dialog.shares.selectAll()
    QTest.keyClicks(dialog.shares, "10 abc")
    click(dialog.ok)
    assert "'abc' is not a number" in dialog.error.text()
    assert window.document.plan == before
    dialog.reject()


def test_days_typed_over_a_profile_replace_it(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = open_timing(window, 2)
    dialog.shares.selectAll()
    QTest.keyClicks(dialog.shares, "50 50")
    click(dialog.ok)
    table = window.funnel.table
    index = window.funnel.model.index(2, StagesModel.LAG)
    table.setCurrentIndex(index)
    table.edit(index)
    editor = table.findChild(QLineEdit)
    assert editor is not None and editor.isVisible()
    qtbot.keyClicks(editor, "40")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()
    stage = window.document.plan.stages[2]
    assert (stage.lag_days, stage.lag_profile) == (40.0, None)


def test_the_timing_button_waits_for_a_stage_above_the_won_deal(window: MainWindow) -> None:
    page = window.funnel
    window.show_page("Funnel")
    last = len(window.document.plan.stages) - 1
    page.table.setCurrentIndex(page.model.index(last, StagesModel.NAME))
    assert not page.timing.isEnabled()
    page.table.setCurrentIndex(page.model.index(0, StagesModel.NAME))
    assert page.timing.isEnabled()


def test_after_the_plan_growth_and_one_off_campaign(window: MainWindow) -> None:
    window.show_page("Targets")
    page = window.targets
    before = window.document.plan
    assert page.goes_on.isChecked() and before.after_plan.growth == pytest.approx(0.10)
    retype(page.growth.edit, "25")
    assert window.document.plan.after_plan.growth == pytest.approx(0.25)
    carried_growing = window.document.result.after_plan.carried_deals  # type: ignore[union-attr]
    click(page.one_off)
    assert window.document.plan.after_plan.mode == "none"
    assert not page.growth.edit.isEnabled()
    result = window.document.result
    assert result is not None and result.after_plan.months == 0
    # without next year's demand the plan buys fewer of the leads that close after it
    assert result.after_plan.carried_deals < carried_growing
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert window.document.plan == before and page.goes_on.isChecked()


def test_growth_out_of_bounds_is_refused_in_place(window: MainWindow) -> None:
    window.show_page("Targets")
    page = window.targets
    before = window.document.plan
    retype(page.growth.edit, "-150")
    assert window.document.plan == before
    assert page.growth.error.isVisible()
    assert "more than -100%" in page.growth.error.text() and "it is -150%" in page.growth.error.text()


def no_pool(window: MainWindow) -> Plan:
    """Start from the example without a pool (turned off by the person)."""
    window.show_page("Lead development")
    click(window.nurture.enabled)
    assert window.document.plan.nurture is None
    return window.document.plan


def test_turning_the_nurture_pool_on_and_setting_maturity(window: MainWindow) -> None:
    start = no_pool(window)
    page = window.nurture
    assert not page.maturity.edit.isEnabled() and not page.table.isVisible()
    click(page.enabled)
    pool = window.document.plan.nurture
    assert pool is not None and pool.stage is None  # the lead spec's gate
    assert page.stage.currentText() == "SQL (the lead spec's gate)"
    retype(page.maturity.edit, "20")
    pool = window.document.plan.nurture
    assert pool is not None and pool.maturity == pytest.approx(0.20)
    result = window.document.result
    assert result is not None and result.nurture is not None and result.nurture.stage == "SQL"
    assert page.table.isVisible()
    returned = count_text(float(result.nurture.matured.sum()))
    assert page.figure.text().startswith(f"{returned} SQL leads returned")
    window.document.undo_stack.undo()
    assert window.document.plan.nurture is not None and window.document.plan.nurture.maturity == 0.1
    window.document.undo_stack.undo()
    assert window.document.plan == start


def test_a_bad_share_for_the_pool_is_refused_in_words(window: MainWindow) -> None:
    window.show_page("Lead development")
    page = window.nurture
    before = window.document.plan
    retype(page.maturity.edit, "150")
    assert window.document.plan == before
    assert "share maturing each month must be more than 0% and at most 100%; it is 150%" in page.maturity.error.text()
    retype(page.decay.edit, "95")  # 10% maturing and 95% lost: more than the whole pool
    assert window.document.plan == before
    assert page.decay.error.isVisible() and "add up to more than" in page.decay.error.text()


def test_team_hours_set_every_month_and_show_utilization(window: MainWindow) -> None:
    window.show_page("Lead development")
    page = window.nurture
    retype(page.available.edit, "300")
    pool = window.document.plan.nurture
    assert pool is not None and pool.hours_available == (300.0,) * window.document.plan.months
    result = window.document.result
    assert result is not None and result.nurture is not None and result.nurture.utilization is not None
    assert "team at" in page.figure.text()
    retype(page.hours.edit, "")  # no time per lead: the pool is planned without the team's hours
    pool = window.document.plan.nurture
    assert pool is not None and (pool.hours_per_lead, pool.hours_available) == (None, None)
    assert "team at" not in page.figure.text() and not page.problems.isVisible()
    assert page.available.edit.text() == ""
    retype(page.available.edit, "400")  # hours without the time per lead: the page says what is missing
    assert page.problems.isVisible() and "give the hours per lead in the pool too" in page.problems.text()
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    pool = window.document.plan.nurture
    assert pool is not None and (pool.hours_per_lead, pool.hours_available) == (0.25, (300.0,) * 12)


def test_results_show_the_pool_and_what_the_plan_carries_over(window: MainWindow) -> None:
    window.show_page("Results")
    QApplication.processEvents()
    dashboard = window.results.dashboard
    result = window.document.result
    assert result is not None and result.nurture is not None
    card = dashboard.nurture_card
    assert card.isVisible() and card.stack.currentWidget() is card.view
    assert [round(card.pool.at(i), 6) for i in range(card.pool.count())] == [
        round(float(v), 6) for v in result.nurture.pool
    ]
    assert "nurture pool" in card.note.text() and "team at" in card.utilization.text()
    carry = dashboard.carry_card
    deals = count_text(result.after_plan.carried_deals)
    assert f"{deals} deals carried over" in carry.carried.text()
    assert "Q4 leads are next year's Q1 pipeline" in carry.note.text()
    # a one-off campaign: nothing assumed after the plan, the pool turned off: both cards say so
    window.show_page("Targets")
    click(window.targets.one_off)
    window.show_page("Lead development")
    click(window.nurture.enabled)
    window.show_page("Results")
    QApplication.processEvents()
    assert card.stack.currentWidget() is card.placeholder and "No nurture pool" in card.placeholder.text()
    assert carry.stack.currentWidget() is carry.placeholder
    assert "one-off campaign" in carry.placeholder.text()


def test_scenario_comparison_works_with_the_pool(window: MainWindow) -> None:
    document = window.document
    document.add_scenario("No pool")
    window.show_page("Lead development")
    click(window.nurture.enabled)  # off in the new scenario only
    assert document.scenarios[0].plan.nurture is not None and document.scenarios[1].plan.nurture is None
    window.show_page("Scenarios")
    QApplication.processEvents()
    model = window.scenarios.comparison.model
    assert model.columnCount() == 3  # baseline, the scenario, its change
    names = [f.name for f in KEY_FIGURES]
    pool_row = names.index("Leads the nurture pool returns")
    base = document.scenarios[0]
    returned = window.scenarios.compared_figures()[0][2].nurture.matured.sum()
    assert base.name == "Baseline" and model.value(pool_row, 0) == pytest.approx(returned)
    assert model.value(pool_row, 1) is None
    leads_row = names.index("Paid raw leads")
    assert model.value(leads_row, 2) > 0  # without the pool the plan buys more leads
    carried_row = names.index("Revenue carried over after the plan")
    assert model.value(carried_row, 0) == pytest.approx(
        window.scenarios.compared_figures()[0][2].after_plan.carried_revenue
    )


def test_parse_shares_reads_what_a_person_pastes() -> None:
    assert parse_shares("10/30/30/20/10") == pytest.approx([0.1, 0.3, 0.3, 0.2, 0.1])
    assert parse_shares("10%\t30%\t60%") == pytest.approx([0.1, 0.3, 0.6])
    with pytest.raises(Exception, match="cannot be negative"):
        parse_shares("10 -5")


def test_nurture_model_passes_qtmodeltester(qtmodeltester, example_plan: Plan) -> None:  # type: ignore[no-untyped-def]
    document = PlanDocument(example_plan)
    model = MonthlyModel(document, nurture_columns)
    qtmodeltester.check(model)
    assert model.columnCount() == 5 and model.rowCount() == example_plan.months
    document.replace_plan(example_plan.with_changes(nurture=None), "off")
    qtmodeltester.check(model)
    assert model.columnCount() == 0
    stages = StagesModel(document)
    qtmodeltester.check(stages)
