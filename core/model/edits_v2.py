"""Plan edits of the v2 inputs, as pure functions (see :mod:`core.model.edits`,
which re-exports them): a transition's timing (a mean lag in days or a
profile of shares by month), what the plan assumes after its last month,
and the nurture pool of a lead development team.

Each returns the new plan or a :class:`Problem` in the person's words; the
field of a refusal is the plan path (for programs, never shown).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from core.model.plan import (
    MAX_GROWTH,
    MAX_LAG_DAYS,
    MAX_PROFILE_MONTHS,
    AfterPlan,
    AfterPlanMode,
    Nurture,
    Plan,
    Problem,
    Stage,
)
from core.model.validation_v2 import check_profile

Edited = Plan | Problem

DAYS_PER_MONTH = 365.25 / 12
"""The constant month a lag in days is converted with (funnel-math.md, Calendar)."""

NURTURE_FIELDS = ("recycle", "maturity", "decay", "max_months", "stage", "hours_per_lead", "hours_available")


# ----- timing -----------------------------------------------------------------------------------


def timing_shares(stage: Stage) -> tuple[float, ...]:
    """The stage's timing as shares by whole-month offset: its profile, or
    the two months its mean lag in days falls between (``1 - f`` in month
    ``a``, ``f`` in month ``a + 1``; funnel-math.md, Timing distributions)."""
    if stage.lag_profile is not None:
        return tuple(stage.lag_profile)
    months = max(0.0, stage.lag_days or 0.0) / DAYS_PER_MONTH
    whole = math.floor(months)
    part = months - whole
    shares = [0.0] * (whole + 2)
    shares[whole] = 1.0 - part
    shares[whole + 1] = part
    while len(shares) > 1 and shares[-1] == 0.0:
        shares.pop()
    return tuple(shares)


def mean_lag_days(shares: Sequence[float]) -> float:
    """The mean lag of shares by month, in days (what the planner shows as the lag)."""
    return DAYS_PER_MONTH * math.fsum(j * p for j, p in enumerate(shares))


def convolve(first: Sequence[float], second: Sequence[float]) -> tuple[float, ...]:
    """The timing of two steps one after the other (their shares convolved)."""
    out = [0.0] * (len(first) + len(second) - 1)
    for i, a in enumerate(first):
        for j, b in enumerate(second):
            out[i + j] += a * b
    while len(out) > 1 and out[-1] == 0.0:
        out.pop()
    return tuple(out)


def merged_timing(above: Stage, stage: Stage) -> Stage | str:
    """``above`` taking the timing of its own step and ``stage``'s together
    (removing ``stage``): both mean lags, their sum; with a profile on
    either, the two timings convolved, so every item arrives when it would
    have. A string says why it cannot (for :func:`remove_stage`)."""
    if above.lag_profile is None and stage.lag_profile is None:
        lag = (above.lag_days or 0.0) + (stage.lag_days or 0.0)
        if lag > MAX_LAG_DAYS:
            return "take over ten years to the next stage"
        return replace(above, lag_days=lag)
    shares = convolve(timing_shares(above), timing_shares(stage))
    if len(shares) > MAX_PROFILE_MONTHS:
        return f"take longer than {MAX_PROFILE_MONTHS - 1} months, the longest a timing profile covers"
    return replace(above, lag_days=None, lag_profile=shares)


def set_stage_timing(
    plan: Plan, index: int, lag_days: float | None = None, profile: Sequence[float] | None = None
) -> Edited:
    """The timing of the step out of the stage at ``index``: a mean lag in
    ``lag_days`` or a ``profile`` of shares by month (offset 0 = the month
    the item enters), exactly one of them; the other is cleared. Trailing
    zero shares are dropped. Refused: the won deal (no step out of it), both
    or neither given, a lag outside 0 to ten years, a profile that is empty,
    too long, has a share outside 0 to 100% or does not add up to 100%."""
    if not 0 <= index < len(plan.stages) - 1:
        return Problem("stages", "The won deal is the end of the funnel; it has no timing to the next stage.")
    stage = plan.stages[index]
    field = f"stages[{index}]"
    if (lag_days is None) == (profile is None):
        return Problem(f"{field}.lag_days", "Give either the days to the next stage or a timing profile, not both.")
    if lag_days is not None:
        if not (math.isfinite(lag_days) and 0.0 <= lag_days <= MAX_LAG_DAYS):
            return Problem(
                f"{field}.lag_days",
                f"Stage '{stage.name}': the days to the next stage must be from 0 to {MAX_LAG_DAYS:,.0f} "
                f"(ten years); it is {lag_days:g}.",
            )
        return _with_stage(plan, index, replace(stage, lag_days=float(lag_days), lag_profile=None))
    assert profile is not None
    shares = [float(p) for p in profile]
    while len(shares) > 1 and shares[-1] == 0.0:
        shares.pop()
    timed = replace(stage, lag_days=None, lag_profile=tuple(shares))
    problems = check_profile(timed, field, f"Stage '{stage.name}'")
    if problems:
        return problems[0]
    return _with_stage(plan, index, timed)


def _with_stage(plan: Plan, index: int, stage: Stage) -> Plan:
    return plan.with_changes(stages=(*plan.stages[:index], stage, *plan.stages[index + 1 :]))


# ----- after the plan ---------------------------------------------------------------------------


def set_after_plan(plan: Plan, mode: AfterPlanMode, growth: float | None = None) -> Edited:
    """What the plan assumes after its last month: ``repeat`` (the target
    goes on, growing ``growth`` a year; None keeps the growth entered) or
    ``none`` (a one-off campaign; the growth is kept for switching back).
    Refused: another mode, a growth of -100% or less or above 1,000%."""
    if mode not in ("repeat", "none"):
        return Problem("after_plan.mode", "Say whether the target goes on after the plan or nothing follows it.")
    new_growth = plan.after_plan.growth if growth is None else growth
    if not (math.isfinite(new_growth) and -1.0 < new_growth <= MAX_GROWTH):
        return Problem(
            "after_plan.growth",
            f"Growth after the plan must be more than -100% and at most {MAX_GROWTH * 100:,.0f}% a year; "
            f"it is {new_growth * 100:g}%.",
        )
    return plan.with_changes(after_plan=AfterPlan(mode=mode, growth=float(new_growth)))


# ----- nurture pool -------------------------------------------------------------------------------


def default_nurture(plan: Plan) -> Nurture:
    """A starting nurture pool: half of the failing leads recycled, 10% of
    the pool maturing and 2% lost a month, two years at most; on the lead
    spec's gate, or without a spec on the third stage (the first a pool can
    return leads to) or the last when the funnel is shorter."""
    stage = None if plan.lead_spec is not None else plan.stages[min(2, len(plan.stages) - 1)].name
    return Nurture(recycle=0.5, maturity=0.1, decay=0.02, max_months=24, stage=stage)


def set_nurture(plan: Plan, on: bool) -> Edited:
    """Turn the nurture pool on (the pool it had, else :func:`default_nurture`)
    or off. Refused: a pool on a funnel of fewer than three stages (leads
    return to the third stage or below)."""
    if not on:
        return plan.with_changes(nurture=None)
    if plan.nurture is not None:
        return plan
    if len(plan.stages) < 3:
        return Problem(
            "nurture", "A nurture pool returns leads to the third stage or below; the funnel needs three stages."
        )
    return plan.with_changes(nurture=default_nurture(plan))


def set_nurture_field(plan: Plan, name: str, value: object) -> Edited:
    """One input of the nurture pool (``recycle``, ``maturity``, ``decay``,
    ``max_months``, ``stage``, ``hours_per_lead``, ``hours_available``).
    A stage that is the lead spec's gate is stored as None (it then follows
    the gate). Entering hours available as one number sets every month.
    The values are judged by the plan's validation. Refused: no pool, an
    unknown input."""
    if plan.nurture is None:
        return Problem("nurture", "Turn the nurture pool on first.")
    if name not in NURTURE_FIELDS:
        return Problem("nurture", f"The nurture pool has no input called '{name}'.")
    if name == "stage" and isinstance(value, str):
        gate = plan.lead_spec.gate if plan.lead_spec is not None else None
        if gate is not None and plan.stage_index(value) == plan.stage_index(gate):
            value = None
    if name == "hours_available" and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = (float(value),) * plan.months
    changes: dict[str, Any] = {name: value}
    return plan.with_changes(nurture=replace(plan.nurture, **changes))
