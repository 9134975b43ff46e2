"""The month grid and the funnel's kernels every pass runs on
(funnel-math.md, "Calendar", "Timing distributions", "The far edge").

:func:`funnel_of` builds the kernels of a plan under one lead spec (the
nurture path included); :class:`MonthGrid` spans the pre-plan months, the
plan and the months after it; :func:`require` is the reverse pass from
deals on that grid, :func:`run_forward` the forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.calc.funnel import (
    FloatArray,
    Kernel,
    forward_pass,
    maturing,
    mean_lag_days,
    nurture_kernel,
    plain_kernel,
    reverse_pass,
    timing_from_days,
    timing_from_profile,
)
from core.calc.lead_spec import pass_rate
from core.model.plan import Channel, LeadSpec, Plan, Series, Stage


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


def timing_of(stage: Stage) -> FloatArray:
    """A transition's timing ``p``: from its lag profile, else its mean lag in days."""
    if stage.lag_profile is not None:
        return timing_from_profile(stage.lag_profile)
    return timing_from_days(float(stage.lag_days or 0.0))


def plan_timings(plan: Plan) -> list[FloatArray]:
    """The timing distribution of every transition ``k = 0 .. K-1``."""
    return [timing_of(s) for s in plan.stages[:-1]]


def shown_lag_days(plan: Plan) -> tuple[float, ...]:
    """The lag the planner shows per transition: the mean of its timing in days."""
    return tuple(mean_lag_days(p) for p in plan_timings(plan))


@dataclass(frozen=True, eq=False)
class Funnel:
    """The kernels of every transition under one lead spec: effective rates
    ``c_k``, kernels ``K_k`` (the nurture path included), the blended paid
    rate ``rb`` and the paid kernel of transition 0, ``rb * p_0``."""

    rates: tuple[float, ...]
    timings: tuple[FloatArray, ...]
    kernels: tuple[Kernel, ...]
    paid_kernel: Kernel
    rb: float

    @property
    def reach(self) -> int:
        """``sum_k J_k``: how far (months) the funnel reaches from raw lead to deal."""
        return sum(k.reach for k in self.kernels)


def funnel_of(plan: Plan, spec: LeadSpec | None, timings: list[FloatArray] | None = None) -> Funnel:
    """The kernels of the plan under ``spec`` (see :class:`Funnel`)."""
    rates = effective_rates(plan, spec)
    p = timings if timings is not None else plan_timings(plan)
    kernels = [plain_kernel(c, pk) for c, pk in zip(rates, p, strict=True)]
    h = plan.nurture_stage()
    nurture = plan.nurture
    if nurture is not None and h is not None and h >= 1:
        m = maturing(nurture.maturity, nurture.decay, nurture.max_months)
        kernels[h - 1] = nurture_kernel(rates[h - 1], p[h - 1], nurture.recycle, m)
    rb = blended_rate(plan.channels, rates[0])
    return Funnel(rates, tuple(p), tuple(kernels), Kernel.of(rb * p[0]), rb)


class MonthGrid:
    """The month grid every pass runs on: ``offset`` pre-plan months (enough
    for the longest chain of kernels), the plan's ``n`` months, then
    ``after`` months past the plan (the far edge)."""

    def __init__(self, n: int, reach: int) -> None:
        self.n = n
        self.offset = reach + 1
        self.after = reach
        self.size = self.offset + n + reach

    def spread(self, series: Series | FloatArray) -> FloatArray:
        """A plan-month series on the grid, zero before and after the plan."""
        out = np.zeros(self.size)
        out[self.offset : self.offset + self.n] = series
        return out

    def plan(self, grid_series: FloatArray) -> FloatArray:
        """The plan's months of a grid series."""
        return grid_series[self.offset : self.offset + self.n]

    def pre(self, grid_series: FloatArray) -> float:
        """The pre-plan total of a grid series."""
        return float(grid_series[: self.offset].sum())

    def beyond(self, grid_series: FloatArray) -> FloatArray:
        """The months after the plan of a grid series."""
        return grid_series[self.offset + self.n :]

    def before(self, grid_series: FloatArray) -> FloatArray:
        """The series with everything after the plan set to 0 (what the plan's
        own and earlier months hold)."""
        out = grid_series.copy()
        out[self.offset + self.n :] = 0.0
        return out


def grid_for(plan: Plan, *funnels: Funnel) -> MonthGrid:
    """A grid wide enough for every funnel given (the proposed spec's too)."""
    return MonthGrid(plan.months, max(f.reach for f in funnels))


def free_by_stage(plan: Plan, grid: MonthGrid) -> list[FloatArray]:
    """Free volume entering each stage ``0 .. K`` on the grid (zero outside the plan)."""
    free = [np.zeros(grid.size) for _ in plan.stages]
    for source in plan.free_sources:
        index = plan.stage_index(source.stage)
        if index is not None:
            free[index] += grid.spread(source.volume)
    return free


def target_after_plan(plan: Plan, months: int) -> FloatArray:
    """The far edge's target: ``T[N+i] = T[N-L + (i mod L)] * (1+g)^(floor(i/L)+1)``,
    ``L = min(12, N)``, for ``i = 0 .. months-1`` (mode 'none': no months)."""
    if plan.after_plan.mode == "none" or months <= 0:
        return np.zeros(0)
    n = plan.months
    span = min(12, n)
    target = np.asarray(plan.revenue_target, dtype=float)
    i = np.arange(months)
    years = i // span + 1
    grown: FloatArray = target[n - span + i % span] * np.power(1.0 + plan.after_plan.growth, years)
    return grown


def deals_on_grid(plan: Plan, grid: MonthGrid, deals: FloatArray, reach: int) -> tuple[FloatArray, FloatArray]:
    """``W`` on the whole grid: the plan's deals, then ``T/D`` for the
    ``reach`` months after the plan (far edge); and the target after it."""
    after = target_after_plan(plan, reach)
    w = grid.spread(deals)
    start = grid.offset + grid.n
    w[start : start + len(after)] = after / plan.avg_deal_size
    return w, after


@dataclass(frozen=True, eq=False)
class GridRequirement:
    """The reverse pass under one lead spec, on the whole grid: its funnel,
    gross and net requirement per stage ``k < K``, paid raw leads
    ``P = Q_0 * c_0 / rb``."""

    funnel: Funnel
    gross: tuple[FloatArray, ...]
    net: tuple[FloatArray, ...]
    paid: FloatArray

    @property
    def rates(self) -> tuple[float, ...]:
        return self.funnel.rates

    @property
    def rb(self) -> float:
        return self.funnel.rb


def require(funnel: Funnel, deals: FloatArray, free: list[FloatArray]) -> GridRequirement:
    """The reverse pass from deals on the grid (see :class:`GridRequirement`)."""
    req = reverse_pass(deals, funnel.kernels, free[:-1])
    paid = req.net[0] * funnel.rates[0] / funnel.rb
    return GridRequirement(funnel, req.gross, req.net, paid)


def run_forward(
    funnel: Funnel, paid: FloatArray, free: list[FloatArray], throttle: list[FloatArray | None] | None = None
) -> tuple[FloatArray, ...]:
    """A paid lead flow and the free sources run forward through ``funnel``."""
    return forward_pass(paid, funnel.paid_kernel, funnel.kernels, free, throttle)
