"""'Why this number?': every explanation ends at the core's own figure, and
each arithmetic step it claims holds."""

from __future__ import annotations

import itertools
import math
import operator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.calc.calendar import short_month
from core.calc.engine import PlanResult, calculate
from core.calc.explain import Explanation, explain, peak_month, plural
from core.calc.figures import adopted_result
from core.calc.funnel import DAYS_PER_MONTH, FloatArray
from core.calc.lead_spec import pass_rate
from core.model.plan import AfterPlan, Channel, FreeSource, Nurture, Plan, Stage
from tests.builders import simple_plan
from tests.strategies import plans


def textbook_plan(lag_days: float = 0.0, free: tuple[FreeSource, ...] = ()) -> Plan:
    """$1,000,000 at $25,000 a deal through 25%, 40%, 50%, 25% (one month)."""
    return Plan(
        name="Textbook",
        currency="USD",
        start="2027-01",
        months=1,
        revenue_target=(1_000_000.0,),
        avg_deal_size=25_000.0,
        stages=(
            Stage("Inquiry", 0.25, lag_days),
            Stage("MQL", 0.4, 0.0),
            Stage("SQL", 0.5, 0.0),
            Stage("Opportunity", 0.25, 0.0),
            Stage("Won"),
        ),
        channels=(Channel("Search", 1.0, 100.0, (0.0,)),),
        free_sources=free,
    )


def core_figure(plan: Plan, result: PlanResult, figure: str, month: int | None) -> float:
    """The figure as the core computes it (what the explanation must end at)."""
    kind, _, arg = figure.partition(":")
    sel = slice(None) if month is None else slice(month, month + 1)

    def total(values: FloatArray) -> float:
        return float(values[sel].sum())

    if kind == "deals":
        return total(result.deals_required)
    if kind == "stage":
        k = plan.stage_index(arg)
        assert k is not None
        return total(result.stage_required[k])
    if kind == "pre_plan":
        k = plan.stage_index(arg)
        assert k is not None
        return result.pre_plan[k]
    if kind == "paid_leads":
        return total(result.paid_leads)
    if kind == "channel_leads":
        return total(result.channel_leads[result.channel_names.index(arg)])
    if kind == "spend":
        return total(result.spend[result.channel_names.index(arg)])
    if kind == "spend_total":
        return total(result.spend_total)
    if kind == "budget_gap":
        assert result.budget_gap is not None
        return total(result.budget_gap)
    if kind == "gate_deficit":
        assert result.funded is not None and result.funded.gate_deficit is not None
        return total(result.funded.gate_deficit)
    if kind == "revenue_gap":
        assert result.funded is not None
        return total(result.funded.revenue_gap)
    if kind == "utilization":
        assert result.sales_utilization is not None
        return float(result.sales_utilization.max() if month is None else result.sales_utilization[month])
    if kind == "pass_rate":
        assert result.spec_pass_rate is not None
        return result.spec_pass_rate
    if kind.startswith("nurture_"):
        pool = result.nurture
        assert pool is not None
        series = {"recycled": pool.recycled, "pool": pool.pool, "returned": pool.matured}.get(kind[8:])
        if series is None:
            assert pool.utilization is not None
            series = pool.utilization
        if month is None and kind in ("nurture_pool", "nurture_utilization"):
            return float(series.max())
        return total(series)
    if kind == "carried_deals":
        return result.after_plan.carried_deals
    if kind == "carried_revenue":
        return result.after_plan.carried_revenue
    assert result.spec_change is not None
    if kind == "spec_deficit":
        # with a budget: the deficit after adopting the proposal (core.calc.figures), else today's flow's
        adopted = adopted_result(plan, result)
        if adopted is not None and adopted.funded is not None and adopted.funded.gate_deficit is not None:
            return total(adopted.funded.gate_deficit)
        return total(result.spec_change.gate_deficit)
    if kind == "spec_extra_leads":
        return total(result.spec_change.extra_paid_leads)
    return total(result.spec_change.extra_spend)


def figures_of(plan: Plan, result: PlanResult) -> list[str]:
    """Every figure the plan has."""
    out = ["deals", "paid_leads", "spend_total"]
    out += [f"stage:{s.name}" for s in plan.stages]
    out += [f"pre_plan:{s.name}" for s in plan.stages[:-1]]
    out += [f"channel_leads:{c.name}" for c in plan.channels] + [f"spend:{c.name}" for c in plan.channels]
    if result.budget_gap is not None:
        out += ["budget_gap", "revenue_gap"]
    if result.funded is not None and result.funded.gate_deficit is not None:
        out.append("gate_deficit")
    if result.sales_utilization is not None:
        out.append("utilization")
    if result.spec_pass_rate is not None:
        out.append("pass_rate")
    if result.spec_change is not None:
        out += ["spec_deficit", "spec_extra_leads", "spec_extra_spend"]
    if result.nurture is not None:
        out += ["nurture_recycled", "nurture_pool", "nurture_returned"]
        if result.nurture.utilization is not None:
            out.append("nurture_utilization")
    return [*out, "carried_deals", "carried_revenue"]


OPS = {"/": operator.truediv, "*": operator.mul, "-": operator.sub, "+": operator.add}


def close(a: float, b: float, scale: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * max(1.0, scale))


def assert_chain_holds(explanation: Explanation) -> None:
    """Each step that states ``previous <op> operand`` equals its value."""
    steps = explanation.steps
    scale = max(abs(s.value) for s in steps) + max((abs(s.operand or 0.0) for s in steps), default=0.0)
    for before, step in itertools.pairwise(steps):
        if not step.op:
            continue
        assert step.operand is not None
        expected = OPS[step.op](before.value, step.operand)
        assert close(step.value, expected, scale), (explanation.title, step.text, step.value, expected)


def assert_explains(plan: Plan, result: PlanResult, figure: str, month: int | None) -> None:
    explanation = explain(plan, result, figure, month)
    assert explanation.steps, figure
    expected = core_figure(plan, result, figure, month)
    scale = max(abs(s.value) for s in explanation.steps)
    assert close(explanation.value, expected, scale), (figure, month, explanation.value, expected)
    assert_chain_holds(explanation)
    for step in explanation.steps:
        assert step.text and math.isfinite(step.value)


# --- known answers ----------------------------------------------------------------


@pytest.mark.parametrize("month", [None, 0])
def test_textbook_chain_from_revenue_to_inquiries(month: int | None) -> None:
    plan = textbook_plan()
    result = calculate(plan)
    e = explain(plan, result, "stage:Inquiry", month)
    assert [s.value for s in e.steps] == pytest.approx([1_000_000, 40, 160, 320, 800, 3200])
    texts = [s.text for s in e.steps]
    assert "USD 25,000" in texts[1] and texts[1].endswith("= 40 deals")
    assert "25.0%" in texts[2] and texts[2].split("; ")[0].endswith("= 160 Opportunities")
    assert "50.0%" in texts[3] and texts[3].split("; ")[0].endswith("= 320 SQLs")
    assert "40.0%" in texts[4] and texts[4].split("; ")[0].endswith("= 800 MQLs")
    assert "25.0%" in texts[5] and texts[5].split("; ")[0].endswith("= 3,200 Inquiries")
    assert e.value == pytest.approx(3200)


def test_deals_chain() -> None:
    plan = textbook_plan()
    e = explain(plan, calculate(plan), "deals")
    assert e.title == "Deals needed (plan total)"
    assert [s.value for s in e.steps] == pytest.approx([1_000_000, 40])


def test_pipeline_is_subtracted_before_dividing_by_deal_size() -> None:
    plan = textbook_plan().with_changes(pipeline_revenue=(200_000.0,))
    e = explain(plan, calculate(plan), "deals")
    assert "USD 200,000" in e.steps[1].text and "USD 800,000 still to win" in e.steps[1].text
    assert e.value == pytest.approx(32)


def test_lag_is_explained_as_shares_of_months() -> None:
    # nothing required after the plan (the first version's rule)
    plan = textbook_plan(lag_days=1.4 * DAYS_PER_MONTH).with_changes(after_plan=AfterPlan("none"))
    e = explain(plan, calculate(plan), "stage:Inquiry")
    lag_step = e.steps[5].text
    assert "1.4 months" in lag_step
    assert "60.0% arrive one month later, 40.0% 2 months later" in lag_step
    # with a one-month plan, all of it had to enter before the plan starts
    assert e.value == pytest.approx(0.0)
    assert "3,200 that must enter before the plan starts" in e.steps[-1].text


def test_far_edge_deals_feed_the_total_and_are_split_off() -> None:
    # The target goes on after the one-month plan for R = 2 months (the lag's reach): 40 deals a month,
    # 800 MQLs a month in Jan, Feb, Mar 27. Inquiries enter 1.4 months ahead: 60 % one month, 40 % two
    # months before the MQL: G[s] = (0.6 * Q[s+1] + 0.4 * Q[s+2]) / 25 %: Jan 3,200, Feb 1,920 (after the
    # plan), Dec 26 3,200 and Nov 26 1,280 (pre-plan, 4,480).
    plan = textbook_plan(lag_days=1.4 * DAYS_PER_MONTH)
    result = calculate(plan)
    e = explain(plan, result, "stage:Inquiry")
    assert [s.value for s in e.steps] == pytest.approx([1_000_000, 40, 120, 480, 960, 2400, 9600, 7680, 3200])
    assert e.steps[2].text.startswith("+ 80 deals in the 2 months after the plan")
    assert e.steps[-2].text.startswith("\u2212 1,920 entering after the plan ends")
    assert e.steps[-1].text.startswith("\u2212 4,480 that must enter before the plan starts")
    month = explain(plan, result, "stage:Inquiry", 0)
    assert [s.value for s in month.steps] == pytest.approx([800, 800, 800, 3200])
    assert month.steps[0].text.startswith("MQLs needed in Feb 27 (after the plan): 800; 60.0% of the Inquiries")
    assert month.steps[1].text.startswith("MQLs needed in Mar 27 (after the plan): 800; 40.0% of the Inquiries")
    assert "come from Inquiries entering in Jan 27" in month.steps[2].text


def test_whole_month_lag_names_both_months() -> None:
    # Opportunity -> Won takes exactly two months: an Opportunity needed in Jan 27 is for a deal in Mar 27
    plan = textbook_plan()
    stages = list(plan.stages)
    stages[3] = Stage("Opportunity", 0.25, 2 * DAYS_PER_MONTH)
    plan = plan.with_changes(stages=tuple(stages))
    e = explain(plan, calculate(plan), "stage:Opportunity", 0)
    assert [s.value for s in e.steps] == pytest.approx([1_000_000, 40, 160])
    assert e.steps[0].text == "Revenue target assumed for Mar 27, after the plan (Jan 27's again)"
    assert e.steps[-1].text.startswith("\u00f7 25.0% (Opportunity \u2192 Won) = 160 Opportunities in Jan 27, for deals")
    assert "for deals in Mar 27" in e.steps[-1].text


def pool_plan() -> Plan:
    """Lead -> MQL 100 %, MQL -> SQL 50 %, SQL -> Won 100 %, no lags; 10 deals in each of two months; a pool on
    SQL taking half the failing MQLs, half of it maturing each month, for one month; 0.5 h per lead, 1 h a month."""
    nurture = Nurture(0.5, 0.5, 0.0, 1, stage="SQL", hours_per_lead=0.5, hours_available=(1.0, 1.0))
    return simple_plan([1000, 1000], 100, [1.0, 0.5, 1.0], stage_names=["Lead", "MQL", "SQL", "Won"], nurture=nurture)


def test_nurture_chains() -> None:
    # K(MQL -> SQL) = [0.5, 0.125], R = 0.625: MQLs needed = [3.2 (Dec 26) | 16, 12.8]; a quarter of them
    # fail and are recycled: [0.8 | 4, 3.2]; the pool is last month's recycled leads, half of it returns.
    plan = pool_plan()
    result = calculate(plan)
    recycled = explain(plan, result, "nurture_recycled", 1)
    assert [s.value for s in recycled.steps] == pytest.approx([12.8, 12.8, 6.4, 3.2])
    assert recycled.steps[0].text.startswith("MQLs entering in Feb 27: 13; 100.0% of them reach the SQL test")
    assert "50.0% that fail it (SQL pass rate 50.0%)" in recycled.steps[2].text
    total = explain(plan, result, "nurture_recycled")
    assert [s.value for s in total.steps] == pytest.approx([28.8, 14.4, 7.2])
    returned = explain(plan, result, "nurture_returned", 1)
    assert [s.value for s in returned.steps] == pytest.approx([4, 4, 2])
    assert returned.steps[0].text == "Recycled in Jan 27: 4, 100.0% of them still in the pool"
    assert returned.steps[-1].text == "\u00d7 50.0% becoming sales-ready each month = 2 leads returned to SQL in Feb 27"
    peak = explain(plan, result, "nurture_utilization")
    assert peak.month == 1 and peak.title == "Peak: lead development utilization (Feb 27)"
    assert [s.value for s in peak.steps][-2:] == pytest.approx([2.0, 2.0])
    assert "(more than the team can work)" in peak.steps[-1].text


def test_carried_deals_chain() -> None:
    # Lead -> Won at 50 %, half in the month, half a month later, nothing after the plan: 30 and 20 leads
    # bought in Jan and Feb bring 25 deals, 20 of them within the plan, 5 (USD 500) in Mar.
    plan = simple_plan([1000, 2000], 100, [0.5], profiles=[[0.5, 0.5]])
    e = explain(plan, calculate(plan), "carried_revenue")
    assert [s.value for s in e.steps] == pytest.approx([50, 25, 5, 500])
    assert e.steps[-2].text == "\u2212 20 won within the plan = 5 deals won after it ends"


def test_nurture_figures_need_a_pool() -> None:
    plan = textbook_plan()
    with pytest.raises(ValueError, match="no nurture pool"):
        explain(plan, calculate(plan), "nurture_returned")


def test_free_source_is_subtracted() -> None:
    plan = textbook_plan(free=(FreeSource("Organic inbound", "Inquiry", (400.0,)),))
    e = explain(plan, calculate(plan), "paid_leads")
    free = [s for s in e.steps if "Organic inbound" in s.text]
    assert len(free) == 1
    assert free[0].text.startswith("\u2212 400 arriving free (Organic inbound) = 2,800 Inquiries")
    assert e.value == pytest.approx(2800)


def test_spend_is_leads_times_cost_per_lead() -> None:
    plan = textbook_plan()
    e = explain(plan, calculate(plan), "spend:Search")
    assert e.steps[-1].text.startswith("\u00d7 USD 100 cost per lead = USD 320,000")
    assert e.value == pytest.approx(320_000)


def test_budget_gap_is_spend_minus_budget() -> None:
    plan = textbook_plan().with_changes(approved_budget=(250_000.0,))
    e = explain(plan, calculate(plan), "budget_gap", 0)
    assert "USD 250,000 approved budget = USD 70,000 budget gap (funding to request)" in e.steps[-1].text
    assert e.value == pytest.approx(70_000)


def test_example_pass_rate_replaces_entered_rate(example_plan: Plan) -> None:
    result = calculate(example_plan)
    assert example_plan.lead_spec is not None
    e = explain(example_plan, result, "pass_rate")
    assert e.value == pytest.approx(pass_rate(example_plan.lead_spec))
    assert "replaces the entered MQL \u2192 SQL rate of 40.0%" in e.steps[-1].text
    chain = explain(example_plan, result, "stage:MQL")
    shown = f"lead spec pass rate {pass_rate(example_plan.lead_spec) * 100:.1f}%, replacing the entered 40.0%"
    assert any(shown in s.text and "later from the nurture pool" in s.text for s in chain.steps)


def test_utilization_without_month_explains_the_peak(example_plan: Plan) -> None:
    result = calculate(example_plan)
    e = explain(example_plan, result, "utilization")
    assert e.month == peak_month(result)
    assert e.title.startswith("Peak sales utilization")
    assert "h available" in e.steps[-1].text


def test_missing_figures_say_what_is_missing() -> None:
    plan = textbook_plan()
    result = calculate(plan)
    with pytest.raises(ValueError, match="approved budget"):
        explain(plan, result, "budget_gap")
    with pytest.raises(ValueError, match="lead spec"):
        explain(plan, result, "pass_rate")
    with pytest.raises(ValueError, match="no stage called"):
        explain(plan, result, "stage:Nope")
    with pytest.raises(ValueError, match="Unknown figure"):
        explain(plan, result, "magic")
    with pytest.raises(ValueError, match="outside the plan"):
        explain(plan, result, "deals", 5)


def test_words() -> None:
    assert short_month("2027-03") == "Mar 27"
    assert [plural(n) for n in ("SQL", "Inquiry", "Opportunity", "Proposal", "Leads", "Day")] == [
        "SQLs",
        "Inquiries",
        "Opportunities",
        "Proposals",
        "Leads",
        "Days",
    ]


# --- every figure ends at the core's number ------------------------------------


def test_every_figure_of_the_example_plan(example_plan: Plan) -> None:
    result = calculate(example_plan)
    for figure in figures_of(example_plan, result):
        for month in (None, 0, 2, 7, example_plan.months - 1):
            assert_explains(example_plan, result, figure, month)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(max_months=8), data=st.data())
def test_every_figure_of_generated_plans(plan: Plan, data: st.DataObject) -> None:
    result = calculate(plan)
    month = data.draw(st.one_of(st.none(), st.integers(0, plan.months - 1)))
    for figure in figures_of(plan, result):
        assert_explains(plan, result, figure, month)


@settings(max_examples=25, deadline=None)
@given(plan=plans(lag=st.integers(0, 3).map(lambda m: m * DAYS_PER_MONTH), max_months=6))
def test_whole_month_lags_chain_every_month(plan: Plan) -> None:
    result = calculate(plan)
    for t in range(plan.months):
        assert_explains(plan, result, "paid_leads", t)


def test_a_cost_per_lead_of_practically_nothing_reads_as_unlimited() -> None:
    """A budget over a subnormal cost per lead buys an unbounded number of
    leads: the explanation says "unlimited" instead of failing."""
    from core.model.plan import AfterPlan, Channel

    plan = simple_plan(
        [0.0],
        100,
        [1.0, 1.0, 1.0],
        channels=(Channel("0", 1.0, 2.225073858507203e-309, (0.0,)),),
        budget=[1.0],
        after=AfterPlan(),
    )
    explanation = explain(plan, calculate(plan), "revenue_gap", 0)
    assert any("unlimited" in step.text for step in explanation.steps)
