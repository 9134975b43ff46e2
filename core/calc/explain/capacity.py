"""Sales capacity (utilization) and the lead spec's pass rate."""

from __future__ import annotations

import numpy as np

from core.calc.engine import PlanResult
from core.calc.explain.common import Context, Step, gate, listing
from core.calc.lead_spec import score_distribution


def peak_month(result: PlanResult) -> int | None:
    """The month of the highest sales utilization (None without capacity)."""
    if result.sales_utilization is None or len(result.sales_utilization) == 0:
        return None
    return int(np.argmax(result.sales_utilization))


def utilization_steps(c: Context, month: int | None) -> list[Step]:
    r = c.result
    if r.sales_utilization is None or r.sales_demand is None or c.plan.sales_hours_available is None:
        raise ValueError("The plan has no sales hours available: enter them to see sales utilization.")
    t = peak_month(r) if month is None else month
    assert t is not None
    steps: list[Step] = []
    for k, stage in enumerate(c.plan.stages):
        if stage.sales_hours > 0:
            volume = float(c.gross(k)[t])
            hours = stage.sales_hours * volume
            steps.append(
                Step(
                    f"{c.count(volume)} {c.noun(k)} \u00d7 {c.fmt.number(stage.sales_hours)} h = {c.fmt.number(hours)} h",
                    hours,
                    "hours",
                )
            )
    demand = float(r.sales_demand[t])
    available = float(c.plan.sales_hours_available[t])
    util = float(r.sales_utilization[t])
    steps.append(Step(f"Sales time needed in {c.month(t)}: {c.fmt.number(demand)} h", demand, "hours"))
    steps.append(
        Step(
            f"\u00f7 {c.fmt.number(available)} h available = {c.pct(util)} utilization"
            + (" (more than sales can work)" if util > 1 else ""),
            util,
            "rate",
            "/",
            available,
        )
    )
    return steps


def pass_rate_steps(c: Context) -> list[Step]:
    g = gate(c)
    spec = c.plan.lead_spec
    assert spec is not None
    rate = float(c.result.effective_rates[g - 1])
    if spec.pass_rate_source == "empirical" and spec.empirical is not None:
        emp = spec.empirical
        return [
            Step(
                f"Measured on {c.count(emp.sample)} imported leads reaching {spec.gate}: {c.pct(rate)} qualified"
                " (the measured rate is in force, not the criteria model)",
                rate,
                "rate",
            )
        ]
    dist = score_distribution(spec.criteria)
    required = [cr for cr in spec.criteria if cr.required]
    chance = dist.chance_at_least(spec.threshold)
    scored = len(spec.criteria) - len(required)
    steps = [
        Step(
            f"A lead reaching {spec.gate} scores at least {c.number(spec.threshold)} points on the {scored} scored"
            f" criteria with a chance of {c.pct(chance)} (exact score distribution)",
            chance,
            "rate",
        )
    ]
    if required:
        parts = [f"{cr.name} {c.pct(cr.share)}" for cr in required]
        steps.append(
            Step(
                f"\u00d7 {c.pct(dist.required_share)} that meet every required criterion ({listing(parts)})"
                f" = {c.pct(rate)} pass rate",
                rate,
                "rate",
                "*",
                dist.required_share,
            )
        )
    else:
        steps.append(Step(f"= {c.pct(rate)} pass rate", rate, "rate"))
    entered = c.plan.stages[g - 1].rate
    if entered is not None:
        steps.append(
            Step(
                f"It replaces the entered {c.plan.stages[g - 1].name} \u2192 {spec.gate} rate of {c.pct(entered)}",
                rate,
                "rate",
            )
        )
    return steps
