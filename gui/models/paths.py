"""Reading and replacing one value of an immutable plan by its field path.

A path is the one :class:`core.model.plan.Problem` uses (``stages[2].rate``,
``channels[0].fixed_cost[3]``, ``lead_spec.criteria[1].share``), so an
edit, its validation problems and the cell showing it all share one name.
The reading and replacing are the core's (:mod:`core.model.edits`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.model.edits import field_value, parse_path, set_field
from core.model.plan import Problem

__all__ = ["concerns", "get_value", "parse_path", "problems_by_path", "set_value"]


def get_value(obj: Any, path: str) -> Any:
    """The value at ``path`` (``None`` when a part on the way is ``None``)."""
    return field_value(obj, path)


def set_value(obj: Any, path: str, value: Any) -> Any:
    """A copy of ``obj`` with the value at ``path`` replaced."""
    return set_field(obj, path, value)


def concerns(problem_field: str, path: str) -> bool:
    """True when a problem about ``problem_field`` is about the value at
    ``path`` (the same field, or a part of it such as one month)."""
    return problem_field == path or problem_field.startswith((path + "[", path + "."))


def problems_by_path(problems: Iterable[Problem]) -> dict[str, list[Problem]]:
    """The problems under every path they concern (see :func:`concerns`): a
    problem about ``channels[3].fixed_cost[12]`` is filed under that path and
    under ``channels[3].fixed_cost``, ``channels[3]`` and ``channels`` (each
    cut before a '[' or '.'), so a table cell finds its own in one look
    rather than comparing every problem with every cell."""
    found: dict[str, list[Problem]] = {}
    for problem in problems:
        field = problem.field
        cuts = {i for i, ch in enumerate(field) if ch in "[." and i > 0}
        for prefix in {field, *(field[:i] for i in cuts)}:
            found.setdefault(prefix, []).append(problem)
    return found
