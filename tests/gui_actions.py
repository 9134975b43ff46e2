"""What a person does in the app, for the GUI tests: the main window opened
at 1280x720 and closed without the unsaved-changes prompt, and the clicks,
typing and pasting they do (each asserting first that the widget is there
and enabled, as a person would need it to be)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QTableView, QWidget
from pytestqt.qtbot import QtBot

from gui.main_window import MainWindow


def main_window(qtbot: QtBot, tmp_path: Path, recovery: Path | None = None) -> Iterator[MainWindow]:
    """The main window on the example plan, shown at 1280x720 with its own
    settings and recovery place (``recovery``, else one under ``tmp_path``);
    closed quietly afterwards (for a fixture)."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, recovery or tmp_path / "recovery" / "recovery.json")
    win.resize(1280, 720)
    win.show()
    qtbot.waitExposed(win)
    yield win
    QApplication.processEvents()
    win.maybe_save = lambda: True  # type: ignore[method-assign]
    win.close()
    win.deleteLater()


def click(widget: QWidget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
    QApplication.processEvents()


def click_cell(view: QTableView, row: int, column: int) -> None:
    index = view.model().index(row, column)
    view.scrollTo(index)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    QApplication.processEvents()
    assert view.currentIndex() == index


def type_in_cell(view: QTableView, row: int, column: int, text: str) -> None:
    """Click a cell, open its editor, type over its text, press Enter."""
    click_cell(view, row, column)
    view.edit(view.currentIndex())
    editor = view.findChild(QLineEdit)
    assert editor is not None
    editor.selectAll()
    QTest.keyClicks(editor, text)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()


def type_in_spin(box: QAbstractSpinBox, text: str) -> None:
    """Type over a spin box's value and press Enter."""
    assert box.isVisible() and box.isEnabled()
    box.setFocus()
    box.selectAll()
    QTest.keyClicks(box, text)
    QTest.keyClick(box, Qt.Key.Key_Return)
    QApplication.processEvents()


def paste(view: QTableView, row: int, column: int, text: str) -> None:
    """Put ``text`` (tab-separated, as Excel copies) on the clipboard and paste it at a cell."""
    QApplication.clipboard().setText(text)
    click_cell(view, row, column)
    QTest.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    QApplication.processEvents()
