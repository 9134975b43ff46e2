"""The results side of the planner: dashboard, charts, "Why this number?"
and the scenario comparison.

Importing this package applies :func:`keep_singletons_alive` (see there).
"""

from __future__ import annotations

import ctypes
import sys

_BALLAST = 1 << 40


def keep_singletons_alive() -> None:
    """Work around PySide6 6.12 on Python 3.11 dropping a reference to
    ``None`` on every call of a void Qt method (and to ``True``/``False`` on
    every ``Signal.emit``): after a few thousand calls Python aborts with
    "Fatal Python error: none_dealloc". From Python 3.12 these objects are
    immortal and the bug is harmless; on 3.11 give them a reference count so
    large that it never reaches zero. Idempotent (tops up once)."""
    if sys.version_info >= (3, 12):
        return
    for obj in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(obj))
        if refcount.value < _BALLAST:
            refcount.value += _BALLAST


keep_singletons_alive()
