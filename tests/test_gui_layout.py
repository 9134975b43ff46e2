"""The planner on small screens and the feedback a person gets: the window
fits the screen, headline numbers are never cut, menus read right, the
title names the plan, a refused entry's message stays in view until the
cell is fixed, Ctrl+Y redoes, and Help opens the guides."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMargins, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu

from gui.main_window import MainWindow
from gui.models.base import ERROR_BRUSH
from gui.models.tables import StagesModel
from gui.models.values import in_percent
from gui.views.help import GuideDialog
from gui.widgets.fit_label import FitLabel, fitted
from gui.widgets.window_fit import TYPICAL_FRAME, fits, fitted_window_rect

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def window(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, tmp_path / "recovery")
    win.show()
    qtbot.waitExposed(win)
    yield win
    QApplication.processEvents()
    win.maybe_save = lambda: True  # type: ignore[method-assign]
    for dialog in win.findChildren(GuideDialog):
        dialog.close()
    win.close()
    win.deleteLater()


def type_into(qtbot, view, row: int, column: int, text: str) -> None:  # type: ignore[no-untyped-def]
    index = view.model().index(row, column)
    view.setCurrentIndex(index)
    view.edit(index)
    editors = [e for e in view.findChildren(QLineEdit) if e.isVisible()]  # not one closed before
    assert len(editors) == 1
    editor = editors[0]
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()


# ----- the window and the screen ------------------------------------------------------------
@pytest.mark.parametrize("screen", [QRect(0, 0, 1280, 720), QRect(0, 0, 1024, 640), QRect(1920, 40, 1366, 728)])
def test_the_window_is_sized_within_the_available_screen(screen: QRect) -> None:
    rect = fitted_window_rect(screen, QSize(1280, 800), QSize(960, 600))
    assert fits(screen, rect.marginsAdded(TYPICAL_FRAME))
    assert rect.width() >= min(960, screen.width() - 16)


def test_a_large_screen_gets_the_default_size() -> None:
    rect = fitted_window_rect(QRect(0, 0, 1920, 1080), QSize(1280, 800), QSize(960, 600), QMargins(0, 0, 0, 0))
    assert rect.size() == QSize(1280, 800)
    assert rect.center().x() in (959, 960)


def test_a_saved_geometry_larger_than_the_screen_is_not_restored(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    big = MainWindow(settings, tmp_path / "r1")
    big.setMinimumSize(0, 0)
    big.setGeometry(0, 0, 3000, 2000)  # saved on a larger screen
    settings.setValue("geometry", big.saveGeometry())
    big.deleteLater()
    win = MainWindow(settings, tmp_path / "r2")
    win.show()
    qtbot.waitExposed(win)
    assert fits(win.available_geometry(), win.frameGeometry())
    win.close()


SCRIPT = r"""
import json, sys
import gui
from pathlib import Path
from PySide6.QtCore import QSettings
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication
app = QApplication([])
from gui.app import configure
configure(app)
from gui.main_window import MainWindow
from gui.widgets.fit_label import FitLabel
folder = Path(sys.argv[1])
settings = QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat)
win = MainWindow(settings, folder / "recovery")
win.show()
report = {"available": win.screen().availableGeometry().getRect(), "pages": {}}
for name in win.PAGES:
    win.show_page(name)
    for _ in range(10):
        app.processEvents()
    labels = []
    for label in win.findChildren(FitLabel):
        if not label.isVisible() or label.text() in ("", "\u2013", "\u2014"):
            continue
        shown, font = label.shown()
        labels.append({"text": label.text(), "shown": shown, "tip": label.toolTip(),
                       "advance": QFontMetrics(font).horizontalAdvance(shown), "width": label.contentsRect().width()})
    report["pages"][name] = {"frame": win.frameGeometry().getRect(), "labels": labels}
print(json.dumps(report))
win.document.undo_stack.setClean()
"""


@pytest.mark.parametrize("size", [(1280, 720), (1024, 640)])
def test_every_page_fits_a_small_screen_and_no_number_is_cut(tmp_path: Path, size: tuple[int, int]) -> None:
    """End to end on a screen of that size (Qt's offscreen platform, configured)."""
    config = tmp_path / "screen.json"
    width, height = size
    screen = {"name": "small", "x": 0, "y": 0, "width": width, "height": height, "logicalDpi": 96}
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    available = QRect(*report["available"])
    assert available.size() == QSize(width, height)
    for page, seen in report["pages"].items():
        assert fits(available, QRect(*seen["frame"])), page
        assert len(seen["labels"]) >= 6, page  # the headline strip at least
        for label in seen["labels"]:
            if label["shown"] == label["text"]:
                assert label["advance"] <= label["width"], (page, label)
            else:  # elided visibly, the whole number under the mouse
                assert label["shown"].endswith("…") and label["text"] in label["tip"], (page, label)


# ----- headline numbers ---------------------------------------------------------------------
def test_a_number_shrinks_to_fit_then_elides_with_a_tooltip(qtbot) -> None:  # type: ignore[no-untyped-def]
    font = QFont()
    font.setPointSizeF(15)
    text = "$1,883,512"
    natural = QFontMetrics(font).horizontalAdvance(text)
    shown, smaller = fitted(text, font, natural - 10)
    assert shown == text and smaller.pointSizeF() < 15
    assert QFontMetrics(smaller).horizontalAdvance(text) <= natural - 10
    label = FitLabel(text)
    qtbot.addWidget(label)
    label.setFont(font)
    label.show()
    label.resize(40, 30)
    QApplication.processEvents()
    shown, used = label.shown()
    assert shown.endswith("…") and QFontMetrics(used).horizontalAdvance(shown) <= label.contentsRect().width()
    assert label.toolTip() == text
    label.resize(natural + 20, 30)
    QApplication.processEvents()
    assert label.shown()[0] == text and label.toolTip() == ""


def test_the_headline_strip_keeps_its_height_when_an_error_shows(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    before = window.kpis.height()
    buttons_at = window.stack.mapTo(window, window.stack.rect().topLeft())
    window.document.replace_plan(window.document.plan.with_changes(avg_deal_size=-5.0), "break")
    QApplication.processEvents()
    qtbot.wait(50)
    assert "Results wait for a complete plan" in window.kpis.status.text()
    assert window.kpis.height() == before
    assert window.stack.mapTo(window, window.stack.rect().topLeft()) == buttons_at
    shown, _ = window.kpis.status.shown()
    if shown != window.kpis.status.text():
        assert shown.endswith("…") and window.kpis.status.toolTip() == window.kpis.status.text()


# ----- menus and title ----------------------------------------------------------------------
def menu(window: MainWindow, title: str) -> QMenu:
    for action in window.menuBar().actions():
        if action.text().replace("&", "") == title:
            found = action.menu()
            assert isinstance(found, QMenu)
            return found
    raise AssertionError(f"no {title} menu")


def test_menu_texts_show_an_ampersand_not_a_mnemonic(window: MainWindow) -> None:
    shown = [a.iconText() for a in menu(window, "Go").actions()]  # iconText: the text as displayed
    assert "Channels & budget" in shown
    assert all("_" not in text for text in shown)
    go = next(a for a in menu(window, "Go").actions() if a.iconText() == "Channels & budget")
    go.trigger()
    assert window.stack.currentWidget() is window.channels


def test_the_title_shows_the_plans_name(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert window.windowTitle().startswith("FY2027 Northwind Analytics (example)")
    assert "Untitled" not in window.windowTitle()
    field = window.targets.name
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "Q3 push")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert window.windowTitle() == "Q3 push[*] — Funnel Planner"
    assert window.isWindowModified()


# ----- feedback on refused entries ---------------------------------------------------------
def test_a_refused_rate_speaks_percent_stays_in_view_and_clears_when_fixed(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.show_page("Funnel")
    view, model = window.funnel.table, window.funnel.model
    index = model.index(1, StagesModel.RATE)
    type_into(qtbot, view, 1, StagesModel.RATE, "150")
    bar = window.funnel.message_bar
    assert bar.isVisible()
    assert "150%" in bar.text() and "at most 100%" in bar.text()
    assert "1.5" not in bar.text()
    assert model.data(index, Qt.ItemDataRole.BackgroundRole) == ERROR_BRUSH
    assert "150%" in model.data(index, Qt.ItemDataRole.ToolTipRole)
    qtbot.wait(5500)  # longer than a status-bar message lasts
    assert bar.isVisible() and "150%" in bar.text()
    type_into(qtbot, view, 1, StagesModel.RATE, "45")
    assert window.document.plan.stages[1].rate == pytest.approx(0.45)
    assert model.data(index, Qt.ItemDataRole.BackgroundRole) != ERROR_BRUSH
    assert not bar.isVisible()


def test_retyping_the_old_value_clears_the_mark(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.show_page("Funnel")
    view, model = window.funnel.table, window.funnel.model
    index = model.index(1, StagesModel.RATE)
    type_into(qtbot, view, 1, StagesModel.RATE, "150")
    assert model.data(index, Qt.ItemDataRole.BackgroundRole) == ERROR_BRUSH
    type_into(qtbot, view, 1, StagesModel.RATE, "40")  # the value it had: no edit, but valid
    assert model.data(index, Qt.ItemDataRole.BackgroundRole) != ERROR_BRUSH
    assert not window.funnel.message_bar.isVisible()


def test_the_message_bar_can_be_closed(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.show_page("Funnel")
    type_into(qtbot, window.funnel.table, 0, StagesModel.RATE, "-3")
    bar = window.funnel.message_bar
    assert bar.isVisible() and "-3%" in bar.text()
    QTest.mouseClick(bar.close_button, Qt.MouseButton.LeftButton)
    assert not bar.isVisible()


def test_fraction_messages_are_reworded_in_percent() -> None:
    core = "Stage 'MQL' rate: the rate must be more than 0 and at most 1 (e.g. 0.25 for 25%); it is 1.5."
    assert in_percent(core) == "Stage 'MQL' rate: the rate must be more than 0% and at most 100%; it is 150%."
    share = "Budget confirmed: the share must be between 0 and 1 (e.g. 0.4 for 40%); it is 1.2."
    assert in_percent(share).endswith("the share must be between 0% and 100%; it is 120%.")
    mix = "The channel mix shares add up to 0.9; they must add up to 1 (100%). Adjust the mix."
    assert in_percent(mix) == "The channel mix shares add up to 90%; they must add up to 100%. Adjust the mix."
    other = "Average deal size: must be more than 0 USD; it is -5."
    assert in_percent(other) == other


# ----- undo and redo from the keyboard -----------------------------------------------------
@pytest.mark.parametrize(
    "keys",
    [
        (Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier),
    ],
)
def test_ctrl_y_and_ctrl_shift_z_redo(qtbot, window: MainWindow, keys) -> None:  # type: ignore[no-untyped-def]
    window.show_page("Funnel")
    window.activateWindow()
    qtbot.waitActive(window)
    type_into(qtbot, window.funnel.table, 0, StagesModel.RATE, "20")
    assert window.document.plan.stages[0].rate == pytest.approx(0.20)
    window.funnel.table.setFocus()
    QTest.keyClick(window.funnel.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.document.plan.stages[0].rate == pytest.approx(0.35)
    QTest.keyClick(window.funnel.table, *keys)
    assert window.document.plan.stages[0].rate == pytest.approx(0.20)


# ----- help ---------------------------------------------------------------------------------
def test_help_opens_the_user_guide_and_the_math(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    texts = [a.text().replace("&", "") for a in menu(window, "Help").actions()]
    assert texts[:2] == ["User guide", "How the math works"]
    menu(window, "Help").actions()[0].trigger()
    dialog = window.findChild(GuideDialog)
    assert dialog is not None and dialog.isVisible()
    text = dialog.browser.toPlainText()
    assert "The workflow" in text and "Lead spec" in text and "Export" in text
    assert "#" not in text.splitlines()[0]  # rendered as markdown, not shown raw
    assert fits(dialog.screen().availableGeometry(), dialog.geometry())
    menu(window, "Help").actions()[1].trigger()
    assert "Reverse pass" in dialog.browser.toPlainText()
    assert dialog.windowTitle() == "How the math works"


def test_the_build_bundles_the_guides() -> None:
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    for name in ("user-guide.md", "funnel-math.md"):
        assert (ROOT / "docs" / name).is_file()
        assert f'"docs" / "{name}"' in spec
