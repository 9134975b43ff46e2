"""Dates written as text with numbers only: one day/month order per column.

``03/04/2026`` is the 3rd of April in most of Europe and March 4th in the
US; read cell by cell, a column of day-first dates comes out partly
month-first (the 13th and later are read day-first, the rest month-first),
and lags between stages come out wrong without a word. So
:func:`decide_order` looks at every ``a/b/year`` text of a column (``/``,
``.`` or ``-`` between the numbers, a time after it allowed) and decides
for the whole column:

* some first number over 12 (``25/03/2026``): day-first;
* some second number over 12 (``03/25/2026``): month-first;
* both: a conflict; the caller refuses the column, naming both examples;
* neither, and some value whose two numbers differ: ambiguous; the
  ``hint`` (a mapping file's ``"date_order"``, or the CSV's semicolon
  delimiter) or month-first is used and the decision says it was a guess,
  so the caller warns naming the column and the assumption.

:func:`parse_dates` then reads every such text by that order. Year-first
texts (``2026/03/25``) and dates with month names are left to the caller.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?:[ T]\S.*)?\s*$")
_PIVOT = 70  # two-digit years: 00-69 are 2000-2069, 70-99 are 1970-1999
_UNIX_DAY0 = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
class DateOrder:
    """The order for a column: ``day_first``; ``guessed`` when no value
    decided it and some value reads differently each way; ``conflict``
    two examples (day-first, month-first) when values disagree;
    ``evidence`` the value that decided; ``ambiguous_example`` a value
    that reads differently each way."""

    day_first: bool
    guessed: bool = False
    conflict: tuple[str, str] | tuple[()] = ()
    evidence: str = ""
    ambiguous_example: str = ""

    @property
    def name(self) -> str:
        return "day-first" if self.day_first else "month-first"


def decide_order(texts: list[str] | npt.NDArray[np.object_], hint: bool | None = None) -> DateOrder:
    """The day/month order of a column of date texts (see the module docstring)."""
    day_first = month_first = ambiguous = ""
    for text in texts:
        match = NUMERIC_DATE.match(str(text))
        if match is None:
            continue
        a, b = int(match.group(1)), int(match.group(2))
        if a > 12 and b <= 12 and not day_first:
            day_first = str(text).strip()
        elif b > 12 and a <= 12 and not month_first:
            month_first = str(text).strip()
        elif a <= 12 and b <= 12 and a != b and not ambiguous:
            ambiguous = str(text).strip()
        if day_first and month_first:
            return DateOrder(True, conflict=(day_first, month_first))
    if day_first:
        return DateOrder(True, evidence=day_first)
    if month_first:
        return DateOrder(False, evidence=month_first)
    return DateOrder(bool(hint), guessed=bool(ambiguous), ambiguous_example=ambiguous)


def parse_dates(texts: pd.Series, order: DateOrder) -> npt.NDArray[np.float64]:
    """Days since 1970-01-01 of every ``a/b/year`` text read in ``order``
    (NaN for other texts and for impossible dates such as 31/02/2026)."""
    out = np.full(len(texts), np.nan)
    if texts.empty:
        return out
    parts = texts.astype(str).str.extract(NUMERIC_DATE)
    found = parts[0].notna().to_numpy(dtype=bool)
    if not found.any():
        return out
    first = parts[0][found].astype(np.int64).to_numpy()
    second = parts[1][found].astype(np.int64).to_numpy()
    year = parts[2][found].astype(np.int64).to_numpy()
    year = np.where(year < 100, np.where(year < _PIVOT, 2000 + year, 1900 + year), year)
    day, month = (first, second) if order.day_first else (second, first)
    stamps = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce")
    days = stamps.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    out[found] = np.where(np.isnat(days), np.nan, (days - _UNIX_DAY0).astype(np.float64))
    return out


def format_date(day: dt.date, day_first: bool, sep: str = "/", two_digit_year: bool = False) -> str:
    """``day`` written the way a locale writes it (for tests and messages)."""
    year = f"{day.year % 100:02d}" if two_digit_year else f"{day.year:04d}"
    a, b = (day.day, day.month) if day_first else (day.month, day.day)
    return f"{a:02d}{sep}{b:02d}{sep}{year}"


__all__ = ["NUMERIC_DATE", "DateOrder", "decide_order", "format_date", "parse_dates"]
