"""How numbers are shown to a person (funnel-math.md: counts rounded *up*
to whole units where shown; money to whole currency units)."""

from __future__ import annotations

import math

# Floating point leaves 800.0000000000001 where the math says 800; a count
# that is whole to six decimals must not be shown as one more.
_COUNT_DECIMALS = 6

CURRENCY_SYMBOLS: dict[str, str] = {
    "USD": "$",
    "EUR": "\u20ac",
    "GBP": "\u00a3",
    "JPY": "\u00a5",
    "INR": "\u20b9",
    "KRW": "\u20a9",
    "CHF": "CHF ",
    "CAD": "CA$",
    "AUD": "A$",
}
"""The one table of currency symbols (the app, the workbooks): a code not in
it is shown as the code and a space."""


def currency_symbol(code: str) -> str:
    """The symbol of a currency code (``USD`` -> ``$``), else the code and a space ("" for none)."""
    clean = code.strip().upper()
    return CURRENCY_SYMBOLS.get(clean, f"{clean} " if clean else "")


def shown_count(value: float) -> int:
    """A count of leads, SQLs or deals as shown: rounded up (266.67 -> 267),
    treating values whole to six decimals as whole (3200.0000000001 -> 3200)."""
    return math.ceil(round(value, _COUNT_DECIMALS))


def shown_money(value: float) -> int:
    """Money as shown: whole currency units, half away from zero."""
    return math.floor(abs(value) + 0.5) * (1 if value >= 0 else -1)


def format_count(value: float) -> str:
    """``1,234`` with the count rounded up; an unbounded figure (a budget over a
    cost per lead of practically nothing) as "unlimited"."""
    if not math.isfinite(value):
        return _not_finite(value)
    return f"{shown_count(value):,}"


def _not_finite(value: float) -> str:
    """How a figure without a finite value reads (it never raises)."""
    if math.isnan(value):
        return "n/a"
    return "unlimited" if value > 0 else "-unlimited"


def format_money(value: float, currency: str = "") -> str:
    """``USD 1,234`` (whole units); negative as ``-USD 1,234``."""
    if not math.isfinite(value):
        return _not_finite(value)
    amount = shown_money(value)
    sign = "-" if amount < 0 else ""
    prefix = f"{currency} " if currency else ""
    return f"{sign}{prefix}{abs(amount):,}"


def format_money_symbol(value: float, currency: str = "") -> str:
    """``$1,234`` (whole units, the currency's symbol as the workbook's cells
    show it; an unknown code as ``XYZ 1,234``); negative as ``-$1,234``."""
    if not math.isfinite(value):
        return _not_finite(value)
    amount = shown_money(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}{currency_symbol(currency)}{abs(amount):,}"


def format_percent(value: float, decimals: int = 1) -> str:
    """``0.4567`` -> ``45.7%``."""
    return f"{value * 100:.{decimals}f}%"
