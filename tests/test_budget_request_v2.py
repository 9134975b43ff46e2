"""The budget request with the v2 funnel (issue 11): timing kernels on the
Timing sheet as live formulas (lag days, lag profiles, the nurture path),
the months after the plan (far edge) greyed beside the plan, and what the
plan carries into next year and its nurture pool on the Summary.

What finance relies on: LibreOffice, recalculating from scratch, gets the
planner's numbers for plans with lag profiles of several months, a nurture
pool, the target going on after the plan or not; changing the growth after
the plan or the nurture inputs moves the figures as the planner would.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from core.calc.display import shown_count
from core.calc.engine import basis, calculate, funnel_of
from core.calc.figures import figures
from core.model.plan import AfterPlan, Plan
from core.reports.budget_request import CAPACITY, REVERSE, TIMING
from tests.libreoffice import recalculate, soffice_path
from tests.test_budget_request import (
    Sheet,
    assert_series,
    check_against_core,
    check_cached_equals,
    close,
    export,
    openpyxl_values,
    set_input,
    summary_value,
)

needs_libreoffice = pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed")


def _profiles(plan: Plan) -> Plan:
    """The example with lag profiles of several months: MQL to SQL (the nurture pool's
    transition) over three months, Opportunity to Proposal over five."""
    stages = list(plan.stages)
    stages[1] = replace(stages[1], lag_days=None, lag_profile=(0.2, 0.5, 0.3))
    stages[3] = replace(stages[3], lag_days=None, lag_profile=(0.1, 0.3, 0.3, 0.2, 0.1))
    return replace(plan, stages=tuple(stages))


def _nothing_after(plan: Plan) -> Plan:
    return replace(plan, after_plan=AfterPlan("none"))


def _after_labels(plan: Plan) -> tuple[str, ...]:
    return tuple(f"{m} (after plan)" for m in calculate(plan).after_plan.month_labels)


@pytest.fixture(scope="module")
def recalculated(example_plan_module: Plan) -> Iterator[dict[str, tuple[Path, Path, Plan]]]:
    """The v2 variants recalculated by LibreOffice in one run: name -> (written, recalculated, plan)."""
    plan = example_plan_module
    assert plan.nurture is not None and plan.after_plan.mode == "repeat"
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "in"
        base.mkdir()
        original = export(plan, base, "example.xlsx")
        variants: dict[str, tuple[Path, Plan]] = {
            "profiles": (export(_profiles(plan), base, "profiles.xlsx"), _profiles(plan)),
            "none": (export(_nothing_after(plan), base, "none.xlsx"), _nothing_after(plan)),
            # inputs changed on the Timing sheet, as finance would
            "growth": (
                set_input(original, base / "growth.xlsx", {"AfterPlanGrowth": 0.3}),
                replace(plan, after_plan=AfterPlan("repeat", 0.3)),
            ),
            "nurture": (
                set_input(original, base / "nurture.xlsx", {"NurtureRecycle": 0.2, "NurtureMaturity": 0.25}),
                replace(plan, nurture=replace(plan.nurture, recycle=0.2, maturity=0.25)),
            ),
        }
        out = recalculate([p for p, _ in variants.values()], Path(folder) / "out")
        yield {name: (p, o, want) for (name, (p, want)), o in zip(variants.items(), out, strict=True)}


@pytest.fixture(scope="module")
def example_plan_module() -> Plan:
    from core.formats.plan_json import load_plan_json
    from core.paths import example_plan_path

    plan, _ = load_plan_json(example_plan_path())
    assert plan is not None
    return plan


def check_after_plan(values: dict[str, dict[tuple[int, int], object]], plan: Plan) -> None:
    """The months after the plan on the Reverse funnel are the far edge's, and the target assumed
    after the plan on the Summary is their total."""
    res = calculate(plan)
    rf = Sheet(values, REVERSE)
    labels = _after_labels(plan)
    assert_series(rf.months("Revenue target", labels), res.after_plan.revenue_target, "target after the plan")
    assert_series(rf.months("Deals required", labels), res.after_plan.deals_required, "deals after the plan")
    assert close(rf.at("Revenue target", "After the plan"), float(res.after_plan.revenue_target.sum()))


# --------------------------------------------------------------- LibreOffice


@pytest.mark.libreoffice
@needs_libreoffice
@pytest.mark.parametrize("variant", ["profiles", "none"])
def test_libreoffice_recalculates_v2_plans_to_the_planners_numbers(
    recalculated: dict[str, tuple[Path, Path, Plan]], variant: str
) -> None:
    """Lag profiles of several months (one into the nurture pool's stage), and a plan with
    nothing after it: every formula recalculates to its cached value, which is the planner's."""
    written, fresh, plan = recalculated[variant]
    assert check_cached_equals(written, fresh) > 1000
    values = openpyxl_values(fresh)
    check_against_core(values, plan, calculate(plan))
    if variant == "none":
        assert not [v for v in Sheet(values, REVERSE).columns if "(after plan)" in str(v)]
        assert "After the plan" not in Sheet(values, REVERSE).columns
    else:
        check_after_plan(values, plan)


@pytest.mark.libreoffice
@needs_libreoffice
@pytest.mark.parametrize("variant", ["growth", "nurture"])
def test_changed_timing_input_recalculates_like_the_planner(
    recalculated: dict[str, tuple[Path, Path, Plan]], variant: str, example_plan_module: Plan
) -> None:
    """The growth after the plan and the nurture pool's inputs are live: LibreOffice's figures
    after a change are the planner's for the plan with that change."""
    _, fresh, plan = recalculated[variant]
    changed = calculate(plan)
    assert not np.allclose(changed.paid_leads, calculate(example_plan_module).paid_leads)  # the change matters
    values = openpyxl_values(fresh)
    check_against_core(values, plan, changed)
    check_after_plan(values, plan)


# --------------------------------------------------------------- the workbook as written


def test_timing_sheet_holds_the_engines_kernels(example_plan_module: Plan, tmp_path: Path) -> None:
    """One timing and one kernel row per transition, equal to the engine's (the nurture path
    included), with each kernel's total and reach; a lag profile is entered as yellow inputs."""
    plan = _profiles(example_plan_module)
    path = export(plan, tmp_path)
    book = openpyxl.load_workbook(path, data_only=True)
    ws = book[TIMING]
    funnel = funnel_of(plan, plan.lead_spec)
    kernels, timings = [], []
    for r in range(1, ws.max_row + 1):
        what = ws.cell(r, 2).value
        if what == "Kernel (rate x timing)":
            kernels.append(r)
        elif what == "Timing (share arriving)":
            timings.append(r)
    assert len(kernels) == len(timings) == len(plan.stages) - 1
    for k, (tr, kr) in enumerate(zip(timings, kernels, strict=True)):
        weights = funnel.kernels[k].weights
        held = [ws.cell(kr, 5 + j).value for j in range(len(weights))]
        assert_series(held, weights, f"kernel {k}")
        assert close(ws.cell(kr, 3).value, funnel.kernels[k].total)
        assert ws.cell(kr, 4).value == funnel.kernels[k].reach
        assert_series([ws.cell(tr, 5 + j).value for j in range(len(funnel.timings[k]))], funnel.timings[k], "p")
    formulas = openpyxl.load_workbook(path)[TIMING]
    profile_row = timings[3]  # Opportunity to Proposal: entered month by month
    assert formulas.cell(profile_row, 5).fill.fgColor.rgb.endswith("FFF2CC")
    assert str(formulas.cell(kernels[3], 5).value).startswith("=")  # kernels are formulas
    assert "NurtureRecycle" in str(formulas.cell(kernels[1], 6).value)  # MQL to SQL feeds the pool


def test_months_after_the_plan_are_grey_labelled_columns(example_plan_module: Plan, tmp_path: Path) -> None:
    path = export(example_plan_module, tmp_path)
    res = calculate(example_plan_module)
    ws = openpyxl.load_workbook(path)[REVERSE]
    headers = {ws.cell(4, c).value: c for c in range(1, ws.max_column + 1)}
    labels = _after_labels(example_plan_module)
    assert labels[0] == "2028-01 (after plan)" and len(labels) == res.after_plan.months
    plan_total, after_total = headers["Plan total"], headers["After the plan"]
    assert after_total == plan_total + 1 and headers[labels[0]] == after_total + 1
    for label in labels:
        assert ws.cell(4, headers[label]).font.color.rgb.endswith("7F7F7F")  # greyed
    # printed up to 'After the plan': the months themselves are on screen only
    assert f":${get_column_letter(after_total)}$" in str(ws.print_area)
    values = openpyxl_values(path)
    check_after_plan(values, example_plan_module)


def test_summary_says_what_the_plan_carries_into_next_year(example_plan_module: Plan, tmp_path: Path) -> None:
    plan = example_plan_module
    values = openpyxl_values(export(plan, tmp_path))
    res, fig = calculate(plan), figures(plan, calculate(plan))
    story = summary_value(values, "What the plan carries into next year")
    assert isinstance(story, str) and story.startswith("Q4 leads are next year's Q1 pipeline")
    assert f"{shown_count(res.after_plan.carried_deals):,} deals" in story
    assert summary_value(values, "Deals the plan's leads bring after it") == shown_count(res.after_plan.carried_deals)
    label = f"Target assumed after the plan ({res.after_plan.months} months)"
    assert close(summary_value(values, label), float(res.after_plan.revenue_target.sum()))
    assert fig.nurture is not None and res.nurture is not None
    assert summary_value(values, "Lead development") == fig.nurture.sentence()
    assert summary_value(values, "Leads the pool returns to SQL") == shown_count(float(res.nurture.matured.sum()))
    cap = Sheet(values, CAPACITY)
    assert_series(cap.months("Pool at the start of the month", res.months), res.nurture.pool, "pool")
    assert_series(cap.months("Leads returned to SQL", res.months), res.nurture.matured, "returned")
    assert res.nurture.utilization is not None
    assert_series(cap.months("Lead-development utilization", res.months), res.nurture.utilization, "utilization")


def test_plan_without_a_pool_or_anything_after_says_nothing_of_them(example_plan_module: Plan, tmp_path: Path) -> None:
    plan = replace(_nothing_after(example_plan_module), nurture=None, contingency=None)
    values = openpyxl_values(export(plan, tmp_path))
    res = calculate(plan)
    story = summary_value(values, "What the plan carries into next year")
    assert isinstance(story, str) and story.startswith("Nothing is required after the plan")
    assert summary_value(values, "Deals the plan's leads bring after it") == shown_count(res.after_plan.carried_deals)
    texts = {v for sheet in values.values() for v in sheet.values() if isinstance(v, str)}
    assert not [t for t in texts if "nurture" in t.lower() or "(after plan)" in t]
    assert basis(plan)[0].grid.after > 0  # the engine's grid still runs on: the workbook shows none of it
