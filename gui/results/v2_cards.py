"""The Results cards of the v2 inputs: the nurture pool month by month, and
what the plan carries over after it ends (the far edge). The sentences are
the figures' own (:mod:`core.calc.figures`), as the report prints them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCharts import QBarSeries, QLineSeries
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QLabel

from core.calc.engine import PlanResult
from core.model.plan import Plan
from gui.formatting import count_text, money_text, percent_text
from gui.results.charts import (
    ACCENT,
    ACCENT_SOFT,
    GOOD,
    INK,
    ChartCard,
    MonthAxis,
    TickAxis,
    bar_set,
    line_pen,
    make_chart,
    month_text,
    set_values,
)


def _line(name: str, color: str, dashed: bool = False) -> QLineSeries:
    line = QLineSeries()
    line.setName(name)
    line.setPen(line_pen(color, 2.0, dashed))
    return line


def _points(line: QLineSeries, values: np.ndarray) -> None:
    xs = np.arange(len(values), dtype=float)
    line.replaceNp(xs, np.asarray(values, dtype=float))  # type: ignore[arg-type]


class NurtureCard(ChartCard):
    """The nurture pool: leads in it at the start of each month (bars), the
    leads it returns to its stage and those recycled into it (lines); the
    team's utilization at its peak in the note."""

    def __init__(self, locale: QLocale) -> None:
        super().__init__("Nurture pool", make_chart())
        self.loc = locale
        self.x_axis = MonthAxis()
        self.y_axis = TickAxis(lambda v: count_text(v, locale))
        self.chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        self.bars = QBarSeries()
        self.bars.setBarWidth(0.7)
        self.pool = bar_set("In the pool", ACCENT_SOFT)
        self.bars.append(self.pool)
        self.returned = _line("Returned", GOOD)
        self.recycled = _line("Recycled into the pool", INK, dashed=True)
        for series in (self.bars, self.returned, self.recycled):
            self.chart.addSeries(series)
            series.attachAxis(self.x_axis)
            series.attachAxis(self.y_axis)
        self.utilization = QLabel()
        self.utilization.setObjectName("cardNote")
        self.add_control(self.utilization)

    def show_pool(self, result: PlanResult, sentence: str) -> None:
        pool = result.nurture
        if pool is None:
            self.set_placeholder("No nurture pool: leads failing the spec are disqualified (see Lead development).")
            self.set_note("")
            self.utilization.setText("")
            return
        self.set_placeholder(None)
        self.returned.setName(f"Returned to {pool.stage}")
        set_values(self.pool, pool.pool)
        _points(self.returned, pool.matured)
        _points(self.recycled, pool.recycled)
        top = max(float(pool.pool.max(initial=0.0)), float(pool.recycled.max(initial=0.0)), 1.0)
        self.y_axis.set_span(0.0, top * 1.05)
        if pool.utilization is None:
            self.utilization.setText("no team hours entered")
        else:
            peak = int(np.argmax(pool.utilization))
            self.utilization.setText(
                f"team at {percent_text(float(pool.utilization[peak]), 0, self.loc)} "
                f"in {month_text(result.months[peak], self.loc)}"
            )
        self.set_note(sentence)

    def set_months(self, months: tuple[str, ...]) -> None:
        room = max(4, int(self.width() - 90) // 56)
        self.x_axis.set_months(months, room, self.loc)


class CarryOverCard(ChartCard):
    """After the plan: the revenue target assumed after its end, month by
    month (bars), and what the plan's own leads carry over (headline and
    sentence)."""

    def __init__(self, locale: QLocale) -> None:
        super().__init__("After the plan", make_chart())
        self.loc = locale
        self.currency = ""
        self.x_axis = MonthAxis()
        self.y_axis = TickAxis(lambda v: money_text(v, self.currency, locale))
        self.chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        self.bars = QBarSeries()
        self.bars.setBarWidth(0.7)
        self.target = bar_set("Target assumed after the plan", ACCENT)
        self.bars.append(self.target)
        self.chart.addSeries(self.bars)
        self.bars.attachAxis(self.x_axis)
        self.bars.attachAxis(self.y_axis)
        self.carried = QLabel()
        self.carried.setObjectName("cardTitle")
        self.add_control(self.carried)

    def show_after(self, plan: Plan, result: PlanResult, figure: Any, money: Callable[[float], str]) -> None:
        after = result.after_plan
        self.currency = plan.currency
        deals = count_text(after.carried_deals, self.loc)
        self.carried.setText(f"{money(after.carried_revenue)} \u00b7 {deals} deals carried over")
        sentence = figure.sentence(money, lambda v: count_text(v, self.loc)) if figure is not None else ""
        if after.mode != "repeat" or not len(after.revenue_target):
            self.set_placeholder(sentence or "Nothing is required after the plan (a one-off campaign; see Targets).")
            self.set_note("")
            return
        self.set_placeholder(None)
        self.set_note(sentence)
        set_values(self.target, after.revenue_target)
        room = max(4, int(self.width() - 110) // 64)
        self.x_axis.set_months(after.month_labels, room, self.loc)
        self.y_axis.set_span(0.0, float(after.revenue_target.max(initial=0.0)) * 1.05 or 1.0)
