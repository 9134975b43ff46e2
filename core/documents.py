"""Open and save plan documents by extension (JSON now; workbooks plug in
here). Every failure is a :class:`~core.plan.Problem`, never a traceback."""

from __future__ import annotations

from pathlib import Path

from core.plan import Plan, Problem
from core.plan_json import load_plan_json, save_plan_json

PLAN_SUFFIXES = (".json",)


def load_plan(path: Path) -> tuple[Plan | None, tuple[Problem, ...]]:
    """The plan in ``path`` (None when refused) and every problem found."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return load_plan_json(path)
    return None, (
        Problem(
            "file", f"{path.name}: plans are read from .json files; this one is '{suffix or 'without extension'}'."
        ),
    )


def save_plan(plan: Plan, path: Path) -> None:
    """Save atomically in the format the extension names (OSError on failure)."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        save_plan_json(plan, path)
        return
    raise ValueError(f"{path.name}: plans are saved as .json")
