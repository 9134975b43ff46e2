"""Open and save plan documents by extension: ``.json`` (the interchange
format) and ``.xlsx`` (the plan workbook). Every failure to read is a
:class:`~core.model.plan.Problem`, never a traceback.

A document holds one or more named scenarios (copies of the plan to
compare); the first is the document's main plan, the one :func:`load_plan`
returns and ``calc``, ``export`` and ``convert`` work on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from core.formats.plan_json import MAIN_SCENARIO, NamedPlans, load_document_json, save_document_json
from core.formats.xlsx.plan_read import is_plan_workbook, load_document_workbook
from core.formats.xlsx.plan_write import save_document_workbook
from core.model.plan import Plan, Problem

PLAN_SUFFIXES = (".json", ".xlsx")


@dataclass(frozen=True)
class SavedScenario:
    """A named copy of the plan as saved in a document."""

    name: str
    plan: Plan


@dataclass(frozen=True)
class PlanDocumentData:
    """Everything a plan document file holds: its scenarios in order (the
    first is the main plan, never empty) and the index of the active one
    (the scenario being edited when it was saved; out of range means 0)."""

    scenarios: tuple[SavedScenario, ...]
    active: int = 0

    def __post_init__(self) -> None:
        if not self.scenarios:
            raise ValueError("a plan document has at least one scenario")
        if not 0 <= self.active < len(self.scenarios):
            object.__setattr__(self, "active", 0)

    @property
    def plan(self) -> Plan:
        """The main plan (the first scenario's)."""
        return self.scenarios[0].plan

    @classmethod
    def single(cls, plan: Plan, name: str = MAIN_SCENARIO) -> PlanDocumentData:
        return cls((SavedScenario(name, plan),), 0)

    def named_plans(self) -> NamedPlans:
        return tuple((s.name, s.plan) for s in self.scenarios)


def _refused_suffix(path: Path) -> tuple[Problem, ...]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return (
            Problem(
                "file",
                f"{path.name} is a spreadsheet export, not a plan: import it (File > Import last year's "
                f"spreadsheet, or `main.py import {path.name} --out plan.xlsx`).",
                location=path.name,
            ),
        )
    if suffix in (".xls", ".xlsm", ".ods"):
        return (
            Problem(
                "file",
                f"{path.name}: plans are opened from .xlsx or .json files; to use this '{suffix}' spreadsheet, "
                "import it instead.",
                location=path.name,
            ),
        )
    return (
        Problem(
            "file",
            f"{path.name}: plans are read from .xlsx or .json files; this one is '{suffix or 'without extension'}'.",
            location=path.name,
        ),
    )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def export_refusal(plan_path: Path | None, out: Path) -> Problem | None:
    """Why the budget request must not be written to ``out`` (None when it
    may): ``out`` is the plan file it is computed from (``plan_path``, the
    same file by any name or link), or another plan (a workbook carrying the
    planner's marker, or a ``.json`` document). Any other file it replaces is
    kept as ``<name>.bak`` by the writer."""
    out = Path(out)
    todo = "Name another file for the budget request (e.g. 'budget request.xlsx'); nothing was written."
    if plan_path is not None and _same_file(Path(plan_path), out):
        return Problem(
            "file",
            f"{out.name} is the plan being exported; the budget request never replaces it. {todo}",
            location=out.name,
        )
    if out.exists() and (out.suffix.lower() == ".json" or (out.suffix.lower() == ".xlsx" and is_plan_workbook(out))):
        return Problem(
            "file",
            f"{out.name} is a plan saved by the planner; the budget request never replaces a plan. {todo}",
            location=out.name,
        )
    return None


def load_document(path: Path) -> tuple[PlanDocumentData | None, tuple[Problem, ...]]:
    """Every scenario in ``path`` (None when refused: the main plan or any
    scenario has an error, each named in the problems) and every problem."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        scenarios, active, problems = load_document_json(path)
        # a JSON plan has no cells: the file's name is where the problem is
        problems = tuple(p if p.location else replace(p, location=path.name) for p in problems)
    elif suffix == ".xlsx":
        scenarios, active, problems = load_document_workbook(path)
    else:
        return None, _refused_suffix(path)
    if scenarios is None:
        return None, problems
    return PlanDocumentData(tuple(SavedScenario(n, p) for n, p in scenarios), active), problems


def save_document(data: PlanDocumentData, path: Path) -> None:
    """Save every scenario atomically in the format the extension names
    (OSError on failure; for a workbook, :class:`~core.formats.xlsx.plan_write.PlanSaveError`,
    an OSError; ValueError for another extension)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        save_document_json(data.named_plans(), data.active, path)
        return
    if suffix == ".xlsx":
        save_document_workbook(data.named_plans(), data.active, path)
        return
    raise ValueError(f"{path.name}: plans are saved as .xlsx or .json")


def load_plan(path: Path) -> tuple[Plan | None, tuple[Problem, ...]]:
    """The main plan in ``path`` (None when refused) and every problem found."""
    data, problems = load_document(path)
    return (data.plan if data is not None else None), problems


def save_plan(plan: Plan, path: Path) -> None:
    """Save one plan (a document of one scenario) atomically in the format
    the extension names (OSError on failure; for a workbook,
    :class:`~core.formats.xlsx.plan_write.PlanSaveError`, an OSError)."""
    save_document(PlanDocumentData.single(plan), path)
