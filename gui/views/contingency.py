"""Contingency: the sources of fast qualified-lead pipeline the user keeps
ready (vendors, syndication bursts, tele-qualification of the nurture pool),
what their plan aims at, and, for each deficit the plan has (the proposed
spec's, the tracking forecast's), the plan that closes it month by month:
its cost, the month from which the deficit is covered and what stays
uncovered. One click copies a plan into a scenario that buys it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.calc.contingency import with_contingency
from core.calc.engine import effective_rates
from core.calc.figures_year import contingency_figures
from core.model.edits import (
    Purchase,
    add_contingency_source,
    buy_contingency,
    remove_contingency_source,
    set_objective,
    unique_name,
)
from core.model.plan import Problem
from gui.document import PlanDocument
from gui.formatting import count_text, money_text
from gui.models.contingency import SITUATIONS, ScheduleModel, SourcesModel
from gui.views.base import Page, button_row, fit_to_columns, selected_row
from gui.widgets.fields import section_label

OBJECTIVES = (
    ("fastest", "Fastest: cover the deficit as early as possible, then at least cost"),
    ("cheapest", "Cheapest: cover it by the plan's end at least cost"),
)
SITUATION_NAMES = {"spec_change": "The proposed spec's deficit", "tracking": "The tracking forecast's deficit"}
SCENARIO_NAMES = {"spec_change": "Contingency for the proposed spec", "tracking": "Contingency for the forecast"}


def month_words(label: str) -> str:
    """``2027-06`` -> ``Jun 2027``."""
    year, month = label.split("-")[:2]
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{names[int(month) - 1]} {year}"


def summary_text(document: PlanDocument, situation: str, cp: Any) -> str:
    """A contingency plan in the core's sentence for finance (one home: the
    report and the budget request say the same): what it buys, its cost, from
    when the deficit is covered and what stays uncovered."""
    plan = document.plan
    result = document.result
    bought = sum(float(sum(x)) for x in cp.items)
    if bought <= 1e-9 and float(cp.uncovered) <= 0.5:
        return "No deficit to close: nothing to buy."
    if result is None:
        return ""
    found = contingency_figures(replace(result, contingency={situation: cp}))
    return found[0].sentence(lambda value: money_text(value, plan.currency), count_text) if found else ""


class SchedulePanel(QWidget):
    """One contingency plan: its sentence, its month-by-source schedule and "Copy into a scenario"."""

    def __init__(
        self, document: PlanDocument, situation: str, plans: Callable[[], Any], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.situation = situation
        self._plans = plans
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        head = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("bigFigure")
        self.summary.setWordWrap(True)
        head.addWidget(self.summary, 1)
        self.copy = QPushButton("Copy into a scenario")
        self.copy.setToolTip(
            "A new scenario whose plan buys these items: each source as a free source at its stage, "
            "their cost as the fixed cost of a 'Contingency sources' channel."
        )
        head.addWidget(self.copy, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(head)
        self.model = ScheduleModel(document, situation, plans, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setMinimumHeight(7 * 26 + 32)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # every header whole
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        header.setMinimumSectionSize(90)
        layout.addWidget(self.table, 1)

    def contingency_plan(self) -> Any:
        plans = self._plans()
        return None if plans is None else plans.get(self.situation)

    def refresh(self) -> None:
        self.model.refresh()
        cp = self.contingency_plan()
        self.summary.setText("" if cp is None else summary_text(self.document, self.situation, cp))
        self.copy.setEnabled(cp is not None and any(float(sum(x)) > 1e-9 for x in cp.items))


class ContingencyPage(Page):
    title = "Contingency"
    subtitle = (
        "Keep fast, scalable sources of qualified leads ready: appointment-setting vendors, content-syndication "
        "bursts, tele-qualification of the nurture pool. When a deficit shows, the plan to close it is here."
    )

    def __init__(self, document: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(document, parent)
        head = QHBoxLayout()
        head.addWidget(section_label("Sources kept ready"))
        head.addStretch(1)
        head.addWidget(QLabel("The plan aims at"))
        self.objective = QComboBox()
        for key, text in OBJECTIVES:
            self.objective.addItem(text, key)
        self.objective.activated.connect(self._objective_chosen)
        head.addWidget(self.objective)
        self.layout_.addLayout(head)
        self.sources = SourcesModel(document, self)
        self.source_table = self.sheet()
        self.source_table.setModel(self.sources)
        fit_to_columns(self.source_table, SourcesModel.NAME)
        self.sources.modelReset.connect(self._fit_sources)
        self.sources.rowsInserted.connect(self._fit_sources)
        self.sources.rowsRemoved.connect(self._fit_sources)
        self._fit_sources()
        self.layout_.addWidget(self.source_table)
        self.add = QPushButton("Add source")
        self.remove = QPushButton("Remove source")
        self.add.clicked.connect(self.add_source)
        self.remove.clicked.connect(self.remove_source)
        self.layout_.addLayout(button_row(self.add, self.remove))

        self.plan_title = section_label("The contingency plan")
        self.layout_.addWidget(self.plan_title)
        self.waiting = QLabel()
        self.waiting.setObjectName("hint")
        self.waiting.setWordWrap(True)
        self.layout_.addWidget(self.waiting)
        self.tabs = QTabWidget()
        self.plans: dict[str, Any] | None = None  # the result's contingency plans, worked out when shown
        self._stale = True
        self.panels: dict[str, SchedulePanel] = {}
        for situation in SITUATIONS:
            panel = SchedulePanel(document, situation, lambda: self.plans)
            panel.copy.clicked.connect(partial(self.copy_into_scenario, situation))
            self.panels[situation] = panel
            self.tabs.addTab(panel, SITUATION_NAMES[situation])
        self.layout_.addWidget(self.tabs, 1)
        document.planChanged.connect(self.refresh)
        document.resultChanged.connect(self.refresh_result)
        self._pending = False
        document.outlook.outlook_ready.connect(self._outlook_ready)
        self.refresh()

    def _outlook_ready(self, completed: Any) -> None:
        """The outlook finished a run: show its plans if they are the current result's."""
        if self.document.outlook.completed_for(self.document.result) is completed:
            self.refresh_result()

    def _fit_sources(self) -> None:
        """The sources table as tall as its rows (three to six in view)."""
        rows = min(max(self.sources.rowCount(), 3), 6)
        self.source_table.setFixedHeight(rows * 28 + 36)

    def refresh(self) -> None:
        contingency = self.document.plan.contingency
        objective = "fastest" if contingency is None else contingency.objective
        self.objective.setCurrentIndex(max(0, self.objective.findData(objective)))
        self.remove.setEnabled(self.sources.rowCount() > 0)
        self.refresh_result()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh_result()

    def work_out_plans(self) -> None:
        """The contingency plans of the document's result: from the outlook
        (worked out off the GUI thread after each edit settles, see
        gui/outlook.py) when it has them; while it is still working, none yet
        (the page shows them when ``outlook_ready`` arrives); worked out here
        only when nothing else will (a linear program each)."""
        self._stale = False
        result = self.document.result
        plans = None if result is None else result.contingency
        outlook = self.document.outlook
        if result is not None and plans is None and self.document.plan.contingency is not None:
            completed = outlook.completed_for(result)
            if completed is not None:
                plans = completed.contingency
            elif outlook.pending_for(result):
                self.plans = None
                self._pending = True
                return
            else:
                try:
                    plans = with_contingency(self.document.plan, result).contingency
                except Exception as exc:  # never a traceback: said in words, the sources stay editable
                    self.message.emit(f"The contingency plan could not be worked out: {exc}")
                    plans = None
        self._pending = False
        self.plans = plans

    def refresh_result(self) -> None:
        if not self.isVisible():
            self._stale = True
            return
        self.work_out_plans()
        present = self.document.result is not None and self.document.plan.contingency is not None
        shown = [s for s in SITUATIONS if self.plans is not None and self.plans.get(s) is not None]
        for i, situation in enumerate(SITUATIONS):
            self.tabs.setTabVisible(i, situation in shown)
            self.panels[situation].refresh()
        self.tabs.setVisible(bool(shown))
        if shown and SITUATIONS[self.tabs.currentIndex()] not in shown:
            self.tabs.setCurrentIndex(SITUATIONS.index(shown[0]))
        self.plan_title.setVisible(present)
        self.waiting.setVisible(present and not shown)
        if present and self._pending:
            self.waiting.setText("Working out the contingency plan (a linear program, off the main window)…")
            return
        if self.document.result is None:
            self.waiting.setVisible(True)
            self.waiting.setText("The contingency plan shows once the plan can be calculated.")
            return
        self.waiting.setText(
            "No deficit to plan for: a contingency plan is made for the proposed lead spec's deficit "
            "(Lead spec) and for the tracking forecast's (Tracking, with months still to come)."
        )

    # ----- edits -------------------------------------------------------------------------------------------
    def _objective_chosen(self) -> None:
        self.edit_plan(partial(set_objective, objective=str(self.objective.currentData())), "Contingency objective")

    def add_source(self) -> None:
        contingency = self.document.plan.contingency
        name = unique_name("New source", [s.name for s in (contingency.sources if contingency else ())])
        if self.edit_plan(partial(add_contingency_source, name=name), f"Add contingency source '{name}'"):
            self.message.emit("Give the new source its cost per item and what it can deliver a month.")

    def remove_source(self) -> None:
        row = selected_row(self.source_table)
        contingency = self.document.plan.contingency
        if row is None or contingency is None:
            self.message.emit("Select the source to remove first.")
            return
        name = contingency.sources[row].name
        self.edit_plan(partial(remove_contingency_source, index=row), f"Remove contingency source '{name}'")

    def copy_into_scenario(self, situation: str) -> None:
        """A new scenario (made the one edited) whose plan buys the contingency plan of ``situation``."""
        cp = None if self.plans is None else self.plans.get(situation)
        if cp is None:
            return
        purchases = [
            Purchase(name, tuple(float(x) for x in items)) for name, items in zip(cp.names, cp.items, strict=True)
        ]
        plan = self.document.plan
        bought = buy_contingency(plan, purchases, effective_rates(plan, plan.lead_spec))
        if isinstance(bought, Problem):
            self.message.emit(bought.message)
            return
        taken = [s.name for s in self.document.scenarios]
        name = unique_name(SCENARIO_NAMES[situation], taken)
        self.document.add_scenario(name, bought)
        self.message.emit(
            f"Now editing scenario '{name}': it buys the contingency plan (free sources named 'Contingency: …', "
            "their cost on the 'Contingency sources' channel). Compare it on the Scenarios page."
        )
