"""Reading values out of parsed JSON leniently: each bad value becomes a
problem worded for the user (:mod:`core.formats.json_words`) and a
placeholder (NaN, empty) so reading can go on and report every problem.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from core.formats.json_text import BadNumber, BadText, duplicates_of, shorten, show
from core.formats.json_words import key_words, label, number_problem, path_words
from core.model.plan import MAX_MONTHS, Problem, Series
from core.model.validation import too_many

MISSING = object()
"""Marks a key absent from its object (None is a value JSON can hold)."""
MAX_UNKNOWN_KEY_WARNINGS = 5
"""Distinct unknown keys warned about one by one; the rest are counted."""


class JsonReader:
    """Reads values out of parsed JSON, recording a problem for each bad one
    and returning a placeholder (NaN, empty) so reading can go on."""

    def __init__(self, root: object = None) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.months = 0
        self.unknown: dict[str, tuple[str, int]] = {}  # key -> (where first met, times met)

    @property
    def span(self) -> int:
        """Months a scalar series is expanded to: the plan's months when
        they are acceptable, else one (the month count is refused anyway)."""
        return self.months if 1 <= self.months <= MAX_MONTHS else 1

    def fail(self, field: str, message: str) -> None:
        # "is missing; enter a number." names no subject: say whose value it is, in words
        if message[:1].islower():
            message = f"{path_words(field, self.root)} {message}"
        self.problems.append(Problem(field, message))

    def unknown_keys(self, obj: Mapping[str, Any], known: set[str], path: str) -> None:
        """Note the keys of ``obj`` the format does not know (warned about
        by :meth:`finish`) and refuse a known key given twice."""
        for key, values in duplicates_of(obj).items():
            if key in known:
                where = f"{path}.{key}" if path else key
                given = ", then ".join(show(v) for v in values[:3]) + (", …" if len(values) > 3 else "")
                times = "twice" if len(values) == 2 else f"{len(values):,} times"
                subject = f"{label(path, obj)}: the {key_words(key)}" if path else f"The {key_words(key)}"
                self.fail(
                    where,
                    f"{subject} is given {times} ({given}); give it once, so that it is clear which value is meant.",
                )
        if obj.keys() <= known:
            return
        for key in obj:
            if key not in known:
                where, count = self.unknown.get(key, (f"{path}.{key}" if path else key, 0))
                self.unknown[key] = (where, count + 1)

    def finish(self) -> tuple[Problem, ...]:
        """Every problem met, with one warning per distinct unknown key (at
        most a few; the rest counted in one line)."""
        warnings: list[Problem] = []
        # the keys met most often first: a misspelling repeated in every stage matters more than a stray key
        unknown = sorted(self.unknown.items(), key=lambda item: -item[1][1])
        for key, (where, count) in unknown[:MAX_UNKNOWN_KEY_WARNINGS]:
            times = f" It appears {count:,} times." if count > 1 else ""
            owner = where.rsplit(".", 1)[0] if "." in where else ""
            place = f" in {path_words(owner, self.root)}" if owner else ""
            place = f" (first{place})" if count > 1 and place else place
            warnings.append(
                Problem(
                    shorten(where),
                    f"Unknown key '{shorten(key)}'{place} was ignored (check its spelling).{times}",
                    "warning",
                )
            )
        rest = unknown[MAX_UNKNOWN_KEY_WARNINGS:]
        if rest:
            more = sum(count for _, (_, count) in rest)
            warnings.append(
                Problem(
                    "file",
                    f"…and {more:,} more unknown keys ({len(rest):,} different names) were ignored.",
                    "warning",
                )
            )
        return tuple(self.problems) + tuple(warnings)

    def number(self, obj: Mapping[str, Any], key: str, path: str, default: object = MISSING) -> float:
        value = obj.get(key, MISSING)
        if value is MISSING or value is None:
            if default is MISSING:
                self.fail(path, "is missing; enter a number.")
                return math.nan
            return float(default)  # type: ignore[arg-type]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, number_problem(value))
            return math.nan
        return float(value)

    def optional_number(self, obj: Mapping[str, Any], key: str, path: str) -> float | None:
        if obj.get(key) is None:
            return None
        return self.number(obj, key, path)

    def whole(self, obj: Mapping[str, Any], key: str, path: str, default: object = MISSING) -> int:
        value = self.number(obj, key, path, default)
        if math.isnan(value):
            return 0
        if not value.is_integer():
            self.fail(path, f"must be a whole number; it is {value:g}.")
            return 0
        return int(value)

    def optional_whole(self, obj: Mapping[str, Any], key: str, path: str) -> int | None:
        if obj.get(key) is None:
            return None
        return self.whole(obj, key, path)

    def numbers(self, obj: Mapping[str, Any], key: str, path: str, most: int) -> tuple[float, ...] | None:
        """A list of numbers not tied to the months (a timing profile); None
        when absent. A list longer than ``most`` is refused without reading it."""
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            self.fail(path, f"must be a list of numbers; it is {show(value)}.")
            return (math.nan,)
        if len(value) > most:
            self.fail(path, f"has {len(value):,} values; it can have at most {most}.")
            return (math.nan,)
        out = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                self.fail(f"{path}[{i}]", number_problem(item))
                out.append(math.nan)
            else:
                out.append(float(item))
        return tuple(out)

    def text(self, obj: Mapping[str, Any], key: str, path: str, default: str | None = None) -> str:
        value = obj.get(key, MISSING)
        if value is MISSING or value is None:
            if default is None:
                self.fail(path, "is missing; enter a text.")
                return ""
            return default
        if isinstance(value, BadText):
            self.fail(path, f"{value.describe()}.")
            return ""
        if not isinstance(value, str):
            self.fail(path, f"must be a text; it is {show(value)}.")
            return ""
        return value

    def flag(self, obj: Mapping[str, Any], key: str, path: str) -> bool:
        value = obj.get(key, False)
        if not isinstance(value, bool):
            self.fail(path, f"must be true or false; it is {show(value)}.")
            return False
        return value

    def series(self, obj: Mapping[str, Any], key: str, path: str, default: object = MISSING) -> Series:
        value = obj.get(key, MISSING)
        if value is MISSING or value is None:
            if default is MISSING:
                self.fail(path, "is missing; enter one number per month, or one number for every month.")
                return (math.nan,) * self.span
            value = default
        if isinstance(value, list):
            if len(value) > MAX_MONTHS:
                self.fail(
                    path,
                    f"has {len(value):,} values; a plan has at most {MAX_MONTHS} months, one value each.",
                )
                return (math.nan,) * self.span
            out = []
            for i, item in enumerate(value):
                if isinstance(item, bool) or not isinstance(item, (int, float)):
                    self.fail(f"{path}[{i}]", number_problem(item))
                    out.append(math.nan)
                else:
                    out.append(float(item))
            return tuple(out)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            message = number_problem(value) if isinstance(value, (BadNumber, BadText)) else None
            self.fail(path, message or f"must be a number or a list of numbers; it is {show(value)}.")
            return (math.nan,) * self.span
        return (float(value),) * self.span

    def objects(
        self, obj: Mapping[str, Any], key: str, path: str, required: bool, most: int
    ) -> list[Mapping[str, Any]]:
        """The objects of a list; a list longer than ``most`` is refused
        whole, without reading its items."""
        value = obj.get(key, MISSING)
        if value is MISSING or value is None:
            if required:
                self.fail(path, "is missing.")
            return []
        if not isinstance(value, list):
            self.fail(path, "must be a list.")
            return []
        if len(value) > most:
            self.problems.append(too_many(path, len(value)))
            return []
        out: list[Mapping[str, Any]] = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                self.fail(f"{path}[{i}]", "must be an object with named fields.")
            else:
                out.append(item)
        return out
