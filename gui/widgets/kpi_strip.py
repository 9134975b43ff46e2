"""A strip of the headline figures over every page, updated as the user types,
so an edit anywhere shows its effect at once.

The strip keeps one height whatever it shows: figures shrink their font to
fit (never cut), and a long status message is elided with the whole text in
its tooltip, so the buttons under it never move."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from core.calc.figures import WORDS, plural, signed_count
from core.model.plan import errors_only
from gui.document import PlanDocument
from gui.formatting import count_text, money_text, percent_text
from gui.widgets.fit_label import ElidedLabel, FitLabel


class Kpi(QWidget):
    def __init__(self, caption: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.value = FitLabel("—")
        self.value.setObjectName("kpiValue")
        self.caption = FitLabel(caption, smallest=0.85)
        self.caption.setObjectName("kpiCaption")
        layout.addWidget(self.value)
        layout.addWidget(self.caption)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set(self, text: str, bad: bool = False, tip: str = "") -> None:
        self.value.setText(text)
        if bool(self.value.property("bad")) != bad:
            self.value.setProperty("bad", bad)
            self.value.style().unpolish(self.value)
            self.value.style().polish(self.value)
        self.value.set_tip(tip)
        self.caption.set_tip(tip)
        self.setToolTip(tip)


class KpiStrip(QFrame):
    """Deals, raw leads, spend, budget gap, qualified-lead deficit, capacity."""

    def __init__(self, document: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kpiStrip")
        self.document = document
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 8, 24, 8)
        layout.setSpacing(24)
        self.deals = Kpi("deals to win")
        self.leads = Kpi("paid raw leads")
        self.spend = Kpi("planned spend")
        self.gap = Kpi("budget gap (net)")
        self.deficit = Kpi("qualified-lead deficit (net)")
        self.capacity = Kpi("busiest sales month")
        self.tracking = Kpi("qualified leads at observed rates")  # shown while tracking the year
        for kpi in (*self.kpis(), self.tracking):
            layout.addWidget(kpi)
        self.status = ElidedLabel()
        self.status.setObjectName("kpiStatus")
        layout.addWidget(self.status, 1)
        document.resultChanged.connect(self.refresh)
        self.refresh()
        # one line per label (figures shrink, the status elides): the strip's height never changes
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def kpis(self) -> tuple[Kpi, ...]:
        return (self.deals, self.leads, self.spend, self.gap, self.deficit, self.capacity)

    def refresh(self) -> None:
        plan, result = self.document.plan, self.document.result
        errors = errors_only(self.document.problems)
        if result is None:
            for kpi in self.kpis():
                kpi.set("—")
            first = errors[0].message if errors else ""
            more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
            self.status.setText(f"Results wait for a complete plan: {first}{more}")
            self.status.setProperty("bad", True)
        else:
            self._show(plan.currency)
            warnings = [p for p in self.document.problems if p.severity == "warning"]
            self.status.setText(warnings[0].message if warnings else "")
            self.status.setProperty("bad", False)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self._show_tracking()

    def _show(self, currency: str) -> None:
        """The headline figures of the document's one :class:`Figures` (same numbers, same words as
        the Results page, the report and the budget request)."""
        fig = self.document.figures
        assert fig is not None, "a result has figures"
        self.deals.set(count_text(fig.deals))
        self.leads.set(count_text(fig.paid_leads))
        self.spend.set(money_text(fig.spend, currency))
        if fig.budget_gap is not None and fig.budget is not None:
            tip = f"Spend minus approved budget, {WORDS['net']}. " + fig.budget.sentence(
                lambda v: money_text(v, currency)
            )
            self.gap.set(money_text(fig.budget_gap, currency), fig.budget_gap > 0.5, tip)
        else:
            self.gap.set("no budget set")
        if fig.deficit is not None and fig.gate is not None:
            tip = (
                f"{fig.deficit_words(count_text)}: {plural(fig.gate)} required minus what the approved budget delivers."
            )
            self.deficit.set(signed_count(fig.deficit, count_text), fig.deficit > 0.5, tip)
        else:
            self.deficit.set("—")
        if fig.peak_utilization is not None:
            peak = fig.peak_utilization
            self.capacity.set(percent_text(peak, 0), peak > 1.0, "Sales hours needed / available, busiest month.")
        else:
            self.capacity.set("—")

    def _show_tracking(self) -> None:
        """The tracking alarm: the projected qualified-lead deficit at the rates observed so far."""
        result = self.document.result
        tracking = None if result is None else result.tracking
        self.tracking.setVisible(tracking is not None and tracking.gate is not None)
        if tracking is None or tracking.gate is None:
            return
        deficit, remaining = tracking.projected_deficit, tracking.remaining_requirement
        gate = result.stage_names[tracking.gate] if result is not None else "qualified leads"
        text = f"{count_text(deficit)} short" if deficit > 0.5 else "on track"
        tip = (
            f"At the rates observed so far, {count_text(max(deficit, 0.0))} of the {count_text(remaining)} {gate} "
            "still required would not come"
            + (": the alarm is on (see Tracking)." if tracking.alarm else ", within the alarm threshold.")
        )
        self.tracking.set(("⚠ " if tracking.alarm else "") + text, tracking.alarm, tip)
