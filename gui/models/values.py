"""Turning what a person typed or pasted into a plan value, and back.

Rates and shares are shown and entered as percentages (``35`` or ``35%``
mean 0.35); money, days and hours as plain numbers. Thousands separators,
currency symbols and spaces are ignored, so figures pasted from Excel read.
"""

from __future__ import annotations

import math
import re
from enum import Enum
from typing import Any

from PySide6.QtCore import QLocale

from gui.formatting import count_text, money_text, number_text, percent_text, user_locale


class Kind(Enum):
    TEXT = "text"
    PERCENT = "percent"
    MONEY = "money"
    NUMBER = "number"
    WHOLE = "whole"
    COUNT = "count"
    FLAG = "flag"


class EntryError(Exception):
    """Text that cannot be the value of a cell; the message says what to enter."""


_JUNK = re.compile(r"[\s\u00a0\u202f$€£¥₹]|CHF|USD|EUR|GBP|CA\$|A\$")


def parse_number(text: str, locale: QLocale | None = None) -> float:
    """A number typed or pasted: ``1,234.5``, ``$1 200``, ``35%`` (-> 35), in
    the user's locale or plain C notation. Raises EntryError on anything else."""
    raw = text.strip()
    cleaned = _JUNK.sub("", raw).rstrip("%")
    if not cleaned:
        raise EntryError("Enter a number.")
    loc = locale or user_locale()
    value, ok = loc.toDouble(cleaned)
    if not ok:
        value, ok = QLocale.c().toDouble(cleaned.replace(",", ""))
    if not ok or not math.isfinite(value):
        raise EntryError(f"'{raw}' is not a number; enter a number.")
    return float(value)


def to_plan_value(kind: Kind, value: Any, optional: bool = False) -> Any:
    """The plan value for an edit (``value`` is what the editor or clipboard gave:
    text, a number, or a bool). Empty text in an ``optional`` cell means None."""
    if kind is Kind.TEXT:
        return str(value).strip()
    if kind is Kind.FLAG:
        if isinstance(value, str):
            return value.strip().casefold() in ("1", "true", "yes", "y", "x", "required", "✓")
        return bool(value)
    if isinstance(value, str):
        if optional and not value.strip():
            return None
        number = parse_number(value)
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EntryError("Enter a number.")
    else:
        number = float(value)
    if kind is Kind.PERCENT:
        return number / 100.0
    if kind is Kind.WHOLE:
        if not number.is_integer():
            raise EntryError(f"Points are whole numbers (negative allowed); {number:g} is not.")
        return int(number)
    return number


def edit_value(kind: Kind, value: Any) -> Any:
    """What the editor starts from (EditRole): plain numbers, percent units for rates."""
    if value is None:
        return ""
    if kind is Kind.PERCENT:
        return round(float(value) * 100.0, 10)
    if kind is Kind.WHOLE:
        return int(value)
    if kind in (Kind.MONEY, Kind.NUMBER, Kind.COUNT):
        return float(value)
    if kind is Kind.FLAG:
        return bool(value)
    return str(value)


def display_text(kind: Kind, value: Any, currency: str = "", empty: str = "") -> str:
    """How a cell reads (DisplayRole)."""
    if value is None:
        return empty
    if kind is Kind.PERCENT:
        return percent_text(float(value))
    if kind is Kind.MONEY:
        return money_text(float(value), currency)
    if kind is Kind.NUMBER:
        return number_text(float(value))
    if kind is Kind.WHOLE:
        return user_locale().toString(int(value))
    if kind is Kind.COUNT:
        return count_text(float(value))
    if kind is Kind.FLAG:
        return ""
    return str(value)


def clipboard_text(kind: Kind, value: Any) -> str:
    """A cell as copied to the clipboard (Excel reads it back as the same number)."""
    if value is None:
        return ""
    if kind is Kind.PERCENT:
        return f"{float(value) * 100:.10g}%"
    if kind is Kind.FLAG:
        return "TRUE" if value else "FALSE"
    if kind in (Kind.MONEY, Kind.NUMBER, Kind.COUNT):
        return f"{float(value):.15g}"
    return str(value)


_NUMBER = r"(-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|nan|-?inf)"
_RATE_RULE = re.compile(
    r"the (?P<what>rate|share(?: [a-z -]{1,60}?)?(?: \(decay\))?) must be "
    r"(?P<rule>more than 0 and at most 1|between 0 and 1)"
    r"(?: \(e\.g\. [0-9.]+ for [0-9.]+%\))?; it is (?P<value>" + _NUMBER + ")"
)
_GROWTH = re.compile(r"(a year) \(e\.g\. 0\.1 for 10%\); it is " + _NUMBER)
_MIX_SUM = re.compile(r"add up to " + _NUMBER + r"; they must add up to 1 \(100%\)")


def _percent(number: str) -> str:
    try:
        value = float(number)
    except ValueError:
        return number
    if not math.isfinite(value):
        return number
    return f"{round(value * 100.0, 6):g}%"


def in_percent(message: str) -> str:
    """A core message about a rate or share, which speaks in fractions (the
    plan's unit: "at most 1 ...; it is 1.5"), reworded in percent as the
    planner shows and takes rates ("at most 100%; it is 150%"). Other
    messages are returned as they are."""

    def rate(match: re.Match[str]) -> str:
        rule = "more than 0% and at most 100%" if match["rule"].startswith("more") else "between 0% and 100%"
        return f"the {match['what']} must be {rule}; it is {_percent(match['value'])}"

    message = _RATE_RULE.sub(rate, message)
    message = _GROWTH.sub(lambda m: f"{m.group(1)}; it is {_percent(m.group(2))}", message)
    return _MIX_SUM.sub(lambda m: f"add up to {_percent(m.group(1))}; they must add up to 100%", message)
