"""A full recalculation of a plan: every number of funnel-math.md.

:func:`calculate` takes a plan that :func:`core.calc.feasibility.validate`
accepted and returns a :class:`PlanResult`. All arrays in the result cover
the plan's months ``0 .. N-1``; pre-plan volumes are reported as totals.
Nothing is rounded here.
"""

from __future__ import annotations

import numpy as np

from core.calc.calendar import month_label
from core.calc.calendar import month_labels as month_labels  # re-exported: callers read labels here too
from core.calc.funnel import FloatArray, mean_lag_days
from core.calc.grid import (
    Funnel,
    GridRequirement,
    MonthGrid,
    blended_rate,
    deals_on_grid,
    effective_rates,
    entered_rates,
    free_by_stage,
    funnel_of,
    gate_of,
    grid_for,
    plan_timings,
    require,
    run_forward,
    shown_lag_days,
)
from core.calc.lead_spec import pass_rate
from core.calc.projections import Basis, capacity_limited, carried_deals, funded, nurture_pool, spec_change, spend_of
from core.calc.results import (
    AfterPlanResult,
    CapacityLimited,
    Funded,
    NurtureResult,
    PlanResult,
    SpecChange,
    Tracking,
)
from core.calc.tracking import tracking
from core.model.plan import Plan


def _after_plan(b: Basis, reach: int, after_target: FloatArray) -> AfterPlanResult:
    plan = b.plan
    months = 0 if plan.after_plan.mode == "none" else reach
    carried = carried_deals(b)
    return AfterPlanResult(
        mode=plan.after_plan.mode,
        months=months,
        revenue_target=after_target[:months],
        deals_required=after_target[:months] / plan.avg_deal_size,
        carried_deals=carried,
        carried_revenue=carried * plan.avg_deal_size,
        start=month_label(plan.start, plan.months),
    )


def basis(plan: Plan) -> tuple[Basis, FloatArray, FloatArray]:
    """The reverse pass on the whole grid (see :class:`Basis`), the deals
    required in plan months and the target after the plan."""
    n = plan.months
    current = funnel_of(plan, plan.lead_spec)
    funnels = [current]
    if plan.proposed_lead_spec is not None:
        funnels.append(funnel_of(plan, plan.proposed_lead_spec, list(current.timings)))
    grid = grid_for(plan, *funnels)
    target = np.asarray(plan.revenue_target, dtype=float)
    pipeline = np.asarray(plan.pipeline_revenue or (0.0,) * n, dtype=float)
    deals = np.maximum(0.0, target - pipeline) / plan.avg_deal_size
    deals_grid, after_target = deals_on_grid(plan, grid, deals, current.reach)
    free = free_by_stage(plan, grid)
    req = require(current, deals_grid, free)
    proposed = funnels[1] if len(funnels) > 1 else None
    return Basis(plan, grid, free, deals_grid, target, pipeline, req, proposed), deals, after_target


def calculate(plan: Plan) -> PlanResult:
    """Recalculate every figure of an accepted plan (see module docstring)."""
    n = plan.months
    b, deals, after_target = basis(plan)
    grid, req = b.grid, b.req
    spec = plan.lead_spec
    gate = gate_of(plan, spec)
    stage_required = (*(grid.plan(g) for g in req.gross), deals)
    spend, spend_total, spend_pre = spend_of(plan, req.paid, grid)

    budget = None if plan.approved_budget is None else np.asarray(plan.approved_budget, dtype=float)
    projection = None
    if budget is not None:
        projection = funded(b, budget, gate, None if gate is None else stage_required[gate])

    demand = utilization = capacity = None
    if plan.sales_hours_available is not None:
        hours = np.asarray(plan.sales_hours_available, dtype=float)
        per_item = [s.sales_hours for s in plan.stages]
        demand = sum((h * r for h, r in zip(per_item, stage_required, strict=True)), np.zeros(n))
        utilization = demand / hours  # validation keeps hours > 0
        capacity = capacity_limited(b, hours)

    proposed = plan.proposed_lead_spec
    change = None if proposed is None else spec_change(b, proposed, spend_total, spend_pre)
    return PlanResult(
        months=month_labels(plan.start, n),
        stage_names=tuple(s.name for s in plan.stages),
        effective_rates=req.rates,
        blended_paid_rate=req.rb,
        revenue_target=b.target,
        deals_required=deals,
        stage_required=stage_required,
        pre_plan=tuple(grid.pre(g) for g in req.gross),
        paid_leads=grid.plan(req.paid),
        paid_leads_pre_plan=grid.pre(req.paid),
        channel_names=tuple(c.name for c in plan.channels),
        channel_leads=tuple(c.mix * grid.plan(req.paid) for c in plan.channels),
        spend=tuple(spend),
        spend_total=spend_total,
        spend_pre_plan=spend_pre,
        approved_budget=budget,
        budget_gap=None if budget is None else spend_total - budget,
        gate_index=gate,
        spec_pass_rate=None if spec is None else pass_rate(spec),
        sales_demand=demand,
        sales_utilization=utilization,
        funded=projection,
        spec_change=change,
        capacity_limited=capacity,
        after_plan=_after_plan(b, req.funnel.reach, after_target),
        nurture=nurture_pool(b),
        lag_days=tuple(mean_lag_days(p) for p in req.funnel.timings),
        tracking=tracking(b, stage_required),
    )


__all__ = [
    "AfterPlanResult",
    "CapacityLimited",
    "Funded",
    "Funnel",
    "GridRequirement",
    "MonthGrid",
    "NurtureResult",
    "PlanResult",
    "SpecChange",
    "Tracking",
    "basis",
    "blended_rate",
    "calculate",
    "deals_on_grid",
    "effective_rates",
    "entered_rates",
    "free_by_stage",
    "funnel_of",
    "gate_of",
    "grid_for",
    "month_labels",
    "plan_timings",
    "require",
    "run_forward",
    "shown_lag_days",
]
