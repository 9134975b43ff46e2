"""What every page shares: a title, margins, and a way to report messages."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from gui.document import PlanDocument
from gui.widgets.fields import title_label
from gui.widgets.sheet import SheetView


class Page(QWidget):
    """A page of the main window over the document."""

    message = Signal(str)
    title = ""
    subtitle = ""

    def __init__(self, document: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(28, 20, 28, 20)
        self.layout_.setSpacing(12)
        self.layout_.addWidget(title_label(self.title, self.subtitle))

    def sheet(self) -> SheetView:
        view = SheetView()
        view.message.connect(self.message)
        return view


def button_row(*buttons: QPushButton, stretch: bool = True) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(8)
    for button in buttons:
        row.addWidget(button)
    if stretch:
        row.addStretch(1)
    return row


def selected_row(view: SheetView) -> int | None:
    index = view.currentIndex()
    return index.row() if index.isValid() else None
