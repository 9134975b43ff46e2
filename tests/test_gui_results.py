"""The results side of the GUI (offscreen): the dashboard shows the core's
figures, updates in place, greys out under a problem banner, explains a
clicked figure; the score chart shows the pass rate; the comparison shows
differences. Every model passes qtmodeltester."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QSettings, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget

import gui.results  # noqa: F401  (applies the PySide6/Python 3.11 refcount work-around first)
from core.calc.engine import PlanResult, calculate
from core.calc.explain import explain
from core.calc.figures import figures
from core.calc.lead_spec import criteria_pass_rate, pass_rate, passing_score
from core.formats.documents import PlanDocumentData, save_plan
from core.formats.plan_json import plan_to_dict
from core.model.plan import Plan, Problem
from gui.formatting import count_text, money_text, percent_text
from gui.main_window import MainWindow
from gui.results.charts import (
    BAD,
    GOOD,
    ScoreDistributionChart,
    month_text,
    nice_ticks,
    score_bins,
)
from gui.results.compare import KEY_FIGURES, ComparisonModel, ScenarioComparison
from gui.results.dashboard import ResultsDashboard
from gui.results.explain_dialog import number_format


def lower_sql_rate(plan: Plan) -> Plan:
    """The example plan with a lower SQL -> Opportunity rate."""
    stages = list(plan.stages)
    k = plan.stage_index("SQL")
    assert k is not None
    stages[k] = replace(stages[k], rate=0.45)
    return plan.with_changes(stages=tuple(stages))


@pytest.fixture
def dashboard(qtbot, example_plan):  # type: ignore[no-untyped-def]
    widget = ResultsDashboard()
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show_result(example_plan, calculate(example_plan))
    return widget


def bar_values(bars) -> list[float]:  # type: ignore[no-untyped-def]
    return [bars.at(i) for i in range(bars.count())]


def headline(widget: ResultsDashboard, card: str) -> str:
    return widget.cards[card].value.text()


# --- dashboard --------------------------------------------------------------------


def test_headline_cards_show_the_core_figures(dashboard: ResultsDashboard, example_plan: Plan) -> None:
    r = calculate(example_plan)
    assert r.gate_index is not None and r.sales_utilization is not None and r.funded is not None
    assert r.funded.gate_deficit is not None
    assert headline(dashboard, "deals") == count_text(float(r.deals_required.sum())) == "344"
    assert headline(dashboard, "gate") == count_text(float(r.stage_required[r.gate_index].sum()))
    assert dashboard.cards["gate"].caption.text() == "SQLS NEEDED"
    assert headline(dashboard, "leads") == count_text(float(r.paid_leads.sum()))
    assert headline(dashboard, "budget") == money_text(float(r.spend_total.sum()), "USD")
    assert r.approved_budget is not None
    assert money_text(float(r.approved_budget.sum()), "USD") in dashboard.cards["budget"].detail.text()
    assert headline(dashboard, "pre_plan") == count_text(r.pre_plan[0])
    assert headline(dashboard, "utilization") == percent_text(float(r.sales_utilization.max()), 0)
    assert headline(dashboard, "deficit") == count_text(float(r.funded.gate_deficit.sum()))


def test_charts_show_the_core_series(dashboard: ResultsDashboard, example_plan: Plan) -> None:
    r = calculate(example_plan)
    totals = [float(s.sum()) for s in r.stage_required]
    assert bar_values(dashboard.funnel_bars) == pytest.approx(totals[::-1])
    assert dashboard.stage_picker.currentText() == "SQL"
    assert bar_values(dashboard.req_bars) == pytest.approx(list(r.stage_required[2]))
    stacked = [sum(dashboard.spend_sets[i].at(t) for i in range(len(r.spend))) for t in range(12)]
    assert stacked == pytest.approx(list(r.spend_total))
    assert example_plan.approved_budget is not None and dashboard.budget_line.count() == 12
    assert dashboard.budget_line.at(0).y() == pytest.approx(example_plan.approved_budget[0])
    assert r.budget_gap is not None and r.sales_utilization is not None
    gap = [a + b for a, b in zip(bar_values(dashboard.gap_request), bar_values(dashboard.gap_unspent), strict=True)]
    assert gap == pytest.approx(list(r.budget_gap))
    util = [a + b for a, b in zip(bar_values(dashboard.util_within), bar_values(dashboard.util_over), strict=True)]
    assert util == pytest.approx(list(r.sales_utilization))


def test_a_lower_rate_updates_figures_and_series_in_place(dashboard: ResultsDashboard, example_plan: Plan) -> None:
    series_before = dashboard.funnel_series
    funnel_before = bar_values(dashboard.funnel_bars)
    deals_card = headline(dashboard, "deals")
    lower = lower_sql_rate(example_plan)
    r = calculate(lower)
    dashboard.show_result(lower, r)
    assert dashboard.funnel_series is series_before  # series reused, points replaced
    assert bar_values(dashboard.funnel_bars) != pytest.approx(funnel_before)
    assert bar_values(dashboard.funnel_bars) == pytest.approx([float(s.sum()) for s in r.stage_required][::-1])
    assert headline(dashboard, "deals") == deals_card  # deals do not depend on the rate
    assert headline(dashboard, "gate") == count_text(float(r.stage_required[2].sum()))
    assert headline(dashboard, "budget") == money_text(float(r.spend_total.sum()), "USD")
    assert bar_values(dashboard.req_bars) == pytest.approx(list(r.stage_required[2]))


def test_plan_without_budget_spec_or_capacity_says_what_is_missing(
    dashboard: ResultsDashboard, example_plan: Plan
) -> None:
    bare = example_plan.with_changes(
        approved_budget=None, lead_spec=None, proposed_lead_spec=None, sales_hours_available=None
    )
    dashboard.show_result(bare, calculate(bare))
    assert "approved budget" in dashboard.gap.card.placeholder.text()
    assert dashboard.gap.card.stack.currentWidget() is dashboard.gap.card.placeholder
    assert "lead spec" in dashboard.deficit.card.placeholder.text()
    assert "sales hours" in dashboard.util.card.placeholder.text()
    assert headline(dashboard, "utilization") == "\u2013"
    dashboard.show_result(example_plan, calculate(example_plan))
    assert dashboard.gap.card.stack.currentWidget() is dashboard.gap.card.view


def test_errors_clear_the_figures_and_list_the_problems_in_words(
    dashboard: ResultsDashboard, example_plan: Plan
) -> None:
    problem = Problem("stages[2].rate", "The rate must be between 0 and 1 (you entered 1.4).")
    dashboard.show_problems((problem,))
    assert dashboard.banner.isVisibleTo(dashboard)
    assert "1 problem to fix" in dashboard.banner_title.text()
    assert dashboard.banner_text.text() == "\u2022 The rate must be between 0 and 1 (you entered 1.4)."
    # nothing says which plan the figures shown belonged to: none stay
    assert not dashboard.content.isVisibleTo(dashboard)
    assert all(card.value.text() == "\u2013" for card in dashboard.cards.values())
    assert dashboard.explain_figure("deals") is None
    dashboard.show_result(example_plan, calculate(example_plan))
    assert not dashboard.banner.isVisibleTo(dashboard)
    assert dashboard.content.isVisibleTo(dashboard)
    assert not dashboard._fade.isEnabled()


def test_the_same_plans_last_figures_show_greyed_and_labelled(dashboard: ResultsDashboard, example_plan: Plan) -> None:
    last = (example_plan, calculate(example_plan))
    problem = Problem("channels", "The channel mix shares add up to 1.2; they must add up to 1 (100%).")
    dashboard.show_refused((problem,), example_plan.name, last)
    assert dashboard.content.isVisibleTo(dashboard)
    assert dashboard._fade.isEnabled()
    assert headline(dashboard, "deals") == count_text(float(last[1].deals_required.sum()))
    assert "last figures that could be calculated" in dashboard.heading.text()
    assert "before your latest change" in dashboard.banner_title.text()
    assert dashboard.banner_text.text() == f"\u2022 {problem.message}"


def test_a_workbook_problem_names_file_sheet_and_cell(qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = ResultsDashboard()
    qtbot.addWidget(widget)
    where = "myplan.xlsx, sheet 'Lead spec', cell B3"
    widget.show_refused((Problem("lead_spec.gate", "The gate 'Nope' is not a stage.", location=where),), "My plan")
    assert widget.banner_text.text() == f"\u2022 {where}: The gate 'Nope' is not a stage."
    assert "My plan can't be calculated" in widget.banner_title.text()


def test_problems_before_any_result_show_only_the_banner(qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = ResultsDashboard()
    qtbot.addWidget(widget)
    many = tuple(Problem(f"stages[{i}].rate", "Out of range.") for i in range(12))
    widget.show_problems(many)
    assert "12 problems" in widget.banner_title.text()
    assert "and 4 more" in widget.banner_text.text()
    assert not widget._fade.isEnabled()


def test_clicking_a_card_explains_it(qtbot, dashboard: ResultsDashboard, example_plan: Plan) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(dashboard.cards["deals"], Qt.MouseButton.LeftButton)
    dialog = dashboard.dialog
    assert dialog is not None and dialog.isVisible()
    expected = explain(example_plan, calculate(example_plan), "deals", None, number_format())
    assert dialog.explanation == expected
    assert dialog.figure_label.text() == "344"
    text = dialog.text()
    assert "\u00f7 average deal size $60,000 = 344 deals" in text
    dialog.close()


def test_clicking_the_gate_card_explains_the_chain_down_to_sqls(  # type: ignore[no-untyped-def]
    qtbot, dashboard: ResultsDashboard, example_plan: Plan
) -> None:
    qtbot.mouseClick(dashboard.cards["gate"], Qt.MouseButton.LeftButton)
    assert dashboard.dialog is not None and dashboard.dialog.explanation is not None
    steps = dashboard.dialog.explanation.steps
    r = calculate(example_plan)
    assert steps[-1].value == pytest.approx(float(r.stage_required[2].sum()))
    assert any("(Proposal \u2192 Won)" in s.text for s in steps)
    dashboard.dialog.close()


def test_clicking_a_bar_explains_that_month(dashboard: ResultsDashboard, example_plan: Plan) -> None:
    dashboard.util_within.clicked.emit(7)
    assert dashboard.dialog is not None and dashboard.dialog.explanation is not None
    assert dashboard.dialog.explanation.month == 7
    assert dashboard.dialog.explanation.title == f"Sales utilization ({month_text('2027-08')})"
    dashboard.spend_sets[0].clicked.emit(2)
    explanation = dashboard.dialog.explanation
    assert explanation is not None and explanation.figure.startswith("spend:") and explanation.month == 2
    dashboard.dialog.close()


# --- score distribution -------------------------------------------------------------


def test_score_chart_shows_the_pass_rate(qtbot, example_plan: Plan) -> None:  # type: ignore[no-untyped-def]
    chart = ScoreDistributionChart()
    qtbot.addWidget(chart)
    assert example_plan.lead_spec is not None and example_plan.proposed_lead_spec is not None
    chart.show_spec(example_plan.lead_spec)
    assert chart.pass_rate_label.text() == f"Pass rate {percent_text(pass_rate(example_plan.lead_spec), 1)}"
    assert chart.pass_rate_label.text() == "Pass rate 31.9%"
    assert not chart.proposed.isVisibleTo(chart)
    chart.show_spec(example_plan.lead_spec, example_plan.proposed_lead_spec)
    assert chart.proposed.isVisibleTo(chart)
    assert (
        chart.proposed.pass_rate_label.text()
        == f"Pass rate {percent_text(pass_rate(example_plan.proposed_lead_spec), 1)}"
    )
    assert "Threshold 70 points" in chart.proposed.detail.text()
    qualifying = sum(chart.current.above.at(i) for i in range(chart.current.above.count()))
    assert qualifying == pytest.approx(pass_rate(example_plan.lead_spec))


def test_score_bins_split_at_the_threshold(example_plan: Plan) -> None:
    spec = example_plan.lead_spec
    assert spec is not None
    starts, below, above = score_bins(spec)
    assert below.sum() + above.sum() == pytest.approx(0.85)  # share meeting the required criterion
    assert above.sum() == pytest.approx(pass_rate(spec))
    assert all(b == 0 for s, b in zip(starts, above, strict=True) if s < 55)


@pytest.mark.parametrize(("threshold", "passing"), [(55.0, 55), (54.5, 55), (55.0000000001, 55), (55.01, 56)])
def test_score_chart_and_pass_rate_share_one_pass_rule(example_plan: Plan, threshold: float, passing: int) -> None:
    # a fractional threshold passes from the next whole score; floating-point noise above a whole one does not
    assert example_plan.lead_spec is not None
    spec = replace(example_plan.lead_spec, threshold=threshold)
    assert passing_score(threshold) == passing
    _, _, above = score_bins(spec)
    assert above.sum() == pytest.approx(criteria_pass_rate(spec))
    assert criteria_pass_rate(spec) == pytest.approx(criteria_pass_rate(replace(spec, threshold=float(passing))))


# --- comparison ------------------------------------------------------------------------


def scenarios(plan: Plan) -> list[tuple[str, Plan, PlanResult]]:
    lower = lower_sql_rate(plan)
    assert plan.approved_budget is not None
    more = plan.with_changes(approved_budget=tuple(b * 1.3 for b in plan.approved_budget))
    return [
        ("Baseline", plan, calculate(plan)),
        ("Lower SQL rate", lower, calculate(lower)),
        ("More budget", more, calculate(more)),
    ]


def cell(model: ComparisonModel, name: str, column: int, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole):  # type: ignore[no-untyped-def]
    row = [f.name for f in KEY_FIGURES].index(name)
    return model.data(model.index(row, column), role)


def test_comparison_shows_differences_against_the_baseline(qtbot, example_plan: Plan) -> None:  # type: ignore[no-untyped-def]
    widget = ScenarioComparison()
    qtbot.addWidget(widget)
    given = scenarios(example_plan)
    widget.show_scenarios(given)
    model = widget.model
    assert model.columnCount() == 5 and model.rowCount() == len(KEY_FIGURES)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Baseline"
    assert model.headerData(2, Qt.Orientation.Horizontal) == "Change"
    base, lower = given[0][2], given[1][2]
    paid_delta = float(lower.paid_leads.sum() - base.paid_leads.sum())
    assert cell(model, "Paid raw leads", 2, Qt.ItemDataRole.EditRole) == pytest.approx(paid_delta)
    assert cell(model, "Paid raw leads", 1, Qt.ItemDataRole.UserRole) == pytest.approx(float(lower.paid_leads.sum()))
    assert cell(model, "Paid raw leads", 1) == count_text(float(lower.paid_leads.sum()))
    assert cell(model, "Paid raw leads", 2).startswith("+")
    assert cell(model, "Paid raw leads", 2, Qt.ItemDataRole.ForegroundRole).color() == QColor(BAD)  # more leads: worse
    assert cell(model, "Deals needed", 2) == "\u2013"  # unchanged
    assert cell(model, "Approved budget", 4).startswith("+$")
    assert cell(model, "Budget gap (net)", 4, Qt.ItemDataRole.ForegroundRole).color() == QColor(
        GOOD
    )  # smaller gap: better
    assert cell(model, "Budget gap (net)", 4).startswith("\u2212$")


def test_comparison_cell_explains_its_figure(qtbot, example_plan: Plan) -> None:  # type: ignore[no-untyped-def]
    widget = ScenarioComparison()
    qtbot.addWidget(widget)
    widget.show_scenarios(scenarios(example_plan))
    row = [f.name for f in KEY_FIGURES].index("Planned spend")
    widget._explain(widget.model.index(row, 1))
    assert widget.dialog is not None and widget.dialog.explanation is not None
    assert widget.dialog.explanation.figure == "spend_total"
    assert widget.model.figure_at(widget.model.index(row, 2)) is None  # a change column explains nothing
    widget.dialog.close()


def test_models_pass_qtmodeltester(qtmodeltester, example_plan: Plan) -> None:  # type: ignore[no-untyped-def]
    model = ComparisonModel()
    qtmodeltester.check(model)  # empty
    model.set_scenarios(scenarios(example_plan))
    qtmodeltester.check(model)
    model.set_scenarios(scenarios(example_plan)[:1])
    qtmodeltester.check(model)
    assert model.data(QModelIndex()) is None


# --- helpers ---------------------------------------------------------------------------


def test_nice_ticks_cover_the_span_with_round_steps() -> None:
    assert nice_ticks(0, 1_780_989) == [0, 500_000, 1_000_000, 1_500_000, 2_000_000]
    ticks = nice_ticks(-190_000, 80_000)
    assert ticks[0] <= -190_000 and ticks[-1] >= 80_000 and 0 in ticks
    assert nice_ticks(0, 0) == [0.0, 1.0]


def test_month_text() -> None:
    assert month_text("2027-01") == "Jan 27"


def test_many_channels_stack_as_top_seven_and_other(dashboard: ResultsDashboard, example_plan: Plan) -> None:
    many = tuple(
        replace(c, name=f"{c.name} {i}", mix=c.mix / 3) for i in range(3) for c in example_plan.channels
    )  # 15 channels
    plan = example_plan.with_changes(channels=many)
    r = calculate(plan)
    dashboard.show_result(plan, r)
    assert dashboard.spend_series.count() == 8
    assert dashboard.spend_sets[7].label() == "Other (8 channels)"
    stacked = [sum(dashboard.spend_sets[i].at(t) for i in range(8)) for t in range(12)]
    assert stacked == pytest.approx(list(r.spend_total))
    dashboard.show_result(example_plan, calculate(example_plan))
    assert dashboard.spend_series.count() == 5  # one legend entry per channel, no empty ones


# --- the Results page over the open document ---------------------------------------

PATH_LIKE = re.compile(r"\w\[\d+\]|\b(stages|channels|lead_spec|proposed_lead_spec|targets|capacity)\.[a-z_]")


def page_texts(page: QWidget) -> list[str]:
    """Every label the person can see on the page."""
    return [label.text() for label in page.findChildren(QLabel) if label.isVisibleTo(page) and label.text()]


def broken_gate(plan: Plan, name: str) -> Plan:
    """``plan`` with its lead spec on a stage that does not exist (two errors)."""
    assert plan.lead_spec is not None
    return plan.with_changes(name=name, lead_spec=replace(plan.lead_spec, gate="Nope"))


def bigger_target(plan: Plan, name: str) -> Plan:
    """A valid plan whose figures differ from the example's."""
    return plan.with_changes(name=name, revenue_target=tuple(1.37 * v for v in plan.revenue_target))


@pytest.fixture
def window(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, tmp_path / "recovery" / "recovery.json")
    win.show()
    qtbot.waitExposed(win)
    win.show_page("Results")
    yield win
    QApplication.processEvents()
    win.maybe_save = lambda: True  # type: ignore[method-assign]
    win.close()
    win.deleteLater()


def figures_of(plan: Plan) -> list[str]:
    """Headline figures of a plan as the Results page would show them."""
    r = calculate(plan)
    return [
        count_text(float(r.deals_required.sum())),
        count_text(float(r.paid_leads.sum())),
        money_text(float(r.spend_total.sum()), plan.currency),
    ]


def test_opening_an_invalid_plan_never_shows_the_previous_files_figures(  # type: ignore[no-untyped-def]
    window: MainWindow, example_plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_a = bigger_target(example_plan, "Plan A")
    save_plan(plan_a, tmp_path / "a.json")
    assert window.open_file(tmp_path / "a.json", ask=False)
    page = window.results
    a_figures = figures_of(plan_a)
    assert a_figures[0] in page_texts(page)  # A's deals are shown while A is open

    # B cannot be opened from its file: A stays open, and the refusal is in words
    plan_b = broken_gate(example_plan, "Plan B")
    save_plan(plan_b.with_changes(lead_spec=example_plan.lead_spec), tmp_path / "myplan.xlsx")
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: told.append(box.informativeText()) or 0)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(plan_to_dict(plan_b)), encoding="utf-8")
    assert not window.open_file(broken, ask=False)
    assert told and "Nope" in told[0] and not PATH_LIKE.search(told[0])
    assert window.document.path == tmp_path / "a.json"

    # B becomes the open document anyway (recovered unsaved changes, or a file read despite its errors)
    window.document.open_document(PlanDocumentData.single(plan_b), tmp_path / "myplan.xlsx")
    QApplication.processEvents()
    texts = page_texts(page)
    shown = " ".join(texts)
    assert not any(figure in texts or figure in shown for figure in a_figures), shown
    assert "Plan A" not in shown
    assert "Plan B can't be calculated: 2 problems" in page.dashboard.banner_title.text()
    assert "'Nope' is not a stage" in page.dashboard.banner_text.text()
    assert not page.dashboard.content.isVisibleTo(page)
    bad = [t for t in texts if PATH_LIKE.search(t)]
    assert not bad, bad


def test_a_new_plan_broken_by_an_edit_shows_only_its_own_figures(
    window: MainWindow, example_plan: Plan, tmp_path: Path
) -> None:
    plan_a = bigger_target(example_plan, "Plan A")
    save_plan(plan_a, tmp_path / "a.json")
    assert window.open_file(tmp_path / "a.json", ask=False)
    window.new_plan()
    new = window.document.plan
    window.document.replace_plan(broken_gate(new, new.name), "Move the gate")
    QApplication.processEvents()
    dashboard = window.results.dashboard
    shown = " ".join(page_texts(window.results))
    assert figures_of(plan_a)[0] not in shown
    assert dashboard._fade.isEnabled() and dashboard.content.isVisibleTo(window.results)
    assert headline(dashboard, "deals") == figures_of(new)[0]
    assert "last figures that could be calculated" in dashboard.heading.text()
    assert "before your latest change" in dashboard.banner_title.text()
    window.undo_action.trigger()
    assert not dashboard.banner.isVisibleTo(dashboard) and not dashboard._fade.isEnabled()


def test_an_invalid_scenario_does_not_show_another_scenarios_figures(window: MainWindow, example_plan: Plan) -> None:
    baseline = figures_of(window.document.plan)
    assert baseline[0] in page_texts(window.results)
    window.document.add_scenario("Broken", broken_gate(window.document.plan, "Broken"))
    QApplication.processEvents()
    dashboard = window.results.dashboard
    assert window.document.active_scenario.name == "Broken"
    assert not dashboard.content.isVisibleTo(window.results)
    assert baseline[0] not in " ".join(page_texts(window.results))
    window.document.switch_scenario(window.document.scenarios[0].id)
    assert headline(dashboard, "deals") == baseline[0]
    assert dashboard.content.isVisibleTo(window.results)


def test_the_deficit_card_says_how_much_is_timing_and_how_much_budget(
    dashboard: ResultsDashboard, example_plan: Plan
) -> None:
    """The example's budget nearly covers the spend, yet SQLs are short: the card
    says which part is the funnel's timing and which the budget's (the core's split)."""
    split = figures(example_plan, calculate(example_plan)).deficit_split
    assert split is not None and split.timing > 0.5
    detail = dashboard.cards["deficit"].detail.text()
    assert f"{count_text(split.timing)} from timing" in detail
    assert f"{count_text(abs(split.budget))} from the budget" in detail
