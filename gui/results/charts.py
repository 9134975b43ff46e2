"""Chart building blocks of the results side (QtCharts) and the lead spec's
score-distribution chart.

Charts are built once and updated by replacing their points: a
:class:`ChartCard` holds one QChartView under a title; axes with
locale-formatted tick labels come from :class:`TickAxis`; month axes from
:func:`month_axis_labels`. Every number shown goes through
:mod:`gui.formatting`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QLocale, QMargins, QSignalBlocker, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QStackedLayout, QVBoxLayout, QWidget

from core.calc.lead_spec import criteria_pass_rate, pass_rate, passing_score, score_distribution
from core.model.plan import LeadSpec
from gui.formatting import number_text, percent_text, user_locale

# A restrained palette: one accent, a few calm companions, red/green only for meaning.
INK = "#1f2937"
MUTED = "#6b7280"
GRID = "#e5e7eb"
ACCENT = "#2563eb"
ACCENT_SOFT = "#93c5fd"
BAD = "#dc2626"
GOOD = "#16a34a"
NEUTRAL = "#9ca3af"
SERIES = ("#2563eb", "#0d9488", "#7c3aed", "#d97706", "#db2777", "#65a30d", "#0891b2", "#9ca3af")

ZERO_WIDTH = "\u200b"


def month_text(label: str, locale: QLocale | None = None) -> str:
    """``2027-03`` -> ``Mar 27`` (month name in the user's locale)."""
    year, month = label.split("-")
    loc = locale or user_locale()
    return f"{loc.monthName(int(month), QLocale.FormatType.ShortFormat)} {year[-2:]}"


def month_label(labels: Sequence[str], index: int, locale: QLocale | None = None) -> str:
    """The label under month ``index``: ``Jan 27`` for the first month and
    every January, the short month name (``Apr``) for the others, so labels
    stay short enough to show whole."""
    month = labels[index].split("-")[1]
    if index == 0 or int(month) == 1:
        return month_text(labels[index], locale)
    return (locale or user_locale()).monthName(int(month), QLocale.FormatType.ShortFormat)


def month_step(months: int, max_shown: int) -> int:
    """Label every month, or every 2nd/3rd/6th/12th so at most ``max_shown`` show."""
    return next((s for s in (1, 2, 3, 6, 12) if math.ceil(months / s) <= max_shown), 12)


def month_axis_labels(labels: Sequence[str], max_shown: int = 12, locale: QLocale | None = None) -> list[str]:
    """Category labels for a bar-category axis: every ``month_step`` month
    labelled, the others unique invisible strings (categories must be unique)."""
    step = month_step(len(labels), max_shown)
    return [month_text(lab, locale) if i % step == 0 else ZERO_WIDTH * (i + 1) for i, lab in enumerate(labels)]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``[low, high]`` and 0 (1, 2, 2.5, 5 x 10^k
    steps). An empty or flat span gives ``[0, 1]``."""
    low, high = min(low, 0.0), max(high, 0.0)
    if not (math.isfinite(low) and math.isfinite(high)) or high - low <= 0:
        return [0.0, 1.0]
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    count_ticks = round((last - first) / step)
    return [first + k * step for k in range(count_ticks + 1)]


class LabelAxis(QCategoryAxis):
    """A value axis with text labels at chosen values. Labels are rebuilt
    silently and the chart re-laid out once (each single change would
    re-lay it out: the costly part of an update)."""

    def __init__(self) -> None:
        super().__init__()
        self.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        style_axis(self)
        self._key: object = None

    def set_labels(self, labels: Sequence[tuple[str, float]], low: float, high: float) -> None:
        """Show ``(text, value)`` labels (values increasing) over ``[low, high]``."""
        key = (tuple(labels), low, high)
        if key == self._key:
            return
        self._key = key
        with QSignalBlocker(self):
            for label in self.categoriesLabels():
                self.remove(label)
            self.setStartValue(low)
            seen: set[str] = set()
            for text, value in labels:
                while text in seen:  # categories need unique labels
                    text += ZERO_WIDTH
                seen.add(text)
                self.append(text, value)
        if (self.min(), self.max()) != (low, high):
            self.setRange(low, high)
        else:
            self.categoriesChanged.emit()


class MonthAxis(LabelAxis):
    """The plan's months (bar ``i`` sits at ``x = i``): labels like
    ``Jan 27``, ``Feb``, ``Mar`` under every month, or every 2nd/3rd/6th/12th
    month when there is no room: at most ``max_shown``, and no more than
    the chart's plot area has room for whole (measured in the labels' font,
    again whenever the plot area changes), so no label is cut."""

    GAP = 10  # pixels between two labels

    def __init__(self) -> None:
        super().__init__()
        self.setGridLineVisible(False)
        self._months: tuple[str, ...] = ()
        self._max_shown = 12
        self._locale: QLocale | None = None
        self._chart: QChart | None = None

    def set_months(self, labels: Sequence[str], max_shown: int = 12, locale: QLocale | None = None) -> None:
        self._months, self._max_shown, self._locale = tuple(labels), max_shown, locale
        self._watch_chart()
        self._place()

    def _watch_chart(self) -> None:
        """Follow the plot area of the chart this axis was added to (its parent's parent)."""
        holder = self.parent()
        chart = holder.parent() if holder is not None else None
        if self._chart is None and isinstance(chart, QChart):
            self._chart = chart
            chart.plotAreaChanged.connect(lambda _area: self._place())

    def room(self) -> int:
        """How many labels fit side by side: ``max_shown``, or fewer on a narrow plot."""
        if self._chart is None or not self._months or self._chart.plotArea().width() <= 0:
            return self._max_shown
        metrics = QFontMetrics(self.labelsFont())
        widest = max(metrics.horizontalAdvance(month_text(m, self._locale)) for m in self._months[:12])
        return max(1, min(self._max_shown, int(self._chart.plotArea().width() // (widest + self.GAP))))

    def _place(self) -> None:
        months = self._months
        if not months:
            return
        step = month_step(len(months), self.room())
        marks = [(month_label(months, i, self._locale), float(i)) for i in range(0, len(months), step)]
        self.set_labels(marks, -0.5, len(months) - 0.5)


class TickAxis(LabelAxis):
    """A value axis whose tick labels are formatted by ``fmt`` (locale-aware
    counts, money, percentages) at round values."""

    def __init__(self, fmt: Callable[[float], str]) -> None:
        super().__init__()
        self.fmt = fmt

    def set_span(self, low: float, high: float, count: int = 5) -> None:
        """Cover ``[low, high]`` (0 always included) with about ``count`` round
        ticks (fewer on a short chart, so every label has room)."""
        ticks = nice_ticks(low, high, count)
        self.set_labels([(self.fmt(0.0 if abs(v) < 1e-12 else v), v) for v in ticks], ticks[0], ticks[-1])


def axis_percent(value: float) -> str:
    """A tick as a percentage, with one decimal only where it needs one (2.5%)."""
    whole = abs(value * 100 - round(value * 100)) < 1e-9
    return percent_text(value, 0 if whole else 1)


def style_axis(axis: QBarCategoryAxis | QValueAxis | QCategoryAxis) -> None:
    font = QFont()
    font.setPointSizeF(8.5)
    axis.setLabelsFont(font)
    axis.setLabelsColor(QColor(MUTED))
    axis.setGridLineColor(QColor(GRID))
    axis.setLinePenColor(QColor(GRID))
    axis.setTitleVisible(False)


def make_chart() -> QChart:
    """A quiet chart: no animation, no drop shadow, legend at the bottom."""
    chart = QChart()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setBackgroundVisible(False)
    chart.setDropShadowEnabled(False)
    chart.setMargins(QMargins(2, 2, 2, 2))
    chart.layout().setContentsMargins(0, 0, 0, 0)
    legend = chart.legend()
    legend.setAlignment(Qt.AlignmentFlag.AlignBottom)
    font = QFont()
    font.setPointSizeF(8.5)
    legend.setFont(font)
    legend.setLabelColor(QColor(INK))
    legend.setShowToolTips(True)  # a legend entry shortened for room shows whole under the mouse
    return chart


def bar_set(label: str, color: str) -> QBarSet:
    bars = QBarSet(label)
    bars.setColor(QColor(color))
    bars.setBorderColor(QColor(color))
    return bars


def set_values(bars: QBarSet, values: Sequence[float] | np.ndarray) -> None:
    """Replace every value of a bar set (keeps the set and its connections)."""
    count = bars.count()
    if count:
        with QSignalBlocker(bars):  # one update (on append) instead of two
            bars.remove(0, count)
    bars.append([float(v) for v in values])


def line_pen(color: str, width: float = 2.0, dashed: bool = False) -> QPen:
    pen = QPen(QColor(color))
    pen.setWidthF(width)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen


class ChartCard(QFrame):
    """A titled card around one chart; ``controls`` sit right of the title,
    ``note`` is a line of text under it; ``set_placeholder`` swaps the chart
    for a sentence when there is nothing to draw."""

    def __init__(self, title: str, chart: QChart, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.chart = chart
        self.view = QChartView(chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(220)
        self.view.setStyleSheet("background: transparent;")
        self.title = QLabel(title)
        self.title.setObjectName("cardTitle")
        self.header = QHBoxLayout()
        self.header.setContentsMargins(0, 0, 0, 0)
        self.header.addWidget(self.title)
        self.header.addStretch(1)
        self.note = QLabel()
        self.note.setObjectName("cardNote")
        self.note.setWordWrap(True)
        self.note.hide()
        self.placeholder = QLabel()
        self.placeholder.setObjectName("placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.placeholder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 8)
        layout.setSpacing(4)
        layout.addLayout(self.header)
        layout.addWidget(self.note)
        layout.addLayout(self.stack, 1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def add_control(self, widget: QWidget) -> None:
        self.header.addWidget(widget)

    def set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def set_placeholder(self, text: str | None) -> None:
        """Show ``text`` instead of the chart (None: show the chart)."""
        if text:
            self.placeholder.setText(text)
            self.stack.setCurrentWidget(self.placeholder)
        else:
            self.stack.setCurrentWidget(self.view)


# --- the lead spec's score distribution ----------------------------------------

_MAX_BINS = 32


def score_bins(spec: LeadSpec) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Scores grouped into at most ~32 bins: (lower score of each bin, share
    of leads reaching the gate below the threshold, share qualifying).

    Shares are of all leads reaching the gate: the score distribution of
    leads meeting every required criterion times their share, so the
    qualifying bars add up to the criteria model's pass rate exactly."""
    dist = score_distribution(spec.criteria)
    scores = dist.scores()
    probability = dist.probability * dist.required_share
    passing = scores >= passing_score(spec.threshold)
    span = int(scores[-1] - scores[0]) + 1
    width = next((w for w in (1, 2, 5, 10, 20, 25, 50, 100, 250, 500, 1000) if math.ceil(span / w) <= _MAX_BINS), 1000)
    start = math.floor(scores[0] / width) * width
    index = (scores - start) // width
    bins = int(index[-1]) + 1
    below = np.bincount(index, weights=np.where(passing, 0.0, probability), minlength=bins)
    above = np.bincount(index, weights=np.where(passing, probability, 0.0), minlength=bins)
    return [start + b * width for b in range(bins)], below, above


class _SpecPanel(QFrame):
    """One spec in a card: title and pass rate above, stacked bars (below
    threshold / qualifies) with a short percent axis, the threshold under it."""

    def __init__(self, title: str, color: str) -> None:
        super().__init__()
        self.setObjectName("card")
        self.caption = QLabel(title)
        self.caption.setObjectName("cardTitle")
        self.chart = make_chart()
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        self.chart.setMargins(QMargins(2, 8, 2, 2))  # room for the top tick label
        self.below = bar_set("Below threshold", NEUTRAL)
        self.above = bar_set("Qualifies", color)
        self.series = QStackedBarSeries()
        self.series.setBarWidth(0.85)
        self.series.append(self.below)
        self.series.append(self.above)
        self.chart.addSeries(self.series)
        self.x_axis = LabelAxis()
        self.x_axis.setGridLineVisible(False)
        self.y_axis = TickAxis(axis_percent)
        self.chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        self.series.attachAxis(self.x_axis)
        self.series.attachAxis(self.y_axis)
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setStyleSheet("background: transparent; border: none;")
        self.view.setMinimumHeight(110)
        self.pass_rate_label = QLabel()
        self.pass_rate_label.setObjectName("passRate")
        self.detail = QLabel()
        self.detail.setObjectName("cardNote")
        self.detail.setWordWrap(True)
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.caption)
        head.addStretch(1)
        head.addWidget(self.pass_rate_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        layout.addLayout(head)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.detail)
        self._top = 0.0
        self._starts: list[int] = []

    def _fit_y_axis(self) -> None:
        """As many percent ticks as the chart's height has room for (QtCharts
        shows a crowded tick label as "..."); none on a very short chart,
        where the grid lines remain."""
        room = max(0, self.view.height() - 35) // 20  # plot height over one label's height
        self.y_axis.setLabelsVisible(room >= 2)
        self.y_axis.set_span(0.0, self._top, max(1, min(4, room - 1)))
        # score labels under the bars: at most one per ~44 px of plot width (legend aside)
        shown = max(2, min(8, (self.view.width() - 170) // 44))
        step = max(1, math.ceil(len(self._starts) / shown))
        locale = user_locale()
        marks = [(number_text(float(s), 0, locale), float(i)) for i, s in enumerate(self._starts) if i % step == 0]
        self.x_axis.set_labels(marks, -0.5, len(self._starts) - 0.5)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_y_axis()

    def show_spec(self, spec: LeadSpec) -> None:
        locale = user_locale()
        starts, below, above = score_bins(spec)
        self._starts = starts
        set_values(self.below, below)
        set_values(self.above, above)
        self._top = float((below + above).max(initial=0.0))
        self._fit_y_axis()
        rate = pass_rate(spec)
        self.pass_rate_label.setText(f"Pass rate {percent_text(rate, 1, locale)}")
        dist = score_distribution(spec.criteria)
        threshold = number_text(float(spec.threshold), 2, locale)
        parts = [f"Threshold {threshold} points"]
        if dist.required_share < 1:
            parts.append(f"{percent_text(1 - dist.required_share, 1, locale)} fail a required criterion")
        if spec.pass_rate_source == "empirical" and spec.empirical is not None:
            parts.append(
                f"measured rate in force (criteria model: {percent_text(criteria_pass_rate(spec), 1, locale)})"
            )
        self.detail.setText(" \u00b7 ".join(parts))


class ScoreDistributionChart(QWidget):
    """The score distribution of leads reaching the gate, the threshold
    marked by colour (grey below it, blue/teal at or above it), the pass
    rate under it; the proposed spec beside it when there is one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.current = _SpecPanel("Current spec", ACCENT)
        self.proposed = _SpecPanel("Proposed spec", SERIES[1])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self.current, 1)
        layout.addWidget(self.proposed, 1)
        self.proposed.hide()

    @property
    def pass_rate_label(self) -> QLabel:
        """The current spec's pass-rate label."""
        return self.current.pass_rate_label

    def show_spec(self, spec: LeadSpec, proposed: LeadSpec | None = None) -> None:
        """Draw ``spec`` (and ``proposed`` beside it, if given)."""
        self.current.show_spec(spec)
        if proposed is None:
            self.proposed.hide()
        else:
            self.proposed.show_spec(proposed)
            self.proposed.show()
