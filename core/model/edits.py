"""Edits of a plan, as pure functions: each takes a plan and returns the new
plan, or a :class:`Problem` saying (in the person's words) why the edit is
refused. None of them changes the plan it is given (plans are frozen), and
none of them validates the whole plan: :func:`core.calc.feasibility.validate`
judges the result. They refuse only what would break the plan's structure
(the won deal must stay last, the lead spec must sit on a stage, ...).

A stage is named by other parts of the plan: the lead spec's gate, the
proposed spec's gate and each free source's stage. Those references match a
stage as :meth:`Plan.stage_index` does (case and surrounding spaces ignored);
the edits here keep them pointing at the same stage.

The GUI's undo commands call these functions; the field in a refusal is the
plan path of the thing refused (for programs: marking a cell), never shown.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import is_dataclass, replace
from typing import Any, Literal

from core.model.edits_samples import (  # what the rates were measured on; the draws
    set_channel_sample,
    set_criterion_sample,
    set_draws,
    set_seed,
    set_stage_sample,
    whole_sample,
)
from core.model.edits_v2 import (
    convolve,
    default_nurture,
    mean_lag_days,
    merged_timing,
    set_after_plan,
    set_nurture,
    set_nurture_field,
    set_stage_timing,
    timing_shares,
)
from core.model.edits_year import (  # the year's edits: actuals, contingency sources
    CONTINGENCY_CHANNEL,
    ActualsKind,
    Purchase,
    actuals_within,
    add_contingency_source,
    buy_contingency,
    clear_actuals_row,
    contingency_within,
    remove_contingency_source,
    set_actual_values,
    set_alarm_share,
    set_months_elapsed,
    set_objective,
    set_source_field,
)
from core.model.plan import (
    MAX_CHANNELS,
    MAX_FREE_SOURCES,
    MAX_STAGES,
    MIN_RATE,
    Channel,
    Criterion,
    FreeSource,
    LeadSpec,
    Plan,
    Problem,
    Stage,
)
from core.model.validation import name_key

__all__ = [  # what the other edit modules add to this one (the plan's edits have one home to import from)
    "CONTINGENCY_CHANNEL",
    "ActualsKind",
    "Purchase",
    "actuals_within",
    "add_contingency_source",
    "buy_contingency",
    "clear_actuals_row",
    "contingency_within",
    "convolve",
    "default_nurture",
    "mean_lag_days",
    "remove_contingency_source",
    "set_actual_values",
    "set_after_plan",
    "set_alarm_share",
    "set_channel_sample",
    "set_criterion_sample",
    "set_draws",
    "set_months_elapsed",
    "set_nurture",
    "set_nurture_field",
    "set_objective",
    "set_seed",
    "set_source_field",
    "set_stage_sample",
    "set_stage_timing",
    "timing_shares",
    "whole_sample",
]

Edited = Plan | Problem
"""What an edit gives: the new plan, or why it was refused."""
PlanEdit = Callable[[Plan], Edited]
"""An edit waiting for its plan (what an undo command holds)."""
SpecPath = Literal["lead_spec", "proposed_lead_spec"]

# ----- values by field path ---------------------------------------------------------------

_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """``"stages[2].rate"`` -> ``["stages", 2, "rate"]``."""
    return list(_parsed(path))


@functools.lru_cache(maxsize=8192)
def _parsed(path: str) -> tuple[str | int, ...]:
    """:func:`parse_path`, kept: a table reads the same few thousand paths on every repaint."""
    parts: list[str | int] = []
    for match in _TOKEN.finditer(path):
        name, index = match.groups()
        parts.append(name if name is not None else int(index))
    return tuple(parts)


def field_value(obj: Any, path: str) -> Any:
    """The value at a field path such as ``channels[0].fixed_cost[3]``
    (``None`` when a part on the way is ``None``)."""
    for part in _parsed(path):
        if obj is None:
            return None
        obj = obj[part] if isinstance(part, int) else getattr(obj, part)
    return obj


def _set(obj: Any, parts: list[str | int], value: Any) -> Any:
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if isinstance(head, int):
        items = list(obj)
        items[head] = _set(items[head], rest, value)
        return tuple(items)
    if not is_dataclass(obj) or isinstance(obj, type):
        raise KeyError(head)
    return replace(obj, **{head: _set(getattr(obj, head), rest, value)})


def set_field(obj: Any, path: str, value: Any) -> Any:
    """A copy of ``obj`` (a plan or a part of one) with the value at ``path``
    replaced: one cell of the planner (a stage's rate, a channel's cost per
    lead, one month of a series). Raises KeyError or IndexError for a path
    the plan does not have; nothing else is touched (renaming a stage this
    way leaves its references behind: use :func:`rename_stage`)."""
    return _set(obj, parse_path(path), value)


# ----- names ----------------------------------------------------------------------------------


def unique_name(base: str, taken: list[str]) -> str:
    """``base``, or ``base 2``, ``base 3``... the first not in ``taken``
    (compared as the validation compares names)."""
    names = {name_key(t) for t in taken}
    if name_key(base) not in names:
        return base
    n = 2
    while name_key(f"{base} {n}") in names:
        n += 1
    return f"{base} {n}"


def _names_stage(reference: str, stage: Stage) -> bool:
    return reference.strip().casefold() == stage.name.strip().casefold()


def _stage_name_problem(plan: Plan, index: int, name: str, field: str) -> Problem | None:
    """Why ``name`` cannot be the name of the stage at ``index`` (None: it can)."""
    if not name.strip():
        return Problem(field, "Give the stage a name.")
    key = name_key(name)
    for k, stage in enumerate(plan.stages):
        if k != index and name_key(stage.name) == key:
            return Problem(field, f"There is already a stage called '{stage.name}'; stage names must be unique.")
    return None


def _gate_index(plan: Plan) -> set[int]:
    """Indexes of the stages a lead spec (current or proposed) sits on."""
    out = set()
    for spec in (plan.lead_spec, plan.proposed_lead_spec):
        if spec is not None:
            index = plan.stage_index(spec.gate)
            if index is not None:
                out.add(index)
    return out


# ----- stages -----------------------------------------------------------------------------------


def add_stage(plan: Plan, index: int, name: str, rate: float = 1.0, lag_days: float = 0.0) -> Edited:
    """Insert a stage called ``name`` at ``index`` (0: a new first stage;
    ``len(stages) - 1``: just above the won deal).

    The new stage's ``rate`` and ``lag_days`` describe the step from it to the
    stage that was at ``index``; the stage above keeps its rate and days, which
    now lead into the new stage. With the defaults (100%, 0 days) the new
    stage passes everything on at once, so the funnel's figures are unchanged
    until its rate and days are entered, with two exceptions: inserted at 0
    it becomes the raw-lead stage, whose step the channels' own rates
    describe; inserted just above the lead spec's gate, the spec's pass rate
    applies to the step out of the new stage and the stage above uses its
    entered rate again. The lead spec, proposed spec and free sources keep
    their stages (by name). Refused: an index below 0 or after the won deal
    (the won deal stays last), a name that is empty or already a stage's,
    more than ``MAX_STAGES`` stages.
    """
    last = len(plan.stages) - 1
    if not 0 <= index <= last:
        return Problem("stages", "The won deal stays the last stage; add the new stage above it.")
    if len(plan.stages) >= MAX_STAGES:
        return Problem("stages", f"A funnel has at most {MAX_STAGES} stages; remove one before adding another.")
    problem = _stage_name_problem(plan, -1, name, f"stages[{index}].name")
    if problem is not None:
        return problem
    stages = (*plan.stages[:index], Stage(name, rate=rate, lag_days=lag_days), *plan.stages[index:])
    return plan.with_changes(stages=stages)


def remove_stage(plan: Plan, index: int) -> Edited:
    """Remove the stage at ``index``; the stage above it then leads straight
    to the stage below it.

    Nothing is lost on the way: the step above takes the rate of both steps
    (their product) and the days of both (their sum; when either step has a
    timing profile by month, the two timings convolved into one profile), so
    the funnel's overall conversion and timing stay the same. Removing the first stage makes the next
    one the raw-lead stage (the removed step's rate and days go with it).
    Refused: the won deal (it ends the funnel), a funnel of two stages, the
    stage a lead spec (current or proposed) sits on or the first stage when
    the spec sits on the second, a stage free sources enter at (each named), and a merged step out of bounds (rate below one in
    a million, more than ten years).
    """
    stages = plan.stages
    field = f"stages[{index}]"
    if not 0 <= index < len(stages):
        return Problem("stages", "Choose the stage to remove.")
    stage = stages[index]
    if index == len(stages) - 1:
        return Problem(field, "The won deal is the end of the funnel and stays; remove a stage above it.")
    if len(stages) <= 2:
        return Problem(field, "The funnel needs at least a raw lead and a won deal.")
    if index in _gate_index(plan):
        return Problem(
            field,
            f"The lead spec sits on '{stage.name}'; put it on another stage (Lead spec) before removing this one.",
        )
    sources = [s.name for s in plan.free_sources if _names_stage(s.stage, stage)]
    if sources:
        listed = ", ".join(f"'{n}'" for n in sources)
        return Problem(field, f"Free sources enter at '{stage.name}' ({listed}); move them to another stage first.")
    if plan.nurture is not None and plan.nurture_stage() == index:
        return Problem(
            field,
            f"The nurture pool returns leads to '{stage.name}'; choose another stage for it (Lead development) "
            "before removing this one.",
        )
    if index == 0:
        if 1 in _gate_index(plan):
            return Problem(
                field,
                f"Without '{stage.name}', the lead spec's stage '{stages[1].name}' would be the first stage, "
                "which cannot carry it; put the spec on another stage first.",
            )
        return plan.with_changes(stages=stages[1:])
    above = stages[index - 1]
    rate = (above.rate if above.rate is not None else 1.0) * (stage.rate if stage.rate is not None else 1.0)
    if rate < MIN_RATE:
        return Problem(
            field,
            f"Without '{stage.name}', '{above.name}' would convert at less than one in a million; "
            "change its rate first.",
        )
    timed = merged_timing(above, stage)
    if isinstance(timed, str):
        return Problem(field, f"Without '{stage.name}', '{above.name}' would {timed}; change its timing first.")
    merged = replace(timed, rate=rate)
    return plan.with_changes(stages=(*stages[: index - 1], merged, *stages[index + 1 :]))


def move_stage(plan: Plan, index: int, to: int) -> Edited:
    """Move the stage at ``index`` to position ``to``, the stages between
    shifting by one. Each stage keeps its own rate, days and sales hours (the
    step out of it), and the lead spec and free sources stay on their stages
    by name. Moving from ``to`` back to ``index`` restores the plan.
    Refused: the won deal, or a move to its place (it stays last); a move
    that would put a lead spec's gate first (a spec cannot sit on the first
    stage).
    """
    last = len(plan.stages) - 1
    if not (0 <= index < last and 0 <= to < last):
        return Problem("stages", "The won deal stays last; move a stage above it, within the stages above it.")
    if index == to:
        return plan
    stages = list(plan.stages)
    stages.insert(to, stages.pop(index))
    moved = plan.with_changes(stages=tuple(stages))
    if 0 in _gate_index(moved):
        return Problem(
            f"stages[{index}]",
            f"The lead spec sits on '{stages[0].name}', which cannot be the first stage; "
            "put the spec on another stage first.",
        )
    return moved


def rename_stages(plan: Plan, names: Mapping[int, str]) -> Edited:
    """Rename several stages at once (``{index: new name}``, e.g. a pasted
    column) and everything naming them: the lead spec's gate, the proposed
    spec's gate and the free sources' stages take the new names as written.
    The names are judged together, so stages may swap names. References that
    name no stage are left as they are. Refused: an index that is not a
    stage, an empty name, or two stages ending up with the same name.
    """
    if not names:
        return plan
    for index in names:
        if not 0 <= index < len(plan.stages):
            return Problem("stages", "There is no such stage to rename.")
    stages = tuple(replace(s, name=names[k]) if k in names else s for k, s in enumerate(plan.stages))
    renamed = plan.with_changes(stages=stages)
    for index in sorted(names):
        problem = _stage_name_problem(renamed, index, names[index], f"stages[{index}].name")
        if problem is not None:
            return problem

    def follow(reference: str) -> str:
        old = plan.stage_index(reference)
        return names[old] if old is not None and old in names else reference

    changes: dict[str, Any] = {
        "free_sources": tuple(replace(s, stage=follow(s.stage)) for s in plan.free_sources),
    }
    for spec_path in ("lead_spec", "proposed_lead_spec"):
        spec = getattr(plan, spec_path)
        if spec is not None:
            changes[spec_path] = replace(spec, gate=follow(spec.gate))
    if plan.nurture is not None and plan.nurture.stage is not None:
        changes["nurture"] = replace(plan.nurture, stage=follow(plan.nurture.stage))
    if plan.contingency is not None:  # the year's stages by name: contingency sources, actuals
        sources = tuple(replace(s, stage=follow(s.stage)) for s in plan.contingency.sources)
        changes["contingency"] = replace(plan.contingency, sources=sources)
    if plan.actuals is not None:
        changes["actuals"] = replace(plan.actuals, stages=tuple((follow(n), v) for n, v in plan.actuals.stages))
    return renamed.with_changes(**changes)


def rename_stage(plan: Plan, index: int, name: str) -> Edited:
    """Rename the stage at ``index`` to ``name`` and what names it (see
    :func:`rename_stages`); renaming it back restores the plan when its
    references were written as the stage's name."""
    return rename_stages(plan, {index: name})


# ----- channels and free sources ----------------------------------------------------------------


def _scaled_mix(mixes: list[float], total: float) -> list[float] | Problem:
    """``mixes`` scaled in proportion to add up to ``total`` (all zero: equal shares)."""
    for j, mix in enumerate(mixes):
        if not (math.isfinite(mix) and 0.0 <= mix <= 1.0):
            return Problem(f"channels[{j}].mix", "Every channel's mix must be a share from 0% to 100% first.")
    current = math.fsum(mixes)
    if current <= 0.0:
        return [total / len(mixes)] * len(mixes)
    return [mix * total / current for mix in mixes]


def renormalise_mix(plan: Plan) -> Edited:
    """The channel mix made to add up to 100%, each channel keeping its share
    relative to the others (40% and 40% become 50% and 50%); shares that are
    all zero become equal. No channels: the plan as it is. Refused: a mix
    that is not a share from 0 to 1 (named)."""
    if not plan.channels:
        return plan
    mixes = _scaled_mix([c.mix for c in plan.channels], 1.0)
    if isinstance(mixes, Problem):
        return mixes
    return plan.with_changes(channels=tuple(replace(c, mix=m) for c, m in zip(plan.channels, mixes, strict=True)))


def add_channel(plan: Plan, name: str, share: float = 0.0, cost_per_lead: float = 0.0) -> Edited:
    """Add a paid channel called ``name`` at the end, with no fixed costs and
    the funnel's first rate.

    It takes ``share`` of the paid leads: 0 (the default) leaves the other
    channels' mix exactly as it was; more scales the others in proportion so
    the mix adds up to 100% again (all zero: equal shares of the rest). The
    first channel of a plan always takes 100%. Refused: an empty or taken
    name, a share outside 0 to 1, more than ``MAX_CHANNELS`` channels.
    """
    field = f"channels[{len(plan.channels)}]"
    if not name.strip():
        return Problem(f"{field}.name", "Give the channel a name.")
    for other in plan.channels:
        if name_key(other.name) == name_key(name):
            return Problem(
                f"{field}.name", f"There is already a channel called '{other.name}'; channel names must be unique."
            )
    if len(plan.channels) >= MAX_CHANNELS:
        return Problem("channels", f"A plan has at most {MAX_CHANNELS} paid channels.")
    if not (math.isfinite(share) and 0.0 <= share <= 1.0):
        return Problem(f"{field}.mix", "The new channel's share must be from 0% to 100%.")
    channels = plan.channels
    if not channels:
        share = 1.0
    elif share > 0.0:
        mixes = _scaled_mix([c.mix for c in channels], 1.0 - share)
        if isinstance(mixes, Problem):
            return mixes
        channels = tuple(replace(c, mix=m) for c, m in zip(channels, mixes, strict=True))
    channel = Channel(name, share, cost_per_lead, (0.0,) * plan.months)
    return plan.with_changes(channels=(*channels, channel))


def rename_channels(plan: Plan, names: Mapping[int, str]) -> Edited:
    """Rename several paid channels at once (``{index: new name}``, e.g. a
    pasted column) and the year's spend actuals recorded under their old
    names, so a renamed channel keeps its spend. The names are judged
    together, so channels may swap names. Refused: an index that is not a
    channel, an empty name, or two channels ending up with the same name.
    """
    if not names:
        return plan
    if any(not 0 <= index < len(plan.channels) for index in names):
        return Problem("channels", "There is no such channel to rename.")
    channels = tuple(replace(c, name=names[j]) if j in names else c for j, c in enumerate(plan.channels))
    for index in sorted(names):
        field = f"channels[{index}].name"
        if not names[index].strip():
            return Problem(field, "Give the channel a name.")
        for j, other in enumerate(channels):
            if j != index and name_key(other.name) == name_key(names[index]):
                return Problem(
                    field, f"There is already a channel called '{other.name}'; channel names must be unique."
                )
    renamed = plan.with_changes(channels=channels)
    if plan.actuals is None or not plan.actuals.spend:
        return renamed
    new_name = {name_key(plan.channels[j].name): name for j, name in names.items()}
    spend = tuple((new_name.get(name_key(n), n), v) for n, v in plan.actuals.spend)
    return renamed.with_changes(actuals=replace(plan.actuals, spend=spend))


def remove_channel(plan: Plan, index: int) -> Edited:
    """Remove the channel at ``index``; its share of the paid leads goes to
    the others in proportion to their shares (all zero: equally), so a mix
    that added up to 100% still does. A channel with no share leaves the
    others exactly as they were. Removing the last channel leaves a plan
    without paid leads (free sources must then cover the target).
    Refused: an index that is not a channel."""
    if not 0 <= index < len(plan.channels):
        return Problem("channels", "Choose the channel to remove.")
    removed = plan.channels[index]
    rest = tuple(c for j, c in enumerate(plan.channels) if j != index)
    if rest and removed.mix != 0.0:
        total = math.fsum(c.mix for c in plan.channels)
        mixes = _scaled_mix([c.mix for c in rest], total)
        if isinstance(mixes, Problem):
            return mixes
        rest = tuple(replace(c, mix=m) for c, m in zip(rest, mixes, strict=True))
    return plan.with_changes(channels=rest)


def add_free_source(plan: Plan, name: str) -> Edited:
    """Add a free source called ``name`` entering at the first stage, with no
    volume yet (so the plan's figures are unchanged). Refused: an empty name,
    more than ``MAX_FREE_SOURCES``."""
    if not name.strip():
        return Problem(f"free_sources[{len(plan.free_sources)}].name", "Give the source a name.")
    if len(plan.free_sources) >= MAX_FREE_SOURCES:
        return Problem("free_sources", f"A plan has at most {MAX_FREE_SOURCES} free sources.")
    source = FreeSource(name, plan.stages[0].name if plan.stages else "", (0.0,) * plan.months)
    return plan.with_changes(free_sources=(*plan.free_sources, source))


def remove_free_source(plan: Plan, index: int) -> Edited:
    """Remove the free source at ``index``. Refused: no such source."""
    if not 0 <= index < len(plan.free_sources):
        return Problem("free_sources", "Choose the source to remove.")
    return plan.with_changes(free_sources=tuple(s for i, s in enumerate(plan.free_sources) if i != index))


# ----- calendar -----------------------------------------------------------------------------------


def set_months(plan: Plan, months: int) -> Edited:
    """The plan over ``months`` months: every monthly series (targets,
    pipeline, budget, capacity, fixed costs, free volume) cut, or extended by
    repeating its last month; an absent or empty series stays so. Shortening
    then lengthening again repeats the last kept month. Refused: fewer than
    one month."""
    if months < 1:
        return Problem("months", "A plan covers at least one month.")

    def fit(series: tuple[float, ...]) -> tuple[float, ...]:
        if not series:
            return series
        return tuple(series[:months]) + (series[-1],) * max(0, months - len(series))

    def fit_optional(series: tuple[float, ...] | None) -> tuple[float, ...] | None:
        return None if series is None else fit(series)

    return plan.with_changes(
        months=months,
        revenue_target=fit(plan.revenue_target),
        pipeline_revenue=fit(plan.pipeline_revenue),
        channels=tuple(replace(c, fixed_cost=fit(c.fixed_cost)) for c in plan.channels),
        free_sources=tuple(replace(s, volume=fit(s.volume)) for s in plan.free_sources),
        approved_budget=fit_optional(plan.approved_budget),
        sales_hours_available=fit_optional(plan.sales_hours_available),
        nurture=None
        if plan.nurture is None
        else replace(plan.nurture, hours_available=fit_optional(plan.nurture.hours_available)),
        actuals=actuals_within(plan.actuals, months),
        contingency=contingency_within(plan.contingency, months),
    )


# ----- lead spec -----------------------------------------------------------------------------------


def add_lead_spec(plan: Plan) -> Edited:
    """A starting lead spec (one criterion, 'Budget confirmed', 50 points met
    by half the leads, threshold 50) on the third stage, or the last when
    there are fewer. Refused: a plan that already has a spec, a funnel of
    fewer than two stages."""
    if plan.lead_spec is not None:
        return Problem("lead_spec", "The plan has a lead spec already.")
    if len(plan.stages) < 2:
        return Problem("stages", "The funnel needs at least a raw lead and a won deal before a lead spec.")
    gate = plan.stages[min(2, len(plan.stages) - 1)].name
    spec = LeadSpec(gate=gate, threshold=50, criteria=(Criterion("Budget confirmed", 50, 0.5, False),))
    return plan.with_changes(lead_spec=spec)


def propose_lead_spec(plan: Plan) -> Edited:
    """A proposed spec, a copy of the current one, to change and compare.
    Refused: no current spec, or a proposal already there."""
    if plan.lead_spec is None:
        return Problem("lead_spec", "Add a lead spec before proposing a change to it.")
    if plan.proposed_lead_spec is not None:
        return Problem("proposed_lead_spec", "There is a proposed spec already; drop or adopt it first.")
    return plan.with_changes(proposed_lead_spec=plan.lead_spec)


def drop_proposed_lead_spec(plan: Plan) -> Edited:
    """The plan without its proposed spec (as it is when there is none)."""
    return plan.with_changes(proposed_lead_spec=None)


def adopt_proposed_lead_spec(plan: Plan) -> Edited:
    """The proposed spec becomes the current one. Refused: no proposal."""
    if plan.proposed_lead_spec is None:
        return Problem("proposed_lead_spec", "There is no proposed spec to adopt.")
    return plan.with_changes(lead_spec=plan.proposed_lead_spec, proposed_lead_spec=None)


def set_gate(plan: Plan, stage: str) -> Edited:
    """Put the lead spec, and the proposed spec with it, on ``stage``.
    Refused: no spec, a name that is not a stage, the first stage."""
    if plan.lead_spec is None:
        return Problem("lead_spec", "Add a lead spec first.")
    index = plan.stage_index(stage)
    if index is None:
        return Problem("lead_spec.gate", f"'{stage}' is not a stage of the funnel.")
    if index == 0:
        return Problem(
            "lead_spec.gate", "The lead spec cannot sit on the first stage; choose the stage leads qualify into."
        )
    name = plan.stages[index].name
    proposed = plan.proposed_lead_spec
    return plan.with_changes(
        lead_spec=replace(plan.lead_spec, gate=name),
        proposed_lead_spec=None if proposed is None else replace(proposed, gate=name),
    )


def add_criterion(plan: Plan, spec_path: SpecPath, name: str) -> Edited:
    """Add a criterion called ``name`` (10 points, met by half the leads, not
    required) to the current or proposed spec. Refused: no such spec."""
    spec: LeadSpec | None = getattr(plan, spec_path)
    if spec is None:
        return Problem(spec_path, "There is no lead spec to add a criterion to.")
    return plan.with_changes(**{spec_path: replace(spec, criteria=(*spec.criteria, Criterion(name, 10, 0.5, False)))})


def remove_criterion(plan: Plan, spec_path: SpecPath, index: int) -> Edited:
    """Remove the criterion at ``index`` of the current or proposed spec.
    Refused: no such spec or criterion."""
    spec: LeadSpec | None = getattr(plan, spec_path)
    if spec is None or not 0 <= index < len(spec.criteria):
        return Problem(spec_path, "Choose the criterion to remove.")
    criteria = tuple(c for i, c in enumerate(spec.criteria) if i != index)
    return plan.with_changes(**{spec_path: replace(spec, criteria=criteria)})
