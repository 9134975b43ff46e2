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
from core.model.plan import Plan
from core.paths import example_plan_path
from core.reports.budget_request import SUMMARY, write_budget_request
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
