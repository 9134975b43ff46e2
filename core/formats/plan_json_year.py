"""The JSON keys of the year in progress and its odds (plan-format.md, v2):
``actuals``, ``contingency`` and ``uncertainty``, read leniently (every
problem a value naming its field) and written back."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from core.formats.json_reader import JsonReader
from core.formats.json_text import scalar_or_list, show
from core.model.plan import (
    MAX_CONTINGENCY_SOURCES,
    Actuals,
    Contingency,
    ContingencySource,
    Plan,
    Series,
    Uncertainty,
)

ACTUALS_KEYS = {"months", "stages", "spend", "alarm_threshold"}
CONTINGENCY_KEYS = {"objective", "sources"}
SOURCE_KEYS = {"name", "stage", "cost_per_item", "max_per_month", "lead_time_months", "rate"}
UNCERTAINTY_KEYS = {"draws", "seed"}


def _named_lists(r: JsonReader, raw: object, path: str, what: str) -> tuple[tuple[str, Series], ...]:
    """``{"SQL": [150, 141], ...}``: numbers per name, in the order given."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        r.fail(path, f"must be an object giving, per {what}, one number for each month elapsed.")
        return ()
    out: list[tuple[str, Series]] = []
    for index, (name, values) in enumerate(raw.items()):
        field = f"{path}[{index}]"
        if not isinstance(values, list):
            r.fail(
                field,
                f"Actuals, {what} '{name}': must be a list of numbers, one per month elapsed; it is {show(values)}.",
            )
            continue
        numbers: list[float] = []
        for item in values:
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                r.fail(field, f"Actuals, {what} '{name}': {show(item)} is not a number.")
                numbers.append(math.nan)
            else:
                numbers.append(float(item))
        out.append((str(name), tuple(numbers)))
    return tuple(out)


def read_actuals(r: JsonReader, data: Mapping[str, Any]) -> Actuals | None:
    raw = data.get("actuals")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        r.fail("actuals", "must be an object with the months elapsed and the items per stage.")
        return None
    r.unknown_keys(raw, ACTUALS_KEYS, "actuals")
    return Actuals(
        months=r.whole(raw, "months", "actuals.months"),
        stages=_named_lists(r, raw.get("stages"), "actuals.stages", "stage"),
        spend=_named_lists(r, raw.get("spend"), "actuals.spend", "channel"),
        alarm_share=r.number(raw, "alarm_threshold", "actuals.alarm_threshold", 0.05),
    )


def read_contingency(r: JsonReader, data: Mapping[str, Any]) -> Contingency | None:
    raw = data.get("contingency")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        r.fail("contingency", "must be an object with the objective and the sources.")
        return None
    r.unknown_keys(raw, CONTINGENCY_KEYS, "contingency")
    sources = []
    for i, s in enumerate(r.objects(raw, "sources", "contingency.sources", False, MAX_CONTINGENCY_SOURCES)):
        path = f"contingency.sources[{i}]"
        r.unknown_keys(s, SOURCE_KEYS, path)
        sources.append(
            ContingencySource(
                name=r.text(s, "name", f"{path}.name"),
                stage=r.text(s, "stage", f"{path}.stage"),
                cost_per_item=r.number(s, "cost_per_item", f"{path}.cost_per_item"),
                max_per_month=r.series(s, "max_per_month", f"{path}.max_per_month"),
                lead_time_months=r.whole(s, "lead_time_months", f"{path}.lead_time_months", 0),
                rate=r.optional_number(s, "rate", f"{path}.rate"),
            )
        )
    objective = r.text(raw, "objective", "contingency.objective", "fastest")
    return Contingency(objective=objective, sources=tuple(sources))  # type: ignore[arg-type]  # checked by validation


def read_uncertainty(r: JsonReader, data: Mapping[str, Any]) -> Uncertainty | None:
    raw = data.get("uncertainty")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        r.fail("uncertainty", "must be an object with the number of draws and the seed.")
        return None
    r.unknown_keys(raw, UNCERTAINTY_KEYS, "uncertainty")
    return Uncertainty(
        draws=r.whole(raw, "draws", "uncertainty.draws", 10_000),
        seed=r.whole(raw, "seed", "uncertainty.seed", 0),
    )


def year_to_dict(plan: Plan) -> dict[str, Any]:
    """``actuals``, ``contingency`` and ``uncertainty`` when the plan has them."""
    out: dict[str, Any] = {}
    a = plan.actuals
    if a is not None:
        actuals: dict[str, Any] = {"months": a.months, "stages": {n: list(v) for n, v in a.stages}}
        if a.spend:
            actuals["spend"] = {n: list(v) for n, v in a.spend}
        if a.alarm_share != 0.05:
            actuals["alarm_threshold"] = a.alarm_share
        out["actuals"] = actuals
    c = plan.contingency
    if c is not None:
        sources = []
        for s in c.sources:
            entry: dict[str, Any] = {
                "name": s.name,
                "stage": s.stage,
                "cost_per_item": s.cost_per_item,
                "max_per_month": scalar_or_list(s.max_per_month),
                "lead_time_months": s.lead_time_months,
            }
            if s.rate is not None:
                entry["rate"] = s.rate
            sources.append(entry)
        out["contingency"] = {"objective": c.objective, "sources": sources}
    u = plan.uncertainty
    if u is not None:
        out["uncertainty"] = {"draws": u.draws, "seed": u.seed}
    return out
