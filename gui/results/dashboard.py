"""The Results dashboard: headline figures as cards and the charts of a
calculated plan.

``show_result(plan, result)`` updates every card and chart in place (the
charts and their series are built once; new numbers replace the points);
``show_problems(problems)`` lists its warnings in a banner above them.

A plan that cannot be calculated goes to ``show_refused(problems, name,
last_good)``: the banner lists what is wrong, in the user's words, and the
dashboard shows no figures at all, unless it is given ``last_good``, the
same plan's last figures that could be calculated, which then show greyed
under a heading that says so. It never keeps figures on its own: whatever
it showed before (another file, another scenario) is gone.

Clicking a card, or a bar of a chart, opens "Why this number?" with the
explanation chain of that figure (and month).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCharts import (
    QBarSeries,
    QHorizontalStackedBarSeries,
    QLineSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGraphicsOpacityEffect,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.calc.engine import PlanResult
from core.calc.figures import WORDS, Figures, deficit_words, figures, plural, signed_count
from core.model.plan import Plan, Problem, errors_only
from gui.document import problem_text
from gui.formatting import count_text, money_text, percent_text, user_locale
from gui.outlook import Outlook
from gui.results.charts import (
    ACCENT,
    ACCENT_SOFT,
    BAD,
    GOOD,
    INK,
    MUTED,
    SERIES,
    ChartCard,
    LabelAxis,
    MonthAxis,
    TickAxis,
    axis_percent,
    bar_set,
    line_pen,
    make_chart,
    month_text,
    set_values,
)
from gui.results.explain_dialog import ExplanationDialog, explain_in_dialog
from gui.results.odds import OddsCard
from gui.results.v2_cards import CarryOverCard, NurtureCard
from gui.widgets.fit_label import FitLabel

STYLE = f"""
#resultsRoot {{ background: #f6f7f9; }}
#resultsContent {{ background: #f6f7f9; }}
QFrame#card, QFrame#metric {{ background: white; border: 1px solid #e5e7eb; border-radius: 8px; }}
QFrame#metric:hover {{ border-color: {ACCENT_SOFT}; }}
QFrame#metric:focus {{ border-color: {ACCENT}; }}
QLabel#cardTitle {{ color: {INK}; font-size: 13px; font-weight: 600; }}
QLabel#cardNote {{ color: {MUTED}; font-size: 11px; }}
QLabel#placeholder {{ color: {MUTED}; font-size: 12px; }}
QLabel#metricCaption {{ color: {MUTED}; font-size: 11px; font-weight: 600; }}
QLabel#metricValue {{ color: {INK}; font-size: 21px; font-weight: 600; }}
QLabel#metricDetail {{ color: {MUTED}; font-size: 11px; }}
QLabel#metricWhy {{ color: #9ca3af; font-size: 10px; }}
QLabel#planHeading {{ color: {INK}; font-size: 16px; font-weight: 600; }}
QLabel#planSub {{ color: {MUTED}; font-size: 12px; }}
QFrame#banner {{ background: #fef2f2; border: 1px solid #fecaca; border-radius: 8px; }}
QFrame#banner[warning="true"] {{ background: #fffbeb; border: 1px solid #fde68a; }}
QLabel#bannerTitle {{ color: #991b1b; font-weight: 600; }}
QFrame#banner[warning="true"] QLabel#bannerTitle {{ color: #92400e; }}
QLabel#bannerText {{ color: {INK}; }}
"""

_TOP_CHANNELS = 7  # the rest of the channels show as one "Other" stack
_BANNER_LIMIT = 8


class MetricCard(QFrame):
    """A headline figure: caption, value, one line of detail. Clicking it
    (or Enter/Space when focused) emits ``clicked`` with its figure name."""

    clicked = Signal(str)

    def __init__(self, caption: str, figure: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("metric")
        self.figure = figure
        self.caption = QLabel(caption)
        self.caption.setObjectName("metricCaption")
        self.value = FitLabel("\u2013")  # a headline number shrinks to fit, never cut
        self.value.setObjectName("metricValue")
        self.detail = QLabel()
        self.detail.setObjectName("metricDetail")
        self.detail.setWordWrap(True)
        self.why = QLabel("Why this number?")
        self.why.setObjectName("metricWhy")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)
        layout.addStretch(1)
        layout.addWidget(self.why)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(150)
        self._color = INK

    def set_figure(self, value: str, detail: str = "", figure: str = "", color: str = INK) -> None:
        self.value.setText(value)
        self.detail.setText(detail)
        self.figure = figure
        if color != self._color:
            self._color = color
            self.value.setStyleSheet(f"color: {color};")
        clickable = bool(figure)
        self.why.setVisible(clickable)
        self.setCursor(Qt.CursorShape.PointingHandCursor if clickable else Qt.CursorShape.ArrowCursor)
        self.setToolTip("Click to see how this number is computed" if clickable else "")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if (
            event.button() == Qt.MouseButton.LeftButton
            and self.figure
            and self.rect().contains(event.position().toPoint())
        ):
            self.clicked.emit(self.figure)
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self.figure:
            self.clicked.emit(self.figure)
            return
        super().keyPressEvent(event)


@dataclass
class _MonthChart:
    """A chart over the plan's months: category x axis, formatted y axis."""

    card: ChartCard
    x_axis: MonthAxis
    y_axis: TickAxis


class ResultsDashboard(QWidget):
    """Headline cards and charts of one calculated plan (see module docstring)."""

    explanationShown = Signal(str, object)  # figure, month (None: plan total)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsRoot")
        self.setStyleSheet(STYLE)
        self.plan: Plan | None = None
        self.result: PlanResult | None = None
        self.problems: tuple[Problem, ...] = ()
        self._locale = user_locale()
        self._months: tuple[str, ...] = ()
        self._stage_names: tuple[str, ...] = ()
        self._shown_channels: list[int | None] = []
        self.dialog: ExplanationDialog | None = None
        self._columns = 0

        self.heading = QLabel("No plan calculated yet")
        self.heading.setObjectName("planHeading")
        self.subheading = QLabel()
        self.subheading.setObjectName("planSub")
        self.empty = QLabel()
        self.empty.setObjectName("placeholder")
        self.empty.setWordWrap(True)
        self.empty.hide()
        self._build_banner()
        self._build_cards()
        self.odds_card = OddsCard(self._locale)  # how sure the plan is: its draws arrive off the GUI thread
        self._build_charts()

        self.content = QWidget()
        self.content.setObjectName("resultsContent")
        content_layout = QVBoxLayout(self.content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.setSpacing(12)
        content_layout.addLayout(self.card_grid)
        content_layout.addWidget(self.odds_card)
        content_layout.addLayout(self.chart_grid)
        content_layout.addStretch(1)
        self._fade = QGraphicsOpacityEffect(self.content)
        self._fade.setOpacity(0.4)
        self._fade.setEnabled(False)
        self.content.setGraphicsEffect(self._fade)

        inner = QWidget()
        inner.setObjectName("resultsContent")
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(20, 16, 20, 20)
        inner_layout.setSpacing(12)
        inner_layout.addWidget(self.heading)
        inner_layout.addWidget(self.subheading)
        inner_layout.addWidget(self.banner)
        inner_layout.addWidget(self.empty, 1, Qt.AlignmentFlag.AlignTop)  # takes the room while figures are hidden
        inner_layout.addWidget(self.content, 1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll_area)
        self._reflow(1200)

    # ------------------------------------------------------------------ build
    def _build_banner(self) -> None:
        self.banner = QFrame()
        self.banner.setObjectName("banner")
        self.banner_title = QLabel()
        self.banner_title.setObjectName("bannerTitle")
        self.banner_title.setWordWrap(True)
        self.banner_text = QLabel()
        self.banner_text.setObjectName("bannerText")
        self.banner_text.setWordWrap(True)
        self.banner_text.setTextFormat(Qt.TextFormat.PlainText)
        self.banner_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self.banner)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(4)
        layout.addWidget(self.banner_title)
        layout.addWidget(self.banner_text)
        self.banner.hide()

    def _build_cards(self) -> None:
        self.cards = {
            "deals": MetricCard("DEALS NEEDED"),
            "gate": MetricCard("SQLS NEEDED"),
            "leads": MetricCard("PAID LEADS NEEDED"),
            "budget": MetricCard("BUDGET NEEDED"),
            "pre_plan": MetricCard("PRE-PLAN LEADS"),
            "utilization": MetricCard("PEAK UTILIZATION"),
            "deficit": MetricCard("LEAD DEFICIT"),
        }
        self._captions = {key: card.caption.text() for key, card in self.cards.items()}
        for card in self.cards.values():
            card.clicked.connect(self.explain_figure)
        self.card_grid = QGridLayout()
        self.card_grid.setSpacing(12)

    def _month_chart(self, title: str, y_fmt: str) -> _MonthChart:
        chart = make_chart()
        card = ChartCard(title, chart)
        x_axis = MonthAxis()
        y_axis = TickAxis(self._formatter(y_fmt))
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        return _MonthChart(card, x_axis, y_axis)

    def _formatter(self, kind: str):  # type: ignore[no-untyped-def]
        loc = self._locale
        if kind == "money":
            return lambda v: money_text(v, self.plan.currency if self.plan else "", loc)
        if kind == "percent":
            return axis_percent
        return lambda v: count_text(v, loc) if v >= 0 else "-" + count_text(-v, loc)

    @staticmethod
    def _attach(mc: _MonthChart, *series: QBarSeries | QStackedBarSeries | QLineSeries) -> None:
        for s in series:
            mc.card.chart.addSeries(s)
            s.attachAxis(mc.x_axis)
            s.attachAxis(mc.y_axis)

    def _build_charts(self) -> None:
        """The six chart cards, each built by its own method."""
        self._build_funnel_chart()
        self._build_requirement_chart()
        self._build_spend_chart()
        self._build_gap_chart()
        self._build_deficit_chart()
        self._build_utilization_chart()
        self.nurture_card = NurtureCard(self._locale)
        self.carry_card = CarryOverCard(self._locale)
        self.chart_cards = [
            self.funnel,
            self.req.card,
            self.spend.card,
            self.gap.card,
            self.deficit.card,
            self.util.card,
            self.nurture_card,
            self.carry_card,
        ]
        self.chart_grid = QGridLayout()
        self.chart_grid.setSpacing(12)
        for card in self.chart_cards:
            card.setMinimumHeight(300)

    def _build_funnel_chart(self) -> None:
        # funnel: centred horizontal bars (a transparent spacer, then the stage)
        chart = make_chart()
        chart.legend().hide()
        self.funnel = ChartCard("Funnel: required over the plan", chart)
        self.funnel_spacer = bar_set("", "#00000000")
        self.funnel_spacer.setColor(QColor(0, 0, 0, 0))
        self.funnel_spacer.setBorderColor(QColor(0, 0, 0, 0))
        self.funnel_bars = bar_set("Required", ACCENT)
        self.funnel_series = QHorizontalStackedBarSeries()
        self.funnel_series.setBarWidth(0.78)
        self.funnel_series.append(self.funnel_spacer)
        self.funnel_series.append(self.funnel_bars)
        chart.addSeries(self.funnel_series)
        self.funnel_y = LabelAxis()
        self.funnel_y.setGridLineVisible(False)
        self.funnel_y.setLabelsColor(QColor(INK))
        self.funnel_x = QValueAxis()
        self.funnel_x.setVisible(False)
        chart.addAxis(self.funnel_y, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(self.funnel_x, Qt.AlignmentFlag.AlignBottom)
        self.funnel_series.attachAxis(self.funnel_y)
        self.funnel_series.attachAxis(self.funnel_x)
        self.funnel_bars.clicked.connect(self._funnel_clicked)

    def _build_requirement_chart(self) -> None:
        # requirements by month for a chosen stage, and what the budget delivers
        self.req = self._month_chart("Required by month", "count")
        self.stage_picker = QComboBox()
        self.stage_picker.setMinimumWidth(140)
        self.stage_picker.currentIndexChanged.connect(self._stage_picked)
        self.req.card.add_control(self.stage_picker)
        self.req_bars = bar_set("Required", ACCENT)
        self.req_series = QBarSeries()
        self.req_series.setBarWidth(0.7)
        self.req_series.append(self.req_bars)
        self.req_funded = QLineSeries()
        self.req_funded.setName("Funded plan delivers")
        self.req_funded.setPen(line_pen(SERIES[3], 2.0))
        self._attach(self.req, self.req_series, self.req_funded)
        self.req_bars.clicked.connect(lambda i: self._month_clicked(f"stage:{self._picked_stage()}", i))

    def _build_spend_chart(self) -> None:
        # spend by channel (top channels + other) and the approved budget
        self.spend = self._month_chart("Spend by channel", "money")
        self.spend.card.chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        self.spend_series = QStackedBarSeries()
        self.spend_series.setBarWidth(0.7)
        self.spend_sets = [bar_set("", SERIES[i]) for i in range(_TOP_CHANNELS + 1)]
        for i, bars in enumerate(self.spend_sets):
            self.spend_series.append(bars)
            bars.clicked.connect(lambda month, i=i: self._spend_clicked(i, month))
        self.budget_line = QLineSeries()
        self.budget_line.setName("Approved budget")
        self.budget_line.setPen(line_pen(INK, 2.0, dashed=True))
        self._attach(self.spend, self.spend_series, self.budget_line)

    def _build_gap_chart(self) -> None:
        # budget gap by month
        self.gap = self._month_chart("Budget gap by month", "money")
        self.gap_series = QStackedBarSeries()
        self.gap_series.setBarWidth(0.7)
        self.gap_request = bar_set("Funding to request", BAD)
        self.gap_unspent = bar_set("Unspent", GOOD)
        self.gap_series.append(self.gap_request)
        self.gap_series.append(self.gap_unspent)
        self._attach(self.gap, self.gap_series)
        for bars in (self.gap_request, self.gap_unspent):
            bars.clicked.connect(lambda i: self._month_clicked("budget_gap", i))

    def _build_deficit_chart(self) -> None:
        # qualified-lead deficit at the gate: funded plan, and under the proposed spec
        self.deficit = self._month_chart("Qualified-lead deficit at the gate", "count")
        self.deficit_series = QBarSeries()
        self.deficit_series.setBarWidth(0.75)
        self.deficit_funded = bar_set("Funded plan", ACCENT)
        self.deficit_proposed = bar_set("Proposed spec", SERIES[1])
        self.deficit_series.append(self.deficit_funded)
        self.deficit_series.append(self.deficit_proposed)
        self._attach(self.deficit, self.deficit_series)
        self.deficit_funded.clicked.connect(lambda i: self._month_clicked("gate_deficit", i))
        self.deficit_proposed.clicked.connect(lambda i: self._month_clicked("spec_deficit", i))

    def _build_utilization_chart(self) -> None:
        # utilization against capacity
        self.util = self._month_chart("Sales utilization", "percent")
        self.util_series = QStackedBarSeries()
        self.util_series.setBarWidth(0.7)
        self.util_within = bar_set("Within capacity", ACCENT)
        self.util_over = bar_set("Over capacity", BAD)
        self.util_series.append(self.util_within)
        self.util_series.append(self.util_over)
        self.capacity_line = QLineSeries()
        self.capacity_line.setName("Capacity (100%)")
        self.capacity_line.setPen(line_pen(INK, 1.5, dashed=True))
        self._attach(self.util, self.util_series, self.capacity_line)
        for bars in (self.util_within, self.util_over):
            bars.clicked.connect(lambda i: self._month_clicked("utilization", i))

    # ----------------------------------------------------------------- layout
    def _reflow(self, width: int) -> None:
        """Cards in one row when there is room, else two (the funnel's counts, then money and limits);
        the budget card, whose budget story is a sentence, two columns wide. Charts 2 or 3 across."""
        columns = 8 if width >= 1330 else 4
        chart_columns = 3 if width >= 1700 else 2
        if (columns, chart_columns) == (self._columns, self.chart_grid.columnCount()) and self.card_grid.count():
            return
        self._columns = columns
        slot = 0
        for key in ("deals", "gate", "leads", "pre_plan", "budget", "deficit", "utilization"):
            span = 2 if key == "budget" else 1
            if slot % columns + span > columns:
                slot += columns - slot % columns
            self.card_grid.addWidget(self.cards[key], slot // columns, slot % columns, 1, span)
            slot += span
        for c in range(8):
            self.card_grid.setColumnStretch(c, 1 if c < columns else 0)
        for i, chart_card in enumerate(self.chart_cards):
            self.chart_grid.addWidget(chart_card, i // chart_columns, i % chart_columns)
        for c in range(3):
            self.chart_grid.setColumnStretch(c, 1 if c < chart_columns else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._reflow(event.size().width())
        super().resizeEvent(event)
        self._set_month_axes()

    def _set_month_axes(self) -> None:
        """Month labels as many as fit: about one per 56 pixels of chart."""
        if not self._months:
            return
        for mc in (self.req, self.spend, self.gap, self.deficit, self.util):
            room = max(4, int(mc.card.width() - 90) // 56)
            mc.x_axis.set_months(self._months, room, self._locale)
        self.nurture_card.set_months(self._months)

    # ----------------------------------------------------------------- public
    def show_result(self, plan: Plan, result: PlanResult, fig: Figures | None = None) -> None:
        """Show a freshly calculated plan (clears any problem banner); ``fig``: its figures if
        already worked out (the document keeps them), else worked out here."""
        self.plan, self.result, self.problems = plan, result, ()
        self.fig = fig if fig is not None else figures(plan, result)
        self.banner.hide()
        self._fade.setEnabled(False)
        self.empty.hide()
        self.content.show()
        loc = self._locale
        self.heading.setText(plan.name)
        first, last = month_text(result.months[0], loc), month_text(result.months[-1], loc)
        self.subheading.setText(f"{first} \u2013 {last} \u00b7 {plan.months} months \u00b7 amounts in {plan.currency}")
        if result.months != self._months:
            self._months = result.months
            self._set_month_axes()
        self._update_cards(plan, result)
        self._update_funnel(plan, result)
        self._update_stage_picker(plan, result)
        self._update_requirements()
        self._update_spend(plan, result)
        self._update_gap(plan, result)
        self._update_deficit(plan, result)
        self._update_utilization(result)
        self._update_v2_cards(plan, result)
        self.odds_card.show_for(plan, result)

    def follow_outlook(self, outlook: Outlook) -> None:
        """Show the odds the document's outlook works out off the GUI thread (gui/outlook.py)."""
        self.odds_card.follow(outlook)

    def _update_v2_cards(self, plan: Plan, result: PlanResult) -> None:
        """The nurture pool and what the plan carries over, in the figures' own sentences."""
        pool = getattr(self.fig, "nurture", None)
        sentence = pool.sentence(lambda v: count_text(v, self._locale)) if pool is not None else ""
        self.nurture_card.show_pool(result, sentence)
        self.carry_card.show_after(plan, result, getattr(self.fig, "after_plan", None), self._money)

    def show_problems(self, problems: tuple[Problem, ...] | list[Problem]) -> None:
        """The shown plan's warnings in a banner above its figures. Errors
        mean the plan cannot be calculated: see :meth:`show_refused` (called
        here without figures to keep)."""
        problems = tuple(problems)
        if errors_only(problems):
            self.show_refused(problems, self.plan.name if self.plan else "")
            return
        self.problems = problems
        if not problems:
            self.banner.hide()
            return
        count = len(problems)
        self._show_banner(f"{count} warning{'s' if count != 1 else ''} about the plan", problems, warning=True)

    def show_refused(
        self,
        problems: tuple[Problem, ...] | list[Problem],
        name: str,
        last_good: tuple[Plan, PlanResult] | None = None,
    ) -> None:
        """The plan ``name`` cannot be calculated: list its errors. Figures
        shown are only ``last_good`` (the same plan's last calculable
        version), greyed and labelled; without it, none."""
        problems = tuple(problems)
        errors = errors_only(problems) or problems
        count = len(errors)
        title = f"{name or 'The plan'} can't be calculated: {count} problem{'s' if count != 1 else ''} to fix."
        if last_good is not None:
            self.show_result(*last_good)
            when = "before your latest change"
            self.heading.setText(f"{name or last_good[0].name}: last figures that could be calculated")
            self.subheading.setText(f"Greyed: from {when}, not the plan as it is now \u00b7 {self.subheading.text()}")
            title += f" The greyed figures below are from {when}, the last time it could be calculated."
        else:
            self._clear_figures(name)
        self.problems = problems
        self._show_banner(title, errors, warning=False)
        self._fade.setEnabled(last_good is not None)

    def _clear_figures(self, name: str) -> None:
        """No figures at all: nothing from a plan other than the one named."""
        self.plan, self.result = None, None
        for key, card in self.cards.items():
            card.caption.setText(self._captions[key])
            card.set_figure("\u2013")
        self.content.hide()
        self.heading.setText(name or "The plan")
        self.subheading.setText("No figures yet: the plan can't be calculated.")
        self.empty.setText("Figures appear here as soon as the problems above are fixed.")
        self.empty.show()
        if self.dialog is not None:
            self.dialog.hide()

    def _show_banner(self, title: str, problems: tuple[Problem, ...], warning: bool) -> None:
        self.banner.setProperty("warning", "true" if warning else "false")
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)
        self.banner_title.setText(title)
        lines = [f"\u2022 {problem_text(p)}" for p in problems[:_BANNER_LIMIT]]
        if len(problems) > _BANNER_LIMIT:
            lines.append(f"\u2026 and {len(problems) - _BANNER_LIMIT} more")
        self.banner_text.setText("\n".join(lines))
        self.banner.show()

    def explain_figure(self, figure: str, month: int | None = None) -> ExplanationDialog | None:
        """Open "Why this number?" for ``figure`` (and month) of the shown plan."""
        if self.plan is None or self.result is None or not figure:
            return None
        if self.dialog is None:
            self.dialog = ExplanationDialog(self)
        explain_in_dialog(self.dialog, self.plan, self.result, figure, month)
        self.explanationShown.emit(figure, month)
        return self.dialog

    # ------------------------------------------------------------------ cards
    def _update_cards(self, plan: Plan, result: PlanResult) -> None:
        """The headline cards, every number from :class:`Figures` (as the strip and the report)."""
        loc, cur, fig = self._locale, plan.currency, self.fig
        self.cards["deals"].set_figure(
            count_text(fig.deals, loc), f"for {money_text(fig.revenue_target, cur, loc)} revenue target", "deals"
        )
        gate_name = fig.qualified_name
        self.cards["gate"].caption.setText(f"{plural(gate_name).upper()} NEEDED")
        detail = "at the lead spec gate" if result.gate_index is not None else fig.qualified_why
        if fig.pass_rate is not None:
            detail = f"pass rate {percent_text(fig.pass_rate, 1, loc)} into {gate_name}"
        self.cards["gate"].set_figure(count_text(fig.qualified_required, loc), detail, f"stage:{gate_name}")

        raw = plural(fig.raw_name).lower()
        detail = f"+ {count_text(fig.free_raw_used, loc)} free {raw}" if fig.free_raw_used > 0 else "no free sources"
        self.cards["leads"].set_figure(count_text(fig.paid_leads, loc), detail, "paid_leads")

        money = self._money
        if fig.budget is not None and fig.budget_gap is not None:
            self.cards["budget"].set_figure(
                money_text(fig.spend, cur, loc),
                f"approved {money(fig.approved_budget or 0.0)} \u00b7 " + fig.budget.sentence(money),
                "budget_gap",
                BAD if fig.budget.short_total > 0.5 else INK,
            )
        else:
            self.cards["budget"].set_figure(
                money_text(fig.spend, cur, loc), "no approved budget entered", "spend_total"
            )

        start = month_text(fig.months[0], loc)
        self.cards["pre_plan"].set_figure(
            count_text(fig.raw_pre_plan, loc),
            f"{raw} before {start} \u00b7 {money_text(fig.spend_pre_plan, cur, loc)} spend",
            f"pre_plan:{fig.raw_name}",
        )

        if fig.peak_month is None or fig.peak_utilization is None:
            self.cards["utilization"].set_figure("\u2013", "no sales hours entered")
        else:
            self.cards["utilization"].set_figure(
                percent_text(fig.peak_utilization, 0, loc),
                f"in {month_text(fig.months[fig.peak_month], loc)}",
                "utilization",
                BAD if fig.peak_utilization > 1 else INK,
            )
        self._update_deficit_card(fig)

    def _money(self, value: float) -> str:
        return money_text(value, self.fig.currency, self._locale)

    def _update_deficit_card(self, fig: Figures) -> None:
        loc = self._locale

        def count(value: float) -> str:
            return count_text(value, loc)

        if fig.deficit is None or fig.gate is None:
            missing = "a lead spec" if fig.gate is None else "an approved budget"
            self.cards["deficit"].set_figure("\u2013", f"needs {missing}")
            return
        self.cards["deficit"].caption.setText(f"{fig.gate.upper()} DEFICIT")
        detail = fig.deficit_words(count)
        split = fig.deficit_split
        if split is not None and abs(split.timing) >= 0.5 and abs(split.budget) >= 0.5:
            # most of a deficit with a covering budget is the funnel's timing: say so on the card
            detail += f" ({count(abs(split.timing))} from timing, {count(abs(split.budget))} from the budget)"
        elif split is not None and abs(split.timing) >= 0.5:
            detail += " (all from the funnel's timing)"
        change = fig.spec_change
        if change is not None and change.deficit_adopted is not None:
            detail += f" \u00b7 proposed spec: {signed_count(change.deficit_adopted, count)}"
        self.cards["deficit"].set_figure(
            signed_count(fig.deficit, count), detail, "gate_deficit", BAD if fig.deficit > 0 else INK
        )

    # ----------------------------------------------------------------- charts
    def _update_funnel(self, plan: Plan, result: PlanResult) -> None:
        loc = self._locale
        totals = [float(s.sum()) for s in result.stage_required]
        widest = max(totals, default=0.0) or 1.0
        names = tuple(s.name for s in plan.stages)
        labels = [f"{name}  {count_text(v, loc)}" for name, v in zip(names, totals, strict=True)]
        # bar i sits at y = i from the bottom: the last stage goes first
        self.funnel_y.set_labels([(text, float(i)) for i, text in enumerate(labels[::-1])], -0.5, len(labels) - 0.5)
        set_values(self.funnel_spacer, [(widest - v) / 2 for v in totals[::-1]])
        set_values(self.funnel_bars, totals[::-1])
        self.funnel_x.setRange(0, widest)
        self._stage_names = names
        self.funnel.setMinimumHeight(max(300, 70 + 30 * len(names)))

    def _update_stage_picker(self, plan: Plan, result: PlanResult) -> None:
        names = tuple(s.name for s in plan.stages)
        current = self._picked_stage()
        if tuple(self.stage_picker.itemText(i) for i in range(self.stage_picker.count())) != names:
            with QSignalBlocker(self.stage_picker):
                self.stage_picker.clear()
                self.stage_picker.addItems(list(names))
        wanted = current if current in names else self.fig.qualified_name
        with QSignalBlocker(self.stage_picker):
            self.stage_picker.setCurrentIndex(names.index(wanted))

    def _picked_stage(self) -> str:
        return self.stage_picker.currentText()

    def _stage_picked(self, _index: int) -> None:
        if self.result is not None:
            self._update_requirements()

    def _update_requirements(self) -> None:
        plan, result = self.plan, self.result
        if plan is None or result is None:
            return
        k = plan.stage_index(self._picked_stage())
        if k is None:
            return
        required = result.stage_required[k]
        set_values(self.req_bars, required)
        label = f"{plural(plan.stages[k].name)} required"
        if self.req_bars.label() != label:
            self.req_bars.setLabel(label)
        top = float(required.max(initial=0.0))
        if result.funded is not None:
            delivered = result.funded.stage_volume[k]
            self.req_funded.replaceNp(np.arange(len(delivered), dtype=float), np.asarray(delivered, dtype=float))  # type: ignore[arg-type]
            self.req_funded.setVisible(True)
            top = max(top, float(delivered.max(initial=0.0)))
        else:
            self.req_funded.setVisible(False)
        self.req.y_axis.set_span(0.0, top)
        total = float(required.sum())
        pre = float(result.pre_plan[k]) if k < len(result.pre_plan) else 0.0
        note = f"{count_text(total, self._locale)} over the plan"
        if pre > 0:
            note += f" \u00b7 {count_text(pre, self._locale)} more before it starts"
        self.req.card.set_note(note)

    def _update_spend(self, plan: Plan, result: PlanResult) -> None:
        n = plan.months
        totals = [float(s.sum()) for s in result.spend]
        order = sorted(range(len(totals)), key=lambda j: -totals[j])
        if len(order) <= _TOP_CHANNELS + 1:
            shown: list[int | None] = list(order)
            rest: list[int] = []
        else:
            shown = [*order[:_TOP_CHANNELS], None]
            rest = order[_TOP_CHANNELS:]
        self._shown_channels = shown
        # the series holds exactly the sets in use (a legend entry each); the rest wait aside
        while self.spend_series.count() > len(shown):
            self.spend_series.take(self.spend_sets[self.spend_series.count() - 1])
        while self.spend_series.count() < len(shown):
            self.spend_series.append(self.spend_sets[self.spend_series.count()])
        for i, j in enumerate(shown):
            bars = self.spend_sets[i]
            if j is None:
                values = np.sum([result.spend[r] for r in rest], axis=0)
                label = f"Other ({len(rest)} channels)"
            else:
                values = result.spend[j]
                label = plan.channels[j].name
            set_values(bars, values)
            if bars.label() != label:  # each change re-lays out the legend
                bars.setLabel(label)
        top = float(result.spend_total.max(initial=0.0))
        if result.approved_budget is not None:
            self.budget_line.replaceNp(np.arange(n, dtype=float), np.asarray(result.approved_budget, dtype=float))  # type: ignore[arg-type]
            self.budget_line.setVisible(True)
            top = max(top, float(result.approved_budget.max(initial=0.0)))
        else:
            self.budget_line.setVisible(False)
        self.spend.y_axis.set_span(0.0, top)
        self.spend.card.set_placeholder(None if plan.channels else "No paid channels in the plan.")
        self.spend.card.set_note(
            f"{money_text(float(result.spend_total.sum()), plan.currency, self._locale)} over the plan"
            + (
                f" \u00b7 {money_text(result.spend_pre_plan, plan.currency, self._locale)} before it starts"
                if result.spend_pre_plan > 0.5
                else ""
            )
        )

    def _update_gap(self, plan: Plan, result: PlanResult) -> None:
        if result.budget_gap is None:
            self.gap.card.set_placeholder("Enter an approved budget to see the gap between spend needed and budget.")
            self.gap.card.set_note("")
            return
        self.gap.card.set_placeholder(None)
        gap = result.budget_gap
        set_values(self.gap_request, np.maximum(gap, 0.0))
        set_values(self.gap_unspent, np.minimum(gap, 0.0))
        self.gap.y_axis.set_span(float(gap.min(initial=0.0)), float(gap.max(initial=0.0)))
        story = self.fig.budget
        assert story is not None, "a budget gap has a budget story"
        self.gap.card.set_note(story.sentence(self._money))

    def _update_deficit(self, plan: Plan, result: PlanResult) -> None:
        funded = result.funded
        if result.gate_index is None or funded is None or funded.gate_deficit is None:
            missing = "a lead spec on a gate stage" if result.gate_index is None else "an approved budget"
            self.deficit.card.set_placeholder(f"Enter {missing} to see the qualified-lead deficit.")
            self.deficit.card.set_note("")
            return
        self.deficit.card.set_placeholder(None)
        gate = plan.stages[result.gate_index].name
        self.deficit.card.title.setText(f"{gate} deficit at the gate")
        set_values(self.deficit_funded, funded.gate_deficit)
        low, high = float(funded.gate_deficit.min(initial=0.0)), float(funded.gate_deficit.max(initial=0.0))
        change = result.spec_change
        has_proposed = self.deficit_series.count() > 1
        if change is not None and not has_proposed:
            self.deficit_series.append(self.deficit_proposed)
        elif change is None and has_proposed:
            self.deficit_series.take(self.deficit_proposed)
        if change is not None:
            set_values(self.deficit_proposed, change.gate_deficit)
            low = min(low, float(change.gate_deficit.min(initial=0.0)))
            high = max(high, float(change.gate_deficit.max(initial=0.0)))
            self.deficit.card.set_note(self._spec_change_note())
        else:
            self.deficit.card.set_note(f"Funded plan: {plural(gate)} required minus what the approved budget delivers")
        self.deficit.y_axis.set_span(low, high)

    def _spec_change_note(self) -> str:
        """The spec change in the figures' words: pass rates, the deficit after adopting, what closes it."""
        loc, change = self._locale, self.fig.spec_change
        assert change is not None
        count = lambda v: count_text(v, loc)  # noqa: E731
        text = (
            f"Proposed spec: pass rate {percent_text(change.pass_rate_proposed, 1, loc)}"
            f" (now {percent_text(change.pass_rate_current, 1, loc)})"
        )
        if change.deficit_adopted is not None and change.deficit_change is not None:
            text += (
                f"; after adopting it {deficit_words(change.deficit_adopted, change.gate, count)}"
                f" (change {signed_count(change.deficit_change, count)})"
            )
        return text + (
            f"; it takes {signed_count(change.extra_paid_leads, count)} more paid leads and"
            f" {self._money(change.extra_spend)} more budget {WORDS['over_plan']}"
            f" ({self._money(change.extra_spend_with_pre_plan)} {WORDS['pre_plan']})"
        )

    def _update_utilization(self, result: PlanResult) -> None:
        util = result.sales_utilization
        if util is None:
            self.util.card.set_placeholder("Enter the sales hours available to see utilization against capacity.")
            self.util.card.set_note("")
            return
        self.util.card.set_placeholder(None)
        set_values(self.util_within, np.minimum(util, 1.0))
        set_values(self.util_over, np.maximum(util - 1.0, 0.0))
        n = len(util)
        if self.capacity_line.count() != 2 or self.capacity_line.at(1).x() != n - 0.5:
            self.capacity_line.replaceNp(np.array([-0.5, n - 0.5]), np.array([1.0, 1.0]))  # type: ignore[arg-type]
        self.util.y_axis.set_span(0.0, max(1.1, float(util.max(initial=0.0))))
        over = int((util > 1.0).sum())
        self.util.card.set_note(f"{over} of {n} months over capacity" if over else "Sales can work every month's leads")

    # ----------------------------------------------------------------- clicks
    def _month_clicked(self, figure: str, month: int) -> None:
        if self.result is not None and 0 <= month < len(self.result.months):
            self.explain_figure(figure, month)

    def _funnel_clicked(self, index: int) -> None:
        if self._stage_names:
            k = len(self._stage_names) - 1 - index
            self.explain_figure(f"stage:{self._stage_names[k]}")

    def _spend_clicked(self, set_index: int, month: int) -> None:
        if set_index >= len(self._shown_channels) or self.plan is None:
            return
        j = self._shown_channels[set_index]
        figure = "spend_total" if j is None else f"spend:{self.plan.channels[j].name}"
        self._month_clicked(figure, month)


__all__ = ["MetricCard", "ResultsDashboard"]
