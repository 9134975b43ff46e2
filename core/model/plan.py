"""The plan: immutable domain objects a marketing manager edits.

Every monthly series is a tuple of exactly ``months`` floats; the JSON and
workbook readers expand a scalar ("the same every month") into such a tuple.
Nothing here computes; see :mod:`core.calc.engine` for the funnel math and
:mod:`core.model.validation` for what makes a plan acceptable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

Series = tuple[float, ...]

PLAN_FORMAT = "funnel-plan/1"

# Bounds on every magnitude a plan can hold (checked by core.model.validation before
# anything is computed). Within them every figure the engine derives stays a
# finite float: at most 1e12 / 0.01 deals a month, divided by at most
# MAX_STAGES - 1 rates of at least MIN_RATE, times at most 1e12 per item,
# stays below 1e210, far from the float limit of 1.8e308.
MAX_MONTHS = 60
MAX_STAGES = 30
MAX_CHANNELS = 100
MAX_FREE_SOURCES = 100
MAX_CRITERIA = 100
MAX_SCENARIOS = 50
MAX_POINTS = 1000
"""Points of one criterion, either sign (the score distribution spans them)."""
MAX_LAG_DAYS = 3650.0
"""Ten years from one stage to the next."""
MAX_AMOUNT = 1e12
"""Money, volume and hours: a trillion per value."""
MIN_DEAL_SIZE = 0.01
"""The smallest average deal size (a cent): deals are revenue divided by it."""
MIN_SALES_HOURS = 0.01
"""The smallest sales hours available in a month: utilization is divided by it."""
MIN_RATE = 1e-6
"""The smallest conversion or pass rate (one in a million): requirements are divided by it."""
MAX_SAMPLE = 10**9
"""Leads a measured pass rate can rest on."""
MAX_PROFILE_MONTHS = 37
"""Entries of a lag profile: whole-month offsets 0..36."""
MAX_GROWTH = 10.0
"""Growth a year of the target after the plan (1,000 %)."""
MAX_NURTURE_MONTHS = 60
MAX_CONTINGENCY_SOURCES = 50
MIN_DRAWS = 100
MAX_DRAWS = 100_000

PassRateSource = Literal["criteria", "empirical"]


@dataclass(frozen=True)
class Stage:
    """A funnel stage ``S_k`` and the transition out of it.

    ``rate`` and ``lag_days`` describe the transition ``S_k -> S_k+1``; the
    last stage (the won deal) has neither (``None``). ``sales_hours`` is the
    sales time one item entering this stage costs.
    """

    name: str
    rate: float | None = None
    lag_days: float | None = None
    sales_hours: float = 0.0
    lag_profile: tuple[float, ...] | None = None
    """Shares of the items converting ``0, 1, 2, ...`` whole months after
    entering (cohort timing); given instead of ``lag_days``."""
    rate_sample: int | None = None
    """How many items the rate was measured on (None: not measured)."""


@dataclass(frozen=True)
class Criterion:
    """One criterion of the lead spec: whole ``points`` (may be negative),
    the ``share`` of leads reaching the gate that meet it, and whether a
    lead must meet it to qualify at all."""

    name: str
    points: int
    share: float
    required: bool = False
    share_sample: int | None = None


@dataclass(frozen=True)
class EmpiricalPassRate:
    """A pass rate measured on imported lead-level data: qualifying rows /
    rows reaching the gate, with the number of rows it rests on."""

    pass_rate: float
    sample: int


@dataclass(frozen=True)
class LeadSpec:
    """The qualified sales lead spec on the gate stage.

    Its pass rate replaces the entered rate of the transition into ``gate``.
    ``pass_rate_source`` says whether the criteria model or the measured
    (``empirical``) rate is in force.
    """

    gate: str
    threshold: float
    criteria: tuple[Criterion, ...] = ()
    empirical: EmpiricalPassRate | None = None
    pass_rate_source: PassRateSource = "criteria"


@dataclass(frozen=True)
class Channel:
    """A paid lead source: share of paid raw leads (``mix``), cost per raw
    lead, fixed cost per month, and an optional raw-to-next-stage rate
    (``None``: the rate of the first transition)."""

    name: str
    mix: float
    cost_per_lead: float
    fixed_cost: Series
    rate: float | None = None
    rate_sample: int | None = None


@dataclass(frozen=True)
class FreeSource:
    """Volume entering ``stage`` each month at no cost per item (organic
    inbound, leads maturing out of a nurture database)."""

    name: str
    stage: str
    volume: Series


AfterPlanMode = Literal["repeat", "none"]


@dataclass(frozen=True)
class AfterPlan:
    """What the plan assumes after its last month (the far edge).

    ``repeat``: the target goes on, the last (up to) 12 months repeated and
    grown by ``growth`` a year, so the plan's last months carry the leads for
    next year's first deals. ``none``: nothing is required after the plan (a
    one-off campaign)."""

    mode: AfterPlanMode = "repeat"
    growth: float = 0.0


@dataclass(frozen=True)
class Nurture:
    """The nurture pool of a lead development team on ``stage``.

    Of the leads failing the transition into ``stage``, the share
    ``recycle`` enters the pool; each month the share ``maturity`` of the
    pool becomes sales-ready and enters ``stage``, the share ``decay`` is
    lost, and a lead leaves after ``max_months``. ``stage`` None: the lead
    spec's gate. Optional capacity: hours per lead in the pool per month and
    hours available per month."""

    recycle: float
    maturity: float
    decay: float = 0.0
    max_months: int = 24
    stage: str | None = None
    hours_per_lead: float | None = None
    hours_available: Series | None = None


@dataclass(frozen=True)
class Actuals:
    """What happened in the months elapsed (``months``, 1..N): per stage (any
    subset, by name) the items that entered it each month, optionally the
    spend per channel. ``alarm_share``: the tracking alarm sounds when the
    projected qualified-lead deficit at observed rates exceeds this share of
    the requirement still to come (default 5 %)."""

    months: int
    stages: tuple[tuple[str, Series], ...] = ()
    spend: tuple[tuple[str, Series], ...] = ()
    alarm_share: float = 0.05


ContingencyObjective = Literal["fastest", "cheapest"]


@dataclass(frozen=True)
class ContingencySource:
    """A source of fast pipeline kept ready: it delivers items into ``stage``
    at ``cost_per_item``, at most ``max_per_month`` a month (one per plan
    month), from ``lead_time_months`` after the decision; ``rate`` (optional)
    replaces the rate of the transition out of ``stage`` for its items."""

    name: str
    stage: str
    cost_per_item: float
    max_per_month: Series
    lead_time_months: int
    rate: float | None = None


@dataclass(frozen=True)
class Contingency:
    """The contingency sources and what the plan to close a deficit aims at:
    ``fastest`` (cover as early as possible, then cheapest) or ``cheapest``
    (covered by the plan's end at least cost)."""

    objective: ContingencyObjective = "fastest"
    sources: tuple[ContingencySource, ...] = ()


@dataclass(frozen=True)
class Uncertainty:
    """How the plan's odds are drawn: ``draws`` (100..100,000) and ``seed``."""

    draws: int = 10_000
    seed: int = 0


@dataclass(frozen=True)
class Plan:
    """A complete plan. Optional inputs are ``None`` (not planned)."""

    name: str
    currency: str
    start: str
    months: int
    revenue_target: Series
    avg_deal_size: float
    stages: tuple[Stage, ...]
    pipeline_revenue: Series = ()
    lead_spec: LeadSpec | None = None
    proposed_lead_spec: LeadSpec | None = None
    channels: tuple[Channel, ...] = ()
    free_sources: tuple[FreeSource, ...] = ()
    approved_budget: Series | None = None
    sales_hours_available: Series | None = None
    notes: str = field(default="", compare=True)
    after_plan: AfterPlan = AfterPlan()
    nurture: Nurture | None = None
    actuals: Actuals | None = None
    contingency: Contingency | None = None
    uncertainty: Uncertainty | None = None

    def stage_index(self, name: str) -> int | None:
        """Index of the stage called ``name`` (case-insensitive), or None."""
        wanted = name.strip().casefold()
        for index, stage in enumerate(self.stages):
            if stage.name.strip().casefold() == wanted:
                return index
        return None

    def nurture_stage(self) -> int | None:
        """Index of the stage the nurture pool returns leads into: its own
        ``stage``, else the lead spec's gate (None without a pool)."""
        if self.nurture is None:
            return None
        name = self.nurture.stage
        if name is None and self.lead_spec is not None:
            name = self.lead_spec.gate
        return None if name is None else self.stage_index(name)

    def with_changes(self, **changes: object) -> Plan:
        """A copy with some fields replaced (the plan itself never changes)."""
        return replace(self, **changes)  # type: ignore[arg-type]


Severity = Literal["error", "warning"]

# A plan field path such as ``channels[1].cost_per_lead``: for programs, never shown.
_FIELD_PATH = re.compile(r"[A-Za-z_]\w*(\[\d+\])*(\.[A-Za-z_]\w*(\[\d+\])*)*")


@dataclass(frozen=True)
class Problem:
    """Something wrong with an input, as a value.

    ``field`` is a path into the plan such as ``stages[2].rate`` (the same
    path the JSON uses); ``location`` is filled in by a file reader (for a
    workbook: ``'Funnel'!C5``). ``message`` says what is wrong and what to do.
    """

    field: str
    message: str
    severity: Severity = "error"
    location: str = ""

    def __str__(self) -> str:
        """The problem in the person's words: where it is (for a file: file,
        sheet and cell), then what is wrong. The field path is for programs
        (marking a cell) and is never shown; a field already in words, such
        as ``mapping file, "header_row"``, is kept."""
        message = self.message.strip()
        field = self.field.strip()
        if field and not _FIELD_PATH.fullmatch(field):
            message = f"{field}: {message}"
        if self.severity != "error":
            message = f"warning: {message}"
        where = self.location.strip()
        if not where or message.startswith(where):
            return message
        return f"{where}: {message}"


class PlanRefused(Exception):
    """A plan (or file) that cannot be computed; carries every problem."""

    def __init__(self, problems: tuple[Problem, ...] | list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def errors_only(problems: tuple[Problem, ...] | list[Problem]) -> tuple[Problem, ...]:
    """The problems that refuse a plan (warnings do not)."""
    return tuple(p for p in problems if p.severity == "error")
