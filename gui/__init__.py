"""The desktop planner's Qt layer: thin views and adapters over ``core``.

Importing any part of it first applies :func:`keep_singletons_alive`.
"""

from __future__ import annotations

import ctypes
import sys

_RESERVE = 1 << 40


def keep_singletons_alive() -> None:
    """Work around a reference-count bug of PySide6 6.12 on CPython 3.11.

    Every call of a void Qt method drops one reference to ``None`` (and every
    ``Signal.emit()`` one to ``True``/``False``); after a few thousand calls
    CPython frees ``None`` and aborts with "Fatal Python error: none_dealloc".
    From Python 3.12 these objects are immortal and nothing is needed; before,
    they get a reserve of references large enough for any session (they are
    never freed anyway). Idempotent: tops up only while below the reserve.
    """
    if sys.version_info >= (3, 12) or hasattr(sys, "gettotalrefcount"):
        return
    for obj in (None, True, False, Ellipsis, NotImplemented):
        refcount = ctypes.c_ssize_t.from_address(id(obj))
        if refcount.value < _RESERVE:
            refcount.value += _RESERVE


keep_singletons_alive()
