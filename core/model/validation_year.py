"""The checks of the plan's keys for the year in progress and its odds
(funnel-math.md, "Bad input", v2): actuals, contingency sources and the
uncertainty draws. Problems name their field by JSON path; called by
:func:`core.model.validation.validate_inputs`.
"""

from __future__ import annotations

import math

from core.model.checks import _fmt, check_amount, check_rate, check_series
from core.model.plan import (
    MAX_AMOUNT,
    MAX_CONTINGENCY_SOURCES,
    MAX_DRAWS,
    MIN_DRAWS,
    Actuals,
    Plan,
    Problem,
)


def _whole(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def gate_for_tracking(plan: Plan) -> int | None:
    """The stage watched as qualified leads: the lead spec's gate, else the
    nurture pool's stage (None: the plan has neither)."""
    if plan.lead_spec is not None:
        return plan.stage_index(plan.lead_spec.gate)
    return plan.nurture_stage()


def _check_actual_lists(
    actuals: Actuals, entries: tuple[tuple[str, tuple[float, ...]], ...], key: str, known: list[str], what: str
) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    folded = [n.strip().casefold() for n in known]
    for index, (name, values) in enumerate(entries):
        field = f"actuals.{key}[{index}]"  # the index in the order given (JSON: the object's key order)
        label = f"Actuals, {what} '{name}'"
        if name.strip().casefold() not in folded:
            problems.append(
                Problem(field, f"{label}: there is no {what} of that name in the plan ({', '.join(known)}).")
            )
            continue
        if name.strip().casefold() in seen:
            problems.append(Problem(field, f"{label}: given twice; give each {what} once."))
        seen.add(name.strip().casefold())
        if len(values) != actuals.months:
            problems.append(
                Problem(
                    field,
                    f"{label}: needs one figure for each of the {actuals.months} months elapsed; it has {len(values)}.",
                )
            )
            continue
        unit = "currency units" if key == "spend" else "items"
        problems += check_series(values, len(values), field, label, unit)
    return problems


def check_actuals(plan: Plan) -> list[Problem]:
    """Months elapsed 1..N; per stage and channel one figure a month elapsed,
    not negative; only stages and channels the plan has; alarm share in [0, 1]."""
    actuals = plan.actuals
    if actuals is None:
        return []
    months = actuals.months
    if not _whole(months) or not 1 <= months <= plan.months:
        return [
            Problem(
                "actuals.months",
                f"Actuals: the months elapsed must be a whole number from 1 to the plan's {plan.months}; "
                f"it is {_fmt(months)}.",
            )
        ]
    problems = _check_actual_lists(actuals, actuals.stages, "stages", [s.name for s in plan.stages], "stage")
    problems += _check_actual_lists(actuals, actuals.spend, "spend", [c.name for c in plan.channels], "channel")
    share = actuals.alarm_share
    if not isinstance(share, (int, float)) or not math.isfinite(share) or not 0.0 <= share <= 1.0:
        problems.append(
            Problem(
                "actuals.alarm_threshold",
                f"Tracking: the alarm threshold must be a share between 0 and 1 (e.g. 0.05 for 5%); "
                f"it is {_fmt(share)}.",
            )
        )
    return problems


def _check_source_stage(plan: Plan, index: int, stage: str, label: str) -> list[Problem]:
    field = f"contingency.sources[{index}].stage"
    k = plan.stage_index(stage)
    if k is None:
        names = ", ".join(s.name for s in plan.stages)
        return [Problem(field, f"{label}: '{stage}' is not a stage of the funnel ({names}).")]
    if k == len(plan.stages) - 1:
        return [Problem(field, f"{label}: a source cannot deliver won deals; choose the stage its items enter.")]
    gate = gate_for_tracking(plan)
    if gate is not None and k > gate:
        return [
            Problem(
                field,
                f"{label}: it delivers '{plan.stages[k].name}', below the qualified-lead stage "
                f"'{plan.stages[gate].name}'; a contingency source delivers at that stage or above.",
            )
        ]
    return []


def check_contingency(plan: Plan) -> list[Problem]:
    """Objective 'fastest' or 'cheapest'; each source on a stage from S0 down
    to the gate (never the won stage), cost and capacity not negative, lead
    time whole from 0 to N months, rate (if given) a rate."""
    contingency = plan.contingency
    if contingency is None:
        return []
    problems: list[Problem] = []
    if contingency.objective not in ("fastest", "cheapest"):
        problems.append(
            Problem(
                "contingency.objective",
                f"Contingency plan: say 'fastest' or 'cheapest'; it says '{contingency.objective}'.",
            )
        )
    if len(contingency.sources) > MAX_CONTINGENCY_SOURCES:
        return [
            *problems,
            Problem(
                "contingency.sources",
                f"The plan has {len(contingency.sources):,} contingency sources; it can have at most "
                f"{MAX_CONTINGENCY_SOURCES}.",
            ),
        ]
    seen: dict[str, int] = {}
    for i, source in enumerate(contingency.sources):
        path = f"contingency.sources[{i}]"
        label = f"Contingency source '{source.name}'"
        if not source.name.strip():
            problems.append(Problem(f"{path}.name", f"Contingency source {i + 1} has no name."))
        key = source.name.strip().casefold()
        if key and key in seen:
            problems.append(Problem(f"{path}.name", f"{label}: the name is used twice (also source {seen[key] + 1})."))
        seen.setdefault(key, i)
        problems += _check_source_stage(plan, i, source.stage, label)
        problems += check_amount(
            source.cost_per_item, f"{path}.cost_per_item", f"{label} cost per item", "currency units"
        )
        problems += check_series(
            source.max_per_month, plan.months, f"{path}.max_per_month", f"{label} items a month at most", "items"
        )
        lead = source.lead_time_months
        if not _whole(lead) or not 0 <= lead <= plan.months:
            problems.append(
                Problem(
                    f"{path}.lead_time_months",
                    f"{label}: the lead time must be a whole number of months from 0 to {plan.months}; "
                    f"it is {_fmt(lead)}.",
                )
            )
        if source.rate is not None:
            problems += check_rate(source.rate, f"{path}.rate", f"{label} rate to the next stage")
    return problems


def check_uncertainty(plan: Plan) -> list[Problem]:
    """Draws whole from 100 to 100,000; a whole, non-negative seed."""
    u = plan.uncertainty
    if u is None:
        return []
    problems: list[Problem] = []
    if not _whole(u.draws) or not MIN_DRAWS <= u.draws <= MAX_DRAWS:
        problems.append(
            Problem(
                "uncertainty.draws",
                f"Uncertainty: the number of draws must be a whole number from {MIN_DRAWS:,} to {MAX_DRAWS:,}; "
                f"it is {_fmt(u.draws)}.",
            )
        )
    if not _whole(u.seed) or not 0 <= u.seed <= MAX_AMOUNT:
        problems.append(
            Problem(
                "uncertainty.seed", f"Uncertainty: the seed must be a whole number from 0 up; it is {_fmt(u.seed)}."
            )
        )
    return problems


def validate_year(plan: Plan) -> list[Problem]:
    """Every problem of the actuals, the contingency sources and the draws."""
    return check_actuals(plan) + check_contingency(plan) + check_uncertainty(plan)
