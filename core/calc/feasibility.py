"""What only the calculation can tell about a plan, and the whole check.

:func:`validate` is the one check every reader, the app and the reports
run: the plan's own rules (:func:`core.model.validation.validate_inputs`)
and then two that need the calculation:

- a lead spec computed from its criteria passes at least one lead in a
  million (the exact pass rate of :mod:`core.calc.lead_spec`; a spec whose
  criteria or threshold are already refused is not computed);
- a plan without paid channels gets its whole requirement from free
  sources (the reverse pass of :mod:`core.calc.engine`; computed only when
  nothing else refuses the plan).
"""

from __future__ import annotations

import math

from core.calc.engine import calculate
from core.calc.lead_spec import criteria_pass_rate
from core.model.plan import MIN_RATE, LeadSpec, Plan, Problem
from core.model.validation import has_errors, validate_inputs


def spec_pass_problems(spec: LeadSpec, path: str) -> list[Problem]:
    """A spec computed from its criteria must pass some leads: at least
    ``MIN_RATE`` (one in a million). A measured pass rate is checked as a
    rate by the plan's rules instead."""
    if spec.pass_rate_source != "criteria":
        return []
    rate = criteria_pass_rate(spec)
    if rate <= 0.0:
        return [
            Problem(
                f"{path}.criteria",
                "The spec passes no lead at all (a required criterion has share 0, or the points above the threshold come only from criteria no lead meets).",
            )
        ]
    if rate < MIN_RATE:
        return [
            Problem(
                f"{path}.criteria",
                f"The spec passes only {rate:.3g} of leads, fewer than one in a million; lower the threshold or the required criteria.",
            )
        ]
    return []


def paid_requirement_problems(plan: Plan) -> list[Problem]:
    """Without paid channels, free sources must cover the whole requirement
    (any paid raw lead needed is refused: no channel could buy it)."""
    if plan.channels:
        return []
    paid = float(calculate(plan).paid_leads.sum())
    if paid > 1e-9:
        return [
            Problem(
                "channels",
                f"The plan needs {math.ceil(paid - 1e-9):,} paid raw leads but has no paid channel; add a channel or raise the free sources.",
            )
        ]
    return []


def validate(plan: Plan) -> tuple[Problem, ...]:
    """Every problem of the plan at once (errors refuse it, warnings do not):
    the plan's rules, then what the calculation tells (see the module)."""
    problems = list(validate_inputs(plan))
    for spec, path in ((plan.lead_spec, "lead_spec"), (plan.proposed_lead_spec, "proposed_lead_spec")):
        # a spec whose criteria or threshold are refused already is not computed
        if spec is not None and not any(p.field.startswith(path) and p.severity == "error" for p in problems):
            problems += spec_pass_problems(spec, path)
    if not has_errors(problems):
        problems += paid_requirement_problems(plan)
    return tuple(problems)


__all__ = ["paid_requirement_problems", "spec_pass_problems", "validate"]
