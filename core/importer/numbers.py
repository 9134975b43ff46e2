"""Numbers written as text: one separator rule per column.

A spreadsheet exported in one locale and read in another holds amounts as
text: ``12.345,67`` (German), ``12 345,67`` (French, often with a
non-breaking space), ``1,234.50`` (English), ``1'234.50`` (Swiss). Reading
each cell on its own gets some of them wrong (``12.345,67`` read as 12.35),
so :func:`decide_separators` looks at every text value of a column first
and decides the decimal mark for the whole column; :func:`parse_numbers`
then reads every value by that rule.

Evidence, per value (after removing currency signs and spaces):

* both ``.`` and ``,``: the last one is the decimal mark;
* one mark used twice or more (``1.234.567``): it groups thousands, so the
  other one is the decimal mark;
* one mark once, followed by 1, 2 or 4+ digits (``12,5``, ``3.25``), or
  after a lone ``0`` (``0.125``): it is the decimal mark;
* a space or apostrophe between digit groups says nothing about the mark.

A value like ``1.234`` or ``1,234`` (one mark, three digits after it) is
ambiguous on its own. When nothing in the column decides, the ``hint``
(a mapping file's ``"decimal"``, or the CSV's semicolon delimiter) or the
English reading (``.`` decimal, ``,`` thousands) is used, and the decision
says it was a guess so the caller can warn naming the column. Values that
point both ways make the decision a conflict: the caller refuses the
column, naming it and an example of each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

Decimal = Literal[".", ","]

# currency signs and codes, every kind of space (incl. no-break and thin spaces), apostrophes used to group
_NOISE = re.compile(r"[\s\u00a0\u2007\u202f'’$€£¥₹]|USD|EUR|GBP|CHF|JPY|CAD|AUD|SEK|NOK|DKK|PLN", re.IGNORECASE)
_SHAPE = re.compile(r"^[+-]?(?:\d[\d.,]*)$")


@dataclass(frozen=True)
class Separators:
    """The rule for a column: ``decimal`` mark and whether it was ``guessed``
    (no value decided it). ``conflict`` holds two example values that point
    to different marks (empty when none); ``evidence`` an example that
    decided the mark."""

    decimal: Decimal
    guessed: bool = False
    conflict: tuple[str, str] | tuple[()] = ()
    evidence: str = ""
    ambiguous_example: str = ""

    @property
    def thousands(self) -> str:
        return "," if self.decimal == "." else "."


def clean(text: str) -> tuple[str, bool]:
    """``text`` without currency signs, codes and grouping spaces, and
    whether it was written negative in accounting style ``(1,234.00)``."""
    value = text.strip()
    negative = value.startswith("(") and value.endswith(")")
    if negative:
        value = value[1:-1]
    return _NOISE.sub("", value), negative


def value_evidence(cleaned: str) -> Decimal | None:
    """The decimal mark one cleaned value shows, or None when it shows none
    (no mark, or one mark once before exactly three digits)."""
    body = cleaned.lstrip("+-")
    if not _SHAPE.match(body):
        return None
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        return "." if body.rfind(".") > body.rfind(",") else ","
    if dots + commas == 0:
        return None
    mark: Decimal = "." if dots else ","
    other: Decimal = "," if dots else "."
    if dots > 1 or commas > 1:
        return other
    whole, _, fraction = body.partition(mark)
    if len(fraction) != 3 or whole in ("", "0"):
        return mark
    return None


def decide_separators(texts: list[str] | npt.NDArray[np.object_], hint: Decimal | None = None) -> Separators:
    """The decimal mark for a column of number texts (see the module
    docstring); ``hint`` is used when no value decides."""
    found: dict[Decimal, str] = {}
    ambiguous = ""
    for text in texts:
        cleaned, _ = clean(str(text))
        mark = value_evidence(cleaned)
        if mark is not None:
            found.setdefault(mark, str(text).strip())
            if len(found) == 2:
                break
        elif not ambiguous and ("." in cleaned or "," in cleaned):
            ambiguous = str(text).strip()
    if len(found) == 2:
        return Separators(".", conflict=(found["."], found[","]))
    for decided, example in found.items():
        return Separators(decided, evidence=example)
    return Separators(hint or ".", guessed=bool(ambiguous), ambiguous_example=ambiguous)


def parse_numbers(texts: pd.Series, rule: Separators) -> npt.NDArray[np.float64]:
    """Every text read by the column's rule (NaN where it is not a number)."""
    if texts.empty:
        return np.zeros(0, dtype=np.float64)
    strings = texts.astype(str).str.strip()
    negative = strings.str.startswith("(") & strings.str.endswith(")")
    strings = strings.where(~negative, strings.str.slice(1, -1))
    cleaned = strings.str.replace(_NOISE, "", regex=True)
    cleaned = cleaned.str.replace(rule.thousands, "", regex=False)
    if rule.decimal == ",":
        cleaned = cleaned.str.replace(",", ".", regex=False)
    values = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=np.float64)
    values = np.where(negative.to_numpy(dtype=bool), -values, values)
    return np.asarray(values, dtype=np.float64)


def format_number(value: float, decimal: Decimal, group: str, decimals: int = 2) -> str:
    """``value`` written the way a locale writes it (``group`` between
    thousands: ``,`` ``.`` ``' '`` ``'\\u00a0'`` or ``''``); for tests and
    messages."""
    text = f"{abs(value):,.{decimals}f}"  # 1,234.50
    whole, _, fraction = text.partition(".")
    whole = whole.replace(",", group)
    sign = "-" if value < 0 else ""
    return f"{sign}{whole}{decimal}{fraction}" if decimals else f"{sign}{whole}"


__all__ = ["Decimal", "Separators", "clean", "decide_separators", "format_number", "parse_numbers", "value_evidence"]
