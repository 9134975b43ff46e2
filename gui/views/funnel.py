"""Funnel: the stages from raw lead to won deal, with their conversion rates,
lags and sales hours; add, remove and reorder stages."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QAbstractItemDelegate, QLabel, QLineEdit, QPushButton, QWidget

from core.model.edits import add_stage, move_stage, remove_stage, unique_name
from gui.document import PlanDocument
from gui.models.tables import StagesModel
from gui.views.base import Page, button_row, selected_row
from gui.widgets.timing import TimingDialog

__all__ = ["FunnelPage", "unique_name"]


class FunnelPage(Page):
    title = "Funnel"
    subtitle = (
        "Every stage a lead passes on its way to a won deal. Rates say how many move on, "
        "days (or a profile by month) how long it takes. Select a cell and type to change it; paste blocks from Excel."
    )

    def __init__(self, document: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(document, parent)
        self.model = StagesModel(document, self)
        self.table = self.sheet()
        self.table.setModel(self.model)
        self.add = QPushButton("Add stage")
        self.remove = QPushButton("Remove stage")
        self.up = QPushButton("Move up")
        self.down = QPushButton("Move down")
        self.timing = QPushButton("Set timing...")
        self.timing.setToolTip(
            "The time to the next stage: an average lag in days, or the share converting in each month."
        )
        self.timing.clicked.connect(self.edit_timing)
        self.timing_dialog: TimingDialog | None = None
        self.add.clicked.connect(self.add_stage)
        self.remove.clicked.connect(self.remove_stage)
        self.up.clicked.connect(lambda: self.move_stage(-1))
        self.down.clicked.connect(lambda: self.move_stage(1))
        self.layout_.addLayout(button_row(self.add, self.remove, self.up, self.down, self.timing))
        self.layout_.addWidget(self.table, 1)
        self.table.selectionModel().currentChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(self._double_clicked)
        self.note = QLabel()
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        self.layout_.addWidget(self.note)
        document.planChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        plan = self.document.plan
        spec = plan.lead_spec
        text = "The last stage is the won deal; it has no rate of its own."
        if spec is not None:
            text += (
                f" The rate into '{spec.gate}' comes from the lead spec (see Lead spec); the rate entered here is "
                "used only without a spec."
            )
        if any(s.lag_profile is not None for s in plan.stages):
            text += " A step timed by a profile shows its average lag and the share converting in each month."
        self.note.setText(text)
        self._update_buttons()
        # a profile reads "58 days · profile 10/30/30/20/10 %": its column as wide as that text
        wanted = min(max(self.table.sizeHintForColumn(StagesModel.LAG), 0) + 16, 340)
        if wanted > self.table.columnWidth(StagesModel.LAG):
            self.table.setColumnWidth(StagesModel.LAG, wanted)

    def _update_buttons(self, *_: object) -> None:
        row = selected_row(self.table)
        self.timing.setEnabled(row is not None and row < len(self.document.plan.stages) - 1)

    def _double_clicked(self, index: QModelIndex) -> None:
        """A profile is edited in the timing dialog (its cell takes days, which replace it)."""
        if index.column() == StagesModel.LAG and self.document.plan.stages[index.row()].lag_profile is not None:
            for editor in self.table.findChildren(QLineEdit):
                if editor.isVisible():
                    self.table.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
            self.edit_timing()

    def edit_timing(self) -> None:
        """Open the timing of the selected stage's step to the next stage."""
        row = selected_row(self.table)
        if row is None or row >= len(self.document.plan.stages) - 1:
            self.message.emit("Select a stage above the won deal to set its timing.")
            return
        self.timing_dialog = TimingDialog(self.document, row, self)
        self.timing_dialog.open()

    def add_stage(self) -> None:
        """Insert a stage above the selected one (above the won deal by default)."""
        plan = self.document.plan
        row = selected_row(self.table)
        at = min(row if row is not None else len(plan.stages) - 1, len(plan.stages) - 1)
        name = unique_name("New stage", [s.name for s in plan.stages])
        if self.edit_plan(partial(add_stage, index=at, name=name), f"Add stage '{name}'"):
            self.table.setCurrentIndex(self.model.index(at, 0))
            self.message.emit(f"'{name}' passes every item on at once until you enter its rate and days.")

    def remove_stage(self) -> None:
        plan = self.document.plan
        row = selected_row(self.table)
        if row is None:
            self.message.emit("Select the stage to remove first.")
            return
        name = plan.stages[row].name
        if self.edit_plan(partial(remove_stage, index=row), f"Remove stage '{name}'") and row > 0:
            above = self.document.plan.stages[row - 1]
            self.message.emit(
                f"'{above.name}' now leads straight to '{self.document.plan.stages[row].name}', "
                f"at the rate and days of both steps together."
            )

    def move_stage(self, step: int) -> None:
        plan = self.document.plan
        row = selected_row(self.table)
        if row is None:
            self.message.emit("Select the stage to move first.")
            return
        name = plan.stages[row].name
        if self.edit_plan(partial(move_stage, index=row, to=row + step), f"Move stage '{name}'"):
            self.table.setCurrentIndex(self.model.index(row + step, self.table.currentIndex().column()))
