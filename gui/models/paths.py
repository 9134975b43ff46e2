"""Reading and replacing one value of an immutable plan by its field path.

A path is the one :class:`core.model.plan.Problem` uses (``stages[2].rate``,
``channels[0].fixed_cost[3]``, ``lead_spec.criteria[1].share``), so an
edit, its validation problems and the cell showing it all share one name.
"""

from __future__ import annotations

import re
from dataclasses import is_dataclass, replace
from typing import Any

_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """``"stages[2].rate"`` -> ``["stages", 2, "rate"]``."""
    parts: list[str | int] = []
    for match in _TOKEN.finditer(path):
        name, index = match.groups()
        parts.append(name if name is not None else int(index))
    return parts


def get_value(obj: Any, path: str) -> Any:
    """The value at ``path`` (``None`` when a part on the way is ``None``)."""
    for part in parse_path(path):
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
    if not is_dataclass(obj):
        raise KeyError(head)
    return replace(obj, **{head: _set(getattr(obj, head), rest, value)})  # type: ignore[type-var]


def set_value(obj: Any, path: str, value: Any) -> Any:
    """A copy of ``obj`` with the value at ``path`` replaced."""
    return _set(obj, parse_path(path), value)


def concerns(problem_field: str, path: str) -> bool:
    """True when a problem about ``problem_field`` is about the value at
    ``path`` (the same field, or a part of it such as one month)."""
    return problem_field == path or problem_field.startswith((path + "[", path + "."))
