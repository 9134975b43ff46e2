"""Capacity: the selling hours sales has each month against the hours the
plan asks of it, and the sales time each stage costs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.commands import set_field_edit
from gui.document import PlanDocument
from gui.formatting import number_text, percent_text
from gui.models.tables import MonthlyModel, StagesModel, capacity_columns
from gui.views.base import Page, fit_to_columns
from gui.widgets.fields import section_label


class CapacityPage(Page):
    title = "Capacity"
    subtitle = "Can sales work the leads the plan brings? Hours available against the hours the plan needs."

    def __init__(self, document: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(document, parent)
        helper = QHBoxLayout()
        helper.setSpacing(8)
        self.enabled = QCheckBox("Plan with sales capacity")
        self.enabled.toggled.connect(self._toggled)
        helper.addWidget(self.enabled)
        helper.addStretch(1)
        self.peak = QLabel()
        self.peak.setObjectName("bigFigure")
        helper.addWidget(self.peak)
        self.layout_.addLayout(helper)
        team = QHBoxLayout()  # a second row: the page fits a small screen
        team.setSpacing(8)
        self.reps = QSpinBox()
        self.reps.setRange(1, 10000)
        self.reps.setValue(12)
        self.reps.setSuffix(" reps")
        self.hours = QDoubleSpinBox()
        self.hours.setRange(1, 744)
        self.hours.setDecimals(0)
        self.hours.setValue(150)
        self.hours.setSuffix(" h per rep a month")
        self.fill = QPushButton("Set every month")
        self.fill.clicked.connect(self.fill_months)
        self.product = QLabel()
        self.product.setObjectName("unit")
        self.reps.valueChanged.connect(self._update_product)
        self.hours.valueChanged.connect(self._update_product)
        for widget in (self.reps, QLabel("×"), self.hours, self.product, self.fill):
            team.addWidget(widget)
        team.addStretch(1)
        self.layout_.addLayout(team)

        split = QSplitter(Qt.Orientation.Horizontal)
        months = QWidget()
        months_layout = QVBoxLayout(months)
        months_layout.setContentsMargins(0, 0, 0, 0)
        months_layout.addWidget(section_label("Hours by month"))
        self.monthly = MonthlyModel(document, capacity_columns, self)
        self.monthly_table = self.sheet()
        self.monthly_table.setModel(self.monthly)
        months_layout.addWidget(self.monthly_table, 1)
        split.addWidget(months)

        stages = QWidget()
        stages_layout = QVBoxLayout(stages)
        stages_layout.setContentsMargins(0, 0, 0, 0)
        stages_layout.addWidget(section_label("Sales time per stage"))
        self.stages = StagesModel(document, self)
        self.stage_table = self.sheet()
        self.stage_table.setModel(self.stages)
        fit_to_columns(self.stage_table, StagesModel.NAME)
        for column in (StagesModel.RATE, StagesModel.LAG):
            self.stage_table.setColumnHidden(column, True)
        stages_layout.addWidget(self.stage_table, 1)
        hint = QLabel(
            "Hours of sales time each item entering the stage costs: a raw lead handed straight to sales costs "
            "sales time; a lead qualified by a lead-development team does not."
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        stages_layout.addWidget(hint)
        split.addWidget(stages)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        self.fit_splitter(split, [self.monthly_table, self.stage_table], [3, 2])
        self.layout_.addWidget(split, 1)
        document.planChanged.connect(self.refresh)
        self._update_product()
        self.refresh()

    def _update_product(self) -> None:
        self.product.setText(f"= {number_text(self.reps.value() * self.hours.value())} h a month")

    def refresh(self) -> None:
        plan = self.document.plan
        on = plan.sales_hours_available is not None
        self.enabled.blockSignals(True)
        self.enabled.setChecked(on)
        self.enabled.blockSignals(False)
        result = self.document.result
        if result is not None and result.sales_utilization is not None and len(result.sales_utilization):
            peak = float(result.sales_utilization.max())
            self.peak.setText(f"Busiest month {percent_text(peak, 0)}")
            self.peak.setProperty("invalid", peak > 1.0)
        else:
            self.peak.setText("")
        self.peak.style().unpolish(self.peak)
        self.peak.style().polish(self.peak)

    def _toggled(self, on: bool) -> None:
        plan = self.document.plan
        if on and plan.sales_hours_available is None:
            self.fill_months()
        elif not on and plan.sales_hours_available is not None:
            self.edit_plan(set_field_edit("sales_hours_available", None), "Plan without sales capacity")

    def fill_months(self) -> None:
        plan = self.document.plan
        total = float(self.reps.value() * self.hours.value())
        self.edit_plan(
            set_field_edit("sales_hours_available", (total,) * plan.months),
            f"Sales hours: {self.reps.value()} reps x {self.hours.value():g} h",
        )
