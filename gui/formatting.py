"""Numbers as a person reads them, in the user's locale (DisplayRole only;
models return plain numbers for EditRole)."""

from __future__ import annotations

from PySide6.QtCore import QLocale

from core.display import shown_count, shown_money

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CHF": "CHF ", "CAD": "CA$", "AUD": "A$", "INR": "₹"}


def user_locale() -> QLocale:
    """The user's locale; the bare "C" locale (no LANG set) reads as US English
    so that numbers still get thousands separators."""
    locale = QLocale()
    if locale.language() == QLocale.Language.C:
        return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    return locale


def currency_symbol(code: str) -> str:
    """A symbol for common currency codes, else the code itself."""
    return _SYMBOLS.get(code.upper(), f"{code} " if code else "")


def count_text(value: float, locale: QLocale | None = None) -> str:
    """A count of leads/SQLs/deals rounded up, with grouping: ``1,235``."""
    return (locale or user_locale()).toString(shown_count(value))


def money_text(value: float, currency: str, locale: QLocale | None = None) -> str:
    """Money in whole units of the plan's currency: ``$1,234,567``."""
    loc = locale or user_locale()
    amount = shown_money(value)
    # a plain minus, not the accounting "(5)" some locales use: gaps are signed figures
    text = loc.toCurrencyString(float(abs(amount)), currency_symbol(currency), 0)
    return f"-{text}" if amount < 0 else text


def percent_text(value: float, decimals: int = 1, locale: QLocale | None = None) -> str:
    """A rate as a percentage: ``0.319`` -> ``31.9%``."""
    return (locale or user_locale()).toString(value * 100.0, "f", decimals) + "%"


def number_text(value: float, decimals: int = 2, locale: QLocale | None = None) -> str:
    """A plain number with grouping and up to ``decimals`` decimals, trailing zeros dropped."""
    loc = locale or user_locale()
    text = loc.toString(float(value), "f", decimals)
    point = loc.decimalPoint()
    if point in text:
        text = text.rstrip("0").rstrip(point)
    return text
