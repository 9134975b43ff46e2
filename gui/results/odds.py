"""The Results card "How sure is the plan": the chance to hit the target with
the approved budget, the P50/P80/P90 of the paid leads and budget the plan
needs, and the funded revenue of every draw as a histogram against the
target (funnel-math.md, "Uncertainty").

The draws take 20-300 ms, so they are not part of the recalculation on
every edit: the card follows the document's :class:`gui.outlook.Outlook`
(``follow``) and shows "computing…" until the completed result arrives. The
sentences are :class:`core.calc.figures_year.OddsFigures`' own, as the report
prints them. Without any rate measured on a sample the card shrinks to a
hint saying how to add one.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCharts import QChartView, QLineSeries, QStackedBarSeries
from PySide6.QtCore import QLocale, QMargins, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.calc.figures_year import OddsFigures, odds_figures
from core.calc.results import PlanResult
from core.calc.uncertainty import HIT_TOLERANCE
from core.calc.uncertainty_draws import rate_sources
from core.model.plan import Plan
from gui.formatting import count_text, currency_symbol, money_text, percent_text
from gui.outlook import Outlook
from gui.results.charts import (
    GOOD,
    INK,
    MUTED,
    LabelAxis,
    TickAxis,
    axis_percent,
    bar_set,
    line_pen,
    make_chart,
    set_values,
)
from gui.results.explain_dialog import ExplanationDialog, explain_in_dialog

BINS = 24
HINT = (
    "How sure is the plan? Enter how many leads a rate was measured on (\u201cMeasured on (leads)\u201d on the "
    "Funnel, Channels or Lead spec page) to see the chance to hit the target with this budget and the budget "
    "to request to be 80% sure."
)
COMPUTING = "computing\u2026"


def short_money(value: float, currency: str, locale: QLocale) -> str:
    """An axis label: ``$20.5M``, ``$850k``."""
    sign = "-" if value < 0 else ""
    v = abs(value)
    symbol = currency_symbol(currency)
    if v >= 1e6:
        return f"{sign}{symbol}{locale.toString(v / 1e6, 'f', 1 if v < 1e8 else 0)}M"
    if v >= 1e3:
        return f"{sign}{symbol}{locale.toString(v / 1e3, 'f', 0)}k"
    return money_text(value, currency, locale)


def histogram(revenue: np.ndarray, target: float, bins: int = BINS) -> tuple[float, float, np.ndarray, np.ndarray]:
    """(lowest value, bin width, share of draws per bin falling short, share reaching the target);
    the bins span every draw and the target, which falls on the edge between two bins (a bin is
    all short or all reaching it)."""
    low = float(min(revenue.min(initial=target), target))
    high = float(max(revenue.max(initial=target), target))
    width = (high - low) / (bins - 1) if high > low else max(abs(high), 1.0) / bins
    low = target - math.ceil((target - low) / width - 1e-9) * width  # an edge on the target
    index = np.clip(np.floor((revenue - low) / width + 1e-9).astype(int), 0, bins - 1)
    reaches = revenue >= target - HIT_TOLERANCE * abs(target)
    total = max(len(revenue), 1)
    short = np.bincount(index, weights=(~reaches).astype(float), minlength=bins) / total
    hit = np.bincount(index, weights=reaches.astype(float), minlength=bins) / total
    return low, width, short, hit


class _Distribution(QChartView):
    """Funded revenue across the draws: share of draws per revenue band, red
    where it falls short of the target, green where it reaches it; the target
    as a dashed vertical line."""

    def __init__(self, locale: QLocale) -> None:
        self.loc = locale
        chart = make_chart()
        chart.setMargins(QMargins(2, 10, 2, 2))  # room for the top tick label
        super().__init__(chart)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setStyleSheet("background: transparent; border: none;")
        self.setMinimumHeight(200)
        self.short = bar_set("Falls short", "#fca5a5")
        self.reach = bar_set("Reaches the target", GOOD)
        self.series = QStackedBarSeries()
        self.series.setBarWidth(0.92)
        self.series.append(self.short)
        self.series.append(self.reach)
        self.target = QLineSeries()
        self.target.setName("Target")
        self.target.setPen(line_pen(INK, 2.0, dashed=True))
        self.x_axis = LabelAxis()
        self.x_axis.setGridLineVisible(False)
        self.y_axis = TickAxis(axis_percent)
        chart.addSeries(self.series)
        chart.addSeries(self.target)
        chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        for series in (self.series, self.target):
            series.attachAxis(self.x_axis)
            series.attachAxis(self.y_axis)

    def show_draws(self, revenue: np.ndarray, target: float, currency: str) -> None:
        low, width, short, hit = histogram(revenue, target)
        set_values(self.short, short)
        set_values(self.reach, hit)
        top = float((short + hit).max(initial=0.0))
        self.y_axis.set_span(0.0, top, 4)
        at = (target - low) / width - 0.5
        self.target.clear()
        self.target.append(at, 0.0)
        self.target.append(at, top * 1.05 if top > 0 else 1.0)
        # labels on bin edges (edge i at x = i - 0.5), one of them the target's
        step = max(1, len(short) // 4)
        on_target = round((target - low) / width)
        edges = range(on_target % step, len(short) - 1, step)  # none on the right end: cut there
        marks = [(short_money(low + i * width, currency, self.loc), i - 0.5) for i in edges]
        self.x_axis.set_labels(marks, -0.5, len(short) - 0.5)


class OddsCard(QFrame):
    """The odds of the shown plan (see module docstring). ``figures`` holds the
    :class:`OddsFigures` shown (None while computing, or without samples)."""

    explanationShown = Signal()

    def __init__(self, locale: QLocale, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.loc = locale
        self.outlook: Outlook | None = None
        self.plan: Plan | None = None
        self.result: PlanResult | None = None
        self.completed: PlanResult | None = None
        self.figures: OddsFigures | None = None
        self.dialog: ExplanationDialog | None = None
        self.state = "hidden"
        self._build()
        self.hide()

    def _label(self, name: str, wrap: bool = False) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(wrap)
        return label

    def _build(self) -> None:
        self.title = self._label("cardTitle")
        self.title.setText("How sure is the plan")
        self.headline = self._label("oddsHeadline", wrap=True)
        self.headline.setStyleSheet(f"color: {INK}; font-size: 16px; font-weight: 600;")
        self.status = self._label("cardNote", wrap=True)
        self.sentence = self._label("cardNote", wrap=True)
        self.why = self._label("metricWhy")
        self.why.setText("Why this number? What it rests on")
        self.quantiles = QWidget()
        grid = QGridLayout(self.quantiles)
        grid.setContentsMargins(0, 6, 0, 6)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(4)
        self.cells: dict[tuple[str, str], QLabel] = {}
        columns = ("p50", "p80", "p90", "stated")
        heads = ("P50", "P80", "P90", "As entered")
        for c, head in enumerate(heads, start=1):
            label = self._label("metricCaption")
            label.setText(head)
            label.setAlignment(Qt.AlignmentFlag.AlignRight)
            grid.addWidget(label, 0, c)
        for r, (key, name) in enumerate((("leads", "Paid leads needed"), ("spend", "Budget needed")), start=1):
            caption = self._label("metricDetail")
            caption.setText(name)
            grid.addWidget(caption, r, 0)
            for c, column in enumerate(columns, start=1):
                cell = QLabel()
                cell.setAlignment(Qt.AlignmentFlag.AlignRight)
                cell.setStyleSheet(f"color: {INK if column != 'stated' else MUTED}; font-size: 13px;")
                grid.addWidget(cell, r, c)
                self.cells[(key, column)] = cell
        grid.setColumnStretch(5, 1)
        self.chart = _Distribution(self.loc)
        left = QVBoxLayout()
        left.setSpacing(4)
        for widget in (self.title, self.headline, self.status, self.quantiles, self.sentence):
            left.addWidget(widget)
        left.addStretch(1)
        left.addWidget(self.why)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 12, 14, 10)
        row.setSpacing(16)
        right = QVBoxLayout()
        right.setSpacing(2)
        self.chart_caption = self._label("cardNote", wrap=True)
        right.addWidget(self.chart_caption)
        right.addWidget(self.chart, 1)
        row.addLayout(left, 2)
        row.addLayout(right, 3)
        self._row = row

    # ----- following the outlook --------------------------------------------------------
    def follow(self, outlook: Outlook) -> None:
        """Show the odds the document's outlook works out (see :mod:`gui.outlook`)."""
        self.outlook = outlook
        outlook.outlook_ready.connect(self._ready)
        outlook.outlook_started.connect(self._started)
        outlook.outlook_failed.connect(self._failed)

    def show_for(self, plan: Plan, result: PlanResult | None) -> None:
        """The plan shown on the page: its odds if worked out, "computing…" while they are."""
        self.plan, self.result = plan, result
        if result is None or self.outlook is None:
            self._set_state("hidden")
            return
        if not rate_sources(plan).all():
            self._show_hint()
            return
        done = self.outlook.completed_for(result)
        if done is not None:
            self.show_odds(plan, done)
        elif self.outlook.pending_for(result):
            self._show_computing()
        elif self.outlook.error:
            self._failed(self.outlook.error)
        else:  # figures the outlook does not work on (the greyed last good ones): no odds for them
            self._set_state("hidden")

    def _started(self, result: object) -> None:
        if result is self.result and self.state != "hint":
            self._show_computing()

    def _ready(self, completed: object) -> None:
        if self.plan is not None and self.outlook is not None and self.outlook.completed_for(self.result) is completed:
            assert isinstance(completed, PlanResult)
            self.show_odds(self.plan, completed)

    def _failed(self, message: str) -> None:
        if self.state in ("computing", "odds"):
            self._set_state("failed")
            self.headline.setText("The odds could not be worked out")
            self.status.setText(message)
            self.status.show()

    # ----- states --------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        self.state = state
        self.setVisible(state != "hidden")
        full = state in ("odds", "computing")
        self.quantiles.setVisible(full and self.figures is not None)
        self.chart.setVisible(full and self.figures is not None and self.figures.hit is not None)
        self.chart_caption.setVisible(self.chart.isVisibleTo(self))
        self._row.setStretch(1, 3 if self.chart.isVisibleTo(self) else 0)  # a hint takes the card's width
        self.sentence.setVisible(full and self.figures is not None)
        self.why.setVisible(state == "odds")
        self.title.setVisible(state != "hint")
        self.setCursor(Qt.CursorShape.PointingHandCursor if state == "odds" else Qt.CursorShape.ArrowCursor)
        self.setToolTip("Click to see what these odds rest on" if state == "odds" else "")

    def _show_hint(self) -> None:
        self.figures, self.completed = None, None
        self._set_state("hint")
        self.headline.hide()
        self.status.setText(HINT)
        self.status.show()

    def _show_computing(self) -> None:
        self._set_state("computing")
        self.headline.show()
        draws = self.plan.uncertainty.draws if self.plan is not None and self.plan.uncertainty else 10_000
        if self.figures is None:
            self.headline.setText(f"Chance to hit the target with this budget: {COMPUTING}")
        self.status.setText(f"Drawing {count_text(draws, self.loc)} plans from the measured rates\u2026")
        self.status.show()

    def show_odds(self, plan: Plan, completed: PlanResult) -> None:
        """Show the odds of ``completed`` (a result with its draws)."""
        fig = odds_figures(completed)
        self.plan, self.completed, self.figures = plan, completed, fig
        if fig is None:
            self._show_hint()
            return
        self._set_state("odds")
        self.headline.show()
        self.headline.setText(fig.headline())
        self.status.hide()
        u = completed.uncertainty
        assert u is not None
        loc = self.loc

        def count(value: float) -> str:
            return count_text(value, loc)

        def money(value: float) -> str:
            return money_text(value, plan.currency, loc)

        for key in ("p50", "p80", "p90"):
            self.cells[("leads", key)].setText(count(fig.leads[key]))
            self.cells[("spend", key)].setText(money(fig.spend[key]))
        self.cells[("leads", "stated")].setText(count(u.stated_paid_leads_total))
        self.cells[("spend", "stated")].setText(money(u.stated_spend_total))
        self.sentence.setText(fig.sentence(money, count))
        if u.funded_revenue is not None and fig.hit is not None:
            self.chart.show_draws(np.asarray(u.funded_revenue), fig.target, plan.currency)
            self.chart_caption.setText(
                f"Revenue with this budget in each of the {count(fig.draws)} draws, against the target"
            )
        tip = f"Over {count(fig.draws)} draws; chance {percent_text(fig.hit or 0.0, 0, self.loc)}"
        self.headline.setToolTip(tip if fig.hit is not None else "")

    # ----- why this number ---------------------------------------------------------------
    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.state == "odds":
            self.explain()
        super().mouseReleaseEvent(event)

    def explain(self) -> ExplanationDialog | None:
        """Open "Why this number?" for the odds shown."""
        if self.plan is None or self.completed is None:
            return None
        if self.dialog is None:
            self.dialog = ExplanationDialog(self)
        explain_in_dialog(self.dialog, self.plan, self.completed, "odds")
        self.explanationShown.emit()
        return self.dialog


__all__ = ["OddsCard", "histogram", "short_money"]
