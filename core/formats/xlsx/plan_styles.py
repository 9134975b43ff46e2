"""Writing the plan workbook's cells: numbers at full precision, text always
as text (never a formula), the cell formats, and the data validation that
guards the input cells."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter
import xlsxwriter.exceptions
from xlsxwriter.worksheet import Worksheet

from core.formats.xlsx.location import cell_name
from core.formats.xlsx.plan_layout import MAX_TEXT
from core.model.plan import MAX_SAMPLE


class PlanSaveError(OSError):
    """The workbook could not be saved; the message says why and what to do.
    The file that was there before is unchanged."""


# -- writing -------------------------------------------------------------------


class ExactWorksheet(Worksheet):  # type: ignore[misc]
    """xlsxwriter writes numbers with 16 significant digits; a float needs up
    to 17 to read back unchanged. This writes the shortest exact text."""

    def _xml_number_element(self, number: float, attributes: Any = None) -> None:
        attr = ""
        for key, value in attributes or []:
            attr += f' {key}="{self._escape_attributes(value)}"'
        self.fh.write(f"<c{attr}><v>{_exact(number)}</v></c>")


def _exact(number: float) -> str:
    value = float(number)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


@dataclass
class Formats:
    title: Any
    header: Any
    hint: Any
    hint_line: Any
    label: Any
    text: Any
    notes: Any
    percent: Any
    money: Any
    number: Any
    count: Any
    computed: Any
    computed_percent: Any
    computed_header: Any


def make_formats(book: xlsxwriter.Workbook, currency: str) -> Formats:
    unit = f' "{currency.replace(chr(34), "")}"' if currency.strip() else ""
    return Formats(
        title=book.add_format({"bold": True, "font_size": 14}),
        header=book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
        hint=book.add_format({"italic": True, "font_color": "#666666", "text_wrap": True}),
        hint_line=book.add_format({"italic": True, "font_color": "#666666"}),
        label=book.add_format({"bold": True, "valign": "top"}),
        text=book.add_format({"num_format": "@"}),
        notes=book.add_format({"num_format": "@", "text_wrap": True, "valign": "top"}),
        percent=book.add_format({"num_format": "0.0##%", "bg_color": "#FFFFE0"}),
        money=book.add_format({"num_format": f"#,##0.00{unit}", "bg_color": "#FFFFE0"}),
        number=book.add_format({"num_format": "General", "bg_color": "#FFFFE0"}),
        count=book.add_format({"num_format": "#,##0"}),
        computed=book.add_format({"num_format": "#,##0", "font_color": "#555555"}),
        computed_percent=book.add_format({"num_format": "0.0%", "font_color": "#555555"}),
        computed_header=book.add_format({"bold": True, "bg_color": "#EDEDED", "border": 1, "text_wrap": True}),
    )


class CellWriter:
    """Helpers that write values as what they are (text never as a formula)."""

    def __init__(self, sheet: Worksheet, fmt: Formats) -> None:
        self.sheet = sheet
        self.fmt = fmt

    def text(self, row: int, col: int, value: str, style: Any = None) -> None:
        if len(value) > MAX_TEXT:
            raise PlanSaveError(
                f"The text '{value[:40]}...' is {len(value):,} characters long; an Excel cell holds at most "
                f"{MAX_TEXT:,}. Shorten it, or save the plan as .json."
            )
        self.sheet.write_string(row, col, value, style)

    def number(self, row: int, col: int, value: float | None, style: Any = None) -> None:
        if value is None:
            self.sheet.write_blank(row, col, None, style)
        elif isinstance(value, float) and not math.isfinite(value):
            # a plan being edited may hold a placeholder; it reads back as empty
            self.sheet.write_blank(row, col, None, style)
        else:
            self.sheet.write_number(row, col, value, style)

    def headers(self, row: int, col: int, labels: Sequence[str], style: Any = None) -> None:
        for offset, label in enumerate(labels):
            self.text(row, col + offset, label, style or self.fmt.header)

    def hints(self, row: int, col: int, hints: Sequence[str]) -> None:
        for offset, hint in enumerate(hints):
            if hint:
                self.text(row, col + offset, hint, self.fmt.hint)


def validate_rate(sheet: Worksheet, first: int, last: int, col: int, what: str) -> None:
    if last < first:
        return
    ref = cell_name(first, col)
    sheet.data_validation(
        first,
        col,
        last,
        col,
        {
            "validate": "custom",
            "value": f"=OR(ISBLANK({ref}),AND(ISNUMBER({ref}),{ref}>0,{ref}<=1))",
            "ignore_blank": True,
            "input_title": what,
            "input_message": "More than 0%, at most 100%.",
            "error_title": f"Invalid {what.lower()}",
            "error_message": "A rate must be more than 0 and at most 1 (100%). Example: 35%.",
        },
    )


def validate_share(sheet: Worksheet, first: int, last: int, col: int, what: str) -> None:
    if last < first:
        return
    sheet.data_validation(
        first,
        col,
        last,
        col,
        {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 0,
            "maximum": 1,
            "input_title": what,
            "input_message": "From 0% to 100%.",
            "error_title": f"Invalid {what.lower()}",
            "error_message": "A share must be between 0 and 1 (0% to 100%). Example: 40%.",
        },
    )


def validate_min(sheet: Worksheet, first: int, last: int, col: int, what: str, whole: bool = False) -> None:
    if last < first:
        return
    sheet.data_validation(
        first,
        col,
        last,
        col,
        {
            "validate": "integer" if whole else "decimal",
            "criteria": ">=",
            "value": 0,
            "error_title": f"Invalid {what.lower()}",
            "error_message": f"{what} cannot be negative.",
        },
    )


def validate_sample(sheet: Worksheet, first: int, last: int, col: int) -> None:
    """A sample size: a whole number of items, 1 or more (blank = not measured)."""
    if last < first:
        return
    sheet.data_validation(
        first,
        col,
        last,
        col,
        {
            "validate": "integer",
            "criteria": "between",
            "minimum": 1,
            "maximum": MAX_SAMPLE,
            "ignore_blank": True,
            "error_title": "Invalid number of items",
            "error_message": "The number of items a rate or share was measured on is a whole number, 1 or more.",
        },
    )
