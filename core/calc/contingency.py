"""The contingency plan: closing a qualified-lead deficit fast
(funnel-math.md, "Contingency plan: closing a deficit fast", v2).

A source of fast pipeline (an appointment-setting vendor delivering SQLs, a
content-syndication burst delivering raw leads, ...) puts items into a stage;
they reach the gate through the kernels of the situation whose deficit they
close. :func:`source_response` is what one item produces at the gate month by
month; :func:`core.calc.contingency_lp.solve` buys items month by month (a
linear program solved by HiGHS); :func:`spec_change_contingency` makes the
plan for the spec change's deficit and :func:`plan_to_dict` gives the
result's keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from core.calc.contingency_lp import ContingencyPlan, solve
from core.calc.engine import basis
from core.calc.funnel import FloatArray, Kernel, forward_step, maturing, nurture_kernel, plain_kernel
from core.calc.grid import Funnel
from core.calc.projections import Basis
from core.calc.results import PlanResult
from core.model.plan import ContingencySource, Plan


@dataclass(frozen=True, eq=False)
class NurturePath:
    """The nurture pool's delayed path, needed to put a source's own rate
    into the transition into the nurture stage: the stage ``h`` the pool
    returns leads into, the recycled share ``rho`` and the maturing
    ``m[d]``."""

    stage: int
    recycle: float
    maturing: FloatArray


def nurture_path(plan: Plan) -> NurturePath | None:
    """The plan's nurture path (None without a pool, or with the pool on ``S0``)."""
    h = plan.nurture_stage()
    nurture = plan.nurture
    if nurture is None or h is None or h < 1:
        return None
    return NurturePath(h, nurture.recycle, maturing(nurture.maturity, nurture.decay, nurture.max_months))


def _kernel_out_of(funnel: Funnel, k: int, rate: float | None, nurture: NurturePath | None) -> Kernel:
    """The kernel of transition ``k`` for a source's items: the funnel's own
    (``c_0`` on ``S0``, never the blended paid rate), or with ``rate`` in
    place of ``c_k`` (in the whole nurture kernel when ``k`` leads into the
    nurture stage)."""
    if rate is None:
        return funnel.kernels[k]
    timing = funnel.timings[k]
    if nurture is not None and k == nurture.stage - 1:
        return nurture_kernel(rate, timing, nurture.recycle, nurture.maturing)
    return plain_kernel(rate, timing)


def source_response(
    funnel: Funnel, stage: int, gate: int, rate: float | None, nurture: NurturePath | None, months: int
) -> FloatArray:
    """The gate volume, in months ``0 .. months-1``, of ONE item entering
    ``stage`` in month 0: ``1`` in month 0 when ``stage`` is the gate, else
    the item run through the kernels from ``stage`` to ``gate``; ``rate``
    replaces the rate of the transition out of ``stage`` for this item. A
    stage below the gate delivers nothing there (all zeros)."""
    out = np.zeros(months)
    if months <= 0 or stage > gate:
        return out
    out[0] = 1.0
    for k in range(stage, gate):
        kernel = _kernel_out_of(funnel, k, rate, nurture) if k == stage else funnel.kernels[k]
        out = forward_step(out, kernel)
    return out


def responses_of(
    plan: Plan, funnel: Funnel, gate: int, sources: Sequence[ContingencySource] | None = None
) -> list[FloatArray]:
    """:func:`source_response` over the plan's months for each source (the
    plan's contingency sources by default), through ``funnel``."""
    chosen = sources if sources is not None else (() if plan.contingency is None else plan.contingency.sources)
    path = nurture_path(plan)
    out = []
    for source in chosen:
        stage = plan.stage_index(source.stage)
        assert stage is not None, "validation refuses a source on a stage the funnel does not have"
        out.append(source_response(funnel, stage, gate, source.rate, path, plan.months))
    return out


def spec_change_contingency(plan: Plan, basis: Basis, result: PlanResult) -> ContingencyPlan | None:
    """The contingency plan for the spec change's deficit (from month 0),
    its sources converting through the proposed spec's kernels (its pass
    rate, the nurture path included). None without a spec change or without
    contingency sources."""
    change = result.spec_change
    proposed = plan.proposed_lead_spec
    contingency = plan.contingency
    if change is None or proposed is None or contingency is None or not contingency.sources:
        return None
    gate = plan.stage_index(proposed.gate)
    funnel = basis.proposed
    if gate is None or funnel is None:
        return None
    responses = responses_of(plan, funnel, gate)
    return solve(change.gate_deficit, 0, responses, contingency.sources, contingency.objective)


def plan_to_dict(cp: ContingencyPlan) -> dict[str, Any]:
    """The result keys of one contingency plan (plan-format.md): ``from_month,
    objective, cost_total, uncovered, covered_from, sources{name: {items[N],
    cost}}``, unrounded."""
    return {
        "from_month": cp.from_month,
        "objective": cp.objective,
        "cost_total": cp.cost_total,
        "uncovered": cp.uncovered,
        "covered_from": cp.covered_from,
        "sources": {
            name: {"items": [float(x) for x in items], "cost": cost}
            for name, items, cost in zip(cp.names, cp.items, cp.cost, strict=True)
        },
    }


__all__ = [
    "ContingencyPlan",
    "NurturePath",
    "nurture_path",
    "plan_to_dict",
    "responses_of",
    "solve",
    "source_response",
    "spec_change_contingency",
]


def tracking_contingency(plan: Plan, basis: Basis, result: PlanResult) -> ContingencyPlan | None:
    """The contingency plan for the tracking forecast's deficit at observed
    rates (from month ``M``), its sources converting through the observed
    rates' kernels. None without actuals, a gate, months left or sources."""
    t = result.tracking
    contingency = plan.contingency
    if t is None or contingency is None or not contingency.sources or t.gate is None:
        return None
    deficit = t.forecast_observed.gate_deficit
    if deficit is None or t.months_elapsed >= plan.months:
        return None
    responses = responses_of(plan, t.observed_funnel, t.gate)
    return solve(deficit, t.months_elapsed, responses, contingency.sources, contingency.objective)


def with_contingency(plan: Plan, result: PlanResult) -> PlanResult:
    """The result with its contingency plans (``spec_change``, ``tracking``)
    filled in. A linear program each, so kept out of :func:`calculate`, which
    runs on every edit: the command line, the exports and the app's
    Contingency view ask for them."""
    if plan.contingency is None or not plan.contingency.sources:
        return result
    b = basis(plan)[0]
    plans = {
        key: cp
        for key, cp in (
            ("spec_change", spec_change_contingency(plan, b, result)),
            ("tracking", tracking_contingency(plan, b, result)),
        )
        if cp is not None
    }
    return replace(result, contingency=plans)
