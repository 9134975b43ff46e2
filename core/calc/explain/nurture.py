"""The nurture pool (leads recycled, the pool, the leads it returns, the
lead-development team's utilization) and the deals the plan's own leads
carry past its end (funnel-math.md, "Nurture", "The far edge")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.calc.engine import run_forward
from core.calc.explain.common import Context, Step
from core.calc.explain.requirements import LISTED
from core.calc.funnel import FloatArray
from core.calc.projections import pool_flow
from core.calc.results import NurtureResult


@dataclass(frozen=True)
class Pool:
    """The pool's series on the grid and what they come from."""

    result: NurtureResult
    stage: int
    rate: float
    timing: FloatArray
    arriving: FloatArray
    recycled: FloatArray
    pool: FloatArray


def pool_of(c: Context) -> Pool:
    """The nurture pool of the required flow (ValueError without a pool)."""
    nurture = c.result.nurture
    if nurture is None or c.plan.nurture is None:
        raise ValueError("The plan has no nurture pool: add one to see the leads it returns.")
    h = nurture.stage_index
    funnel = c.basis.req.funnel
    upper = c.required_flow[h - 1]
    recycled, pool, _ = pool_flow(c.plan, funnel, upper, h)
    timing = funnel.timings[h - 1]
    arriving = np.convolve(upper, timing)[: len(upper)]
    return Pool(nurture, h, funnel.rates[h - 1], timing, arriving, recycled, pool)


def _peak(series: FloatArray | None, month: int | None) -> int | None:
    if month is not None or series is None or len(series) == 0:
        return month
    return int(np.argmax(series))


def recycled_steps(c: Context, month: int | None) -> list[Step]:
    """Leads recycled into the pool: the leads reaching the test, the share failing, the share recycled."""
    p = pool_of(c)
    n = c.plan.nurture
    assert n is not None
    h, stage = p.stage, c.plan.stages[p.stage].name
    upper = c.noun(h - 1)
    steps: list[Step] = []
    if month is None:
        arriving = float(c.grid.plan(p.arriving).sum())
        recycled = float(p.result.recycled.sum())
        steps.append(Step(f"{upper} reaching the {stage} test in the plan's months: {c.count(arriving)}", arriving))
        when = "over the plan"
    else:
        flow = c.required_flow[h - 1]
        for j, share in [(j, float(w)) for j, w in enumerate(p.timing) if w > 0][:LISTED]:
            entered = c.at(flow, month - j)
            steps.append(
                Step(
                    f"{upper} entering in {c.month(month - j)}: {c.count(entered)}; {c.pct(share)} of them reach"
                    f" the {stage} test in {c.month(month)}",
                    entered,
                )
            )
        arriving = c.at(p.arriving, month)
        recycled = float(p.result.recycled[month])
        steps.append(Step(f"= {c.number(arriving)} {upper} reach the test in {c.month(month)}", arriving, "number"))
        when = f"in {c.month(month)}"
    failing = arriving * (1.0 - p.rate)
    steps.append(
        Step(
            f"\u00d7 {c.pct(1.0 - p.rate)} that fail it ({stage} pass rate {c.pct(p.rate)}) = {c.count(failing)}",
            failing,
            "count",
            "*",
            1.0 - p.rate,
        )
    )
    steps.append(
        Step(
            f"\u00d7 {c.pct(n.recycle)} the lead development team takes into the nurture pool (the rest are"
            f" disqualified) = {c.count(recycled)} leads recycled {when}",
            recycled,
            "count",
            "*",
            n.recycle,
        )
    )
    return steps


def pool_steps(c: Context, t: int) -> list[Step]:
    """The pool at the start of month ``t``: each earlier month's recycled leads still in it."""
    p = pool_of(c)
    n = c.plan.nurture
    assert n is not None
    stay = 1.0 - n.maturity - n.decay
    steps: list[Step] = []
    for d in range(1, min(n.max_months, LISTED) + 1):
        recycled = c.at(p.recycled, t - d)
        left = stay ** (d - 1)
        steps.append(
            Step(
                f"Recycled in {c.month(t - d)}: {c.count(recycled)}, {c.pct(left)} of them still in the pool",
                recycled * left,
            )
        )
    pool = float(p.result.pool[t])
    earlier = f", the {n.max_months - LISTED} earlier months included" if n.max_months > LISTED else ""
    steps.append(
        Step(
            f"Each month {c.pct(n.maturity)} of the pool mature and {c.pct(n.decay)} are lost ({c.pct(stay)} stay),"
            f" and a lead leaves after {n.max_months} months{earlier}: {c.count(pool)} leads in the pool at the"
            f" start of {c.month(t)}",
            pool,
        )
    )
    return steps


def matured_steps(c: Context, month: int | None) -> list[Step]:
    """Leads the pool returns to its stage: ``mu`` of the pool each month."""
    p = pool_of(c)
    n = c.plan.nurture
    assert n is not None
    stage = c.plan.stages[p.stage].name
    if month is None:
        steps = recycled_steps(c, None)
        pool = float(p.result.pool.sum())
        returned = float(p.result.matured.sum())
        steps.append(Step(f"The pool at the start of each month of the plan, added up: {c.count(pool)}", pool))
        when = "over the plan"
    else:
        steps = pool_steps(c, month)
        pool = float(p.result.pool[month])
        returned = float(p.result.matured[month])
        when = f"in {c.month(month)}"
    steps.append(
        Step(
            f"\u00d7 {c.pct(n.maturity)} becoming sales-ready each month = {c.count(returned)} leads returned to"
            f" {stage} {when}",
            returned,
            "count",
            "*",
            n.maturity,
        )
    )
    return steps


def utilization_steps(c: Context, month: int | None) -> tuple[list[Step], int]:
    """The lead-development team's utilization in ``month`` (the peak month without one)."""
    p = pool_of(c)
    n = c.plan.nurture
    util = p.result.utilization
    if n is None or util is None or n.hours_per_lead is None or n.hours_available is None:
        raise ValueError("The nurture pool has no lead-development hours: enter them to see the team's utilization.")
    t = _peak(util, month)
    assert t is not None
    steps = pool_steps(c, t)
    pool = float(p.result.pool[t])
    hours = pool * n.hours_per_lead
    available = float(np.asarray(n.hours_available, dtype=float)[t])
    steps.append(
        Step(
            f"\u00d7 {c.number(n.hours_per_lead)} h per lead in the pool = {c.number(hours)} h",
            hours,
            "hours",
            "*",
            n.hours_per_lead,
        )
    )
    steps.append(
        Step(
            f"\u00f7 {c.number(available)} h available = {c.pct(float(util[t]))} utilization"
            + (" (more than the team can work)" if util[t] > 1 else ""),
            float(util[t]),
            "rate",
            "/",
            available,
        )
    )
    return steps, t


def peak_pool_month(c: Context, month: int | None) -> int:
    """The month a pool figure is explained for: ``month``, else the month the pool peaks."""
    pool_of(c)
    t = _peak(c.result.nurture.pool if c.result.nurture is not None else None, month)
    assert t is not None
    return t


def carried_steps(c: Context, revenue: bool) -> list[Step]:
    """The deals (revenue) the plan's own leads bring after it ends."""
    grid, b = c.grid, c.basis
    paid = grid.plan(b.req.paid)
    own = grid.spread(paid)
    free = [grid.spread(grid.plan(f)) for f in b.free]
    won = run_forward(b.req.funnel, own, free)[-1]
    total = float(won.sum())
    in_plan = float(grid.plan(won).sum())
    carried = total - in_plan
    raw = c.noun(0).lower()
    steps = [Step(f"Paid {raw} bought in the plan's months: {c.count(float(paid.sum()))}", float(paid.sum()))]
    free_total = sum(float(grid.plan(f).sum()) for f in b.free)
    if free_total > 0:
        names = ", ".join(s.name for s in c.plan.free_sources)
        steps.append(Step(f"Free volume of the plan's months ({names}): {c.count(free_total)}", free_total))
    steps.append(
        Step(
            f"Through the rates and timings, these (and nothing bought before or after the plan) bring"
            f" {c.count(total)} deals in all",
            total,
        )
    )
    steps.append(
        Step(
            f"\u2212 {c.count(in_plan)} won within the plan = {c.count(carried)} deals won after it ends",
            carried,
            "count",
            "-",
            in_plan,
        )
    )
    if revenue:
        value = carried * c.plan.avg_deal_size
        steps.append(
            Step(
                f"\u00d7 {c.money(c.plan.avg_deal_size)} average deal size = {c.money(value)} revenue after the plan",
                value,
                "money",
                "*",
                c.plan.avg_deal_size,
            )
        )
    return steps
