"""Plans in the JSON interchange format (plan-format.md).

:func:`plan_from_dict` reads leniently and reports every problem it meets
as a value naming the field; :func:`plan_to_dict` writes the format back.
A scalar in a monthly field means "the same every month"; a uniform series
is written back as that scalar.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.files import atomic_write_text
from core.plan import (
    PLAN_FORMAT,
    Channel,
    Criterion,
    EmpiricalPassRate,
    FreeSource,
    LeadSpec,
    Plan,
    PlanRefused,
    Problem,
    Series,
    Stage,
    errors_only,
)
from core.validation import validate

_PLAN_KEYS = {
    "format", "name", "currency", "start", "months", "revenue_target", "avg_deal_size",
    "pipeline_revenue", "stages", "lead_spec", "proposed_lead_spec", "channels",
    "free_sources", "approved_budget", "sales_hours_available", "notes",
}  # fmt: skip
_STAGE_KEYS = {"name", "rate", "lag_days", "sales_hours"}
_SPEC_KEYS = {"gate", "threshold", "criteria", "empirical", "pass_rate_source"}
_CRITERION_KEYS = {"name", "points", "share", "required"}
_CHANNEL_KEYS = {"name", "mix", "cost_per_lead", "rate", "fixed_cost"}
_FREE_KEYS = {"name", "stage", "volume"}

_MISSING = object()


class _Reader:
    """Reads values out of parsed JSON, recording a problem for each bad one
    and returning a placeholder (NaN, empty) so reading can go on."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.months = 0

    def fail(self, field: str, message: str) -> None:
        self.problems.append(Problem(field, message))

    def unknown_keys(self, obj: Mapping[str, Any], known: set[str], path: str) -> None:
        for key in obj:
            if key not in known:
                where = f"{path}.{key}" if path else key
                self.problems.append(
                    Problem(where, f"Unknown key '{key}' was ignored (check its spelling).", "warning")
                )

    def number(self, obj: Mapping[str, Any], key: str, path: str, default: object = _MISSING) -> float:
        value = obj.get(key, _MISSING)
        if value is _MISSING or value is None:
            if default is _MISSING:
                self.fail(path, "is missing; enter a number.")
                return math.nan
            return float(default)  # type: ignore[arg-type]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, f"must be a number; it is {json.dumps(value)[:40]}.")
            return math.nan
        return float(value)

    def optional_number(self, obj: Mapping[str, Any], key: str, path: str) -> float | None:
        if obj.get(key) is None:
            return None
        return self.number(obj, key, path)

    def whole(self, obj: Mapping[str, Any], key: str, path: str, default: object = _MISSING) -> int:
        value = self.number(obj, key, path, default)
        if math.isnan(value):
            return 0
        if not value.is_integer():
            self.fail(path, f"must be a whole number; it is {value:g}.")
            return 0
        return int(value)

    def text(self, obj: Mapping[str, Any], key: str, path: str, default: str | None = None) -> str:
        value = obj.get(key, _MISSING)
        if value is _MISSING or value is None:
            if default is None:
                self.fail(path, "is missing; enter a text.")
                return ""
            return default
        if not isinstance(value, str):
            self.fail(path, f"must be a text; it is {json.dumps(value)[:40]}.")
            return ""
        return value

    def flag(self, obj: Mapping[str, Any], key: str, path: str) -> bool:
        value = obj.get(key, False)
        if not isinstance(value, bool):
            self.fail(path, f"must be true or false; it is {json.dumps(value)[:40]}.")
            return False
        return value

    def series(self, obj: Mapping[str, Any], key: str, path: str, default: object = _MISSING) -> Series:
        value = obj.get(key, _MISSING)
        if value is _MISSING or value is None:
            if default is _MISSING:
                self.fail(path, "is missing; enter one number per month, or one number for every month.")
                return (math.nan,) * max(self.months, 1)
            value = default
        if isinstance(value, list):
            out = []
            for i, item in enumerate(value):
                if isinstance(item, bool) or not isinstance(item, (int, float)):
                    self.fail(f"{path}[{i}]", f"must be a number; it is {json.dumps(item)[:40]}.")
                    out.append(math.nan)
                else:
                    out.append(float(item))
            return tuple(out)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, f"must be a number or a list of numbers; it is {json.dumps(value)[:40]}.")
            return (math.nan,) * max(self.months, 1)
        return (float(value),) * max(self.months, 1)

    def objects(self, obj: Mapping[str, Any], key: str, path: str, required: bool) -> list[Mapping[str, Any]]:
        value = obj.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.fail(path, "is missing.")
            return []
        if not isinstance(value, list):
            self.fail(path, "must be a list.")
            return []
        out: list[Mapping[str, Any]] = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                self.fail(f"{path}[{i}]", "must be an object with named fields.")
            else:
                out.append(item)
        return out


def _read_spec(r: _Reader, raw: object, path: str, default_gate: str | None) -> LeadSpec | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        r.fail(path, "must be an object with gate, threshold and criteria.")
        return None
    r.unknown_keys(raw, _SPEC_KEYS, path)
    criteria = []
    for i, c in enumerate(r.objects(raw, "criteria", f"{path}.criteria", required=False)):
        cpath = f"{path}.criteria[{i}]"
        r.unknown_keys(c, _CRITERION_KEYS, cpath)
        criteria.append(
            Criterion(
                name=r.text(c, "name", f"{cpath}.name"),
                points=r.whole(c, "points", f"{cpath}.points"),
                share=r.number(c, "share", f"{cpath}.share"),
                required=r.flag(c, "required", f"{cpath}.required"),
            )
        )
    empirical = None
    raw_emp = raw.get("empirical")
    if isinstance(raw_emp, dict):
        empirical = EmpiricalPassRate(
            pass_rate=r.number(raw_emp, "pass_rate", f"{path}.empirical.pass_rate"),
            sample=r.whole(raw_emp, "sample", f"{path}.empirical.sample", 0),
        )
    elif raw_emp is not None:
        r.fail(f"{path}.empirical", "must be an object with pass_rate and sample.")
    source = r.text(raw, "pass_rate_source", f"{path}.pass_rate_source", "criteria")
    if source not in ("criteria", "empirical"):
        r.fail(f"{path}.pass_rate_source", f"must be 'criteria' or 'empirical'; it is '{source}'.")
        source = "criteria"
    return LeadSpec(
        gate=r.text(raw, "gate", f"{path}.gate", default_gate),
        threshold=r.number(raw, "threshold", f"{path}.threshold"),
        criteria=tuple(criteria),
        empirical=empirical,
        pass_rate_source="empirical" if source == "empirical" else "criteria",
    )


def read_plan_dict(data: object) -> tuple[Plan | None, tuple[Problem, ...]]:
    """A plan from parsed JSON, with every problem met while reading.

    Returns ``(None, problems)`` when the data is not a plan object at all.
    The plan returned may still hold placeholders (NaN) where a value was
    unreadable; :func:`plan_from_dict` also validates.
    """
    r = _Reader()
    if not isinstance(data, dict):
        return None, (Problem("plan", "The file does not hold a plan object ({...})."),)
    r.unknown_keys(data, _PLAN_KEYS, "")
    fmt = data.get("format")
    if fmt is not None and fmt != PLAN_FORMAT:
        r.fail("format", f"This file is in format '{fmt}'; this planner reads '{PLAN_FORMAT}'.")
    r.months = r.whole(data, "months", "months")
    stages = []
    raw_stages = r.objects(data, "stages", "stages", required=True)
    for k, s in enumerate(raw_stages):
        path = f"stages[{k}]"
        r.unknown_keys(s, _STAGE_KEYS, path)
        last = k == len(raw_stages) - 1
        stages.append(
            Stage(
                name=r.text(s, "name", f"{path}.name"),
                rate=None if last else r.number(s, "rate", f"{path}.rate"),
                lag_days=None if last else r.number(s, "lag_days", f"{path}.lag_days", 0.0),
                sales_hours=r.number(s, "sales_hours", f"{path}.sales_hours", 0.0),
            )
        )
    channels = []
    for j, c in enumerate(r.objects(data, "channels", "channels", required=False)):
        path = f"channels[{j}]"
        r.unknown_keys(c, _CHANNEL_KEYS, path)
        channels.append(
            Channel(
                name=r.text(c, "name", f"{path}.name"),
                mix=r.number(c, "mix", f"{path}.mix"),
                cost_per_lead=r.number(c, "cost_per_lead", f"{path}.cost_per_lead"),
                fixed_cost=r.series(c, "fixed_cost", f"{path}.fixed_cost", 0.0),
                rate=r.optional_number(c, "rate", f"{path}.rate"),
            )
        )
    free = []
    for i, f in enumerate(r.objects(data, "free_sources", "free_sources", required=False)):
        path = f"free_sources[{i}]"
        r.unknown_keys(f, _FREE_KEYS, path)
        free.append(
            FreeSource(
                name=r.text(f, "name", f"{path}.name"),
                stage=r.text(f, "stage", f"{path}.stage"),
                volume=r.series(f, "volume", f"{path}.volume"),
            )
        )
    lead_spec = _read_spec(r, data.get("lead_spec"), "lead_spec", None)
    proposed = _read_spec(
        r, data.get("proposed_lead_spec"), "proposed_lead_spec", lead_spec.gate if lead_spec else None
    )
    plan = Plan(
        name=r.text(data, "name", "name", "Untitled plan"),
        currency=r.text(data, "currency", "currency", "USD"),
        start=r.text(data, "start", "start"),
        months=r.months,
        revenue_target=r.series(data, "revenue_target", "revenue_target"),
        avg_deal_size=r.number(data, "avg_deal_size", "avg_deal_size"),
        pipeline_revenue=r.series(data, "pipeline_revenue", "pipeline_revenue", 0.0),
        stages=tuple(stages),
        lead_spec=lead_spec,
        proposed_lead_spec=proposed,
        channels=tuple(channels),
        free_sources=tuple(free),
        approved_budget=None
        if data.get("approved_budget") is None
        else r.series(data, "approved_budget", "approved_budget"),
        sales_hours_available=None
        if data.get("sales_hours_available") is None
        else r.series(data, "sales_hours_available", "sales_hours_available"),
        notes=r.text(data, "notes", "notes", ""),
    )
    return plan, tuple(r.problems)


def merge_problems(reading: tuple[Problem, ...], checking: tuple[Problem, ...]) -> tuple[Problem, ...]:
    """Reading problems first; a checking problem on a field that already
    failed to read (or inside it) is the same fault said twice, and dropped."""
    failed = {p.field for p in reading if p.severity == "error"}

    def covered(field: str) -> bool:
        return any(field == f or field.startswith(f + ".") or field.startswith(f + "[") for f in failed)

    return reading + tuple(p for p in checking if not covered(p.field))


def plan_from_dict(data: object) -> tuple[Plan | None, tuple[Problem, ...]]:
    """Read and validate: the plan (None when refused) and every problem."""
    plan, reading = read_plan_dict(data)
    if plan is None:
        return None, reading
    problems = merge_problems(reading, validate(plan))
    return (None if errors_only(problems) else plan), problems


def _scalar_or_list(values: Series) -> float | list[float]:
    if values and all(v == values[0] for v in values):
        return values[0]
    return list(values)


def _spec_to_dict(spec: LeadSpec) -> dict[str, Any]:
    out: dict[str, Any] = {
        "gate": spec.gate,
        "threshold": spec.threshold,
        "criteria": [
            {"name": c.name, "points": c.points, "share": c.share, "required": c.required} for c in spec.criteria
        ],
    }
    if spec.empirical is not None:
        out["empirical"] = {"pass_rate": spec.empirical.pass_rate, "sample": spec.empirical.sample}
    if spec.pass_rate_source != "criteria":
        out["pass_rate_source"] = spec.pass_rate_source
    return out


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan in the JSON format (optional parts only when present)."""
    stages: list[dict[str, Any]] = []
    for k, s in enumerate(plan.stages):
        entry: dict[str, Any] = {"name": s.name}
        if k < len(plan.stages) - 1:
            entry["rate"] = s.rate
            entry["lag_days"] = s.lag_days if s.lag_days is not None else 0.0
        if s.sales_hours:
            entry["sales_hours"] = s.sales_hours
        stages.append(entry)
    out: dict[str, Any] = {
        "format": PLAN_FORMAT,
        "name": plan.name,
        "currency": plan.currency,
        "start": plan.start,
        "months": plan.months,
        "revenue_target": list(plan.revenue_target),
        "avg_deal_size": plan.avg_deal_size,
    }
    if plan.pipeline_revenue and any(plan.pipeline_revenue):
        out["pipeline_revenue"] = _scalar_or_list(plan.pipeline_revenue)
    out["stages"] = stages
    if plan.lead_spec is not None:
        out["lead_spec"] = _spec_to_dict(plan.lead_spec)
    if plan.proposed_lead_spec is not None:
        out["proposed_lead_spec"] = _spec_to_dict(plan.proposed_lead_spec)
    channels = []
    for c in plan.channels:
        entry = {"name": c.name, "mix": c.mix, "cost_per_lead": c.cost_per_lead}
        if c.rate is not None:
            entry["rate"] = c.rate
        if any(c.fixed_cost):
            entry["fixed_cost"] = _scalar_or_list(c.fixed_cost)
        channels.append(entry)
    out["channels"] = channels
    if plan.free_sources:
        out["free_sources"] = [
            {"name": f.name, "stage": f.stage, "volume": _scalar_or_list(f.volume)} for f in plan.free_sources
        ]
    if plan.approved_budget is not None:
        out["approved_budget"] = _scalar_or_list(plan.approved_budget)
    if plan.sales_hours_available is not None:
        out["sales_hours_available"] = _scalar_or_list(plan.sales_hours_available)
    if plan.notes:
        out["notes"] = plan.notes
    return out


def normalized(plan: Plan) -> Plan:
    """The plan as it reads back from JSON (pipeline as a full series)."""
    if plan.pipeline_revenue:
        return plan
    return plan.with_changes(pipeline_revenue=(0.0,) * plan.months)


def load_plan_json(path: Path) -> tuple[Plan | None, tuple[Problem, ...]]:
    """Read a plan file; malformed JSON is a problem naming line and column."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        return None, (Problem("file", f"Cannot read {path}: {exc.strerror or exc}."),)
    except UnicodeDecodeError:
        return None, (Problem("file", f"{path} is not a text (JSON) file."),)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, (
            Problem("file", f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."),
        )
    except RecursionError:
        return None, (Problem("file", f"{path} is nested too deeply to be a plan."),)
    return plan_from_dict(data)


def save_plan_json(plan: Plan, path: Path) -> None:
    """Write the plan as JSON, atomically."""
    atomic_write_text(path, json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False) + "\n")


def load_plan_json_or_raise(path: Path) -> Plan:
    plan, problems = load_plan_json(path)
    if plan is None:
        raise PlanRefused(errors_only(problems) or problems)
    return plan
