"""Crash recovery as a person meets it: planners started like ``python main.py
b.xlsx`` in child processes, edited through the Targets table, killed with
SIGKILL; the next start offers (or rightly does not offer) the lost work.
Then the same rules in one process, and the recovery files themselves."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from core.formats.documents import PlanDocumentData, save_document
from core.formats.recovery import (
    TEMPORARY_PREFIX,
    FileStamp,
    instance_of,
    make_recovery,
    new_instance_id,
    read_recovery,
    recovery_files,
    remove_stale_temporaries,
    saved_since,
    write_recovery,
)
from core.model.plan import Plan
from gui.main_window import MainWindow
from gui.recovery import AUTOSAVE_DELAY_MS
from tests.gui_actions import main_window

ROOT = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).resolve().parent / "recovery_child.py"
START_TIMEOUT_S = 60.0


# ----- planners in child processes ------------------------------------------------------------------
@dataclass
class Planner:
    """A running child planner and what it has printed so far."""

    process: subprocess.Popen[str]
    errors: Path
    lines: list[str] = field(default_factory=list)
    output: queue.Queue[str | None] = field(default_factory=queue.Queue)

    def __post_init__(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.put(line.rstrip("\n"))
        self.output.put(None)

    def wait_for(self, word: str, timeout: float = START_TIMEOUT_S) -> list[str]:
        """Read its output until a line starts with ``word`` (fails on FAILED, exit or timeout)."""
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            try:
                line = self.output.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
            assert not line.startswith("FAILED"), self.printed()
            if line.startswith(word):
                return self.lines
        raise AssertionError(f"no {word} from the planner; it printed:\n{self.printed()}")

    def printed(self) -> str:
        return "\n".join(self.lines) + "\n" + self.errors.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """A crash: SIGKILL, no chance to clean up."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def finish(self) -> list[str]:
        """Wait for it to exit by itself; all it printed."""
        self.process.wait(timeout=START_TIMEOUT_S)
        while (line := self.output.get(timeout=START_TIMEOUT_S)) is not None:
            self.lines.append(line)
        assert self.process.returncode == 0, self.printed()
        return self.lines


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A fresh user: home, settings and data folders in tmp."""
    for name in ("home", "config", "data"):
        (tmp_path / name).mkdir()
    return tmp_path


@pytest.fixture
def plan_file(home: Path, example_plan: Plan) -> Path:
    """b.xlsx whose first month's revenue target is 60,000."""
    path = home / "home" / "b.xlsx"
    targets = (60000.0, *example_plan.revenue_target[1:])
    save_document(PlanDocumentData.single(example_plan.with_changes(revenue_target=targets)), path)
    return path


def start(home: Path, plan: Path, *steps: str, recover: str = "yes") -> Planner:
    env = dict(
        os.environ,
        HOME=str(home / "home"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        QT_QPA_PLATFORM="offscreen",
    )
    errors = home / f"stderr-{time.monotonic_ns()}.txt"
    with errors.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, str(CHILD), str(plan), "--recover", recover, *steps],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    return Planner(process, errors)


def run_to_end(home: Path, plan: Path, *steps: str, recover: str = "yes") -> list[str]:
    """A planner that starts, does the steps, reports and closes normally."""
    return start(home, plan, *steps, "report", "close", recover=recover).finish()


def value(lines: list[str]) -> float:
    return float(next(line.split(" ", 1)[1] for line in lines if line.startswith("VALUE ")))


def asked(lines: list[str]) -> list[str]:
    return [line[len("ASKED ") :] for line in lines if line.startswith("ASKED The planner did not close properly")]


def leftovers(home: Path) -> list[Path]:
    return sorted(p for p in (home / "data").rglob("*.json"))


@pytest.mark.gui
@pytest.mark.slow
def test_after_a_crash_the_autosaved_edit_is_offered_and_recovered(home: Path, plan_file: Path) -> None:
    crashed = start(home, plan_file, "target=61234.5", "autosaved", "ready")
    printed = crashed.wait_for("READY")
    crashed.kill()
    seconds = float(next(line.split()[2] for line in printed if line.startswith("AUTOSAVED")))
    assert seconds <= AUTOSAVE_DELAY_MS / 1000 + 2.0  # kept a moment after the edit, not a minute later

    lines = run_to_end(home, plan_file)
    assert len(asked(lines)) == 1 and "b.xlsx" in asked(lines)[0], lines
    assert value(lines) == 61234.5  # the edit, not the 60,000 in the file
    assert "MODIFIED True" in lines  # still to be saved
    assert leftovers(home) == []  # closing normally (discarding) leaves nothing to offer again


@pytest.mark.gui
@pytest.mark.slow
def test_saved_work_is_not_offered_after_a_crash(home: Path, plan_file: Path) -> None:
    crashed = start(home, plan_file, "target=61234.5", "autosaved", "target=62000", "save", "ready")
    crashed.wait_for("READY")
    crashed.kill()
    assert leftovers(home) == []  # Save removed the recovery file

    lines = run_to_end(home, plan_file)
    assert asked(lines) == []
    assert value(lines) == 62000.0
    assert "MODIFIED False" in lines


@pytest.mark.gui
@pytest.mark.slow
def test_a_second_planner_closing_normally_keeps_the_first_ones_recovery(home: Path, plan_file: Path) -> None:
    first = start(home, plan_file, "target=61234.5", "autosaved", "ready")
    first.wait_for("READY")
    second = start(home, plan_file, "target=63000", "autosaved", "close")
    assert asked(second.finish()) == []  # the first planner runs: its work is not offered to the second
    first.kill()

    lines = run_to_end(home, plan_file)
    assert len(asked(lines)) == 1, lines
    assert value(lines) == 61234.5


@pytest.mark.gui
@pytest.mark.slow
def test_two_crashed_planners_each_keep_their_own_work(home: Path, plan_file: Path) -> None:
    first = start(home, plan_file, "target=61234.5", "autosaved", "ready")
    first.wait_for("READY")
    second = start(home, plan_file, "target=63000", "autosaved", "ready")
    second.wait_for("READY")
    first.kill()
    second.kill()
    assert len(leftovers(home)) == 2

    newest = run_to_end(home, plan_file)  # the most recent first; the other waits for the next start
    assert len(asked(newest)) == 1 and value(newest) == 63000.0
    older = run_to_end(home, plan_file)
    assert len(asked(older)) == 1 and value(older) == 61234.5
    assert asked(run_to_end(home, plan_file)) == []


@pytest.mark.gui
@pytest.mark.slow
def test_a_recovery_older_than_the_file_on_disk_is_not_offered(home: Path, plan_file: Path, example_plan: Plan) -> None:
    crashed = start(home, plan_file, "target=61234.5", "autosaved", "ready")
    crashed.wait_for("READY")
    crashed.kill()
    time.sleep(0.05)
    targets = (62000.0, *example_plan.revenue_target[1:])  # saved since, e.g. by a colleague's planner
    save_document(PlanDocumentData.single(example_plan.with_changes(revenue_target=targets)), plan_file)

    lines = run_to_end(home, plan_file)
    assert asked(lines) == []
    assert value(lines) == 62000.0
    assert "MESSAGE Recovery discarded: b.xlsx was saved after these changes." in lines
    assert leftovers(home) == []


@pytest.mark.gui
@pytest.mark.slow
def test_declined_recovery_is_gone(home: Path, plan_file: Path) -> None:
    crashed = start(home, plan_file, "target=61234.5", "autosaved", "ready")
    crashed.wait_for("READY")
    crashed.kill()

    lines = run_to_end(home, plan_file, recover="no")
    assert len(asked(lines)) == 1 and value(lines) == 60000.0
    assert asked(run_to_end(home, plan_file)) == []


# ----- one process: the window's recovery file -------------------------------------------------------
@pytest.fixture
def window(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    yield from main_window(qtbot, tmp_path, recovery=tmp_path / "recovery")


@pytest.mark.gui
def test_autosave_waits_for_a_pause_in_typing(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.document.edit("revenue_target[0]", 61000.0)
    assert not window.recovery_file.exists()  # not on every keystroke
    qtbot.wait(AUTOSAVE_DELAY_MS // 2)
    window.document.edit("revenue_target[1]", 61000.0)  # typing goes on: the wait starts again
    qtbot.wait(AUTOSAVE_DELAY_MS * 3 // 4)
    assert not window.recovery_file.exists()
    qtbot.waitUntil(window.recovery_file.exists, timeout=AUTOSAVE_DELAY_MS * 2)
    recovered = read_recovery(window.recovery_file)
    assert recovered is not None and recovered.scenarios[0][1] == window.document.plan


@pytest.mark.gui
def test_typing_that_never_pauses_is_still_kept(qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("gui.recovery.AUTOSAVE_MAX_WAIT_S", 1.0)
    for month in range(8):  # an edit every quarter of the autosave delay, for twice the longest wait
        window.document.edit(f"revenue_target[{month}]", 61000.0 + month)
        qtbot.wait(AUTOSAVE_DELAY_MS // 4)
        if window.recovery_file.exists():
            break
    assert window.recovery_file.exists() and month < 7


@pytest.mark.gui
def test_undo_back_to_the_saved_plan_removes_the_recovery_file(window: MainWindow) -> None:
    window.document.edit("revenue_target[0]", 61000.0)
    assert window.write_recovery() and window.recovery_file.exists()
    window.undo_button.trigger()
    assert not window.recovery_file.exists()
    assert not window.write_recovery()  # nothing unsaved: nothing written


@pytest.mark.gui
def test_save_as_removes_the_recovery_of_the_untitled_plan(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.new_action.trigger()
    window.document.edit("revenue_target[0]", 61000.0)
    assert window.write_recovery()
    untitled = window.recovery_file
    assert untitled.exists()
    target = tmp_path / "named.json"
    monkeypatch.setattr("gui.main_window.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    window.save_as_action.trigger()
    assert target.exists() and not untitled.exists()
    assert recovery_files(window.recovery.folder) == []


@pytest.mark.gui
def test_an_unreadable_recovery_is_dropped_without_a_question(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = window.recovery.folder / f"{new_instance_id(pid=999_999)}-untitled.json"
    broken.write_text("{not json", encoding="utf-8")
    questions: list[str] = []
    monkeypatch.setattr("gui.main_window.QMessageBox.question", lambda *a, **k: questions.append(a[2]))
    assert not window.offer_recovery()
    assert questions == [] and not broken.exists()


@pytest.mark.gui
def test_the_recovery_question_names_the_file_and_restores_every_scenario(
    window: MainWindow, tmp_path: Path, example_plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    stricter = example_plan.with_changes(name="Stricter")
    crashed = make_recovery(
        tmp_path / "b.xlsx", (("Baseline", example_plan), ("Stricter spec", stricter)), 1, None, "999999-0badc0de"
    )
    write_recovery(window.recovery.folder, crashed)
    questions: list[str] = []

    def question(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        questions.append(str(args[2]))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr("gui.main_window.QMessageBox.question", question)
    assert window.offer_recovery()
    assert "Recover your unsaved changes to b.xlsx" in questions[0]
    assert [s.name for s in window.document.scenarios] == ["Baseline", "Stricter spec"]
    assert window.document.active_scenario.name == "Stricter spec" and window.document.plan == stricter
    assert window.isWindowModified()
    assert window.recovery_file.exists()  # the recovered work is this window's to keep now
    assert [instance_of(f) for f in recovery_files(window.recovery.folder)] == [window.recovery.instance]


# ----- the recovery files ------------------------------------------------------------------------------
def test_a_recovery_reads_back_as_written(tmp_path: Path, example_plan: Plan) -> None:
    document = tmp_path / "b.xlsx"
    base = FileStamp(1_700_000_000_000_000_000, 1234)
    written = make_recovery(document, (("Baseline", example_plan),), 0, base, new_instance_id())
    file = write_recovery(tmp_path / "recovery", written)
    assert instance_of(file) == written.instance
    data = json.loads(file.read_text(encoding="utf-8"))
    assert data["pid"] == os.getpid() and data["document"] == str(document)
    assert read_recovery(file) == written
    assert [f.name for f in file.parent.iterdir()] == [file.name]  # no temporary left behind


def test_a_write_cut_short_by_a_crash_is_tidied_away_later(tmp_path: Path) -> None:
    old = tmp_path / f"{TEMPORARY_PREFIX}1-00000000-untitled.json.0badc0de.tmp"
    fresh = tmp_path / f"{TEMPORARY_PREFIX}2-00000000-untitled.json.0badc0de.tmp"
    for file in (old, fresh):
        file.write_text("{", encoding="utf-8")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    remove_stale_temporaries(tmp_path)
    assert not old.exists() and fresh.exists()  # the fresh one may be a running planner's write


def test_each_planner_and_document_has_its_own_file(tmp_path: Path, example_plan: Plan) -> None:
    scenarios = (("Baseline", example_plan),)
    one, two = new_instance_id(), new_instance_id()
    files = {
        write_recovery(tmp_path, make_recovery(doc, scenarios, 0, None, who))
        for who in (one, two)
        for doc in (tmp_path / "a.xlsx", tmp_path / "b.xlsx", None)
    }
    assert len(files) == 6


def test_a_recovery_is_older_than_a_file_saved_after_it(tmp_path: Path, example_plan: Plan) -> None:
    document = tmp_path / "b.json"
    save_document(PlanDocumentData.single(example_plan), document)
    recovery = make_recovery(document, (("Baseline", example_plan),), 0, FileStamp.of(document), "1-00000000")
    assert not saved_since(recovery)
    time.sleep(0.01)
    save_document(PlanDocumentData.single(example_plan.with_changes(name="Saved again")), document)
    assert saved_since(recovery)
    document.unlink()
    assert not saved_since(recovery)  # the file is gone: the recovery is all there is
    untitled = make_recovery(None, (("Baseline", example_plan),), 0, None, "1-00000000")
    assert not saved_since(untitled)


def test_writing_the_recovery_of_the_large_plan_is_quick(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.large_plan import large_plan

    plan = large_plan()
    scenarios = (("Baseline", plan), ("Proposed spec", plan.with_changes(name="Proposed")))
    times = []
    for _ in range(5):
        started = time.perf_counter()
        write_recovery(tmp_path, make_recovery(None, scenarios, 0, None, "1-00000000"))
        times.append(time.perf_counter() - started)
    assert sorted(times)[2] < 0.05  # a pause in typing, not a stall
