"""Undoable edits of the document (each calls back into :class:`PlanDocument`).

Every edit a person makes is one of these small commands, and the change it
makes to the plan is a pure function of :mod:`core.model.edits` (setting one
field, renaming a stage with what names it, removing a channel...): the
command only runs it on redo and puts the plan back on undo. A compound edit
(a pasted block that also renames stages) is a parent command whose children
are these, so Undo takes back the whole block at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from core.calc.feasibility import validate
from core.model.edits import PlanEdit, set_field
from core.model.plan import Plan, Problem, errors_only
from gui.models.paths import concerns

if TYPE_CHECKING:
    from gui.document import PlanDocument, Scenario


class SetValueCommand(QUndoCommand):
    """Replace the value at one field path of one scenario's plan."""

    def __init__(
        self,
        document: PlanDocument,
        scenario_id: int,
        path: str,
        old: Any,
        new: Any,
        text: str = "",
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(text or f"Edit {path}", parent)
        self._document = document
        self._scenario_id = scenario_id
        self.path = path
        self.old = old
        self.new = new

    def redo(self) -> None:
        self._document.apply_value(self._scenario_id, self.path, self.new)

    def undo(self) -> None:
        self._document.apply_value(self._scenario_id, self.path, self.old)


class PlanEditCommand(QUndoCommand):
    """One edit of a scenario's plan made by a pure plan edit
    (:mod:`core.model.edits`): redo runs it on the scenario's plan as it is
    then, undo puts back the plan it ran on. The undo stack replays commands
    in order, so every redo meets the plan the edit was checked against."""

    def __init__(
        self,
        document: PlanDocument,
        scenario_id: int,
        edit: PlanEdit,
        text: str = "",
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(text, parent)
        self._document = document
        self._scenario_id = scenario_id
        self.edit = edit
        self._before: Plan | None = None

    def redo(self) -> None:
        before = next(s.plan for s in self._document.scenarios if s.id == self._scenario_id)
        after = self.edit(before)
        if isinstance(after, Problem):  # checked before it was pushed: not met in use
            return
        self._before = before
        self._document.apply_plan(self._scenario_id, after)

    def undo(self) -> None:
        if self._before is not None:
            self._document.apply_plan(self._scenario_id, self._before)


def set_fields(edits: Sequence[tuple[str, Any]]) -> PlanEdit:
    """The plan edit setting several field paths (cells) to values, in order."""

    def run(plan: Plan) -> Plan:
        for path, value in edits:
            plan = set_field(plan, path, value)
        return plan

    return run


def push_edit(
    document: PlanDocument,
    text: str,
    steps: Sequence[PlanEdit],
    fields: Sequence[str] = (),
) -> tuple[Problem, ...]:
    """Apply pure plan edits to the active scenario, one after another, as
    one undo step (one command per step; several: a compound command).

    Returns why it was refused (empty: applied): a step's own refusal, or an
    error the validation finds about one of ``fields`` (the paths the person
    edited; other problems, such as a mix no longer adding up, are accepted
    and shown). An edit that changes nothing is not pushed."""
    before = plan = document.plan
    for step in steps:
        result = step(plan)
        if isinstance(result, Problem):
            return (result,)
        plan = result
    if plan == before:
        return ()
    if fields:
        refused = tuple(p for p in errors_only(validate(plan)) if any(concerns(p.field, f) for f in fields))
        if refused:
            return refused
    sid = document.active_id
    if len(steps) == 1:
        document.undo_stack.push(PlanEditCommand(document, sid, steps[0], text))
        return ()
    parent = CompoundCommand(text)
    for step in steps:
        parent.add(PlanEditCommand(document, sid, step))
    document.undo_stack.push(parent)
    return ()


def set_field_edit(path: str, value: Any) -> PlanEdit:
    """The plan edit setting one field path (a cell) to ``value``."""
    return partial(set_field, path=path, value=value)


class ReplacePlanCommand(QUndoCommand):
    """Replace a scenario's whole plan (structural edits: add, remove, reorder,
    resize the calendar, accept an import)."""

    def __init__(
        self,
        document: PlanDocument,
        scenario_id: int,
        old: Plan,
        new: Plan,
        text: str,
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(text, parent)
        self._document = document
        self._scenario_id = scenario_id
        self._old = old
        self._new = new

    def redo(self) -> None:
        self._document.apply_plan(self._scenario_id, self._new)

    def undo(self) -> None:
        self._document.apply_plan(self._scenario_id, self._old)


class ScenariosCommand(QUndoCommand):
    """Change the list of scenarios (add, copy, rename, delete)."""

    def __init__(
        self,
        document: PlanDocument,
        old: tuple[tuple[Scenario, ...], int],
        new: tuple[tuple[Scenario, ...], int],
        text: str,
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(text, parent)
        self._document = document
        self._old = old
        self._new = new

    def redo(self) -> None:
        self._document.apply_scenarios(*self._new)

    def undo(self) -> None:
        self._document.apply_scenarios(*self._old)


class CompoundCommand(QUndoCommand):
    """One undo step made of child commands (a pasted block, a reorder):
    redo runs the children in order, undo in reverse.

    The children are held here rather than parented in Qt, so that Python
    alone owns them (a Qt-parented child wrapper can be freed twice)."""

    def __init__(self, text: str, parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self.children: list[QUndoCommand] = []

    def add(self, child: QUndoCommand) -> None:
        self.children.append(child)

    def redo(self) -> None:
        for child in self.children:
            child.redo()

    def undo(self) -> None:
        for child in reversed(self.children):
            child.undo()
