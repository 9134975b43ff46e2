"""Lead spec: the criteria a lead is scored on, the threshold it must reach,
the live pass rate, and the current and a proposed spec side by side."""

from __future__ import annotations

import importlib
from functools import partial
from typing import Any

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.calc.lead_spec import criteria_pass_rate, pass_rate
from core.model.edits import (
    SpecPath,
    add_criterion,
    add_lead_spec,
    adopt_proposed_lead_spec,
    drop_proposed_lead_spec,
    propose_lead_spec,
    remove_criterion,
    set_gate,
    unique_name,
)
from core.model.plan import LeadSpec
from gui.document import PlanDocument
from gui.formatting import percent_text
from gui.models.tables import CriteriaModel
from gui.models.values import Kind
from gui.views.base import Page, button_row, fit_to_columns, selected_row
from gui.widgets.fields import FieldEdit, section_label

#: the narrowest a spec panel reads well at (criterion names wrap onto two lines below it)
PANEL_WIDTH = 440


def results_widget(module: str, name: str) -> Any:
    """A widget class of the results package, or None while it is not there."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


class SpecPanel(QFrame):
    """One spec (current or proposed): threshold, criteria, pass rate."""

    def __init__(self, page: LeadSpecPage, spec_path: SpecPath, heading: str) -> None:
        super().__init__()
        self.setObjectName("card")
        self.page = page
        self.document = page.document
        self.spec_path = spec_path
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(8)
        head = QHBoxLayout()
        head.setSpacing(8)
        head.addWidget(section_label(heading))
        head.addSpacing(8)
        self.threshold_label = QLabel("Threshold")
        head.addWidget(self.threshold_label)
        self.rate_note = QLabel()
        self.rate_note.setObjectName("hint")
        self.rate_note.setWordWrap(True)
        self.threshold = FieldEdit(self.document, f"{spec_path}.threshold", Kind.NUMBER, "points", 56)
        self.threshold.message.connect(page.message)
        head.addWidget(self.threshold, 1)
        self.rate = QLabel()
        self.rate.setObjectName("bigFigure")
        head.addWidget(self.rate)
        layout.addLayout(head)
        self.model = CriteriaModel(self.document, spec_path, self)
        self.table = page.sheet()
        self.table.setModel(self.model)
        self.table.setMinimumHeight(120)
        # Tall enough for every criterion (the page gives the table that height when it can).
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.verticalHeader().hide()  # a handful of criteria: row numbers only take room from the names
        self.table.setStyleSheet("QHeaderView::section { padding: 5px 5px; }")
        self.table.horizontalHeader().setStretchLastSection(False)
        fit_to_columns(self.table, CriteriaModel.NAME)
        if spec_path != "lead_spec":  # the odds rest on the current spec's samples; adopting takes these along
            self.table.setColumnHidden(CriteriaModel.SAMPLE, True)
        # long criterion names wrap onto a second line rather than being cut
        self.table.setWordWrap(True)
        self.table.verticalHeader().setMinimumSectionSize(28)
        self._rows_timer = QTimer(self)  # once the columns have their widths, after a resize or an edit
        self._rows_timer.setSingleShot(True)
        self._rows_timer.setInterval(0)
        self._rows_timer.timeout.connect(self._fit_rows)
        self.table.horizontalHeader().sectionResized.connect(lambda *_: self._rows_timer.start())
        self.model.modelReset.connect(self._rows_timer.start)
        self.model.dataChanged.connect(lambda *_: self._rows_timer.start())
        layout.addWidget(self.table, 1)
        self.add = QPushButton("Add criterion")
        self.remove = QPushButton("Remove criterion")
        self.add.clicked.connect(self.add_criterion)
        self.remove.clicked.connect(self.remove_criterion)
        self.buttons = button_row(self.add, self.remove)
        layout.addLayout(self.buttons)
        self.empty = QLabel()
        self.empty.setObjectName("hint")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        layout.addStretch(0)  # takes the room of the hidden table when there is no spec
        self.layout_ = layout

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._rows_timer.start()

    def _fit_rows(self) -> None:
        """Rows tall enough for their criterion name wrapped to the column's width."""
        table, column = self.table, CriteriaModel.NAME
        metrics = table.fontMetrics()
        width = max(20, table.columnWidth(column) - 16)  # the cell's text margins
        base = table.verticalHeader().minimumSectionSize()
        for row in range(self.model.rowCount()):
            text = str(self.model.index(row, column).data() or "")
            lines = metrics.boundingRect(QRect(0, 0, width, 10_000), int(Qt.TextFlag.TextWordWrap), text).height()
            wanted = max(base, lines + 12)
            if table.rowHeight(row) != wanted:
                table.setRowHeight(row, wanted)
        # every criterion in view (a long list scrolls): the page scrolls instead when the window is short
        rows = self.table.verticalHeader().length() + self.table.horizontalHeader().height()
        self.table.setMinimumHeight(max(120, min(rows + 2 * self.table.frameWidth(), 360)))

    def spec(self) -> LeadSpec | None:
        return getattr(self.document.plan, self.spec_path)  # type: ignore[no-any-return]

    def refresh(self) -> None:
        spec = self.spec()
        present = spec is not None
        for widget in (self.threshold_label, self.threshold, self.table, self.add, self.remove, self.rate):
            widget.setVisible(present)
        self.empty.setVisible(not present)
        self.layout_.setStretch(self.layout_.count() - 1, 0 if present else 1)
        if spec is None:
            self.empty.setText(
                "No lead spec: every transition uses its entered rate."
                if self.spec_path == "lead_spec"
                else "No proposed spec. Propose one to see what a stricter or looser spec does to the plan."
            )
            return
        try:
            model_rate = criteria_pass_rate(spec)
            in_force = pass_rate(spec)
        except (ValueError, IndexError, TypeError):
            self.rate.setText("—")
            return
        self.rate.setText(f"{percent_text(in_force)} pass")
        note = f"Share of leads reaching '{spec.gate}' that qualify (criteria taken as independent)."
        if spec.empirical is not None:
            measured = percent_text(spec.empirical.pass_rate)
            if spec.pass_rate_source == "empirical":
                note = (
                    f"Measured pass rate in force: {measured} of {spec.empirical.sample:,} leads "
                    f"(the criteria give {percent_text(model_rate)})."
                )
            else:
                note += f" Measured on imported leads: {measured} of {spec.empirical.sample:,}."
        self.rate_note.setText(note)
        self.rate.setToolTip(note)

    def add_criterion(self) -> None:
        spec = self.spec()
        if spec is None:
            return
        name = unique_name("New criterion", [c.name for c in spec.criteria])
        if self.page.edit_plan(partial(add_criterion, spec_path=self.spec_path, name=name), f"Add criterion '{name}'"):
            self.table.setCurrentIndex(self.model.index(len(spec.criteria), 0))

    def remove_criterion(self) -> None:
        spec = self.spec()
        row = selected_row(self.table)
        if spec is None or row is None:
            self.page.message.emit("Select the criterion to remove first.")
            return
        name = spec.criteria[row].name
        self.page.edit_plan(
            partial(remove_criterion, spec_path=self.spec_path, index=row), f"Remove criterion '{name}'"
        )


class LeadSpecPage(Page):
    title = "Lead spec"
    subtitle = (
        "When is a lead a qualified sales lead? Criteria give points; a lead qualifies when it meets every "
        "required criterion and its points reach the threshold. Its pass rate replaces the rate into the gate stage."
    )

    def __init__(self, document: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(document, parent)
        top = QHBoxLayout()
        top.addWidget(QLabel("Spec sits on stage"))
        self.gate = QComboBox()
        self.gate.setMinimumWidth(160)
        self.gate.activated.connect(self._gate_chosen)
        top.addWidget(self.gate)
        top.addSpacing(24)
        self.source_label = QLabel("Pass rate from")
        top.addWidget(self.source_label)
        self.source = QComboBox()
        self.source.addItem("the criteria", "criteria")
        self.source.addItem("imported lead data (measured)", "empirical")
        self.source.activated.connect(self._source_chosen)
        top.addWidget(self.source)
        top.addStretch(1)
        self.create_button = QPushButton("Add a lead spec")
        self.create_button.clicked.connect(self.create_spec)
        self.propose = QPushButton("Propose a change")
        self.propose.setToolTip("Copy the current spec into a proposed one you can change and compare.")
        self.propose.clicked.connect(self.propose_spec)
        self.drop = QPushButton("Drop the proposal")
        self.drop.clicked.connect(self.drop_proposal)
        self.adopt = QPushButton("Adopt the proposal")
        self.adopt.setToolTip("Make the proposed spec the current one.")
        self.adopt.clicked.connect(self.adopt_proposal)
        for button in (self.create_button, self.propose, self.adopt, self.drop):
            top.addWidget(button)
        self.layout_.addLayout(top)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.split = split
        self.current = SpecPanel(self, "lead_spec", "Current spec")
        self.proposed = SpecPanel(self, "proposed_lead_spec", "Proposed spec")
        split.addWidget(self.current)
        split.addWidget(self.proposed)
        split.setChildrenCollapsible(False)

        self.vertical = QSplitter(Qt.Orientation.Vertical)
        self.vertical.addWidget(split)
        self._split_moved = False
        chart_class = results_widget("gui.results.charts", "ScoreDistributionChart")
        self.chart: Any = chart_class() if chart_class is not None else None
        if self.chart is not None:
            self.vertical.addWidget(self.chart)
            self.vertical.setStretchFactor(0, 0)
            self.vertical.setStretchFactor(1, 1)
            self.vertical.setChildrenCollapsible(False)
            self.vertical.splitterMoved.connect(self._user_moved_split)
        self.layout_.addWidget(self.vertical, 1)
        document.planChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        plan = self.document.plan
        spec = plan.lead_spec
        self.gate.blockSignals(True)
        self.gate.clear()
        self.gate.addItems([s.name for s in plan.stages[1:]])
        if spec is not None:
            self.gate.setCurrentText(spec.gate)
        self.gate.blockSignals(False)
        self.gate.setEnabled(spec is not None)
        measured = spec is not None and spec.empirical is not None
        self.source.setVisible(measured)
        self.source_label.setVisible(measured)
        self.source.setCurrentIndex(1 if spec is not None and spec.pass_rate_source == "empirical" else 0)
        self.create_button.setVisible(spec is None)
        self.propose.setVisible(spec is not None and plan.proposed_lead_spec is None)
        self.drop.setVisible(plan.proposed_lead_spec is not None)
        self.adopt.setVisible(plan.proposed_lead_spec is not None)
        self.current.refresh()
        self.proposed.refresh()
        if self.isVisible():
            self._fit_split()
        if self.chart is not None and spec is not None and self.isVisible():
            self._update_chart()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._arrange_panels()
        self._fit_split()
        self._update_chart()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._arrange_panels()
        self._fit_split()

    def _arrange_panels(self) -> None:
        """The current and proposed specs side by side when both fit, else one above the other."""
        margins = self.layout_.contentsMargins()
        scroll_bar = self.scroll_area.verticalScrollBar().sizeHint().width()
        room = self.width() - scroll_bar - margins.left() - margins.right()
        need = sum(max(p.minimumSizeHint().width(), PANEL_WIDTH) for p in (self.current, self.proposed))
        need += self.split.handleWidth()
        wanted = Qt.Orientation.Horizontal if room >= need else Qt.Orientation.Vertical
        if self.split.orientation() != wanted:
            self.split.setOrientation(wanted)

    def _user_moved_split(self) -> None:
        self._split_moved = True

    def _fit_split(self) -> None:
        """Give the spec cards the height to show every criterion (the chart
        keeps at least its minimum), unless the user has moved the divider."""
        if self.chart is None or self._split_moved:
            return
        total = sum(self.vertical.sizes())
        if total <= 0:
            return
        heights = (self.current.sizeHint().height(), self.proposed.sizeHint().height())
        wanted = max(heights) if self.split.orientation() == Qt.Orientation.Horizontal else sum(heights) + 12
        top = max(min(wanted, total - self.chart.minimumSizeHint().height()), 0)
        self.vertical.setSizes([top, total - top])

    def _update_chart(self) -> None:
        plan = self.document.plan
        if self.chart is None or plan.lead_spec is None:
            return
        if any(
            p.field.startswith(("lead_spec", "proposed_lead_spec")) and p.severity == "error"
            for p in self.document.problems
        ):
            return
        try:
            self.chart.show_spec(plan.lead_spec, plan.proposed_lead_spec)
        except Exception as exc:  # a chart must not take the planner down
            self.message.emit(f"The score chart could not be drawn: {exc}")

    def _gate_chosen(self) -> None:
        gate = self.gate.currentText()
        if not self.edit_plan(partial(set_gate, stage=gate), f"Put the lead spec on '{gate}'"):
            self.refresh()

    def _source_chosen(self) -> None:
        refused = self.document.edit("lead_spec.pass_rate_source", self.source.currentData(), "Choose the pass rate")
        if refused:
            self.message.emit(refused[0].message)
            self.refresh()

    def create_spec(self) -> None:
        self.edit_plan(add_lead_spec, "Add a lead spec")

    def propose_spec(self) -> None:
        self.edit_plan(propose_lead_spec, "Propose a lead spec change")

    def drop_proposal(self) -> None:
        self.edit_plan(drop_proposed_lead_spec, "Drop the proposed spec")

    def adopt_proposal(self) -> None:
        self.edit_plan(adopt_proposed_lead_spec, "Adopt the proposed spec")
