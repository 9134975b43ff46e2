"""What makes a plan acceptable (funnel-math.md, "Bad input").

:func:`validate` returns every problem at once, each naming its field by
the path the JSON format uses (``stages[2].rate``), so a file reader can
translate it into a file, sheet and cell, and the app can mark the cell.

Every magnitude is bounded (see the limits in :mod:`core.model.plan`): counts and
months are checked first, so that a plan with ten thousand stages is
refused without looking at each one, and an accepted plan never computes
an infinite or undefined figure.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable

from core.model.checks import (
    _finite,
    _fmt,
    _limit,
    check_amount,
    check_money,
    check_rate,
    check_series,
    check_share,
)
from core.model.plan import (
    MAX_CHANNELS,
    MAX_CRITERIA,
    MAX_FREE_SOURCES,
    MAX_LAG_DAYS,
    MAX_MONTHS,
    MAX_POINTS,
    MAX_SAMPLE,
    MAX_SCENARIOS,
    MAX_STAGES,
    MIN_DEAL_SIZE,
    MIN_SALES_HOURS,
    LeadSpec,
    Plan,
    Problem,
)
from core.model.validation_v2 import check_profile, validate_v2
from core.model.validation_year import validate_year

SHARE_TOLERANCE = 1e-6
_START = re.compile(r"^(\d{4})-(\d{2})$")
_MAX_THRESHOLD = MAX_POINTS * MAX_CRITERIA


def _count(x: object) -> str:
    """A whole number with grouping (``100,000,000``); anything else as it is."""
    if isinstance(x, int) and not isinstance(x, bool) and abs(x) < 10**15:
        return f"{x:,}"
    return _fmt(x) if isinstance(x, (int, float)) else str(x)


@functools.lru_cache(maxsize=4096)  # names repeat on every recalculation; NFKC is not free
def name_key(name: str) -> str:
    """The form two names are compared in: look-alike letters folded (NFKC:
    a full-width 'Ｗ' is a 'W'), invisible format characters (zero-width
    space, joiners, direction marks) removed, case ignored. Two names with
    the same key look the same to a person and are the same name."""
    folded = unicodedata.normalize("NFKC", name)
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cf").strip().casefold()


def visible(name: str) -> str:
    """A name with its invisible characters written out (``Web<U+200B>inars``)."""
    return "".join(f"<U+{ord(ch):04X}>" if unicodedata.category(ch) == "Cf" else ch for ch in name)


def _same_name(what: str, name: str, other: str, number: int) -> str:
    """The message for a name used twice, saying how when it only looks the same."""
    label = f"{what.capitalize()} '{visible(name)}'"
    if name.strip().casefold() == other.strip().casefold():
        return f"{label}: the name is used twice (also {what} {number}); {what} names must be unique."
    return (
        f"{label}: the name looks the same as {what} {number}'s '{visible(other)}' "
        f"(they differ only in invisible characters or in the form of a letter); {what} names must be unique."
    )


def _check_calendar(plan: Plan) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(plan.months, int) or not 1 <= plan.months <= MAX_MONTHS:
        problems.append(
            Problem("months", f"The plan must cover 1 to {MAX_MONTHS} months; it says {_count(plan.months)}.")
        )
    match = _START.match(plan.start)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        problems.append(
            Problem("start", f"The start month must be written YYYY-MM (e.g. 2027-01); it is '{plan.start}'.")
        )
    return problems


_TOO_MANY = {
    "stages": ("The funnel has {n} stages; the planner works with at most {m}.", MAX_STAGES),
    "channels": ("The plan has {n} paid channels; it can have at most {m}.", MAX_CHANNELS),
    "free_sources": ("The plan has {n} free sources; it can have at most {m}.", MAX_FREE_SOURCES),
    "lead_spec.criteria": ("The lead spec has {n} criteria; it can have at most {m}.", MAX_CRITERIA),
    "proposed_lead_spec.criteria": ("The proposed lead spec has {n} criteria; it can have at most {m}.", MAX_CRITERIA),
    "scenarios": ("The file has {n} scenarios besides the main plan; it can have at most {m}.", MAX_SCENARIOS),
}


def too_many(field: str, count: int) -> Problem:
    """The problem of a list over its limit (``field`` is a key of ``_TOO_MANY``)."""
    message, most = _TOO_MANY[field]
    return Problem(field, message.format(n=f"{count:,}", m=f"{most:,}"))


def _check_counts(plan: Plan) -> list[Problem]:
    """Stages, channels, free sources and criteria within their limits:
    checked before anything else, so a huge plan is refused cheaply."""
    counts = [
        ("stages", len(plan.stages)),
        ("channels", len(plan.channels)),
        ("free_sources", len(plan.free_sources)),
        ("lead_spec.criteria", len(plan.lead_spec.criteria) if plan.lead_spec else 0),
        ("proposed_lead_spec.criteria", len(plan.proposed_lead_spec.criteria) if plan.proposed_lead_spec else 0),
    ]
    return [too_many(field, count) for field, count in counts if count > _TOO_MANY[field][1]]


def _unique_names(names: Iterable[str], field: str, what: str) -> list[Problem]:
    """One problem per name that is the same as an earlier one (see :func:`name_key`)."""
    problems: list[Problem] = []
    seen: dict[str, tuple[int, str]] = {}
    for index, name in enumerate(names):
        key = name_key(name)
        if key and key in seen:
            first, other = seen[key]
            problems.append(Problem(f"{field}[{index}].name", _same_name(what, name, other, first + 1)))
        seen.setdefault(key, (index, name))
    return problems


def _check_lag(days: float, field: str, label: str) -> list[Problem]:
    """Days from one stage to the next: from 0 to ten years."""
    if _finite(days) and days > MAX_LAG_DAYS:
        return [
            Problem(
                field,
                f"{label}: the days to the next stage must be at most {_limit(MAX_LAG_DAYS)} (10 years); "
                f"it is {_fmt(days)}.",
            )
        ]
    return check_amount(days, field, f"{label} lag", "days")


def _check_stages(plan: Plan) -> list[Problem]:
    problems: list[Problem] = []
    if len(plan.stages) < 2:
        problems.append(Problem("stages", "The funnel needs at least two stages: a raw lead and a won deal."))
    last = len(plan.stages) - 1
    for k, stage in enumerate(plan.stages):
        path = f"stages[{k}]"
        label = f"Stage '{stage.name}'"
        if not stage.name.strip():
            problems.append(Problem(f"{path}.name", f"Stage {k + 1} has no name; give every stage a name."))
        if k < last:
            problems += check_rate(stage.rate if stage.rate is not None else math.nan, f"{path}.rate", label)
            if stage.lag_profile is not None:
                problems += check_profile(stage, path, label)
            else:
                problems += _check_lag(stage.lag_days if stage.lag_days is not None else 0.0, f"{path}.lag_days", label)
        problems += check_amount(stage.sales_hours, f"{path}.sales_hours", f"{label} sales hours per item", "hours")
    problems += _unique_names((s.name for s in plan.stages), "stages", "stage")
    return problems


def _check_criteria(spec: LeadSpec, path: str) -> tuple[list[Problem], bool]:
    """Each criterion's name, points and share; whether all can be scored."""
    problems: list[Problem] = []
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
        elif abs(criterion.points) > MAX_POINTS:
            criteria_ok = False
            problems.append(
                Problem(
                    f"{cpath}.points",
                    f"{label}: points must be between -{MAX_POINTS:,} and {MAX_POINTS:,}; it is {_fmt(criterion.points)}.",
                )
            )
        share = check_share(criterion.share, f"{cpath}.share", label)
        criteria_ok = criteria_ok and not share
        problems += share
    return problems, criteria_ok


def _check_empirical(spec: LeadSpec, path: str) -> list[Problem]:
    if spec.empirical is None:
        return []
    problems = check_rate(spec.empirical.pass_rate, f"{path}.empirical.pass_rate", "Measured pass rate")
    sample = spec.empirical.sample
    if isinstance(sample, bool) or not isinstance(sample, int) or not 1 <= sample <= MAX_SAMPLE:
        problems.append(
            Problem(
                f"{path}.empirical.sample",
                f"The sample size must be a whole number of leads from 1 to {MAX_SAMPLE:,}; it is {_fmt(sample)}.",
            )
        )
    return problems


def _check_reachable(spec: LeadSpec, path: str) -> list[Problem]:
    """A threshold some lead can reach: the most a lead meeting every
    required criterion can score (the sum of its positive points and the
    required ones) is at least the threshold. Whether enough leads pass is
    the calculation's to say (:mod:`core.calc.feasibility`)."""
    top = sum(c.points for c in spec.criteria if c.required or c.points > 0)
    if top < spec.threshold:
        return [
            Problem(
                f"{path}.threshold",
                f"No lead can reach the threshold of {_fmt(spec.threshold)} points: the most a lead can score is {top}. Lower the threshold or add points.",
            )
        ]
    return []


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
    threshold_ok = _finite(spec.threshold) and abs(spec.threshold) <= _MAX_THRESHOLD
    if not _finite(spec.threshold):
        problems.append(
            Problem(f"{path}.threshold", f"The threshold must be a number of points, not {_fmt(spec.threshold)}.")
        )
    elif not threshold_ok:
        problems.append(
            Problem(
                f"{path}.threshold",
                f"The threshold must be between -{_MAX_THRESHOLD:,} and {_MAX_THRESHOLD:,} points; it is {_fmt(spec.threshold)}.",
            )
        )
    criteria_problems, criteria_ok = _check_criteria(spec, path)
    problems += criteria_problems
    if criteria_ok and threshold_ok:
        problems += _check_reachable(spec, path)
    problems += _check_empirical(spec, path)
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
    for j, channel in enumerate(plan.channels):
        path = f"channels[{j}]"
        label = f"Channel '{channel.name}'"
        if not channel.name.strip():
            problems.append(Problem(f"{path}.name", f"Channel {j + 1} has no name."))
        problems += check_share(channel.mix, f"{path}.mix", f"{label} mix")
        problems += check_money(channel.cost_per_lead, f"{path}.cost_per_lead", f"{label} cost per lead")
        if channel.rate is not None:
            problems += check_rate(channel.rate, f"{path}.rate", f"{label} raw-to-next-stage rate")
        problems += check_series(
            channel.fixed_cost, plan.months, f"{path}.fixed_cost", f"{label} fixed cost", "currency units"
        )
    problems += _unique_names((c.name for c in plan.channels), "channels", "channel")
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


def validate_inputs(plan: Plan) -> tuple[Problem, ...]:
    """Every problem of the plan at once (errors refuse it, warnings do not).

    Checks: months 1..60 and a YYYY-MM start; at most 30 stages, 100
    channels, 100 free sources and 100 criteria (checked first: a plan over
    a limit is refused without checking each item); one value per month in
    every series; rates in [1e-6, 1]; shares in [0, 1] and channel mix
    summing to 1 within 1e-6; no negative volume, cost, lag or hours, and
    none above its limit (a trillion; lags 3,650 days); a deal size of at
    least 0.01; unique stage and channel names (look-alikes count as the
    same); a gate below the first stage; a reachable threshold passing at
    least one lead in a million (that one computed by
    :mod:`core.calc.feasibility`, whose ``validate`` is the whole check);
    NaN or infinity nowhere.
    """
    problems = _check_calendar(plan)
    counts = _check_counts(plan)
    if counts:
        return tuple(problems + counts)
    months = plan.months
    problems += check_series(plan.revenue_target, months, "revenue_target", "Revenue target", "currency units")
    problems += check_money(plan.avg_deal_size, "avg_deal_size", "Average deal size", minimum=MIN_DEAL_SIZE)
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
            plan.sales_hours_available,
            months,
            "sales_hours_available",
            "Sales hours available",
            "hours",
            minimum=MIN_SALES_HOURS,
        )
    problems += validate_v2(plan)
    problems += validate_year(plan)
    if not any(p.severity == "error" for p in problems):
        problems += _gate_warning(plan)
    return tuple(problems)


def has_errors(problems: Iterable[Problem]) -> bool:
    """True when any problem refuses the plan."""
    return any(p.severity == "error" for p in problems)
