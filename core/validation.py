"""What makes a plan acceptable (funnel-math.md, "Bad input").

:func:`validate` returns every problem at once, each naming its field by
the path the JSON format uses (``stages[2].rate``), so a file reader can
translate it into a file, sheet and cell, and the app can mark the cell.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from core.lead_spec import criteria_pass_rate, highest_score
from core.plan import MAX_MONTHS, LeadSpec, Plan, Problem, Series

SHARE_TOLERANCE = 1e-6
_START = re.compile(r"^(\d{4})-(\d{2})$")


def _finite(x: float) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _fmt(x: float) -> str:
    return f"{x:g}" if _finite(x) else str(x)


def check_rate(value: float, field: str, what: str) -> list[Problem]:
    """A conversion rate must lie in (0, 1]."""
    if not _finite(value):
        return [Problem(field, f"{what}: the rate must be a number, not {_fmt(value)}.")]
    if not 0.0 < value <= 1.0:
        return [
            Problem(
                field,
                f"{what}: the rate must be more than 0 and at most 1 (e.g. 0.25 for 25%); it is {_fmt(value)}.",
            )
        ]
    return []


def check_share(value: float, field: str, what: str) -> list[Problem]:
    """A share must lie in [0, 1]."""
    if not _finite(value) or not 0.0 <= value <= 1.0:
        return [Problem(field, f"{what}: the share must be between 0 and 1 (e.g. 0.4 for 40%); it is {_fmt(value)}.")]
    return []


def check_amount(value: float, field: str, what: str, unit: str, positive: bool = False) -> list[Problem]:
    """A volume, cost, lag or hours figure: finite and not negative
    (strictly positive where ``positive``)."""
    if not _finite(value):
        return [Problem(field, f"{what}: must be a number of {unit}, not {_fmt(value)}.")]
    if positive and value <= 0:
        return [Problem(field, f"{what}: must be more than 0 {unit}; it is {_fmt(value)}.")]
    if value < 0:
        return [Problem(field, f"{what}: cannot be negative; it is {_fmt(value)} {unit}.")]
    return []


def check_series(
    values: Series, months: int, field: str, what: str, unit: str, positive: bool = False
) -> list[Problem]:
    """Every month of a series is a valid amount, and there is one per month."""
    problems: list[Problem] = []
    if len(values) != months and 1 <= months <= MAX_MONTHS:
        problems.append(
            Problem(
                field,
                f"{what}: needs one value per plan month ({months}), or one value for every month; it has {len(values)}.",
            )
        )
    if _all_valid_amounts(values, positive):
        return problems  # the common case, checked without a loop in Python
    if len(values) > 1 and len({repr(v) for v in values}) == 1:
        # the same value every month (usually one number given for all): say it once
        return problems + check_amount(values[0], field, f"{what} (every month)", unit, positive)
    for index, value in enumerate(values):
        problems += check_amount(value, f"{field}[{index}]", f"{what}, month {index + 1}", unit, positive)
    return problems


def _all_valid_amounts(values: Series, positive: bool) -> bool:
    """True when every value is a finite number, not negative (positive)."""
    try:
        lowest = min(values, default=1.0)
        total = math.fsum(values)
    except (TypeError, ValueError, OverflowError):
        return False
    if not math.isfinite(total) or any(isinstance(v, bool) for v in values):
        return False
    return lowest > 0 if positive else lowest >= 0


def _check_calendar(plan: Plan) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(plan.months, int) or not 1 <= plan.months <= MAX_MONTHS:
        problems.append(Problem("months", f"The plan must cover 1 to {MAX_MONTHS} months; it says {plan.months}."))
    match = _START.match(plan.start)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        problems.append(
            Problem("start", f"The start month must be written YYYY-MM (e.g. 2027-01); it is '{plan.start}'.")
        )
    return problems


def _check_stages(plan: Plan) -> list[Problem]:
    problems: list[Problem] = []
    if len(plan.stages) < 2:
        problems.append(Problem("stages", "The funnel needs at least two stages: a raw lead and a won deal."))
    seen: dict[str, int] = {}
    last = len(plan.stages) - 1
    for k, stage in enumerate(plan.stages):
        path = f"stages[{k}]"
        label = f"Stage '{stage.name}'"
        if not stage.name.strip():
            problems.append(Problem(f"{path}.name", f"Stage {k + 1} has no name; give every stage a name."))
        key = stage.name.strip().casefold()
        if key and key in seen:
            problems.append(
                Problem(
                    f"{path}.name",
                    f"{label}: the name is used twice (also stage {seen[key] + 1}); stage names must be unique.",
                )
            )
        seen.setdefault(key, k)
        if k < last:
            problems += check_rate(stage.rate if stage.rate is not None else math.nan, f"{path}.rate", label)
            problems += check_amount(
                stage.lag_days if stage.lag_days is not None else 0.0, f"{path}.lag_days", f"{label} lag", "days"
            )
        problems += check_amount(stage.sales_hours, f"{path}.sales_hours", f"{label} sales hours per item", "hours")
    return problems


def check_lead_spec(plan: Plan, spec: LeadSpec, path: str) -> list[Problem]:
    """A spec sits on a stage below the first; its criteria are sound and
    its threshold reachable; it passes some leads."""
    problems: list[Problem] = []
    gate = plan.stage_index(spec.gate)
    if gate is None:
        names = ", ".join(s.name for s in plan.stages)
        problems.append(
            Problem(f"{path}.gate", f"The lead spec's gate '{spec.gate}' is not a stage of the funnel ({names}).")
        )
    elif gate == 0:
        problems.append(
            Problem(
                f"{path}.gate",
                f"The lead spec cannot sit on the first stage '{spec.gate}'; put it on the stage leads qualify into (e.g. SQL).",
            )
        )
    if not _finite(spec.threshold):
        problems.append(
            Problem(f"{path}.threshold", f"The threshold must be a number of points, not {_fmt(spec.threshold)}.")
        )
    criteria_ok = True
    for i, criterion in enumerate(spec.criteria):
        cpath = f"{path}.criteria[{i}]"
        label = f"Criterion '{criterion.name}'"
        if not criterion.name.strip():
            problems.append(Problem(f"{cpath}.name", f"Criterion {i + 1} has no name."))
        if isinstance(criterion.points, bool) or not isinstance(criterion.points, int):
            criteria_ok = False
            problems.append(
                Problem(
                    f"{cpath}.points",
                    f"{label}: points must be a whole number (negative allowed); it is {criterion.points}.",
                )
            )
        share = check_share(criterion.share, f"{cpath}.share", label)
        criteria_ok = criteria_ok and not share
        problems += share
    if criteria_ok and _finite(spec.threshold):
        top = highest_score(spec)
        if top < spec.threshold:
            problems.append(
                Problem(
                    f"{path}.threshold",
                    f"No lead can reach the threshold of {_fmt(spec.threshold)} points: the most a lead can score is {top}. Lower the threshold or add points.",
                )
            )
        elif spec.pass_rate_source == "criteria" and criteria_pass_rate(spec) <= 0.0:
            problems.append(
                Problem(
                    f"{path}.criteria",
                    "The spec passes no lead at all (a required criterion has share 0, or the points above the threshold come only from criteria no lead meets).",
                )
            )
    if spec.empirical is not None:
        problems += check_rate(spec.empirical.pass_rate, f"{path}.empirical.pass_rate", "Measured pass rate")
        if (
            isinstance(spec.empirical.sample, bool)
            or not isinstance(spec.empirical.sample, int)
            or spec.empirical.sample < 0
        ):
            problems.append(
                Problem(
                    f"{path}.empirical.sample",
                    f"The sample size must be a whole number of leads; it is {spec.empirical.sample}.",
                )
            )
    if spec.pass_rate_source not in ("criteria", "empirical"):
        problems.append(
            Problem(f"{path}.pass_rate_source", f"Say 'criteria' or 'empirical'; it says '{spec.pass_rate_source}'.")
        )
    elif spec.pass_rate_source == "empirical" and spec.empirical is None:
        problems.append(
            Problem(
                f"{path}.pass_rate_source",
                "The measured pass rate is chosen but none was imported; choose 'criteria' or import lead-level data.",
            )
        )
    return problems


def _check_channels(plan: Plan) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for j, channel in enumerate(plan.channels):
        path = f"channels[{j}]"
        label = f"Channel '{channel.name}'"
        if not channel.name.strip():
            problems.append(Problem(f"{path}.name", f"Channel {j + 1} has no name."))
        if channel.name.strip().casefold() in seen:
            problems.append(Problem(f"{path}.name", f"{label}: the name is used twice; channel names must be unique."))
        seen.add(channel.name.strip().casefold())
        problems += check_share(channel.mix, f"{path}.mix", f"{label} mix")
        problems += check_amount(
            channel.cost_per_lead, f"{path}.cost_per_lead", f"{label} cost per lead", "currency units"
        )
        if channel.rate is not None:
            problems += check_rate(channel.rate, f"{path}.rate", f"{label} raw-to-next-stage rate")
        problems += check_series(
            channel.fixed_cost, plan.months, f"{path}.fixed_cost", f"{label} fixed cost", "currency units"
        )
    if plan.channels and all(_finite(c.mix) for c in plan.channels):
        total = math.fsum(c.mix for c in plan.channels)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            problems.append(
                Problem(
                    "channels",
                    f"The channel mix shares add up to {total:.6g}; they must add up to 1 (100%). Adjust the mix.",
                )
            )
    return problems


def _check_free_sources(plan: Plan) -> list[Problem]:
    problems: list[Problem] = []
    for i, source in enumerate(plan.free_sources):
        path = f"free_sources[{i}]"
        label = f"Free source '{source.name}'"
        index = plan.stage_index(source.stage)
        if index is None:
            problems.append(Problem(f"{path}.stage", f"{label}: '{source.stage}' is not a stage of the funnel."))
        elif index == len(plan.stages) - 1:
            problems.append(
                Problem(
                    f"{path}.stage",
                    f"{label}: free volume cannot enter as won deals; enter expected deals as pipeline revenue.",
                )
            )
        problems += check_series(source.volume, plan.months, f"{path}.volume", f"{label} volume", "items")
    return problems


def _check_paid_requirement(plan: Plan) -> list[Problem]:
    """Without paid channels, free sources must cover the whole requirement."""
    if plan.channels:
        return []
    from core.engine import calculate  # late: the engine needs a valid plan

    paid = calculate(plan).paid_leads
    if float(paid.sum()) > 1e-9:
        return [
            Problem(
                "channels",
                f"The plan needs {math.ceil(float(paid.sum()) - 1e-9):,} paid raw leads but has no paid channel; add a channel or raise the free sources.",
            )
        ]
    return []


def _gate_warning(plan: Plan) -> list[Problem]:
    spec = plan.lead_spec
    if spec is None or plan.stage_index(spec.gate) != 1:
        return []
    if any(c.rate is not None for c in plan.channels):
        return [
            Problem(
                "lead_spec.gate",
                "The lead spec sits on the second stage, where channel rates also apply: paid leads convert at the channels' rates, not the spec's pass rate.",
                severity="warning",
            )
        ]
    return []


def validate(plan: Plan) -> tuple[Problem, ...]:
    """Every problem of the plan at once (errors refuse it, warnings do not).

    Checks: months 1..60 and a YYYY-MM start; one value per month in every
    series; rates in (0, 1]; shares in [0, 1] and channel mix summing to 1
    within 1e-6; no negative volume, cost, lag or hours; a positive deal
    size; unique stage names; a gate below the first stage; a reachable
    threshold; NaN or infinity nowhere; paid channels where free sources do
    not cover the requirement.
    """
    problems = _check_calendar(plan)
    months = plan.months
    problems += check_series(plan.revenue_target, months, "revenue_target", "Revenue target", "currency units")
    problems += check_amount(plan.avg_deal_size, "avg_deal_size", "Average deal size", "currency units", positive=True)
    if plan.pipeline_revenue:
        problems += check_series(
            plan.pipeline_revenue, months, "pipeline_revenue", "Pipeline revenue", "currency units"
        )
    problems += _check_stages(plan)
    if plan.lead_spec is not None:
        problems += check_lead_spec(plan, plan.lead_spec, "lead_spec")
    if plan.proposed_lead_spec is not None:
        proposed = plan.proposed_lead_spec
        problems += check_lead_spec(plan, proposed, "proposed_lead_spec")
        current = plan.lead_spec
        if current is not None and proposed.gate.strip().casefold() != current.gate.strip().casefold():
            problems.append(
                Problem(
                    "proposed_lead_spec.gate",
                    f"The proposed spec must sit on the same gate as the current one ('{current.gate}').",
                )
            )
    problems += _check_channels(plan)
    problems += _check_free_sources(plan)
    if plan.approved_budget is not None:
        problems += check_series(plan.approved_budget, months, "approved_budget", "Approved budget", "currency units")
    if plan.sales_hours_available is not None:
        problems += check_series(
            plan.sales_hours_available, months, "sales_hours_available", "Sales hours available", "hours", positive=True
        )
    if not any(p.severity == "error" for p in problems):
        problems += _check_paid_requirement(plan)
        problems += _gate_warning(plan)
    return tuple(problems)


def has_errors(problems: Iterable[Problem]) -> bool:
    """True when any problem refuses the plan."""
    return any(p.severity == "error" for p in problems)
