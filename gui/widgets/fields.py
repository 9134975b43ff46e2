"""Single-value inputs bound to one field of the plan: they show the value,
commit on Enter or leaving the field (one undoable edit), and show the core's
message in place when the value is refused."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from gui.document import PlanDocument
from gui.models.paths import get_value
from gui.models.values import EntryError, Kind, display_text, edit_value, in_percent, to_plan_value


def title_label(text: str, subtitle: str = "") -> QWidget:
    """A page title with a one-line explanation under it."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 4)
    layout.setSpacing(2)
    title = QLabel(text)
    title.setObjectName("pageTitle")
    layout.addWidget(title)
    if subtitle:
        sub = QLabel(subtitle)
        sub.setObjectName("pageSubtitle")
        sub.setWordWrap(True)
        layout.addWidget(sub)
    return box


def section_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    label.setIndent(0)  # flush with the table or field under it
    return label


class FieldEdit(QWidget):
    """A line edit for the value at ``path``, with its unit beside it and an
    inline message under it when a value is refused."""

    message = Signal(str)

    def __init__(
        self,
        document: PlanDocument,
        path: str,
        kind: Kind,
        unit: str = "",
        width: int = 140,
        parent: QWidget | None = None,
        optional: bool = False,
        every_month: bool = False,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.path = path
        self.kind = kind
        self.optional = optional
        """Empty means none (the field is cleared) rather than an entry to refuse."""
        self.every_month = every_month
        """The field holds a monthly series: one value shown and entered for every month."""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.edit = QLineEdit()
        self.edit.setFixedWidth(width)
        if kind not in (Kind.TEXT,):
            self.edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        row.addWidget(self.edit)
        self.unit = QLabel(unit)
        self.unit.setObjectName("unit")
        row.addWidget(self.unit)
        row.addStretch(1)
        outer.addLayout(row)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        outer.addWidget(self.error)
        self.edit.editingFinished.connect(self.commit)
        document.planChanged.connect(self.refresh)
        self.refresh()

    def set_unit(self, unit: str) -> None:
        self.unit.setText(unit)

    def value(self) -> Any:
        return get_value(self.document.plan, self.path)

    def refresh(self) -> None:
        if self.edit.hasFocus() and self.edit.isModified():
            return
        value = self.value()
        tip = ""
        if self.every_month and isinstance(value, tuple):
            tip = (
                ""
                if len(set(value)) <= 1
                else "Varies by month; this is the first month. Entering a value sets every month."
            )
            value = value[0] if value else None
        if self.kind is Kind.TEXT:
            self.edit.setText("" if value is None else str(value))
        else:
            shown = edit_value(self.kind, value)
            self.edit.setText("" if shown == "" else f"{shown:.12g}")
        self.edit.setToolTip(tip or display_text(self.kind, value, self.document.plan.currency))
        self.edit.setModified(False)
        self._show_error("")

    def commit(self) -> None:
        if not self.edit.isModified():
            return
        self.edit.setModified(False)
        try:
            value = to_plan_value(self.kind, self.edit.text(), self.optional)
        except EntryError as exc:
            self._show_error(str(exc))
            return
        if self.every_month and value is not None:
            value = (value,) * self.document.plan.months
        refused = self.document.edit(self.path, value)
        if refused:
            self._show_error(in_percent(refused[0].message))
        else:
            self.refresh()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.edit.setProperty("invalid", bool(text))
        self.edit.style().unpolish(self.edit)
        self.edit.style().polish(self.edit)
        if text:
            self.message.emit(text)
