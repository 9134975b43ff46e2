"""Scenarios: named copies of the plan ("Proposed spec", "Cut trade shows"),
which one is being edited, and all of them compared side by side."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.calc.engine import PlanResult
from core.calc.figures import Figures, figures
from core.model.plan import Plan
from gui.document import PlanDocument, evaluate
from gui.views.base import Page
from gui.views.lead_spec import results_widget
from gui.widgets.fields import section_label


class ScenariosPage(Page):
    title = "Scenarios"
    subtitle = (
        "Copy the plan into named scenarios, change each one, and compare them side by side. "
        "The scenario ticked here is the one every page edits."
    )

    def __init__(self, document: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(document, parent)
        row = QHBoxLayout()
        row.setSpacing(20)
        left = QVBoxLayout()
        left.setSpacing(8)
        left.addWidget(section_label("Scenarios"))
        self.list = QListWidget()
        self.list.setObjectName("scenarioList")
        self.list.setFixedWidth(200)  # the comparison of three scenarios fits beside it at 1280 px
        self.list.itemActivated.connect(self._activate)
        self.list.itemClicked.connect(self._activate)
        left.addWidget(self.list, 1)
        self.copy = QPushButton("Copy into a new scenario…")
        self.rename = QPushButton("Rename…")
        self.delete = QPushButton("Delete")
        self.copy.clicked.connect(self.new_scenario)
        self.rename.clicked.connect(self.rename_scenario)
        self.delete.clicked.connect(self.delete_scenario)
        for button in (self.copy, self.rename, self.delete):
            left.addWidget(button)
        row.addLayout(left)
        comparison_class = results_widget("gui.results.compare", "ScenarioComparison")
        self.comparison: Any = comparison_class() if comparison_class is not None else None
        if self.comparison is not None:
            row.addWidget(self.comparison, 1)
        else:
            placeholder = QLabel("The scenario comparison is not installed in this build.")
            placeholder.setObjectName("hint")
            row.addWidget(placeholder, 1)
        self.layout_.addLayout(row, 1)
        self._cache: dict[int, tuple[Plan, tuple[PlanResult, Figures] | None]] = {}
        self._stale = True
        document.scenariosChanged.connect(self.refresh)
        document.planChanged.connect(self._plan_changed)
        self.refresh()

    def ask_name(self, title: str, text: str) -> str | None:
        name, ok = QInputDialog.getText(self, title, "Scenario name:", text=text)
        name = name.strip()
        return name if ok and name else None

    def new_scenario(self) -> None:
        taken = {s.name.casefold() for s in self.document.scenarios}
        n = len(self.document.scenarios) + 1
        while f"scenario {n}" in taken:
            n += 1
        name = self.ask_name("New scenario", f"Scenario {n}")
        if name is not None:
            self.document.add_scenario(name)
            self.message.emit(f"Now editing scenario '{name}' (a copy of the plan).")

    def rename_scenario(self) -> None:
        current = self.document.active_scenario
        name = self.ask_name("Rename scenario", current.name)
        if name is not None:
            self.document.rename_scenario(current.id, name)

    def delete_scenario(self) -> None:
        if len(self.document.scenarios) < 2:
            self.message.emit("The last scenario stays.")
            return
        self.document.remove_scenario(self.document.active_id)

    def _activate(self, item: QListWidgetItem) -> None:
        self.document.switch_scenario(int(item.data(Qt.ItemDataRole.UserRole)))

    def _plan_changed(self) -> None:
        self._stale = True
        if self.isVisible():
            self.update_comparison()

    def refresh(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for scenario in self.document.scenarios:
            item = QListWidgetItem(scenario.name)
            item.setData(Qt.ItemDataRole.UserRole, scenario.id)
            if scenario.id == self.document.active_id:
                item.setText(f"✓  {scenario.name}")
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.list.addItem(item)
            if scenario.id == self.document.active_id:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self.delete.setEnabled(len(self.document.scenarios) > 1)
        self._plan_changed()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self.update_comparison()

    def compared(self) -> list[tuple[str, Plan, PlanResult]]:
        """(name, plan, result) of every scenario that can be computed."""
        return [(name, plan, result) for name, plan, result, _ in self.compared_figures()]

    def compared_figures(self) -> list[tuple[str, Plan, PlanResult, Figures]]:
        """(name, plan, result, figures) of every scenario that can be computed: the active
        scenario's result and figures are the document's own (the ones the KPI strip and the
        Results page show); the others are calculated once per plan and kept."""
        rows = []
        for scenario in self.document.scenarios:
            if scenario.id == self.document.active_id and scenario.plan is self.document.plan:
                result, fig = self.document.result, self.document.figures
                if result is not None and fig is not None:
                    rows.append((scenario.name, scenario.plan, result, fig))
                continue
            cached = self._cache.get(scenario.id)
            if cached is None or cached[0] is not scenario.plan:
                result = evaluate(scenario.plan).result
                cached = (scenario.plan, None if result is None else (result, figures(scenario.plan, result)))
                self._cache[scenario.id] = cached
            if cached[1] is not None:
                rows.append((scenario.name, scenario.plan, *cached[1]))
        return rows

    def update_comparison(self) -> None:
        self._stale = False
        if self.comparison is None:
            return
        try:
            rows = self.compared_figures()
            self.comparison.show_scenarios([row[:3] for row in rows], [row[3] for row in rows])
        except Exception as exc:
            self.message.emit(f"The comparison could not be shown: {exc}")
