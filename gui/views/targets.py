"""Targets: the plan's calendar, the revenue target (annual with a seasonality
profile, or month by month), the average deal size, the pipeline already
forecast, and how the odds of the plan are drawn (draws and seed)."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from core.model.edits import set_after_plan, set_draws, set_months, set_seed
from core.model.plan import MAX_DRAWS, MAX_MONTHS, MIN_DRAWS, AfterPlanMode, Plan, Uncertainty
from gui.commands import set_field_edit
from gui.document import PlanDocument
from gui.formatting import currency_symbol, money_text
from gui.models.tables import MonthlyModel, target_columns
from gui.models.values import EntryError, Kind, parse_number
from gui.views.base import Page
from gui.widgets.fields import FieldEdit, section_label

# Relative weight of each calendar month (January first).
PROFILES: dict[str, tuple[float, ...]] = {
    "Even (the same every month)": (1.0,) * 12,
    "Quarter ends strong": (0.8, 0.9, 1.3) * 4,
    "Slow summer, strong Q4": (0.9, 0.95, 1.15, 0.95, 1.0, 1.15, 0.8, 0.75, 1.1, 1.0, 1.1, 1.5),
}
KEEP_SHAPE = "Keep the current month-by-month shape"
MAX_SEED = 2_147_483_647  # the largest value a spin box holds
DRAWS_TIP = (
    "How many times the planner replays the year to work out the odds on the Results page. "
    "More draws: steadier odds, but slower to work out."
)
SEED_TIP = (
    "Where the draws start. The same seed gives the same odds every time; "
    "change it to see how much the odds move between runs."
)


def spread(total: float, plan: Plan, profile: str) -> tuple[float, ...]:
    """``total`` spread over the plan's months by a seasonality profile."""
    if profile == KEEP_SHAPE and sum(plan.revenue_target) > 0:
        weights = list(plan.revenue_target)
    else:
        first = int(plan.start.split("-")[1]) - 1 if "-" in plan.start else 0
        shape = PROFILES.get(profile, PROFILES["Even (the same every month)"])
        weights = [shape[(first + t) % 12] for t in range(plan.months)]
    scale = total / sum(weights)
    return tuple(w * scale for w in weights)


class TargetsPage(Page):
    title = "Targets"
    subtitle = "What sales must close, month by month. The planner works backward from here."

    def __init__(self, document: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(document, parent)
        top = QHBoxLayout()
        top.setSpacing(40)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(4)
        self.name = FieldEdit(document, "name", Kind.TEXT, width=300)
        self.currency = FieldEdit(document, "currency", Kind.TEXT, "e.g. USD, EUR", width=70)
        self.start = FieldEdit(document, "start", Kind.TEXT, "YYYY-MM", width=90)
        self.months = QSpinBox()
        self.months.setRange(1, MAX_MONTHS)
        self.months.setSuffix(" months")
        self.months.setFixedWidth(120)
        self.months.setKeyboardTracking(False)
        self.months.valueChanged.connect(self._months_changed)
        self.deal = FieldEdit(document, "avg_deal_size", Kind.MONEY, "per won deal")
        for field in (self.name, self.currency, self.start, self.deal):
            field.message.connect(self.message)
        form.addRow("Plan name", self.name)
        form.addRow("Currency", self.currency)
        form.addRow("First month", self.start)
        form.addRow("Plan length", self.months)
        form.addRow("Average deal size", self.deal)
        self._build_odds(form)  # under the plan's settings, where the left column has room at 1280x720
        top.addLayout(form)

        annual = QFormLayout()
        annual.setHorizontalSpacing(16)
        annual.setVerticalSpacing(4)
        self.total = QLineEdit()
        self.total.setFixedWidth(160)
        self.total_unit = QLabel()
        self.total_unit.setObjectName("unit")
        row = QHBoxLayout()
        row.addWidget(self.total)
        row.addWidget(self.total_unit)
        row.addStretch(1)
        self.profile = QComboBox()
        self.profile.addItems([KEEP_SHAPE, *PROFILES])
        self.apply_total = QPushButton("Spread over the months")
        self.apply_total.clicked.connect(self._spread_total)
        self.total.returnPressed.connect(self._spread_total)
        self.total_error = QLabel()
        self.total_error.setObjectName("fieldError")
        self.total_error.hide()
        annual.addRow(section_label("Revenue target for the plan"))
        annual.addRow("Total target", row)
        annual.addRow("Seasonality", self.profile)
        annual.addRow("", self.apply_total)
        annual.addRow("", self.total_error)
        self._build_after_plan(annual)
        top.addLayout(annual)
        top.addStretch(1)
        self.layout_.addLayout(top)
        self.top_row, self.form_part, self.annual_part = top, form, annual

        self.layout_.addWidget(section_label("Month by month"))
        self.model = MonthlyModel(document, target_columns, self)
        self.table = self.sheet()
        self.table.setModel(self.model)
        self.layout_.addWidget(self.table, 1)
        document.planChanged.connect(self.refresh)
        self.refresh()

    def _build_after_plan(self, annual: QFormLayout) -> None:
        """The target going on after the plan (growing a share a year), or nothing after it."""
        document = self.document
        annual.addRow(section_label("After the plan"))
        self.goes_on = QRadioButton("Target goes on after the plan, growing")
        self.growth = FieldEdit(document, "after_plan.growth", Kind.PERCENT, "% a year", width=56)
        self.growth.message.connect(self.message)
        self.one_off = QRadioButton("Nothing after the plan (one-off campaign)")
        self.after_group = QButtonGroup(self)
        for radio in (self.goes_on, self.one_off):
            self.after_group.addButton(radio)
            radio.setToolTip(
                "Leads bought in the plan's last months become deals after it ends; when the target goes on, "
                "the plan buys them (next year's first deals), else it does not."
            )
        self.goes_on.clicked.connect(lambda: self._after_plan("repeat"))
        self.one_off.clicked.connect(lambda: self._after_plan("none"))
        growth_row = QHBoxLayout()
        growth_row.setSpacing(6)
        growth_row.addWidget(self.goes_on)
        growth_row.addWidget(self.growth)
        growth_row.addStretch(1)
        annual.addRow(growth_row)
        annual.addRow(self.one_off)

    def _build_odds(self, form: QFormLayout) -> None:
        """How the odds are drawn: the number of draws and the seed, on one row."""
        form.addRow(section_label("How sure is the plan"))
        self.draws = odds_spin(MIN_DRAWS, MAX_DRAWS, DRAWS_TIP)
        self.draws.setSingleStep(1_000)
        self.draws.setGroupSeparatorShown(True)
        self.draws.valueChanged.connect(self._draws_changed)
        self.seed = odds_spin(0, MAX_SEED, SEED_TIP)
        self.seed.valueChanged.connect(self._seed_changed)
        seed_label = QLabel("Seed")
        seed_label.setToolTip(SEED_TIP)
        seed_label.setBuddy(self.seed)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.draws)
        row.addSpacing(8)
        row.addWidget(seed_label)
        row.addWidget(self.seed)
        row.addStretch(1)
        form.addRow("Draws", row)
        draws_label = form.labelForField(row)
        if draws_label is not None:
            draws_label.setToolTip(DRAWS_TIP)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        # the plan's fields and the annual target side by side when they fit, else one above the other
        margins = self.layout_.contentsMargins()
        room = self.width() - margins.left() - margins.right() - 20
        need = self.form_part.sizeHint().width() + self.annual_part.sizeHint().width() + self.top_row.spacing()
        wanted = QBoxLayout.Direction.LeftToRight if room >= need else QBoxLayout.Direction.TopToBottom
        if self.top_row.direction() != wanted:
            self.top_row.setDirection(wanted)
        self.refresh()

    def refresh(self) -> None:
        plan = self.document.plan
        show_value(self.months, plan.months)
        if not self.total.hasFocus():
            self.total.setText(f"{sum(plan.revenue_target):.12g}")
        self.total_unit.setText(f"{plan.currency}  (now {money_text(sum(plan.revenue_target), plan.currency)})")
        self.deal.set_unit(f"{currency_symbol(plan.currency).strip()} per won deal")
        repeat = plan.after_plan.mode == "repeat"
        (self.goes_on if repeat else self.one_off).setChecked(True)
        self.growth.edit.setEnabled(repeat)
        odds = plan.uncertainty or Uncertainty()
        show_value(self.draws, odds.draws)
        show_value(self.seed, odds.seed)

    def _after_plan(self, mode: AfterPlanMode) -> None:
        text = "Target goes on after the plan" if mode == "repeat" else "Nothing after the plan"
        if not self.edit_plan(partial(set_after_plan, mode=mode), text):
            self.refresh()

    def _months_changed(self, months: int) -> None:
        plan = self.document.plan
        if months != plan.months:
            self.edit_plan(partial(set_months, months=months), f"Plan length {months} months")

    def _draws_changed(self, draws: int) -> None:
        if not self.edit_plan(partial(set_draws, draws=draws), f"Draws {draws:,}"):
            self.refresh()

    def _seed_changed(self, seed: int) -> None:
        if not self.edit_plan(partial(set_seed, seed=seed), f"Seed {seed}"):
            self.refresh()

    def _spread_total(self) -> None:
        try:
            total = parse_number(self.total.text())
        except EntryError as exc:
            self._total_error(str(exc))
            return
        if total < 0:
            self._total_error("The revenue target cannot be negative.")
            return
        plan = self.document.plan
        series = spread(total, plan, self.profile.currentText())
        self._total_error("")
        self.edit_plan(set_field_edit("revenue_target", series), "Spread the revenue target")

    def _total_error(self, text: str) -> None:
        self.total_error.setText(text)
        self.total_error.setVisible(bool(text))
        if text:
            self.message.emit(text)


def odds_spin(low: int, high: int, tip: str) -> QSpinBox:
    """A spin box from ``low`` to ``high`` that commits on Return or leaving it
    (not on every keystroke: one undo step per entry)."""
    box = QSpinBox()
    box.setRange(low, high)
    box.setKeyboardTracking(False)
    box.setFixedWidth(110)
    box.setToolTip(tip)
    return box


def show_value(box: QSpinBox, value: int) -> None:
    """Show ``value`` in ``box`` without an edit; left alone when it already
    holds it (so text being typed into it is not wiped by a refresh)."""
    if box.value() != value:
        box.blockSignals(True)
        box.setValue(value)
        box.blockSignals(False)
