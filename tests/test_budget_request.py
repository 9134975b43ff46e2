"""The budget-request workbook for finance (core.reports.budget_request).

What finance relies on: the sheets and names are there and print well;
every formula's cached value is the planner's number (so the workbook reads
right in any viewer); LibreOffice, recalculating from scratch, gets the same
numbers; changing an input on Assumptions moves the figures the way the
planner would; text from the plan never turns into a formula.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from core.calc.display import shown_count
from core.calc.engine import PlanResult, basis, calculate
from core.calc.feasibility import validate
from core.calc.figures import adopted_result, figures, plural
from core.calc.lead_spec import pass_rate
from core.model.plan import Channel, EmpiricalPassRate, FreeSource, Plan, PlanRefused, Stage, errors_only
from core.reports.budget_request import (
    ASSUMPTIONS,
    BUDGET,
    CAPACITY,
    REVERSE,
    SHEETS,
    SPEC,
    SUMMARY,
    TRACKING,
    currency_format,
    write_budget_request,
)
from tests.libreoffice import recalculate, soffice_path
from tests.strategies import plans

REL, ABS = 1e-9, 1e-6
EXAMPLE_SHEETS = [s for s in SHEETS if s != TRACKING]  # the example has no actuals
HEADER_ROW = 4  # 1-based row of the month headers on the month sheets


def close(actual: Any, expected: float) -> bool:
    return isinstance(actual, (int, float)) and math.isclose(float(actual), float(expected), rel_tol=REL, abs_tol=ABS)


def export(plan: Plan, folder: Path, name: str = "request.xlsx") -> Path:
    path = folder / name
    write_budget_request(plan, path)
    return path


Values = dict[str, dict[tuple[int, int], Any]]  # sheet -> (row, col) 1-based -> value


def openpyxl_values(path: Path) -> Values:
    """Cell values as stored (cached results for formulas)."""
    book = openpyxl.load_workbook(path, data_only=True)
    return {
        ws.title: {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}
        for ws in book.worksheets
    }


def calamine_values(path: Path) -> Values:
    """Cached values as python-calamine reads them (another reader)."""
    book = CalamineWorkbook.from_path(str(path))
    out: Values = {}
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        out[name] = {
            (r + 1, c + 1): v for r, row in enumerate(rows) for c, v in enumerate(row) if v is not None and v != ""
        }
    return out


def formulas(path: Path) -> dict[tuple[str, str], str]:
    book = openpyxl.load_workbook(path, data_only=False)
    return {
        (ws.title, c.coordinate): c.value
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    }


class Sheet:
    """Find figures by their row label (column A, optional name in B) and
    month header."""

    def __init__(self, values: Values, name: str) -> None:
        cells = values[name]
        # the monthly table only: the quarter table below it repeats some labels
        end = min((r for (r, c), v in cells.items() if c == 1 and v == "By quarter"), default=None)
        self.cells = {(r, c): v for (r, c), v in cells.items() if end is None or r < end}
        self.name = name
        self.columns = {v: col for (row, col), v in self.cells.items() if row == HEADER_ROW and isinstance(v, str)}

    def row(self, label: str, name: str | None = None) -> int:
        found = [
            r
            for (r, c), v in self.cells.items()
            if c == 1 and v == label and (name is None or self.cells.get((r, 2)) == name)
        ]
        assert len(found) == 1, f"{self.name}: row {label!r} / {name!r} found {len(found)} times"
        return found[0]

    def has(self, label: str, name: str | None = None) -> bool:
        return any(
            c == 1 and v == label and (name is None or self.cells.get((r, 2)) == name)
            for (r, c), v in self.cells.items()
        )

    def months(self, label: str, months: tuple[str, ...], name: str | None = None) -> list[Any]:
        r = self.row(label, name)
        return [self.cells.get((r, self.columns[m])) for m in months]

    def at(self, label: str, column: str, name: str | None = None) -> Any:
        return self.cells.get((self.row(label, name), self.columns[column]))


def assert_series(actual: list[Any], expected: Any, what: str) -> None:
    expected = [float(x) for x in expected]
    assert len(actual) == len(expected), what
    for t, (a, e) in enumerate(zip(actual, expected, strict=True)):
        assert close(a, e), f"{what}[{t}]: workbook {a!r}, planner {e!r}"


def shown_equal(actual: Any, exact: float) -> bool:
    """A count shown rounded up (core.calc.display.shown_count). Spreadsheets
    round to 15 significant digits first, so from 1e9 items up the last
    unit may differ (a count no plan reaches in earnest)."""
    expected = shown_count(exact)
    if abs(exact) >= 1e9:
        return close(actual, expected) or abs(float(actual) - expected) <= 1
    return bool(actual == expected)


def summary_value(values: Values, label: str) -> Any:
    cells = values[SUMMARY]
    rows = [r for (r, c), v in cells.items() if c == 1 and v == label]
    assert len(rows) == 1, f"Summary row {label!r} found {len(rows)} times"
    return cells.get((rows[0], 2))


def check_against_core(values: Values, plan: Plan, res: PlanResult) -> None:
    """The figures finance reads equal the planner's (engine's) numbers."""
    months = res.months
    names = res.stage_names
    K = len(names) - 1
    rf = Sheet(values, REVERSE)
    assert_series(rf.months("Deals required", months), res.deals_required, "deals")
    for k in range(K):
        assert_series(rf.months("Required (gross)", months, names[k]), res.stage_required[k], f"required {names[k]}")
        assert close(rf.at("Required (gross)", "Before the plan", names[k]), res.pre_plan[k]), f"pre-plan {names[k]}"
    assert_series(rf.months("Paid raw leads (all channels)", months), res.paid_leads, "paid leads")
    assert close(rf.at("Paid raw leads (all channels)", "Before the plan"), res.paid_leads_pre_plan)

    bud = Sheet(values, BUDGET)
    for name, leads, spend in zip(res.channel_names, res.channel_leads, res.spend, strict=True):
        assert_series(bud.months("Leads", months, name), leads, f"leads {name}")
        assert_series(bud.months("Spend", months, name), spend, f"spend {name}")
    if res.channel_names:
        assert_series(bud.months("Budget requested (total spend)", months), res.spend_total, "spend total")
        assert close(bud.at("Budget requested (total spend)", "Before the plan"), res.spend_pre_plan)
        assert close(bud.at("Budget requested (total spend)", "Plan total"), res.spend_total.sum())
    if res.budget_gap is not None and res.channel_names:
        assert_series(bud.months("Budget gap (positive: to request)", months), res.budget_gap, "budget gap")

    spec = Sheet(values, SPEC)
    if res.funded is not None:
        for k in range(K + 1):
            assert_series(
                spec.months("Funded volume entering", months, names[k]), res.funded.stage_volume[k], f"funded {k}"
            )
        assert_series(spec.months("Revenue gap (target - funded)", months), res.funded.revenue_gap, "rev gap")
        if res.funded.gate_deficit is not None:
            assert_series(spec.months("Deficit with the budget", months), res.funded.gate_deficit, "deficit")
    sc = res.spec_change
    if sc is not None:
        assert_series(spec.months("Deficit, proposed spec, today's leads", months, sc.gate), sc.gate_deficit, "sc")
        adopted = adopted_result(plan, res)
        if adopted is not None and adopted.funded is not None and adopted.funded.gate_deficit is not None:
            label = "Deficit after adopting the proposed spec"
            assert_series(spec.months(label, months, sc.gate), adopted.funded.gate_deficit, "adopted")
        assert_series(spec.months("Extra paid raw leads", months), sc.extra_paid_leads, "extra leads")
        assert close(spec.at("Extra paid raw leads", "Before the plan"), sc.extra_paid_leads_pre_plan)
        if res.channel_names:
            assert_series(spec.months("Extra budget", months), sc.extra_spend, "extra spend")
            assert close(spec.at("Extra budget", "Before the plan"), sc.extra_spend_pre_plan)

    cap = Sheet(values, CAPACITY)
    if res.sales_utilization is not None and cap.has("Utilization (above 100%: more than sales can work)"):
        label = "Utilization (above 100%: more than sales can work)"
        assert_series(cap.months(label, months), res.sales_utilization, "utilization")

    assert shown_equal(summary_value(values, "Deals required"), float(res.deals_required.sum()))
    assert shown_equal(summary_value(values, "Paid raw leads needed"), float(res.paid_leads.sum()))
    assert shown_equal(summary_value(values, "Paid raw leads before the plan starts"), res.paid_leads_pre_plan)
    assert close(summary_value(values, "Budget requested (spend needed)"), res.spend_total.sum())
    if res.budget_gap is not None:
        assert close(summary_value(values, "Budget gap over the plan (net)"), res.budget_gap.sum())


def check_cached_equals(original: Path, recalculated: Path) -> int:
    """Every formula cell of ``original``: LibreOffice's value equals the
    cached one. Returns how many formulas were compared."""
    cached = openpyxl_values(original)
    fresh = openpyxl.load_workbook(recalculated, data_only=True)
    count = 0
    for (sheet, coord), formula in formulas(original).items():
        cell = fresh[sheet][coord]
        want = cached[sheet].get((cell.row, cell.column))
        got = cell.value
        if isinstance(want, str):
            assert got == want, f"{sheet}!{coord} {formula}: LibreOffice {got!r}, cached {want!r}"
        else:
            assert want is not None, f"{sheet}!{coord} {formula} has no cached value"
            assert close(got, want), f"{sheet}!{coord} {formula}: LibreOffice {got!r}, cached {want!r}"
        count += 1
    return count


def defined_cell(path: Path, name: str) -> tuple[str, str]:
    book = openpyxl.load_workbook(path)
    dests = list(book.defined_names[name].destinations)
    assert len(dests) == 1
    sheet, ref = dests[0]
    return sheet, ref.replace("$", "")


def set_input(path: Path, out: Path, changes: dict[str, float]) -> Path:
    """Change inputs (by defined name) with openpyxl, as finance would."""
    book = openpyxl.load_workbook(path)
    for name, value in changes.items():
        sheet, ref = next(iter(book.defined_names[name].destinations))
        book[sheet][ref.replace("$", "")].value = value
    book.save(out)
    return out


valid_plans = plans().filter(lambda p: not errors_only(validate(p)))
# with every part the workbook computes: budget (funded projection), both specs
full_plans = valid_plans.filter(
    lambda p: p.months >= 3 and p.approved_budget is not None and p.proposed_lead_spec is not None
)


# --------------------------------------------------------------- structure


def test_sheets_in_the_order_finance_reads_them(example_plan: Plan, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(export(example_plan, tmp_path))
    assert book.sheetnames == EXAMPLE_SHEETS
    assert book.active.title == SUMMARY


def test_defined_names_point_at_the_inputs(example_plan: Plan, tmp_path: Path) -> None:
    path = export(example_plan, tmp_path)
    values = openpyxl_values(path)
    book = openpyxl.load_workbook(path)
    expected = {
        "AvgDealSize": 60000,
        "PassRate": pass_rate(example_plan.lead_spec),  # type: ignore[arg-type]
        "ProposedPassRate": pass_rate(example_plan.proposed_lead_spec),  # type: ignore[arg-type]
        "Rate_Inquiry": 0.35,
        "Rate_Opportunity": 0.60,
        "Lag_MQL": 21,
        "Hours_Proposal": 10,
        "Mix_Paid_search": 0.30,
        "CPL_Trade_shows": 340,
        "ChRate_LinkedIn_ads": 0.33,
        "BlendedRate": calculate(example_plan).blended_paid_rate,
    }
    for name, value in expected.items():
        sheet, ref = defined_cell(path, name)
        assert sheet == ASSUMPTIONS
        cell = book[sheet][ref]
        assert close(values[sheet][(cell.row, cell.column)], value), name
    for name in ("ApprovedBudget", "RevenueTarget", "SalesHoursAvailable", "Fixed_Trade_shows"):
        assert name in book.defined_names
    sheet, ref = next(iter(book.defined_names["ApprovedBudget"].destinations))
    cells = [c for row in book[sheet][ref.replace("$", "")] for c in row]
    assert [c.value for c in cells] == list(example_plan.approved_budget or ())


def test_print_setup_freeze_panes_and_formats(example_plan: Plan, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(export(example_plan, tmp_path))
    for ws in book.worksheets:
        want = "portrait" if ws.title == SUMMARY else "landscape"
        assert ws.page_setup.orientation == want, ws.title
        assert not ws.sheet_view.showGridLines, ws.title
        assert not ws.print_options.gridLines, ws.title
        assert ws.print_title_cols.replace("$", "") == "A:B" or ws.title == SUMMARY, ws.title
        assert "&A" in str(ws.oddHeader.left.text), ws.title  # the sheet's name on every page
        assert ws.column_dimensions["A"].width > 20, ws.title
    # a year of months does not fit one page wide at a readable size: half a year a page
    rf = book[REVERSE]
    assert not rf.sheet_properties.pageSetUpPr.fitToPage
    assert rf.page_setup.scale >= 80
    pre = basis(example_plan)[0].grid.offset  # months before the plan the lags need
    assert [b.id for b in rf.col_breaks.brk] == [3 + pre + 6]  # after A, B, 'Before the plan', the hidden, 6 months
    assert book[REVERSE].freeze_panes == "C5"
    assert book[BUDGET].freeze_panes == "C5"
    assert book[SUMMARY].freeze_panes == "A5"
    assert book[REVERSE].print_title_rows.replace("$", "") == "4:4"
    # the months before the plan are grouped and hidden; 'Before the plan' sums them
    spans = [(d.min, d.max) for d in rf.column_dimensions.values() if d.hidden]
    hidden = [rf.cell(4, c).value for first, last in spans for c in range(first, last + 1)]
    assert len(hidden) == pre and all("before the plan" in str(h) for h in hidden)
    assert all(rf.column_dimensions[get_column_letter(first)].outlineLevel == 1 for first, _ in spans)
    assert rf["C4"].value == "Before the plan"
    paid = next(r for r in rf.iter_rows() if r[0].value == "Paid raw leads (all channels)")
    assert paid[2].value == "=SUM(D{0}:{1}{0})".format(paid[2].row, get_column_letter(3 + pre))

    rf = book[REVERSE]
    target = next(r for r in rf.iter_rows() if r[0].value == "Revenue target")
    assert '"$"#,##0' in target[3 + pre].number_format  # the plan's first month
    deals = next(r for r in rf.iter_rows() if r[0].value == "Deals required")
    assert deals[3 + pre].number_format == "#,##0.0"
    assumptions = book[ASSUMPTIONS]
    _, ref = defined_cell(export(example_plan, tmp_path, "again.xlsx"), "PassRate")
    assert assumptions[ref].number_format == "0.00%"
    summary = book[SUMMARY]
    row = next(r for r in summary.iter_rows() if r[0].value == "Deals required")
    assert row[1].number_format == "#,##0"
    assert book[SUMMARY]._charts, "charts of requirements and spend"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("USD", '"$"#,##0;-"$"#,##0'), ("EUR", '"€"#,##0;-"€"#,##0'), ("CHF", "[$CHF] #,##0;-[$CHF] #,##0")],
)
def test_currency_format(code: str, expected: str) -> None:
    assert currency_format(code) == expected


def test_currency_format_never_breaks_the_format_string() -> None:
    assert currency_format('a"b;') == '"AB "#,##0;-"AB "#,##0'


# --------------------------------------------------------------- cached values


def test_example_cached_values_are_the_planners_numbers(example_plan: Plan, tmp_path: Path) -> None:
    path = export(example_plan, tmp_path)
    res = calculate(example_plan)
    check_against_core(openpyxl_values(path), example_plan, res)
    check_against_core(calamine_values(path), example_plan, res)


def test_every_formula_carries_a_cached_value(example_plan: Plan, tmp_path: Path) -> None:
    path = export(example_plan, tmp_path)
    cached = openpyxl_values(path)
    found = formulas(path)
    assert len(found) > 500
    book = openpyxl.load_workbook(path)
    for sheet, coord in found:
        cell = book[sheet][coord]
        assert cached[sheet].get((cell.row, cell.column)) is not None, f"{sheet}!{coord}"


def test_summary_counts_are_rounded_up_and_money_is_exact(example_plan: Plan, tmp_path: Path) -> None:
    values = openpyxl_values(export(example_plan, tmp_path))
    res = calculate(example_plan)
    gate = 2  # SQL
    assert summary_value(values, "SQLs needed") == shown_count(float(res.stage_required[gate].sum()))
    assert summary_value(values, "Raw leads required: Inquiry") == shown_count(float(res.stage_required[0].sum()))
    spend = float(res.spend_total.sum())
    assert close(summary_value(values, "Cost per qualified lead (SQL)"), spend / res.stage_required[gate].sum())
    assert close(summary_value(values, "Cost per deal"), spend / res.deals_required.sum())
    assert close(summary_value(values, "Approved budget"), sum(example_plan.approved_budget or ()))
    sc = res.spec_change
    assert sc is not None
    assert close(summary_value(values, "Pass rate, proposed spec"), sc.pass_rate_proposed)
    assert close(
        summary_value(values, "Extra budget including pre-plan spend"), sc.extra_spend.sum() + sc.extra_spend_pre_plan
    )
    assert values[ASSUMPTIONS][next(k for k, v in values[ASSUMPTIONS].items() if v == "Lag check")[0], 2] == "OK"


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(plan=valid_plans)
def test_generated_plans_cached_values_are_the_planners_numbers(plan: Plan) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = export(plan, Path(folder))
        check_against_core(openpyxl_values(path), plan, calculate(plan))


def test_summary_shows_the_apps_figures_in_its_words(example_plan: Plan, tmp_path: Path) -> None:
    """The Summary's headline figures are core.calc.figures' (as the KPI strip and the Results
    page show them), the deficit called a deficit, never a shortfall, on any sheet."""
    path = export(example_plan, tmp_path)
    values = openpyxl_values(path)
    fig = figures(example_plan, calculate(example_plan))
    assert fig.deficit is not None and fig.gate is not None and fig.spec_change is not None
    assert fig.budget is not None and fig.budget_gap is not None
    change = fig.spec_change
    assert change.deficit_adopted is not None and change.deficit_change is not None
    assert summary_value(values, f"{plural(fig.qualified_name)} needed") == shown_count(fig.qualified_required)

    def signed(value: float) -> int:  # as the app shows a deficit: its size rounded up, its sign kept
        return shown_count(value) if value >= 0 else -shown_count(-value)

    assert summary_value(values, f"{fig.gate} deficit with the approved budget") == signed(fig.deficit)
    adopted = summary_value(values, f"{fig.gate} deficit after adopting the proposed spec")
    assert adopted == signed(change.deficit_adopted)
    assert summary_value(values, "Change in the deficit") == signed(change.deficit_change)
    assert close(summary_value(values, "Extra budget over the plan"), change.extra_spend)
    assert close(summary_value(values, "Budget gap over the plan (net)"), fig.budget_gap)
    story = summary_value(values, "What to request (as exported)")
    assert isinstance(story, str) and story.startswith("Request ") and "over the plan (net)" in story
    texts = [v for sheet in values.values() for v in sheet.values() if isinstance(v, str)]
    assert any("deficit" in t.lower() for t in texts)
    assert not [t for t in texts if "shortfall" in t.lower()]


def test_plan_without_optional_parts(tmp_path: Path) -> None:
    """No spec, budget, hours, free sources: the workbook says what is missing."""
    plan = Plan(
        name="Lean",
        currency="SEK",
        start="2027-11",
        months=3,
        revenue_target=(100000.0, 0.0, 250000.0),
        avg_deal_size=50000.0,
        stages=(Stage("Lead", 0.2, 15.0), Stage("Opportunity", 0.5, 40.0, 3.0), Stage("Won")),
        channels=(Channel("Ads", 1.0, 25.0, (0.0, 0.0, 0.0)),),
    )
    path = export(plan, tmp_path)
    values = openpyxl_values(path)
    check_against_core(values, plan, calculate(plan))
    assert summary_value(values, "Approved budget") == "not entered"
    assert summary_value(values, "Proposed lead spec") == "none entered"
    # without a spec or an SQL stage, never the first stage: here Opportunity (core.calc.figures.qualified_stage)
    assert summary_value(values, "Opportunities needed") == shown_count(float(calculate(plan).stage_required[1].sum()))
    assert summary_value(values, "Deficit with the approved budget") == "needs a lead spec"
    book = openpyxl.load_workbook(path)
    target = next(r for r in book[REVERSE].iter_rows() if r[0].value == "Revenue target")
    assert "[$SEK]" in next(c for c in target[2:] if c.value is not None).number_format


# --------------------------------------------------------------- safety


def test_text_from_the_plan_stays_text(example_plan: Plan, tmp_path: Path) -> None:
    channels = (
        replace(example_plan.channels[0], name='=HYPERLINK("x")'),
        replace(example_plan.channels[1], name="+1+1"),
        *example_plan.channels[2:],
    )
    stages = (replace(example_plan.stages[0], name="@SUM(A1)"), *example_plan.stages[1:])
    free = (FreeSource("-2", "@SUM(A1)", (450.0,) * 12),)
    # the contingency sources name the first stage: none here
    plan = replace(example_plan, name="=1+2", channels=channels, stages=stages, free_sources=free, contingency=None)
    path = export(plan, tmp_path)
    book = openpyxl.load_workbook(path)
    seen = set()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in ('=HYPERLINK("x")', "+1+1", "@SUM(A1)", "=1+2"):
                    assert cell.data_type == "s", f"{ws.title}!{cell.coordinate}"
                    seen.add(cell.value)
                if isinstance(cell.value, str) and cell.value.endswith(": -2"):  # the free source's column
                    assert cell.data_type == "s", f"{ws.title}!{cell.coordinate}"
                    seen.add("-2")
                if cell.data_type == "f":
                    assert "HYPERLINK(" not in str(cell.value)
    assert seen == {'=HYPERLINK("x")', "+1+1", "@SUM(A1)", "-2", "=1+2"}
    assert book[SUMMARY]["A1"].value == "Budget request: =1+2"
    assert "Mix_HYPERLINK_x" in book.defined_names
    check_against_core(openpyxl_values(path), plan, calculate(plan))


def test_refused_plan_writes_nothing_and_keeps_the_old_file(example_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "request.xlsx"
    path.write_bytes(b"previous")
    with pytest.raises(PlanRefused) as refused:
        write_budget_request(replace(example_plan, avg_deal_size=-5.0), path)
    assert any(p.field == "avg_deal_size" for p in refused.value.problems)
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["request.xlsx"]


def test_export_replaces_an_existing_file(example_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "request.xlsx"
    path.write_bytes(b"previous")
    write_budget_request(example_plan, path)
    assert openpyxl.load_workbook(path).sheetnames == EXAMPLE_SHEETS


# --------------------------------------------------------------- LibreOffice

needs_libreoffice = pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed")


def _pass_rate_plan(plan: Plan, rate: float) -> Plan:
    assert plan.lead_spec is not None
    spec = replace(plan.lead_spec, empirical=EmpiricalPassRate(rate, 1000), pass_rate_source="empirical")
    return replace(plan, lead_spec=spec)


def _stage_changed(plan: Plan, index: int, **changes: float) -> Plan:
    stages = list(plan.stages)
    stages[index] = replace(stages[index], **changes)  # type: ignore[arg-type]
    return replace(plan, stages=tuple(stages))


@pytest.fixture(scope="module")
def example_recalculated() -> Iterator[dict[str, tuple[Path, Path, Plan | None]]]:
    """The example and variants with inputs changed on Assumptions,
    recalculated by LibreOffice in one run: name -> (written, recalculated,
    the plan the recalculated figures must match)."""
    from core.formats.plan_json import load_plan_json
    from core.paths import example_plan_path

    plan, _ = load_plan_json(example_plan_path())
    assert plan is not None
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "in"
        base.mkdir()
        original = export(plan, base, "example.xlsx")
        variants: dict[str, tuple[Path, Plan | None]] = {
            "example": (original, plan),
            # a rate: Opportunity -> Proposal from 60% to 45%
            "rate": (
                set_input(original, base / "rate.xlsx", {"Rate_Opportunity": 0.45}),
                _stage_changed(plan, 3, rate=0.45),
            ),
            # a shorter lag (fewer pre-plan months needed) and a channel's cost
            "lag": (
                set_input(original, base / "lag.xlsx", {"Lag_Opportunity": 20, "CPL_Paid_search": 150}),
                replace(
                    _stage_changed(plan, 3, lag_days=20.0),
                    channels=tuple(
                        replace(c, cost_per_lead=150.0) if c.name == "Paid search" else c for c in plan.channels
                    ),
                ),
            ),
            # the lead spec's pass rate (an input value: the DP is not a formula)
            "pass": (set_input(original, base / "pass.xlsx", {"PassRate": 0.25}), _pass_rate_plan(plan, 0.25)),
            # a lag longer than the workbook's pre-plan months: the check cell says so
            "long": (set_input(original, base / "long.xlsx", {"Lag_MQL": 80}), None),
        }
        out = recalculate([p for p, _ in variants.values()], Path(folder) / "out")
        yield {name: (p, o, want) for (name, (p, want)), o in zip(variants.items(), out, strict=True)}


@pytest.mark.libreoffice
@needs_libreoffice
def test_libreoffice_recalculates_every_formula_to_the_cached_value(
    example_recalculated: dict[str, tuple[Path, Path, Plan | None]],
) -> None:
    written, recalculated, plan = example_recalculated["example"]
    assert plan is not None
    assert check_cached_equals(written, recalculated) > 500
    check_against_core(openpyxl_values(recalculated), plan, calculate(plan))


@pytest.mark.libreoffice
@needs_libreoffice
@pytest.mark.parametrize("variant", ["rate", "lag", "pass"])
def test_changed_assumption_recalculates_like_the_planner(
    example_recalculated: dict[str, tuple[Path, Path, Plan | None]], variant: str
) -> None:
    """The formulas are live: LibreOffice's figures after an input change
    are the planner's figures for the plan with that input."""
    _, recalculated, plan = example_recalculated[variant]
    assert plan is not None
    changed = calculate(plan)
    example = calculate(example_recalculated["example"][2])  # type: ignore[arg-type]
    assert not np.allclose(changed.paid_leads, example.paid_leads)  # the change matters
    check_against_core(openpyxl_values(recalculated), plan, changed)


@pytest.mark.libreoffice
@needs_libreoffice
def test_lag_beyond_the_pre_plan_months_is_flagged(
    example_recalculated: dict[str, tuple[Path, Path, Plan | None]],
) -> None:
    _, recalculated, _ = example_recalculated["long"]
    values = openpyxl_values(recalculated)[ASSUMPTIONS]
    row = next(r for (r, c), v in values.items() if c == 1 and v == "Lag check")
    assert values[(row, 2)] == "Export again"


def _recalculate_one(plan: Plan, check: Callable[[Path, Path], None]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "in"
        base.mkdir()
        written = export(plan, base)
        [recalculated] = recalculate([written], Path(folder) / "out")
        check(written, recalculated)


@pytest.mark.libreoffice
@needs_libreoffice
@settings(max_examples=2, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(plan=full_plans)
def test_libreoffice_agrees_on_generated_plans(plan: Plan) -> None:

    def check(written: Path, recalculated: Path) -> None:
        check_cached_equals(written, recalculated)
        check_against_core(openpyxl_values(recalculated), plan, calculate(plan))

    _recalculate_one(plan, check)
