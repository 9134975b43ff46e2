"""The timing of one funnel step: a mean lag in days, or a profile of the
share converting in each month (as measured on cohorts), with a small bar
chart of the profile. Entries that cannot be a timing are refused in place,
in words, and the plan is left as it was."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.model.edits import mean_lag_days, set_stage_timing, timing_shares
from core.model.plan import MAX_PROFILE_MONTHS
from gui.commands import push_edit
from gui.document import PlanDocument
from gui.formatting import number_text, user_locale
from gui.models.values import EntryError, in_percent, parse_number

BAR = QColor("#2563eb")
AXIS = QColor("#6b7280")


def parse_shares(text: str) -> list[float]:
    """Shares in percent as typed or pasted from a spreadsheet row: ``10 30 30
    20 10``, ``10/30/30/20/10`` or ``10; 30; 30`` (commas too where the
    decimal mark is a point). Returns fractions; EntryError says what is wrong."""
    separators = r"[\s/;|]+" if user_locale().decimalPoint() != "." else r"[\s/;,|]+"
    parts = [p for p in re.split(separators, text.replace("%", " ").strip()) if p]
    if not parts:
        raise EntryError("Enter the share converting in each month, e.g. 10 30 30 20 10.")
    if len(parts) > MAX_PROFILE_MONTHS:
        raise EntryError(
            f"A profile covers at most {MAX_PROFILE_MONTHS} months (the month of entry and 36 more); "
            f"this one has {len(parts)}."
        )
    shares = []
    for month, part in enumerate(parts):
        try:
            value = parse_number(part)
        except EntryError:
            raise EntryError(f"Month {month}: '{part}' is not a number; enter shares in percent.") from None
        if value < 0:
            raise EntryError(f"Month {month}: a share cannot be negative; it is {value:g}%.")
        shares.append(value / 100.0)
    return shares


def shares_text(shares: Sequence[float]) -> str:
    """Shares as the editor shows them: ``10 30 30 20 10``."""
    return " ".join(f"{round(p * 100, 4):g}" for p in shares)


class ProfileBars(QWidget):
    """A small bar chart of a timing profile: one bar per month offset."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shares: tuple[float, ...] = ()
        self.setMinimumSize(260, 110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_shares(self, shares: Sequence[float]) -> None:
        self.shares = tuple(shares)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = painter.fontMetrics()
        label_height = metrics.height()
        area = QRectF(4, label_height + 2, self.width() - 8, self.height() - 2 * label_height - 8)
        painter.setPen(AXIS)
        painter.drawLine(area.bottomLeft(), area.bottomRight())
        if not self.shares:
            return
        top = max(max(self.shares), 1e-9)
        slot = area.width() / len(self.shares)
        width = max(2.0, min(slot * 0.7, 48.0))
        for j, share in enumerate(self.shares):
            height = area.height() * share / top
            x = area.left() + j * slot + (slot - width) / 2
            painter.fillRect(QRectF(x, area.bottom() - height, width, height), BAR)
            painter.setPen(AXIS)
            if slot >= metrics.horizontalAdvance("100%"):
                text = f"{round(share * 100):g}%"
                painter.drawText(
                    QRectF(x - 10, area.bottom() - height - label_height, width + 20, label_height),
                    Qt.AlignmentFlag.AlignCenter,
                    text,
                )
            if slot >= metrics.horizontalAdvance("+36") or j % 6 == 0:
                painter.drawText(
                    QRectF(area.left() + j * slot, area.bottom() + 2, slot, label_height),
                    Qt.AlignmentFlag.AlignCenter,
                    f"+{j}" if j else "0",
                )


class TimingDialog(QDialog):
    """Set the timing of the step out of one stage (one undoable edit)."""

    applied = Signal()

    def __init__(self, document: PlanDocument, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.index = index
        plan = document.plan
        stage, below = plan.stages[index], plan.stages[index + 1]
        self.setWindowTitle(f"Timing from {stage.name} to {below.name}")
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        intro = QLabel(f"How long an item entering '{stage.name}' takes to reach '{below.name}'.")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.mean = QRadioButton("An average lag of")
        self.days = QLineEdit()
        self.days.setFixedWidth(80)
        self.days.setAlignment(Qt.AlignmentFlag.AlignRight)
        row = QHBoxLayout()
        row.addWidget(self.mean)
        row.addWidget(self.days)
        row.addWidget(QLabel("days"))
        row.addStretch(1)
        layout.addLayout(row)

        self.by_month = QRadioButton(
            "A profile by month: the share converting in the month of entry, a month later, ..."
        )
        layout.addWidget(self.by_month)
        self.shares = QLineEdit()
        self.shares.setPlaceholderText("e.g. 10 30 30 20 10 (percent, adding up to 100)")
        self.shares.setMinimumWidth(360)
        layout.addWidget(self.shares)
        self.bars = ProfileBars()
        layout.addWidget(self.bars)
        self.summary = QLabel()
        self.summary.setObjectName("hint")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        shares = timing_shares(stage)
        self.days.setText(number_text(mean_lag_days(shares), 1).replace(user_locale().groupSeparator(), ""))
        self.shares.setText(shares_text(shares))
        (self.by_month if stage.lag_profile is not None else self.mean).setChecked(True)
        for radio in (self.mean, self.by_month):
            radio.toggled.connect(self._update)
        self.days.textEdited.connect(partial(self._choose, self.mean))
        self.shares.textEdited.connect(partial(self._choose, self.by_month))
        self._update()

    def _choose(self, radio: QRadioButton, *_: object) -> None:
        radio.setChecked(True)
        self._update()

    def _update(self) -> None:
        """The chart and the sum of the shares as they are typed."""
        self.days.setEnabled(True)
        try:
            shares = parse_shares(self.shares.text())
        except EntryError:
            shares = []
        self.bars.set_shares(shares)
        self.bars.setEnabled(self.by_month.isChecked())
        if not self.by_month.isChecked() or not shares:
            self.summary.setText("")
            return
        total = sum(shares)
        mean = number_text(mean_lag_days(shares) / max(total, 1e-12), 0)
        if abs(total - 1.0) <= 1e-6:
            self.summary.setText(f"Adds up to 100 %; an average lag of {mean} days.")
        else:
            self.summary.setText(f"Adds up to {round(total * 100, 4):g} %; the shares must add up to 100 %.")

    def apply(self) -> None:
        """Make the edit; a refusal stays in the dialog, in words."""
        try:
            if self.by_month.isChecked():
                edit = partial(set_stage_timing, index=self.index, profile=parse_shares(self.shares.text()))
            else:
                days = parse_number(self.days.text())
                edit = partial(set_stage_timing, index=self.index, lag_days=days)
        except EntryError as exc:
            self._refuse(str(exc))
            return
        stage = self.document.plan.stages[self.index].name
        refused = push_edit(self.document, f"Timing of '{stage}'", [edit])
        if refused:
            self._refuse(in_percent(refused[0].message))
            return
        self.applied.emit()
        self.accept()

    def _refuse(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
