"""Sizing the main window to the screen it opens on: never larger than the
screen's available area (the part not taken by task bars), and a saved
geometry only when it still fits (the screen may be smaller than last time)."""

from __future__ import annotations

from PySide6.QtCore import QMargins, QRect, QSize

#: the room a window manager's title bar and borders usually take, before
#: the window is shown and its real frame is known
TYPICAL_FRAME = QMargins(8, 36, 8, 8)


def fitted_window_rect(
    available: QRect, wanted: QSize, minimum: QSize | None = None, frame: QMargins = TYPICAL_FRAME
) -> QRect:
    """The window's client rectangle: ``wanted`` (at least ``minimum``),
    shrunk so that with its ``frame`` it lies within ``available``, centred there."""
    room = QSize(
        available.width() - frame.left() - frame.right(),
        available.height() - frame.top() - frame.bottom(),
    )
    size = wanted.expandedTo(minimum or QSize(0, 0)).boundedTo(room)
    left = available.left() + frame.left() + (room.width() - size.width()) // 2
    top = available.top() + frame.top() + (room.height() - size.height()) // 2
    return QRect(left, top, max(1, size.width()), max(1, size.height()))


def fits(available: QRect, frame_rect: QRect) -> bool:
    """True when a window whose frame is ``frame_rect`` lies within ``available``."""
    return available.contains(frame_rect)


def bounded_minimum(available: QRect, minimum: QSize, frame: QMargins = TYPICAL_FRAME) -> QSize:
    """``minimum``, made smaller where the screen's available area is smaller."""
    room = QSize(
        available.width() - frame.left() - frame.right(),
        available.height() - frame.top() - frame.bottom(),
    )
    return minimum.boundedTo(room)
