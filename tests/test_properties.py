"""Invariants of the funnel math (hypothesis)."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from core.calc.engine import calculate
from core.calc.feasibility import validate
from core.calc.funnel import Kernel, forward_pass, plain_kernel, reverse_pass, timing_from_days
from core.calc.lead_spec import criteria_pass_rate
from core.model.plan import LeadSpec, Plan
from core.model.validation import has_errors
from tests.strategies import lags, plans, rates, whole_month_lags


@st.composite
def funnels(draw: st.DrawFn, lag: st.SearchStrategy[float]) -> tuple[list[float], list[Kernel], np.ndarray]:
    k = draw(st.integers(min_value=1, max_value=6))
    stage_rates = draw(st.lists(rates, min_size=k, max_size=k))
    days = draw(st.lists(lag, min_size=k, max_size=k))
    stage_lags = [plain_kernel(c, timing_from_days(d)) for c, d in zip(stage_rates, days, strict=True)]
    months = draw(st.integers(min_value=1, max_value=24))
    deals = np.array(draw(st.lists(st.floats(0, 1000), min_size=months, max_size=months)))
    return stage_rates, stage_lags, deals


def _on_grid(deals: np.ndarray, before: int, after: int) -> np.ndarray:
    return np.concatenate([np.zeros(before), deals, np.zeros(after)])


@given(funnels(whole_month_lags), st.floats(min_value=0.05, max_value=1.0))
def test_whole_month_lags_forward_of_reverse_reproduces_deals(
    funnel: tuple[list[float], list[Kernel], np.ndarray], paid_rate: float
) -> None:
    stage_rates, stage_lags, deals = funnel
    before = sum(lag.reach for lag in stage_lags) + 1
    grid = _on_grid(deals, before, 0)
    free = [np.zeros(len(grid)) for _ in range(len(stage_rates) + 1)]
    need = reverse_pass(grid, stage_lags, free[:-1])
    paid = need.net[0] * stage_rates[0] / paid_rate  # channels at a blended rate
    paid_kernel = Kernel(stage_lags[0].weights / stage_rates[0] * paid_rate)
    volumes = forward_pass(paid, paid_kernel, stage_lags, free)
    np.testing.assert_allclose(volumes[-1], grid, rtol=1e-9, atol=1e-9)
    for k, gross in enumerate(need.gross[1:], start=1):
        np.testing.assert_allclose(volumes[k], gross, rtol=1e-9, atol=1e-9)


@given(funnels(lags))
def test_any_lags_conserve_totals(funnel: tuple[list[float], list[Kernel], np.ndarray]) -> None:
    stage_rates, stage_lags, deals = funnel
    reach = sum(lag.reach for lag in stage_lags) + 1
    grid = _on_grid(deals, reach, reach)  # room after the end: nothing leaves
    free = [np.zeros(len(grid)) for _ in range(len(stage_rates) + 1)]
    need = reverse_pass(grid, stage_lags, free[:-1])
    expected_leads = deals.sum() / np.prod(stage_rates)
    assert np.isclose(need.gross[0].sum(), expected_leads, rtol=1e-9, atol=1e-9)
    volumes = forward_pass(need.net[0], stage_lags[0], stage_lags, free)
    assert np.isclose(volumes[-1].sum(), deals.sum(), rtol=1e-9, atol=1e-9)


@given(plans(lag=whole_month_lags, with_free=False))
def test_plan_required_flow_delivers_the_gate_requirement(plan: Plan) -> None:
    """Engine level: today's required flow, run forward (spec-change pass
    with an unchanged spec), delivers exactly what the gate requires."""
    spec = plan.lead_spec or LeadSpec(plan.stages[1].name, 0, ())
    plan = plan.with_changes(lead_spec=spec, proposed_lead_spec=spec)
    assume(not has_errors(validate(plan)))
    change = calculate(plan).spec_change
    assert change is not None
    required = calculate(plan).stage_required[plan.stage_index(spec.gate) or 0]
    np.testing.assert_allclose(change.gate_volume_current, required, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(change.gate_deficit, 0.0, atol=1e-6 * (1 + float(np.abs(required).max(initial=0))))


def _total_leads(plan: Plan) -> tuple[np.ndarray, float]:
    result = calculate(plan)
    return result.paid_leads, result.paid_leads_pre_plan


@given(plans(), st.integers(min_value=1, max_value=40))
def test_higher_threshold_never_lowers_leads_required(plan: Plan, raise_by: int) -> None:
    assume(plan.lead_spec is not None)
    spec = plan.lead_spec
    assert spec is not None
    stricter = dataclasses.replace(spec, threshold=spec.threshold + raise_by)
    stricter_plan = plan.with_changes(lead_spec=stricter)
    assume(not has_errors(validate(stricter_plan)))
    assert criteria_pass_rate(stricter) <= criteria_pass_rate(spec) + 1e-12
    before, before_pre = _total_leads(plan)
    after, after_pre = _total_leads(stricter_plan)
    assert np.all(after >= before * (1 - 1e-9) - 1e-9)
    assert after_pre >= before_pre * (1 - 1e-9) - 1e-9


@given(plans(), st.data())
def test_making_a_criterion_required_never_lowers_leads_required(plan: Plan, data: st.DataObject) -> None:
    assume(plan.lead_spec is not None)
    spec = plan.lead_spec
    assert spec is not None
    i = data.draw(st.integers(min_value=0, max_value=len(spec.criteria) - 1))
    criteria = list(spec.criteria)
    criteria[i] = dataclasses.replace(criteria[i], required=True)
    stricter_plan = plan.with_changes(lead_spec=dataclasses.replace(spec, criteria=tuple(criteria)))
    assume(not has_errors(validate(stricter_plan)))
    before, before_pre = _total_leads(plan)
    after, after_pre = _total_leads(stricter_plan)
    assert np.all(after >= before * (1 - 1e-9) - 1e-9)
    assert after_pre >= before_pre * (1 - 1e-9) - 1e-9


@given(plans(), st.floats(min_value=0, max_value=1e6))
def test_more_approved_budget_never_lowers_funded_revenue(plan: Plan, extra: float) -> None:
    budget = plan.approved_budget or (0.0,) * plan.months
    low = calculate(plan.with_changes(approved_budget=budget)).funded
    high = calculate(plan.with_changes(approved_budget=tuple(b + extra for b in budget))).funded
    assert low is not None and high is not None
    assert np.all(high.revenue >= low.revenue - 1e-6 * (1 + np.abs(low.revenue)))


@given(plans(with_free=False), st.floats(min_value=0.01, max_value=100))
def test_required_leads_scale_linearly_with_the_target(plan: Plan, factor: float) -> None:
    plan = plan.with_changes(pipeline_revenue=(0.0,) * plan.months)
    scaled = plan.with_changes(revenue_target=tuple(t * factor for t in plan.revenue_target))
    base, base_pre = _total_leads(plan)
    more, more_pre = _total_leads(scaled)
    np.testing.assert_allclose(more, base * factor, rtol=1e-9, atol=1e-9)
    assert np.isclose(more_pre, base_pre * factor, rtol=1e-9, atol=1e-9)
    for a, b in zip(calculate(plan).stage_required, calculate(scaled).stage_required, strict=True):
        np.testing.assert_allclose(b, a * factor, rtol=1e-9, atol=1e-9)


@given(plans())
def test_every_generated_plan_is_valid_and_computes_finite_numbers(plan: Plan) -> None:
    assert not has_errors(validate(plan))
    result = calculate(plan)
    for series in (result.paid_leads, result.spend_total, *result.stage_required):
        assert np.all(np.isfinite(series)) and np.all(series >= -1e-9)
