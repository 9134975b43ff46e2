"""Saving files without ever leaving a half-written one behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: Path, write: Callable[[Path], object], backup: bool = False) -> None:
    """Write ``path`` by writing a temporary file beside it, then replacing.

    ``write`` receives the temporary path. On any failure the temporary file
    is removed and the original is untouched. With ``backup``, the previous
    version is kept as ``<name>.bak`` (replaced each save).
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        if backup and path.exists():
            # a copy, not a move: the original stays in place until the replace
            shutil.copy2(path, path.with_name(path.name + ".bak"))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write text (UTF-8) atomically."""
    atomic_write(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))
