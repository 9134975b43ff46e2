"""The real main window, driven as a person would: edit in place, undo, paste,
be refused, save and reopen, switch scenarios, be asked before losing work,
recover after a crash."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QPushButton, QWidget

from core.formats.documents import load_plan
from core.model.plan import Plan
from gui.crash import CrashHandler
from gui.main_window import MainWindow
from gui.models.tables import StagesModel
from gui.operations import Operation
from gui.widgets.sheet import SheetView

pytestmark = pytest.mark.gui


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, tmp_path: Path, settings: QSettings):  # type: ignore[no-untyped-def]
    win = MainWindow(settings, tmp_path / "recovery" / "recovery.json")
    win.show()
    qtbot.waitExposed(win)
    yield win
    close_quietly(win)


def close_quietly(win: MainWindow) -> None:
    """Close without the unsaved-changes prompt (pytest-qt would close it with one)."""
    QApplication.processEvents()
    win.maybe_save = lambda: True  # type: ignore[method-assign]
    win.close()
    win.deleteLater()


def type_into(qtbot, view: SheetView, row: int, column: int, text: str) -> None:  # type: ignore[no-untyped-def]
    """Select a cell, open its editor, type, press Enter."""
    index = view.model().index(row, column)
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.findChild(QLineEdit)
    assert editor is not None and editor.isVisible()
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()  # the delegate commits on a queued call


def needed_text(window: MainWindow, row: int) -> str:
    model = window.funnel.model
    return model.data(model.index(row, StagesModel.NEEDED), Qt.ItemDataRole.DisplayRole)


def test_first_start_shows_the_example_plan(window: MainWindow) -> None:
    assert window.document.plan.name.startswith("FY2027 Northwind")
    assert window.windowTitle() == "FY2027 Northwind Analytics (example)[*] — Funnel Planner"
    assert not window.isWindowModified()
    screen = window.available_geometry()
    assert window.width() >= min(960, screen.width() - 16)  # as wide as it can, within the screen
    assert window.document.result is not None


def test_editing_a_rate_updates_the_required_leads_undo_and_redo(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.show_page("Funnel")
    before_needed = needed_text(window, 0)
    before_kpi = window.kpis.leads.value.text()
    type_into(qtbot, window.funnel.table, 0, StagesModel.RATE, "20")
    assert window.document.plan.stages[0].rate == pytest.approx(0.20)
    assert needed_text(window, 0) != before_needed
    assert window.kpis.leads.value.text() != before_kpi
    assert window.isWindowModified()
    window.undo_action.trigger()
    assert window.document.plan.stages[0].rate == pytest.approx(0.35)
    assert needed_text(window, 0) == before_needed
    assert window.kpis.leads.value.text() == before_kpi
    assert not window.isWindowModified()
    window.redo_action.trigger()
    assert window.document.plan.stages[0].rate == pytest.approx(0.20)


def test_invalid_rate_is_refused_in_place_with_the_message(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.show_page("Funnel")
    plan = window.document.plan
    type_into(qtbot, window.funnel.table, 1, StagesModel.RATE, "150")
    assert window.document.plan == plan
    assert window.document.undo_stack.count() == 0
    message = "the rate must be more than 0% and at most 100%; it is 150%"
    assert message in window.statusBar().currentMessage()
    index = window.funnel.model.index(1, StagesModel.RATE)
    assert message in window.funnel.model.data(index, Qt.ItemDataRole.ToolTipRole)


def test_invalid_deal_size_is_refused_in_the_form(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    field = window.targets.deal
    plan = window.document.plan
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "-5")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert window.document.plan == plan
    assert field.error.isVisibleTo(window) and "more than 0" in field.error.text()


def test_paste_a_block_from_excel_as_one_undo_step(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.show_page("Targets")
    view = window.targets.table
    old = window.document.plan.revenue_target
    QApplication.clipboard().setText("1,000,000\t0\r\n1,100,000\t0\r\n1,200,000\t0\r\n")
    view.setCurrentIndex(view.model().index(2, 0))
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    plan = window.document.plan
    assert plan.revenue_target[2:5] == (1_000_000, 1_100_000, 1_200_000)
    assert plan.pipeline_revenue[2:5] == (0, 0, 0)
    assert window.document.undo_stack.count() == 1
    window.undo_action.trigger()
    assert window.document.plan.revenue_target == old


def test_copy_a_block_to_the_clipboard(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.show_page("Funnel")
    view = window.funnel.table
    model = view.model()
    selection = view.selectionModel()
    view.setCurrentIndex(model.index(0, 0))
    selection.select(model.index(1, 1), selection.SelectionFlag.Select)
    selection.select(model.index(0, 1), selection.SelectionFlag.Select)
    selection.select(model.index(1, 0), selection.SelectionFlag.Select)
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == "Inquiry\t35%\nMQL\t40%\n"


@pytest.mark.parametrize("suffix", [".json", ".xlsx"])
def test_save_and_reopen_gives_the_identical_plan(
    qtbot,
    window: MainWindow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    suffix: str,  # type: ignore[no-untyped-def]
) -> None:
    window.document.edit("stages[0].rate", 0.3)
    window.document.edit("channels[1].cost_per_lead", 133.5)
    target = tmp_path / f"my plan{suffix}"
    monkeypatch.setattr("gui.main_window.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    window.save_as_action.trigger()
    assert target.exists()
    assert not window.isWindowModified()
    assert window.windowTitle() == f"{window.document.plan.name} · my plan{suffix}[*] — Funnel Planner"
    saved: Plan = window.document.plan
    reopened, problems = load_plan(target)
    assert reopened == saved, problems
    window.document.edit("stages[0].rate", 0.25)
    assert window.isWindowModified()
    window.document.undo_stack.setClean()
    assert window.open_file(target)
    assert window.document.plan == saved
    assert window.recent_files()[0] == str(target.resolve())


def test_a_failed_save_is_shown_and_loses_nothing(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.document.edit("stages[0].rate", 0.3)
    shown: list[str] = []
    monkeypatch.setattr("gui.main_window.QMessageBox.critical", lambda _p, _t, text: shown.append(text))

    def refuse(data: object, path: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("gui.main_window.save_document", refuse)
    assert not window._save_to(tmp_path / "plan.json")
    assert "disk full" in shown[0]
    assert window.isWindowModified()
    assert window.document.plan.stages[0].rate == 0.3


def test_unsaved_changes_prompt(qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    window.document.edit("stages[0].rate", 0.3)
    answers = [QMessageBox.StandardButton.Cancel]
    asked: list[str] = []

    def question(_parent, _title, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr("gui.main_window.QMessageBox.question", question)
    window.close()
    assert window.isVisible()  # cancelled: nothing closed, nothing lost
    assert "Save the changes to Untitled?" in asked[0]
    answers.append(QMessageBox.StandardButton.Discard)
    window.new_plan()
    assert window.document.plan.name == "New plan"
    assert not window.isWindowModified()
    assert len(asked) == 2


def test_switch_scenarios_keeps_each_plan(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("gui.views.scenarios.QInputDialog.getText", lambda *a, **k: ("Cut trade shows", True))
    baseline = window.document.plan
    window.show_page("Scenarios")
    window.scenarios.copy.click()
    assert [s.name for s in window.document.scenarios] == ["Baseline", "Cut trade shows"]
    assert window.scenario_box.currentText() == "Cut trade shows"
    window.document.edit("channels[2].cost_per_lead", 500.0)
    assert window.document.plan.channels[2].cost_per_lead == 500.0
    window.scenario_box.setCurrentIndex(0)
    window.scenario_box.activated.emit(0)
    assert window.document.active_scenario.name == "Baseline"
    assert window.document.plan == baseline
    assert "Baseline" in window.kpis.parent().window().windowTitle()
    rows = window.scenarios.compared()
    assert [name for name, _, _ in rows] == ["Baseline", "Cut trade shows"]
    assert rows[1][2].spend_total.sum() > rows[0][2].spend_total.sum()
    window.undo_action.trigger()  # undoing the edit goes back to the scenario it was made in
    assert window.document.active_scenario.name == "Cut trade shows"
    assert window.document.plan.channels[2].cost_per_lead == 340


def test_structural_edits_on_the_funnel_page(window: MainWindow) -> None:
    page = window.funnel
    page.table.setCurrentIndex(page.model.index(1, 0))
    page.add_stage()
    assert len(window.document.plan.stages) == 7
    assert window.document.plan.stages[1].name == "New stage"
    page.table.setCurrentIndex(page.model.index(1, 0))
    page.move_stage(1)
    assert window.document.plan.stages[2].name == "New stage"
    page.remove_stage()
    assert [s.name for s in window.document.plan.stages][:3] == ["Inquiry", "MQL", "SQL"]
    assert window.document.result is not None


def test_autosave_writes_a_recovery_file_offered_at_next_start(
    qtbot,
    window: MainWindow,
    tmp_path: Path,
    settings: QSettings,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    assert not window.write_recovery()  # nothing unsaved: nothing written
    window.document.edit("stages[0].rate", 0.3)
    window.document.add_scenario("Stricter spec")
    window.document.edit("lead_spec.threshold", 70.0)
    assert window.write_recovery()
    recovery = window.recovery_file
    assert recovery.exists()
    edited = window.document.plan

    monkeypatch.setattr("gui.main_window.QMessageBox.question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    second = MainWindow(settings, window.recovery.folder)
    assert not second.offer_recovery()  # the first window still runs: its work is not offered
    window.recovery.lock.unlock()  # as if the first window had crashed (tests/test_recovery.py kills one)
    assert second.offer_recovery()
    assert second.document.plan == edited
    assert [s.name for s in second.document.scenarios] == ["Baseline", "Stricter spec"]
    assert second.document.is_modified()
    close_quietly(second)


def test_closing_normally_removes_the_recovery_file(window: MainWindow) -> None:
    window.document.edit("stages[0].rate", 0.3)
    window.write_recovery()
    window.document.undo_stack.setClean()
    window.close()
    assert not window.recovery_file.exists()


def test_window_state_and_recent_files_persist(qtbot, window: MainWindow, settings: QSettings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window.resize(760, 620)  # fits the offscreen test screen (800x800): kept as it is
    QApplication.processEvents()
    size = window.size()
    window.show_page("Capacity")
    window.close()
    assert settings.value("geometry") is not None
    again = MainWindow(settings, tmp_path / "r.json")
    again.show()
    qtbot.waitExposed(again)
    assert again.size().height() == size.height() == 620  # restored, not the default size
    assert again.sidebar.currentRow() == MainWindow.PAGES.index("Capacity")
    close_quietly(again)


def test_unexpected_error_shows_a_dialog_with_details(window: MainWindow) -> None:
    window.document.edit("stages[0].rate", 0.3)
    boxes: list[QMessageBox] = []
    handler = CrashHandler(lambda: window, window.write_recovery, show=boxes.append)
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError:
        handler.handle(*sys.exc_info())  # type: ignore[arg-type]
    assert "ZeroDivisionError: boom" in boxes[0].text()
    assert "Traceback" in boxes[0].detailedText()
    assert "recovery file" in boxes[0].informativeText()
    assert window.recovery_file.exists()


def test_operations_report_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    seen: list[float] = []

    def work(progress, cancelled):  # type: ignore[no-untyped-def]
        for i in range(3):
            progress(i / 3, "working")
        return 42

    op = Operation(work)
    op.progressed.connect(lambda f, _t: seen.append(f))
    with qtbot.waitSignal(op.succeeded, timeout=5000) as blocker:
        op.start()
    assert blocker.args == [42]
    qtbot.waitUntil(lambda: len(seen) == 3)

    def slow(progress, cancelled):  # type: ignore[no-untyped-def]
        while not cancelled():
            pass
        raise RuntimeError("cancelled")

    op2 = Operation(slow)
    with qtbot.waitSignal(op2.failed, timeout=5000) as failed:
        op2.start()
        op2.cancel()
    assert isinstance(failed.args[0], RuntimeError)


def test_every_page_opens(window: MainWindow) -> None:
    for name in MainWindow.PAGES:
        window.show_page(name)
        QApplication.processEvents()
        assert window.stack.currentWidget() is window.pages[MainWindow.PAGES.index(name)]


def test_main_py_opens_the_app_and_a_plan_file(qtbot, tmp_path: Path, settings: QSettings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import gui.app
    import main
    from core.formats.documents import save_plan
    from gui.app import create_window

    opened: list[list[str]] = []
    monkeypatch.setattr(gui.app, "run", lambda argv, started=None: opened.append(argv) or 0)
    assert main.main([]) == 0 and main.main(["plan.xlsx"]) == 0
    assert opened == [[], ["plan.xlsx"]]
    with pytest.raises(SystemExit):
        main.main(["--help"])  # the command line's help, not the window
    assert len(opened) == 2
    plan, _ = load_plan(Path(__file__).resolve().parent.parent / "resources" / "example_plan.json")
    assert plan is not None
    path = tmp_path / "given.json"
    save_plan(plan.with_changes(name="Given on the command line"), path)
    win = create_window(settings, tmp_path / "recovery.json", path)
    assert win.document.plan.name == "Given on the command line"
    assert win.windowTitle().startswith("Given on the command line · given.json[*]")
    close_quietly(win)


def test_dropping_a_plan_file_opens_it(window: MainWindow, tmp_path: Path) -> None:
    from core.formats.documents import save_plan

    path = tmp_path / "dropped.json"
    save_plan(window.document.plan.with_changes(name="Dropped"), path)
    window.open_dropped(path)
    assert window.document.plan.name == "Dropped"
    assert window.document.path == path


def test_cold_start_shows_the_window_and_exits(tmp_path: Path) -> None:
    import os
    import subprocess

    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "c"), XDG_DATA_HOME=str(tmp_path / "d"))
    env["QT_QPA_PLATFORM"] = "offscreen"
    proc = subprocess.run(
        [sys.executable, str(root / "main.py"), "--exit-after-show"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("shown ")


def page_button(page: QWidget, text: str) -> QPushButton:
    """The button labelled ``text`` on a page, checked to be there, shown and enabled."""
    found = [b for b in page.findChildren(QPushButton) if b.text() == text]
    assert len(found) == 1, f"no single '{text}' button"
    assert found[0].isVisible() and found[0].isEnabled(), f"'{text}' cannot be clicked"
    return found[0]


def test_renaming_a_stage_in_the_table_moves_the_lead_spec_and_undo_restores_both(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.show_page("Funnel")
    type_into(qtbot, window.funnel.table, 2, StagesModel.NAME, "Sales qualified")
    plan = window.document.plan
    assert plan.stages[2].name == "Sales qualified"
    assert plan.lead_spec is not None and plan.lead_spec.gate == "Sales qualified"
    assert plan.proposed_lead_spec is not None and plan.proposed_lead_spec.gate == "Sales qualified"
    assert window.lead_spec.gate.currentText() == "Sales qualified"
    assert window.document.result is not None
    assert window.document.undo_stack.count() == 1  # the name and its references: one step
    qtbot.keyClick(window.funnel.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    plan = window.document.plan
    assert plan.stages[2].name == "SQL"
    assert plan.lead_spec is not None and plan.lead_spec.gate == "SQL"
    assert plan.proposed_lead_spec is not None and plan.proposed_lead_spec.gate == "SQL"
    assert window.lead_spec.gate.currentText() == "SQL"
    assert not window.isWindowModified()


def test_funnel_buttons_add_move_and_refuse_removing_the_spec_stage(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.show_page("Funnel")
    page, before = window.funnel, window.document.plan
    leads_before = sum(float(x.sum()) for x in window.document.result.channel_leads)
    page.table.setCurrentIndex(page.model.index(4, 0))
    QTest.mouseClick(page_button(page, "Add stage"), Qt.MouseButton.LeftButton)
    names = [s.name for s in window.document.plan.stages]
    assert names == ["Inquiry", "MQL", "SQL", "Opportunity", "New stage", "Proposal", "Won"]
    assert "passes every item on" in window.statusBar().currentMessage()
    leads_after = sum(float(x.sum()) for x in window.document.result.channel_leads)
    assert leads_after == pytest.approx(leads_before)  # a new stage changes nothing until given a rate
    QTest.mouseClick(page_button(page, "Move up"), Qt.MouseButton.LeftButton)
    assert [s.name for s in window.document.plan.stages][3:5] == ["New stage", "Opportunity"]
    page.table.setCurrentIndex(page.model.index(2, 0))
    edited = window.document.plan
    QTest.mouseClick(page_button(page, "Remove stage"), Qt.MouseButton.LeftButton)
    assert window.document.plan == edited
    assert "The lead spec sits on 'SQL'" in window.statusBar().currentMessage()
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert window.document.plan == before


def test_removing_a_channel_keeps_the_mix_whole_and_the_mix_can_be_made_100(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.show_page("Channels & budget")
    page = window.channels
    page.channel_table.setCurrentIndex(page.channels.index(2, 0))  # Trade shows, 15%
    QTest.mouseClick(page_button(page, "Remove channel"), Qt.MouseButton.LeftButton)
    plan = window.document.plan
    assert [c.name for c in plan.channels] == ["Webinars", "Paid search", "Content syndication", "LinkedIn ads"]
    assert sum(c.mix for c in plan.channels) == pytest.approx(1.0)
    assert plan.channels[0].mix / plan.channels[1].mix == pytest.approx(0.25 / 0.30)
    assert window.document.result is not None
    assert not page.balance.isVisible()
    type_into(qtbot, page.channel_table, 0, 1, "0")
    assert window.document.result is None  # the mix no longer adds up
    share_before = [c.mix for c in window.document.plan.channels]
    QTest.mouseClick(page_button(page, "Make it 100%"), Qt.MouseButton.LeftButton)
    mixes = [c.mix for c in window.document.plan.channels]
    assert sum(mixes) == pytest.approx(1.0)
    assert mixes[1] / mixes[2] == pytest.approx(share_before[1] / share_before[2])
    assert window.document.result is not None
    assert not page.balance.isVisible()
    window.undo_action.trigger()
    assert [c.mix for c in window.document.plan.channels] == share_before
