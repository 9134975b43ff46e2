"""A strip of the headline figures over every page, updated as the user types,
so an edit anywhere shows its effect at once."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.plan import errors_only
from gui.document import PlanDocument
from gui.formatting import count_text, money_text, percent_text


class Kpi(QWidget):
    def __init__(self, caption: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.value = QLabel("—")
        self.value.setObjectName("kpiValue")
        self.caption = QLabel(caption)
        self.caption.setObjectName("kpiCaption")
        layout.addWidget(self.value)
        layout.addWidget(self.caption)

    def set(self, text: str, bad: bool = False, tip: str = "") -> None:
        self.value.setText(text)
        self.value.setProperty("bad", bad)
        self.value.style().unpolish(self.value)
        self.value.style().polish(self.value)
        self.setToolTip(tip)


class KpiStrip(QFrame):
    """Deals, raw leads, spend, budget gap, qualified-lead deficit, capacity."""

    def __init__(self, document: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kpiStrip")
        self.document = document
        layout = QHBoxLayout(self)
        layout.setContentsMargins(28, 10, 28, 10)
        layout.setSpacing(36)
        self.deals = Kpi("deals to win")
        self.leads = Kpi("paid raw leads")
        self.spend = Kpi("planned spend")
        self.gap = Kpi("budget gap")
        self.deficit = Kpi("qualified-lead deficit")
        self.capacity = Kpi("busiest sales month")
        for kpi in (self.deals, self.leads, self.spend, self.gap, self.deficit, self.capacity):
            layout.addWidget(kpi)
        layout.addStretch(1)
        self.status = QLabel()
        self.status.setObjectName("kpiStatus")
        self.status.setWordWrap(True)
        self.status.setMaximumWidth(360)
        layout.addWidget(self.status)
        document.resultChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        plan, result = self.document.plan, self.document.result
        errors = errors_only(self.document.problems)
        if result is None:
            for kpi in (self.deals, self.leads, self.spend, self.gap, self.deficit, self.capacity):
                kpi.set("—")
            first = errors[0].message if errors else ""
            more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
            self.status.setText(f"Results wait for a complete plan: {first}{more}")
            self.status.setProperty("bad", True)
        else:
            currency = plan.currency
            self.deals.set(count_text(float(result.deals_required.sum())))
            self.leads.set(count_text(float(result.paid_leads.sum())))
            self.spend.set(money_text(float(result.spend_total.sum()), currency))
            if result.budget_gap is not None:
                gap = float(result.budget_gap.sum())
                self.gap.set(
                    money_text(gap, currency), gap > 0.5, "Spend minus approved budget; positive: funding to request."
                )
            else:
                self.gap.set("no budget set")
            funded = result.funded
            if funded is not None and funded.gate_deficit is not None:
                deficit = float(funded.gate_deficit.sum())
                self.deficit.set(
                    count_text(max(0.0, deficit)), deficit > 0.5, "Qualified leads the funded plan falls short of."
                )
            else:
                self.deficit.set("—")
            if result.sales_utilization is not None and len(result.sales_utilization):
                peak = float(result.sales_utilization.max())
                self.capacity.set(percent_text(peak, 0), peak > 1.0, "Sales hours needed / available, busiest month.")
            else:
                self.capacity.set("—")
            warnings = [p for p in self.document.problems if p.severity == "warning"]
            self.status.setText(warnings[0].message if warnings else "")
            self.status.setProperty("bad", False)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
