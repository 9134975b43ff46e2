"""Every value the budget request caches, on the engine's month grid."""

from __future__ import annotations

from dataclasses import dataclass

from core.calc import figures
from core.calc.engine import Funnel, PlanResult, basis, funnel_of, require, run_forward
from core.calc.funnel import FloatArray
from core.calc.projections import funded_flow
from core.model.plan import Plan


@dataclass(frozen=True, eq=False)
class Numbers:
    """Every value the workbook caches, on the engine's month grid
    (``n_pre`` pre-plan months, the plan's, then ``n_after`` months after
    it). Plan-month values are the engine's; the per-month values before and
    after the plan come from the engine's own passes (:func:`core.calc.engine.basis`)."""

    result: PlanResult
    funnel: Funnel  # the kernels under the current spec
    n_pre: int
    n_after: int  # months after the plan the grid holds (0 with after_plan 'none')
    free: tuple[FloatArray, ...]
    deals: FloatArray
    target: FloatArray  # the revenue target on the grid, the far edge's after the plan
    gross: tuple[FloatArray, ...]
    net: tuple[FloatArray, ...]
    paid: FloatArray
    funded_bought: FloatArray | None  # on the grid: P before the plan, what the budget buys in it
    funded_volumes: tuple[FloatArray, ...] | None
    proposed_funnel: Funnel | None
    proposed_flow: tuple[FloatArray, ...] | None
    proposed_gross: tuple[FloatArray, ...] | None
    proposed_net: tuple[FloatArray, ...] | None
    proposed_paid: FloatArray | None
    adopted: PlanResult | None  # the plan with its proposed spec adopted (with an approved budget)
    adopted_bought: FloatArray | None  # on the grid, as funded_bought
    adopted_volumes: tuple[FloatArray, ...] | None

    @property
    def proposed_rates(self) -> tuple[float, ...] | None:
        return None if self.proposed_funnel is None else self.proposed_funnel.rates

    @property
    def proposed_rb(self) -> float | None:
        return None if self.proposed_funnel is None else self.proposed_funnel.rb


def numbers(plan: Plan, result: PlanResult) -> Numbers:
    """The engine's grid-level figures (months before and after the plan
    month by month, which PlanResult only totals), from the engine's own passes."""
    b, _, after_target = basis(plan)
    grid, req, free = b.grid, b.req, b.free
    target = grid.spread(b.target)
    start = grid.offset + grid.n
    target[start : start + len(after_target)] = after_target

    bought = volumes = None
    if result.funded is not None:
        bought = funded_flow(b, result.funded.paid_leads)
        volumes = run_forward(req.funnel, bought, free)

    p_funnel = p_flow = p_gross = p_net = p_paid = None
    adopted = a_bought = a_volumes = None
    if plan.proposed_lead_spec is not None:
        p_funnel = funnel_of(plan, plan.proposed_lead_spec, list(req.funnel.timings))
        p_req = require(p_funnel, b.deals, free)
        p_flow = run_forward(p_funnel, req.paid, free)
        p_gross, p_net, p_paid = p_req.gross, p_req.net, p_req.paid
        adopted = figures.adopted_result(plan, result)
        if adopted is not None and adopted.funded is not None:
            a_bought = p_req.paid.copy()
            a_bought[grid.offset : start] = adopted.funded.paid_leads
            a_bought[start:] = 0.0
            a_volumes = run_forward(p_funnel, a_bought, free)
    return Numbers(
        result=result,
        funnel=req.funnel,
        n_pre=grid.offset,
        n_after=0 if plan.after_plan.mode == "none" else grid.after,
        free=tuple(free),
        deals=b.deals,
        target=target,
        gross=req.gross,
        net=req.net,
        paid=req.paid,
        funded_bought=bought,
        funded_volumes=volumes,
        proposed_funnel=p_funnel,
        proposed_flow=p_flow,
        proposed_gross=p_gross,
        proposed_net=p_net,
        proposed_paid=p_paid,
        adopted=adopted,
        adopted_bought=a_bought,
        adopted_volumes=a_volumes,
    )


def qualified_stage(plan: Plan) -> int:
    """The stage whose volume is called qualified leads (:func:`core.calc.figures.qualified_stage`:
    the lead spec's gate, else the proposed spec's, else a stage named SQL, else the stage before
    Opportunity, else the stage before the won deal)."""
    return figures.qualified_stage(plan)[0]
