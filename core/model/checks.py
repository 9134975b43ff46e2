"""Checks of single values: rates, shares, amounts and monthly series.

Each returns the problems of one value, naming its field by the JSON path
(``stages[2].rate``) and saying in words what is wrong. Used by
:mod:`core.model.validation` and :mod:`core.model.validation_v2`.
"""

from __future__ import annotations

import math

from core.model.plan import MAX_AMOUNT, MAX_MONTHS, MIN_RATE, Problem, Series


def _finite(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _fmt(x: object) -> str:
    return f"{x:g}" if _finite(x) else str(x)


def _limit(x: float) -> str:
    """A bound as a person reads it: ``1,000,000,000,000``, ``0.01``, ``0.000001``."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:.10f}".rstrip("0")


def check_rate(value: float, field: str, what: str) -> list[Problem]:
    """A conversion rate must lie in [MIN_RATE, 1]."""
    if not _finite(value):
        return [Problem(field, f"{what}: the rate must be a number, not {_fmt(value)}.")]
    if not 0.0 < value <= 1.0:
        return [
            Problem(
                field,
                f"{what}: the rate must be more than 0 and at most 1 (e.g. 0.25 for 25%); it is {_fmt(value)}.",
            )
        ]
    if value < MIN_RATE:
        return [
            Problem(
                field,
                f"{what}: the rate must be at least {_limit(MIN_RATE)} (one in a million); it is {_fmt(value)}.",
            )
        ]
    return []


def check_share(value: float, field: str, what: str) -> list[Problem]:
    """A share must lie in [0, 1]."""
    if not _finite(value) or not 0.0 <= value <= 1.0:
        return [Problem(field, f"{what}: the share must be between 0 and 1 (e.g. 0.4 for 40%); it is {_fmt(value)}.")]
    return []


def check_amount(
    value: float,
    field: str,
    what: str,
    unit: str,
    minimum: float = 0.0,
    maximum: float = MAX_AMOUNT,
    maximum_words: str = "",
) -> list[Problem]:
    """A volume, cost, lag or hours figure: finite, not negative (at least
    ``minimum`` where that is above 0) and at most ``maximum``."""
    if not _finite(value):
        return [Problem(field, f"{what}: must be a number of {unit}, not {_fmt(value)}.")]
    if minimum > 0 and value <= 0:
        return [Problem(field, f"{what}: must be more than 0 {unit}; it is {_fmt(value)}.")]
    if value < minimum:
        return [Problem(field, f"{what}: must be at least {_limit(minimum)} {unit}; it is {_fmt(value)}.")]
    if value < 0:
        return [Problem(field, f"{what}: cannot be negative; it is {_fmt(value)} {unit}.")]
    if value > maximum:
        words = f" ({maximum_words})" if maximum_words else ""
        return [Problem(field, f"{what}: must be at most {_limit(maximum)} {unit}{words}; it is {_fmt(value)}.")]
    return []


def check_money(value: float, field: str, what: str, minimum: float = 0.0) -> list[Problem]:
    """An amount of money: at most a trillion currency units."""
    return check_amount(value, field, what, "currency units", minimum, MAX_AMOUNT, "a trillion")


def check_series(
    values: Series,
    months: int,
    field: str,
    what: str,
    unit: str,
    minimum: float = 0.0,
    maximum: float = MAX_AMOUNT,
) -> list[Problem]:
    """Every month of a series is a valid amount, and there is one per month."""
    problems: list[Problem] = []
    if len(values) > MAX_MONTHS:
        # more values than any plan has months: said once, without reading them
        return [
            Problem(
                field,
                f"{what}: has {len(values):,} values; a plan has one value per month and at most {MAX_MONTHS} months.",
            )
        ]
    if len(values) != months and 1 <= months <= MAX_MONTHS:
        problems.append(
            Problem(
                field,
                f"{what}: needs one value per plan month ({months}), or one value for every month; it has {len(values)}.",
            )
        )
    if _all_valid_amounts(values, minimum, maximum):
        return problems  # the common case, checked without a loop in Python
    words = "a trillion" if maximum == MAX_AMOUNT else ""
    if len(values) > 1 and len({repr(v) for v in values}) == 1:
        # the same value every month (usually one number given for all): say it once
        return problems + check_amount(values[0], field, f"{what} (every month)", unit, minimum, maximum, words)
    for index, value in enumerate(values):
        problems += check_amount(
            value, f"{field}[{index}]", f"{what}, month {index + 1}", unit, minimum, maximum, words
        )
    return problems


def _all_valid_amounts(values: Series, minimum: float, maximum: float) -> bool:
    """True when every value is a finite number within [minimum, maximum].

    The common case is checked in C (type set, sum, min, max): a NaN or an
    infinity makes the sum non-finite; a sum that overflows only sends the
    values to the slow, per-value path, which says what is wrong."""
    if not set(map(type, values)) <= {float, int}:
        return False  # bools, texts, None: the per-value path names them
    try:
        if not math.isfinite(sum(values)):
            return False
        lowest = min(values, default=max(minimum, 1.0))
        highest = max(values, default=0.0)
    except (OverflowError, TypeError, ValueError):
        return False
    return minimum <= lowest and highest <= maximum
