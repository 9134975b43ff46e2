"""Plan edits of the year in progress, as pure functions (see
:mod:`core.model.edits`, which re-exports them): the months elapsed and what
happened in them (items per stage, spend per channel), the tracking alarm's
threshold, the contingency sources kept ready and what their plan aims at,
and a plan that buys a contingency schedule (for "Copy into a scenario").

Each returns the new plan or a :class:`Problem` in the person's words; the
field of a refusal is the plan path (for programs, never shown).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from core.model.plan import (
    MAX_CONTINGENCY_SOURCES,
    Actuals,
    Channel,
    Contingency,
    ContingencyObjective,
    ContingencySource,
    FreeSource,
    Plan,
    Problem,
)

__all__ = [
    "CONTINGENCY_CHANNEL",
    "ActualsKind",
    "Purchase",
    "actuals_within",
    "add_contingency_source",
    "buy_contingency",
    "clear_actuals_row",
    "contingency_within",
    "remove_contingency_source",
    "set_actual_values",
    "set_alarm_share",
    "set_months_elapsed",
    "set_objective",
    "set_source_field",
]

Edited = Plan | Problem
ActualsKind = Literal["stages", "spend"]
SOURCE_FIELDS = ("name", "stage", "cost_per_item", "max_per_month", "lead_time_months", "rate")
CONTINGENCY_CHANNEL = "Contingency sources"


def _month_name(plan: Plan, month: int) -> str:
    year, first = (int(part) for part in plan.start.split("-")[:2])
    index = first - 1 + month
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{names[index % 12]} {year + index // 12}"


# ----- actuals --------------------------------------------------------------------------------------


def set_months_elapsed(plan: Plan, months: int) -> Edited:
    """The months of the plan that have passed (0: no tracking; the actuals
    go). Figures entered are kept for the months still elapsed; a month added
    starts at 0. Refused: fewer than 0 or more than the plan's months."""
    if not 0 <= months <= plan.months:
        return Problem(
            "actuals.months",
            f"The months elapsed must be from 0 to the plan's {plan.months}; it is {months}.",
        )
    if months == 0:
        return plan.with_changes(actuals=None)
    old = plan.actuals
    if old is None:
        return plan.with_changes(actuals=Actuals(months=months))

    def fit(series: Sequence[float]) -> tuple[float, ...]:
        return tuple(float(x) for x in series[:months]) + (0.0,) * max(0, months - len(series))

    return plan.with_changes(
        actuals=replace(
            old,
            months=months,
            stages=tuple((n, fit(s)) for n, s in old.stages),
            spend=tuple((n, fit(s)) for n, s in old.spend),
        )
    )


def _names(plan: Plan, kind: ActualsKind) -> list[str]:
    return [s.name for s in plan.stages] if kind == "stages" else [c.name for c in plan.channels]


def _value_problem(plan: Plan, kind: ActualsKind, name: str, month: int, value: float | None) -> Problem | None:
    where = f"Actuals, {name} in {_month_name(plan, month)}"
    if value is None:
        return None
    what = "spend" if kind == "spend" else "items entering the stage"
    if not math.isfinite(value) or value < 0:
        return Problem(f"actuals.{kind}", f"{where}: the {what} cannot be negative; it is {value:g}.")
    return None


def set_actual_values(plan: Plan, kind: ActualsKind, values: Mapping[tuple[str, int], float | None]) -> Edited:
    """Figures of the months elapsed: ``values`` maps (stage or channel name,
    month index) to the items that entered the stage (or the channel's spend);
    None clears a figure (0). A stage given its first figure gets 0 in the
    other months elapsed; a row left with nothing but zeros by a clearing
    goes (the stage is then computed). Refused: no months elapsed, an unknown name, a month not
    elapsed, a negative or non-finite figure."""
    actuals = plan.actuals
    if actuals is None:
        return Problem("actuals.months", "Set the months elapsed first.")
    known = _names(plan, kind)
    rows: dict[str, list[float | None]] = {
        n: [float(x) for x in s] for n, s in (actuals.stages if kind == "stages" else actuals.spend)
    }
    for (name, month), value in values.items():
        if name not in known:
            return Problem(f"actuals.{kind}", f"Actuals: the plan has no {kind[:-1]} called '{name}'.")
        if not 0 <= month < actuals.months:
            return Problem("actuals.months", f"Actuals: {_month_name(plan, month)} is not among the months elapsed.")
        problem = _value_problem(plan, kind, name, month, value)
        if problem is not None:
            return problem
        entry = rows.setdefault(name, [None] * actuals.months)
        entry[month] = None if value is None else float(value)
    cleared = {name for (name, _), value in values.items() if value is None}
    kept = []
    for name in known:  # the plan's order
        row = rows.get(name)
        if row is None or (name in cleared and not any(row)):
            continue
        kept.append((name, tuple(0.0 if x is None else x for x in row)))
    changes: dict[str, Any] = {kind: tuple(kept)}
    return plan.with_changes(actuals=replace(actuals, **changes))


def actuals_within(actuals: Actuals | None, months: int) -> Actuals | None:
    """The actuals of a plan resized to ``months`` months (for
    :func:`core.model.edits.set_months`): months elapsed beyond the plan's
    end are cut."""
    if actuals is None or actuals.months <= months:
        return actuals
    return replace(
        actuals,
        months=months,
        stages=tuple((n, tuple(s[:months])) for n, s in actuals.stages),
        spend=tuple((n, tuple(s[:months])) for n, s in actuals.spend),
    )


def contingency_within(contingency: Contingency | None, months: int) -> Contingency | None:
    """The contingency sources of a plan resized to ``months`` months: each
    capacity cut or its last month repeated, a lead time beyond the end cut."""
    if contingency is None:
        return None

    def fit(series: tuple[float, ...]) -> tuple[float, ...]:
        if not series:
            return series
        return tuple(series[:months]) + (series[-1],) * max(0, months - len(series))

    sources = tuple(
        replace(s, max_per_month=fit(tuple(s.max_per_month)), lead_time_months=min(s.lead_time_months, months))
        for s in contingency.sources
    )
    return replace(contingency, sources=sources)


def clear_actuals_row(plan: Plan, kind: ActualsKind, name: str) -> Edited:
    """The figures of one stage (it is then computed) or channel go."""
    actuals = plan.actuals
    if actuals is None:
        return plan
    entries = actuals.stages if kind == "stages" else actuals.spend
    changes: dict[str, Any] = {kind: tuple(e for e in entries if e[0] != name)}
    return plan.with_changes(actuals=replace(actuals, **changes))


def set_alarm_share(plan: Plan, share: float) -> Edited:
    """The tracking alarm's threshold: the share of the requirement still to
    come that the projected deficit may reach. Refused: outside 0 to 100%,
    no months elapsed."""
    if plan.actuals is None:
        return Problem("actuals.months", "Set the months elapsed first.")
    if not (math.isfinite(share) and 0.0 <= share <= 1.0):
        return Problem(
            "actuals.alarm_threshold",
            f"The alarm threshold must be between 0% and 100% of the requirement still to come; "
            f"it is {share * 100:g}%.",
        )
    return plan.with_changes(actuals=replace(plan.actuals, alarm_share=float(share)))


# ----- contingency sources ---------------------------------------------------------------------------


def set_objective(plan: Plan, objective: str) -> Edited:
    """What the contingency plan aims at: ``fastest`` or ``cheapest``."""
    if objective not in ("fastest", "cheapest"):
        return Problem("contingency.objective", "Choose 'fastest' or 'cheapest' for the contingency plan.")
    contingency = plan.contingency or Contingency()
    aim: ContingencyObjective = "fastest" if objective == "fastest" else "cheapest"
    return plan.with_changes(contingency=replace(contingency, objective=aim))


def add_contingency_source(plan: Plan, name: str) -> Edited:
    """A new source called ``name`` delivering the qualified-lead stage (else
    the first), nothing a month yet, a month's lead time."""
    contingency = plan.contingency or Contingency()
    if not name.strip():
        return Problem("contingency.sources", "Give the source a name.")
    if len(contingency.sources) >= MAX_CONTINGENCY_SOURCES:
        return Problem("contingency.sources", f"A plan keeps at most {MAX_CONTINGENCY_SOURCES} contingency sources.")
    stage = plan.lead_spec.gate if plan.lead_spec is not None else plan.stages[0].name
    source = ContingencySource(name, stage, 0.0, (0.0,) * plan.months, min(1, plan.months))
    return plan.with_changes(contingency=replace(contingency, sources=(*contingency.sources, source)))


def remove_contingency_source(plan: Plan, index: int) -> Edited:
    """The source at ``index`` goes (the list may end up empty)."""
    contingency = plan.contingency
    if contingency is None or not 0 <= index < len(contingency.sources):
        return Problem("contingency.sources", "Choose the source to remove.")
    sources = tuple(s for i, s in enumerate(contingency.sources) if i != index)
    return plan.with_changes(contingency=replace(contingency, sources=sources))


def set_source_field(plan: Plan, index: int, name: str, value: object) -> Edited:
    """One input of a contingency source; a capacity given as one number is
    every month's. The values are judged by the plan's validation. Refused:
    no such source or input."""
    contingency = plan.contingency
    if contingency is None or not 0 <= index < len(contingency.sources):
        return Problem("contingency.sources", "Choose the source to edit.")
    if name not in SOURCE_FIELDS:
        return Problem("contingency.sources", f"A contingency source has no input called '{name}'.")
    if name == "max_per_month" and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = (float(value),) * plan.months
    if name == "lead_time_months" and isinstance(value, float) and value.is_integer():
        value = int(value)
    changes: dict[str, Any] = {name: value}
    source = replace(contingency.sources[index], **changes)
    sources = (*contingency.sources[:index], source, *contingency.sources[index + 1 :])
    return plan.with_changes(contingency=replace(contingency, sources=sources))


# ----- buying a schedule ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Purchase:
    """What a contingency plan buys of one source: items each plan month."""

    source: str
    items: tuple[float, ...]


def buy_contingency(plan: Plan, purchases: Sequence[Purchase], rates: Sequence[float] | None = None) -> Edited:
    """The plan that buys a contingency schedule: each source's items as a
    free source at its stage ("Contingency: <name>", the volume per month)
    and their cost (items x cost per item) as the monthly fixed cost of a
    channel "Contingency sources" with no share of the paid leads. Refused:
    an unknown source, a schedule of the wrong length.

    A free source's items convert at the rate out of their stage; a source
    with a rate of its own (``r``) is bought as ``r / c_k`` base-rate items a
    bought item (the same volume reaches the next stage, in the same months).
    ``rates`` are the plan's effective rates out of each stage (the caller
    computes them: the lead spec's pass rate is the calculation's)."""
    contingency = plan.contingency
    by_name = {s.name: s for s in (contingency.sources if contingency is not None else ())}
    cost = [0.0] * plan.months
    added: list[FreeSource] = []
    for purchase in purchases:
        source = by_name.get(purchase.source)
        if source is None:
            return Problem("contingency.sources", f"The plan keeps no contingency source called '{purchase.source}'.")
        if len(purchase.items) != plan.months or not any(x > 0 for x in purchase.items):
            if len(purchase.items) != plan.months:
                return Problem("contingency.sources", f"'{purchase.source}': one figure a plan month is needed.")
            continue
        factor = _equivalent(plan, source.stage, source.rate, rates)
        volume = tuple(float(x) * factor for x in purchase.items)
        added.append(FreeSource(f"Contingency: {source.name}", source.stage, volume))
        for t, items in enumerate(purchase.items):
            cost[t] += float(items) * source.cost_per_item
    if not added:
        return plan
    channels = plan.channels
    if any(c.name == CONTINGENCY_CHANNEL for c in channels):
        channels = tuple(
            replace(c, fixed_cost=tuple(a + b for a, b in zip(c.fixed_cost, cost, strict=True)))
            if c.name == CONTINGENCY_CHANNEL
            else c
            for c in channels
        )
    else:
        channels = (*channels, Channel(CONTINGENCY_CHANNEL, 0.0, 0.0, tuple(cost)))
    return plan.with_changes(free_sources=_merged(plan.free_sources, added), channels=channels)


def _equivalent(plan: Plan, stage: str, rate: float | None, rates: Sequence[float] | None) -> float:
    """Base-rate items a bought item counts as: ``r / c_k`` for a source with its own rate."""
    k = plan.stage_index(stage)
    if rate is None or rates is None or k is None or k >= len(rates) or rates[k] <= 0:
        return 1.0
    return rate / rates[k]


def _merged(sources: tuple[FreeSource, ...], added: list[FreeSource]) -> tuple[FreeSource, ...]:
    """``sources`` with ``added``: a source of the same name (bought before) takes the volume on."""
    out = list(sources)
    for new in added:
        same = next((i for i, s in enumerate(out) if s.name == new.name and s.stage == new.stage), None)
        if same is None:
            out.append(new)
        else:
            volume = tuple(a + b for a, b in zip(out[same].volume, new.volume, strict=True))
            out[same] = replace(out[same], volume=volume)
    return tuple(out)
