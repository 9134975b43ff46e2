"""Funnel: the stages from raw lead to won deal, with their conversion rates,
lags and sales hours; add, remove and reorder stages."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from core.model.plan import Stage
from gui.document import PlanDocument
from gui.models.tables import StagesModel
from gui.views.base import Page, button_row, selected_row


def unique_name(base: str, taken: list[str]) -> str:
    names = {t.strip().casefold() for t in taken}
    if base.casefold() not in names:
        return base
    n = 2
    while f"{base} {n}".casefold() in names:
        n += 1
    return f"{base} {n}"


class FunnelPage(Page):
    title = "Funnel"
    subtitle = (
        "Every stage a lead passes on its way to a won deal. Rates say how many move on, "
        "days how long it takes. Select a cell and type to change it; paste blocks from Excel."
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
        self.add.clicked.connect(self.add_stage)
        self.remove.clicked.connect(self.remove_stage)
        self.up.clicked.connect(lambda: self.move_stage(-1))
        self.down.clicked.connect(lambda: self.move_stage(1))
        self.layout_.addLayout(button_row(self.add, self.remove, self.up, self.down))
        self.layout_.addWidget(self.table, 1)
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
        self.note.setText(text)

    def add_stage(self) -> None:
        """Insert a stage above the selected one (above the won deal by default)."""
        plan = self.document.plan
        row = selected_row(self.table)
        at = min(row if row is not None else len(plan.stages) - 1, len(plan.stages) - 1)
        name = unique_name("New stage", [s.name for s in plan.stages])
        stages = list(plan.stages)
        stages.insert(at, Stage(name, rate=0.5, lag_days=14.0, sales_hours=0.0))
        self.document.replace_plan(plan.with_changes(stages=tuple(stages)), f"Add stage '{name}'")
        self.table.setCurrentIndex(self.model.index(at, 0))

    def remove_stage(self) -> None:
        plan = self.document.plan
        row = selected_row(self.table)
        if row is None:
            self.message.emit("Select the stage to remove first.")
            return
        if row == len(plan.stages) - 1:
            self.message.emit("The won deal is the end of the funnel and stays; remove a stage above it.")
            return
        if len(plan.stages) <= 2:
            self.message.emit("The funnel needs at least a raw lead and a won deal.")
            return
        name = plan.stages[row].name
        stages = tuple(s for i, s in enumerate(plan.stages) if i != row)
        self.document.replace_plan(plan.with_changes(stages=stages), f"Remove stage '{name}'")

    def move_stage(self, step: int) -> None:
        plan = self.document.plan
        row = selected_row(self.table)
        last = len(plan.stages) - 1
        if row is None or row == last or not 0 <= row + step < last:
            self.message.emit("Select a stage above the won deal; the won deal stays last.")
            return
        stages = list(plan.stages)
        stages[row], stages[row + step] = stages[row + step], stages[row]
        self.document.replace_plan(plan.with_changes(stages=tuple(stages)), f"Move stage '{stages[row + step].name}'")
        self.table.setCurrentIndex(self.model.index(row + step, self.table.currentIndex().column()))
