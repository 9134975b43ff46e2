"""A planner started the way ``python main.py PLAN`` starts it (:func:`gui.app.run`),
driven like a person by steps on its command line, for tests/test_recovery.py
to kill (SIGKILL) or let close.

    python tests/recovery_child.py PLAN [--recover yes|no] STEP...

Steps: ``target=VALUE`` types VALUE into the first month's revenue target
(through the Targets table, as its cell editor does); ``autosaved`` waits
until a file under the data folder ($XDG_DATA_HOME) holds the last value
typed (fails after 10 s); ``save`` clicks File > Save; ``report`` prints the
first month's target, whether the window is modified, and the questions and
messages shown; ``close`` closes the window (discarding unsaved changes when
asked); ``ready`` prints READY and keeps the planner running until it is
killed. Questions are answered without a dialog: "Recover ...?" with
``--recover``, "Save the changes ...?" with Discard.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

import gui  # noqa: E402,F401 - the PySide6 workaround, before any Qt call
from gui.app import run  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402

AUTOSAVE_WAIT_S = 10.0
questions: list[str] = []
messages: list[str] = []


def say(text: str) -> None:
    print(text, flush=True)


def answering(recover: bool):  # type: ignore[no-untyped-def]
    def question(_parent, _title, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        questions.append(text)
        if text.startswith("Save the changes"):
            return QMessageBox.StandardButton.Discard
        return QMessageBox.StandardButton.Yes if recover else QMessageBox.StandardButton.No

    return question


def record_messages() -> None:
    shown = MainWindow.show_message

    def show_message(self: MainWindow, text: str) -> None:
        messages.append(text)
        shown(self, text)

    MainWindow.show_message = show_message  # type: ignore[method-assign]


def the_window() -> MainWindow:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow):
            return widget
    raise RuntimeError("no planner window")


def pause(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def type_target(window: MainWindow, text: str) -> None:
    window.show_page("Targets")
    model = window.targets.model
    column = next(c for c in range(model.columnCount()) if model.cell(0, c).path == "revenue_target[0]")
    if not model.setData(model.index(0, column), text, Qt.ItemDataRole.EditRole):
        raise RuntimeError(f"the target {text} was refused")


def wait_autosaved(text: str) -> None:
    """Until some file in the data folder holds the value: whatever the app calls its autosave."""
    data = Path(os.environ["XDG_DATA_HOME"])
    end = time.monotonic() + AUTOSAVE_WAIT_S
    while time.monotonic() < end:
        for file in data.rglob("*.json"):
            try:
                if text in file.read_text(encoding="utf-8"):
                    say(f"AUTOSAVED after {AUTOSAVE_WAIT_S - (end - time.monotonic()):.1f} s")
                    return
            except OSError:
                pass
        pause(0.1)
    raise RuntimeError(f"nothing was autosaved within {AUTOSAVE_WAIT_S:.0f} s of typing {text}")


def report(window: MainWindow) -> None:
    say(f"VALUE {window.document.plan.revenue_target[0]!r}")
    say(f"MODIFIED {window.document.is_modified()}")
    for text in questions:
        say(f"ASKED {text}")
    for text in messages:
        say(f"MESSAGE {text}")


def do_steps(steps: list[str]) -> None:
    pause(0.5)  # the window shows and the start-up offer runs first
    window = the_window()
    typed = ""
    for step in steps:
        if step.startswith("target="):
            typed = step.split("=", 1)[1]
            type_target(window, typed)
        elif step == "autosaved":
            wait_autosaved(typed)
        elif step == "save":
            window.save_action.trigger()
        elif step == "report":
            report(window)
        elif step == "close":
            window.close()
            say("CLOSED")
        elif step == "ready":
            say("READY")
        else:
            raise RuntimeError(f"unknown step {step}")


def main(argv: list[str]) -> int:
    plan, rest = argv[0], argv[1:]
    recover = True
    if rest[:1] == ["--recover"]:
        recover, rest = rest[1] == "yes", rest[2:]
    app = QApplication(sys.argv[:1])
    QMessageBox.question = answering(recover)  # type: ignore[method-assign]
    record_messages()

    def steps() -> None:
        try:
            do_steps(rest)
        except Exception as exc:  # the test reads it and fails
            say(f"FAILED {type(exc).__name__}: {exc}")
            app.exit(3)

    QTimer.singleShot(0, steps)
    return run([plan])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
