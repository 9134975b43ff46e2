"""The figures of the year in progress, worked out once (the Tracking page,
the KPI strip, the text report and the budget request's Tracking sheet read
them here): the qualified-lead KPI against actuals and its alarm."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.calc.calendar import short_month
from core.calc.display import format_count, format_percent
from core.calc.engine import PlanResult
from core.calc.flow_figures import plural
from core.calc.funnel import FloatArray
from core.model.plan import Plan

Count = Callable[[float], str]


@dataclass(frozen=True)
class TrackingFigures:
    """The KPI at the gate after ``months`` months.

    ``required``/``actual`` are the gate's totals over the months elapsed
    (``actual`` None without actuals at the gate); ``projected`` the
    deficit still to come at observed rates, ``remaining`` the requirement
    still to come, ``threshold`` the alarm share; ``gate_rate`` the observed
    and planned rate into the gate (None when not observed)."""

    gate: str
    months: int
    month_label: str
    required: float
    actual: float | None
    projected: float
    remaining: float
    threshold: float
    alarm: bool
    gate_rate: tuple[float, float] | None

    def sentence(self, count: Count = format_count) -> str:
        """``After 4 months (to Apr 27): 612 SQLs of 850 required (238 short). At the rates
        observed so far the rest of the year falls 410 SQLs short, 12% of the 3,400 still
        required: above the 5% alarm threshold.``"""
        items = plural(self.gate)
        head = f"After {self.months} month{'s' if self.months != 1 else ''} (to {self.month_label})"
        if self.actual is None:
            head += f": {count(self.required)} {items} were required (no actuals entered at {self.gate})."
        else:
            gap = self.actual - self.required
            words = f"{count(-gap)} short" if gap < 0 else f"{count(gap)} ahead"
            head += f": {count(self.actual)} {items} of {count(self.required)} required ({words})."
        if self.gate_rate is not None:
            observed, planned = self.gate_rate
            head += (
                f" The rate into {self.gate} runs at {format_percent(observed)} (planned {format_percent(planned)})."
            )
        share = self.projected / self.remaining if self.remaining > 0 else 0.0
        if self.projected > 0:
            rest = (
                f" At the rates observed so far the rest of the year falls {count(self.projected)} {items} short, "
                f"{format_percent(share)} of the {count(self.remaining)} still required"
            )
            rest += (
                f": above the {format_percent(self.threshold)} alarm threshold."
                if self.alarm
                else f", within the {format_percent(self.threshold)} alarm threshold."
            )
        else:
            rest = f" At the rates observed so far the rest of the year meets its {items}."
        return head + rest


def cumulative(values: FloatArray) -> FloatArray:
    """Running total (the KPI shown cumulatively)."""
    out: FloatArray = np.cumsum(values)
    return out


def tracking_figures(plan: Plan, result: PlanResult) -> TrackingFigures | None:
    """The KPI figures (None without actuals or without a gate)."""
    t = result.tracking
    if t is None or t.gate is None or t.gate_required is None:
        return None
    gate_name = result.stage_names[t.gate]
    upper = result.stage_names[t.gate - 1] if t.gate >= 1 else None
    rate = None
    if upper is not None and upper in t.observed_rates:
        rate = (t.observed_rates[upper], t.planned_rates[upper])
    return TrackingFigures(
        gate=gate_name,
        months=t.months_elapsed,
        month_label=short_month(result.months[t.months_elapsed - 1]),
        required=float(t.gate_required.sum()),
        actual=None if t.gate_actual is None else float(t.gate_actual.sum()),
        projected=t.projected_deficit,
        remaining=t.remaining_requirement,
        threshold=plan.actuals.alarm_share if plan.actuals is not None else 0.05,
        alarm=t.alarm,
        gate_rate=rate,
    )


_DEFICIT_WORDS = {
    "spec_change": "the stricter spec's qualified-lead deficit",
    "tracking": "the deficit the year is heading for at the rates observed so far",
}


@dataclass(frozen=True)
class ContingencyFigures:
    """One contingency plan as finance reads it: which deficit it closes,
    from which month, at what cost, from when it is covered and what stays
    uncovered (in gate units)."""

    key: str
    gate: str
    objective: str
    from_month: str
    cost_total: float
    covered_from: str | None
    uncovered: float
    sources_used: tuple[tuple[str, float, float], ...]
    """(name, items, cost) of each source the plan buys from."""

    def sentence(self, money: Callable[[float], str], count: Count = format_count) -> str:
        """``The fastest way to close the stricter spec's qualified-lead deficit: fund USD 451,542
        of contingency from Jan 27 (Appointment-setting vendor 353, ...): the deficit is covered
        from Apr 27.``"""
        aim = "The fastest way" if self.objective == "fastest" else "The cheapest way by the plan's end"
        used = ", ".join(f"{name} {count(items)}" for name, items, _ in self.sources_used) or "nothing"
        text = (
            f"{aim} to close {_DEFICIT_WORDS.get(self.key, 'the deficit')}: fund {money(self.cost_total)} "
            f"of contingency from {self.from_month} ({used})"
        )
        if self.covered_from is not None and self.uncovered <= 0.5:
            return text + f": the deficit is covered from {self.covered_from}."
        return text + f": {count(self.uncovered)} {plural(self.gate)} stay uncovered by the plan's end."


def contingency_figures(result: PlanResult) -> tuple[ContingencyFigures, ...]:
    """The figures of each contingency plan the result holds (see
    :func:`core.calc.contingency.with_contingency`)."""
    plans = result.contingency or {}
    gate = result.tracking.gate if result.tracking is not None else None
    if gate is None:
        gate = result.gate_index
    gate_name = result.stage_names[gate] if gate is not None else "qualified leads"
    out = []
    for key, cp in plans.items():
        used = tuple(
            (name, float(items.sum()), float(cost))
            for name, items, cost in zip(cp.names, cp.items, cp.cost, strict=True)
            if float(items.sum()) > 1e-6
        )
        out.append(
            ContingencyFigures(
                key=key,
                gate=gate_name,
                objective=cp.objective,
                from_month=short_month(result.months[cp.from_month]),
                cost_total=cp.cost_total,
                covered_from=None if cp.covered_from is None else short_month(result.months[cp.covered_from]),
                uncovered=cp.uncovered,
                sources_used=used,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class OddsFigures:
    """How sure the plan is (funnel-math.md, "Uncertainty"): the P50/P80/P90
    of the paid leads and spend required, the P10/P50/P90 of the funded
    revenue and the chance to hit the target with the approved budget."""

    draws: int
    leads: dict[str, float]
    spend: dict[str, float]
    revenue: dict[str, float] | None
    hit: float | None
    target: float
    rests_on: tuple[str, ...]
    """What the uncertainty rests on, in words (which rates, measured on how many items)."""

    def headline(self) -> str:
        """``Chance to hit the target with this budget: 36%``."""
        if self.hit is None:
            return "No approved budget: no chance to hit the target to give."
        return f"Chance to hit the target with this budget: {format_percent(self.hit, 0)}"

    def sentence(self, money: Callable[[float], str], count: Count = format_count) -> str:
        """The request for finance: what it takes to be 80% sure, and the odds."""
        text = (
            f"To be 80% sure of enough deals, request {money(self.spend['p80'])} "
            f"({count(self.leads['p80'])} paid leads); the median plan needs {money(self.spend['p50'])}, "
            f"90% sure {money(self.spend['p90'])}."
        )
        if self.hit is not None and self.revenue is not None:
            text += (
                f" With the approved budget the chance to reach the target of {money(self.target)} is "
                f"{format_percent(self.hit, 0)} (revenue {money(self.revenue['p10'])} to {money(self.revenue['p90'])} "
                f"in 8 of 10 cases)."
            )
        return text


def odds_figures(result: PlanResult) -> OddsFigures | None:
    """The odds' figures (None when no rate has a sample or before they are drawn)."""
    u = result.uncertainty
    if u is None:
        return None
    return OddsFigures(
        draws=u.draws,
        leads=dict(u.paid_leads_total),
        spend=dict(u.spend_total),
        revenue=None if u.funded_revenue_total is None else dict(u.funded_revenue_total),
        hit=u.funded_hit_probability,
        target=u.revenue_target_total,
        rests_on=tuple(s.describe() for s in u.sources),
    )
