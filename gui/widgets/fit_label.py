"""Labels that never cut their text: a headline number shrinks its font to
fit the width it is given and, when even the smallest font is too wide,
shows an ellipsis with the whole text in a tooltip; a one-line status label
elides with a tooltip instead of wrapping (so a strip keeps its height and
nothing under the cursor moves)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

ELLIPSIS = "…"


def fitted(text: str, font: QFont, width: int, smallest: float = 0.7) -> tuple[str, QFont]:
    """The text and font to draw ``text`` within ``width`` pixels: the font
    as is when the text fits, else the largest size down to ``smallest`` of
    it that fits, else the smallest size with the text elided ("…")."""
    if QFontMetrics(font).horizontalAdvance(text) <= width:
        return text, font
    if smallest >= 1.0:
        return QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, max(0, width)) or ELLIPSIS, font
    size = font.pointSizeF() if font.pointSizeF() > 0 else float(font.pixelSize())
    uses_points = font.pointSizeF() > 0
    trial = QFont(font)
    steps = 12
    for step in range(1, steps + 1):
        scaled = size * (1.0 - (1.0 - smallest) * step / steps)
        if uses_points:
            trial.setPointSizeF(scaled)
        else:
            trial.setPixelSize(max(1, round(scaled)))
        if QFontMetrics(trial).horizontalAdvance(text) <= width:
            return text, trial
    return QFontMetrics(trial).elidedText(text, Qt.TextElideMode.ElideRight, max(0, width)) or ELLIPSIS, trial


class FitLabel(QLabel):
    """A one-line label whose text always shows whole or visibly elided:
    ``text()`` keeps the whole text, :meth:`shown` says what is drawn."""

    def __init__(self, text: str = "", parent: QWidget | None = None, smallest: float = 0.7) -> None:
        super().__init__(text, parent)
        self.smallest = smallest
        self._tip = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def setText(self, text: str) -> None:
        super().setText(text)
        self._update_tip()

    def set_tip(self, tip: str) -> None:
        """The tooltip shown when the text is whole (the full text is added when it is cut)."""
        self._tip = tip
        self._update_tip()

    def shown(self) -> tuple[str, QFont]:
        """What is drawn at the current width: the text (maybe elided) and its font."""
        return fitted(self.text(), self.font(), self.contentsRect().width(), self.smallest)

    def is_elided(self) -> bool:
        return self.shown()[0] != self.text()

    def _update_tip(self) -> None:
        text, _ = self.shown()
        if text != self.text():
            self.setToolTip(f"{self.text()}\n{self._tip}" if self._tip else self.text())
        else:
            self.setToolTip(self._tip)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        small = QFont(self.font())
        if small.pointSizeF() > 0:
            small.setPointSizeF(small.pointSizeF() * self.smallest)
        width = QFontMetrics(small).horizontalAdvance(self.text()[:3] + ELLIPSIS)
        margins = self.contentsMargins()
        return QSize(min(hint.width(), width + margins.left() + margins.right()), hint.height())

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._update_tip()

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        self.drawFrame(painter)
        text, font = self.shown()
        painter.setFont(font)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(self.alignment()) | int(Qt.TextFlag.TextSingleLine), text)
        painter.end()


class ElidedLabel(FitLabel):
    """A one-line label that elides (no shrinking) and shows the whole text as its tooltip."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent, smallest=1.0)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def setText(self, text: str) -> None:
        self.setMinimumWidth(80 if text else 0)  # a few words and the ellipsis; no room taken when empty
        super().setText(text)
