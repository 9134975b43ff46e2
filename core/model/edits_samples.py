"""Plan edits of how sure the plan's rates are, as pure functions (see
:mod:`core.model.edits`, which re-exports them): how many items a stage's
rate, a channel's rate or a criterion's share was measured on (funnel-math.md,
"Uncertainty"), and how the odds are drawn (the number of draws, the seed).

A sample of ``None`` means "an estimate, not measured". Each edit returns the
new plan or a :class:`Problem` in the person's words (the field of a refusal
is the plan path, for programs, never shown).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Literal

from core.model.plan import MAX_DRAWS, MAX_SAMPLE, MIN_DRAWS, Plan, Problem, Uncertainty

__all__ = [
    "set_channel_sample",
    "set_criterion_sample",
    "set_draws",
    "set_seed",
    "set_stage_sample",
    "whole_sample",
]

Edited = Plan | Problem
Sample = int | float | None
SpecPath = Literal["lead_spec", "proposed_lead_spec"]


def whole_sample(value: Sample, field: str, what: str) -> int | Problem | None:
    """``value`` as a sample size (None: not measured), or why it cannot be one.

    ``what`` names the rate in the person's words (``the rate from MQL``)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return Problem(field, f"Measured on: enter how many items {what} was measured on, or leave it empty.")
    if value != int(value) or not 1 <= value <= MAX_SAMPLE:
        return Problem(
            field,
            f"Measured on: {what} rests on a whole number of items from 1 to {MAX_SAMPLE:,}; "
            f"{value:,.6g} is not one (leave it empty for an estimate).",
        )
    return int(value)


def set_stage_sample(plan: Plan, index: int, sample: Sample) -> Edited:
    """Stage ``index``'s rate (to the next stage) measured on ``sample`` items.
    Refused: no such stage, the won deal (it has no rate), or not a whole number from 1."""
    field = f"stages[{index}].rate_sample"
    if not 0 <= index < len(plan.stages) - 1:
        return Problem(field, "Only a stage with a rate to the next stage can say what the rate was measured on.")
    stage = plan.stages[index]
    found = whole_sample(sample, field, f"the rate from {stage.name} to {plan.stages[index + 1].name}")
    if isinstance(found, Problem):
        return found
    stages = tuple(replace(s, rate_sample=found) if k == index else s for k, s in enumerate(plan.stages))
    return plan.with_changes(stages=stages)


def set_channel_sample(plan: Plan, index: int, sample: Sample) -> Edited:
    """Channel ``index``'s own rate measured on ``sample`` leads.
    Refused: no such channel, or not a whole number from 1."""
    field = f"channels[{index}].rate_sample"
    if not 0 <= index < len(plan.channels):
        return Problem(field, "Choose the channel whose rate was measured.")
    channel = plan.channels[index]
    found = whole_sample(sample, field, f"the rate of the channel '{channel.name}'")
    if isinstance(found, Problem):
        return found
    channels = tuple(replace(c, rate_sample=found) if j == index else c for j, c in enumerate(plan.channels))
    return plan.with_changes(channels=channels)


def set_criterion_sample(plan: Plan, spec_path: SpecPath, index: int, sample: Sample) -> Edited:
    """The share of leads meeting criterion ``index`` of the current or proposed
    spec measured on ``sample`` leads. Refused: no such spec or criterion, or not
    a whole number from 1."""
    field = f"{spec_path}.criteria[{index}].share_sample"
    spec = getattr(plan, spec_path)
    if spec is None or not 0 <= index < len(spec.criteria):
        return Problem(field, "Choose the criterion whose share was measured.")
    criterion = spec.criteria[index]
    found = whole_sample(sample, field, f"the share of leads meeting '{criterion.name}'")
    if isinstance(found, Problem):
        return found
    criteria = tuple(replace(c, share_sample=found) if i == index else c for i, c in enumerate(spec.criteria))
    return plan.with_changes(**{spec_path: replace(spec, criteria=criteria)})


def set_draws(plan: Plan, draws: int | float) -> Edited:
    """Draw the odds ``draws`` times (100 to 100,000; more: steadier, slower)."""
    if isinstance(draws, bool) or not isinstance(draws, (int, float)) or not math.isfinite(draws):
        return Problem("uncertainty.draws", f"Draws: enter a whole number from {MIN_DRAWS:,} to {MAX_DRAWS:,}.")
    if draws != int(draws) or not MIN_DRAWS <= draws <= MAX_DRAWS:
        return Problem(
            "uncertainty.draws",
            f"Draws: the odds are drawn a whole number of times from {MIN_DRAWS:,} to {MAX_DRAWS:,}; "
            f"{draws:,.6g} is not one.",
        )
    current = plan.uncertainty or Uncertainty()
    return plan.with_changes(uncertainty=replace(current, draws=int(draws)))


def set_seed(plan: Plan, seed: int | float) -> Edited:
    """Draw the odds from ``seed`` (a whole number from 0: the same seed, the same odds)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, float)) or not math.isfinite(seed):
        return Problem("uncertainty.seed", "Seed: enter a whole number from 0.")
    if seed != int(seed) or seed < 0:
        return Problem("uncertainty.seed", f"Seed: the draws start from a whole number from 0; {seed:,.6g} is not one.")
    current = plan.uncertainty or Uncertainty()
    return plan.with_changes(uncertainty=replace(current, seed=int(seed)))
