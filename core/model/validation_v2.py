"""The checks of the plan's v2 keys (funnel-math.md, "Bad input", v2):
timing profiles, the far edge, the nurture pool and sample sizes.

Each returns problems as values naming the field by its JSON path; the
readers translate the path into a file, sheet and cell. Called by
:func:`core.model.validation.validate_inputs`.
"""

from __future__ import annotations

import math

from core.model.checks import _finite, _fmt, check_amount, check_series
from core.model.plan import (
    MAX_GROWTH,
    MAX_NURTURE_MONTHS,
    MAX_PROFILE_MONTHS,
    MAX_SAMPLE,
    Plan,
    Problem,
    Stage,
)

PROFILE_TOLERANCE = 1e-6


def check_profile(stage: Stage, path: str, label: str) -> list[Problem]:
    """A lag profile: 1..37 shares by whole month, each >= 0, summing to 1
    within 1e-6, and not given together with days to the next stage."""
    profile = stage.lag_profile
    if profile is None:
        return []
    field = f"{path}.lag_profile"
    if stage.lag_days is not None:
        return [
            Problem(
                field,
                f"{label}: give either the days to the next stage or a timing profile by month, not both.",
            )
        ]
    if not profile:
        return [Problem(field, f"{label}: the timing profile is empty; give the share converting in each month.")]
    if len(profile) > MAX_PROFILE_MONTHS:
        return [
            Problem(
                field,
                f"{label}: the timing profile has {len(profile):,} months; it can cover at most "
                f"{MAX_PROFILE_MONTHS} (the month of entry and 36 more).",
            )
        ]
    for j, share in enumerate(profile):
        if not _finite(share) or share < 0 or share > 1:
            return [
                Problem(
                    f"{field}[{j}]",
                    f"{label}: the timing share of month {j} must be between 0 and 1; it is {_fmt(share)}.",
                )
            ]
    total = math.fsum(profile)
    if abs(total - 1.0) > PROFILE_TOLERANCE:
        return [
            Problem(
                field,
                f"{label}: the timing shares by month add up to {total:.6g}; they must add up to 1 (100%).",
            )
        ]
    return []


def check_sample(value: object, field: str, label: str) -> list[Problem]:
    """A sample size: a whole number of items from 1 up (None: not measured)."""
    if value is None:
        return []
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SAMPLE:
        return [
            Problem(
                field,
                f"{label}: the number of items it was measured on must be a whole number from 1 to "
                f"{MAX_SAMPLE:,}; it is {_fmt(value)}.",
            )
        ]
    return []


def check_samples(plan: Plan) -> list[Problem]:
    """Every sample size of the plan (stages, channels, criteria)."""
    problems: list[Problem] = []
    for k, stage in enumerate(plan.stages):
        problems += check_sample(stage.rate_sample, f"stages[{k}].rate_sample", f"Stage '{stage.name}' rate")
    for j, channel in enumerate(plan.channels):
        problems += check_sample(channel.rate_sample, f"channels[{j}].rate_sample", f"Channel '{channel.name}' rate")
    for spec, path in ((plan.lead_spec, "lead_spec"), (plan.proposed_lead_spec, "proposed_lead_spec")):
        if spec is None:
            continue
        for i, criterion in enumerate(spec.criteria):
            problems += check_sample(
                criterion.share_sample, f"{path}.criteria[{i}].share_sample", f"Criterion '{criterion.name}' share"
            )
    return problems


def check_after_plan(plan: Plan) -> list[Problem]:
    """The far edge: mode 'repeat' or 'none'; growth in (-1, 10]."""
    after = plan.after_plan
    if after.mode not in ("repeat", "none"):
        return [
            Problem(
                "after_plan.mode",
                f"After the plan: say 'repeat' (the target goes on) or 'none' (nothing after the plan); "
                f"it says '{after.mode}'.",
            )
        ]
    growth = after.growth
    if not _finite(growth) or not -1.0 < growth <= MAX_GROWTH:
        return [
            Problem(
                "after_plan.growth",
                "Growth after the plan must be more than -100% and at most 1,000% a year "
                f"(e.g. 0.1 for 10%); it is {_fmt(growth)}.",
            )
        ]
    return []


def _nurture_stage_problems(plan: Plan) -> list[Problem]:
    nurture = plan.nurture
    assert nurture is not None
    if nurture.stage is None and plan.lead_spec is None:
        return [
            Problem(
                "nurture.stage",
                "Nurture pool: say which stage the nurtured leads return to (e.g. SQL); "
                "without a lead spec there is no gate to default to.",
            )
        ]
    name = nurture.stage if nurture.stage is not None else (plan.lead_spec.gate if plan.lead_spec else "")
    index = plan.stage_index(name)
    if index is None:
        if nurture.stage is None:
            return []  # the spec's gate is refused on its own
        names = ", ".join(s.name for s in plan.stages)
        return [Problem("nurture.stage", f"Nurture pool: '{name}' is not a stage of the funnel ({names}).")]
    if index < 2:
        return [
            Problem(
                "nurture.stage",
                f"Nurture pool: leads cannot return to '{plan.stages[index].name}', the funnel's "
                f"{'first' if index == 0 else 'second'} stage; nurtured leads return to the third stage or below "
                "(e.g. SQL), so that every lead tested converts at the same rate.",
            )
        ]
    return []


def _share_problem(value: float, field: str, what: str, low_open: bool = False) -> list[Problem]:
    ok = _finite(value) and (0.0 < value <= 1.0 if low_open else 0.0 <= value <= 1.0)
    if ok:
        return []
    bound = "more than 0 and at most 1" if low_open else "between 0 and 1"
    return [Problem(field, f"Nurture pool: the {what} must be {bound} (e.g. 0.1 for 10%); it is {_fmt(value)}.")]


def check_nurture(plan: Plan) -> list[Problem]:
    """The nurture pool: on a stage from S2 down (the spec's gate by
    default); recycle and decay in [0, 1], maturity in (0, 1], maturity +
    decay at most 1; months in the pool 1..60; lead-development hours
    both given or neither, hours available above 0."""
    nurture = plan.nurture
    if nurture is None:
        return []
    problems = _nurture_stage_problems(plan)
    problems += _share_problem(nurture.recycle, "nurture.recycle", "share of failing leads recycled into the pool")
    problems += _share_problem(nurture.maturity, "nurture.maturity", "share maturing each month", low_open=True)
    problems += _share_problem(nurture.decay, "nurture.decay", "share lost each month (decay)")
    if not problems and nurture.maturity + nurture.decay > 1.0 + 1e-12:
        problems.append(
            Problem(
                "nurture.decay",
                f"Nurture pool: the shares maturing ({nurture.maturity:.0%}) and lost ({nurture.decay:.0%}) "
                "each month add up to more than 100%.",
            )
        )
    months = nurture.max_months
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_NURTURE_MONTHS:
        problems.append(
            Problem(
                "nurture.max_months",
                f"Nurture pool: the months a lead stays in the pool must be a whole number from 1 to "
                f"{MAX_NURTURE_MONTHS}; it is {_fmt(months)}.",
            )
        )
    problems += _check_hours(plan)
    return problems


def _check_hours(plan: Plan) -> list[Problem]:
    nurture = plan.nurture
    assert nurture is not None
    per_lead, available = nurture.hours_per_lead, nurture.hours_available
    if per_lead is None and available is None:
        return []
    if per_lead is None or available is None:
        missing = "hours per lead in the pool" if per_lead is None else "lead-development hours available"
        field = "nurture.hours_per_lead" if per_lead is None else "nurture.hours_available"
        return [Problem(field, f"Nurture pool: give the {missing} too, or neither.")]
    problems = check_amount(per_lead, "nurture.hours_per_lead", "Nurture pool: hours per lead a month", "hours")
    problems += check_series(
        available,
        plan.months,
        "nurture.hours_available",
        "Nurture pool: lead-development hours available",
        "hours",
        minimum=0.01,
    )
    return problems


def validate_v2(plan: Plan) -> list[Problem]:
    """Every problem of the v2 keys (stage profiles are checked with the stages)."""
    return check_after_plan(plan) + check_nurture(plan) + check_samples(plan)
