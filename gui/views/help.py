"""The Help menu's guides: the user guide and how the math works, read from
``docs/`` (bundled beside ``resources/`` in a frozen build) and shown as
formatted text in a window that can stay open beside the planner."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from core.paths import app_root

TITLES = {"user-guide.md": "User guide", "funnel-math.md": "How the math works"}


def guide_path(name: str) -> Path:
    """Where a guide is: ``docs/<name>`` in the checkout or the bundle."""
    return app_root() / "docs" / name


class GuideDialog(QDialog):
    """A guide in a text browser; links to the other guide open in place."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guideDialog")
        self.setWindowTitle(TITLES.get(name, name))
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setOpenLinks(True)
        layout.addWidget(self.browser, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.show_guide(name)
        self._fit_to_screen()

    def show_guide(self, name: str) -> None:
        path = guide_path(name)
        self.setWindowTitle(TITLES.get(name, name))
        if path.is_file():
            self.browser.setSearchPaths([str(path.parent)])
            self.browser.setSource(QUrl.fromLocalFile(str(path)))
        else:
            self.browser.setMarkdown(
                f"# {TITLES.get(name, name)}\n\nThe guide is missing from this installation ({name} was not found "
                f"in {path.parent}). Reinstall the planner to get it back."
            )

    def _fit_to_screen(self) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        available = screen.availableGeometry()
        self.resize(min(820, available.width() - 80), min(860, available.height() - 80))


def show_guide(parent: QWidget, name: str) -> GuideDialog:
    """Open (or bring forward) the guide ``name`` beside ``parent``'s window."""
    dialog = parent.findChild(GuideDialog)
    if dialog is None:
        dialog = GuideDialog(name, parent)
    else:
        dialog.show_guide(name)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
