"""A spreadsheet-like table over the document's plan.

Each cell knows its field path in the plan; edits go through
:meth:`PlanDocument.edit` (validated, undoable); a refused edit leaves the
plan as it was and the cell marked with the core's message (rates and
shares spoken of in percent, as the planner shows them) until the cell
holds a valid value. Problems the
plan has (e.g. the channel mix not adding up) are marked on their cells too.
Numbers are returned raw for EditRole; text only for DisplayRole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from core.calc.engine import PlanResult
from core.model.plan import Plan, Problem
from gui.document import PlanDocument
from gui.models.paths import concerns, get_value, problems_by_path
from gui.models.values import EntryError, Kind, clipboard_text, display_text, edit_value, in_percent, to_plan_value

Index = QModelIndex | QPersistentModelIndex

ERROR_BRUSH = QBrush(QColor("#fde2e1"))
WARNING_BRUSH = QBrush(QColor("#fff4d6"))
READ_ONLY_BRUSH = QBrush(QColor("#f4f6f8"))


_SERVED_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.EditRole,
        Qt.ItemDataRole.CheckStateRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.BackgroundRole,
    }
)


@dataclass(frozen=True)
class Cell:
    """What one cell shows: its plan path (None: computed, read-only), kind and value."""

    kind: Kind
    value: Any
    path: str | None = None
    optional: bool = False
    empty: str = ""
    tooltip: str = ""


class PlanTableModel(QAbstractTableModel):
    """Base of the tables: subclasses say the rows, headers and cells."""

    editRefused = Signal(str)
    #: the set of refused cells changed (a refusal, or a cell fixed)
    refusedChanged = Signal()
    headers: Sequence[str] = ()
    header_tips: Sequence[str] = ()

    def __init__(self, document: PlanDocument, parent: Any = None) -> None:
        super().__init__(parent)
        self.document = document
        self._refused: dict[tuple[int, int], str] = {}
        self._problems_index: tuple[tuple[Problem, ...], dict[str, list[Problem]]] | None = None
        self._rows = self.row_total()
        self._columns = self.column_total()
        document.planChanged.connect(self._plan_changed)

    # ----- for subclasses ----------------------------------------------------------
    @property
    def plan(self) -> Plan:
        return self.document.plan

    @property
    def result(self) -> PlanResult | None:
        return self.document.result

    def row_total(self) -> int:
        raise NotImplementedError

    def column_total(self) -> int:
        return len(self.headers)

    def cell(self, row: int, column: int) -> Cell:
        raise NotImplementedError

    def row_header(self, row: int) -> str:
        return str(row + 1)

    def make_edits(self, edits: list[tuple[str, Any]], text: str) -> tuple[Problem, ...]:
        """Make the cell edits ``(path, value)`` as one undoable step; returns
        why they were refused (empty: made). A table whose cells mean more than
        their value (a stage's name is also the lead spec's gate) overrides this
        to make the core's edit instead."""
        return self.document.edit_many(edits, text)

    def whole_value_edit(self, cell: Cell, value: Any) -> tuple[str, Any] | None:
        """An edit of a cell whose container does not exist yet (an optional
        series): the path and value to set instead, or None."""
        return None

    # ----- Qt model --------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._columns

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < self._columns:
                return None
            if role == Qt.ItemDataRole.DisplayRole:
                return self.headers[section]
            if role == Qt.ItemDataRole.ToolTipRole and section < len(self.header_tips):
                return self.header_tips[section] or None
            return None
        if role == Qt.ItemDataRole.DisplayRole and 0 <= section < self._rows:
            return self.row_header(section)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        cell = self.cell(index.row(), index.column())
        if cell.path is not None:
            flags |= Qt.ItemFlag.ItemIsUserCheckable if cell.kind is Kind.FLAG else Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # the view's delegate asks for a dozen roles per cell (font, icon, colours...): answer the
        # ones not served before building the cell, which costs a plan lookup
        if not index.isValid() or role not in _SERVED_ROLES:
            return None
        cell = self.cell(index.row(), index.column())
        key = (index.row(), index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return display_text(cell.kind, cell.value, self.plan.currency, cell.empty)
        if role == Qt.ItemDataRole.EditRole:
            return edit_value(cell.kind, cell.value)
        if role == Qt.ItemDataRole.CheckStateRole and cell.kind is Kind.FLAG:
            return Qt.CheckState.Checked if cell.value else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if cell.kind in (Kind.TEXT, Kind.FLAG):
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        problems = self.cell_problems(index.row(), index.column(), cell)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [self._refused[key]] if key in self._refused else []
            lines += [in_percent(p.message) for p in problems]
            if cell.tooltip:
                lines.append(cell.tooltip)
            return "\n".join(lines) or None
        if role == Qt.ItemDataRole.BackgroundRole:
            if key in self._refused or any(p.severity == "error" for p in problems):
                return ERROR_BRUSH
            if problems:
                return WARNING_BRUSH
            if cell.path is None:
                return READ_ONLY_BRUSH
            return None
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role not in (Qt.ItemDataRole.EditRole, Qt.ItemDataRole.CheckStateRole):
            return False
        cell = self.cell(index.row(), index.column())
        if cell.path is None:
            return False
        if role == Qt.ItemDataRole.CheckStateRole:
            value = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
        try:
            edit = self.plan_edit(cell, value)
        except EntryError as exc:
            self._refuse(index.row(), index.column(), str(exc))
            return False
        refused = self.make_edits([edit], self.edit_text(index.row(), index.column()))
        if refused:
            self._refuse(index.row(), index.column(), refused[0].message)
            return False
        self._accept(index.row(), index.column())
        return True

    # ----- editing helpers ---------------------------------------------------------------
    def plan_edit(self, cell: Cell, value: Any) -> tuple[str, Any]:
        """The (path, value) an entered value makes (EntryError when it cannot)."""
        assert cell.path is not None
        new = to_plan_value(cell.kind, value, cell.optional)
        if new is None and not cell.optional:
            raise EntryError("Enter a value.")
        instead = self.whole_value_edit(cell, new)
        return instead if instead is not None else (cell.path, new)

    def edit_text(self, row: int, column: int) -> str:
        header = self.headers[column] if column < len(self.headers) else ""
        return f"Edit {header.lower()} ({self.row_header(row)})"

    def cell_problems(self, row: int, column: int, cell: Cell | None = None) -> list[Problem]:
        """The problems about the cell's value (``cell``: the cell, when already built)."""
        path = (cell or self.cell(row, column)).path
        if path is None:
            return []
        problems = self.document.problems
        if self._problems_index is None or self._problems_index[0] is not problems:
            self._problems_index = (problems, problems_by_path(problems))  # once per new set of problems
        return self._problems_index[1].get(path, [])

    def refused_message(self, row: int, column: int) -> str | None:
        return self._refused.get((row, column))

    def refused_messages(self) -> list[str]:
        """The messages of the cells still holding a refused entry, latest last."""
        return list(self._refused.values())

    def _refuse(self, row: int, column: int, message: str) -> None:
        message = in_percent(message)
        self._refused.pop((row, column), None)
        self._refused[(row, column)] = message
        index = self.index(row, column)
        self.dataChanged.emit(index, index)
        self.editRefused.emit(message)
        self.refusedChanged.emit()

    def _accept(self, row: int, column: int) -> None:
        """The cell took a valid entry (maybe the value it had): its mark goes."""
        if self._refused.pop((row, column), None) is not None:
            index = self.index(row, column)
            self.dataChanged.emit(index, index)
            self.refusedChanged.emit()

    def copy_text(self, rows: Sequence[int], columns: Sequence[int]) -> str:
        """Tab-separated text of a block of cells, as Excel pastes it."""
        lines = []
        for r in rows:
            values = []
            for c in columns:
                cell = self.cell(r, c)
                values.append(clipboard_text(cell.kind, cell.value))
            lines.append("\t".join(values))
        return "\n".join(lines) + "\n"

    def paste_text(self, top: int, left: int, text: str) -> tuple[int, str | None]:
        """Paste tab-separated text with its top-left at (top, left), as one undoable
        edit. Returns the number of cells set and, when refused, why (nothing is set)."""
        block = [line.split("\t") for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
        while block and block[-1] == [""]:
            block.pop()
        edits: list[tuple[str, Any]] = []
        for dr, values in enumerate(block):
            for dc, raw in enumerate(values):
                row, column = top + dr, left + dc
                if row >= self._rows or column >= self._columns:
                    continue
                cell = self.cell(row, column)
                if cell.path is None:
                    continue
                try:
                    path, value = self.plan_edit(cell, raw)
                except EntryError as exc:
                    message = f"{self.headers[column]}, {self.row_header(row)}: {exc}"
                    self._refuse(row, column, message)
                    return 0, message
                edits.append((path, value))
        if not edits:
            return 0, None
        refused = self.make_edits(edits, f"Paste {len(edits)} cells")
        if refused:
            message = in_percent(refused[0].message)
            for r in range(top, min(top + len(block), self._rows)):
                for c in range(left, self._columns):
                    cell_path = self.cell(r, c).path
                    hit = [p for p in refused if cell_path is not None and concerns(p.field, cell_path)]
                    if hit:
                        self._refused[(r, c)] = in_percent(hit[0].message)
            self.editRefused.emit(message)
            self.refusedChanged.emit()
            self.dataChanged.emit(self.index(0, 0), self.index(self._rows - 1, self._columns - 1))
            return 0, message
        return len(edits), None

    # ----- keeping up with the document ----------------------------------------------------
    def _plan_changed(self) -> None:
        if self._refused:
            self._refused.clear()
            self.refusedChanged.emit()
        rows, columns = self.row_total(), self.column_total()
        if (rows, columns) != (self._rows, self._columns):
            self.beginResetModel()
            self._rows, self._columns = rows, columns
            self.endResetModel()
            return
        if rows and columns:
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, columns - 1))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, max(0, columns - 1))
        if rows:
            self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, rows - 1)


def series_value(series: Sequence[float] | None, month: int) -> float | None:
    if not series or month >= len(series):
        return None
    return float(series[month])


def value_at(plan: Plan, path: str) -> Any:
    return get_value(plan, path)
