"""Every value the budget request caches, on the engine's month grid."""

from __future__ import annotations

from dataclasses import dataclass

from core.calc.engine import MonthGrid, PlanResult, free_by_stage, gate_of, plan_lags, require
from core.calc.funnel import FloatArray, Lag, forward_pass
from core.model.plan import Plan


@dataclass(frozen=True, eq=False)
class Numbers:
    """Every value the workbook caches, on the engine's month grid
    (``n_pre`` pre-plan months, then the plan's). Plan-month values are the
    engine's; the per-month pre-plan values come from the same core
    functions (:mod:`core.calc.funnel`) the engine runs."""

    result: PlanResult
    lags: tuple[Lag, ...]
    n_pre: int
    free: tuple[FloatArray, ...]
    deals: FloatArray
    gross: tuple[FloatArray, ...]
    net: tuple[FloatArray, ...]
    paid: FloatArray
    funded_bought: FloatArray | None
    funded_volumes: tuple[FloatArray, ...] | None
    proposed_rates: tuple[float, ...] | None
    proposed_rb: float | None
    proposed_flow: tuple[FloatArray, ...] | None
    proposed_gross: tuple[FloatArray, ...] | None
    proposed_net: tuple[FloatArray, ...] | None
    proposed_paid: FloatArray | None


def numbers(plan: Plan, result: PlanResult) -> Numbers:
    """The engine's grid-level figures (pre-plan months month by month,
    which PlanResult only totals), from the engine's own passes."""
    lags = plan_lags(plan)
    grid = MonthGrid(plan.months, lags)
    free = free_by_stage(plan, grid)
    deals = grid.spread(result.deals_required)
    req = require(plan, plan.lead_spec, lags, deals, free)
    paid = req.paid

    bought = volumes = None
    if result.funded is not None:
        bought = grid.spread(result.funded.paid_leads)
        volumes = forward_pass(bought, req.rb, req.rates, lags, free)

    p_rates = p_rb = p_flow = p_gross = p_net = p_paid = None
    if plan.proposed_lead_spec is not None:
        p_req = require(plan, plan.proposed_lead_spec, lags, deals, free)
        p_rates, p_rb = p_req.rates, p_req.rb
        p_flow = forward_pass(paid, p_rb, p_rates, lags, free)
        p_gross, p_net, p_paid = p_req.gross, p_req.net, p_req.paid
    return Numbers(
        result=result,
        lags=tuple(lags),
        n_pre=grid.offset,
        free=tuple(free),
        deals=deals,
        gross=req.gross,
        net=req.net,
        paid=paid,
        funded_bought=bought,
        funded_volumes=volumes,
        proposed_rates=p_rates,
        proposed_rb=p_rb,
        proposed_flow=p_flow,
        proposed_gross=p_gross,
        proposed_net=p_net,
        proposed_paid=p_paid,
    )


def qualified_stage(plan: Plan) -> int:
    """The stage whose volume the summary calls qualified leads: the lead
    spec's gate (current, else proposed); without a spec the stage before
    one named 'Opportunity'; failing that the stage before the won deal."""
    for spec in (plan.lead_spec, plan.proposed_lead_spec):
        gate = gate_of(plan, spec)
        if gate is not None:
            return gate
    opportunity = plan.stage_index("Opportunity")
    if opportunity is not None and opportunity >= 1:
        return opportunity - 1
    return max(0, len(plan.stages) - 2)
