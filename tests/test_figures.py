"""core.calc.figures: known answers on a hand-worked plan, the acceptance plans
(example, no lead spec, proposal equal to the current spec), and the screens
and the report showing the figures' numbers."""

from __future__ import annotations

import functools
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QSettings, Qt

from core.calc.display import format_money_symbol, shown_count
from core.calc.engine import calculate
from core.calc.figures import deficit_words, figures, money_in, plural, signed_count
from core.formats.documents import load_plan
from core.formats.plan_json import load_plan_json
from core.model.plan import AfterPlan, Criterion, LeadSpec, Nurture, Plan
from core.paths import example_plan_path
from core.reports.text import render_report
from gui.formatting import count_text, money_text
from tests.builders import simple_plan


def example() -> Plan:
    plan, _ = load_plan_json(example_plan_path())
    assert plan is not None
    return plan


def acceptance_plans() -> dict[str, Plan]:
    plan = example()
    return {
        "example": plan,
        "no lead spec": plan.with_changes(lead_spec=None, proposed_lead_spec=None),
        "same proposal": plan.with_changes(proposed_lead_spec=plan.lead_spec),
    }


def test_hand_worked_plan() -> None:
    # 10 deals a month; Lead -> SQL 50 %, SQL -> Won 50 %: 20 SQLs, 40 leads a month at $100
    plan = simple_plan([1000, 1000], 100, [0.5, 0.5], budget=[5000, 2000], stage_names=["Lead", "SQL", "Won"])
    fig = figures(plan, calculate(plan))
    assert fig.deals == pytest.approx(20)
    assert fig.qualified_name == "SQL" and fig.qualified_required == pytest.approx(40)
    assert fig.paid_leads == pytest.approx(80) and fig.spend == pytest.approx(8000)
    assert fig.cost_per_qualified == pytest.approx(200) and fig.cost_per_deal == pytest.approx(400)
    assert fig.budget_gap == pytest.approx(1000)
    story = fig.budget
    assert story is not None
    assert story.months_short == ("2027-02",) and story.short_total == pytest.approx(2000)
    sentence = story.sentence(money_in("USD"))
    assert sentence.startswith("Request USD 2,000 for the 1 month short (of 2); USD 1,000 over the plan (net)")
    assert fig.deficit is None  # no lead spec: no gate to watch


def test_qualified_stage_without_a_spec_is_the_sql_stage() -> None:
    fig = figures(acceptance_plans()["no lead spec"], calculate(acceptance_plans()["no lead spec"]))
    assert fig.qualified_name == "SQL" and "no lead spec" in fig.qualified_why


def test_spec_change_preview_is_the_deficit_after_adopting() -> None:
    plan = example()
    fig = figures(plan, calculate(plan))
    change = fig.spec_change
    assert change is not None and change.deficit_adopted is not None and fig.deficit is not None
    adopted = plan.with_changes(lead_spec=plan.proposed_lead_spec, proposed_lead_spec=None)
    assert figures(adopted, calculate(adopted)).deficit == change.deficit_adopted
    assert change.deficit_change == change.deficit_adopted - fig.deficit
    assert change.extra_spend_with_pre_plan == pytest.approx(change.extra_spend + change.extra_spend_pre_plan)
    same = acceptance_plans()["same proposal"]
    same_change = figures(same, calculate(same)).spec_change
    assert same_change is not None and same_change.deficit_change == 0.0


@pytest.mark.parametrize("name", list(acceptance_plans()))
def test_text_report_prints_the_figures(name: str) -> None:
    plan = acceptance_plans()[name]
    result = calculate(plan)
    fig, report = figures(plan, result), render_report(plan, result)
    assert fig.budget is not None and fig.budget.sentence(money_in(plan.currency)) in report
    if fig.deficit is not None and fig.gate is not None:
        assert deficit_words(fig.deficit, fig.gate) in report
    if fig.spec_change is not None and fig.spec_change.deficit_change is not None:
        assert f"(change {signed_count(fig.spec_change.deficit_change)})" in report


@pytest.mark.gui
@pytest.mark.parametrize("name", list(acceptance_plans()))
def test_strip_and_results_page_show_the_same_figures(qtbot, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    from gui.main_window import MainWindow
    from tests.test_gui_window import close_quietly

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, tmp_path / "recovery" / "recovery.json")
    try:
        plan = acceptance_plans()[name]
        win.document.replace_plan(plan, "Acceptance plan")
        fig = win.document.figures
        assert fig is not None and fig == figures(plan, calculate(plan))
        strip = win.kpis
        assert strip.deals.value.text() == count_text(fig.deals)
        assert strip.spend.value.text() == money_text(fig.spend, plan.currency)
        assert fig.budget_gap is not None and strip.gap.value.text() == money_text(fig.budget_gap, plan.currency)
        expected_deficit = "—" if fig.deficit is None else signed_count(fig.deficit, count_text)
        assert strip.deficit.value.text() == expected_deficit
        win.results.update_dashboard()
        dashboard = win.results.dashboard
        assert dashboard is not None
        assert dashboard.cards["deals"].value.text() == strip.deals.value.text()
        assert dashboard.cards["gate"].value.text() == count_text(fig.qualified_required)
        assert dashboard.cards["deficit"].value.text() in (expected_deficit, "\u2013")
        assert fig.budget is not None
        assert fig.budget.sentence(lambda v: money_text(v, plan.currency)) in dashboard.cards["budget"].detail.text()
    finally:
        close_quietly(win)


@pytest.mark.gui
def test_scenario_comparison_shows_each_scenarios_figures(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from gui.main_window import MainWindow
    from gui.results.compare import KEY_FIGURES
    from tests.test_gui_window import close_quietly

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, tmp_path / "recovery" / "recovery.json")
    try:
        plans = acceptance_plans()
        win.document.replace_plan(plans["example"], "Acceptance plan")
        for name in ("no lead spec", "same proposal"):
            win.document.add_scenario(name, plans[name])
        win.show_page("Scenarios")
        win.scenarios.update_comparison()
        model = win.scenarios.comparison.model
        assert model.figures[-1] is win.document.figures  # the active scenario: the document's own figures
        rows = {row.name: i for i, row in enumerate(KEY_FIGURES)}

        def shown(row: str, column: int) -> str:
            return str(model.data(model.index(rows[row], column)))

        for scenario, plan in enumerate(plans.values()):
            column = 0 if scenario == 0 else 2 * scenario - 1
            fig = figures(plan, calculate(plan))
            assert model.figures[scenario] == fig
            currency = plan.currency
            assert shown("Deals needed", column) == count_text(fig.deals)
            assert shown("Qualified leads needed", column) == count_text(fig.qualified_required)
            assert shown("Paid raw leads", column) == count_text(fig.paid_leads)
            assert shown("Planned spend", column) == money_text(fig.spend, currency)
            assert fig.budget_gap is not None and fig.budget is not None
            gap = model.index(rows["Budget gap (net)"], column)
            assert model.data(gap) == money_text(fig.budget_gap, currency)
            sentence = fig.budget.sentence(functools.partial(money_text, currency=currency))
            assert sentence in model.data(gap, Qt.ItemDataRole.ToolTipRole)
            deficit = model.index(rows["Qualified-lead deficit (net)"], column)
            if fig.deficit is None or fig.gate is None:
                assert model.data(deficit) == "n/a"
            else:
                assert model.data(deficit) == signed_count(fig.deficit, count_text)
                assert deficit_words(fig.deficit, fig.gate, count_text) in model.data(
                    deficit, Qt.ItemDataRole.ToolTipRole
                )
        # the proposal equal to the current spec changes nothing against the example
        assert shown("Qualified-lead deficit (net)", 4) == "\u2013"
        assert shown("Paid raw leads", 4) == "\u2013"
    finally:
        close_quietly(win)


# --- the budget request's Summary ---------------------------------------------------------------


def summary_rows(plan: Plan, folder: Path) -> list[tuple[str, object]]:
    """(label, cached value) of every Summary line of the exported budget request."""
    from core.reports.budget_request import SUMMARY, write_budget_request

    path = folder / "request.xlsx"
    write_budget_request(plan, path)
    sheet = openpyxl.load_workbook(path, data_only=True)[SUMMARY]
    return [(str(label), value) for label, value, *_ in sheet.iter_rows(values_only=True) if label is not None]


def summary_value(rows: list[tuple[str, object]], *words: str) -> object:
    """The value of the first Summary line whose label holds every word (case-insensitive)."""
    found = [value for label, value in rows if all(w.casefold() in label.casefold() for w in words)]
    assert found, f"no Summary line with {words} in {[label for label, _ in rows]}"
    return found[0]


def signed_shown(value: float) -> int:
    """A signed count as the strip shows it (:func:`signed_count`): its size rounded up, its sign kept."""
    return shown_count(value) if value >= 0 else -shown_count(-value)


@pytest.mark.parametrize("name", list(acceptance_plans()))
def test_budget_request_summary_shows_the_figures(tmp_path: Path, name: str) -> None:
    plan = acceptance_plans()[name]
    fig, rows = figures(plan, calculate(plan)), summary_rows(plan, tmp_path)
    assert summary_value(rows, "deals") == shown_count(fig.deals)
    assert summary_value(rows, f"{plural(fig.qualified_name)} needed") == shown_count(fig.qualified_required)
    assert summary_value(rows, "paid raw leads") == shown_count(fig.paid_leads)
    assert summary_value(rows, "spend") == pytest.approx(fig.spend)
    assert fig.budget_gap is not None and summary_value(rows, "budget gap") == pytest.approx(fig.budget_gap)
    if fig.deficit is not None:
        assert summary_value(rows, "deficit", "approved budget") == signed_shown(fig.deficit)


@pytest.mark.parametrize("name", ["example", "same proposal"])
def test_budget_request_summary_shows_the_spec_change(tmp_path: Path, name: str) -> None:
    plan = acceptance_plans()[name]
    fig, rows = figures(plan, calculate(plan)), summary_rows(plan, tmp_path)
    change = fig.spec_change
    assert change is not None and change.deficit_adopted is not None and change.deficit_change is not None
    assert summary_value(rows, "deficit", "after adopting") == signed_shown(change.deficit_adopted)
    assert summary_value(rows, "change", "deficit") == signed_shown(change.deficit_change)
    assert (summary_value(rows, "change", "deficit") == 0) == (name == "same proposal")
    assert summary_value(rows, "extra budget", "pre-plan") == pytest.approx(change.extra_spend_with_pre_plan)


def test_budget_request_says_the_budget_story_in_its_cells_currency(tmp_path: Path) -> None:
    # the sentence sits among cells formatted "$1,234": it says money the same way
    from core.reports.budget_request import write_budget_request

    plan = load_plan(example_plan_path())[0]
    assert plan is not None
    target = tmp_path / "request.xlsx"
    write_budget_request(plan, target)
    sheet = openpyxl.load_workbook(target)["Summary"]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    story = next(t for t in texts if t.startswith("Request "))
    fig = figures(plan, calculate(plan))
    assert fig.budget is not None
    assert story == fig.budget.sentence(lambda v: format_money_symbol(v, "USD"))
    assert story.startswith("Request $") and "USD" not in story


# --- v2: the far edge, the nurture pool, the pool's share of a spec change, the deficit split ---------

HALF = LeadSpec("SQL", 0, (Criterion("Target industry", 0, 0.5, required=True),))
"""A spec passing half the leads (one required criterion met by half)."""
QUARTER = LeadSpec(
    "SQL", 0, (Criterion("Target industry", 0, 0.5, required=True), Criterion("Budget", 0, 0.5, required=True))
)
"""A stricter spec passing a quarter (two required criteria, each met by half)."""


def test_far_edge_repeat_carries_the_last_month_leads() -> None:
    # Lead -> Won at 50 %, half in the month, half a month later: K = [0.25, 0.25], R = 0.5, reach 1.
    # After the plan: R = 1 month, T[2] = T[0] * 1.1 = 1100 (L = 2): W = [10, 20 | 11].
    # G[s] = Q[s] + Q[s+1]: the plan's months need P = [30, 31]; run forward alone,
    # month 2 receives 0.25 * 31 = 7.75 deals (USD 775).
    plan = simple_plan([1000, 2000], 100, [0.5], profiles=[[0.5, 0.5]], after=AfterPlan("repeat", 0.1))
    result = calculate(plan)
    assert list(result.paid_leads) == pytest.approx([30, 31])
    edge = figures(plan, result).after_plan
    assert (edge.mode, edge.months, edge.cycle) == ("repeat", 1, 2)
    assert edge.target_after == pytest.approx(1100) and edge.deals_after == pytest.approx(11)
    assert edge.carried_deals == pytest.approx(7.75) and edge.carried_revenue == pytest.approx(775)
    assert edge.sentence(money_in("USD")) == (
        "The leads of the plan's last months are the pipeline after it: the plan's own leads bring 8 deals "
        "(USD 775) after it ends; the target is assumed to go on after the plan, growing 10 % every 2 months, "
        "for 1 month."
    )


def test_far_edge_none_says_only_what_still_arrives() -> None:
    # Nothing after the plan: W = [10, 20 | 0], P = [30, 20]; month 2 receives 0.25 * 20 = 5 deals.
    plan = simple_plan([1000, 2000], 100, [0.5], profiles=[[0.5, 0.5]])
    edge = figures(plan, calculate(plan)).after_plan
    assert (edge.mode, edge.months, edge.target_after) == ("none", 0, 0.0)
    assert edge.carried_deals == pytest.approx(5)
    assert edge.sentence(money_in("USD")) == (
        "Nothing is required after the plan (a one-off campaign); the plan's own leads still bring 5 deals "
        "(USD 500) after it ends."
    )


def test_twelve_month_plan_ending_in_december_says_q4_feeds_q1() -> None:
    plan = example()
    fig = figures(plan, calculate(plan))
    sentence = fig.after_plan.sentence(money_in("USD"))
    assert sentence.startswith("Q4 leads are next year's Q1 pipeline: the plan's own leads bring ")
    assert sentence.endswith("growing 10 % a year, for 30 months.")


def pool_plan(spec: LeadSpec | None = None, proposed: LeadSpec | None = None) -> Plan:
    """Lead -> MQL 100 %, MQL -> SQL 50 % (or the spec's), SQL -> Won 100 %, no lags; 10 deals a month for two
    months; a pool on SQL taking half the failing leads, half of it maturing each month, for one month."""
    nurture = Nurture(0.5, 0.5, 0.0, 1, stage="SQL", hours_per_lead=0.5, hours_available=(1.0, 1.0))
    plan = simple_plan([1000, 1000], 100, [1.0, 0.5, 1.0], stage_names=["Lead", "MQL", "SQL", "Won"], nurture=nurture)
    return plan.with_changes(lead_spec=spec, proposed_lead_spec=proposed)


def test_nurture_pool_figures() -> None:
    # K(MQL->SQL) = [0.5, 0.5*0.5*0.5] = [0.5, 0.125], R = 0.625: G_MQL[s] = (0.5*Q[s] + 0.125*Q[s+1]) / R^2
    # = [3.2 (pre-plan), 16, 12.8]. Recycled 0.25 * MQLs = [0.8 | 4, 3.2]; pool = last month's recycled
    # = [0.8, 4]; matured = half the pool = [0.4, 2]; utilization = 0.5 h * pool / 1 h = [0.4, 2.0].
    plan = pool_plan()
    pool = figures(plan, calculate(plan)).nurture
    assert pool is not None and pool.stage == "SQL"
    assert list(pool.recycled) == pytest.approx([4, 3.2]) and list(pool.pool) == pytest.approx([0.8, 4])
    assert list(pool.matured) == pytest.approx([0.4, 2]) and pool.utilization == pytest.approx((0.4, 2.0))
    assert (pool.recycled_total, pool.returned_total) == pytest.approx((7.2, 2.4))
    assert (pool.average_pool, pool.peak_pool, pool.peak_pool_month) == pytest.approx((2.4, 4, "2027-02"))
    assert pool.peak_utilization == pytest.approx(2.0) and pool.peak_utilization_month == "2027-02"
    assert pool.sentence() == (
        "50 % of the leads failing SQL go to the nurture pool (8 over the plan); it returns 3 to SQL over the plan "
        "and holds 3 leads on average (peak 4 in Feb 27). Lead development works at 200 % of its hours at the "
        "peak (Feb 27)."
    )


def test_no_pool_no_pool_figures() -> None:
    plan = simple_plan([1000, 1000], 100, [0.5, 0.5])
    assert figures(plan, calculate(plan)).nurture is None


def test_pool_wins_back_part_of_the_stricter_specs_deficit() -> None:
    # Today's flow MQL = [3.2 | 16, 12.8] (as above, the spec passing half). Under the quarter spec
    # K' = [0.25, 0.5*0.75*0.5] = [0.25, 0.1875]: SQLs = [4.6, 6.2] against 10 a month: deficit 9.2.
    # The pool returns 0.1875 instead of 0.125 of last month's MQLs: [0.6, 3] - [0.4, 2] = 1.2 won back,
    # of the 10.4 the spec would cost without it.
    plan = pool_plan(HALF, QUARTER)
    change = figures(plan, calculate(plan)).spec_change
    assert change is not None and change.won_back is not None
    back = change.won_back
    assert (back.won_back, back.deficit, back.deficit_without_pool) == pytest.approx((1.2, 9.2, 10.4))
    assert back.share == pytest.approx(1.2 / 10.4)
    assert back.sentence() == (
        "The stricter spec fails more leads, and the nurture pool wins 2 of them back as SQLs later in the plan: "
        "11.5 % of the 11 the spec would otherwise cost."
    )


def split_plan(budget: list[float]) -> Plan:
    """Lead -> SQL at the spec's 50 %, half in the month and half a month later; SQL -> Won at once;
    10 deals a month for two months; leads at USD 100."""
    return simple_plan(
        [1000, 1000], 100, [0.5, 1.0], stage_names=["Lead", "SQL", "Won"], spec=HALF, budget=budget,
        profiles=[[0.5, 0.5], None],
    )  # fmt: skip


def test_deficit_split_into_timing_and_budget() -> None:
    # G_Lead[s] = Q[s] + Q[s+1] = [10 | 20, 10]; fully funded, SQLs = 0.25*P[t] + 0.25*P[t-1] = [7.5, 7.5]:
    # 5 short from timing. USD 1,000 a month buys [10, 10]: SQLs = [5, 5], 10 short: 5 more from the budget.
    plan = split_plan([1000, 1000])
    fig = figures(plan, calculate(plan))
    split = fig.deficit_split
    assert split is not None and fig.deficit == pytest.approx(10)
    assert (split.deficit, split.timing, split.budget) == pytest.approx((10, 5, 5))
    assert split.sentence() == (
        "Of the 10 SQLs short over the plan (net), 5 short are the budget's doing and 5 short the funnel's timing: "
        "a fully funded plan would still be 5 short, because leads bought as required arrive spread over the "
        "following months, not all in the month they are needed."
    )


def test_a_budget_covering_the_spend_leaves_only_the_timing_part() -> None:
    plan = split_plan([2000, 1000])  # exactly the spend: P = [20, 10] at USD 100
    fig = figures(plan, calculate(plan))
    assert fig.budget is not None and fig.budget.months_short == ()
    split = fig.deficit_split
    assert split is not None and split.budget == pytest.approx(0, abs=1e-9) and split.timing == pytest.approx(5)
    assert split.sentence().startswith("The approved budget buys every lead the plan requires, yet 5 SQLs short")


def test_whole_month_lags_leave_no_timing_part() -> None:
    plan = simple_plan([1000, 1000], 100, [0.5, 1.0], stage_names=["Lead", "SQL", "Won"], spec=HALF, budget=[1000, 0])
    split = figures(plan, calculate(plan)).deficit_split
    # 20 leads a month needed at USD 100: the budget buys [10, 0], SQLs [5, 0] of [10, 10]
    assert split is not None and split.timing == pytest.approx(0, abs=1e-9) and split.budget == pytest.approx(15)


def test_budget_story_counts_the_leads_for_deals_after_the_plan() -> None:
    # The far-edge plan above: leads needed [10 (pre-plan) | 30, 31] at USD 100 (the 31 include February's
    # share of March's 11 deals). Spend [3,000, 3,100] against USD 3,000 a month: February is USD 100 short;
    # the USD 1,000 pre-plan spend is said apart.
    plan = simple_plan(
        [1000, 2000], 100, [0.5], profiles=[[0.5, 0.5]], after=AfterPlan("repeat", 0.1), budget=[3000, 3000]
    )
    story = figures(plan, calculate(plan)).budget
    assert story is not None
    assert story.months_short == ("2027-02",) and story.short_total == pytest.approx(100)
    assert story.net == pytest.approx(100) and story.pre_plan_spend == pytest.approx(1000)
    assert story.sentence(money_in("USD")) == (
        "Request USD 100 for the 1 month short (of 2); USD 100 over the plan (net) if money can move between months."
        " Pre-plan spend of USD 1,000 comes before the plan and is in neither figure."
    )
