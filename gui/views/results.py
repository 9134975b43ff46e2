"""Results: the dashboard of the results package, fed with the active
scenario's plan and result (or its problems) whenever it is shown.

The page shows the figures of the document's active scenario and nothing
else: when that plan cannot be calculated, at most its own last calculable
figures (kept by the document, dropped on New and Open), greyed under a
heading saying so; a plan opened or made that never could shows none."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from gui.document import PlanDocument
from gui.views.base import Page
from gui.views.lead_spec import results_widget


class ResultsPage(Page):
    title = "Results"
    subtitle = "What the target takes: leads per month and channel, spend against budget, qualified leads and capacity."

    def __init__(self, document: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(document, parent)
        dashboard_class = results_widget("gui.results.dashboard", "ResultsDashboard")
        self.dashboard: Any = dashboard_class() if dashboard_class is not None else None
        if self.dashboard is None:
            placeholder = QLabel("The results dashboard is not installed in this build.")
            placeholder.setObjectName("hint")
            self.layout_.addWidget(placeholder, 1)
        else:
            self.layout_.addWidget(self.dashboard, 1)
            if hasattr(self.dashboard, "follow_outlook"):  # the odds, worked out off the GUI thread
                self.dashboard.follow_outlook(document.outlook)
        self._stale = True
        document.resultChanged.connect(self._result_changed)

    def _result_changed(self) -> None:
        self._stale = True
        if self.isVisible():
            self.update_dashboard()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self.update_dashboard()

    def update_dashboard(self) -> None:
        self._stale = False
        if self.dashboard is None:
            return
        document = self.document
        result = document.result
        try:
            if result is not None:
                self.dashboard.show_result(document.plan, result, document.figures)
                self.dashboard.show_problems(document.problems)
            else:  # figures of this plan only: its own last calculable version, or none
                self.dashboard.show_refused(document.problems, document.plan.name, document.last_good)
        except Exception as exc:  # the dashboard must not take the planner down
            self.message.emit(f"The results could not be shown: {exc}")
