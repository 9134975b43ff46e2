"""A table that edits like a spreadsheet: type to overwrite, Enter moves on,
Ctrl+C / Ctrl+V exchange tab-separated blocks with Excel, Delete clears
optional cells. A refused value leaves the cell red with the core's message."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from gui.models.base import PlanTableModel

Index = QModelIndex | QPersistentModelIndex


class TextDelegate(QStyledItemDelegate):
    """Edits every value as text (so any entry reaches the model, which refuses
    what the core refuses, with its message)."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setFrame(False)
        if index.data(Qt.ItemDataRole.TextAlignmentRole):
            editor.setAlignment(Qt.AlignmentFlag(int(index.data(Qt.ItemDataRole.TextAlignmentRole))))
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        value = index.data(Qt.ItemDataRole.EditRole)
        text = "" if value is None else (f"{value:.12g}" if isinstance(value, float) else str(value))
        assert isinstance(editor, QLineEdit)
        editor.setText(text)
        editor.selectAll()

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        assert isinstance(editor, QLineEdit)
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)


class SheetView(QTableView):
    """The spreadsheet-like view every table of the planner uses."""

    message = Signal(str)
    #: a cell was refused, or a refused cell now holds a valid value
    refusedChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setItemDelegate(TextDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(False)
        self.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.verticalHeader().setDefaultSectionSize(28)
        self.setCornerButtonEnabled(True)

    def setModel(self, model: Any) -> None:
        super().setModel(model)
        if isinstance(model, PlanTableModel):
            model.editRefused.connect(self.message)
            model.refusedChanged.connect(self.refusedChanged)
            model.modelReset.connect(self.fit_columns)
        self.fit_columns()

    def fit_columns(self) -> None:
        header = self.horizontalHeader()
        if any(header.sectionResizeMode(c) != QHeaderView.ResizeMode.Interactive for c in range(header.count())):
            return
        self.resizeColumnsToContents()
        for column in range(header.count()):
            header.resizeSection(column, max(72, min(220, header.sectionSize(column) + 12)))

    def plan_model(self) -> PlanTableModel | None:
        model = self.model()
        return model if isinstance(model, PlanTableModel) else None

    # ----- clipboard ---------------------------------------------------------------
    def selected_block(self) -> tuple[list[int], list[int]]:
        indexes = self.selectionModel().selectedIndexes() if self.selectionModel() else []
        if not indexes and self.currentIndex().isValid():
            indexes = [self.currentIndex()]
        rows = sorted({i.row() for i in indexes})
        columns = sorted({i.column() for i in indexes})
        return rows, columns

    def copy(self) -> None:
        model = self.plan_model()
        rows, columns = self.selected_block()
        if model is None or not rows:
            return
        QGuiApplication.clipboard().setText(model.copy_text(rows, columns))
        self.message.emit(f"Copied {len(rows) * len(columns)} cells.")

    def paste(self) -> None:
        model = self.plan_model()
        rows, columns = self.selected_block()
        if model is None or not rows:
            return
        text = QGuiApplication.clipboard().text()
        if not text:
            return
        count, refused = model.paste_text(rows[0], columns[0], text)
        if refused:
            self.message.emit(f"Not pasted: {refused}")
        elif count:
            self.message.emit(f"Pasted {count} cells.")

    def keyPressEvent(self, event: Any) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy()
            return
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
            return
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.state() != QAbstractItemView.State.EditingState
        ):
            current = self.currentIndex()
            if current.isValid() and current.row() + 1 < self.model().rowCount():
                self.setCurrentIndex(current.sibling(current.row() + 1, current.column()))
                return
        super().keyPressEvent(event)
