"""Open and save plan documents by extension: ``.json`` (the interchange
format) and ``.xlsx`` (the plan workbook). Every failure to read is a
:class:`~core.plan.Problem`, never a traceback."""

from __future__ import annotations

from pathlib import Path

from core.plan import Plan, Problem
from core.plan_json import load_plan_json, save_plan_json
from core.plan_workbook import load_plan_workbook, save_plan_workbook

PLAN_SUFFIXES = (".json", ".xlsx")


def load_plan(path: Path) -> tuple[Plan | None, tuple[Problem, ...]]:
    """The plan in ``path`` (None when refused) and every problem found."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return load_plan_json(path)
    if suffix == ".xlsx":
        return load_plan_workbook(path)
    if suffix in (".xls", ".xlsm", ".ods", ".csv"):
        return None, (
            Problem(
                "file",
                f"{path.name}: plans are opened from .xlsx or .json files; to use this '{suffix}' spreadsheet, "
                "import it instead.",
                location=path.name,
            ),
        )
    return None, (
        Problem(
            "file",
            f"{path.name}: plans are read from .xlsx or .json files; this one is '{suffix or 'without extension'}'.",
            location=path.name,
        ),
    )


def save_plan(plan: Plan, path: Path) -> None:
    """Save atomically in the format the extension names (OSError on failure;
    for a workbook, :class:`~core.plan_workbook.PlanSaveError`, an OSError)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        save_plan_json(plan, path)
        return
    if suffix == ".xlsx":
        save_plan_workbook(plan, path)
        return
    raise ValueError(f"{path.name}: plans are saved as .xlsx or .json")
