"""Known answers from worked examples, and small hand-computed cases of
every rule in funnel-math.md."""

from __future__ import annotations

import itertools

import pytest

from core.calc.display import shown_count, shown_money
from core.calc.engine import calculate
from core.calc.funnel import DAYS_PER_MONTH, Lag
from core.calc.lead_spec import criteria_pass_rate, score_distribution
from core.model.plan import Channel, Criterion, FreeSource, LeadSpec
from tests.builders import simple_plan

approx = pytest.approx


def test_forty_million_at_150k_needs_266_67_deals_shown_as_267() -> None:
    result = calculate(simple_plan([40_000_000], 150_000, [0.5]))
    assert result.deals_required[0] == approx(266.6667, rel=1e-6)
    assert shown_count(float(result.deals_required[0])) == 267


def test_twenty_deals_through_four_rates_need_241_6_leads_shown_as_242() -> None:
    result = calculate(simple_plan([20 * 10_000], 10_000, [0.71, 0.58, 0.67, 0.3]))
    leads = float(result.stage_required[0][0])
    assert leads == approx(20 / (0.71 * 0.58 * 0.67 * 0.3))
    assert round(leads, 1) == 241.6
    assert shown_count(leads) == 242


def test_one_million_at_25k_needs_3200_inquiries_not_3201() -> None:
    plan = simple_plan(
        [1_000_000], 25_000, [0.25, 0.4, 0.5, 0.25], stage_names=["Inquiry", "MQL", "SQL", "Opportunity", "Won"]
    )
    result = calculate(plan)
    required = [float(s[0]) for s in result.stage_required]
    assert required == approx([3200, 800, 320, 160, 40])
    assert [shown_count(x) for x in required] == [3200, 800, 320, 160, 40]


def test_pipeline_revenue_reduces_deals_but_never_below_zero() -> None:
    plan = simple_plan([100_000, 100_000], 10_000, [0.5]).with_changes(pipeline_revenue=(40_000.0, 250_000.0))
    result = calculate(plan)
    assert list(result.deals_required) == approx([6.0, 0.0])


def test_lag_kernel_splits_fractional_months() -> None:
    lag = Lag.from_days(1.5 * DAYS_PER_MONTH)
    assert (lag.whole, lag.fraction) == (1, approx(0.5))
    # 10 deals in month 3 at rate 0.5 with a 1.5-month lag: 20 items needed,
    # half entering 1 month before (month 2), half 2 months before (month 1).
    plan = simple_plan([0, 0, 0, 100_000], 10_000, [0.5], lags=[1.5 * DAYS_PER_MONTH])
    result = calculate(plan)
    assert list(result.stage_required[0]) == approx([0, 10, 10, 0])
    assert result.pre_plan[0] == approx(0)


def test_requirement_before_the_plan_start_is_reported_as_pre_plan() -> None:
    plan = simple_plan([100_000, 0, 0], 10_000, [0.5, 0.5], lags=[DAYS_PER_MONTH, 2 * DAYS_PER_MONTH])
    result = calculate(plan)
    # 10 deals in month 0 need 20 at S1 two months earlier (month -2) and
    # 40 at S0 one month before that (month -3): all pre-plan.
    assert result.pre_plan == approx((40.0, 20.0))
    assert float(result.stage_required[0].sum()) == approx(0)
    assert result.paid_leads_pre_plan == approx(40.0)
    assert result.spend_pre_plan == approx(40.0 * 100)


def test_free_sources_are_subtracted_without_carrying_a_surplus() -> None:
    free = (FreeSource("Organic", "S0", (30.0, 100.0)),)
    plan = simple_plan([50_000, 50_000], 10_000, [0.1], free=free)
    result = calculate(plan)
    # gross 50 leads a month; 30 free in month 0 leaves 20 paid; month 1's
    # surplus of 50 free leads is not carried anywhere.
    assert list(result.stage_required[0]) == approx([50, 50])
    assert list(result.paid_leads) == approx([20, 0])


def test_paid_leads_convert_at_the_blended_channel_rate() -> None:
    channels = (
        Channel("Webinars", 0.5, 100.0, (1000.0,), rate=0.4),
        Channel("Search", 0.5, 50.0, (0.0,), rate=0.2),
    )
    plan = simple_plan([100_000], 10_000, [0.25, 0.5], channels=channels)
    result = calculate(plan)
    # 10 deals / 0.5 = 20 at S1 = 80 base-rate leads at 0.25; paid leads
    # convert at rb = 0.5*0.4 + 0.5*0.2 = 0.3: P = 80 * 0.25 / 0.3.
    paid = 80 * 0.25 / 0.3
    assert result.blended_paid_rate == approx(0.3)
    assert result.paid_leads[0] == approx(paid)
    assert [c[0] for c in result.channel_leads] == approx([paid / 2, paid / 2])
    assert [s[0] for s in result.spend] == approx([100 * paid / 2 + 1000, 50 * paid / 2])
    assert result.spend_total[0] == approx(75 * paid + 1000)


def test_budget_gap_and_what_the_budget_buys() -> None:
    channels = (Channel("Only", 1.0, 100.0, (2_000.0, 2_000.0)),)
    plan = simple_plan([100_000, 100_000], 10_000, [0.5], channels=channels, budget=[12_000, 1_000])
    result = calculate(plan)
    # 20 leads a month at 100 + 2,000 fixed = 4,000 spend.
    assert list(result.spend_total) == approx([4_000, 4_000])
    assert result.budget_gap is not None and list(result.budget_gap) == approx([-8_000, 3_000])
    funded = result.funded
    assert funded is not None
    # month 1: budget 1,000 is below the fixed cost, so it buys no leads.
    assert list(funded.paid_leads) == approx([20, 0])
    assert list(funded.revenue) == approx([100_000, 0])
    assert list(funded.revenue_gap) == approx([0, 100_000])


def test_gate_deficit_of_the_funded_plan() -> None:
    spec = LeadSpec("S1", 10, (Criterion("Fit", 10, 0.5),))
    channels = (Channel("Only", 1.0, 10.0, (0.0,)),)
    plan = simple_plan([100_000], 10_000, [0.9, 0.5], spec=spec, channels=channels, budget=[200])
    result = calculate(plan)
    # pass rate 0.5 replaces 0.9: 10 deals -> 20 at the gate -> 40 leads;
    # the budget buys 20 leads -> 10 at the gate: deficit 10.
    assert result.spec_pass_rate == approx(0.5)
    assert result.stage_required[0][0] == approx(40)
    assert result.funded is not None and result.funded.gate_deficit is not None
    assert result.funded.gate_deficit[0] == approx(10)


def test_spec_change_deficit_and_what_closes_it() -> None:
    current = LeadSpec("S1", 10, (Criterion("Fit", 10, 0.5),))
    proposed = LeadSpec("S1", 10, (Criterion("Fit", 10, 0.25),))
    channels = (Channel("Only", 1.0, 10.0, (0.0,)),)
    plan = simple_plan([100_000], 10_000, [0.9, 0.5], spec=current, channels=channels).with_changes(
        proposed_lead_spec=proposed
    )
    change = calculate(plan).spec_change
    assert change is not None
    # today 40 leads -> 20 SQLs; under the proposed spec 40 leads -> 10 SQLs:
    # 10 short; closing it takes 80 leads (40 more) costing 400 more.
    assert (change.pass_rate_current, change.pass_rate_proposed) == approx((0.5, 0.25))
    assert change.gate_volume_current[0] == approx(20)
    assert change.gate_deficit[0] == approx(10)
    assert change.extra_paid_leads[0] == approx(40)
    assert change.extra_spend[0] == approx(400)


def test_sales_utilization_and_capacity_limited_revenue() -> None:
    plan = simple_plan([100_000], 10_000, [0.5], hours=[10], sales_hours=[1.0, 0.0])
    result = calculate(plan)
    # 20 items entering S0 at 1 hour each against 10 hours: 200%.
    assert result.sales_utilization is not None and result.sales_utilization[0] == approx(2.0)
    cap = result.capacity_limited
    assert cap is not None
    assert cap.absorbed_share[0] == approx(0.5)
    assert cap.revenue[0] == approx(50_000)


def test_pass_rate_of_a_worked_spec() -> None:
    spec = LeadSpec(
        "SQL",
        50,
        (
            Criterion("Budget", 30, 0.40),
            Criterion("Decision maker", 25, 0.55),
            Criterion("Need", 25, 0.50),
            Criterion("Industry", 0, 0.80, required=True),
        ),
    )
    # qualifying: A+B, A+C, B+C, A+B+C -> .11 + .09 + .165 + .11 = .475; x 0.8
    assert criteria_pass_rate(spec) == approx(0.38)


def test_negative_points_can_disqualify() -> None:
    spec = LeadSpec("SQL", 20, (Criterion("Fit", 30, 1.0), Criterion("Competitor", -20, 0.25)))
    assert criteria_pass_rate(spec) == approx(0.75)
    dist = score_distribution(spec.criteria)
    scores = list(dist.scores())
    assert (scores[0], scores[-1]) == (-20, 30)  # every negative met .. every positive met
    by_score = dict(zip(scores, dist.probability, strict=True))
    assert (by_score[10], by_score[30], by_score[-20], by_score[0]) == approx((0.25, 0.75, 0.0, 0.0))


@pytest.mark.parametrize("threshold", [-30, -5, 0, 1, 24, 25, 26, 50, 55, 80])
def test_pass_rate_equals_brute_force_enumeration(threshold: int) -> None:
    criteria = (
        Criterion("A", 30, 0.4),
        Criterion("B", 25, 0.55),
        Criterion("C", -15, 0.3),
        Criterion("D", 10, 0.9, required=True),
        Criterion("E", 0, 0.7),
        Criterion("F", 25, 0.5),
    )
    spec = LeadSpec("SQL", threshold, criteria)
    expected = 0.0
    for met in itertools.product([False, True], repeat=len(criteria)):
        if not all(m for m, c in zip(met, criteria, strict=True) if c.required):
            continue
        p = 1.0
        for m, c in zip(met, criteria, strict=True):
            p *= c.share if m else 1 - c.share
        if sum(c.points for m, c in zip(met, criteria, strict=True) if m) >= threshold:
            expected += p
    assert criteria_pass_rate(spec) == approx(expected)


def test_money_is_shown_in_whole_units() -> None:
    assert [shown_money(x) for x in (1234.5, 1234.49, -2.5, 0.0)] == [1235, 1234, -3, 0]
