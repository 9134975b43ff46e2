"""Plans in the JSON interchange format (plan-format.md).

:func:`plan_from_dict` reads leniently and reports every problem it meets
as a value naming the field; :func:`plan_to_dict` writes the format back.
A scalar in a monthly field means "the same every month"; a uniform series
is written back as that scalar.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.calc.feasibility import validate
from core.formats.files import atomic_write_text
from core.formats.json_reader import JsonReader
from core.formats.json_text import MAX_JSON_BYTES, parse_json, scalar_or_list, show
from core.formats.plan_json_year import read_actuals, read_contingency, read_uncertainty, year_to_dict
from core.model.plan import (
    MAX_CHANNELS,
    MAX_CRITERIA,
    MAX_FREE_SOURCES,
    MAX_PROFILE_MONTHS,
    MAX_SCENARIOS,
    MAX_STAGES,
    PLAN_FORMAT,
    AfterPlan,
    Channel,
    Criterion,
    EmpiricalPassRate,
    FreeSource,
    LeadSpec,
    Nurture,
    Plan,
    PlanRefused,
    Problem,
    Stage,
    errors_only,
)
from core.model.validation import too_many

_PLAN_KEYS = {
    "format", "name", "currency", "start", "months", "revenue_target", "avg_deal_size",
    "pipeline_revenue", "stages", "lead_spec", "proposed_lead_spec", "channels",
    "free_sources", "approved_budget", "sales_hours_available", "notes", "after_plan", "nurture",
    "actuals", "contingency", "uncertainty",
}  # fmt: skip
_STAGE_KEYS = {"name", "rate", "lag_days", "sales_hours", "lag_profile", "rate_sample"}
_AFTER_PLAN_KEYS = {"mode", "growth"}
_NURTURE_KEYS = {"stage", "recycle", "maturity", "decay", "max_months", "hours_per_lead", "hours_available"}
_SPEC_KEYS = {"gate", "threshold", "criteria", "empirical", "pass_rate_source"}
_CRITERION_KEYS = {"name", "points", "share", "required", "share_sample"}
_CHANNEL_KEYS = {"name", "mix", "cost_per_lead", "rate", "fixed_cost", "rate_sample"}
_FREE_KEYS = {"name", "stage", "volume"}
# keys of the plan document around the top-level plan (plan-format.md, "Scenarios")
DOCUMENT_KEYS = {"scenario_name", "scenarios", "active_scenario"}
_SCENARIO_KEYS = {"name", "plan"}
MAIN_SCENARIO = "Baseline"


def _read_spec(r: JsonReader, raw: object, path: str, default_gate: str | None) -> LeadSpec | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        r.fail(path, "must be an object with gate, threshold and criteria.")
        return None
    r.unknown_keys(raw, _SPEC_KEYS, path)
    criteria = []
    for i, c in enumerate(r.objects(raw, "criteria", f"{path}.criteria", required=False, most=MAX_CRITERIA)):
        cpath = f"{path}.criteria[{i}]"
        r.unknown_keys(c, _CRITERION_KEYS, cpath)
        criteria.append(
            Criterion(
                name=r.text(c, "name", f"{cpath}.name"),
                points=r.whole(c, "points", f"{cpath}.points"),
                share=r.number(c, "share", f"{cpath}.share"),
                required=r.flag(c, "required", f"{cpath}.required"),
                share_sample=r.optional_whole(c, "share_sample", f"{cpath}.share_sample"),
            )
        )
    empirical = None
    raw_emp = raw.get("empirical")
    if isinstance(raw_emp, dict):
        r.unknown_keys(raw_emp, {"pass_rate", "sample"}, f"{path}.empirical")
        empirical = EmpiricalPassRate(
            pass_rate=r.number(raw_emp, "pass_rate", f"{path}.empirical.pass_rate"),
            sample=r.whole(raw_emp, "sample", f"{path}.empirical.sample"),
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


def _read_stages(r: JsonReader, data: Mapping[str, Any]) -> list[Stage]:
    """The funnel's stages (the last one has no rate or lag)."""
    stages = []
    raw_stages = r.objects(data, "stages", "stages", required=True, most=MAX_STAGES)
    for k, s in enumerate(raw_stages):
        path = f"stages[{k}]"
        r.unknown_keys(s, _STAGE_KEYS, path)
        last = k == len(raw_stages) - 1
        profile = None if last else r.numbers(s, "lag_profile", f"{path}.lag_profile", MAX_PROFILE_MONTHS)
        # a profile replaces the days; both given is refused by validation, so keep both then
        days = (
            None
            if last or (profile is not None and s.get("lag_days") is None)
            else r.number(s, "lag_days", f"{path}.lag_days", 0.0)
        )
        stages.append(
            Stage(
                name=r.text(s, "name", f"{path}.name"),
                rate=None if last else r.number(s, "rate", f"{path}.rate"),
                lag_days=days,
                sales_hours=r.number(s, "sales_hours", f"{path}.sales_hours", 0.0),
                lag_profile=profile,
                rate_sample=None if last else r.optional_whole(s, "rate_sample", f"{path}.rate_sample"),
            )
        )
    return stages


def _read_channels(r: JsonReader, data: Mapping[str, Any]) -> list[Channel]:
    """The paid channels."""
    channels = []
    for j, c in enumerate(r.objects(data, "channels", "channels", required=False, most=MAX_CHANNELS)):
        path = f"channels[{j}]"
        r.unknown_keys(c, _CHANNEL_KEYS, path)
        channels.append(
            Channel(
                name=r.text(c, "name", f"{path}.name"),
                mix=r.number(c, "mix", f"{path}.mix"),
                cost_per_lead=r.number(c, "cost_per_lead", f"{path}.cost_per_lead"),
                fixed_cost=r.series(c, "fixed_cost", f"{path}.fixed_cost", 0.0),
                rate=r.optional_number(c, "rate", f"{path}.rate"),
                rate_sample=r.optional_whole(c, "rate_sample", f"{path}.rate_sample"),
            )
        )
    return channels


def _read_after_plan(r: JsonReader, data: Mapping[str, Any]) -> AfterPlan:
    """``after_plan``: absent means the target goes on unchanged."""
    raw = data.get("after_plan")
    if raw is None:
        return AfterPlan()
    if not isinstance(raw, dict):
        r.fail("after_plan", "must be an object with a mode ('repeat' or 'none') and a growth rate.")
        return AfterPlan()
    r.unknown_keys(raw, _AFTER_PLAN_KEYS, "after_plan")
    mode = r.text(raw, "mode", "after_plan.mode", "repeat")
    return AfterPlan(
        mode=mode,  # type: ignore[arg-type]  # any other text is refused by validation, naming it
        growth=r.number(raw, "growth", "after_plan.growth", 0.0),
    )


def _read_nurture(r: JsonReader, data: Mapping[str, Any]) -> Nurture | None:
    """``nurture``: the lead development team's pool (absent: none)."""
    raw = data.get("nurture")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        r.fail("nurture", "must be an object with the recycle share, maturity and decay.")
        return None
    r.unknown_keys(raw, _NURTURE_KEYS, "nurture")
    stage = raw.get("stage")
    return Nurture(
        recycle=r.number(raw, "recycle", "nurture.recycle"),
        maturity=r.number(raw, "maturity", "nurture.maturity"),
        decay=r.number(raw, "decay", "nurture.decay", 0.0),
        max_months=r.whole(raw, "max_months", "nurture.max_months", 24),
        stage=None if stage is None else r.text(raw, "stage", "nurture.stage"),
        hours_per_lead=r.optional_number(raw, "hours_per_lead", "nurture.hours_per_lead"),
        hours_available=None
        if raw.get("hours_available") is None
        else r.series(raw, "hours_available", "nurture.hours_available"),
    )


def _read_free_sources(r: JsonReader, data: Mapping[str, Any]) -> list[FreeSource]:
    """The free lead sources (volumes per month at a stage)."""
    free = []
    for i, f in enumerate(r.objects(data, "free_sources", "free_sources", required=False, most=MAX_FREE_SOURCES)):
        path = f"free_sources[{i}]"
        r.unknown_keys(f, _FREE_KEYS, path)
        free.append(
            FreeSource(
                name=r.text(f, "name", f"{path}.name"),
                stage=r.text(f, "stage", f"{path}.stage"),
                volume=r.series(f, "volume", f"{path}.volume"),
            )
        )
    return free


def read_plan_dict(data: object, top_level: bool = True) -> tuple[Plan | None, tuple[Problem, ...]]:
    """A plan from parsed JSON, with every problem met while reading.

    Returns ``(None, problems)`` when the data is not a plan object at all.
    The plan returned may still hold placeholders (NaN) where a value was
    unreadable; :func:`plan_from_dict` also validates. The document keys
    (``scenarios``, ``scenario_name``, ``active_scenario``) belong to the
    top-level plan only; inside a scenario (``top_level=False``) they are
    unknown keys.
    """
    r = JsonReader(data)
    if not isinstance(data, dict):
        return None, (Problem("plan", "The file does not hold a plan object ({...})."),)
    r.unknown_keys(data, _PLAN_KEYS | DOCUMENT_KEYS if top_level else _PLAN_KEYS, "")
    fmt = data.get("format")
    if fmt is not None and fmt != PLAN_FORMAT:
        r.fail("format", f"This file is in format {show(fmt)}; this planner reads '{PLAN_FORMAT}'.")
    r.months = r.whole(data, "months", "months")
    stages = _read_stages(r, data)
    channels = _read_channels(r, data)
    free = _read_free_sources(r, data)
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
        after_plan=_read_after_plan(r, data),
        nurture=_read_nurture(r, data),
        actuals=read_actuals(r, data),
        contingency=read_contingency(r, data),
        uncertainty=read_uncertainty(r, data),
    )
    return plan, r.finish()


def merge_problems(reading: tuple[Problem, ...], checking: tuple[Problem, ...]) -> tuple[Problem, ...]:
    """Reading problems first; a checking problem on a field that already
    failed to read (or inside it) is the same fault said twice, and dropped."""
    failed = {p.field for p in reading if p.severity == "error"}

    def covered(field: str) -> bool:
        return any(field == f or field.startswith(f + ".") or field.startswith(f + "[") for f in failed)

    return reading + tuple(p for p in checking if not covered(p.field))


def plan_from_dict(data: object, top_level: bool = True) -> tuple[Plan | None, tuple[Problem, ...]]:
    """Read and validate: the plan (None when refused) and every problem."""
    plan, reading = read_plan_dict(data, top_level)
    if plan is None:
        return None, reading
    problems = merge_problems(reading, validate(plan))
    return (None if errors_only(problems) else plan), problems


NamedPlans = tuple[tuple[str, Plan], ...]
"""A document's scenarios in order, as (name, plan); the first is the main plan."""


def scenario_problems(problems: tuple[Problem, ...], index: int, name: str) -> tuple[Problem, ...]:
    """The problems of the plan of ``scenarios[index]``: each field is
    prefixed with ``scenarios[index].plan.`` and each message names the
    scenario, so a person knows which copy of the plan to fix."""
    prefix = f"scenarios[{index}].plan"
    return tuple(
        Problem(
            f"{prefix}.{p.field}" if p.field else prefix,
            f"Scenario '{name}': {p.message}",
            p.severity,
            p.location,
        )
        for p in problems
    )


def scenario_from_dict(item: object, index: int) -> tuple[tuple[str, Plan] | None, tuple[Problem, ...]]:
    """One entry of ``scenarios``: ``{"name": ..., "plan": {...}}``, its plan
    read and validated as any plan (problems prefixed by
    :func:`scenario_problems`). ``(None, problems)`` when it is refused."""
    path = f"scenarios[{index}]"
    if not isinstance(item, dict):
        return None, (Problem(path, f"Scenario {index + 2} must be an object with a name and a plan."),)
    r = JsonReader({"scenarios": [None] * index + [item]})
    r.unknown_keys(item, _SCENARIO_KEYS, path)
    name = r.text(item, "name", f"{path}.name")
    if not name.strip() and not errors_only(tuple(r.problems)):
        r.fail(f"{path}.name", "is empty; enter the scenario's name.")
    raw_plan = item.get("plan")
    if not isinstance(raw_plan, dict):
        r.fail(f"{path}.plan", f"Scenario '{name}': must be a plan object ({{...}}).")
        return None, r.finish()
    plan, problems = plan_from_dict(raw_plan, top_level=False)
    problems = r.finish() + scenario_problems(problems, index, name or f"number {index + 2}")
    if plan is None or errors_only(problems):
        return None, problems
    return (name, plan), problems


def scenario_to_dict(name: str, plan: Plan) -> dict[str, Any]:
    """One entry of ``scenarios``. An absent pipeline is written as ``[]``
    so that the plan reads back exactly as it was (an all-zero pipeline is
    left out, as in :func:`plan_to_dict`, and reads back as zeros)."""
    data = plan_to_dict(plan)
    if not plan.pipeline_revenue:
        data["pipeline_revenue"] = []
    return {"name": name, "plan": data}


def read_active(data: Mapping[str, Any], count: int) -> tuple[int, tuple[Problem, ...]]:
    """``active_scenario``: the index (0 = the top-level plan) of the scenario
    being edited when the file was saved; anything else is a warning and 0."""
    value = data.get("active_scenario", 0)
    if value is None:
        return 0, ()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer():
        return 0, (
            Problem(
                "active_scenario", "The active scenario must be a whole number; the first scenario is shown.", "warning"
            ),
        )
    if not 0 <= int(value) < count:
        return 0, (
            Problem(
                "active_scenario",
                f"The active scenario is {int(value)}, but the file has scenarios 0 to {count - 1}; "
                "the first scenario is shown.",
                "warning",
            ),
        )
    return int(value), ()


def document_from_dict(data: object) -> tuple[NamedPlans | None, int, tuple[Problem, ...]]:
    """A plan document: the top-level plan (named by ``scenario_name``,
    "Baseline" when absent) followed by every entry of ``scenarios``, the
    index of the active one, and every problem. A scenario with an error
    refuses the whole document (``None``): nothing is dropped silently."""
    main, main_problems = plan_from_dict(data)
    if not isinstance(data, dict):
        return None, 0, main_problems
    r = JsonReader(data)
    name = r.text(data, "scenario_name", "scenario_name", MAIN_SCENARIO) or MAIN_SCENARIO
    entries = data.get("scenarios")
    if entries is not None and not isinstance(entries, list):
        r.fail("scenarios", "must be a list of scenarios, each with a name and a plan.")
    found: list[tuple[str, Plan]] = []
    items = entries if isinstance(entries, list) else []
    if len(items) > MAX_SCENARIOS:
        r.problems.append(too_many("scenarios", len(items)))
        items = []
    problems = list(main_problems) + list(r.finish())
    for index, item in enumerate(items):
        scenario, found_problems = scenario_from_dict(item, index)
        problems.extend(found_problems)
        if scenario is not None:
            found.append(scenario)
    active, active_problems = read_active(data, 1 + len(items))
    problems.extend(active_problems)
    result = tuple(problems)
    if main is None or errors_only(result) or len(found) != len(items):
        return None, 0, result
    return ((name, main), *found), active, result


def document_to_dict(scenarios: NamedPlans, active: int = 0) -> dict[str, Any]:
    """The document in the JSON format: the first scenario is the top-level
    plan; the document keys appear only when there is something to say, so
    a one-scenario document is exactly :func:`plan_to_dict`."""
    if not scenarios:
        raise ValueError("a plan document has at least one scenario")
    (name, main), *others = scenarios
    out = plan_to_dict(main)
    if name != MAIN_SCENARIO:
        out["scenario_name"] = name
    if others:
        out["scenarios"] = [scenario_to_dict(n, p) for n, p in others]
    if active:
        out["active_scenario"] = active
    return out


def _criterion_to_dict(c: Criterion) -> dict[str, Any]:
    out: dict[str, Any] = {"name": c.name, "points": c.points, "share": c.share, "required": c.required}
    if c.share_sample is not None:
        out["share_sample"] = c.share_sample
    return out


def _stage_to_dict(s: Stage, last: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": s.name}
    if not last:
        entry["rate"] = s.rate
        if s.rate_sample is not None:
            entry["rate_sample"] = s.rate_sample
        if s.lag_profile is not None:
            entry["lag_profile"] = list(s.lag_profile)
            if s.lag_days is not None:  # kept as read, so that the refusal says both were given
                entry["lag_days"] = s.lag_days
        else:
            entry["lag_days"] = s.lag_days if s.lag_days is not None else 0.0
    if s.sales_hours:
        entry["sales_hours"] = s.sales_hours
    return entry


def _v2_to_dict(plan: Plan) -> dict[str, Any]:
    """``after_plan`` (only when not the default) and ``nurture``."""
    out: dict[str, Any] = {}
    if plan.after_plan != AfterPlan():
        after: dict[str, Any] = {"mode": plan.after_plan.mode}
        if plan.after_plan.mode == "repeat":
            after["growth"] = plan.after_plan.growth
        out["after_plan"] = after
    n = plan.nurture
    if n is not None:
        nurture: dict[str, Any] = {}
        if n.stage is not None:
            nurture["stage"] = n.stage
        nurture.update(recycle=n.recycle, maturity=n.maturity, decay=n.decay, max_months=n.max_months)
        if n.hours_per_lead is not None:
            nurture["hours_per_lead"] = n.hours_per_lead
        if n.hours_available is not None:
            nurture["hours_available"] = scalar_or_list(n.hours_available)
        out["nurture"] = nurture
    return out


def _spec_to_dict(spec: LeadSpec) -> dict[str, Any]:
    out: dict[str, Any] = {
        "gate": spec.gate,
        "threshold": spec.threshold,
        "criteria": [_criterion_to_dict(c) for c in spec.criteria],
    }
    if spec.empirical is not None:
        out["empirical"] = {"pass_rate": spec.empirical.pass_rate, "sample": spec.empirical.sample}
    if spec.pass_rate_source != "criteria":
        out["pass_rate_source"] = spec.pass_rate_source
    return out


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan in the JSON format (optional parts only when present)."""
    last = len(plan.stages) - 1
    stages = [_stage_to_dict(s, k == last) for k, s in enumerate(plan.stages)]
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
        out["pipeline_revenue"] = scalar_or_list(plan.pipeline_revenue)
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
        if c.rate_sample is not None:
            entry["rate_sample"] = c.rate_sample
        if any(c.fixed_cost):
            entry["fixed_cost"] = scalar_or_list(c.fixed_cost)
        channels.append(entry)
    out["channels"] = channels
    if plan.free_sources:
        out["free_sources"] = [
            {"name": f.name, "stage": f.stage, "volume": scalar_or_list(f.volume)} for f in plan.free_sources
        ]
    if plan.approved_budget is not None:
        out["approved_budget"] = scalar_or_list(plan.approved_budget)
    if plan.sales_hours_available is not None:
        out["sales_hours_available"] = scalar_or_list(plan.sales_hours_available)
    out.update(_v2_to_dict(plan))
    out.update(year_to_dict(plan))
    if plan.notes:
        out["notes"] = plan.notes
    return out


def normalized(plan: Plan) -> Plan:
    """The plan as it reads back from JSON (pipeline as a full series)."""
    if plan.pipeline_revenue:
        return plan
    return plan.with_changes(pipeline_revenue=(0.0,) * plan.months)


def load_document_json(path: Path) -> tuple[NamedPlans | None, int, tuple[Problem, ...]]:
    """Read a plan document (every scenario, the active index); malformed
    JSON is a problem naming line and column."""
    data, problem = _parse(path)
    if problem is not None:
        return None, 0, (problem,)
    return document_from_dict(data)


def save_document_json(scenarios: NamedPlans, active: int, path: Path) -> None:
    """Write the document (every scenario) as JSON, atomically."""
    text = json.dumps(document_to_dict(scenarios, active), indent=2, ensure_ascii=False) + "\n"
    atomic_write_text(path, text)


def load_plan_json(path: Path) -> tuple[Plan | None, tuple[Problem, ...]]:
    """Read a plan file: the top-level plan, refused when any scenario of
    the document is; malformed JSON is a problem naming line and column."""
    scenarios, _active, problems = load_document_json(path)
    return (scenarios[0][1] if scenarios else None), problems


def _parse(path: Path) -> tuple[object, Problem | None]:
    """The parsed JSON of ``path``, or the problem that stops reading it.
    A file larger than any plan is refused before it is read whole."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        return None, Problem("file", f"Cannot read {path}: {exc.strerror or exc}.")
    if len(raw) > MAX_JSON_BYTES:
        return None, Problem(
            "file",
            f"{path.name} is larger than {MAX_JSON_BYTES // (1024 * 1024)} MB, far larger than any plan; "
            "is it the right file?",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, Problem("file", f"{path} is not a text (JSON) file.")
    try:
        return parse_json(text), None
    except json.JSONDecodeError as exc:
        return None, Problem("file", f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.")
    except RecursionError:
        return None, Problem("file", f"{path} is nested too deeply to be a plan.")


def save_plan_json(plan: Plan, path: Path) -> None:
    """Write the plan as JSON, atomically."""
    atomic_write_text(path, json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False) + "\n")


def load_plan_json_or_raise(path: Path) -> Plan:
    plan, problems = load_plan_json(path)
    if plan is None:
        raise PlanRefused(errors_only(problems) or problems)
    return plan
