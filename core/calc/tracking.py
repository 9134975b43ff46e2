"""The qualified-lead KPI against actuals (funnel-math.md, "Tracking", v2).

With the months elapsed ``M`` and, per stage, the items that entered it in
each of those months, :func:`tracking` projects the year forward twice: at
the plan's rates and at the rates observed so far, and reports the gate
(qualified leads) against its requirement. Every array lies on the grid of
:class:`core.calc.projections.Basis` up to the plan's end.
"""

from __future__ import annotations

import numpy as np

from core.calc.funnel import FloatArray, Kernel
from core.calc.grid import Funnel
from core.calc.projections import Basis, bought_leads, funded_flow
from core.calc.results import Forecast, Tracking
from core.model.plan import Plan
from core.model.validation_year import gate_for_tracking


def _actuals_by_stage(plan: Plan, b: Basis) -> list[FloatArray | None]:
    """Per stage the actuals on the grid (plan months ``0..M-1``), None without."""
    assert plan.actuals is not None
    out: list[FloatArray | None] = [None] * len(plan.stages)
    for name, values in plan.actuals.stages:
        k = plan.stage_index(name)
        if k is not None:
            series = np.zeros(b.horizon)
            series[b.grid.offset : b.grid.offset + len(values)] = values
            out[k] = series
    return out


def _paid_flow(plan: Plan, b: Basis) -> FloatArray:
    """``F``: the funded flow with a budget (``P`` before the plan), else ``P``."""
    if plan.approved_budget is None:
        return b.req.paid
    budget = np.asarray(plan.approved_budget, dtype=float)
    return funded_flow(b, bought_leads(plan, b.grid.plan(b.req.paid), budget))


def _run(
    b: Basis, actual: list[FloatArray | None], observed: dict[int, float], paid: FloatArray
) -> tuple[FloatArray, ...]:
    """The forecast on the grid up to the plan's end: in months before ``M``
    a stage with actuals takes them (actual raw leads convert through
    ``K_0``); what arrives from month ``M`` on comes through each observed
    transition's kernel scaled by ``obs_k / R_k``."""
    assert b.plan.actuals is not None
    h, funnel = b.horizon, b.req.funnel
    elapsed = b.grid.offset + b.plan.actuals.months
    now = np.arange(h) < elapsed
    in_elapsed = now & (np.arange(h) >= b.grid.offset)
    free = [f[:h] for f in b.free]

    def conv(x: FloatArray, kernel: Kernel) -> FloatArray:
        return np.convolve(x, kernel.weights)[:h]

    def take(k: int, computed: FloatArray) -> FloatArray:
        series = actual[k]
        return computed if series is None else np.where(in_elapsed, series, computed)

    paid = paid[:h]
    raw = take(0, paid + free[0])
    # actual raw leads all convert through K_0; computed ones as paid and free
    paid_part = np.where(in_elapsed, 0.0, paid) if actual[0] is not None else paid
    free_part = raw - paid_part
    volumes = [raw]
    for k, kernel in enumerate(funnel.kernels):
        at_plan = conv(paid_part, funnel.paid_kernel) + conv(free_part, kernel) if k == 0 else conv(volumes[k], kernel)
        arriving = at_plan
        if k in observed:
            scaled = kernel.scaled(observed[k] / kernel.total)
            arriving = np.where(now, at_plan, conv(volumes[k], scaled))
        volumes.append(take(k + 1, arriving + free[k + 1]))
    return tuple(volumes)


def _observed_rates(b: Basis, actual: list[FloatArray | None], volumes: tuple[FloatArray, ...]) -> dict[int, float]:
    """``obs_k = sum_{t<M} A_{k+1}[t] / sum_{t<M} sum_j (K_k[j]/R_k) E_k[t-j]``
    for every transition with actuals on both sides (none when nothing
    would have arrived)."""
    assert b.plan.actuals is not None
    lo, hi = b.grid.offset, b.grid.offset + b.plan.actuals.months
    rates: dict[int, float] = {}
    for k, kernel in enumerate(b.req.funnel.kernels):
        upper, lower = actual[k], actual[k + 1]
        if upper is None or lower is None:
            continue
        would = np.convolve(volumes[k], kernel.weights / kernel.total)[: b.horizon]
        denominator = float(would[lo:hi].sum())
        if denominator > 0:
            rates[k] = float(lower[lo:hi].sum()) / denominator
    return rates


def _forecast(b: Basis, volumes: tuple[FloatArray, ...], gate: int | None, required: FloatArray | None) -> Forecast:
    in_plan = tuple(b.grid.plan(v) for v in volumes)
    revenue = in_plan[-1] * b.plan.avg_deal_size + b.pipeline
    deficit = None if gate is None or required is None else required - in_plan[gate]
    return Forecast(in_plan, revenue, b.target - revenue, deficit)


def observed_funnel(funnel: Funnel, observed: dict[int, float]) -> Funnel:
    """The funnel at observed rates: each observed transition's kernel scaled
    by ``obs_k / R_k`` (the paid kernel of transition 0 too)."""
    kernels = tuple(k.scaled(observed[i] / k.total) if i in observed else k for i, k in enumerate(funnel.kernels))
    paid = kernels[0] if 0 in observed else funnel.paid_kernel
    rates = tuple(observed.get(i, r) for i, r in enumerate(funnel.rates))
    return Funnel(rates, funnel.timings, kernels, paid, observed.get(0, funnel.rb))


def _spend_actual(plan: Plan) -> FloatArray | None:
    assert plan.actuals is not None
    if not plan.actuals.spend:
        return None
    total: FloatArray = np.array([v for _, v in plan.actuals.spend], dtype=float).sum(axis=0)
    return total


def tracking(b: Basis, stage_required: tuple[FloatArray, ...]) -> Tracking | None:
    """The KPI against actuals for a plan with ``actuals`` (None without).

    ``stage_required`` is the result's stage requirement (``G_k``; ``W``
    for the won stage) in plan months."""
    plan = b.plan
    if plan.actuals is None:
        return None
    m = plan.actuals.months
    actual = _actuals_by_stage(plan, b)
    gate = gate_for_tracking(plan)
    required = None if gate is None else stage_required[gate]
    paid = _paid_flow(plan, b)
    plan_volumes = _run(b, actual, {}, paid)
    observed = _observed_rates(b, actual, plan_volumes)
    observed_volumes = _run(b, actual, observed, paid)
    at_observed = _forecast(b, observed_volumes, gate, required)
    gate_actual = variance = None
    at_gate = None if gate is None else actual[gate]
    if at_gate is not None and required is not None:
        gate_actual = b.grid.plan(at_gate)[:m]
        variance = gate_actual - required[:m]
    projected = 0.0 if at_observed.gate_deficit is None else float(at_observed.gate_deficit[m:].sum())
    remaining = 0.0 if required is None else float(required[m:].sum())
    names = plan.stages
    return Tracking(
        months_elapsed=m,
        gate=gate,
        gate_required=None if required is None else required[:m],
        gate_actual=gate_actual,
        gate_variance=variance,
        gate_variance_cumulative=None if variance is None else np.cumsum(variance),
        observed_rates={names[k].name: r for k, r in observed.items()},
        planned_rates={names[k].name: b.req.funnel.kernels[k].total for k in observed},
        forecast=_forecast(b, plan_volumes, gate, required),
        forecast_observed=at_observed,
        observed_funnel=observed_funnel(b.req.funnel, observed),
        projected_deficit=projected,
        remaining_requirement=remaining,
        alarm=gate is not None and projected > plan.actuals.alarm_share * remaining,
        spend_actual=_spend_actual(plan),
    )
