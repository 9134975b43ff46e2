"""The budget request in the year in progress (issues 13 and 14): the
Contingency sheet (the sources kept ready, each deficit's month-by-source
schedule, its cost, cover and the sentence for finance), the Tracking sheet
(plan vs actual vs the two forecasts at the gate, the observed rates, the
alarm), and the Summary's funding marker, alarm and odds.

What finance relies on: the sheets are there exactly when they apply; every
figure on them is the planner's (the same numbers and the same sentences as
the app and the text report); LibreOffice, recalculating from scratch, gets
the same; they print on at most two readable pages each.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest

from core.calc.contingency_lp import ContingencyPlan
from core.calc.display import format_count, format_money_symbol
from core.calc.engine import PlanResult, calculate
from core.calc.figures_year import contingency_figures, odds_figures, tracking_figures
from core.calc.outlook import complete
from core.model.plan import Actuals, ContingencySource, Plan
from core.reports.budget_request import CONTINGENCY, SHEETS, SUMMARY, TRACKING, write_budget_request
from tests.libreoffice import recalculate, soffice_path
from tests.test_budget_request import check_against_core, check_cached_equals, close, openpyxl_values
from tests.test_printouts import TOLERANCE, _eight_points, _pages, _reference, _sheet_of, _to_pdf

needs_libreoffice = pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed")

ACTUALS: dict[str, tuple[float, ...]] = {
    "Inquiry": (1600, 1550, 1500, 1580),
    "MQL": (560, 540, 520, 530),
    "SQL": (190, 200, 170, 160),
}
ALARM_FILL = "FFC7CE"

Rows = list[list[Any]]


def with_actuals(plan: Plan, stages: dict[str, tuple[float, ...]] = ACTUALS, alarm_share: float = 0.05) -> Plan:
    months = len(next(iter(stages.values())))
    series = tuple((name, tuple(float(v) for v in values)) for name, values in stages.items())
    return replace(plan, actuals=Actuals(months=months, stages=series, alarm_share=alarm_share))


def with_samples(plan: Plan, n: int = 400) -> Plan:
    """Rates measured on ``n`` items each (the first three transitions): the odds are reported."""
    stages = tuple(replace(s, rate_sample=n) if k < 3 else s for k, s in enumerate(plan.stages))
    return replace(plan, stages=stages)


def export(plan: Plan, folder: Path, name: str = "request.xlsx") -> Path:
    path = folder / name
    write_budget_request(plan, path)
    return path


def sheet_rows(path: Path, sheet: str) -> Rows:
    book = openpyxl.load_workbook(path, data_only=True)
    return [list(row) for row in book[sheet].iter_rows(values_only=True)]


def find(rows: Rows, text: str, start: int = 0) -> int:
    """The first row from ``start`` whose column A starts with ``text``."""
    for r in range(start, len(rows)):
        if isinstance(rows[r][0], str) and rows[r][0].startswith(text):
            return r
    raise AssertionError(f"no row starting {text!r} after row {start + 1}")


def table(rows: Rows, start: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The month table after row ``start``: a dict per month row by header, and the totals row."""
    head = find(rows, "Month", start)
    names = [str(h) if h is not None else "" for h in rows[head]]
    body, r = [], head + 1
    while rows[r][0] not in ("Total", "Plan total"):
        body.append(dict(zip(names, rows[r], strict=True)))
        r += 1
    return body, dict(zip(names, rows[r], strict=True))


def value_beside(rows: Rows, label: str, start: int = 0) -> Any:
    """The first value right of ``label`` in its row."""
    row = rows[find(rows, label, start)]
    return next(v for v in row[1:] if v is not None)


def number(value: Any) -> float:
    """A cell's number (a blank month of a schedule is no purchase)."""
    return 0.0 if value is None else float(value)


@pytest.fixture
def year_plan(example_plan: Plan) -> Plan:
    return with_samples(with_actuals(example_plan))


# --------------------------------------------------------------- which sheets


def test_sheets_exist_only_when_they_apply(example_plan: Plan, tmp_path: Path) -> None:
    def names(plan: Plan, name: str) -> list[str]:
        return list(openpyxl.load_workbook(export(plan, tmp_path, name)).sheetnames)

    base = [s for s in SHEETS if s not in (TRACKING, CONTINGENCY)]
    assert names(example_plan, "spec.xlsx") == [*base, CONTINGENCY]  # a stricter spec and sources kept ready
    assert names(with_actuals(example_plan), "both.xlsx") == [*base, TRACKING, CONTINGENCY]
    no_sources = replace(example_plan, contingency=None)
    assert names(no_sources, "none.xlsx") == base
    assert names(with_actuals(no_sources), "tracking.xlsx") == [*base, TRACKING]
    no_change = replace(example_plan, proposed_lead_spec=None)
    assert names(no_change, "nothing.xlsx") == base  # sources, but no deficit to close


# --------------------------------------------------------------- Contingency


def check_contingency_plan(rows: Rows, start: int, cp: ContingencyPlan, plan: Plan, deficit: np.ndarray) -> None:
    body, total = table(rows, start)
    months = calculate(plan).months
    assert [r["Month"] for r in body] == list(months[cp.from_month :])
    for r, t in zip(body, range(cp.from_month, plan.months), strict=True):
        assert close(r["Deficit"], float(deficit[t])), (r["Month"], "deficit")
        for name, items in zip(cp.names, cp.items, strict=True):
            assert close(number(r[f"{name} (items)"]), float(items[t])), (r["Month"], name)
        assert plan.contingency is not None
        cost = sum(float(i[t]) * s.cost_per_item for i, s in zip(cp.items, plan.contingency.sources, strict=True))
        assert close(r["Cost"], cost), (r["Month"], "cost")
        assert close(r["Delivered"], float(cp.delivered[t])), (r["Month"], "delivered")
        assert close(r["Still short"], float(cp.shortfall[t])), (r["Month"], "still short")
    assert close(total["Cost"], cp.cost_total)
    per_source = rows[find(rows, "Cost per source", start)]
    for k, source_cost in enumerate(cp.cost):
        assert close(per_source[3 + k], source_cost)
    assert close(value_beside(rows, "Total cost of the plan", start), cp.cost_total)
    assert close(value_beside(rows, "SQLs still uncovered at the plan's end", start), cp.uncovered)


def test_contingency_sheet_holds_the_cores_plans(year_plan: Plan, tmp_path: Path) -> None:
    rows = sheet_rows(export(year_plan, tmp_path), CONTINGENCY)
    res = complete(year_plan, calculate(year_plan))
    assert res.contingency is not None and set(res.contingency) == {"spec_change", "tracking"}
    assert res.spec_change is not None and res.tracking is not None
    deficits = {"spec_change": res.spec_change.gate_deficit, "tracking": res.tracking.forecast_observed.gate_deficit}
    titles = {"spec_change": "Closing the stricter spec's", "tracking": "Closing the deficit the year is heading for"}
    for fig in contingency_figures(res):
        start = find(rows, titles[fig.key])
        sentence = fig.sentence(lambda v: format_money_symbol(v, year_plan.currency))
        assert rows[start + 1][0] == sentence, fig.key
        assert value_beside(rows, "Covered from", start) == fig.covered_from
        deficit = deficits[fig.key]
        assert deficit is not None
        check_contingency_plan(rows, start, res.contingency[fig.key], year_plan, deficit)


def test_the_sources_kept_ready_are_the_plans(year_plan: Plan, tmp_path: Path) -> None:
    rows = sheet_rows(export(year_plan, tmp_path), CONTINGENCY)
    head = find(rows, "Source kept ready")
    assert year_plan.contingency is not None
    for k, source in enumerate(year_plan.contingency.sources):
        name, stage, cost, capacity, lead, rate = rows[head + 1 + k][:6]
        assert (name, stage, lead) == (source.name, source.stage, source.lead_time_months)
        assert close(cost, source.cost_per_item) and close(capacity, source.max_per_month[0])
        assert rate == "as planned" if source.rate is None else close(rate, source.rate)


def test_a_deficit_the_sources_cannot_close_says_what_stays_uncovered(example_plan: Plan, tmp_path: Path) -> None:
    """One slow, small source: the plan covers part of the stricter spec's deficit, never all of it."""
    small = ContingencySource("Small vendor", "SQL", 300.0, (5.0,) * example_plan.months, 2)
    assert example_plan.contingency is not None
    plan = replace(example_plan, contingency=replace(example_plan.contingency, sources=(small,)))
    path = export(plan, tmp_path)
    res = complete(plan, calculate(plan))
    assert res.contingency is not None
    cp = res.contingency["spec_change"]
    assert cp.uncovered > 0 and cp.covered_from is None
    rows = sheet_rows(path, CONTINGENCY)
    start = find(rows, "Closing the stricter spec's")
    assert value_beside(rows, "Covered from", start) == "never, within the plan"
    assert res.spec_change is not None
    check_contingency_plan(rows, start, cp, plan, res.spec_change.gate_deficit)
    [fig] = contingency_figures(res)
    assert "stay uncovered by the plan's end" in rows[start + 1][0]
    summary = sheet_rows(path, SUMMARY)
    marker = summary[find(summary, "Contingency kept ready")]
    assert close(marker[1], cp.cost_total)
    assert marker[2] == f"To close the stricter spec's deficit, {format_count(cp.uncovered)} SQLs stay uncovered."
    assert fig.covered_from is None


# --------------------------------------------------------------- Tracking


def check_tracking(rows: Rows, plan: Plan, res: PlanResult) -> None:
    t = res.tracking
    assert t is not None and t.gate is not None
    m = t.months_elapsed
    body, total = table(rows, 0)
    assert [r["Month"] for r in body] == list(res.months)
    required = res.stage_required[t.gate]
    for k, r in enumerate(body):
        assert close(r["Required (plan)"], float(required[k]))
        assert close(r["Forecast at the plan's rates"], float(t.forecast.stage_volume[t.gate][k]))
        assert close(r["Forecast at observed rates"], float(t.forecast_observed.stage_volume[t.gate][k]))
        if k < m:
            assert t.gate_actual is not None
            assert close(r["Actual"], float(t.gate_actual[k])) and r["Short at observed rates"] is None
            assert close(r["Actual, running total"], float(t.gate_actual[: k + 1].sum()))
        else:
            assert r["Actual"] is None
            assert t.forecast_observed.gate_deficit is not None
            assert close(r["Short at observed rates"], float(t.forecast_observed.gate_deficit[k]))
        assert close(r["Required, running total"], float(required[: k + 1].sum()))
    assert close(total["Short at observed rates"], t.projected_deficit)
    assert close(value_beside(rows, "Projected shortfall, rest of the year"), t.projected_deficit)
    assert close(value_beside(rows, "Still required, rest of the year"), t.remaining_requirement)
    assert value_beside(rows, "Alarm on") == ("Yes" if t.alarm else "No")


def test_tracking_sheet_holds_the_cores_kpi_and_sounds_the_alarm(year_plan: Plan, tmp_path: Path) -> None:
    path = export(year_plan, tmp_path)
    res = complete(year_plan, calculate(year_plan))
    fig = tracking_figures(year_plan, res)
    assert fig is not None and fig.alarm  # the example's actuals run well below the plan
    rows = sheet_rows(path, TRACKING)
    check_tracking(rows, year_plan, res)
    alarm = find(rows, "ALARM: ")
    assert rows[alarm][0] == "ALARM: " + fig.sentence()
    styled = openpyxl.load_workbook(path)[TRACKING].cell(alarm + 1, 1)
    assert styled.fill.fgColor.rgb.endswith(ALARM_FILL) and styled.font.bold
    # the observed rates, the rate into the gate first
    head = find(rows, "From")
    assert res.tracking is not None
    first = rows[head + 1]
    assert (first[0], first[1]) == ("MQL", "SQL")
    assert close(first[2], res.tracking.observed_rates["MQL"]) and close(first[3], res.tracking.planned_rates["MQL"])
    summary = sheet_rows(path, SUMMARY)
    assert summary[find(summary, "Tracking alarm")][1] == "ALARM: " + fig.sentence()


def test_no_alarm_when_the_year_runs_to_plan(example_plan: Plan, tmp_path: Path) -> None:
    """Actuals above what the plan requires and a tolerant threshold (the approved budget alone falls
    about 12 % short): the sentence is shown plain and the Summary has no alarm."""
    res = calculate(example_plan)
    gate = res.gate_index
    assert gate is not None
    strong = {"SQL": tuple(float(1.5 * v) for v in res.stage_required[gate][:3])}
    plan = with_actuals(example_plan, strong, alarm_share=0.5)
    path = export(plan, tmp_path)
    done = complete(plan, calculate(plan))
    fig = tracking_figures(plan, done)
    assert fig is not None and not fig.alarm
    rows = sheet_rows(path, TRACKING)
    check_tracking(rows, plan, done)
    assert rows[2][0] == fig.sentence()
    styled = openpyxl.load_workbook(path)[TRACKING].cell(3, 1)
    assert not styled.fill.fgColor.rgb.endswith(ALARM_FILL)
    summary = sheet_rows(path, SUMMARY)
    assert not any(isinstance(r[0], str) and r[0].startswith("Tracking alarm") for r in summary)


# --------------------------------------------------------------- Summary


def test_summary_states_the_funding_marker_and_the_odds(year_plan: Plan, tmp_path: Path) -> None:
    summary = sheet_rows(export(year_plan, tmp_path), SUMMARY)
    res = complete(year_plan, calculate(year_plan))
    odds = odds_figures(res)
    assert odds is not None and odds.hit is not None
    markers = [r for r in summary if r[0] == "Contingency kept ready"]
    figs = contingency_figures(res)
    assert len(markers) == len(figs) == 2
    for row, fig in zip(markers, figs, strict=True):
        assert close(row[1], fig.cost_total) and f"covered from {fig.covered_from}" in row[2]
    assert "the stricter spec's deficit" in markers[0][2]
    assert close(value_beside(summary, "To be 80 % sure of the target: request"), odds.spend["p80"])
    assert close(value_beside(summary, "Chance to hit the target"), odds.hit)


def test_summary_without_samples_reports_no_odds(example_plan: Plan, tmp_path: Path) -> None:
    summary = sheet_rows(export(example_plan, tmp_path), SUMMARY)
    labels = [r[0] for r in summary if isinstance(r[0], str)]
    assert "Contingency kept ready" in labels
    assert not any(label.startswith(("To be 80 %", "Chance to hit", "Tracking alarm")) for label in labels)


# --------------------------------------------------------------- LibreOffice and print


@pytest.fixture(scope="module")
def year_files() -> Iterator[tuple[Path, Path, Plan]]:
    """The example with actuals and samples: the written request and LibreOffice's recalculation of it."""
    from core.formats.plan_json import load_plan_json
    from core.paths import example_plan_path

    example, _ = load_plan_json(example_plan_path())
    assert example is not None
    plan = with_samples(with_actuals(example))
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "in"
        base.mkdir()
        written = export(plan, base, "year.xlsx")
        [recalculated] = recalculate([written], Path(folder) / "out")
        yield written, recalculated, plan


@pytest.mark.libreoffice
@needs_libreoffice
def test_libreoffice_recalculates_the_whole_workbook_to_the_planners_numbers(
    year_files: tuple[Path, Path, Plan],
) -> None:
    written, recalculated, plan = year_files
    assert check_cached_equals(written, recalculated) > 500
    res = complete(plan, calculate(plan))
    check_against_core(openpyxl_values(recalculated), plan, res)
    check_tracking(sheet_rows(recalculated, TRACKING), plan, res)
    rows = sheet_rows(recalculated, CONTINGENCY)
    assert res.contingency is not None and res.spec_change is not None
    check_contingency_plan(
        rows,
        find(rows, "Closing the stricter spec's"),
        res.contingency["spec_change"],
        plan,
        res.spec_change.gate_deficit,
    )


@pytest.mark.libreoffice
@needs_libreoffice
def test_the_year_sheets_print_on_at_most_two_readable_pages(
    year_files: tuple[Path, Path, Plan], tmp_path: Path
) -> None:
    written, _, _ = year_files
    pdfs = _to_pdf([written, _reference(tmp_path / "reference.xlsx")], tmp_path)
    printed = {pdf.stem: _pages(pdf) for pdf in pdfs}
    eight = _eight_points(printed)
    per_sheet = Counter(_sheet_of(words, SHEETS) for words in printed["year"])
    assert set(per_sheet) == set(SHEETS), per_sheet
    assert max(per_sheet.values()) <= 2, per_sheet
    for words in printed["year"]:
        smallest = min(words, key=lambda w: w[2])
        assert smallest[2] >= TOLERANCE * eight, f"{_sheet_of(words, SHEETS)}: {smallest[3]!r}"
