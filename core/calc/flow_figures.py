"""The v2 figures of :mod:`core.calc.figures`: the far edge, the nurture
pool, the part of a spec change's deficit the pool wins back, and the
funded gate deficit split into the funnel's timing and the budget.

Each is worked out once here and said in one sentence the app, the text
report and the budget request print (funnel-math.md, "The far edge",
"Nurture", "Forward pass").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.calc.calendar import short_month
from core.calc.display import format_count
from core.calc.engine import PlanResult, basis, run_forward
from core.model.plan import Plan

Money = Callable[[float], str]
Count = Callable[[float], str]


def plural(name: str) -> str:
    """A stage name as a plural noun: ``SQL`` -> ``SQLs``, ``Inquiry`` ->
    ``Inquiries``; names already ending in ``s`` stay."""
    stripped = name.strip()
    if not stripped or stripped[-1] in "sS":
        return stripped
    if stripped.isupper():
        return stripped + "s"
    if stripped[-1] == "y" and len(stripped) > 1 and stripped[-2].lower() not in "aeiou":
        return stripped[:-1] + "ies"
    if stripped.endswith(("x", "ch", "sh")):
        return stripped + "es"
    return stripped + "s"


def percent_words(share: float) -> str:
    """``0.1`` -> ``10 %``, ``0.125`` -> ``12.5 %`` (as the sentences say a share)."""
    return f"{round(share * 100, 1):g} %"


@dataclass(frozen=True)
class AfterPlanFigures:
    """The far edge: ``mode`` (``repeat``/``none``), ``months`` ``R`` after the
    plan the target is assumed to go on, its ``growth`` a cycle of ``cycle``
    months (``L = min(12, N)``), the target and deals assumed after the plan
    (totals), and what the plan's own months carry over: ``carried_deals =
    sum_{t>=N} E_K[t]`` of the required flow of the plan's months,
    ``carried_revenue = carried_deals * D``."""

    mode: str
    months: int
    growth: float
    cycle: int
    target_after: float
    deals_after: float
    carried_deals: float
    carried_revenue: float
    ends_in_december: bool

    def sentence(self, money: Money, count: Count = format_count) -> str:
        """What the plan assumes after its end and what its own leads bring then."""
        carried = f"{count(self.carried_deals)} deals ({money(self.carried_revenue)}) after it ends"
        if self.mode == "none":
            return (
                f"Nothing is required after the plan (a one-off campaign); the plan's own leads still bring {carried}."
            )
        opening = (
            "Q4 leads are next year's Q1 pipeline"
            if self.ends_in_december
            else "The leads of the plan's last months are the pipeline after it"
        )
        period = "a year" if self.cycle == 12 else f"every {self.cycle} months"
        if self.growth == 0:
            growing = f"repeating its last {self.cycle} months"
        else:
            verb = "growing" if self.growth > 0 else "shrinking"
            growing = f"{verb} {percent_words(abs(self.growth))} {period}"
        return (
            f"{opening}: the plan's own leads bring {carried}; the target is assumed to go on "
            f"after the plan, {growing}, for {self.months} {'month' if self.months == 1 else 'months'}."
        )


def after_plan_figures(plan: Plan, result: PlanResult) -> AfterPlanFigures:
    after = result.after_plan
    last = (int(plan.start[5:7]) - 1 + plan.months - 1) % 12
    return AfterPlanFigures(
        mode=after.mode,
        months=after.months,
        growth=plan.after_plan.growth if after.mode == "repeat" else 0.0,
        cycle=min(12, plan.months),
        target_after=float(after.revenue_target.sum()),
        deals_after=float(after.deals_required.sum()),
        carried_deals=after.carried_deals,
        carried_revenue=after.carried_revenue,
        ends_in_december=last == 11,
    )


@dataclass(frozen=True)
class NurtureFigures:
    """The nurture pool of the required flow: per plan month the leads
    recycled into it, the pool at the start of the month, the leads it
    returns to ``stage`` (matured) and the team's utilization (None without
    hours); the totals over the plan, the average and peak pool and the peak
    utilization with their month labels."""

    stage: str
    recycle: float
    maturity: float
    decay: float
    max_months: int
    months: tuple[str, ...]
    recycled: tuple[float, ...]
    pool: tuple[float, ...]
    matured: tuple[float, ...]
    utilization: tuple[float, ...] | None
    recycled_total: float
    returned_total: float
    average_pool: float
    peak_pool: float
    peak_pool_month: str
    peak_utilization: float | None
    peak_utilization_month: str | None

    def sentence(self, count: Count = format_count) -> str:
        """The pool in one statement: what goes in, what comes back, how big, how busy."""
        text = (
            f"{percent_words(self.recycle)} of the leads failing {self.stage} go to the nurture pool "
            f"({count(self.recycled_total)} over the plan); it returns {count(self.returned_total)} "
            f"to {self.stage} over the plan and holds {count(self.average_pool)} leads on average "
            f"(peak {count(self.peak_pool)} in {short_month(self.peak_pool_month)})."
        )
        if self.peak_utilization is not None:
            text += (
                f" Lead development works at {percent_words(self.peak_utilization)} of its hours "
                f"at the peak ({short_month(self.peak_utilization_month or '')})."
            )
        return text


def nurture_figures(plan: Plan, result: PlanResult) -> NurtureFigures | None:
    pool = result.nurture
    if pool is None or plan.nurture is None:
        return None
    months = result.months
    peak = int(np.argmax(pool.pool))
    util = pool.utilization
    busiest = None if util is None else int(np.argmax(util))
    return NurtureFigures(
        stage=pool.stage,
        recycle=plan.nurture.recycle,
        maturity=plan.nurture.maturity,
        decay=plan.nurture.decay,
        max_months=plan.nurture.max_months,
        months=months,
        recycled=tuple(float(v) for v in pool.recycled),
        pool=tuple(float(v) for v in pool.pool),
        matured=tuple(float(v) for v in pool.matured),
        utilization=None if util is None else tuple(float(v) for v in util),
        recycled_total=float(pool.recycled.sum()),
        returned_total=float(pool.matured.sum()),
        average_pool=float(pool.pool.mean()),
        peak_pool=float(pool.pool[peak]),
        peak_pool_month=months[peak],
        peak_utilization=None if util is None or busiest is None else float(util[busiest]),
        peak_utilization_month=None if busiest is None else months[busiest],
    )


@dataclass(frozen=True)
class WonBack:
    """How much of the proposed spec's deficit (today's flow) the pool wins
    back: ``won_back = sum_t nurture_won_back[t]`` (extra leads the pool
    returns to the gate in the plan's months under the proposed spec);
    ``deficit_without_pool = deficit + won_back`` (the deficit had the pool
    returned no more than today); ``share = won_back / deficit_without_pool``
    (None when that is not positive)."""

    gate: str
    won_back: float
    deficit: float
    deficit_without_pool: float
    share: float | None

    def sentence(self, count: Count = format_count) -> str:
        if self.share is None:
            return f"The nurture pool returns {count(self.won_back)} more {self.gate} leads under the proposed spec."
        return (
            f"The stricter spec fails more leads, and the nurture pool wins {count(self.won_back)} of them back "
            f"as {plural(self.gate)} later in the plan: {percent_words(self.share)} of the "
            f"{count(self.deficit_without_pool)} the spec would otherwise cost."
        )


def won_back(plan: Plan, result: PlanResult) -> WonBack | None:
    """The pool's share of the spec change's deficit (None without a pool on the gate)."""
    change = result.spec_change
    if change is None or change.nurture_won_back is None:
        return None
    pool = result.nurture
    if pool is None or pool.stage != change.gate:
        return None
    back = float(change.nurture_won_back.sum())
    deficit = float(change.gate_deficit.sum())
    without = deficit + back
    return WonBack(change.gate, back, deficit, without, back / without if without > 0 else None)


@dataclass(frozen=True)
class DeficitSplit:
    """The funded gate deficit ``sum_t (G_g - E_g)`` split in two: ``timing
    = sum_t (G_g - E^P_g)``, what a fully funded plan (the required flow
    ``P`` run forward) still leaves because leads arrive spread over months
    (and free volume above a month's need is not carried to another);
    ``budget = deficit - timing = sum_t (E^P_g - E_g)``, the budget's doing."""

    gate: str
    deficit: float
    timing: float
    budget: float

    def sentence(self, count: Count = format_count) -> str:
        """Why a deficit remains: the part the budget causes and the part the funnel's timing causes."""
        name = plural(self.gate)

        def amount(value: float) -> str:
            return f"{count(abs(value))} {'short' if value >= 0 else 'to spare'}"

        total = f"{count(abs(self.deficit))} {name} {'short' if self.deficit >= 0 else 'to spare'} over the plan (net)"
        timing = (
            f"a fully funded plan would still be {amount(self.timing)}, because leads bought as required "
            "arrive spread over the following months, not all in the month they are needed"
        )
        if abs(self.budget) < 0.5:
            if abs(self.timing) < 0.5:
                return f"The approved budget buys every lead the plan requires; no {name} are short."
            return f"The approved budget buys every lead the plan requires, yet {total}: {timing}."
        if abs(self.timing) < 0.5:
            return f"The {total} are the budget's doing: a fully funded plan would meet the requirement."
        return (
            f"Of the {total}, {amount(self.budget)} are the budget's doing and {amount(self.timing)} the "
            f"funnel's timing: {timing}."
        )


def deficit_split(plan: Plan, result: PlanResult) -> DeficitSplit | None:
    """The split of the funded gate deficit (None without a budget and a spec gate)."""
    funded = result.funded
    g = result.gate_index
    if funded is None or funded.gate_deficit is None or g is None:
        return None
    b, _, _ = basis(plan)
    full = run_forward(b.req.funnel, b.req.paid, b.free)
    timing = float((result.stage_required[g] - b.grid.plan(full[g])).sum())
    deficit = float(funded.gate_deficit.sum())
    return DeficitSplit(plan.stages[g].name, deficit, timing, deficit - timing)


__all__ = [
    "AfterPlanFigures",
    "DeficitSplit",
    "NurtureFigures",
    "WonBack",
    "after_plan_figures",
    "deficit_split",
    "nurture_figures",
    "percent_words",
    "plural",
    "won_back",
]
