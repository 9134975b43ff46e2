"""The bounds a spreadsheet from outside may expand to, and the refusal the
safety check stops with when one is exceeded."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SpreadsheetLimits:
    """Bounds on what a spreadsheet may expand to (defaults suit a laptop)."""

    max_file_bytes: int = 100 * 1024 * 1024
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 10 * 1024 * 1024
    max_cells: int = 5_000_000
    max_text_chars: int = 100_000_000
    max_members: int = 10_000


DEFAULT_LIMITS = SpreadsheetLimits()


class Refuse(Exception):
    """Internal: stop checking with this message."""


CHUNK = 1 << 20  # bytes read or decompressed at a time
SMALL_PART = 1 << 20  # XML parts up to this (declared) size are parsed exactly: cheap
