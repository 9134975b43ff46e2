"""The slower figures of the active scenario, worked out off the GUI thread:
its contingency plans and its odds (:func:`core.calc.outlook.complete`,
20-300 ms, not part of the recalculation that runs on every edit).

The document owns one :class:`Outlook` (``document.outlook``). After a
recalculation settles (``DELAY_MS`` after the last edit) it completes the
document's result in the thread pool, one run at a time; a run whose result
has been superseded by a newer edit meanwhile is dropped, and the newest
result is run next. The rest of the Results page never waits for it.

Signals (delivered on the GUI thread):

``outlook_started(PlanResult)``
    The document's result (the one :attr:`PlanDocument.result` holds) is
    being completed: show "computing…".
``outlook_ready(PlanResult)``
    The completed result of the document's current result: the same
    figures with ``contingency`` and ``uncertainty`` filled in (see
    :class:`core.calc.uncertainty.UncertaintyResult`). The Results page's
    odds card and the Contingency page read it.
``outlook_failed(str)``
    It could not be worked out; the message is in the user's words.

A consumer shown after the fact reads :meth:`Outlook.completed_for` (the
completed result of a given result, or None) and :meth:`Outlook.pending_for`
(its run is due or running).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from core.calc.outlook import complete
from core.calc.results import PlanResult
from core.model.plan import Plan
from gui.operations import Operation, run_in_background

if TYPE_CHECKING:
    from gui.document import PlanDocument

DELAY_MS = 300
"""Quiet time after the last edit before the draws start."""

Completer = Callable[[Plan, PlanResult], PlanResult]


class Outlook(QObject):
    """The document's result completed off the GUI thread (see module docstring)."""

    outlook_started = Signal(object)
    outlook_ready = Signal(object)
    outlook_failed = Signal(str)

    def __init__(self, document: PlanDocument, completer: Completer = complete, delay_ms: int = DELAY_MS) -> None:
        super().__init__(document)
        self._document = document
        self._complete = completer
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._start)
        self._due: PlanResult | None = None  # the result waiting for (or in) its run
        self._running: tuple[PlanResult, Operation] | None = None
        self._done: tuple[PlanResult, PlanResult] | None = None  # (result, its completion)
        self.error = ""
        document.resultChanged.connect(self.schedule)
        self.schedule()

    # ----- what consumers read -----------------------------------------------------
    def completed_for(self, result: PlanResult | None) -> PlanResult | None:
        """The completed figures of ``result`` (None: not worked out, or another result)."""
        done = self._done
        return done[1] if done is not None and result is not None and done[0] is result else None

    def pending_for(self, result: PlanResult | None) -> bool:
        """Whether ``result`` is waiting for its run or in it."""
        return result is not None and self._due is result

    def running(self) -> bool:
        """Whether a run is going on in the thread pool."""
        return self._running is not None

    # ----- scheduling ------------------------------------------------------------------
    def schedule(self) -> None:
        """The document's result changed: complete it once edits settle."""
        result = self._document.result
        if result is self._due or (self._done is not None and self._done[0] is result):
            return
        self._due = result
        self.error = ""
        if result is None:
            self._timer.stop()
            return
        self.outlook_started.emit(result)
        self._timer.start()

    def run_now(self) -> None:
        """Start the due run without waiting for the quiet time (tests, Print)."""
        if self._timer.isActive():
            self._timer.stop()
            self._start()

    def _start(self) -> None:
        result = self._due
        if result is None or self._running is not None:
            return  # a run is going on: the due result starts when it ends
        plan = self._document.plan
        complete_ = self._complete
        operation = run_in_background(
            lambda: complete_(plan, result),
            self._succeeded,
            self._failed,
            on_finished=self._finished,
        )
        self._running = (result, operation)

    def _succeeded(self, completed: object) -> None:
        if self._running is None or not isinstance(completed, PlanResult):
            return
        source = self._running[0]
        if source is not self._due:
            return  # a newer edit arrived meanwhile: stale
        self._done = (source, completed)
        self._due = None
        self.outlook_ready.emit(completed)

    def _failed(self, error: BaseException) -> None:
        if self._running is None or self._running[0] is not self._due:
            return
        self._due = None
        self.error = f"The odds and contingency plans could not be worked out: {error}"
        self.outlook_failed.emit(self.error)

    def _finished(self) -> None:
        self._running = None
        if self._due is not None and not self._timer.isActive():
            self._start()
