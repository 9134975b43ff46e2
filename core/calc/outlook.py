"""The slower figures of a plan, added to a recalculation when they are
wanted: the contingency plans (linear programs) and the odds (Monte Carlo
draws). :func:`core.calc.engine.calculate` runs on every edit and leaves
them out; the command line and the exports call :func:`complete`, the app
computes them off the GUI thread."""

from __future__ import annotations

from dataclasses import replace

from core.calc.contingency import with_contingency
from core.calc.results import PlanResult
from core.calc.uncertainty import uncertainty
from core.model.plan import Plan


def with_uncertainty(plan: Plan, result: PlanResult) -> PlanResult:
    """The result with its odds (None when no rate has a sample)."""
    return replace(result, uncertainty=uncertainty(plan, result))


def complete(plan: Plan, result: PlanResult) -> PlanResult:
    """The result with its contingency plans and its odds."""
    return with_uncertainty(plan, with_contingency(plan, result))
