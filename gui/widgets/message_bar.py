"""A bar over a page's tables that says why an entry was refused, and stays
until the cell holds a valid value (or the user closes it) - not a status-bar
message that is gone before it is read."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget


class MessageBar(QFrame):
    """One message in words, with a close button; hidden when there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.setSpacing(8)
        self.label = QLabel()
        self.label.setObjectName("messageText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        self.close_button = QToolButton()
        self.close_button.setObjectName("messageClose")
        self.close_button.setText("✕")
        self.close_button.setToolTip("Hide this message (the cell stays marked)")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.dismiss)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self._dismissed = ""
        self.hide()

    def text(self) -> str:
        """The message shown (empty when the bar is hidden)."""
        return "" if self.isHidden() else self.label.text()

    def show_messages(self, messages: list[str]) -> None:
        """Show the latest of ``messages`` (hide when there are none)."""
        if not messages:
            self.label.clear()
            self._dismissed = ""
            self.hide()
            return
        latest = messages[-1]
        more = len(messages) - 1
        text = latest + (f"  (and {more} more cell{'s' if more > 1 else ''} marked in red)" if more else "")
        if text == self._dismissed:
            return
        self.label.setText(text)
        self.show()

    def dismiss(self) -> None:
        """Closed by the user: hidden until another message comes."""
        self._dismissed = self.label.text()
        self.hide()
