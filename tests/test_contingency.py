"""The contingency plan (funnel-math.md, "Contingency plan: closing a deficit
fast", v2): what one item of a source brings to the gate, the linear
program's schedule in cases whose answer is worked out by hand, the plan for
the spec change's deficit, its result keys, and properties a manager relies
on (more capacity or a shorter lead time never leaves more uncovered; a
cheaper source never costs more; every bound holds)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.calc.contingency import (
    ContingencyPlan,
    nurture_path,
    plan_to_dict,
    solve,
    source_response,
    spec_change_contingency,
)
from core.calc.engine import basis, calculate
from core.calc.grid import funnel_of
from core.model.plan import (
    Channel,
    Contingency,
    ContingencySource,
    EmpiricalPassRate,
    LeadSpec,
    Nurture,
    Plan,
)
from tests.builders import simple_plan

MONTH = 365.25 / 12
AT_GATE = np.array([1.0])
"""One item delivered at the gate is one gate item, in the same month."""


def source(
    name: str, cost: float, cap: float | list[float], lead: int, months: int, stage: str = "SQL"
) -> ContingencySource:
    caps = tuple(float(c) for c in cap) if isinstance(cap, list) else (float(cap),) * months
    return ContingencySource(name, stage, cost, caps, lead)


def close(a: object, b: object) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-6, atol=1e-6)


# --- the schedule, worked out by hand -------------------------------------------------


def test_one_source_at_the_gate_buys_the_deficit_month_by_month() -> None:
    # deficit from month 1 (month 0's 7 is before the plan is made and is ignored)
    deficit = np.array([7.0, 4.0, 6.0, 3.0, 0.0, 2.0])
    vendor = source("Vendor", 450.0, 100.0, 0, 6)
    cp = solve(deficit, 1, [AT_GATE], (vendor,), "fastest")
    close(cp.items[0], [0, 4, 6, 3, 0, 2])
    assert cp.cost_total == pytest.approx(15 * 450.0, rel=1e-6)
    assert cp.cost[0] == pytest.approx(cp.cost_total)
    assert cp.uncovered == 0.0
    assert cp.covered_from == 1
    assert cp.from_month == 1
    close(cp.shortfall, np.zeros(6))


def test_fastest_buys_the_expensive_fast_source_until_the_cheap_slow_one_delivers() -> None:
    deficit = np.full(6, 10.0)
    cheap = source("Cheap slow", 10.0, 100.0, 3, 6)
    fast = source("Fast dear", 50.0, 100.0, 0, 6)
    cp = solve(deficit, 0, [AT_GATE, AT_GATE], (cheap, fast), "fastest")
    close(cp.items[1], [10, 10, 10, 0, 0, 0])  # only the fast one can deliver in months 0..2
    close(cp.items[0], [0, 0, 0, 10, 10, 10])  # the cheap one from its lead time on
    assert cp.cost_total == pytest.approx(30 * 50 + 30 * 10, rel=1e-6)
    assert cp.covered_from == 0
    assert cp.uncovered == 0.0


def test_cheapest_waits_for_the_cheap_slow_source() -> None:
    deficit = np.full(6, 10.0)
    cheap = source("Cheap slow", 10.0, 100.0, 3, 6)
    fast = source("Fast dear", 50.0, 100.0, 0, 6)
    cp = solve(deficit, 0, [AT_GATE, AT_GATE], (cheap, fast), "cheapest")
    # by month 3 the running deficit is 40: bought at once, then 10 a month
    close(cp.items[0], [0, 0, 0, 40, 10, 10])
    close(cp.items[1], np.zeros(6))
    assert cp.cost_total == pytest.approx(60 * 10, rel=1e-6)
    assert cp.covered_from == 3
    assert cp.uncovered == 0.0
    close(cp.shortfall, [10, 20, 30, 0, 0, 0])


def test_a_capacity_that_cannot_close_the_deficit_leaves_it_uncovered() -> None:
    deficit = np.full(6, 10.0)  # 60 in all
    vendor = source("Small vendor", 100.0, 4.0, 1, 6)  # 4 a month from month 1: 20
    cp = solve(deficit, 0, [AT_GATE], (vendor,), "fastest")
    close(cp.items[0], [0, 4, 4, 4, 4, 4])
    assert cp.uncovered == pytest.approx(40.0, rel=1e-6)
    assert cp.covered_from is None
    assert cp.cost_total == pytest.approx(20 * 100.0, rel=1e-6)
    close(cp.shortfall, [10, 16, 22, 28, 34, 40])


def test_a_deficit_covered_in_the_end_but_not_at_first() -> None:
    deficit = np.array([10.0, 10.0, 0.0, 0.0])
    vendor = source("Vendor", 1.0, [0.0, 0.0, 30.0, 30.0], 0, 4)
    cp = solve(deficit, 0, [AT_GATE], (vendor,), "fastest")
    close(cp.items[0], [0, 0, 20, 0])
    assert cp.covered_from == 2
    assert cp.uncovered == 0.0


def test_no_deficit_needs_no_contingency() -> None:
    deficit = np.array([-5.0, 3.0, 2.0, 0.0])  # running total -5, -2, 0, 0: never above 0
    vendor = source("Vendor", 450.0, 100.0, 0, 4)
    cp = solve(deficit, 0, [AT_GATE], (vendor,), "fastest")
    assert cp.cost_total == 0.0
    assert cp.uncovered == 0.0
    assert cp.covered_from == 0
    close(cp.items[0], np.zeros(4))
    # the same months from month 1 on are a deficit of 5
    later = solve(deficit, 1, [AT_GATE], (vendor,), "fastest")
    assert later.cost_total == pytest.approx(5 * 450.0, rel=1e-6)


def test_a_surplus_month_is_carried_in_the_running_total() -> None:
    deficit = np.array([6.0, -4.0, 3.0])  # running total 6, 2, 5
    vendor = source("Vendor", 1.0, 100.0, 0, 3)
    cp = solve(deficit, 0, [AT_GATE], (vendor,), "fastest")
    close(cp.items[0], [6, 0, 0])
    assert cp.cost_total == pytest.approx(6.0, rel=1e-6)


def test_a_source_two_stages_above_the_gate_converts_through_both_kernels() -> None:
    # S0 -> S1 -> SQL (gate), one-month lags; the paid channel's own rate (0.9) is not the source's
    plan = simple_plan(
        [1000.0] * 6,
        100.0,
        [0.5, 0.4, 0.3],
        lags=[MONTH, MONTH, MONTH],
        stage_names=["Inquiry", "MQL", "SQL", "Won"],
        channels=(Channel("Webinars", 1.0, 50.0, (0.0,) * 6, rate=0.9),),
    )
    funnel = funnel_of(plan, None)
    with_rate = source_response(funnel, 0, 2, 0.2, None, 6)
    close(with_rate, [0, 0, 0.2 * 0.4, 0, 0, 0])
    plain = source_response(funnel, 0, 2, None, None, 6)
    close(plain, [0, 0, 0.5 * 0.4, 0, 0, 0])  # c_0, not the blended paid rate 0.9
    close(source_response(funnel, 2, 2, 0.7, None, 4), [1, 0, 0, 0])  # at the gate: itself

    burst = source("Syndication burst", 75.0, 1000.0, 0, 6, stage="Inquiry")
    deficit = np.array([0.0, 0.0, 8.0, 8.0, 0.0, 0.0])
    cp = solve(deficit, 0, [with_rate], (burst,), "fastest")
    close(cp.items[0], [100, 100, 0, 0, 0, 0])  # 8 SQLs at 0.08 per raw lead, two months ahead
    assert cp.cost_total == pytest.approx(200 * 75.0, rel=1e-6)
    assert cp.covered_from == 0


def test_an_item_that_cannot_reach_the_gate_in_time_is_not_bought() -> None:
    response = np.array([0.0, 0.0, 0.5])  # reaches the gate two months later
    burst = source("Burst", 1.0, 1000.0, 0, 4, stage="Inquiry")
    deficit = np.array([0.0, 0.0, 0.0, 5.0])
    cp = solve(deficit, 0, [response], (burst,), "fastest")
    close(cp.items[0], [0, 10, 0, 0])
    assert cp.cost_total == pytest.approx(10.0, rel=1e-6)


def test_a_rate_on_the_transition_into_the_nurture_stage_replaces_c_in_the_whole_kernel() -> None:
    nurture = Nurture(recycle=0.5, maturity=0.5, decay=0.0, max_months=3, stage="SQL")
    plan = simple_plan(
        [1000.0] * 6,
        100.0,
        [0.5, 0.6, 0.3],
        lags=[MONTH, MONTH, MONTH],
        stage_names=["Inquiry", "MQL", "SQL", "Won"],
        nurture=nurture,
    )
    funnel = funnel_of(plan, None)
    path = nurture_path(plan)
    assert path is not None
    # direct 0.4 a month later; 0.5 * (1 - 0.4) = 0.3 recycled, maturing 1/2, 1/4, 1/8 in the next months
    close(source_response(funnel, 1, 2, 0.4, path, 6), [0, 0.4, 0.15, 0.075, 0.0375, 0])
    # without a rate of its own: the funnel's nurture kernel (c = 0.6: 0.5 * 0.4 = 0.2 recycled)
    close(source_response(funnel, 1, 2, None, path, 6), [0, 0.6, 0.1, 0.05, 0.025, 0])


# --- the spec change -------------------------------------------------------------------


def _spec(rate: float) -> LeadSpec:
    return LeadSpec("SQL", 0.0, empirical=EmpiricalPassRate(rate, 500), pass_rate_source="empirical")


def _spec_change_plan(sources: tuple[ContingencySource, ...]) -> Plan:
    plan = simple_plan(
        [30_000.0] * 4,
        1000.0,
        [0.5, 0.4, 0.3],
        lags=[MONTH, MONTH, MONTH],
        stage_names=["Inquiry", "MQL", "SQL", "Won"],
        spec=_spec(0.4),
        channels=(Channel("Webinars", 1.0, 50.0, (0.0,) * 4, rate=0.9),),
    )
    return plan.with_changes(proposed_lead_spec=_spec(0.2), contingency=Contingency("fastest", sources))


def test_the_spec_change_deficit_is_closed_through_the_proposed_spec() -> None:
    # 30 deals a month need 100 SQLs a month earlier (rate 0.3, one month); the proposed spec
    # passes half as many of today's leads: a deficit of 50 SQLs in months 0..2 (none in month 3:
    # nothing is required after the plan)
    vendor = source("Appointment setting", 450.0, 200.0, 0, 4)
    plan = _spec_change_plan((vendor,))
    b, _, _ = basis(plan)
    result = calculate(plan)
    assert result.spec_change is not None
    close(result.spec_change.gate_deficit, [50, 50, 50, 0])
    cp = spec_change_contingency(plan, b, result)
    assert cp is not None
    close(cp.items[0], [50, 50, 50, 0])
    assert cp.cost_total == pytest.approx(150 * 450.0, rel=1e-6)
    assert (cp.covered_from, cp.uncovered, cp.from_month) == (0, 0.0, 0)


def test_a_raw_lead_source_in_the_spec_change_converts_at_the_proposed_pass_rate() -> None:
    burst = source("Syndication", 75.0, 10_000.0, 0, 4, stage="Inquiry")
    plan = _spec_change_plan((burst,))
    b, _, _ = basis(plan)
    assert b.proposed is not None
    close(source_response(b.proposed, 0, 2, None, None, 4), [0, 0, 0.5 * 0.2, 0])
    cp = spec_change_contingency(plan, b, calculate(plan))
    assert cp is not None
    # 150 SQLs short by month 2 at 0.1 per raw lead, two months ahead: all bought in month 0
    # (bought later they would arrive after the plan); months 0 and 1 stay short, month 2 catches up
    close(cp.items[0], [1500, 0, 0, 0])
    close(cp.shortfall, [50, 100, 0, 0])
    assert cp.uncovered == 0.0
    assert cp.covered_from == 2


def test_no_spec_change_or_no_sources_no_plan() -> None:
    vendor = source("Vendor", 1.0, 10.0, 0, 4)
    plan = _spec_change_plan((vendor,))
    without_spec = plan.with_changes(proposed_lead_spec=None)
    b, _, _ = basis(without_spec)
    assert spec_change_contingency(without_spec, b, calculate(without_spec)) is None
    without_sources = plan.with_changes(contingency=Contingency("fastest", ()))
    b, _, _ = basis(without_sources)
    assert spec_change_contingency(without_sources, b, calculate(without_sources)) is None


def test_the_result_keys_are_the_contract() -> None:
    deficit = np.full(6, 10.0)
    cheap = source("Cheap slow", 10.0, 100.0, 3, 6)
    fast = source("Fast dear", 50.0, 100.0, 0, 6)
    cp = solve(deficit, 0, [AT_GATE, AT_GATE], (cheap, fast), "fastest")
    data = plan_to_dict(cp)
    assert set(data) == {"from_month", "objective", "cost_total", "uncovered", "covered_from", "sources"}
    assert data["objective"] == "fastest"
    assert set(data["sources"]) == {"Cheap slow", "Fast dear"}
    assert set(data["sources"]["Fast dear"]) == {"items", "cost"}
    assert len(data["sources"]["Fast dear"]["items"]) == 6
    assert data["sources"]["Fast dear"]["cost"] == pytest.approx(1500.0, rel=1e-6)
    never = solve(deficit, 0, [AT_GATE], (source("Tiny", 1.0, 1.0, 0, 6),), "fastest")
    assert plan_to_dict(never)["covered_from"] is None


def test_a_start_outside_the_plan_or_an_unknown_objective_is_refused() -> None:
    vendor = source("Vendor", 1.0, 10.0, 0, 3)
    with pytest.raises(ValueError):
        solve(np.ones(3), 3, [AT_GATE], (vendor,), "fastest")
    with pytest.raises(ValueError):
        solve(np.ones(3), 0, [AT_GATE], (vendor,), "soonest")


# --- properties --------------------------------------------------------------------------

MONTHS = st.integers(min_value=2, max_value=8)


@st.composite
def problems(draw: st.DrawFn) -> tuple[np.ndarray, int, list[np.ndarray], tuple[ContingencySource, ...], str]:
    n = draw(MONTHS)
    deficit = np.array(draw(st.lists(st.floats(-5.0, 30.0), min_size=n, max_size=n)))
    t0 = draw(st.integers(0, n - 1))
    count = draw(st.integers(1, 3))
    responses = []
    sources = []
    for i in range(count):
        length = draw(st.integers(1, 4))
        resp = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=length, max_size=length)))
        responses.append(resp)
        caps = draw(st.lists(st.floats(0.0, 20.0), min_size=n, max_size=n))
        cost = draw(st.floats(1.0, 500.0))
        lead = draw(st.integers(0, n))
        sources.append(source(f"Source {i + 1}", cost, caps, lead, n))
    objective = draw(st.sampled_from(["fastest", "cheapest"]))
    return deficit, t0, responses, tuple(sources), objective


def _scale(deficit: np.ndarray, t0: int) -> float:
    return max(1.0, float(np.abs(np.cumsum(deficit[t0:])).max()))


@settings(max_examples=40, deadline=None)
@given(problems(), st.integers(0, 2), st.floats(1.0, 5.0))
def test_more_capacity_never_leaves_more_uncovered(
    problem: tuple[np.ndarray, int, list[np.ndarray], tuple[ContingencySource, ...], str], which: int, more: float
) -> None:
    deficit, t0, responses, sources, objective = problem
    i = which % len(sources)
    bigger = list(sources)
    bigger[i] = ContingencySource(
        sources[i].name,
        sources[i].stage,
        sources[i].cost_per_item,
        tuple(c * more + 1.0 for c in sources[i].max_per_month),
        sources[i].lead_time_months,
    )
    before = solve(deficit, t0, responses, sources, objective)
    after = solve(deficit, t0, responses, tuple(bigger), objective)
    assert after.uncovered <= before.uncovered + 1e-6 * _scale(deficit, t0)


@settings(max_examples=40, deadline=None)
@given(problems(), st.integers(0, 2), st.integers(1, 8))
def test_a_shorter_lead_time_never_leaves_more_uncovered(
    problem: tuple[np.ndarray, int, list[np.ndarray], tuple[ContingencySource, ...], str], which: int, less: int
) -> None:
    deficit, t0, responses, sources, objective = problem
    i = which % len(sources)
    sooner = list(sources)
    s = sources[i]
    sooner[i] = ContingencySource(s.name, s.stage, s.cost_per_item, s.max_per_month, max(0, s.lead_time_months - less))
    before = solve(deficit, t0, responses, sources, objective)
    after = solve(deficit, t0, responses, tuple(sooner), objective)
    assert after.uncovered <= before.uncovered + 1e-6 * _scale(deficit, t0)


@settings(max_examples=40, deadline=None)
@given(problems(), st.integers(0, 2), st.floats(0.05, 1.0))
def test_a_cheaper_source_never_costs_more(
    problem: tuple[np.ndarray, int, list[np.ndarray], tuple[ContingencySource, ...], str], which: int, share: float
) -> None:
    deficit, t0, responses, sources, objective = problem
    i = which % len(sources)
    cheaper = list(sources)
    s = sources[i]
    cheaper[i] = ContingencySource(s.name, s.stage, s.cost_per_item * share, s.max_per_month, s.lead_time_months)
    before = solve(deficit, t0, responses, sources, objective)
    after = solve(deficit, t0, responses, tuple(cheaper), objective)
    assert after.cost_total <= before.cost_total * (1 + 1e-6) + 1e-6
    # and it covers as much: the price does not change what can be delivered
    assert after.uncovered == pytest.approx(before.uncovered, rel=1e-6, abs=1e-6 * _scale(deficit, t0))


@settings(max_examples=40, deadline=None)
@given(problems())
def test_the_schedule_respects_every_bound(
    problem: tuple[np.ndarray, int, list[np.ndarray], tuple[ContingencySource, ...], str],
) -> None:
    deficit, t0, responses, sources, objective = problem
    cp: ContingencyPlan = solve(deficit, t0, responses, sources, objective)
    n = len(deficit)
    assert len(cp.items) == len(sources)
    for items, s, cost in zip(cp.items, sources, cp.cost, strict=True):
        assert len(items) == n
        assert (items >= 0).all()
        assert (items <= np.asarray(s.max_per_month) * (1 + 1e-12)).all()
        assert not items[: min(n, t0 + s.lead_time_months)].any()  # nothing before the decision and lead time
        assert cost == pytest.approx(s.cost_per_item * items.sum())
    assert cp.cost_total == pytest.approx(sum(cp.cost))
    # the reported shortfall is the schedule's own, and uncovered its last month
    running = np.cumsum(deficit[t0:]) - np.cumsum(cp.delivered[t0:])
    assert cp.uncovered == pytest.approx(max(0.0, running[-1]), abs=1e-6 * _scale(deficit, t0))
    if cp.covered_from is not None:
        assert (running[cp.covered_from - t0 :] <= 1e-6 * _scale(deficit, t0)).all()
