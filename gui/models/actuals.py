"""The tables of the Tracking page: the actuals entered like a spreadsheet
(stages or channels down, the months elapsed across), the qualified-lead
KPI month by month (plan vs actual vs the two forecasts) and the observed
rates beside the planned ones.

An actuals cell edits through :func:`core.model.edits.set_actual_values`
(a pasted block: one edit, one undo step); its path is the model's own
(``actuals.stages:SQL:2``), matched to the validation's problems by the
stage's place in the actuals."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from core.calc.engine import PlanResult, month_labels
from core.calc.results import Tracking
from core.model.edits import ActualsKind, set_actual_values
from core.model.plan import Plan, Problem
from gui.commands import push_edit
from gui.document import PlanDocument
from gui.formatting import count_text, percent_text
from gui.models.base import Cell, Index, PlanTableModel
from gui.models.values import Kind

FUTURE_BRUSH = QBrush(QColor("#f4f6f8"))
BAD_TEXT = QBrush(QColor("#b91c1c"))


def actual_path(kind: ActualsKind, name: str, month: int) -> str:
    return f"actuals.{kind}:{name}:{month}"


def parse_actual_path(path: str) -> tuple[ActualsKind, str, int] | None:
    head, _, rest = path.partition(":")
    name, _, month = rest.rpartition(":")
    if head == "actuals.stages" and name:
        return "stages", name, int(month)
    if head == "actuals.spend" and name:
        return "spend", name, int(month)
    return None


class ActualsModel(PlanTableModel):
    """What happened in the months elapsed: a row per stage (items that
    entered it) or per paid channel (spend), a column per month elapsed. A
    row left empty is computed by the forecast."""

    def __init__(self, document: PlanDocument, kind: ActualsKind, parent: Any = None) -> None:
        self.kind: ActualsKind = kind
        super().__init__(document, parent)

    @property
    def headers(self) -> list[str]:  # type: ignore[override]
        return list(month_labels(self.plan.start, self.plan.months)[: self.column_total()])

    def _names(self) -> list[str]:
        plan = self.plan
        return [s.name for s in plan.stages] if self.kind == "stages" else [c.name for c in plan.channels]

    def row_total(self) -> int:
        return len(self._names())

    def column_total(self) -> int:
        actuals = self.plan.actuals
        return 0 if actuals is None else max(0, min(actuals.months, self.plan.months))

    def row_header(self, row: int) -> str:
        return self._names()[row]

    def _entries(self) -> tuple[tuple[str, tuple[float, ...]], ...]:
        actuals = self.plan.actuals
        if actuals is None:
            return ()
        return actuals.stages if self.kind == "stages" else actuals.spend

    def cell(self, row: int, column: int) -> Cell:
        name = self._names()[row]
        series = dict(self._entries()).get(name)
        value = None if series is None or column >= len(series) else float(series[column])
        kind = Kind.NUMBER if self.kind == "stages" else Kind.MONEY
        tip = "" if series is not None else "No figures: the forecast computes this row. Type or paste to enter them."
        return Cell(kind, value, actual_path(self.kind, name, column), optional=True, tooltip=tip)

    def make_edits(self, edits: list[tuple[str, Any]], text: str) -> tuple[Problem, ...]:
        values: dict[tuple[str, int], float | None] = {}
        for path, value in edits:
            parsed = parse_actual_path(path)
            if parsed is not None:
                values[(parsed[1], parsed[2])] = None if value is None else float(value)
        edit = partial(set_actual_values, kind=self.kind, values=values)
        return push_edit(self.document, text, [edit], ["actuals"])

    def edit_text(self, row: int, column: int) -> str:
        what = "items entering" if self.kind == "stages" else "spend on"
        return f"Actuals: {what} {self.row_header(row)} ({self.headers[column]})"

    def cell_problems(self, row: int, column: int, cell: Cell | None = None) -> list[Problem]:
        name = self._names()[row]
        places = [i for i, (n, _) in enumerate(self._entries()) if n == name]
        if not places:
            return []
        field = f"actuals.{self.kind}[{places[0]}]"
        return [p for p in self.document.problems if p.field == field or p.field.startswith(field + "[")]


# ----- read-only tables of the result ------------------------------------------------------------------


class ResultTableModel(QAbstractTableModel):
    """A read-only table of the document's result, rebuilt whenever it changes."""

    headers: tuple[str, ...] = ()

    def __init__(self, document: PlanDocument, parent: Any = None) -> None:
        super().__init__(parent)
        self.document = document
        self.rows: list[tuple[str, list[str], list[bool]]] = []  # header, texts, bad flags
        self.refill()
        document.resultChanged.connect(self._result_changed)

    def _result_changed(self) -> None:
        self.beginResetModel()
        self.refill()
        self.endResetModel()

    def refill(self) -> None:
        raise NotImplementedError

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.headers[section] if 0 <= section < len(self.headers) else None
        return self.rows[section][0] if 0 <= section < len(self.rows) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        _, texts, bad = self.rows[index.row()]
        column = index.column()
        if not 0 <= column < len(texts):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return texts[column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and bad[column]:
            return BAD_TEXT
        return self.extra(index.row(), column, role)

    def extra(self, row: int, column: int, role: int) -> Any:
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


@dataclass(frozen=True)
class GateSeries:
    """The qualified-lead KPI as plain arrays over the plan's months: the
    requirement, the actuals (months elapsed, None without actuals at the
    gate) and the two forecasts; ``elapsed`` the months elapsed."""

    gate: str
    required: np.ndarray
    actual: np.ndarray | None
    at_plan: np.ndarray
    at_observed: np.ndarray
    elapsed: int


def gate_series(plan: Plan, result: PlanResult | None) -> GateSeries | None:
    """The KPI of ``result`` (None: no tracking or no gate)."""
    tracking: Tracking | None = None if result is None else result.tracking
    if result is None or tracking is None or tracking.gate is None:
        return None
    gate = tracking.gate
    months = len(result.months)
    actual = None if tracking.gate_actual is None else np.asarray(tracking.gate_actual, dtype=float)
    return GateSeries(
        result.stage_names[gate],
        np.asarray(result.stage_required[gate], dtype=float)[:months],
        actual,
        np.asarray(tracking.forecast.stage_volume[gate], dtype=float)[:months],
        np.asarray(tracking.forecast_observed.stage_volume[gate], dtype=float)[:months],
        tracking.months_elapsed,
    )


class KpiModel(ResultTableModel):
    """Qualified leads at the gate, a row per plan month: required, actual,
    the two forecasts, and the running totals (observed rates from the
    months elapsed on)."""

    headers = (
        "Required",
        "Actual",
        "Forecast\nat plan rates",
        "Forecast at\nobserved rates",
        "Required\nto date",
        "Forecast to date\n(observed rates)",
        "Ahead / behind\nto date",
    )

    def refill(self) -> None:
        self.rows = []
        self.series = gate_series(self.document.plan, self.document.result)
        result = self.document.result
        s = self.series
        if s is None or result is None:
            return
        cum_required = np.cumsum(s.required)
        cum_observed = np.cumsum(s.at_observed)
        for t, label in enumerate(result.months):
            actual = "" if s.actual is None or t >= len(s.actual) else count_text(float(s.actual[t]))
            behind = float(cum_observed[t] - cum_required[t])
            texts = [
                count_text(float(s.required[t])),
                actual,
                count_text(float(s.at_plan[t])),
                count_text(float(s.at_observed[t])),
                count_text(float(cum_required[t])),
                count_text(float(cum_observed[t])),
                signed(behind),
            ]
            bad = [False] * 6 + [behind < -0.5]
            self.rows.append((label, texts, bad))

    def extra(self, row: int, column: int, role: int) -> Any:
        s = self.series
        if s is None:
            return None
        if role == Qt.ItemDataRole.BackgroundRole and row >= s.elapsed:
            return FUTURE_BRUSH
        if role == Qt.ItemDataRole.ToolTipRole:
            return "A month elapsed (actuals)." if row < s.elapsed else "A month to come (forecast)."
        return None


def signed(value: float) -> str:
    """A difference with its sign: ``+12``, ``-136``, ``0``."""
    text = count_text(abs(value))
    if text in ("0", "-0"):
        return "0"
    return ("+" if value > 0 else "-") + text


def points_text(difference: float) -> str:
    """A difference of two rates in percentage points: ``+3.4 pts``, ``-1.2 pts``."""
    text = percent_text(abs(difference)).rstrip("%")
    if text in ("0.0", "0"):
        return "0 pts"
    return ("+" if difference > 0 else "-") + text + " pts"


class RatesModel(ResultTableModel):
    """The observed rates beside the planned ones, a row per transition with
    actuals on both sides; the gate's pass rate (the step into the
    qualified-lead stage) first."""

    headers = ("Planned", "Observed", "Change")

    def refill(self) -> None:
        self.rows = []
        result = self.document.result
        tracking = None if result is None else result.tracking
        if result is None or tracking is None:
            return
        names = list(result.stage_names)
        order = list(tracking.observed_rates)
        if tracking.gate is not None and tracking.gate >= 1:
            into_gate = names[tracking.gate - 1]
            if into_gate in order:
                order.remove(into_gate)
                order.insert(0, into_gate)
        for upper in order:
            k = names.index(upper) if upper in names else -1
            lower = names[k + 1] if 0 <= k < len(names) - 1 else "?"
            observed = tracking.observed_rates[upper]
            planned = tracking.planned_rates.get(upper)
            difference = None if planned is None else observed - planned
            gate_step = tracking.gate is not None and k + 1 == tracking.gate
            label = f"{upper} → {lower}" + (" (gate)" if gate_step else "")
            texts = [
                "" if planned is None else percent_text(planned),
                percent_text(observed),
                "" if difference is None else points_text(difference),
            ]
            self.rows.append((label, texts, [False, False, difference is not None and difference < -0.0005]))

    def extra(self, row: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole and row == 0 and self.rows and "(gate)" in self.rows[0][0]:
            font = QFont()
            font.setBold(True)
            return font
        return None


__all__ = [
    "ActualsModel",
    "GateSeries",
    "KpiModel",
    "RatesModel",
    "ResultTableModel",
    "gate_series",
    "parse_actual_path",
    "points_text",
    "signed",
]
