"""Every value the budget request caches, on the engine's month grid."""

from __future__ import annotations

from dataclasses import dataclass

from core.calc import figures
from core.calc.engine import MonthGrid, PlanResult, free_by_stage, plan_lags, require
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
    adopted: PlanResult | None  # the plan with its proposed spec adopted (with an approved budget)


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
    adopted = None
    if plan.proposed_lead_spec is not None:
        p_req = require(plan, plan.proposed_lead_spec, lags, deals, free)
        p_rates, p_rb = p_req.rates, p_req.rb
        p_flow = forward_pass(paid, p_rb, p_rates, lags, free)
        p_gross, p_net, p_paid = p_req.gross, p_req.net, p_req.paid
        adopted = figures.adopted_result(plan, result)
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
        adopted=adopted,
    )


def qualified_stage(plan: Plan) -> int:
    """The stage whose volume is called qualified leads (:func:`core.calc.figures.qualified_stage`:
    the lead spec's gate, else the proposed spec's, else a stage named SQL, else the stage before
    Opportunity, else the stage before the won deal)."""
    return figures.qualified_stage(plan)[0]
