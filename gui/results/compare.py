"""Scenario comparison: key figures of several calculated plans side by
side, each later scenario with its difference against the first (the
baseline), coloured by whether the change is better or worse.

:class:`ComparisonModel` is a QAbstractTableModel: rows are figures,
columns are ``baseline, scenario 2, change, scenario 3, change, ...``.
EditRole/UserRole give the unrounded number, DisplayRole the formatted
text (counts rounded up, money in the baseline's currency, rates in %).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.calc.engine import PlanResult
from core.calc.figures import WORDS, Figures, plural, signed_count
from core.calc.figures import figures as figures_of
from core.calc.outlook import with_uncertainty
from core.calc.uncertainty_draws import rate_sources
from core.model.plan import Plan
from gui.formatting import count_text, money_text, percent_text, user_locale
from gui.operations import Operation, run_in_background
from gui.results.charts import BAD, GOOD, INK, MUTED
from gui.results.explain_dialog import ExplanationDialog, explain_in_dialog

Index = QModelIndex | QPersistentModelIndex
Kind = Literal["count", "money", "rate"]
Better = Literal["lower", "higher", "neutral"]


@dataclass(frozen=True)
class KeyFigure:
    """One row: how to read it from a scenario's :class:`Figures`, how to show it, which direction
    is better, and the figure :func:`core.calc.explain.explain` knows."""

    name: str
    kind: Kind
    better: Better
    value: Callable[[Figures], float | None]
    figure: Callable[[Figures], str] = lambda fig: ""
    words: Callable[[Figures], str] = lambda fig: ""
    """What the figure is in the scenario's own words (the cell's tooltip), "" for none."""
    decimals: int = 1
    """Decimals of a rate (as the Results page shows it)."""


def _deficit_words(fig: Figures) -> str:
    return fig.deficit_words(count_text)


def _pool(fig: Figures) -> Any:
    """The scenario's nurture pool figures (None without a pool)."""
    return getattr(fig, "nurture", None)


def _after(fig: Figures) -> Any:
    """What the scenario assumes after the plan and carries over."""
    return getattr(fig, "after_plan", None)


def _qualified_words(fig: Figures) -> str:
    return f"{plural(fig.qualified_name)} needed ({fig.qualified_why})"


KEY_FIGURES: tuple[KeyFigure, ...] = (
    KeyFigure("Revenue target", "money", "neutral", lambda f: f.revenue_target),
    KeyFigure("Deals needed", "count", "neutral", lambda f: f.deals, lambda f: "deals"),
    KeyFigure(
        "Qualified leads needed",
        "count",
        "neutral",
        lambda f: f.qualified_required,
        lambda f: f"stage:{f.qualified_name}",
        _qualified_words,
    ),
    KeyFigure("Paid raw leads", "count", "lower", lambda f: f.paid_leads, lambda f: "paid_leads"),
    KeyFigure("Planned spend", "money", "lower", lambda f: f.spend, lambda f: "spend_total"),
    KeyFigure("Approved budget", "money", "neutral", lambda f: f.approved_budget),
    KeyFigure(
        "Budget gap (net)",
        "money",
        "lower",
        lambda f: f.budget_gap,
        lambda f: "budget_gap",
        lambda f: "" if f.budget is None else f.budget.sentence(lambda v: money_text(v, f.currency)),
    ),
    KeyFigure(
        "Qualified-lead deficit (net)",
        "count",
        "lower",
        lambda f: f.deficit,
        lambda f: "gate_deficit",
        _deficit_words,
    ),
    KeyFigure(
        "Peak sales utilization", "rate", "lower", lambda f: f.peak_utilization, lambda f: "utilization", decimals=0
    ),
    KeyFigure("Lead spec pass rate", "rate", "neutral", lambda f: f.pass_rate, lambda f: "pass_rate"),
    KeyFigure(
        "Leads the nurture pool returns",
        "count",
        "higher",
        lambda f: None if _pool(f) is None else _pool(f).returned_total,
        words=lambda f: "No nurture pool" if _pool(f) is None else _pool(f).sentence(count_text),
    ),
    KeyFigure(
        "Chance to hit the target",
        "rate",
        "higher",
        lambda f: None,  # drawn off the GUI thread: ComparisonModel.set_odds
        lambda f: "odds",
        lambda f: (
            "The chance the approved budget's leads bring the revenue target, over the draws of the measured rates"
        ),
        decimals=0,
    ),
    KeyFigure(
        "Revenue carried over after the plan",
        "money",
        "neutral",
        lambda f: _after(f).carried_revenue if _after(f) is not None else None,
        words=lambda f: (
            "" if _after(f) is None else _after(f).sentence(lambda v: money_text(v, f.currency), count_text)
        ),
    ),
)
"""The rows, every number read from each scenario's :class:`Figures` (as the KPI strip, the
Results page and the report), named as on the strip: "(net)" is over the plan, net."""

ODDS_ROW = next(i for i, k in enumerate(KEY_FIGURES) if k.name == "Chance to hit the target")
PENDING = "\u2026"
"""A chance still being drawn."""
NO_SAMPLES = "No rate of this scenario says what it was measured on (Measured on), so it is taken as certain."

_BETTER = QColor(GOOD)
_WORSE = QColor(BAD)
_NEUTRAL = QColor(MUTED)
_DELTA_BACKGROUND = QBrush(QColor("#f8fafc"))


def two_lines(text: str, longer_than: int = 12) -> str:
    """A long header broken at the space nearest its middle (columns stay
    narrow, so several scenarios fit side by side); short text as it is."""
    spaces = [i for i, c in enumerate(text) if c == " "]
    if len(text) <= longer_than or not spaces:
        return text
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return f"{text[:cut]}\n{text[cut + 1 :]}"


class ComparisonModel(QAbstractTableModel):
    """Figures (rows) by scenario, with a change column after each
    non-baseline scenario. Read-only."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.scenarios: list[tuple[str, Plan, PlanResult]] = []
        self.figures: list[Figures] = []
        self._values: list[list[float | None]] = []  # [figure][scenario]
        self.pending: set[int] = set()  # scenarios whose chance is still being drawn
        self.completed: dict[int, PlanResult] = {}  # scenario -> its result with the draws
        self.odds_notes: dict[int, str] = {}  # scenario -> why it has no chance to show
        self._locale = user_locale()
        self._bold = QFont()
        self._bold.setBold(True)

    # ----- content -----------------------------------------------------------
    def set_scenarios(
        self, scenarios: Sequence[tuple[str, Plan, PlanResult]], figures: Sequence[Figures] | None = None
    ) -> None:
        """Show ``(name, plan, result)`` per scenario with its :class:`Figures` (``figures``, one per
        scenario, as the document keeps them; worked out here only when not given)."""
        if figures is not None and len(figures) != len(scenarios):
            raise ValueError(f"{len(scenarios)} scenarios but {len(figures)} figures")
        self.beginResetModel()
        self.scenarios = list(scenarios)
        self.figures = list(figures) if figures is not None else [figures_of(p, r) for _, p, r in self.scenarios]
        self._values = [[row.value(fig) for fig in self.figures] for row in KEY_FIGURES]
        self.pending = set(range(len(self.scenarios)))
        self.completed, self.odds_notes = {}, {}
        self.endResetModel()

    def set_odds(self, scenario: int, completed: PlanResult | None) -> None:
        """Scenario ``scenario``'s chance to hit the target has been drawn (``completed``: its
        result with the draws; None: no rate has a sample, no chance to give)."""
        if not 0 <= scenario < len(self.scenarios):
            return
        self.pending.discard(scenario)
        u = None if completed is None else completed.uncertainty
        self._values[ODDS_ROW][scenario] = None if u is None else u.funded_hit_probability
        if completed is not None and u is not None:
            self.completed[scenario] = completed
        if u is None:
            self.odds_notes[scenario] = NO_SAMPLES
        elif u.funded_hit_probability is None:
            self.odds_notes[scenario] = "No approved budget in this scenario: no chance to hit the target to give."
        if self.columnCount():
            self.dataChanged.emit(self.index(ODDS_ROW, 0), self.index(ODDS_ROW, self.columnCount() - 1))

    def column_scenario(self, column: int) -> tuple[int, bool]:
        """(scenario index, is the change column) of a column."""
        if column == 0:
            return 0, False
        return (column + 1) // 2, column % 2 == 0

    def value(self, row: int, column: int) -> float | None:
        """The number in a cell (a change: scenario minus baseline)."""
        scenario, is_delta = self.column_scenario(column)
        value = self._values[row][scenario]
        if not is_delta:
            return value
        base = self._values[row][0]
        if value is None or base is None:
            return None
        return value - base

    def figure_at(self, index: Index) -> tuple[int, str] | None:
        """(scenario, explain figure name) behind a value cell, if any."""
        if not index.isValid():
            return None
        scenario, is_delta = self.column_scenario(index.column())
        if is_delta or self.value(index.row(), index.column()) is None:
            return None
        if index.row() == ODDS_ROW and scenario not in self.completed:
            return None
        figure = KEY_FIGURES[index.row()].figure(self.figures[scenario])
        return (scenario, figure) if figure else None

    # ----- Qt model ----------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or not self.scenarios else len(KEY_FIGURES)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or not self.scenarios else 2 * len(self.scenarios) - 1

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Vertical:
            if not 0 <= section < len(KEY_FIGURES):
                return None
            name = KEY_FIGURES[section].name
            return name.replace("(net)", WORDS["net"]) if role == Qt.ItemDataRole.ToolTipRole else name
        if not 0 <= section < self.columnCount():
            return None
        scenario, is_delta = self.column_scenario(section)
        name = self.scenarios[scenario][0]
        if is_delta:
            return "Change" if role == Qt.ItemDataRole.DisplayRole else f"{name} minus {self.scenarios[0][0]}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return name
        if scenario == 0 and "baseline" not in name.casefold():
            name = f"{name} (baseline)"
        return two_lines(name)

    def _text(self, row: int, value: float, delta: bool) -> str:
        kind = KEY_FIGURES[row].kind
        loc = self._locale
        currency = self.scenarios[0][1].currency
        if kind == "money":
            text = money_text(abs(value) if delta else value, currency, loc)
        elif kind == "rate":
            text = percent_text(abs(value) if delta else value, KEY_FIGURES[row].decimals, loc)
            if delta:
                text = text[:-1] + " pts"
        elif delta:
            text = count_text(abs(value), loc)
        else:
            text = signed_count(value, lambda v: count_text(v, loc))  # as the KPI strip and the Results page
        if delta:
            if abs(value) < 1e-9:
                return "\u2013"
            return ("+" if value > 0 else "\u2212") + text
        return text

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < self.rowCount() and 0 <= index.column() < self.columnCount()):
            return None
        row, column = index.row(), index.column()
        value = self.value(row, column)
        scenario, is_delta = self.column_scenario(column)
        if role in (Qt.ItemDataRole.EditRole, Qt.ItemDataRole.UserRole):
            return value
        if row == ODDS_ROW and (scenario in self.pending or (is_delta and 0 in self.pending)):
            if role == Qt.ItemDataRole.DisplayRole:
                return PENDING
            if role == Qt.ItemDataRole.ToolTipRole:
                return "Drawing the plan from its measured rates\u2026"
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(_NEUTRAL)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return "n/a" if value is None else self._text(row, value, is_delta)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if value is None:
                return QBrush(_NEUTRAL)
            if not is_delta:
                return QBrush(QColor(INK))
            return QBrush(self._delta_color(row, value))
        if role == Qt.ItemDataRole.BackgroundRole and is_delta:
            return _DELTA_BACKGROUND
        if role == Qt.ItemDataRole.FontRole and is_delta and value is not None and abs(value) >= 1e-9:
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            if value is None and row == ODDS_ROW and not is_delta:
                return self.odds_notes.get(scenario, NO_SAMPLES)
            if value is None:
                return "Not in this scenario's plan"
            if is_delta:
                return None
            words = KEY_FIGURES[row].words(self.figures[scenario])
            if self.figure_at(index):
                return f"{words}\nDouble-click: why this number?" if words else "Double-click: why this number?"
            return words or None
        return None

    @staticmethod
    def _delta_color(row: int, delta: float) -> QColor:
        better = KEY_FIGURES[row].better
        if abs(delta) < 1e-9 or better == "neutral" or math.isnan(delta):
            return _NEUTRAL
        improved = delta < 0 if better == "lower" else delta > 0
        return _BETTER if improved else _WORSE


class ScenarioComparison(QWidget):
    """The comparison table (double-click a figure: why this number?)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ComparisonModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(False)
        self.table.setShowGrid(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(30)
        # As tall as its rows: the caption sits right under the figures, not under an empty box.
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.table.setStyleSheet(
            "QTableView { background: white; border: 1px solid #e5e7eb; border-radius: 8px; gridline-color: #f1f5f9; }"
            "QHeaderView { background: white; }"
            "QTableCornerButton::section { background: white; border: none; border-bottom: 1px solid #e5e7eb; }"
            "QHeaderView::section { background: white; color: #6b7280; border: none;"
            " border-bottom: 1px solid #e5e7eb; padding: 6px 8px; font-weight: 600; }"
            "QHeaderView::section:vertical { color: #374151; font-weight: normal; }"
            "QTableView::item { padding: 0 8px; border-bottom: 1px solid #f1f5f9; }"
        )
        self.table.doubleClicked.connect(self._explain)
        self.caption = QLabel("Differences are against the first scenario (the baseline): green is better, red worse.")
        self.caption.setStyleSheet(f"color: {MUTED}; font-size: 11px;")
        self.dialog: ExplanationDialog | None = None
        # id(result) -> (result, its result with the draws or None, why none): drawn off the GUI thread
        self._odds: dict[int, tuple[PlanResult, PlanResult | None, str]] = {}
        self._odds_job: Operation | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.table)
        layout.addWidget(self.caption)
        layout.addStretch(1)

    def show_scenarios(
        self, scenarios: Sequence[tuple[str, Plan, PlanResult]], figures: Sequence[Figures] | None = None
    ) -> None:
        """Show ``(name, plan, result)`` per scenario with its figures; the first is the baseline.
        Each scenario's chance to hit the target shows "…" until its draws are done."""
        self.model.set_scenarios(scenarios, figures)
        self._fill_odds()

    def drawing(self) -> bool:
        """Whether some scenario's chance is still being drawn."""
        return self._odds_job is not None or bool(self.model.pending)

    def _fill_odds(self) -> None:
        """Each scenario's chance from the draws done; the missing ones drawn off the GUI thread."""
        wanted: list[tuple[Plan, PlanResult]] = []
        for i, (_, plan, result) in enumerate(self.model.scenarios):
            done = self._odds.get(id(result))
            if not rate_sources(plan).all():
                self.model.set_odds(i, None)
            elif done is not None and done[0] is result:
                self.model.set_odds(i, done[1])
                if done[2]:
                    self.model.odds_notes[i] = done[2]
            else:
                wanted.append((plan, result))
        shown = {id(r) for _, _, r in self.model.scenarios}
        self._odds = {key: value for key, value in self._odds.items() if key in shown}
        if wanted and self._odds_job is None:
            self._odds_job = run_in_background(
                lambda: [(r, with_uncertainty(p, r)) for p, r in wanted],
                self._odds_drawn,
                lambda error: self._odds_failed(wanted, error),
                on_finished=self._odds_finished,
            )

    def _odds_drawn(self, drawn: list[tuple[PlanResult, PlanResult]]) -> None:
        for result, completed in drawn:
            self._odds[id(result)] = (result, completed, "")

    def _odds_failed(self, wanted: list[tuple[Plan, PlanResult]], error: BaseException) -> None:
        for _, result in wanted:
            self._odds[id(result)] = (result, None, f"The chance could not be drawn: {error}")

    def _odds_finished(self) -> None:
        self._odds_job = None
        self._fill_odds()

    def _explain(self, index: QModelIndex) -> None:
        found = self.model.figure_at(index)
        if found is None:
            return
        scenario, figure = found
        _, plan, result = self.model.scenarios[scenario]
        result = self.model.completed.get(scenario, result) if figure == "odds" else result
        if self.dialog is None:
            self.dialog = ExplanationDialog(self)
        explain_in_dialog(self.dialog, plan, result, figure)
