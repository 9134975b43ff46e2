"""Plan-file problems in the user's words: the objects and fields of a plan
named as a person names them (``Stage 'MQL': the days to the next stage``),
never as a JSON path (``stages[1].lag_days``). Used by the JSON reader
(:mod:`core.formats.json_reader`, :mod:`core.formats.plan_json`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from core.formats.json_text import BadNumber, BadText, shorten, show

_KINDS = {
    "stages": "Stage",
    "channels": "Channel",
    "free_sources": "Free source",
    "criteria": "Criterion",
    "scenarios": "Scenario",
    "sources": "Contingency source",
}
_PARTS = {
    "lead_spec": "The lead spec",
    "proposed_lead_spec": "The proposed lead spec",
    "empirical": "The measured pass rate",
    "after_plan": "After the plan",
    "nurture": "The nurture pool",
    "actuals": "Actuals",
    "contingency": "The contingency plan",
    "uncertainty": "Uncertainty",
}
_KEY_WORDS = {
    "lag_days": "days to the next stage",
    "avg_deal_size": "average deal size",
    "mix": "mix share",
    "lag_profile": "timing profile by month",
    "rate_sample": "number of items the rate was measured on",
    "share_sample": "number of leads the share was measured on",
    "recycle": "share of failing leads recycled",
    "maturity": "share maturing each month",
    "decay": "share lost each month",
    "max_months": "months in the pool",
    "hours_per_lead": "hours per lead in the pool",
    "hours_available": "lead-development hours available",
    "cost_per_item": "cost per item",
    "max_per_month": "items a month at most",
    "lead_time_months": "lead time in months",
    "months": "months",
    "draws": "number of draws",
    "alarm_threshold": "alarm threshold",
}


def label(path: str, obj: Mapping[str, Any]) -> str:
    """The object at ``path`` as a person names it: ``Stage 'MQL'``, ``The lead spec``."""
    if not path:
        return "The plan"
    last = path.rsplit(".", 1)[-1]
    if last.endswith("]") and "[" in last:
        kind, _, index = last[:-1].partition("[")
        word = _KINDS.get(kind, kind)
        name = obj.get("name")
        if isinstance(name, str) and name.strip():
            return f"{word} '{shorten(name)}'"
        return f"{word} {int(index) + 1}" if index.isdigit() else word
    return _PARTS.get(last, last)


def key_words(key: str) -> str:
    """A key of the format in words: ``cost_per_lead`` -> ``cost per lead``."""
    return _KEY_WORDS.get(key, key.replace("_", " "))


def number_problem(value: object) -> str:
    """What is wrong with a value that should be a number (completes "<field> ...")."""
    return (
        f"is {value.describe()}."
        if isinstance(value, (BadNumber, BadText))
        else f"must be a number; it is {show(value)}."
    )


_SEGMENT = re.compile(r"^([A-Za-z_]\w*)(?:\[(\d+)\])?$")


def path_words(path: str, root: object) -> str:
    """The value at ``path`` as a person names it, its objects named from
    the raw data: ``stages[0].lag_days`` -> "Stage 'Inquiry': the days to the
    next stage", ``avg_deal_size`` -> "The average deal size"."""
    owner, key = "", ""
    node: object = root
    walked = ""
    for segment in path.split(".") if path else []:
        match = _SEGMENT.match(segment)
        if match is None:
            return path
        name, index = match.group(1), match.group(2)
        walked = f"{walked}.{segment}" if walked else segment
        node = node.get(name) if isinstance(node, Mapping) else None
        if index is None:
            if name in _PARTS:
                owner, key = label(name, {}), ""
            else:
                key = name
            continue
        items = node if isinstance(node, list) else []
        i = int(index)
        node = items[i] if i < len(items) else None
        owner, key = label(walked, node if isinstance(node, Mapping) else {}), ""
    if not key:
        return owner or "The plan"
    what = key_words(key)
    return f"{owner}: the {what}" if owner else f"The {what}"
