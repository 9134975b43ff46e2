"""Undoable edits of the document (each calls back into :class:`PlanDocument`).

Every edit a person makes is one of these small commands; a compound edit
(a pasted block, a reorder) is a parent command whose children are these,
so Undo takes back the whole block at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from core.model.plan import Plan

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
