"""Plan field paths said in the user's words, for import messages.

Problems found while calibrating (and by validating the calibrated plan)
name a field of the plan by its JSON path, ``channels[1].cost_per_lead``;
a person reads "Channel 'Webinars' cost per lead". :func:`field_words`
turns a path into those words (other text, such as a column header, is
kept as it is) and :func:`in_words` does so for every problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from core.model.plan import Plan, Problem

_PATH = re.compile(r"^[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*$")
_SEGMENT = re.compile(r"^([a-z_]+)(?:\[(\d+)\])?$")
_ROOTS = {
    "stages", "channels", "free_sources", "lead_spec", "proposed_lead_spec", "revenue_target", "avg_deal_size",
    "start", "months", "notes", "currency", "name",
}  # fmt: skip
_WORDS = {
    "lag_days": "lag (days)",
    "avg_deal_size": "average deal size",
    "cost_per_lead": "cost per lead",
    "fixed_cost": "fixed cost",
    "lead_spec": "lead spec",
    "proposed_lead_spec": "proposed lead spec",
    "pass_rate": "pass rate",
    "pass_rate_source": "pass rate source",
    "empirical": "measured pass rate",
    "revenue_target": "revenue target",
    "free_sources": "free sources",
    "mix": "mix",
}


def _named(kind: str, names: list[str], index: int) -> str:
    name = names[index] if 0 <= index < len(names) else f"number {index + 1}"
    return f"{kind} '{name}'"


def _segment_words(name: str, index: int | None, plan: Plan | None, parent: str) -> str:
    if index is None:
        return _WORDS.get(name, name.replace("_", " "))
    if name == "stages":
        stages = [s.name for s in plan.stages] if plan else []
        if 0 <= index < len(stages) - 1:
            return f"{stages[index]} → {stages[index + 1]}"
        return _named("stage", stages, index)
    if name == "channels":
        return _named("channel", [c.name for c in plan.channels] if plan else [], index)
    if name == "free_sources":
        return _named("free source", [f.name for f in plan.free_sources] if plan else [], index)
    if name == "criteria":
        spec = (plan.proposed_lead_spec if parent == "proposed_lead_spec" else plan.lead_spec) if plan else None
        return _named("criterion", [c.name for c in spec.criteria] if spec else [], index)
    return f"{_WORDS.get(name, name.replace('_', ' '))}, month {index + 1}"


def field_words(field: str, plan: Plan | None = None) -> str:
    """``channels[1].cost_per_lead`` -> "Channel 'Webinars' cost per lead"
    (names from ``plan``); text that is not a plan path is returned as is."""
    if not _PATH.match(field) or field.split(".", 1)[0].split("[", 1)[0] not in _ROOTS:
        return field
    words: list[str] = []
    parent = ""
    for segment in field.split("."):
        match = _SEGMENT.match(segment)
        if match is None:
            return field
        name, index = match.group(1), match.group(2)
        words.append(_segment_words(name, int(index) if index is not None else None, plan, parent))
        parent = name
    text = " ".join(words)
    return text[0].upper() + text[1:]


def in_words(problems: Iterable[Problem], plan: Plan | None = None) -> tuple[Problem, ...]:
    """Every problem with its field in the user's words."""
    return tuple(
        p if (words := field_words(p.field, plan)) == p.field else Problem(words, p.message, p.severity, p.location)
        for p in problems
    )


__all__ = ["field_words", "in_words"]
