"""The forward projections of a plan (funnel-math.md, "Forward pass",
"Sales capacity", "The far edge", "Nurture"): what the approved budget
buys, what sales can absorb, what the plan carries into next year, the
nurture pool, and the spec change. Each takes the grid-level reverse pass
of :mod:`core.calc.grid` and returns plan-month figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from core.calc.funnel import FloatArray, maturing
from core.calc.grid import Funnel, GridRequirement, MonthGrid, funnel_of, require, run_forward
from core.calc.results import CapacityLimited, Funded, NurtureResult, SpecChange
from core.model.plan import LeadSpec, Plan


@dataclass(frozen=True, eq=False)
class Basis:
    """What every projection starts from: the plan, its grid, free sources
    on it, deals on it (far edge included), the target and pipeline in
    plan months, and the required flow under the current spec."""

    plan: Plan
    grid: MonthGrid
    free: list[FloatArray]
    deals: FloatArray
    target: FloatArray
    pipeline: FloatArray
    req: GridRequirement
    proposed: Funnel | None = None
    """The funnel under the proposed lead spec (None without one)."""

    @property
    def horizon(self) -> int:
        """Grid months up to the plan's end: what a projection shown for the
        plan's months needs (the months after it cannot change them)."""
        return self.grid.offset + self.grid.n

    @cached_property
    def required_flow(self) -> tuple[FloatArray, ...]:
        """The required paid flow ``P`` and the free sources run forward,
        up to the plan's end (shared by capacity, the pool and the spec change)."""
        return self.forward(self.req.funnel, self.req.paid)

    def forward(
        self, funnel: Funnel, paid: FloatArray, throttle: list[FloatArray | None] | None = None
    ) -> tuple[FloatArray, ...]:
        """``paid`` and the free sources run forward through ``funnel`` up to the plan's end."""
        h = self.horizon
        limits = None if throttle is None else [None if t is None else t[:h] for t in throttle]
        return run_forward(funnel, paid[:h], [f[:h] for f in self.free], limits)


def bought_leads(plan: Plan, required: FloatArray, budget: FloatArray) -> FloatArray:
    """``F[t] = min(P[t], max(0, B[t] - sum_j Fix_j[t]) / sum_j m_j*CPL_j)`` in plan months."""
    fixed = sum((np.asarray(c.fixed_cost, dtype=float) for c in plan.channels), np.zeros(len(required)))
    per_lead = sum(c.mix * c.cost_per_lead for c in plan.channels)
    if not plan.channels:
        return np.zeros(len(required))
    if per_lead <= 0:
        return required.copy()
    # what the budget buys can exceed any float for a near-zero cost per
    # lead; the requirement caps it anyway, so buy the requirement there
    affordable = np.maximum(0.0, budget - fixed)
    bought = required.copy()
    short = affordable < required * per_lead
    bought[short] = affordable[short] / per_lead
    return bought


def funded_flow(b: Basis, bought: FloatArray) -> FloatArray:
    """The funded paid flow on the grid: ``P`` before the plan (the pre-plan
    requirement is reported on its own, so the projection assumes it was
    met), what the budget buys in the plan's months, nothing after."""
    flow = b.req.paid.copy()
    grid = b.grid
    flow[grid.offset : grid.offset + grid.n] = bought
    flow[grid.offset + grid.n :] = 0.0
    return flow


def funded(b: Basis, budget: FloatArray, gate: int | None, required_at_gate: FloatArray | None) -> Funded:
    """What the approved budget buys, run forward; revenue ``E_K*D + Pipe``."""
    bought = bought_leads(b.plan, b.grid.plan(b.req.paid), budget)
    volumes = b.forward(b.req.funnel, funded_flow(b, bought))
    in_plan = tuple(b.grid.plan(v) for v in volumes)
    revenue = in_plan[-1] * b.plan.avg_deal_size + b.pipeline
    deficit = None
    if gate is not None and required_at_gate is not None:
        deficit = required_at_gate - in_plan[gate]
    return Funded(bought, in_plan, revenue, b.target - revenue, deficit)


def capacity_limited(b: Basis, hours: FloatArray) -> CapacityLimited:
    """Run the required flow forward, letting items that need sales time
    convert only in the share ``min(1, H/demand)`` of their month.

    Demand comes from the unlimited forward volumes; outside the plan,
    capacity is not known and not limited.
    """
    grid = b.grid
    per_item = [s.sales_hours for s in b.plan.stages]
    demand = sum((h * v for h, v in zip(per_item, b.required_flow, strict=True)), np.zeros(b.horizon))
    hours_grid = np.full(b.horizon, np.inf)
    hours_grid[grid.offset :] = hours
    share = np.ones(b.horizon)
    short = demand > hours_grid  # never before the plan: hours there are infinite
    share[short] = hours_grid[short] / demand[short]
    throttle: list[FloatArray | None] = [share if h > 0 else None for h in per_item]
    limited = b.forward(b.req.funnel, b.req.paid, throttle)
    revenue = grid.plan(limited[-1]) * b.plan.avg_deal_size + b.pipeline
    return CapacityLimited(grid.plan(share), revenue, b.target - revenue)


def carried_deals(b: Basis) -> float:
    """Deals the plan's own months carry into next year: the required paid
    flow and the free sources of the plan's months only (0 before and
    after) run forward; ``sum_{t>=N} E_K[t]``."""
    grid = b.grid
    own = grid.spread(grid.plan(b.req.paid))
    free = [grid.spread(grid.plan(f)) for f in b.free]
    volumes = run_forward(b.req.funnel, own, free)
    return float(grid.beyond(volumes[-1]).sum())


def pool_flow(plan: Plan, funnel: Funnel, upper: FloatArray, stage: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """On the grid, for the items ``upper`` entering ``S_{h-1}``: leads
    recycled ``rho*(1-c)*A[t]`` with ``A[t] = sum_j p[j]*E_{h-1}[t-j]``, the
    pool at the start of the month ``Pool[t] = sum_{d=1..M} recycled[t-d] *
    (1-mu-delta)^(d-1)``, and the leads matured into the stage ``mu*Pool[t]``."""
    nurture = plan.nurture
    assert nurture is not None
    c = funnel.rates[stage - 1]
    arriving = np.convolve(upper, funnel.timings[stage - 1])[: len(upper)]
    recycled = nurture.recycle * (1.0 - c) * arriving
    m = maturing(nurture.maturity, nurture.decay, nurture.max_months)
    staying = m / nurture.maturity  # (1-mu-delta)^(d-1) for d >= 1, 0 for d = 0
    pool = np.convolve(recycled, staying)[: len(upper)]
    return recycled, pool, nurture.maturity * pool


def nurture_pool(b: Basis) -> NurtureResult | None:
    """The nurture pool of the required flow run forward over the grid."""
    plan, grid = b.plan, b.grid
    h = plan.nurture_stage()
    nurture = plan.nurture
    if nurture is None or h is None:
        return None
    recycled, pool, matured = pool_flow(plan, b.req.funnel, b.required_flow[h - 1], h)
    utilization = None
    if nurture.hours_per_lead is not None and nurture.hours_available is not None:
        utilization = nurture.hours_per_lead * grid.plan(pool) / np.asarray(nurture.hours_available, dtype=float)
    return NurtureResult(
        stage=plan.stages[h].name,
        stage_index=h,
        recycled=grid.plan(recycled),
        pool=grid.plan(pool),
        matured=grid.plan(matured),
        utilization=utilization,
    )


def spend_of(plan: Plan, paid: FloatArray, grid: MonthGrid) -> tuple[list[FloatArray], FloatArray, float]:
    """Per-channel in-plan spend ``CPL_j * m_j * P + Fix_j``, their total, and
    the pre-plan variable spend."""
    if not plan.channels:
        return [], np.zeros(grid.n), 0.0
    per_lead = np.array([c.cost_per_lead * c.mix for c in plan.channels])
    fixed = np.array([c.fixed_cost for c in plan.channels], dtype=float)
    spend = np.outer(per_lead, grid.plan(paid)) + fixed
    pre = float(per_lead.sum()) * grid.pre(paid)
    return list(spend), spend.sum(axis=0), pre


def spec_change(b: Basis, proposed: LeadSpec, spend_total: FloatArray, spend_pre: float) -> SpecChange:
    """Today's required flow (pre-plan included) under the proposed spec:
    the deficit it leaves at the gate, and what the reverse pass under the
    proposed spec needs to close it."""
    plan, grid, current = b.plan, b.grid, b.req
    gate = plan.stage_index(proposed.gate)
    assert gate is not None and gate >= 1, "validation guarantees a gate below S0"
    funnel = b.proposed if b.proposed is not None else funnel_of(plan, proposed, list(current.funnel.timings))
    proposed_req = require(funnel, b.deals, b.free)
    # Today's flow: every paid lead the current plan requires, pre-plan included,
    # so the deficit shown is the spec's doing and not the plan's start.
    flow_current = b.required_flow
    flow_proposed = b.forward(proposed_req.funnel, current.paid)
    _, new_total, new_pre = spend_of(plan, proposed_req.paid, grid)
    required_at_gate = grid.plan(current.gross[gate]) if gate < len(current.gross) else grid.plan(b.deals)
    gate_volume = grid.plan(flow_proposed[gate])
    won_back = None
    h = plan.nurture_stage()
    if h is not None:
        _, _, back_now = pool_flow(plan, current.funnel, flow_current[h - 1], h)
        _, _, back_new = pool_flow(plan, proposed_req.funnel, flow_proposed[h - 1], h)
        won_back = grid.plan(back_new - back_now)
    return SpecChange(
        gate=plan.stages[gate].name,
        pass_rate_current=current.rates[gate - 1],
        pass_rate_proposed=proposed_req.rates[gate - 1],
        gate_volume_current=grid.plan(flow_current[gate]),
        gate_volume_proposed=gate_volume,
        gate_deficit=required_at_gate - gate_volume,
        paid_leads=grid.plan(proposed_req.paid),
        paid_leads_pre_plan=grid.pre(proposed_req.paid),
        extra_paid_leads=grid.plan(proposed_req.paid - current.paid),
        extra_paid_leads_pre_plan=grid.pre(proposed_req.paid - current.paid),
        spend_total=new_total,
        extra_spend=new_total - spend_total,
        extra_spend_pre_plan=new_pre - spend_pre,
        nurture_won_back=won_back,
    )
