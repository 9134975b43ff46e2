"""Tracking: the qualified-lead KPI during the year. The months elapsed and
what happened in them (typed, pasted from Excel or imported from this year's
CRM export or monthly sheet), the qualified leads at the gate plan vs actual
vs the two forecasts, the observed rates beside the planned ones, and an
alarm when the projected deficit at observed rates exceeds the threshold."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCharts import QLineSeries
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.model.edits import ActualsKind, clear_actuals_row, set_alarm_share, set_months_elapsed
from core.model.plan import Plan, errors_only
from gui.document import PlanDocument
from gui.formatting import count_text, percent_text
from gui.models.actuals import ActualsModel, GateSeries, KpiModel, RatesModel, gate_series, signed
from gui.operations import Operation, run_in_background
from gui.results.charts import ACCENT, BAD, INK, NEUTRAL, ChartCard, MonthAxis, TickAxis, line_pen, make_chart
from gui.views.base import Page, selected_row, table_width
from gui.widgets.fields import section_label
from gui.widgets.sheet import SheetView

ALARM_STYLE = (
    "QLabel { background: #fdecea; color: #8c1d18; border: 1px solid #f1b6b0; border-radius: 6px;"
    " padding: 8px 12px; font-weight: 600; }"
)
CALM_STYLE = (
    "QLabel { background: #ecfdf3; color: #14532d; border: 1px solid #bbe5c8; border-radius: 6px; padding: 8px 12px; }"
)
IMPORT_FILTER = "This year's data (*.xlsx *.xlsm *.csv);;All files (*)"


def alarm_text(plan: Plan, series: GateSeries | None, result: Any) -> tuple[str, bool]:
    """The banner's sentence and whether it is the alarm."""
    tracking = None if result is None else result.tracking
    if tracking is None or series is None:
        return "", False
    deficit, remaining = tracking.projected_deficit, tracking.remaining_requirement
    share = plan.actuals.alarm_share if plan.actuals is not None else 0.05
    if tracking.months_elapsed >= len(result.months):
        return "The plan's months have all elapsed: the table shows how the year ended.", False
    part = f" ({percent_text(deficit / remaining)} of them)" if remaining > 0 else ""
    if tracking.alarm:
        return (
            f"Alarm: at the rates observed so far, {count_text(deficit)} of the {count_text(remaining)} "
            f"{series.gate} still required will not come{part}, more than the {percent_text(share, 0)} "
            "threshold. We will not reach the qualified-lead goal at this rate: see the contingency plan."
        ), True
    if deficit > 0.5:
        return (
            f"At the rates observed so far, {count_text(deficit)} of the {count_text(remaining)} {series.gate} "
            f"still required would not come{part}: within the {percent_text(share, 0)} threshold."
        ), False
    return f"On track: at the rates observed so far the {series.gate} still required all come.", False


class KpiChart(ChartCard):
    """Qualified leads month by month (or cumulative): required, actual and the two forecasts."""

    def __init__(self) -> None:
        chart = make_chart()
        super().__init__("Qualified leads a month", chart)
        self.x_axis = MonthAxis()
        self.y_axis = TickAxis(lambda v: count_text(v) if v >= 0 else "-" + count_text(-v))
        chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        self.lines: dict[str, QLineSeries] = {}
        for key, name, color, dashed, width in (
            ("required", "Required", NEUTRAL, True, 2.0),
            ("plan", "At plan rates", ACCENT, True, 2.0),
            ("observed", "At observed rates", BAD, False, 2.0),
            ("actual", "Actual", INK, False, 3.0),
        ):
            line = QLineSeries()
            line.setName(name)
            line.setPen(line_pen(color, width, dashed))
            chart.addSeries(line)
            line.attachAxis(self.x_axis)
            line.attachAxis(self.y_axis)
            self.lines[key] = line
        self.cumulative = QCheckBox("Cumulative")
        self.cumulative.toggled.connect(lambda _on: self.show_series(self._series, self._months))
        self.add_control(self.cumulative)
        self._series: GateSeries | None = None
        self._months: tuple[str, ...] = ()
        self.view.setMinimumHeight(240)

    def show_series(self, series: GateSeries | None, months: tuple[str, ...]) -> None:
        self._series, self._months = series, months
        if series is None or not months:
            self.set_placeholder(
                "The qualified-lead KPI shows once months have elapsed and the plan can be calculated."
            )
            return
        self.set_placeholder(None)
        self.title.setText(
            f"{series.gate} a month, cumulative" if self.cumulative.isChecked() else f"{series.gate} a month"
        )
        shape = np.cumsum if self.cumulative.isChecked() else np.asarray
        values = {
            "required": shape(series.required),
            "plan": shape(series.at_plan),
            "observed": shape(series.at_observed),
            "actual": None if series.actual is None else shape(series.actual),
        }
        high = 0.0
        for key, line in self.lines.items():
            data = values[key]
            line.clear()
            line.setVisible(data is not None)
            if data is not None:
                line.replace([_point(t, float(v)) for t, v in enumerate(data)])
                high = max(high, float(np.max(data)) if len(data) else 0.0)
        self.x_axis.set_months(months)
        self.y_axis.set_span(0.0, high * 1.05)


def _point(x: int, y: float) -> QPointF:
    return QPointF(float(x), y)


class TrackingPage(Page):
    title = "Tracking"
    subtitle = (
        "The qualified-lead KPI during the year: enter what happened in the months elapsed (type, paste from "
        "Excel or import this year's CRM export) and see where the year is heading at the rates observed so far."
    )

    def __init__(self, document: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(document, parent)
        self.banner = QLabel()
        self.banner.setObjectName("trackingBanner")
        self.banner.setWordWrap(True)
        self.layout_.addWidget(self.banner)
        self._build_controls()
        self._build_kpi()
        self._build_actuals()
        self._operation: Operation | None = None
        document.planChanged.connect(self.refresh)
        document.resultChanged.connect(self.refresh_result)
        self.refresh()

    # ----- building ------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        row = QHBoxLayout()
        row.setSpacing(10)
        row.addWidget(QLabel("Months elapsed"))
        self.months = QSpinBox()
        self.months.setSpecialValueText("none (not tracking)")
        self.months.setKeyboardTracking(False)
        self.months.setMinimumWidth(130)
        self.months.valueChanged.connect(self._months_changed)
        row.addWidget(self.months)
        row.addSpacing(24)
        row.addWidget(QLabel("Alarm above"))
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 100.0)
        self.threshold.setDecimals(1)
        self.threshold.setSuffix(" %")
        self.threshold.setKeyboardTracking(False)
        self.threshold.setToolTip(
            "The alarm sounds when the projected deficit at observed rates exceeds this share "
            "of the qualified leads still required."
        )
        self.threshold.valueChanged.connect(self._threshold_changed)
        row.addWidget(self.threshold)
        self.threshold_hint = QLabel("of the qualified leads still required")
        self.threshold_hint.setObjectName("hint")
        row.addWidget(self.threshold_hint)
        row.addStretch(1)
        self.import_button = QPushButton("Import actuals…")
        self.import_button.setToolTip(
            "Count the items entering each stage per month from this year's CRM export (a row per lead, "
            "a date per stage) or a monthly sheet (a row per month, a column per stage)."
        )
        self.import_button.clicked.connect(self.import_dialog)
        row.addWidget(self.import_button)
        self.layout_.addLayout(row)

    def _build_actuals(self) -> None:
        self.actuals_title = section_label("Actuals")
        self.layout_.addWidget(self.actuals_title)
        self.tabs = QTabWidget()
        self.stage_model = ActualsModel(self.document, "stages", self)
        self.spend_model = ActualsModel(self.document, "spend", self)
        self.stage_table = self._actuals_table(self.stage_model)
        self.spend_table = self._actuals_table(self.spend_model)
        self.clear_stage = QPushButton("Clear the row")
        self.clear_stage.setToolTip("The selected stage's figures go; the forecast computes it.")
        self.clear_stage.clicked.connect(partial(self._clear_row, "stages"))
        self.clear_spend = QPushButton("Clear the row")
        self.clear_spend.clicked.connect(partial(self._clear_row, "spend"))
        for table, button, name in (
            (self.stage_table, self.clear_stage, "Items entering each stage"),
            (self.spend_table, self.clear_spend, "Spend by channel"),
        ):
            box = QWidget()
            layout = QVBoxLayout(box)
            layout.setContentsMargins(6, 6, 6, 6)
            layout.addWidget(table, 1)
            hint = QLabel("Type a figure, or copy a block in Excel and paste it here (Ctrl+V) at its top-left cell.")
            hint.setObjectName("hint")
            buttons = QHBoxLayout()
            buttons.addWidget(hint, 1)
            buttons.addWidget(button)
            layout.addLayout(buttons)
            self.tabs.addTab(box, name)
        self.layout_.addWidget(self.tabs)
        self.no_tracking = QLabel(
            "Not tracking yet: set the months elapsed to enter what happened in them, or import this year's data."
        )
        self.no_tracking.setObjectName("hint")
        self.layout_.addWidget(self.no_tracking)

    def _actuals_table(self, model: ActualsModel) -> SheetView:
        table = self.sheet()
        table.setModel(model)
        table.setAlternatingRowColors(False)
        table.horizontalHeader().setDefaultSectionSize(84)
        table.setMinimumHeight(6 * 28 + 36)
        return table

    def _build_kpi(self) -> None:
        self.kpi_title = section_label("Qualified leads at the gate")
        self.layout_.addWidget(self.kpi_title)
        row = QHBoxLayout()
        row.setSpacing(16)
        self.kpi_tabs = QTabWidget()
        self.chart = KpiChart()
        self.kpi_tabs.addTab(self.chart, "Chart")
        self.kpi_model = KpiModel(self.document, self)
        self.kpi_table = self._read_only(self.kpi_model)
        self.kpi_tabs.addTab(self.kpi_table, "Month by month")
        self.kpi_tabs.setMinimumHeight(330)
        row.addWidget(self.kpi_tabs, 3)
        side = QVBoxLayout()
        side.setSpacing(4)
        side.addWidget(section_label("Rates: planned and observed"))
        self.rates_model = RatesModel(self.document, self)
        self.rates_table = self._read_only(self.rates_model)
        self.rates_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.rates_table.horizontalHeader().setStretchLastSection(True)
        self.rates_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.rates_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.rates_model.modelReset.connect(self._fit_rates)
        side.addWidget(self.rates_table)
        self.rates_hint = QLabel(
            "A rate is observed where both of its stages have actuals; the step into the gate (the lead "
            "spec's pass rate) comes first."
        )
        self.rates_hint.setObjectName("hint")
        self.rates_hint.setWordWrap(True)
        side.addWidget(self.rates_hint)
        side.addSpacing(12)
        self.to_date = QLabel()
        self.to_date.setObjectName("bigFigure")
        self.to_date.setWordWrap(True)
        side.addWidget(self.to_date)
        side.addStretch(1)
        row.addLayout(side, 3)
        self.layout_.addLayout(row)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._fit_rates()

    def _fit_rates(self) -> None:
        """The rates table as tall as its rows (a few transitions), no empty block under them."""
        table = self.rates_table
        rows = self.rates_model.rowCount() * table.verticalHeader().defaultSectionSize()
        table.setFixedHeight(table.horizontalHeader().sizeHint().height() + rows + 2 * table.frameWidth() + 2)
        table.setMinimumWidth(table_width(table) + 8)  # every column whole

    @staticmethod
    def _read_only(model: Any) -> QTableView:
        table = QTableView()
        table.setModel(model)
        table.setAlternatingRowColors(True)
        table.verticalHeader().setDefaultSectionSize(26)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return table

    # ----- showing -------------------------------------------------------------------------------
    def refresh(self) -> None:
        plan = self.document.plan
        elapsed = 0 if plan.actuals is None else plan.actuals.months
        for box, value, top in ((self.months, elapsed, plan.months),):
            box.blockSignals(True)
            box.setRange(0, top)
            box.setValue(value)
            box.blockSignals(False)
        self.threshold.blockSignals(True)
        self.threshold.setValue(round((plan.actuals.alarm_share if plan.actuals else 0.05) * 100, 1))
        self.threshold.blockSignals(False)
        tracking = plan.actuals is not None
        self.threshold.setEnabled(tracking)
        for widget in (self.actuals_title, self.tabs):
            widget.setVisible(tracking)
        self.no_tracking.setVisible(not tracking)
        self.refresh_result()

    def refresh_result(self) -> None:
        plan, result = self.document.plan, self.document.result
        series = gate_series(plan, result)
        text, alarm = alarm_text(plan, series, result)
        if not text and plan.actuals is not None and result is None:
            errors = errors_only(self.document.problems)
            text = "The forecast waits for a complete plan" + (f": {errors[0].message}" if errors else ".")
            alarm = True
        self.banner.setText(text)
        self.banner.setStyleSheet(ALARM_STYLE if alarm else CALM_STYLE)
        self.banner.setVisible(bool(text))
        self.banner.setProperty("alarm", alarm)
        shown = series is not None
        for widget in (self.kpi_title, self.kpi_tabs, self.rates_table, self.rates_hint):
            widget.setVisible(shown)
        if shown and series is not None:
            self.kpi_title.setText(f"Qualified leads at the gate ({series.gate}): plan vs actual vs forecast")
        self.chart.show_series(series, tuple(result.months) if result is not None else ())
        self._fit_rates()
        self.to_date.setVisible(shown)
        if series is not None and series.actual is not None:
            actual, required = float(series.actual.sum()), float(series.required[: series.elapsed].sum())
            self.to_date.setText(
                f"To date: {count_text(actual)} {series.gate} of the {count_text(required)} required "
                f"({signed(actual - required)})"
            )
        elif series is not None:
            self.to_date.setText(f"Enter the {series.gate} of the months elapsed to compare them with the plan.")

    # ----- edits ---------------------------------------------------------------------------------
    def _months_changed(self, months: int) -> None:
        plan = self.document.plan
        if months == (0 if plan.actuals is None else plan.actuals.months):
            return
        text = f"{months} months elapsed" if months else "Stop tracking"
        if not self.edit_plan(partial(set_months_elapsed, months=months), text):
            self.refresh()

    def _threshold_changed(self, percent: float) -> None:
        actuals = self.document.plan.actuals
        if actuals is None or abs(actuals.alarm_share * 100 - percent) < 1e-9:
            return
        if not self.edit_plan(partial(set_alarm_share, share=percent / 100.0), f"Alarm above {percent:g}%"):
            self.refresh()

    def _clear_row(self, kind: ActualsKind) -> None:
        table = self.stage_table if kind == "stages" else self.spend_table
        row = selected_row(table)
        if row is None:
            self.message.emit("Select a cell of the row to clear first.")
            return
        model = self.stage_model if kind == "stages" else self.spend_model
        name = model.row_header(row)
        self.edit_plan(partial(clear_actuals_row, kind=kind, name=name), f"Clear the actuals of {name}")

    # ----- import ----------------------------------------------------------------------------------
    def import_dialog(self) -> None:
        start = str(self.document.path.parent) if self.document.path else str(Path.home())
        name, _ = QFileDialog.getOpenFileName(self, "Import this year's actuals", start, IMPORT_FILTER)
        if name:
            self.import_file(Path(name))

    def import_file(self, path: Path) -> None:
        """Read the actuals off the GUI thread; the plan takes them as one undo step."""
        from core.importer.actuals import import_actuals

        if self._operation is not None:
            return
        plan = self.document.plan
        self.import_button.setEnabled(False)
        self.message.emit(f"Reading {path.name}…")
        self._operation = run_in_background(
            lambda: import_actuals(path, plan),
            partial(self._imported, path),
            partial(self._import_failed, path),
            self,
            self._import_finished,
        )

    def _imported(self, path: Path, imported: Any) -> None:
        errors = errors_only(imported.problems)
        if imported.actuals is None or errors:
            lines = "\n".join(p.message for p in (errors or imported.problems)[:8])
            QMessageBox.warning(self, "Import actuals", f"{path.name} could not be imported:\n\n{lines}")
            return
        kept = self.document.plan.actuals
        actuals = imported.actuals
        if kept is not None:
            from dataclasses import replace

            actuals = replace(actuals, alarm_share=kept.alarm_share, spend=actuals.spend or kept.spend)
        self.document.replace_plan(self.document.plan.with_changes(actuals=actuals), f"Import actuals from {path.name}")
        self.message.emit(imported.summary + " Undo takes it back.")

    def _import_failed(self, path: Path, error: BaseException) -> None:
        QMessageBox.warning(self, "Import actuals", f"{path.name} could not be read: {error}")

    def _import_finished(self) -> None:
        self._operation = None
        self.import_button.setEnabled(True)
