"""Print setup of the plan workbook's sheets (see :mod:`core.formats.xlsx.plan_write`).

Each sheet prints with its name in the page header, its table's header
row and label columns repeated, no gridlines, and no text under 8 points:
a table of months too wide for one page at that size prints half a year
(or as many months as fit) a page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xlsxwriter.worksheet import Worksheet

from core.formats.xlsx.printing import (
    LANDSCAPE_WIDTH,
    MIN_POINTS,
    column_points,
    month_breaks,
    print_setup,
    table_points,
)

FONT_SIZE = 11.0  # the workbook's default font


@dataclass(frozen=True)
class SheetPrint:
    """How a sheet prints: its label columns' widths, then ``months``
    columns of ``month_width`` starting at column ``len(labels)`` (plus
    ``tail`` columns after them), the header row to repeat."""

    labels: Sequence[float]
    header_row: int | None = None
    months: int = 0
    month_width: float = 0.0
    tail: int = 0
    repeat_labels: bool = True


def apply_print(ws: Worksheet, how: SheetPrint, title: str) -> None:
    """Set up ``ws`` to print as ``how`` says."""
    label_points = table_points(how.labels)
    month = column_points(how.month_width) if how.months else 0.0
    usable = LANDSCAPE_WIDTH * 0.99 * FONT_SIZE / MIN_POINTS
    breaks = month_breaks(label_points, month, how.months, month * how.tail, usable) if how.months else []
    per_page = breaks[0] if breaks else how.months
    first = len(how.labels)
    widths = [*how.labels, *([how.month_width] * (per_page + how.tail))]
    print_setup(
        ws,
        widths,
        font_size=FONT_SIZE,
        header_rows=None if how.header_row is None else (how.header_row, how.header_row),
        label_columns=(0, len(how.labels) - 1) if how.repeat_labels and how.labels else None,
        title=title,
        column_breaks=[first + t for t in breaks],
    )
