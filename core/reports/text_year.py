"""The text report's sections for the year in progress: the qualified-lead
KPI against actuals (figures from :mod:`core.calc.figures_year`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from core.calc.display import format_count, format_money, format_percent
from core.calc.engine import PlanResult
from core.calc.figures import money_in
from core.calc.figures_year import contingency_figures, odds_figures, tracking_figures
from core.model.plan import ContingencySource, Plan


def _signed(value: float) -> str:
    return ("+" if value > 0 else "-" if value < 0 else "") + format_count(abs(value))


Table = Callable[[Sequence[str], Sequence[Sequence[str]]], list[str]]
"""Renders a table as lines (the text report's one table style)."""


def tracking_section(plan: Plan, result: PlanResult, table: Table) -> list[str]:
    """Plan vs actual vs the two forecasts at the gate, month by month."""
    t = result.tracking
    fig = tracking_figures(plan, result)
    if t is None:
        return []
    out = ["", f"Tracking: {t.months_elapsed} of {plan.months} months elapsed"]
    if fig is None:
        out.append("  The plan has no lead spec or nurture pool, so there is no qualified-lead gate to track.")
        return out
    gate = fig.gate
    required = result.stage_required[t.gate] if t.gate is not None else None
    assert required is not None and t.forecast.gate_deficit is not None
    plan_gate = required - t.forecast.gate_deficit
    obs_deficit = t.forecast_observed.gate_deficit
    assert obs_deficit is not None
    obs_gate = required - obs_deficit
    headers = [
        "Month",
        f"{gate} required",
        "Actual",
        "Variance",
        "Forecast (plan rates)",
        "Forecast (observed)",
        "Short (observed)",
    ]
    rows = []
    for m, month in enumerate(result.months):
        elapsed = m < t.months_elapsed
        actual = t.gate_actual is not None and elapsed
        rows.append(
            [
                month,
                format_count(float(required[m])),
                format_count(float(t.gate_actual[m])) if actual and t.gate_actual is not None else "",
                _signed(float(t.gate_variance[m])) if actual and t.gate_variance is not None else "",
                format_count(float(plan_gate[m])),
                format_count(float(obs_gate[m])),
                "" if elapsed else _signed(float(obs_deficit[m])),
            ]
        )
    out += table(headers, rows)
    if t.observed_rates:
        rates = ", ".join(
            f"{name} {format_percent(rate)} (planned {format_percent(t.planned_rates[name])})"
            for name, rate in t.observed_rates.items()
        )
        out.append(f"Observed rates (from each stage to the next): {rates}.")
    out.append(("ALARM: " if fig.alarm else "") + fig.sentence())
    return out


def contingency_section(plan: Plan, result: PlanResult, table: Table) -> list[str]:
    """Each contingency plan: the sentence for finance and the month-by-source schedule."""
    plans = result.contingency or {}
    out: list[str] = []
    for fig in contingency_figures(result):
        cp = plans[fig.key]
        title = "the spec change" if fig.key == "spec_change" else "tracking"
        out += ["", f"Contingency plan for {title} ({cp.objective})"]
        headers = ["Month", *cp.names, "Cost"]
        rows = []
        for m, month in enumerate(result.months):
            items = [float(x[m]) for x in cp.items]
            cost = sum(i * s.cost_per_item for i, s in zip(items, _sources(plan), strict=True))
            rows.append(
                [month, *(format_count(i) if i > 1e-6 else "" for i in items), format_money(cost, plan.currency)]
            )
        rows.append(
            ["Total", *(format_count(float(x.sum())) for x in cp.items), format_money(cp.cost_total, plan.currency)]
        )
        out += table(headers, rows)
        out.append(fig.sentence(money_in(plan.currency)))
    return out


def _sources(plan: Plan) -> tuple[ContingencySource, ...]:
    return plan.contingency.sources if plan.contingency is not None else ()


def odds_section(plan: Plan, result: PlanResult) -> list[str]:
    """How sure the plan is: quantiles, the chance to hit the target, what it rests on."""
    fig = odds_figures(result)
    if fig is None:
        return []
    money = money_in(plan.currency)
    out = ["", f"How sure is the plan ({fig.draws:,} draws of the measured rates)"]
    out.append(
        f"  Paid leads required: P50 {format_count(fig.leads['p50'])}, P80 {format_count(fig.leads['p80'])}, "
        f"P90 {format_count(fig.leads['p90'])}"
    )
    out.append(
        f"  Spend required: P50 {money(fig.spend['p50'])}, P80 {money(fig.spend['p80'])}, P90 {money(fig.spend['p90'])}"
    )
    if fig.revenue is not None:
        out.append(
            f"  Funded revenue: P10 {money(fig.revenue['p10'])}, P50 {money(fig.revenue['p50'])}, "
            f"P90 {money(fig.revenue['p90'])}"
        )
    out.append("  " + fig.headline() + ".")
    out.append("  " + fig.sentence(money))
    out.append("  It rests on: " + "; ".join(fig.rests_on) + ".")
    return out
