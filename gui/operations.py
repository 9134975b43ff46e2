"""Long work off the GUI thread (an import of 100,000 rows), as an operation
object: the work runs in a thread pool and gets ``progress`` and ``cancelled``
callables; success, failure and progress arrive on the GUI thread as signals,
so callbacks may touch widgets.

    op = Operation(lambda progress, cancelled: calibrate(scan, plan, progress, cancelled))
    op.succeeded.connect(show_figures)
    op.failed.connect(show_error)
    op.start()

File work of the window (open, save, export) goes through :class:`FileTasks`:
one at a time, the window's file actions disabled meanwhile, a busy bar in
the status bar, and the result handed to a callback on the GUI thread::

    tasks.run(f"Saving {path.name}…", lambda: save_document(data, path), saved, save_failed)
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QRunnable, Qt, QThread, QThreadPool, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QLabel, QProgressBar, QStatusBar

Progress = Callable[[float, str], None]
Cancelled = Callable[[], bool]
Work = Callable[[Progress, Cancelled], Any]
T = TypeVar("T")


class _Runner(QRunnable):
    def __init__(self, operation: Operation) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._operation = operation

    def run(self) -> None:
        self._operation._run()


class Operation(QObject):
    """One piece of background work with progress and Cancel."""

    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, work: Work, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work = work
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._reported = threading.Event()  # every signal of the end has been emitted
        self.error_details = ""

    def start(self, pool: QThreadPool | None = None) -> None:
        (pool or QThreadPool.globalInstance()).start(_Runner(self))

    def cancel(self) -> None:
        """Ask the work to stop; it raises at its next check, then ``failed`` fires."""
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def is_done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the work has ended and its end been reported (its
        signals emitted; queued ones are delivered by the GUI's next events)."""
        return self._reported.wait(timeout)

    def _progress(self, fraction: float, text: str = "") -> None:
        self.progressed.emit(float(fraction), text)

    def _run(self) -> None:
        try:
            self._report()
        finally:
            self._reported.set()

    def _report(self) -> None:
        try:
            value = self._work(self._progress, self.cancelled)
        except BaseException as exc:  # delivered to the GUI thread, never lost
            self.error_details = traceback.format_exc()
            self._done.set()
            self.failed.emit(exc)
        else:
            self._done.set()
            self.succeeded.emit(value)
        self.finished.emit()


def run_in_background(
    work: Callable[[], T],
    on_done: Callable[[T], None],
    on_failed: Callable[[BaseException], None],
    parent: QObject | None = None,
    on_finished: Callable[[], None] | None = None,
) -> Operation:
    """Run ``work`` in the thread pool; ``on_done(result)`` or
    ``on_failed(error)`` is then called on the GUI thread, then
    ``on_finished()``. Keep the returned operation until its ``finished``
    has been delivered. Every callback is connected before the work starts:
    a signal emitted by quick work before a connection exists is lost."""
    operation = Operation(lambda _progress, _cancelled: work(), parent)
    operation.succeeded.connect(on_done)
    operation.failed.connect(on_failed)
    if on_finished is not None:
        operation.finished.connect(on_finished)
    operation.start()
    return operation


def wait_responsively(operation: Operation) -> None:
    """Return once ``operation`` has ended and its callbacks have run, the GUI
    handling its events meanwhile (it repaints, timers fire; as a modal
    dialog's ``exec`` does)."""
    loop = QEventLoop()
    operation.finished.connect(loop.quit)  # connected before looking: its end cannot slip past
    if not operation.is_done() and QThread.currentThread().loopLevel() > 0:
        loop.exec()  # before the application's loop runs (start-up) nothing is shown: it just waits
    operation.wait()  # the loop may also end because the application quits: the work still ends first
    QCoreApplication.sendPostedEvents()  # its results, if the loop did not deliver them


class FileTasks(QObject):
    """The window's file work (open, save, export), one at a time, off the GUI
    thread: ``actions`` are disabled while it runs (two saves never race), the
    status bar shows what is being done with a busy bar, and the cursor says
    the planner is busy. ``ended`` fires once a task's callbacks have run."""

    ended = Signal()

    def __init__(self, status_bar: QStatusBar, actions: Sequence[QAction], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._actions = list(actions)
        self._enabled: list[bool] = []
        self._status = status_bar
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy: no fraction to show
        self.bar.setMaximumWidth(160)
        self.bar.setMaximumHeight(14)
        status_bar.addPermanentWidget(self.label)
        status_bar.addPermanentWidget(self.bar)
        self.label.hide()
        self.bar.hide()
        self.current: Operation | None = None

    def running(self) -> bool:
        return self.current is not None

    def run(
        self,
        text: str,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_failed: Callable[[BaseException], None],
        wait: bool = False,
    ) -> bool:
        """Start ``work`` (False: another file task is still running, nothing
        started); ``wait``: return only once it has ended, the GUI responsive."""
        if self.current is not None:
            return False
        if wait and QThread.currentThread().loopLevel() == 0:
            # no event loop runs yet (start-up, a script): nothing is on screen
            # to keep responsive, so the work is done here, in order
            try:
                result = work()
            except Exception as exc:  # reported as any failed task is
                on_failed(exc)
            else:
                on_done(result)
            return True
        self._enabled = [action.isEnabled() for action in self._actions]
        for action in self._actions:
            action.setEnabled(False)
        self.label.setText(text)
        self.label.show()
        self.bar.show()
        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        started: list[Operation] = []
        # the end is connected before the work starts: a quick read's signal cannot slip past
        operation = run_in_background(work, on_done, on_failed, on_finished=lambda: self._finished(started[0]))
        started.append(operation)
        self.current = operation
        if wait:
            wait_responsively(operation)
        return True

    def wait(self) -> None:
        """Return once the running task (if any) has ended and its callbacks have run."""
        if self.current is not None:
            wait_responsively(self.current)

    def _finished(self, operation: Operation) -> None:
        if operation is not self.current:
            return
        self.current = None
        QApplication.restoreOverrideCursor()
        if not shiboken6.isValid(self):
            return  # the window went away meanwhile
        for action, enabled in zip(self._actions, self._enabled, strict=True):
            if shiboken6.isValid(action):  # not when the window went away meanwhile
                action.setEnabled(enabled)
        self.label.hide()
        self.bar.hide()
        self.ended.emit()
