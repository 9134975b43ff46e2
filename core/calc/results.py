"""The results of a recalculation (funnel-math.md): what the planner
shows, exports and prints, unrounded. Built by :mod:`core.calc.engine`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.calc.calendar import month_labels
from core.calc.funnel import FloatArray
from core.calc.grid import Funnel

if TYPE_CHECKING:  # for the annotations only: the draws need a PlanResult, and the LP needs scipy (loaded when used)
    from core.calc.contingency_lp import ContingencyPlan
    from core.calc.uncertainty import UncertaintyResult


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
    nurture_won_back: FloatArray | None = None
    """Per plan month, the extra leads the nurture pool returns to the gate
    under the proposed spec (more leads fail, more are recycled): the part of
    the deficit the pool wins back later. None without a pool."""


@dataclass(frozen=True, eq=False)
class CapacityLimited:
    """The required lead flow run forward when sales can convert only the
    fraction ``min(1, H/demand)`` of each month's items that need sales time."""

    absorbed_share: FloatArray
    revenue: FloatArray
    revenue_gap: FloatArray


@dataclass(frozen=True, eq=False)
class AfterPlanResult:
    """The far edge: the mode, the months ``R`` after the plan the target is
    assumed to go on, that target and its deals, and what the plan's own
    months carry over (deals and revenue arriving after the plan)."""

    mode: str
    months: int
    revenue_target: FloatArray
    deals_required: FloatArray
    carried_deals: float
    carried_revenue: float
    start: str
    """The first month after the plan (YYYY-MM)."""

    @property
    def month_labels(self) -> tuple[str, ...]:
        """``YYYY-MM`` of each month after the plan (built when asked: up to
        ~150 labels no recalculation needs)."""
        return month_labels(self.start, self.months)


@dataclass(frozen=True, eq=False)
class NurtureResult:
    """The nurture pool for the required flow, per plan month: leads
    recycled into it, the pool at the start of the month, the leads it
    returns to ``stage`` (matured), and the lead-development team's
    utilization (with hours)."""

    stage: str
    stage_index: int
    recycled: FloatArray
    pool: FloatArray
    matured: FloatArray
    utilization: FloatArray | None


@dataclass(frozen=True, eq=False)
class Forecast:
    """One projection of the year: per stage the volume entering it each
    plan month, revenue ``E_K*D + Pipe``, revenue gap ``T - R`` and, with a
    gate, the gate deficit ``G_g - E_g``."""

    stage_volume: tuple[FloatArray, ...]
    revenue: FloatArray
    revenue_gap: FloatArray
    gate_deficit: FloatArray | None


@dataclass(frozen=True, eq=False)
class Tracking:
    """Plan vs actual vs the two forecasts (see the module docstring).

    ``observed_rates`` maps the upper stage of each transition with actuals
    on both sides to its observed rate; ``planned_rates`` the same stages to
    the plan's total rate ``R_k``. ``projected_deficit`` is the gate deficit
    still to come at observed rates, ``remaining_requirement`` the gate
    requirement of the months to come, and ``alarm`` whether the first
    exceeds the plan's alarm share of the second."""

    months_elapsed: int
    gate: int | None
    gate_required: FloatArray | None
    gate_actual: FloatArray | None
    gate_variance: FloatArray | None
    gate_variance_cumulative: FloatArray | None
    observed_rates: dict[str, float]
    planned_rates: dict[str, float]
    forecast: Forecast
    forecast_observed: Forecast
    observed_funnel: Funnel
    projected_deficit: float
    remaining_requirement: float
    alarm: bool
    spend_actual: FloatArray | None


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
    after_plan: AfterPlanResult
    nurture: NurtureResult | None
    lag_days: tuple[float, ...]
    """The lag shown per transition: the mean of its timing, in days."""
    tracking: Tracking | None = None
    contingency: dict[str, ContingencyPlan] | None = None
    """The contingency plans by the deficit they close (``spec_change``,
    ``tracking``): filled in by :func:`core.calc.contingency.with_contingency`,
    None until then (a linear program is not run on every edit)."""
    uncertainty: UncertaintyResult | None = None
    """The odds (P50/P80/P90, the chance to hit the target): filled in by
    :func:`core.calc.outlook.complete` when any rate has a sample; the draws
    take longer than an edit may."""
