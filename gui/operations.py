"""Long work off the GUI thread (an import of 100,000 rows), as an operation
object: the work runs in a thread pool and gets ``progress`` and ``cancelled``
callables; success, failure and progress arrive on the GUI thread as signals,
so callbacks may touch widgets.

    op = Operation(lambda progress, cancelled: calibrate(scan, plan, progress, cancelled))
    op.succeeded.connect(show_figures)
    op.failed.connect(show_error)
    op.start()
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

Progress = Callable[[float, str], None]
Cancelled = Callable[[], bool]
Work = Callable[[Progress, Cancelled], Any]


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
        """Block until the work ends (tests and shutdown only)."""
        return self._done.wait(timeout)

    def _progress(self, fraction: float, text: str = "") -> None:
        self.progressed.emit(float(fraction), text)

    def _run(self) -> None:
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
