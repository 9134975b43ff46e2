"""An unexpected exception becomes a dialog, not a silent exit: it says what
happened, that the work was saved to the recovery file, and keeps the
traceback under "Show Details..." for a bug report."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]


class CrashHandler:
    """Installed as ``sys.excepthook`` while the app runs."""

    def __init__(
        self,
        parent: Callable[[], QWidget | None],
        save_recovery: Callable[[], bool] | None = None,
        show: Callable[[QMessageBox], Any] | None = None,
    ) -> None:
        self._parent = parent
        self._save_recovery = save_recovery
        self._show = show or (lambda box: box.exec())
        self._previous: ExceptHook | None = None
        self._busy = False
        self.last_details = ""

    def install(self) -> None:
        self._previous = sys.excepthook
        sys.excepthook = self.handle

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook = self._previous
            self._previous = None

    def handle(self, kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        details = "".join(traceback.format_exception(kind, error, tb))
        self.last_details = details
        print(details, file=sys.stderr)
        if self._busy or QApplication.instance() is None:
            return
        self._busy = True
        try:
            saved = False
            if self._save_recovery is not None:
                try:
                    saved = self._save_recovery()
                except Exception:
                    saved = False
            box = QMessageBox(self._parent())
            box.setIcon(QMessageBox.Icon.Critical)
            box.setWindowTitle("Something went wrong")
            box.setText(f"The planner ran into an unexpected problem: {kind.__name__}: {error}")
            info = (
                "Your work was saved to the recovery file and will be offered the next time you start. "
                if saved
                else ""
            )
            box.setInformativeText(info + "You can keep working; saving your plan now is a good idea.")
            box.setDetailedText(details)
            box.setStandardButtons(QMessageBox.StandardButton.Ok)
            self._show(box)
        finally:
            self._busy = False
