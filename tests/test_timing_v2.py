"""Known answers for the v2 funnel over time (funnel-math.md, "Timing
distributions", "The far edge", "Nurture"), each worked out by hand from
the spec in the comments, and the invariants the issue names."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest import approx

from core.calc.calendar import DAYS_PER_MONTH
from core.calc.engine import basis, calculate
from core.calc.feasibility import validate
from core.calc.funnel import Kernel, forward_step, maturing, nurture_kernel, reverse_step
from core.calc.grid import target_after_plan
from core.formats.result_json import result_to_dict
from core.model.plan import AfterPlan, Nurture
from core.model.validation import has_errors
from tests.builders import simple_plan

settings.register_profile("v2", parent=settings.get_profile("ci"), max_examples=40)


def _accepted(plan):  # type: ignore[no-untyped-def]
    assert not has_errors(validate(plan)), [str(p) for p in validate(plan)]
    return calculate(plan)


# --- timing profiles -------------------------------------------------------


def test_a_one_month_profile_moves_the_whole_requirement_one_month_earlier() -> None:
    # K = [0, 0.5], R = 0.5: G[s] = Q[s+1] / 0.5. W = 100, 200, 300 deals.
    plan = simple_plan([100, 200, 300], 1, [0.5], profiles=[[0.0, 1.0]])
    result = _accepted(plan)
    assert list(result.stage_required[0]) == approx([400, 600, 0])
    assert result.pre_plan[0] == approx(200)  # month -1 carries month 0's deals
    assert list(result.spend_total) == approx([40_000, 60_000, 0])  # 100 a lead
    assert result.lag_days[0] == approx(DAYS_PER_MONTH)


def test_a_two_month_profile_spreads_the_requirement_as_items_would_arrive() -> None:
    # K = 0.5 * [0.25, 0.75]: G[s] = (0.25*Q[s] + 0.75*Q[s+1]) / 0.5.
    # G[-1] = 1.5*100 = 150; G[0] = 0.5*100 + 1.5*200 = 350; G[1] = 100 + 450 = 550; G[2] = 150.
    plan = simple_plan([100, 200, 300], 1, [0.5], profiles=[[0.25, 0.75]], budget=[1e9] * 3)
    result = _accepted(plan)
    assert list(result.stage_required[0]) == approx([350, 550, 150])
    assert result.pre_plan[0] == approx(150)
    assert result.lag_days[0] == approx(0.75 * DAYS_PER_MONTH)
    # Funded, budget covering all, the pre-plan flow assumed met (v2):
    # E[t] = 0.125*P[t] + 0.375*P[t-1] = 100, 200, then 0.125*150 + 0.375*550 = 225.
    assert result.funded is not None
    assert list(result.funded.stage_volume[-1]) == approx([100, 200, 225])
    assert list(result.funded.revenue_gap) == approx([0, 0, 75])
    # What the plan's own months carry over: 0.375 * 150 = 56.25 deals in month 3.
    assert result.after_plan.carried_deals == approx(56.25)


def test_a_profile_with_trailing_zero_months_reaches_no_further() -> None:
    short = _accepted(simple_plan([10] * 3, 1, [0.5], profiles=[[0.5, 0.5]], after=AfterPlan()))
    padded = _accepted(simple_plan([10] * 3, 1, [0.5], profiles=[[0.5, 0.5, 0.0, 0.0]], after=AfterPlan()))
    assert short.after_plan.months == padded.after_plan.months == 1
    np.testing.assert_allclose(short.stage_required[0], padded.stage_required[0])


def test_a_mean_lag_in_days_is_the_two_month_profile_of_the_first_version() -> None:
    days = 1.25 * DAYS_PER_MONTH
    by_days = _accepted(simple_plan([5, 8, 13, 21], 1, [0.4], lags=[days]))
    by_profile = _accepted(simple_plan([5, 8, 13, 21], 1, [0.4], profiles=[[0.0, 0.75, 0.25]]))
    np.testing.assert_allclose(by_days.stage_required[0], by_profile.stage_required[0])
    assert by_days.pre_plan[0] == approx(by_profile.pre_plan[0])


# --- the far edge ----------------------------------------------------------


def test_the_repeat_rule_grows_the_last_year_on_a_five_month_plan() -> None:
    # L = min(12, 5) = 5: T[5+i] = T[i mod 5] * 1.1^(floor(i/5) + 1).
    plan = simple_plan([10, 20, 30, 40, 50], 1, [0.5, 0.5], profiles=[[0, 0, 0, 1.0], [0, 0, 0, 1.0]])
    plan = plan.with_changes(after_plan=AfterPlan("repeat", 0.1))
    result = _accepted(plan)
    after = result.after_plan
    assert after.months == 6  # each transition reaches 3 months
    assert list(after.revenue_target) == approx([11, 22, 33, 44, 55, 12.1])
    assert list(after.deals_required) == approx([11, 22, 33, 44, 55, 12.1])
    assert after.month_labels[0] == "2027-06"
    # S0 in month 4 feeds deals in month 10 (i = 5): 12.1 / 0.25.
    assert result.stage_required[0][4] == approx(12.1 / 0.25)
    # S1 in month 4 feeds deals in month 7 (i = 2): 33 / 0.5.
    assert result.stage_required[1][4] == approx(33 / 0.5)


def test_the_repeat_rule_takes_the_last_twelve_months_of_a_longer_plan() -> None:
    plan = simple_plan(list(range(1, 15)), 1, [0.5], after=AfterPlan("repeat", 0.0))
    np.testing.assert_allclose(target_after_plan(plan, 13), [*range(3, 15), 3])


def test_mode_none_requires_nothing_after_the_plan() -> None:
    plan = simple_plan([100, 200, 300], 1, [0.5], profiles=[[0.0, 1.0]], after=AfterPlan("none"))
    result = _accepted(plan)
    assert list(result.stage_required[0]) == approx([400, 600, 0])
    out = result_to_dict(plan, result)["after_plan"]
    assert out["mode"] == "none" and out["months"] == 0
    assert out["revenue_target"] == [] and out["deals_required"] == []


def test_by_default_the_plans_last_months_carry_next_years_first_deals() -> None:
    # Repeat, growth 0: T[3] = T[0] = 100, so S0 in month 2 needs 2*100.
    plan = simple_plan([100, 200, 300], 1, [0.5], profiles=[[0.0, 1.0]], after=AfterPlan())
    result = _accepted(plan)
    assert list(result.stage_required[0]) == approx([400, 600, 200])
    assert result.after_plan.carried_deals == approx(100)
    assert result.after_plan.carried_revenue == approx(100)


# --- the nurture pool ------------------------------------------------------

_NURTURE_RATES = [1.0, 0.5, 1.0]  # S0 -> S1 -> S2 (pool) -> S3


def _pool_plan(max_months: int, target: list[float]) -> object:
    return simple_plan(target, 1, _NURTURE_RATES, nurture=Nurture(0.4, 0.5, 0.1, max_months, stage="S2"))


def test_a_pool_of_one_month_returns_its_mature_share_the_next_month() -> None:
    # m[1] = 0.5; K_1 = [0.5, 0.4*0.5*0.5] = [0.5, 0.1], R = 0.6.
    plan = _pool_plan(1, [10, 10])
    result = _accepted(plan)
    # G_1[s] = (0.5*Q[s] + 0.1*Q[s+1]) / 0.36 with Q = 10, 10 (S2 -> S3 at rate 1, no lag).
    assert list(result.stage_required[1]) == approx([6 / 0.36, 5 / 0.36])
    assert result.pre_plan[1] == approx(1 / 0.36)
    assert result.after_plan.months == 0  # mode none here
    pool = result.nurture
    assert pool is not None and pool.stage == "S2"
    # E_1 = P = G_1 (S0 -> S1 at rate 1); recycled = 0.4*0.5*E_1; Pool[t] = recycled[t-1]; matured = 0.5*Pool.
    assert list(pool.recycled) == approx([0.2 * 6 / 0.36, 0.2 * 5 / 0.36])
    assert list(pool.pool) == approx([0.2 / 0.36, 0.2 * 6 / 0.36])
    assert list(pool.matured) == approx([0.1 / 0.36, 0.1 * 6 / 0.36])


def test_a_pool_of_two_months_keeps_what_neither_matured_nor_decayed() -> None:
    # m = [0, 0.5, 0.5*0.4]: K_1 = [0.5, 0.1, 0.04], R = 0.64.
    c, rho, mu, delta = 0.5, 0.4, 0.5, 0.1
    m = maturing(mu, delta, 2)
    assert list(m) == approx([0, 0.5, 0.2])
    kernel = nurture_kernel(c, np.array([1.0]), rho, m)
    assert list(kernel.weights) == approx([0.5, 0.1, 0.04])
    plan = _pool_plan(2, [10, 10, 10])
    result = _accepted(plan)
    r2 = 0.64**2
    q = [0, 0, 10, 10, 10]  # two pre-plan months, then the plan
    g = [(0.5 * q[s] + 0.1 * q[s + 1] + 0.04 * q[s + 2]) / r2 for s in range(3)] + [
        (0.5 * 10 + 0.1 * 10) / r2,
        0.5 * 10 / r2,
    ]
    assert list(result.stage_required[1]) == approx(g[2:])
    assert result.pre_plan[1] == approx(g[0] + g[1])
    pool = result.nurture
    assert pool is not None
    # Pool[t] = 0.2*E_1[t-1] + 0.2*0.4*E_1[t-2], E_1 = G_1 on the grid.
    assert pool.pool[0] == approx(0.2 * g[1] + 0.08 * g[0])
    assert pool.pool[2] == approx(0.2 * g[3] + 0.08 * g[2])
    assert list(pool.matured) == approx(list(0.5 * pool.pool))


def test_lead_development_utilization_is_hours_per_lead_in_the_pool() -> None:
    plan = _pool_plan(2, [10, 10, 10])
    nurture = replace(plan.nurture, hours_per_lead=0.5, hours_available=(4.0, 4.0, 8.0))  # type: ignore[attr-defined]
    result = _accepted(plan.with_changes(nurture=nurture))  # type: ignore[attr-defined]
    assert result.nurture is not None and result.nurture.utilization is not None
    np.testing.assert_allclose(result.nurture.utilization, 0.5 * result.nurture.pool / [4, 4, 8])


def test_the_pool_defaults_to_the_lead_specs_gate() -> None:
    from core.model.plan import Criterion, LeadSpec

    spec = LeadSpec("S2", 1, (Criterion("Fit", 1, 0.5),))
    plan = simple_plan([10, 10], 1, _NURTURE_RATES, spec=spec, nurture=Nurture(0.4, 0.5, 0.1, 1))
    result = _accepted(plan)
    assert result.nurture is not None and result.nurture.stage == "S2"
    # the same kernel as the explicit pool: the spec passes half, as the rate did
    explicit = _accepted(_pool_plan(1, [10, 10]))
    np.testing.assert_allclose(result.stage_required[1], explicit.stage_required[1])


def test_a_stricter_spec_deficit_is_partly_won_back_by_the_pool() -> None:
    from core.model.plan import Criterion, LeadSpec

    current = LeadSpec("S2", 1, (Criterion("Fit", 1, 0.5),))
    proposed = LeadSpec("S2", 1, (Criterion("Fit", 1, 0.25),))
    plan = simple_plan([10] * 6, 1, _NURTURE_RATES, spec=current, nurture=Nurture(0.4, 0.5, 0.1, 3))
    result = _accepted(plan.with_changes(proposed_lead_spec=proposed))
    change = result.spec_change
    assert change is not None and change.nurture_won_back is not None
    # more leads fail, so more are recycled and return later: positive, smaller than the deficit
    assert all(change.nurture_won_back[1:] > 0)
    assert 0 < change.nurture_won_back.sum() < change.gate_deficit.sum()


# --- properties --------------------------------------------------------------

shares = st.floats(min_value=0.01, max_value=1.0)


@st.composite
def profiles(draw: st.DrawFn) -> list[float]:
    raw = draw(st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=13))
    if sum(raw) <= 0:
        raw[0] = 1.0
    total = math.fsum(raw)
    return [x / total for x in raw]


@settings(parent=settings.get_profile("v2"))
@given(st.lists(profiles(), min_size=1, max_size=4), st.integers(1, 24), st.data())
def test_every_kernel_conserves_totals(shapes: list[list[float]], months: int, data: st.DataObject) -> None:
    rates = data.draw(st.lists(shares, min_size=len(shapes), max_size=len(shapes)))
    deals = np.array(data.draw(st.lists(st.floats(0, 1000), min_size=months, max_size=months)))
    kernels = [Kernel.of(c * np.asarray(p)) for c, p in zip(rates, shapes, strict=True)]
    if data.draw(st.booleans()):
        m = maturing(data.draw(shares), 0.0, data.draw(st.integers(1, 12)))
        kernels[-1] = nurture_kernel(rates[-1], np.asarray(shapes[-1]), data.draw(shares), m)
    reach = sum(k.reach for k in kernels) + 1
    grid = np.concatenate([np.zeros(reach), deals, np.zeros(reach)])
    for kernel in kernels:
        assert reverse_step(grid, kernel).sum() == approx(grid.sum() / kernel.total, rel=1e-9, abs=1e-9)
        assert forward_step(grid, kernel).sum() == approx(grid.sum() * kernel.total, rel=1e-9, abs=1e-6)


@settings(parent=settings.get_profile("v2"))
@given(
    st.floats(min_value=0.05, max_value=1.0),
    st.floats(min_value=0.05, max_value=1.0),
    st.floats(min_value=0.0, max_value=0.3),
    st.integers(1, 24),
    profiles(),
)
def test_in_a_steady_state_the_pool_cuts_paid_leads_by_the_kernel_totals(
    recycle: float, maturity: float, decay: float, max_months: int, shape: list[float]
) -> None:
    decay = min(decay, 1.0 - maturity)
    plain = simple_plan([50_000] * 6, 1_000, [0.4, 0.3, 0.5], profiles=[shape, shape, None], after=AfterPlan())
    nurture = Nurture(recycle, maturity, decay, max_months, stage="S2")
    pooled = plain.with_changes(nurture=nurture)
    without, with_pool = _accepted(plain), _accepted(pooled)
    r_plain = 0.3
    r_nurture = basis(pooled)[0].req.funnel.kernels[1].total
    np.testing.assert_allclose(with_pool.paid_leads, without.paid_leads * r_plain / r_nurture, rtol=1e-9)


@settings(parent=settings.get_profile("v2"))
@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=18), st.lists(st.integers(0, 3), min_size=3, max_size=3))
def test_one_month_kernels_with_a_covering_budget_meet_target_and_gate(target: list[float], whole: list[int]) -> None:
    from core.model.plan import Criterion, LeadSpec

    spec = LeadSpec("S2", 1, (Criterion("Fit", 1, 0.6),))
    profile = [[0.0] * w + [1.0] for w in whole]
    plan = simple_plan(target, 1_000, [0.4, 0.3, 0.5], profiles=profile, spec=spec, budget=[1e12] * len(target))
    plan = plan.with_changes(after_plan=AfterPlan("repeat", 0.2))
    result = _accepted(plan)
    assert result.funded is not None and result.funded.gate_deficit is not None
    np.testing.assert_allclose(result.funded.revenue_gap, 0, atol=1e-6 * max(1.0, max(target)))
    np.testing.assert_allclose(result.funded.gate_deficit, 0, atol=1e-9 * max(1.0, max(target)))


@settings(parent=settings.get_profile("v2"))
@given(
    st.lists(st.floats(0, 1e6), min_size=1, max_size=12),
    st.floats(0.0, 0.9),
    st.floats(0.0, 0.09),
    st.floats(0.05, 0.5),
    st.floats(0.0, 0.49),
    st.booleans(),
)
def test_a_higher_recycle_share_or_maturity_never_raises_the_leads_required(
    target: list[float], recycle: float, more: float, maturity: float, extra: float, steady: bool
) -> None:
    if steady:  # a constant target going on after the plan
        target = [target[0]] * len(target)
    # with a varying target, nothing after the plan: a longer pool reaches further
    # after the plan, where a repeated target would add requirement of its own
    after = AfterPlan() if steady else AfterPlan("none")
    plan = simple_plan(target, 1_000, [0.5, 0.4, 0.5], profiles=[None, [0.3, 0.7], None], after=after)
    base = Nurture(recycle, maturity, 0.02, 12, stage="S2")
    for better in (replace(base, recycle=recycle + more), replace(base, maturity=maturity + extra)):
        before = basis(plan.with_changes(nurture=base))[0]
        after_ = basis(plan.with_changes(nurture=better))[0]
        if steady:  # month by month in the plan
            lo, hi = before.grid.offset, before.grid.offset + before.grid.n
            assert np.all(after_.grid.plan(after_.req.paid) <= before.req.paid[lo:hi] * (1 + 1e-9) + 1e-9)
        else:  # in total, pre-plan included
            assert after_.req.paid.sum() <= before.req.paid.sum() * (1 + 1e-9) + 1e-9
