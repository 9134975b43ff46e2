"""Slow file work leaves the GUI thread: exporting the budget request,
opening and saving run in the background while the window keeps handling
events (a 10 ms timer on the GUI thread keeps ticking), the file actions are
disabled meanwhile, and closing waits for a save. The export obeys the CLI's
rule (never onto a plan file). The import wizard's Read again keeps the
mapping file's decimal mark and date order."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEventLoop, QSettings, Qt, QThread, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton, QWizard
from python_calamine import CalamineWorkbook

from bench.large_plan import large_plan
from cli.commands import build_parser, run
from core.formats.documents import load_plan, save_plan
from core.model.plan import Plan
from gui.import_wizard import ImportWizard
from gui.main_window import MainWindow
from gui.operations import run_in_background

pytestmark = pytest.mark.gui
WAIT_MS = 60_000


class Ticks:
    """A 10 ms timer on the GUI thread; each tick notes the time and what ``probe`` says."""

    def __init__(self, probe: Any = None) -> None:
        self.times: list[float] = []
        self.seen: list[Any] = []
        self.probe = probe
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.times.append(time.perf_counter())
        if self.probe is not None:
            self.seen.append(self.probe())

    def start(self) -> None:
        self.times.clear()
        self.seen.clear()
        self.timer.start()
        self.times.append(time.perf_counter())

    def stop(self) -> float:
        """Stop; the longest the GUI thread went without handling the timer (s)."""
        self.timer.stop()
        self.times.append(time.perf_counter())
        print(f"  ({(self.times[-1] - self.times[0]) * 1000:.0f} ms in all)", end=" ")
        return max(b - a for a, b in zip(self.times, self.times[1:], strict=False))

    def while_running(self) -> list[Any]:
        """What the probe said at the ticks while a file task ran."""
        return [enabled for running, enabled in self.seen if running]


def file_actions_probe(window: MainWindow) -> Any:
    """At a tick: (a file task runs, any file action is enabled)."""
    actions = (window.open_action, window.save_action, window.save_as_action, window.export_action)
    return lambda: (window.file_tasks.running(), any(a.isEnabled() for a in actions))


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, tmp_path / "recovery" / "recovery.json")
    qtbot.addWidget(win)
    win.maybe_save = lambda: True  # type: ignore[method-assign]
    win.show()
    yield win
    qtbot.waitUntil(lambda: not win.file_tasks.running(), timeout=WAIT_MS)


@pytest.fixture(scope="module")
def big() -> Plan:
    return large_plan()


def sheets(path: Path) -> dict[str, list[list[Any]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def trigger_as_a_click(window: MainWindow, action: Any) -> None:
    """Trigger ``action`` from inside the running event loop, as a click on
    its menu item or button does (a save then waits in a nested loop, the GUI
    handling events), and return once the file task it started has ended."""
    loop = QEventLoop()

    def go() -> None:
        action.trigger()
        if window.file_tasks.running():
            window.file_tasks.ended.connect(loop.quit)
        else:
            loop.quit()

    QTimer.singleShot(0, go)
    QTimer.singleShot(WAIT_MS, loop.quit)  # never hang the suite
    loop.exec()


def choose_save(monkeypatch: pytest.MonkeyPatch, target: Path) -> None:
    monkeypatch.setattr("gui.main_window.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))


def test_background_work_reports_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    gui = QApplication.instance().thread()  # type: ignore[union-attr]
    seen: list[tuple[bool, bool]] = []
    failures: list[BaseException] = []

    def work() -> bool:
        return QThread.currentThread() is gui

    keep = run_in_background(
        work, lambda on_gui: seen.append((on_gui, QThread.currentThread() is gui)), failures.append
    )
    qtbot.waitUntil(lambda: bool(seen), timeout=WAIT_MS)
    assert seen == [(False, True)]  # worked off the GUI thread, reported on it

    def fail() -> tuple[bool, bool]:
        raise ZeroDivisionError("boom")

    keep2 = run_in_background(fail, seen.append, failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=WAIT_MS)
    assert isinstance(failures[0], ZeroDivisionError) and keep.is_done() and keep2.is_done()


def test_export_of_the_large_plan_keeps_the_window_responsive(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, big: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.document.reset(big, None)
    qtbot.wait(300)  # the window shows the large plan (drawn on the GUI thread) before the export starts
    target = tmp_path / "budget request.xlsx"
    choose_save(monkeypatch, target)
    ticks = Ticks(file_actions_probe(window))
    ticks.start()
    assert window.export_action.isEnabled()
    window.export_action.trigger()
    qtbot.waitUntil(lambda: not window.file_tasks.running(), timeout=WAIT_MS)
    gap = ticks.stop()
    print(f"export of the large plan: the GUI thread was blocked {gap * 1000:.0f} ms at most")
    assert target.exists()
    running = ticks.while_running()
    assert len(running) >= 5 and not any(running)  # the timer ticked while it ran; file actions were disabled
    assert gap < 0.5
    assert window.export_action.isEnabled() and window.save_action.isEnabled()
    assert "Budget request written to" in window.statusBar().currentMessage()

    plan_file = tmp_path / "large.json"
    save_plan(big, plan_file)
    cli_out = tmp_path / "cli.xlsx"
    assert run(build_parser().parse_args(["export", str(plan_file), "--out", str(cli_out)]), io.StringIO()) == 0
    assert sheets(target) == sheets(cli_out)


@pytest.mark.parametrize("suffix", [".xlsx", ".json"])
def test_save_and_open_of_the_large_plan_keep_the_window_responsive(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, big: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    window.document.reset(big, None)
    window.document.edit("stages[0].rate", 0.61)
    edited = window.document.plan
    qtbot.wait(300)  # drawn before the save starts
    target = tmp_path / f"large{suffix}"
    choose_save(monkeypatch, target)
    ticks = Ticks(file_actions_probe(window))
    ticks.start()
    trigger_as_a_click(window, window.save_as_action)
    gap = ticks.stop()
    print(f"save of the large plan as {suffix}: the GUI thread was blocked {gap * 1000:.0f} ms at most")
    ticked = 3 if suffix == ".xlsx" else 0  # a JSON file is written in 10-30 ms: perhaps no tick
    assert len(ticks.while_running()) >= ticked and not any(ticks.while_running())
    assert not window.isWindowModified() and window.document.path == target
    assert load_plan(target)[0] == edited

    window.new_action.trigger()
    assert window.document.plan != edited
    monkeypatch.setattr("gui.main_window.QFileDialog.getOpenFileName", lambda *a, **k: (str(target), ""))
    ticks.start()
    trigger_as_a_click(window, window.open_action)
    gap = ticks.stop()
    print(f"open of the large plan from {suffix}: the GUI thread was blocked {gap * 1000:.0f} ms at most")
    assert len(ticks.while_running()) >= min(ticked, 1) and not any(ticks.while_running())
    assert window.document.plan == edited and window.document.path == target
    assert window.open_action.isEnabled() and window.save_action.isEnabled()


def test_typing_during_a_save_stays_unsaved(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, big: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.document.reset(big, None)
    target = tmp_path / "large.xlsx"
    choose_save(monkeypatch, target)
    QTimer.singleShot(20, lambda: window.document.edit("stages[0].rate", 0.62))
    trigger_as_a_click(window, window.save_as_action)
    assert window.document.plan.stages[0].rate == 0.62
    assert load_plan(target)[0] == big  # the snapshot taken when Save was chosen
    assert window.isWindowModified()  # the edit made meanwhile is not in the file


def test_closing_during_a_save_waits_for_a_complete_file(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, big: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.document.reset(big, None)
    window.document.edit("channels[0].cost_per_lead", 77.0)
    edited = window.document.plan
    target = tmp_path / "large.xlsx"
    choose_save(monkeypatch, target)
    visible: list[bool] = []

    def close_now() -> None:
        window.close()  # the person closes the window while the file is written
        visible.append(window.isVisible())

    QTimer.singleShot(20, close_now)
    trigger_as_a_click(window, window.save_as_action)
    assert visible == [True]  # not closed while writing
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)  # closed once written
    assert load_plan(target)[0] == edited


def test_export_onto_a_plan_file_is_refused_and_another_file_is_kept(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "plan.xlsx"
    save_plan(window.document.plan, own)
    assert window.open_file(own, ask=False)
    other = tmp_path / "other plan.xlsx"
    save_plan(window.document.plan, other)
    shown: list[str] = []
    monkeypatch.setattr("gui.main_window.QMessageBox.warning", lambda _p, _t, text: shown.append(text))
    for target in (own, other):
        before = target.read_bytes()
        choose_save(monkeypatch, target)
        window.export_action.trigger()
        assert not window.file_tasks.running()
        assert target.read_bytes() == before
    assert "plan being exported" in shown[0] and "plan.xlsx" in shown[0]
    assert "never replaces a plan" in shown[1] and "other plan.xlsx" in shown[1]
    assert all("nothing was written" in text for text in shown)

    notes = tmp_path / "notes.xlsx"
    notes.write_bytes(b"an old workbook")
    choose_save(monkeypatch, notes)
    window.export_action.trigger()
    qtbot.waitUntil(lambda: not window.file_tasks.running(), timeout=WAIT_MS)
    assert (tmp_path / "notes.xlsx.bak").read_bytes() == b"an old workbook"
    assert "Summary" in CalamineWorkbook.from_path(str(notes)).sheet_names
    assert "kept as notes.xlsx.bak" in window.statusBar().currentMessage()


def test_a_failed_export_says_why_in_words(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(plan: Plan, path: Path) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("core.reports.budget_request.write_budget_request", refuse)
    shown: list[str] = []
    monkeypatch.setattr("gui.main_window.QMessageBox.critical", lambda _p, _t, text: shown.append(text))
    choose_save(monkeypatch, tmp_path / "request.xlsx")
    window.export_action.trigger()
    qtbot.waitUntil(lambda: bool(shown), timeout=WAIT_MS)
    assert shown == ["The budget request could not be written: Permission denied"]
    qtbot.waitUntil(lambda: window.export_action.isEnabled(), timeout=WAIT_MS)


def test_read_again_keeps_the_mapping_files_decimal_mark_and_date_order(  # type: ignore[no-untyped-def]
    qtbot, example_plan: Plan, tmp_path: Path
) -> None:
    rows = ["MONTH,Webinars Leads,Marketing Qualified Leads,Revenue,Webinars spend"]
    rows += [f'{2024 + t // 12}-{t % 12 + 1:02d},{1000 + t},{300 + t},{400000 + t},"12,{500 + t}"' for t in range(24)]
    source = tmp_path / "summary.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"decimal": ",", "date_order": "day-first"}), encoding="utf-8")
    wizard = ImportWizard(example_plan, None, source)
    qtbot.addWidget(wizard)
    wizard.file_page.mapping.setText(str(mapping))
    wizard.show()
    QTest.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    page = wizard.columns_page
    qtbot.waitUntil(lambda: not page.busy.running(), timeout=WAIT_MS)
    reread = next(b for b in page.findChildren(QPushButton) if b.text() == "Read again")
    assert reread.isEnabled()
    QTest.mouseClick(reread, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.busy.running() and wizard.scan is not None, timeout=WAIT_MS)
    assert wizard.mapping is not None
    assert (wizard.mapping.decimal, wizard.mapping.date_order) == (",", "day-first")
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert next_button.isEnabled()
    QTest.mouseClick(next_button, Qt.MouseButton.LeftButton)
    figures = wizard.figures_page
    qtbot.waitUntil(lambda: not figures.busy.running() and wizard.calibration is not None, timeout=WAIT_MS)
    said = figures.problems.text()  # '12,500' spent is read as 12.5, as the mapping file says
    assert "decimal comma (as the file's settings suggest)" in said and "English convention" not in said
    wizard.reject()
