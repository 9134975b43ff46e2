"""Saving files without ever leaving a half-written one behind.

How :func:`atomic_write` saves ``NAME``:

1. temporaries of ``NAME`` left by a save that was killed (``.NAME.<16 hex>.tmp``
   and ``.NAME.bak.<16 hex>.tmp`` beside it) are removed when they are older
   than a minute (a younger one may belong to a save still running in another
   process);
2. the new content is written to a fresh temporary ``.NAME.<16 hex>.tmp``
   beside the target, fsynced, and given the target's permission bits (an
   existing file keeps its mode; a new file gets the mode the umask gives a
   new file, e.g. 0644, not the 0600 of :func:`tempfile.mkstemp`);
3. with ``backup`` and an existing target, the target is copied to a second
   temporary ``.NAME.bak.<16 hex>.tmp``, fsynced, and renamed over
   ``NAME.bak``;
4. the first temporary is renamed over the target and the folder is fsynced.

At every instant ``NAME`` is a complete file: the old one until the rename in
step 4, the new one after it. A failure at any step (a full disk, a killed
writer, a refused permission) removes the temporaries and leaves ``NAME`` and
``NAME.bak`` as they were: the new backup only replaces the old one once it is
complete, and if the final rename then fails the old backup is put back from
a hard link taken just before (where the file system allows hard links).
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import stat
import time
from collections.abc import Callable
from pathlib import Path

STALE_SECONDS = 60.0
"""Age after which a leftover temporary of a save is swept by the next save."""


def _temp_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(name)}\.(?:bak\.)?[0-9a-f]{{16}}\.tmp")


def _new_file(folder: Path, prefix: str) -> Path:
    """Create an empty file ``<prefix><16 hex>.tmp`` in ``folder`` (never an
    existing one) with the mode a new file gets under the umask."""
    for _ in range(100):
        candidate = folder / f"{prefix}{secrets.token_hex(8)}.tmp"
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return candidate
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(folder))


def sweep_stale_temporaries(path: Path, older_than: float = STALE_SECONDS) -> list[Path]:
    """Remove the temporaries of ``path`` left by killed saves (those older
    than ``older_than`` seconds); returns what was removed. Never raises."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    pattern = _temp_pattern(path.name)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and now - entry.stat(follow_symlinks=False).st_mtime > older_than:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make the renames durable (not possible on every platform: skipped there)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _os_error_behind(exc: BaseException) -> OSError | None:
    """The OSError a library wrapped in its own exception (xlsxwriter's
    FileCreateError on a full disk), so that callers see an OSError."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _replace_backup(path: Path, backup: Path, folder: Path, temps: list[Path]) -> Path | None:
    """Copy ``path`` to a temporary, then rename it over ``backup``; returns a
    hard link to the previous backup (to put back if the save then fails),
    None when there was none or the file system has no hard links."""
    copy = _new_file(folder, f".{path.name}.bak.")
    temps.append(copy)
    shutil.copyfile(path, copy)
    shutil.copystat(path, copy)
    _fsync_file(copy)
    previous: Path | None = None
    if backup.exists():
        previous = folder / f".{path.name}.bak.{secrets.token_hex(8)}.tmp"
        try:
            os.link(backup, previous)
            temps.append(previous)
        except OSError:
            previous = None
    os.replace(copy, backup)
    temps.remove(copy)
    return previous


def atomic_write(path: Path, write: Callable[[Path], object], backup: bool = False) -> None:
    """Write ``path`` by writing a temporary file beside it, then renaming
    it over ``path`` (see the module's description for every step).

    ``write`` receives the temporary path. With ``backup``, the previous
    version is kept as ``<name>.bak`` (replaced each save). Raises OSError
    when the file cannot be written (also when ``write`` raised a library
    error caused by one); ``path`` and its ``.bak`` are then unchanged.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    backup_path = path.with_name(path.name + ".bak")
    sweep_stale_temporaries(path)
    try:
        mode: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = None
    temps: list[Path] = []
    had_backup = backup_path.exists()
    backup_replaced = False
    previous: Path | None = None
    try:
        tmp = _new_file(folder, f".{path.name}.")
        temps.append(tmp)
        try:
            write(tmp)
        except Exception as exc:
            cause = _os_error_behind(exc)
            if cause is None or cause is exc:
                raise
            raise OSError(cause.errno, cause.strerror or str(cause), str(path)) from exc
        _fsync_file(tmp)
        if mode is not None:
            os.chmod(tmp, mode)
        if backup and mode is not None:
            previous = _replace_backup(path, backup_path, folder, temps)
            backup_replaced = True
        os.replace(tmp, path)
        temps.remove(tmp)
        _fsync_folder(folder)
    except BaseException:
        if backup_replaced:
            _restore_backup(backup_path, previous, had_backup, temps)
        for leftover in temps:
            leftover.unlink(missing_ok=True)
        raise
    for leftover in temps:
        leftover.unlink(missing_ok=True)


def _restore_backup(backup: Path, previous: Path | None, had_backup: bool, temps: list[Path]) -> None:
    """The save failed after the backup was replaced: put the old one back."""
    try:
        if previous is not None:
            os.replace(previous, backup)
            temps.remove(previous)
        elif not had_backup:
            backup.unlink(missing_ok=True)
    except OSError:
        pass


def atomic_write_text(path: Path, text: str) -> None:
    """Write text (UTF-8) atomically."""
    atomic_write(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))
