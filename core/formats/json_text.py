"""Reading JSON text a person (or a program) wrote, without being hurt by it.

:func:`parse_json` is :func:`json.loads` with guards: a number too long or
too large for any plan value, a text holding half of a surrogate pair, and
a key given twice in one object do not crash the reader or vanish; they are
kept as values (:class:`BadNumber`, :class:`BadText`,
:attr:`JsonObject.duplicates`) that the plan reader reports naming the
field. :func:`show` writes any parsed value briefly for a message.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_JSON_BYTES = 4 * 1024 * 1024
"""A plan file is a few kilobytes; fifty scenarios of a large plan (60 months,
40 channels, 30 criteria) take about one megabyte."""
MAX_NUMBER_CHARS = 100
"""Characters in one number: ``1e12`` needs four, a value to the cent twenty."""
_SHOWN_CHARS = 40
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class BadNumber:
    """A number in the file that no plan value can be: ``1e400`` (beyond
    the float range) or thousands of digits long."""

    __slots__ = ("length", "text")

    def __init__(self, text: str) -> None:
        self.length = len(text)
        self.text = text[:_SHOWN_CHARS]

    def describe(self) -> str:
        if self.length > MAX_NUMBER_CHARS:
            return f"a number {self.length:,} characters long, far longer than any value in a plan"
        return f"{self.text}, a number too large for any value in a plan"

    def __str__(self) -> str:
        return self.text if self.length <= _SHOWN_CHARS else self.text + "…"


class BadText:
    """A text holding an unpaired surrogate escape (``"\\ud800"``): not a
    character at all, so it cannot be shown, saved or printed."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = escaped(text)

    def describe(self) -> str:
        return (
            f"'{shorten(self.text)}' holds an escape (\\ud800 to \\udfff) that is only half of a character; "
            "retype the text"
        )

    def __str__(self) -> str:
        return self.text


class JsonObject(dict[str, Any]):
    """A JSON object; ``duplicates``, set only when a key is given more
    than once, holds every value given for such a key in order (the dict
    keeps the last). Read it with ``duplicates_of``."""

    __slots__ = ("duplicates",)
    duplicates: dict[str, list[Any]]


def duplicates_of(obj: object) -> dict[str, list[Any]]:
    """The keys given more than once in a parsed object, with their values."""
    return getattr(obj, "duplicates", None) or {}


def escaped(text: str) -> str:
    """``text`` with any unpaired surrogate written as ``\\udXXX``."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _has_lone_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def shorten(text: str) -> str:
    """At most 40 characters of ``text``, marked when cut."""
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"


def _object(pairs: list[tuple[str, Any]]) -> JsonObject:
    """An object from text without surrogate escapes: built at C speed,
    rebuilt key by key only when a key is given twice."""
    obj = JsonObject(pairs)
    return obj if len(obj) == len(pairs) else _checked_object(pairs)


def _checked_object(pairs: list[tuple[str, Any]]) -> JsonObject:
    """An object, keeping every value of a key given twice and marking
    texts that hold half of a surrogate pair."""
    obj = JsonObject()
    for key, value in pairs:
        if _has_lone_surrogate(key):
            key = escaped(key)
        if isinstance(value, str) and _has_lone_surrogate(value):
            value = BadText(value)
        if key in obj:
            if not hasattr(obj, "duplicates"):
                obj.duplicates = {}
            obj.duplicates.setdefault(key, [obj[key]]).append(value)
        obj[key] = value
    return obj


def _integer(text: str) -> int | BadNumber:
    return BadNumber(text) if len(text) > MAX_NUMBER_CHARS else int(text)


def _real(text: str) -> float | BadNumber:
    if len(text) > MAX_NUMBER_CHARS:
        return BadNumber(text)
    value = float(text)
    return value if math.isfinite(value) else BadNumber(text)


def parse_json(text: str) -> object:
    """Parse ``text`` (see the module docstring). Raises
    :class:`json.JSONDecodeError` for malformed JSON and :class:`RecursionError`
    for nesting deeper than Python can follow."""
    hook = _checked_object if _SURROGATE_ESCAPE.search(text) else _object
    return json.loads(text, object_pairs_hook=hook, parse_int=_integer, parse_float=_real)


def show(value: object) -> str:
    """A parsed value as a message shows it: short, printable, JSON-like."""
    if isinstance(value, (BadNumber, BadText)):
        return value.describe()
    if isinstance(value, str):
        return f'"{shorten(escaped(value))}"'
    if isinstance(value, dict):
        return "an object {...}"
    if isinstance(value, list):
        return f"a list of {len(value):,} items"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, int) and abs(value) >= 10**15:
        return f"{value:.6g}"
    return shorten(str(value))


def scalar_or_list(values: tuple[float, ...]) -> float | list[float]:
    """A monthly series as the format writes it: the scalar when every month
    holds the same value ("the same every month"), else the list."""
    if values and all(v == values[0] for v in values):
        return values[0]
    return list(values)
