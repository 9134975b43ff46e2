"""A full recalculation of a plan: every number of funnel-math.md.

:func:`calculate` takes a plan that :func:`core.calc.feasibility.validate`
accepted and returns a :class:`PlanResult`. All arrays in the result cover
the plan's months ``0 .. N-1``; pre-plan volumes are reported as totals.
Nothing is rounded here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.calc.calendar import month_labels as month_labels  # re-exported: callers read labels here too
from core.calc.funnel import FloatArray, Lag, forward_pass, reverse_pass
from core.calc.lead_spec import pass_rate
from core.model.plan import Channel, LeadSpec, Plan, Series


@dataclass(frozen=True, eq=False)
class Funded:
    """The forward projection of what the approved budget buys."""

    paid_leads: FloatArray
    stage_volume: tuple[FloatArray, ...]
    revenue: FloatArray
    revenue_gap: FloatArray
    gate_deficit: FloatArray | None


@dataclass(frozen=True, eq=False)
class SpecChange:
    """Current vs proposed lead spec with the current plan's lead flow.

    ``gate_deficit = G_g - E'_g``: the qualified-lead deficit that appears
    when today's required paid lead flow meets the proposed spec. The
    reverse pass under the proposed spec gives the paid leads and spend
    that close it (``extra_*`` = proposed minus current).
    """

    gate: str
    pass_rate_current: float
    pass_rate_proposed: float
    gate_volume_current: FloatArray
    gate_volume_proposed: FloatArray
    gate_deficit: FloatArray
    paid_leads: FloatArray
    paid_leads_pre_plan: float
    extra_paid_leads: FloatArray
    extra_paid_leads_pre_plan: float
    spend_total: FloatArray
    extra_spend: FloatArray
    extra_spend_pre_plan: float


@dataclass(frozen=True, eq=False)
class CapacityLimited:
    """The required lead flow run forward when sales can convert only the
    fraction ``min(1, H/demand)`` of each month's items that need sales time."""

    absorbed_share: FloatArray
    revenue: FloatArray
    revenue_gap: FloatArray


@dataclass(frozen=True, eq=False)
class PlanResult:
    """Everything the planner shows for a plan (unrounded)."""

    months: tuple[str, ...]
    stage_names: tuple[str, ...]
    effective_rates: tuple[float, ...]
    blended_paid_rate: float
    revenue_target: FloatArray
    deals_required: FloatArray
    stage_required: tuple[FloatArray, ...]
    pre_plan: tuple[float, ...]
    paid_leads: FloatArray
    paid_leads_pre_plan: float
    channel_names: tuple[str, ...]
    channel_leads: tuple[FloatArray, ...]
    spend: tuple[FloatArray, ...]
    spend_total: FloatArray
    spend_pre_plan: float
    approved_budget: FloatArray | None
    budget_gap: FloatArray | None
    gate_index: int | None
    spec_pass_rate: float | None
    sales_demand: FloatArray | None
    sales_utilization: FloatArray | None
    funded: Funded | None
    spec_change: SpecChange | None
    capacity_limited: CapacityLimited | None


def gate_of(plan: Plan, spec: LeadSpec | None) -> int | None:
    """Index of the stage the spec sits on (None without a spec)."""
    return None if spec is None else plan.stage_index(spec.gate)


def entered_rates(plan: Plan) -> list[float]:
    """The rates of the transitions as entered (without any lead spec)."""
    return [float(s.rate if s.rate is not None else 0.0) for s in plan.stages[:-1]]


def effective_rates(plan: Plan, spec: LeadSpec | None) -> tuple[float, ...]:
    """Transition rates with the spec's pass rate on the one into its gate."""
    rates = entered_rates(plan)
    gate = gate_of(plan, spec)
    if spec is not None and gate is not None and gate >= 1:
        rates[gate - 1] = pass_rate(spec)
    return tuple(rates)


def blended_rate(channels: tuple[Channel, ...], first_rate: float) -> float:
    """``rb = sum_j m_j * r_j`` with ``r_j`` defaulting to ``c_0``.

    Without paid channels the base rate ``c_0`` (paid leads are then
    counted in base-rate units, as the requirement itself)."""
    if not channels:
        return first_rate
    return sum(c.mix * (c.rate if c.rate is not None else first_rate) for c in channels)


def plan_lags(plan: Plan) -> list[Lag]:
    """The lag of every transition, split into whole months and a fraction."""
    return [Lag.from_days(float(s.lag_days or 0.0)) for s in plan.stages[:-1]]


class MonthGrid:
    """The month grid every pass runs on: ``offset`` pre-plan months (enough
    for the longest chain of lags), then the plan's ``n`` months."""

    def __init__(self, n: int, lags: list[Lag]) -> None:
        self.n = n
        self.offset = sum(lag.reach for lag in lags) + 1
        self.size = self.offset + n

    def spread(self, series: Series | FloatArray) -> FloatArray:
        """A plan-month series on the grid, zero before the plan."""
        out = np.zeros(self.size)
        out[self.offset :] = series
        return out

    def plan(self, grid_series: FloatArray) -> FloatArray:
        """The plan's months of a grid series."""
        return grid_series[self.offset :]

    def pre(self, grid_series: FloatArray) -> float:
        """The pre-plan total of a grid series."""
        return float(grid_series[: self.offset].sum())


def free_by_stage(plan: Plan, grid: MonthGrid) -> list[FloatArray]:
    """Free volume entering each stage ``0 .. K`` on the grid (zero before the plan)."""
    free = [np.zeros(grid.size) for _ in plan.stages]
    for source in plan.free_sources:
        index = plan.stage_index(source.stage)
        if index is not None:
            free[index] += grid.spread(source.volume)
    return free


@dataclass(frozen=True, eq=False)
class GridRequirement:
    """The reverse pass under one lead spec, on the whole grid: effective
    rates, gross and net requirement per stage ``k < K``, paid raw leads
    ``P = Q_0 * c_0 / rb`` and the blended paid rate ``rb``."""

    rates: tuple[float, ...]
    gross: tuple[FloatArray, ...]
    net: tuple[FloatArray, ...]
    paid: FloatArray
    rb: float


def require(
    plan: Plan, spec: LeadSpec | None, lags: list[Lag], deals: FloatArray, free: list[FloatArray]
) -> GridRequirement:
    """The reverse pass from deals on the grid (see :class:`GridRequirement`)."""
    rates = effective_rates(plan, spec)
    req = reverse_pass(deals, rates, lags, free[:-1])
    rb = blended_rate(plan.channels, rates[0])
    paid = req.net[0] * rates[0] / rb
    return GridRequirement(rates, req.gross, req.net, paid, rb)


def _spend(plan: Plan, paid: FloatArray, grid: MonthGrid) -> tuple[list[FloatArray], FloatArray, float]:
    """Per-channel in-plan spend, their total, and pre-plan variable spend."""
    spend = []
    pre = 0.0
    total = np.zeros(grid.n)
    for channel in plan.channels:
        leads = channel.mix * paid
        variable = channel.cost_per_lead * leads
        s = grid.plan(variable) + np.asarray(channel.fixed_cost, dtype=float)
        spend.append(s)
        total = total + s
        pre += grid.pre(variable)
    return spend, total, pre


def calculate(plan: Plan) -> PlanResult:
    """Recalculate every figure of an accepted plan (see module docstring)."""
    n = plan.months
    lags = plan_lags(plan)
    grid = MonthGrid(n, lags)
    target = np.asarray(plan.revenue_target, dtype=float)
    pipeline = np.asarray(plan.pipeline_revenue or (0.0,) * n, dtype=float)
    deals = np.maximum(0.0, target - pipeline) / plan.avg_deal_size
    deals_grid = grid.spread(deals)
    free = free_by_stage(plan, grid)

    spec = plan.lead_spec
    gate = gate_of(plan, spec)
    req = require(plan, spec, lags, deals_grid, free)
    stage_required = (*(grid.plan(g) for g in req.gross), deals)
    pre_plan = tuple(grid.pre(g) for g in req.gross)

    spend, spend_total, spend_pre = _spend(plan, req.paid, grid)
    channel_leads = tuple(c.mix * grid.plan(req.paid) for c in plan.channels)

    budget = None if plan.approved_budget is None else np.asarray(plan.approved_budget, dtype=float)
    budget_gap = None if budget is None else spend_total - budget

    funded = None
    if budget is not None:
        at_gate = None if gate is None else stage_required[gate]
        funded = _funded(plan, grid, lags, req, free, budget, target, pipeline, gate, at_gate)

    demand = utilization = None
    capacity = None
    if plan.sales_hours_available is not None:
        hours = np.asarray(plan.sales_hours_available, dtype=float)
        per_item = [s.sales_hours for s in plan.stages]
        demand = sum((h * r for h, r in zip(per_item, stage_required, strict=True)), np.zeros(n))
        utilization = demand / hours  # validation keeps hours > 0
        capacity = _capacity_limited(plan, grid, lags, req, free, hours, target, pipeline)

    spec_change = None
    proposed = plan.proposed_lead_spec
    if proposed is not None:
        spec_change = _spec_change(plan, grid, lags, req, free, deals_grid, proposed, spend_total, spend_pre)

    return PlanResult(
        months=month_labels(plan.start, n),
        stage_names=tuple(s.name for s in plan.stages),
        effective_rates=req.rates,
        blended_paid_rate=req.rb,
        revenue_target=target,
        deals_required=deals,
        stage_required=stage_required,
        pre_plan=pre_plan,
        paid_leads=grid.plan(req.paid),
        paid_leads_pre_plan=grid.pre(req.paid),
        channel_names=tuple(c.name for c in plan.channels),
        channel_leads=channel_leads,
        spend=tuple(spend),
        spend_total=spend_total,
        spend_pre_plan=spend_pre,
        approved_budget=budget,
        budget_gap=budget_gap,
        gate_index=gate,
        spec_pass_rate=None if spec is None else pass_rate(spec),
        sales_demand=demand,
        sales_utilization=utilization,
        funded=funded,
        spec_change=spec_change,
        capacity_limited=capacity,
    )


def _funded(
    plan: Plan,
    grid: MonthGrid,
    lags: list[Lag],
    req: GridRequirement,
    free: list[FloatArray],
    budget: FloatArray,
    target: FloatArray,
    pipeline: FloatArray,
    gate: int | None,
    required_at_gate: FloatArray | None,
) -> Funded:
    """``F[t] = min(P[t], max(0, B[t] - sum_j Fix_j[t]) / sum_j m_j*CPL_j)``,
    zero before the plan; run forward; revenue ``E_K*D + Pipe``."""
    fixed = sum((np.asarray(c.fixed_cost, dtype=float) for c in plan.channels), np.zeros(grid.n))
    per_lead = sum(c.mix * c.cost_per_lead for c in plan.channels)
    required = grid.plan(req.paid)
    if not plan.channels:
        bought = np.zeros(grid.n)
    elif per_lead > 0:
        # what the budget buys can exceed any float for a near-zero cost per
        # lead; the requirement caps it anyway, so buy the requirement there
        affordable = np.maximum(0.0, budget - fixed)
        bought = required.copy()
        short = affordable < required * per_lead
        bought[short] = affordable[short] / per_lead
    else:
        bought = required.copy()
    volumes = forward_pass(grid.spread(bought), req.rb, req.rates, lags, free)
    in_plan = tuple(grid.plan(v) for v in volumes)
    revenue = in_plan[-1] * plan.avg_deal_size + pipeline
    deficit = None
    if gate is not None and required_at_gate is not None:
        deficit = required_at_gate - in_plan[gate]
    return Funded(bought, in_plan, revenue, target - revenue, deficit)


def _capacity_limited(
    plan: Plan,
    grid: MonthGrid,
    lags: list[Lag],
    req: GridRequirement,
    free: list[FloatArray],
    hours: FloatArray,
    target: FloatArray,
    pipeline: FloatArray,
) -> CapacityLimited:
    """Run the required flow forward, letting items that need sales time
    convert only in the share ``min(1, H/demand)`` of their month.

    Demand comes from the unlimited forward volumes; before the plan,
    capacity is not known and not limited.
    """
    per_item = [s.sales_hours for s in plan.stages]
    volumes = forward_pass(req.paid, req.rb, req.rates, lags, free)
    demand = sum((h * v for h, v in zip(per_item, volumes, strict=True)), np.zeros(grid.size))
    hours_grid = np.full(grid.size, np.inf)
    hours_grid[grid.offset :] = hours
    share = np.ones(grid.size)
    short = demand > hours_grid  # never before the plan: hours there are infinite
    share[short] = hours_grid[short] / demand[short]
    throttle = [share if h > 0 else None for h in per_item]
    limited = forward_pass(req.paid, req.rb, req.rates, lags, free, throttle)
    revenue = grid.plan(limited[-1]) * plan.avg_deal_size + pipeline
    return CapacityLimited(grid.plan(share), revenue, target - revenue)


def _spec_change(
    plan: Plan,
    grid: MonthGrid,
    lags: list[Lag],
    current: GridRequirement,
    free: list[FloatArray],
    deals_grid: FloatArray,
    proposed: LeadSpec,
    spend_total: FloatArray,
    spend_pre: float,
) -> SpecChange:
    gate = plan.stage_index(proposed.gate)
    assert gate is not None and gate >= 1, "validation guarantees a gate below S0"
    proposed_req = require(plan, proposed, lags, deals_grid, free)
    # Today's flow: every paid lead the current plan requires, pre-plan included,
    # so the deficit shown is the spec's doing and not the plan's start.
    flow_current = forward_pass(current.paid, current.rb, current.rates, lags, free)
    flow_proposed = forward_pass(current.paid, proposed_req.rb, proposed_req.rates, lags, free)
    _, new_total, new_pre = _spend(plan, proposed_req.paid, grid)
    required_at_gate = grid.plan(current.gross[gate]) if gate < len(current.gross) else grid.plan(deals_grid)
    gate_volume = grid.plan(flow_proposed[gate])
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
    )
