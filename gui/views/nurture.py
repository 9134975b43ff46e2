"""Lead development: the nurture pool of leads that fail the spec. A share
of them is nurtured for months; each month some become sales-ready and
return to the gate, some are lost. Optional: the team's hours."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.model.edits import PlanEdit, set_nurture, set_nurture_field
from core.model.plan import MAX_NURTURE_MONTHS
from gui.commands import push_edit
from gui.document import PlanDocument
from gui.formatting import count_text, percent_text
from gui.models.tables import MonthlyModel, nurture_columns
from gui.models.values import Kind, in_percent
from gui.views.base import Page
from gui.widgets.fields import FieldEdit, section_label


class HoursField(FieldEdit):
    """One of the team's two hours fields: emptied, it plans without the team's
    hours (both cleared, one undo step), as the pool needs both or neither."""

    def commit(self) -> None:
        if not self.edit.isModified() or self.edit.text().strip():
            super().commit()
            return
        self.edit.setModified(False)
        steps: list[PlanEdit] = [
            partial(set_nurture_field, name="hours_per_lead", value=None),
            partial(set_nurture_field, name="hours_available", value=None),
        ]
        refused = push_edit(self.document, "Plan the pool without the team's hours", steps)
        if refused:
            self._show_error(in_percent(refused[0].message))
        else:
            self.refresh()


class NurturePage(Page):
    title = "Lead development"
    subtitle = (
        "Leads that fail the spec are not all lost: a lead development team nurtures the promising ones "
        "until they are sales-ready, and they return to the funnel months later."
    )

    def __init__(self, document: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(document, parent)
        self.enabled = QCheckBox("Nurture leads that fail (a nurture pool)")
        self.enabled.clicked.connect(self._toggled)
        switch = QHBoxLayout()
        switch.addWidget(self.enabled)
        switch.addStretch(1)
        self.layout_.addLayout(switch)

        top = QHBoxLayout()
        top.setSpacing(40)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(4)
        self.stage = QComboBox()
        self.stage.setMinimumWidth(180)
        self.stage.activated.connect(self._stage_chosen)
        self.recycle = self._field("nurture.recycle", Kind.PERCENT, "% of the leads failing go to the pool")
        self.maturity = self._field("nurture.maturity", Kind.PERCENT, "% of the pool sales-ready each month")
        self.decay = self._field("nurture.decay", Kind.PERCENT, "% of the pool lost each month")
        self.months = QSpinBox()
        self.months.setRange(1, MAX_NURTURE_MONTHS)
        self.months.setSuffix(" months at most")
        self.months.setFixedWidth(150)
        self.months.setKeyboardTracking(False)
        self.months.valueChanged.connect(self._months_changed)
        self.hours = self._field("nurture.hours_per_lead", Kind.NUMBER, "hours per lead in the pool a month")
        self.available = self._field("nurture.hours_available", Kind.NUMBER, "hours a month (the team)", True)
        form.addRow("Leads return to", self.stage)
        form.addRow("Recycled", self.recycle)
        form.addRow("Maturing", self.maturity)
        form.addRow("Lost", self.decay)
        form.addRow("In the pool", self.months)
        form.addRow(section_label("Team (optional)"))
        form.addRow("Time per lead", self.hours)
        form.addRow("Hours available", self.available)
        self.form = form
        top.addLayout(form)

        side = QVBoxLayout()
        side.setSpacing(6)
        self.figure = QLabel()
        self.figure.setObjectName("bigFigure")
        self.figure.setWordWrap(True)
        self.story = QLabel()
        self.story.setObjectName("hint")
        self.story.setWordWrap(True)
        self.story.setMinimumWidth(280)
        self.problems = QLabel()
        self.problems.setObjectName("fieldError")
        self.problems.setWordWrap(True)
        for widget in (self.figure, self.story, self.problems):
            side.addWidget(widget)
        side.addStretch(1)
        top.addLayout(side, 1)
        self.layout_.addLayout(top)

        self.month_title = section_label("Month by month")
        self.layout_.addWidget(self.month_title)
        self.model = MonthlyModel(document, nurture_columns, self)
        self.table = self.sheet()
        self.table.setModel(self.model)
        self.table.setMinimumHeight(220)  # a few months in view: the page scrolls on a small screen
        self.layout_.addWidget(self.table, 1)
        document.planChanged.connect(self.refresh)
        self.refresh()

    def _field(self, path: str, kind: Kind, unit: str, every_month: bool = False) -> FieldEdit:
        optional = path.startswith("nurture.hours")
        make = HoursField if optional else FieldEdit
        field = make(self.document, path, kind, unit, 70, optional=optional, every_month=every_month)
        field.message.connect(self.message)
        return field

    def refresh(self) -> None:
        plan = self.document.plan
        pool = plan.nurture
        self.enabled.setChecked(pool is not None)
        for widget in (self.stage, self.recycle, self.maturity, self.decay, self.months, self.hours, self.available):
            widget.setEnabled(pool is not None)
        self.table.setVisible(pool is not None)
        self.month_title.setVisible(pool is not None)
        self.stage.blockSignals(True)
        self.stage.clear()
        gate = plan.lead_spec.gate if plan.lead_spec is not None else None
        for stage in plan.stages[2:]:
            same = gate is not None and plan.stage_index(gate) == plan.stage_index(stage.name)
            self.stage.addItem(f"{stage.name} (the lead spec's gate)" if same else stage.name, stage.name)
        index = plan.nurture_stage()
        if index is not None and index >= 2:
            self.stage.setCurrentIndex(index - 2)
        self.stage.blockSignals(False)
        self.months.blockSignals(True)
        self.months.setValue(pool.max_months if pool is not None else 24)
        self.months.blockSignals(False)
        self._show_figures()

    def _show_figures(self) -> None:
        plan, result = self.document.plan, self.document.result
        problems = [in_percent(p.message) for p in self.document.problems if p.field.startswith("nurture")]
        self.problems.setText("\n".join(problems))
        self.problems.setVisible(bool(problems))
        if plan.nurture is None:
            self.figure.setText("")
            self.story.setText(
                "No nurture pool: leads that fail the step into the gate are disqualified. "
                "Turn it on to plan with a lead development team."
            )
            return
        pool = None if result is None else result.nurture
        if pool is None:
            self.figure.setText("")
            self.story.setText("The pool's figures show once the plan can be calculated.")
            return
        self.figure.setText(f"{count_text(float(pool.matured.sum()))} {pool.stage} leads returned")
        figures = self.document.figures
        story = getattr(figures, "nurture", None)
        if story is not None:
            self.story.setText(story.sentence(count_text))
        else:
            self.story.setText(f"The pool holds {count_text(float(pool.pool.mean()))} leads on average.")
        if pool.utilization is not None:
            self.figure.setText(
                self.figure.text() + f"\nteam at {percent_text(float(pool.utilization.max()))} at the peak"
            )

    def _edit(self, text: str, edit: PlanEdit) -> None:
        refused = push_edit(self.document, text, [edit])
        if refused:
            self.message.emit(in_percent(str(refused[0])))
            self.refresh()

    def _toggled(self, on: bool) -> None:
        self._edit("Nurture pool on" if on else "Nurture pool off", partial(set_nurture, on=on))

    def _stage_chosen(self) -> None:
        name = self.stage.currentData()
        self._edit(f"Nurtured leads return to '{name}'", partial(set_nurture_field, name="stage", value=name))

    def _months_changed(self, months: int) -> None:
        pool = self.document.plan.nurture
        if pool is not None and months != pool.max_months:
            self._edit(
                f"Leads stay {months} months in the pool",
                partial(set_nurture_field, name="max_months", value=months),
            )
