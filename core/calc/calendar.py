"""The plan's calendar (funnel-math.md, "Calendar"): month labels and the
constant month of ``365.25 / 12`` days a lag in days is turned into months by.

The one home of both: the engine, "Why this number?", the workbooks and the
GUI read them from here."""

from __future__ import annotations

DAYS_PER_MONTH = 365.25 / 12
"""Days in the constant month a lag in days becomes months with."""

DAYS_PER_MONTH_FORMULA = "(365.25/12)"
"""The same constant as a spreadsheet formula term (workbooks recompute lags)."""


def month_label(start: str, offset: int) -> str:
    """``YYYY-MM`` of the month ``offset`` months from ``start`` (negative: before it)."""
    year, month = (int(part) for part in start.split("-"))
    y, m = divmod(month - 1 + offset, 12)
    return f"{year + y:04d}-{m + 1:02d}"


def month_labels(start: str, months: int, first: int = 0) -> tuple[str, ...]:
    """``YYYY-MM`` labels of ``months`` months from offset ``first`` (0: the plan's first month)."""
    year, month = (int(part) for part in start.split("-"))
    base = year * 12 + month - 1 + first
    return tuple(f"{(base + i) // 12:04d}-{(base + i) % 12 + 1:02d}" for i in range(months))


MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_month(label: str) -> str:
    """``2027-03`` -> ``Mar 27`` (English month names: the core's texts)."""
    year, month = label.split("-")
    return f"{MONTH_NAMES[int(month) - 1]} {year[-2:]}"
