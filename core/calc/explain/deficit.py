"""The funded projection (what the approved budget buys: qualified-lead
deficit, revenue gap) and what a proposed lead spec changes."""

from __future__ import annotations

import numpy as np

from core.calc.explain.common import Context, Step, gate
from core.calc.figures import adopted_result, plural


def funded_leads_steps(c: Context, month: int | None) -> list[Step]:
    """How many paid leads the approved budget buys (funded projection)."""
    r = c.result
    assert r.funded is not None and r.approved_budget is not None
    sel = slice(None) if month is None else slice(month, month + 1)
    required = float(r.paid_leads[sel].sum())
    bought = float(r.funded.paid_leads[sel].sum())
    per_lead = sum(ch.mix * ch.cost_per_lead for ch in c.plan.channels)
    fixed = sum(float(np.asarray(ch.fixed_cost, dtype=float)[sel].sum()) for ch in c.plan.channels)
    budget = float(r.approved_budget[sel].sum())
    raw = c.noun(0).lower()
    left = budget - fixed if month is None else max(0.0, budget - fixed)
    floor = "" if month is None or budget >= fixed else " (nothing left for leads)"
    steps = [Step(f"Approved budget {c.money(budget)} \u2212 {c.money(fixed)} fixed costs{floor}", left, "money")]
    if per_lead > 0:
        affordable = max(0.0, budget - fixed) / per_lead if month is not None else None
        if affordable is not None:
            steps.append(
                Step(
                    f"\u00f7 {c.money(per_lead)} average cost per lead = {c.count(affordable)} paid {raw} affordable",
                    affordable,
                    "count",
                    "/",
                    per_lead,
                )
            )
    steps.append(
        Step(
            f"The budget buys {c.count(bought)} of the {c.count(required)} paid {raw} required"
            + (" (each month: the lesser of the two)" if month is None else ""),
            bought,
        )
    )
    return steps


def gate_deficit_steps(c: Context, month: int | None) -> list[Step]:
    g = gate(c)
    r = c.result
    if r.funded is None or r.funded.gate_deficit is None:
        raise ValueError("The plan has no approved budget: enter one to see the qualified-lead deficit.")
    sel = slice(None) if month is None else slice(month, month + 1)
    noun = c.noun(g)
    required = float(c.gross(g)[sel].sum())
    delivered = float(r.funded.stage_volume[g][sel].sum())
    deficit = float(r.funded.gate_deficit[sel].sum())
    steps = funded_leads_steps(c, month)
    steps.append(
        Step(
            f"These leads and the free sources, through the rates and timings (pass rate {c.pct(r.effective_rates[g - 1])}"
            f" into {c.plan.stages[g].name}), bring {c.count(delivered)} {noun}"
            + ("" if month is None else f" in {c.month(month)}"),
            delivered,
        )
    )
    steps.append(Step(f"{noun} required: {c.count(required)}", required))
    full = float(c.grid.plan(c.required_flow[g])[sel].sum())
    timing = required - full
    if abs(timing) >= 0.5:
        steps.append(
            Step(
                f"Every required lead bought would bring {c.count(full)} {noun}: {c.count(abs(timing))}"
                f" {'short' if timing > 0 else 'to spare'} from the funnel's timing alone (leads arrive spread over"
                f" the following months), {c.count(abs(deficit - timing))} from the budget",
                timing,
            )
        )
    steps.append(
        Step(
            f"{c.count(required)} required \u2212 {c.count(delivered)} delivered = {c.count(deficit)}"
            f" qualified-lead deficit" + (" (negative: surplus)" if deficit < 0 else ""),
            deficit,
        )
    )
    return steps


def revenue_gap_steps(c: Context, month: int | None) -> list[Step]:
    r = c.result
    if r.funded is None:
        raise ValueError("The plan has no approved budget: enter one to see the revenue the budget funds.")
    sel = slice(None) if month is None else slice(month, month + 1)
    steps = funded_leads_steps(c, month)
    won = float(r.funded.stage_volume[-1][sel].sum())
    from_deals = won * c.plan.avg_deal_size
    revenue = float(r.funded.revenue[sel].sum())
    pipeline = revenue - from_deals
    target = float(r.revenue_target[sel].sum())
    gap = float(r.funded.revenue_gap[sel].sum())
    steps.append(Step(f"They become {c.count(won)} deals within the plan", won))
    steps.append(
        Step(
            f"\u00d7 {c.money(c.plan.avg_deal_size)} average deal size = {c.money(from_deals)}",
            from_deals,
            "money",
            "*",
            c.plan.avg_deal_size,
        )
    )
    if pipeline:
        steps.append(
            Step(f"+ {c.money(pipeline)} pipeline = {c.money(revenue)} funded revenue", revenue, "money", "+", pipeline)
        )
    steps.append(Step(f"Revenue target {c.money(target)}", target, "money"))
    steps.append(Step(f"{c.money(target)} \u2212 {c.money(revenue)} = {c.money(gap)} revenue gap", gap, "money"))
    return steps


def spec_change(c: Context) -> tuple[int, str]:
    ch = c.result.spec_change
    if ch is None:
        raise ValueError("The plan has no proposed lead spec: propose one to see what it changes.")
    g = c.plan.stage_index(ch.gate)
    assert g is not None
    return g, ch.gate


def spec_deficit_steps(c: Context, month: int | None) -> list[Step]:
    """With a budget: the deficit the plan shows after adopting the proposal (figures.SpecChangeFigures);
    without one: today's required paid flow under the proposed spec (funnel-math's definition)."""
    g, gate = spec_change(c)
    ch = c.result.spec_change
    assert ch is not None
    sel = slice(None) if month is None else slice(month, month + 1)
    noun = plural(gate)
    required = float(c.gross(g)[sel].sum())
    adopted = adopted_result(c.plan, c.result)
    if adopted is not None and adopted.funded is not None and adopted.funded.gate_deficit is not None:
        delivered = float(adopted.funded.stage_volume[g][sel].sum())
        deficit = float(adopted.funded.gate_deficit[sel].sum())
        first = Step(
            f"After adopting the proposed spec (pass rate {c.pct(ch.pass_rate_proposed)}), the approved budget's"
            f" leads bring {c.count(delivered)} {noun}",
            delivered,
        )
        last = "qualified-lead deficit after adopting it" + (" (negative: surplus)" if deficit < 0 else "")
    else:
        current = float(ch.gate_volume_current[sel].sum())
        delivered = float(ch.gate_volume_proposed[sel].sum())
        deficit = float(ch.gate_deficit[sel].sum())
        first = Step(
            f"Today's required paid lead flow brings {c.count(current)} {noun} at {c.pct(ch.pass_rate_current)};"
            f" under the proposed spec (pass rate {c.pct(ch.pass_rate_proposed)}) {c.count(delivered)}",
            delivered,
        )
        last = "qualified sales lead deficit"
    return [
        first,
        Step(f"{noun} required: {c.count(required)}", required),
        Step(f"{c.count(required)} \u2212 {c.count(delivered)} = {c.count(deficit)} {last}", deficit),
    ]


def spec_extra_steps(c: Context, month: int | None, money: bool) -> list[Step]:
    spec_change(c)
    r = c.result
    ch = r.spec_change
    assert ch is not None
    sel = slice(None) if month is None else slice(month, month + 1)
    raw = c.noun(0).lower()
    current = float(r.paid_leads[sel].sum())
    proposed = float(ch.paid_leads[sel].sum())
    extra = float(ch.extra_paid_leads[sel].sum())
    steps = [
        Step(f"Paid {raw} required today: {c.count(current)}", current),
        Step(
            f"Under the proposed spec (pass rate {c.pct(ch.pass_rate_proposed)} instead of"
            f" {c.pct(ch.pass_rate_current)}): {c.count(proposed)}",
            proposed,
        ),
        Step(f"{c.count(proposed)} \u2212 {c.count(current)} = {c.count(extra)} extra paid {raw}", extra),
    ]
    if money:
        now = float(r.spend_total[sel].sum())
        new = float(ch.spend_total[sel].sum())
        more = float(ch.extra_spend[sel].sum())
        steps += [
            Step(f"Spend today {c.money(now)}", now, "money"),
            Step(f"Spend under the proposed spec {c.money(new)}", new, "money"),
            Step(f"{c.money(new)} \u2212 {c.money(now)} = {c.money(more)} extra budget", more, "money"),
        ]
    return steps
