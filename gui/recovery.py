"""Autosave and crash recovery for one planner window.

Each running planner holds a lock file in the recovery folder for as long as
it runs (a :class:`QLockFile`: after a crash, even ``kill -9``, the lock is
stale because its process is gone). A couple of seconds after the last edit
the open document is written to this planner's own recovery file; the file
is removed when the document is saved, its changes are discarded or undone,
another document is opened, and when the window closes normally.

At start-up, :func:`offer_recoveries` offers the recovery files of planners
that are no longer running, the newest first, except those whose document
was saved after the changes (the file on disk is newer than the recovery).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QTimer

from core.formats.recovery import (
    FileStamp,
    Recovery,
    instance_of,
    lock_file_name,
    new_instance_id,
    read_recovery,
    recovery_file_name,
    recovery_files,
    remove_stale_temporaries,
    saved_since,
    write_recovery,
)
from gui.document import PlanDocument

AUTOSAVE_DELAY_MS = 2000
"""How long after the last edit the recovery file is written."""
AUTOSAVE_MAX_WAIT_S = 10.0
"""Edits that never pause that long are still written this often."""


def _lock(path: Path) -> QLockFile:
    lock = QLockFile(str(path))
    lock.setStaleLockTime(0)  # a running planner's lock never goes stale, however long it runs
    return lock


@dataclass
class Orphan:
    """A recovery file of a planner that is no longer running, claimed by
    holding that planner's lock until it is dealt with."""

    file: Path
    recovery: Recovery | None
    lock: QLockFile

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.file.unlink(missing_ok=True)
        self.release()

    def release(self) -> None:
        self.lock.unlock()


class RecoveryKeeper(QObject):
    """This planner's recovery file for the open document."""

    def __init__(
        self,
        document: PlanDocument,
        folder: Path,
        delay_ms: int = AUTOSAVE_DELAY_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.folder = Path(folder)
        self.instance = new_instance_id()
        self.base = FileStamp.of(document.path)
        self._written: Path | None = None
        self._waiting_since: float | None = None  # the first edit not yet written
        with contextlib.suppress(OSError):  # writing then fails quietly: the planner works, without recovery
            self.folder.mkdir(parents=True, exist_ok=True)
        self.lock = _lock(self.folder / lock_file_name(self.instance))
        self.lock.tryLock(0)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.delay_ms = delay_ms
        self.timer.timeout.connect(self.flush)
        document.undo_stack.indexChanged.connect(self._edited)
        document.scenariosChanged.connect(self._edited)
        document.pathChanged.connect(self._path_changed)
        document.modifiedChanged.connect(self._modified_changed)

    @property
    def file(self) -> Path:
        """Where this planner keeps the open document's unsaved changes."""
        return self.folder / recovery_file_name(self.instance, self.document.path)

    def _edited(self, *_args: object) -> None:
        now = time.monotonic()
        if self._waiting_since is None:
            self._waiting_since = now
        if now - self._waiting_since >= AUTOSAVE_MAX_WAIT_S:
            self.timer.start(0)  # long, unbroken typing: write at the next idle moment
        else:
            self.timer.start(self.delay_ms)  # restarted by every edit: written once the typing pauses

    def _path_changed(self) -> None:
        self.base = FileStamp.of(self.document.path)

    def _modified_changed(self, modified: bool) -> None:
        if modified:
            self._edited()
        else:
            self.remove()

    def flush(self) -> bool:
        """Write the recovery file when there are unsaved changes, else remove it."""
        if self.document.is_modified():
            return self.write()
        self.remove()
        return False

    def write(self) -> bool:
        """Write the unsaved changes now; False when there are none or writing failed."""
        self.timer.stop()
        self._waiting_since = None
        if not self.document.is_modified() or not self.lock.isLocked():
            return False  # without its lock another planner would take this file for a crashed one's
        try:
            written = write_recovery(self.folder, self.document.recovery(self.instance, self.base))
        except (OSError, ValueError):
            return False
        if self._written is not None and self._written != written:
            self._unlink(self._written)  # the document was saved under another name since
        self._written = written
        return True

    def remove(self) -> None:
        """No unsaved changes to keep: remove this planner's recovery file."""
        self.timer.stop()
        self._waiting_since = None
        if self._written is not None:
            self._unlink(self._written)
            self._written = None

    def close(self) -> None:
        """A clean exit: nothing to recover, and the lock is released."""
        self.remove()
        self.lock.unlock()

    @staticmethod
    def _unlink(file: Path) -> None:
        with contextlib.suppress(OSError):
            file.unlink(missing_ok=True)

    def orphans(self) -> Iterator[Orphan]:
        """The recovery files of planners no longer running, the newest first,
        each claimed (so no other planner starting now offers it too)."""
        for file in recovery_files(self.folder):
            owner = instance_of(file)
            if owner is None or owner == self.instance:
                continue
            lock = _lock(self.folder / lock_file_name(owner))
            if not lock.tryLock(0):
                continue  # that planner is still running, or another one is offering its work
            if not file.exists():
                lock.unlock()
                continue
            yield Orphan(file, read_recovery(file), lock)

    def tidy(self) -> None:
        """Remove the lock files of planners that are no longer running and
        what their cut-short writes left."""
        remove_stale_temporaries(self.folder)
        try:
            locks = [f for f in self.folder.glob("*.lock") if f.name != lock_file_name(self.instance)]
        except OSError:
            return
        for path in locks:
            lock = _lock(path)
            if lock.tryLock(0):
                lock.unlock()


def offer_recoveries(
    keeper: RecoveryKeeper,
    ask: Callable[[Recovery, str], bool],
    message: Callable[[str], None],
) -> Recovery | None:
    """Offer the work of crashed planners, the newest first, until one is
    accepted (restored into the keeper's document); the ones declined or
    saved since are removed, the rest are offered at the next start."""
    chosen: Recovery | None = None
    for orphan in keeper.orphans():
        found = orphan.recovery
        if chosen is not None:
            orphan.release()
            continue
        if found is None:
            orphan.discard()
            continue
        name = found.document.name if found.document is not None else "an unsaved plan"
        if saved_since(found):
            orphan.discard()
            message(f"Recovery discarded: {name} was saved after these changes.")
            continue
        if ask(found, name):
            keeper.document.restore(found)
            keeper.base = found.base
            keeper.write()  # the work is this planner's now
            chosen = found
        orphan.discard()
    keeper.tidy()
    return chosen
