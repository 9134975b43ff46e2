"""Print setup shared by the workbooks the planner writes (xlsxwriter).

A printed sheet must be readable on A4 and on US Letter alike: no
gridlines, the sheet's name and page numbers on every page, the header
rows and label columns repeated, landscape when the table is wide, and fit
to one page wide only while the text stays at least ``MIN_POINTS`` tall;
a wider table prints at that smallest scale over more pages instead of
being squeezed.

Column widths are in Excel's units (characters of the default font). The
estimate of their printed width is the widest seen: LibreOffice without
Calibri's metric twin prints a unit as 7 points (Excel: 5.25).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from xlsxwriter.worksheet import Worksheet

MIN_POINTS = 8.0  # smallest printed text
SIDE_MARGIN = 0.4  # inches
TOP_MARGIN = 0.6
HEADER_MARGIN = 0.3
# the printable area common to A4 (8.27 x 11.69 in) and Letter (8.5 x 11 in), in points
_SHORT = 8.27 * 72
_LONG = 11.0 * 72
PORTRAIT_WIDTH = _SHORT - 2 * SIDE_MARGIN * 72
LANDSCAPE_WIDTH = _LONG - 2 * SIDE_MARGIN * 72
PORTRAIT_HEIGHT = _LONG - 2 * TOP_MARGIN * 72
LANDSCAPE_HEIGHT = _SHORT - 2 * TOP_MARGIN * 72


def column_points(width: float) -> float:
    """Printed width in points of a column ``width`` characters wide (at most)."""
    return (width + 0.71) * 7.0


def table_points(widths: Sequence[float]) -> float:
    return sum(column_points(w) for w in widths)


def _header_text(text: str) -> str:
    """``text`` for a page header: ``&`` starts a code there, so it is doubled."""
    return text[:80].replace("&", "&&")


def month_breaks(label_points: float, month_points: float, months: int, tail_points: float, usable: float) -> list[int]:
    """Months after which a new page starts when ``months`` columns do not
    fit one page beside the label columns at the smallest scale: as many
    months per page as fit, split evenly (half-years for 12 months)."""
    room = usable - label_points
    per_page = max(1, int((room - tail_points) // month_points))
    if per_page >= months:
        return []
    pages = math.ceil(months / per_page)
    size = math.ceil(months / pages)
    return [size * p for p in range(1, pages)]


def print_setup(
    ws: Worksheet,
    widths: Sequence[float],
    *,
    font_size: float,
    header_rows: tuple[int, int] | None = None,
    label_columns: tuple[int, int] | None = None,
    landscape: bool | None = None,
    title: str = "",
    column_breaks: Sequence[int] = (),
) -> float:
    """Set up ``ws`` for printing; ``widths`` are its printed (visible)
    columns' widths (with ``column_breaks``, the widest page's), ``font_size``
    its smallest text. ``landscape`` None: portrait when the table fits the
    page's width there without shrinking below 90 %. ``column_breaks``:
    columns that start a new page (the scale is then set, not fitted).
    Returns the print scale (1.0 = 100 %)."""
    width = max(table_points(widths), 1.0)
    if landscape is None:
        landscape = PORTRAIT_WIDTH / width < 0.9
    usable = LANDSCAPE_WIDTH if landscape else PORTRAIT_WIDTH
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    smallest = math.ceil(MIN_POINTS / font_size * 100 + 1) / 100  # a margin above the limit
    scale = min(1.0, usable / width)
    if column_breaks:
        scale = max(smallest, math.floor(scale * 0.96 * 100) / 100)  # room for the estimate's error
        ws.set_print_scale(round(scale * 100))
        ws.set_v_pagebreaks(list(column_breaks))
    elif scale >= smallest:
        ws.fit_to_pages(1, 0)
    else:
        scale = smallest
        ws.set_print_scale(round(scale * 100))
    ws.set_margins(left=SIDE_MARGIN, right=SIDE_MARGIN, top=TOP_MARGIN, bottom=TOP_MARGIN)
    right = f"&R{_header_text(title)}" if title else ""
    ws.set_header(f"&L&A{right}", {"margin": HEADER_MARGIN})
    ws.set_footer("&CPage &P of &N", {"margin": HEADER_MARGIN})
    if header_rows is not None:
        ws.repeat_rows(*header_rows)
    if label_columns is not None:
        ws.repeat_columns(*label_columns)
    ws.hide_gridlines(2)
    return scale
