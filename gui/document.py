"""The open document: its scenarios (each an immutable core Plan), the undo
stack, and the result of the active scenario, recalculated on every edit.

An edit is validated before it is applied: the new plan is built and
:func:`core.calc.feasibility.validate` run on it; an error about the edited field
refuses the edit (the plan stays as it was) and the core's message is
returned for the view to show in place. Other problems (the channel mix no
longer adding up to 100% while the mix is being re-balanced) are accepted and
shown; the results wait until the plan is whole again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from core.calc.engine import PlanResult, calculate
from core.calc.feasibility import validate
from core.calc.figures import Figures
from core.calc.figures import figures as figures_of
from core.formats.documents import PlanDocumentData, SavedScenario
from core.formats.recovery import FileStamp, Recovery, make_recovery
from core.model.plan import Plan, Problem, errors_only
from gui.commands import CompoundCommand, ReplacePlanCommand, ScenariosCommand, SetValueCommand
from gui.models.paths import concerns, get_value, set_value
from gui.outlook import Outlook


@dataclass(frozen=True)
class Scenario:
    """A named copy of the plan ("Baseline", "Proposed spec", "Cut trade shows")."""

    id: int
    name: str
    plan: Plan


@dataclass(frozen=True)
class Evaluation:
    """A plan's problems and, when it has no errors, its result."""

    problems: tuple[Problem, ...]
    result: PlanResult | None


def problem_text(problem: Problem) -> str:
    """A problem in the person's words (see :meth:`core.model.plan.Problem.__str__`)."""
    return str(problem)


def evaluate(plan: Plan, problems: tuple[Problem, ...] | None = None) -> Evaluation:
    """Validate (unless the plan's problems are already known), then
    calculate when nothing refuses the plan."""
    if problems is None:
        problems = validate(plan)
    result = None if errors_only(problems) else calculate(plan)
    return Evaluation(problems, result)


class PlanDocument(QObject):
    """The document model every view reads and every edit goes through."""

    planChanged = Signal()
    resultChanged = Signal()
    scenariosChanged = Signal()
    pathChanged = Signal()
    modifiedChanged = Signal(bool)

    def __init__(self, plan: Plan, path: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self._scenarios: tuple[Scenario, ...] = (Scenario(0, "Baseline", plan),)
        self._active = 0
        self._next_id = 1
        self._path = path
        self._checked: tuple[Plan, tuple[Problem, ...]] | None = None
        self._last_good: dict[int, tuple[Plan, PlanResult]] = {}  # scenario id -> its last calculated plan
        self._figures: tuple[PlanResult, Figures] | None = None
        self._evaluation = evaluate(plan)
        self._remember_result()
        self.outlook = Outlook(self)  # the odds and contingency plans, off the GUI thread (gui/outlook.py)

    def _clean_changed(self, clean: bool) -> None:
        self.modifiedChanged.emit(not clean)

    # ----- state -----------------------------------------------------------------
    @property
    def plan(self) -> Plan:
        return self.active_scenario.plan

    @property
    def result(self) -> PlanResult | None:
        return self._evaluation.result

    @property
    def figures(self) -> Figures | None:
        """The active result's figures (core.calc.figures), worked out once per result."""
        result = self._evaluation.result
        if result is None:
            return None
        cached = self._figures
        if cached is None or cached[0] is not result:
            cached = (result, figures_of(self.plan, result))
            self._figures = cached
        return cached[1]

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self._evaluation.problems

    @property
    def last_good(self) -> tuple[Plan, PlanResult] | None:
        """The active scenario's last plan that could be calculated in this
        document since it was opened (None after New/Open, or when it never
        could); while the plan has errors the Results page shows it, labelled."""
        return self._last_good.get(self._active)

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def scenarios(self) -> tuple[Scenario, ...]:
        return self._scenarios

    @property
    def active_id(self) -> int:
        return self._active

    @property
    def active_scenario(self) -> Scenario:
        for scenario in self._scenarios:
            if scenario.id == self._active:
                return scenario
        return self._scenarios[0]

    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    def display_name(self) -> str:
        return self._path.name if self._path is not None else "Untitled"

    # ----- whole-document changes (not undoable) -----------------------------------
    def reset(self, plan: Plan, path: Path | None, scenarios: Sequence[tuple[str, Plan]] = (), active: int = 0) -> None:
        """Start over with another document (New, Open, Recover)."""
        self.undo_stack.clear()
        self._last_good = {}  # figures belong to the document they were calculated for
        named = list(scenarios) or [("Baseline", plan)]
        self._scenarios = tuple(Scenario(i, name, p) for i, (name, p) in enumerate(named))
        self._next_id = len(self._scenarios)
        self._active = active if 0 <= active < len(self._scenarios) else 0
        self._path = path
        self._recalculate()
        self.scenariosChanged.emit()
        self.pathChanged.emit()
        self.modifiedChanged.emit(False)

    def open_document(self, data: PlanDocumentData, path: Path | None) -> None:
        """Start over with every scenario of a document file (Open)."""
        self.reset(data.plan, path, [(s.name, s.plan) for s in data.scenarios], data.active)

    def document_data(self) -> PlanDocumentData:
        """Every scenario, in order, and which one is active: what Save writes."""
        scenarios = tuple(SavedScenario(s.name, s.plan) for s in self._scenarios)
        return PlanDocumentData(scenarios, [s.id for s in self._scenarios].index(self.active_scenario.id))

    def scenario_errors(self) -> tuple[Problem, ...]:
        """The errors of every scenario (a file with one could not be opened
        again); with several scenarios each message names its scenario."""
        several = len(self._scenarios) > 1
        out: list[Problem] = []
        for scenario in self._scenarios:
            errors = self.problems if scenario.id == self._active else errors_only(validate(scenario.plan))
            for p in errors_only(errors):
                message = f"Scenario '{scenario.name}': {p.message}" if several else p.message
                out.append(Problem(p.field, message, p.severity, p.location))
        return tuple(out)

    def mark_saved(self, path: Path) -> None:
        self._path = path
        self.undo_stack.setClean()
        self.pathChanged.emit()
        self.modifiedChanged.emit(False)

    def mark_modified(self) -> None:
        """After recovering: the document differs from any file."""
        self.undo_stack.resetClean()
        self.modifiedChanged.emit(True)

    # ----- edits (undoable) ----------------------------------------------------------
    def check_edit(self, edits: Sequence[tuple[str, Any]]) -> tuple[Plan, tuple[Problem, ...]]:
        """The plan the edits give and the errors about the edited fields."""
        plan = self.plan
        for path, value in edits:
            plan = set_value(plan, path, value)
        problems = validate(plan)
        self._checked = (plan, problems)  # the edit's command applies this plan: no second validation
        refused = tuple(p for p in errors_only(problems) if any(concerns(p.field, path) for path, _ in edits))
        return plan, refused

    def edit(self, path: str, value: Any, text: str = "") -> tuple[Problem, ...]:
        """Set one value; returns the problems that refused it (empty: applied)."""
        return self.edit_many([(path, value)], text)

    def edit_many(self, edits: Sequence[tuple[str, Any]], text: str = "") -> tuple[Problem, ...]:
        """Set several values as one undoable step (e.g. a pasted block)."""
        edits = [(path, value) for path, value in edits if get_value(self.plan, path) != value]
        if not edits:
            return ()
        _, refused = self.check_edit(edits)
        if refused:
            return refused
        sid = self._active
        if len(edits) == 1:
            path, value = edits[0]
            self.undo_stack.push(SetValueCommand(self, sid, path, get_value(self.plan, path), value, text))
            return ()
        parent = CompoundCommand(text or f"Edit {len(edits)} cells")
        plan = self.plan
        for path, value in edits:
            parent.add(SetValueCommand(self, sid, path, get_value(plan, path), value))
            plan = set_value(plan, path, value)
        self.undo_stack.push(parent)
        return ()

    def replace_plan(self, plan: Plan, text: str) -> None:
        """A structural edit of the active scenario, undoable as one step."""
        if plan == self.plan:
            return
        self.undo_stack.push(ReplacePlanCommand(self, self._active, self.plan, plan, text))

    def add_scenario(self, name: str, plan: Plan | None = None) -> int:
        """A new scenario (a copy of the active plan by default), made active."""
        sid = self._next_id
        self._next_id += 1
        scenario = Scenario(sid, name, plan if plan is not None else self.plan)
        self._push_scenarios((*self._scenarios, scenario), sid, f"Add scenario '{name}'")
        return sid

    def rename_scenario(self, sid: int, name: str) -> None:
        scenarios = tuple(replace(s, name=name) if s.id == sid else s for s in self._scenarios)
        self._push_scenarios(scenarios, self._active, f"Rename scenario to '{name}'")

    def remove_scenario(self, sid: int) -> None:
        if len(self._scenarios) < 2:
            return
        scenarios = tuple(s for s in self._scenarios if s.id != sid)
        active = self._active if self._active != sid else scenarios[0].id
        name = next(s.name for s in self._scenarios if s.id == sid)
        self._push_scenarios(scenarios, active, f"Delete scenario '{name}'")

    def switch_scenario(self, sid: int) -> None:
        """Make another scenario the one being edited (not an edit itself)."""
        if sid != self._active and any(s.id == sid for s in self._scenarios):
            self._active = sid
            self._recalculate()
            self.scenariosChanged.emit()

    def _push_scenarios(self, scenarios: tuple[Scenario, ...], active: int, text: str) -> None:
        self.undo_stack.push(ScenariosCommand(self, (self._scenarios, self._active), (scenarios, active), text))

    # ----- called by the commands ------------------------------------------------------
    def apply_value(self, sid: int, path: str, value: Any) -> None:
        scenario = self._scenario(sid)
        self.apply_plan(sid, set_value(scenario.plan, path, value))

    def apply_plan(self, sid: int, plan: Plan) -> None:
        self._scenarios = tuple(replace(s, plan=plan) if s.id == sid else s for s in self._scenarios)
        switched = sid != self._active
        self._active = sid
        self._recalculate()
        if switched:
            self.scenariosChanged.emit()

    def apply_scenarios(self, scenarios: tuple[Scenario, ...], active: int) -> None:
        self._scenarios = scenarios
        self._active = active
        self._recalculate()
        self.scenariosChanged.emit()

    def _scenario(self, sid: int) -> Scenario:
        return next(s for s in self._scenarios if s.id == sid)

    def _recalculate(self) -> None:
        plan = self.plan
        checked, self._checked = self._checked, None
        known = checked[1] if checked is not None and checked[0] == plan else None
        self._evaluation = evaluate(plan, known)
        self._remember_result()
        self.planChanged.emit()
        self.resultChanged.emit()

    def _remember_result(self) -> None:
        result = self._evaluation.result
        if result is not None:
            self._last_good[self._active] = (self.plan, result)

    # ----- recovery ------------------------------------------------------------------
    def recovery(self, instance: str, base: FileStamp | None) -> Recovery:
        """Everything needed to restore this document after a crash; ``base``
        is how its file looked when last opened or saved."""
        scenarios = tuple((s.name, s.plan) for s in self._scenarios)
        active = [s.id for s in self._scenarios].index(self.active_scenario.id)
        return make_recovery(self._path, scenarios, active, base, instance)

    def restore(self, recovery: Recovery) -> None:
        """Start over with a recovered document, modified: it differs from any file."""
        plan = recovery.scenarios[recovery.active][1]
        self.reset(plan, recovery.document, recovery.scenarios, recovery.active)
        self.mark_modified()
