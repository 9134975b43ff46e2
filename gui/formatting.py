"""Numbers as a person reads them, in the user's locale (DisplayRole only;
models return plain numbers for EditRole)."""

from __future__ import annotations

import math

from PySide6.QtCore import QLocale

from core.calc.display import currency_symbol as currency_symbol  # the one table, core.calc.display
from core.calc.display import shown_count, shown_money


def user_locale() -> QLocale:
    """The user's locale; the bare "C" locale (no LANG set) reads as US English
    so that numbers still get thousands separators."""
    locale = QLocale()
    if locale.language() == QLocale.Language.C:
        return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    return locale


# Beyond a million billion a float no longer holds every whole number, and a
# figure that large is an error of input, not a plan: shown as 1.23E+20.
_LARGE = 1e15


def _special(value: float) -> str | None:
    """The text of a value that is not an ordinary number (never raises)."""
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return None


def _large(value: float, loc: QLocale) -> str:
    return loc.toString(value, "g", 3)


def count_text(value: float, locale: QLocale | None = None) -> str:
    """A count of leads/SQLs/deals rounded up, with grouping: ``1,235``."""
    loc = locale or user_locale()
    number = float(value)
    special = _special(number)
    if special is not None:
        return special
    if abs(number) >= _LARGE:
        return _large(number, loc)
    return loc.toString(shown_count(number))


def money_text(value: float, currency: str, locale: QLocale | None = None) -> str:
    """Money in whole units of the plan's currency: ``$1,234,567``."""
    loc = locale or user_locale()
    number = float(value)
    special = _special(number)
    if special is not None:
        return special
    if abs(number) >= _LARGE:
        text = currency_symbol(currency) + _large(abs(number), loc)
        return f"-{text}" if number < 0 else text
    amount = shown_money(number)
    # a plain minus, not the accounting "(5)" some locales use: gaps are signed figures
    text = loc.toCurrencyString(float(abs(amount)), currency_symbol(currency), 0)
    return f"-{text}" if amount < 0 else text


def percent_text(value: float, decimals: int = 1, locale: QLocale | None = None) -> str:
    """A rate as a percentage: ``0.319`` -> ``31.9%``."""
    loc = locale or user_locale()
    number = float(value) * 100.0
    special = _special(number)
    if special is not None:
        return special
    if abs(number) >= _LARGE:
        return _large(number, loc) + "%"
    return loc.toString(number, "f", decimals) + "%"


def number_text(value: float, decimals: int = 2, locale: QLocale | None = None) -> str:
    """A plain number with grouping and up to ``decimals`` decimals, trailing zeros dropped."""
    loc = locale or user_locale()
    number = float(value)
    special = _special(number)
    if special is not None:
        return special
    if abs(number) >= _LARGE:
        return _large(number, loc)
    text = loc.toString(number, "f", decimals)
    point = loc.decimalPoint()
    if point in text:
        text = text.rstrip("0").rstrip(point)
    return text
