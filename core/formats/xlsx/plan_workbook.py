"""The plan document as an Excel workbook (``.xlsx``).

:func:`save_plan_workbook` lays the inputs out for people, one sheet per
input (units and valid values beside them, percent and currency formats,
data validation, frozen headers), plus a *Results* sheet with the computed
figures, which is never read back. A document with several scenarios
(copies of the plan to compare) adds a *Scenarios* sheet: the first
scenario is the plan on the input sheets; each other one is stored there as
the planner's JSON text, split over cells below Excel's limit per cell
(:func:`save_document_workbook`, :func:`load_document_workbook`).
:func:`load_plan_workbook` reads a
workbook back after :func:`core.formats.xlsx.safety.check_spreadsheet_file` accepted
it. It finds every table by its title and header labels, so rows inserted
above a table or tables moved sideways still read; it reports every problem
at once with the file, sheet and cell (``plan.xlsx, sheet 'Funnel', cell
B5``) and never guesses: a value it cannot read refuses the plan.

Numbers are written at full precision (the shortest text that reads back
as the same float), so saving and loading gives an equal plan. Text is
always written as text, so a name starting with ``=`` never becomes a
formula. Blank cells mean 0 only where the sheet says so (sales hours,
lags, fixed costs, free volumes, pipeline revenue); a blank budget or
sales-hours column means "not planned".
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
import xlsxwriter.exceptions
from xlsxwriter.worksheet import Worksheet

from core.calc.display import format_money, shown_count
from core.calc.engine import PlanResult, calculate, month_labels
from core.formats.files import atomic_write
from core.formats.plan_json import (
    MAIN_SCENARIO,
    NamedPlans,
    merge_problems,
    plan_from_dict,
    scenario_problems,
    scenario_to_dict,
)
from core.formats.xlsx.cells import NO_VALUE, unreadable_cells
from core.formats.xlsx.plan_print import SheetPrint, apply_print
from core.formats.xlsx.safety import (
    SpreadsheetError,
    SpreadsheetLimits,
    cell_name,
    check_spreadsheet_file,
    read_workbook,
)
from core.model.plan import (
    MAX_MONTHS,
    PLAN_FORMAT,
    Channel,
    Criterion,
    EmpiricalPassRate,
    FreeSource,
    LeadSpec,
    Plan,
    Problem,
    Series,
    Stage,
    errors_only,
)
from core.model.validation import validate

__all__ = [
    "SCENARIOS",
    "SHEETS",
    "WORKBOOK_MARKER",
    "PlanSaveError",
    "is_plan_workbook",
    "load_document_workbook",
    "load_plan_workbook",
    "save_document_workbook",
    "save_plan_workbook",
]

WORKBOOK_MARKER = f"{PLAN_FORMAT} workbook"

ABOUT = "About"
CALENDAR = "Calendar & targets"
FUNNEL = "Funnel"
SPEC = "Lead spec"
CHANNELS = "Channels"
FREE = "Free sources"
CAPACITY = "Budget & capacity"
RESULTS = "Results"
SCENARIOS = "Scenarios"  # only in a document with more than one scenario, after the others
SHEETS = (ABOUT, CALENDAR, FUNNEL, SPEC, CHANNELS, FREE, CAPACITY, RESULTS)
INPUT_SHEETS = (CALENDAR, FUNNEL, SPEC, CHANNELS, FREE, CAPACITY)

# labels of single values (column A) and table headers; the reader finds them
L_NAME = "Plan name"
L_CURRENCY = "Currency"
L_START = "Start month"
L_MONTHS = "Months"
L_DEAL = "Average deal size"
L_NOTES = "Notes"
H_MONTH = "Month"
H_TARGET = "Revenue target"
H_PIPELINE = "Pipeline revenue"
H_STAGE = "Stage"
H_RATE = "Rate to next stage"
H_LAG = "Lag to next stage (days)"
H_HOURS = "Sales hours per item"
T_CURRENT = "Current lead spec"
T_PROPOSED = "Proposed lead spec"
L_GATE = "Gate stage"
L_THRESHOLD = "Threshold (points)"
L_SOURCE = "Pass rate from"
L_MEASURED = "Measured pass rate"
L_SAMPLE = "Measured sample (leads)"
H_CRITERION = "Criterion"
H_POINTS = "Points"
H_SHARE = "Share of leads meeting it"
H_REQUIRED = "Required"
T_CHANNELS = "Paid channels"
H_CHANNEL = "Channel"
H_MIX = "Mix (share of paid leads)"
H_CPL = "Cost per lead"
H_CHANNEL_RATE = "Rate to next stage (blank = funnel rate)"
T_FIXED = "Fixed cost per month"
H_SOURCE = "Free source"
H_ENTERS = "Enters at stage"
H_BUDGET = "Approved budget"
H_AVAILABLE = "Sales hours available"
H_SCENARIO = "Scenario"
H_ACTIVE = "Active"
H_NOTE = "Note"
H_DATA = "Plan data (written by the planner; do not edit)"
H_FIGURE = "Figure"
H_BEFORE = "Before the plan"
H_TOTAL = "Plan total"
RESULT_LABEL_WIDTH, RESULT_WIDTH = 34, 10.5
CHANNEL_WIDTH, FREE_WIDTH = 11.5, 9  # the month columns of the channels' fixed costs and of free sources

MAX_TEXT = 32767  # characters in one Excel cell


class PlanSaveError(OSError):
    """The workbook could not be saved; the message says why and what to do.
    The file that was there before is unchanged."""


# -- writing -------------------------------------------------------------------


class _ExactWorksheet(Worksheet):  # type: ignore[misc]
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
class _Formats:
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


def _formats(book: xlsxwriter.Workbook, currency: str) -> _Formats:
    unit = f' "{currency.replace(chr(34), "")}"' if currency.strip() else ""
    return _Formats(
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


class _Writer:
    """Helpers that write values as what they are (text never as a formula)."""

    def __init__(self, sheet: Worksheet, fmt: _Formats) -> None:
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


def _validate_rate(sheet: Worksheet, first: int, last: int, col: int, what: str) -> None:
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


def _validate_share(sheet: Worksheet, first: int, last: int, col: int, what: str) -> None:
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


def _validate_min(sheet: Worksheet, first: int, last: int, col: int, what: str, whole: bool = False) -> None:
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


def _write_about(book: xlsxwriter.Workbook, fmt: _Formats, plan: Plan, scenarios: int = 1) -> None:
    sheet = book.add_worksheet(ABOUT, worksheet_class=_ExactWorksheet)
    w = _Writer(sheet, fmt)
    sheet.set_column(0, 0, 110)
    w.text(0, 0, WORKBOOK_MARKER, fmt.hint)
    w.text(1, 0, f"Plan: {plan.name}", fmt.title)
    lines = [
        "This workbook is a plan of the funnel planner. Edit the yellow cells on the input sheets:",
        f"  '{CALENDAR}', '{FUNNEL}', '{SPEC}', '{CHANNELS}', '{FREE}', '{CAPACITY}'.",
        "Keep the sheet names, the titles and the column headers; you may insert rows and columns,",
        "add rows to a table, or move a table. Rates and shares are percentages (35% or 0.35).",
        f"The '{RESULTS}' sheet is computed by the planner when it saves; editing it changes nothing.",
        "Cell A1 of this sheet marks the file as a plan workbook; leave it as it is.",
    ]
    if scenarios > 1:
        lines.append(
            f"The '{SCENARIOS}' sheet lists the {scenarios} scenarios; the input sheets hold the first one, "
            "the planner keeps the others (open them in the planner to edit them)."
        )
    for offset, line in enumerate(lines):
        w.text(3 + offset, 0, line)
    apply_print(sheet, SheetPrint([110], repeat_labels=False), plan.name)


def _write_calendar(book: xlsxwriter.Workbook, fmt: _Formats, plan: Plan) -> None:
    sheet = book.add_worksheet(CALENDAR, worksheet_class=_ExactWorksheet)
    w = _Writer(sheet, fmt)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 2, 18)
    sheet.set_column(3, 3, 60)
    w.text(0, 0, "Calendar and revenue targets", fmt.title)
    w.headers(2, 0, ["Input", "Value", "", "Valid values"])
    w.text(3, 0, L_NAME, fmt.label)
    w.text(3, 1, plan.name, fmt.text)
    w.text(3, 3, "text", fmt.hint)
    w.text(4, 0, L_CURRENCY, fmt.label)
    w.text(4, 1, plan.currency, fmt.text)
    w.text(4, 3, "currency code, e.g. USD or EUR (amounts are in this currency)", fmt.hint)
    w.text(5, 0, L_START, fmt.label)
    w.text(5, 1, plan.start, fmt.text)
    w.text(5, 3, "first month of the plan, written YYYY-MM (e.g. 2027-01)", fmt.hint)
    w.text(6, 0, L_MONTHS, fmt.label)
    w.number(6, 1, plan.months, fmt.number)
    w.text(6, 3, "whole number, 1 to 60; the month table below has one row per month", fmt.hint)
    sheet.data_validation(6, 1, 6, 1, {"validate": "integer", "criteria": "between", "minimum": 1, "maximum": 60})
    w.text(7, 0, L_DEAL, fmt.label)
    w.number(7, 1, plan.avg_deal_size, fmt.money)
    w.text(7, 3, f"{plan.currency} per won deal, more than 0", fmt.hint)
    w.text(8, 0, L_NOTES, fmt.label)
    notes = [plan.notes[i : i + MAX_TEXT] for i in range(0, len(plan.notes), MAX_TEXT)]
    if len(notes) == 1:  # over the columns beside it, wrapped, as tall as it needs (at most Excel's 409 points)
        sheet.merge_range(8, 1, 8, 3, "", fmt.notes)
        w.text(8, 1, notes[0], fmt.notes)
        lines = sum(1 + len(part) // 105 for part in notes[0].split("\n"))
        sheet.set_row(8, min(409, 15 * lines))
    else:
        for offset, chunk in enumerate(notes):
            w.text(8, 1 + offset, chunk, fmt.text)
    top = 11
    w.text(top - 1, 0, f"Money in {plan.currency}, 0 or more; pipeline revenue: blank = 0", fmt.hint_line)
    w.headers(top, 0, [H_MONTH, H_TARGET, H_PIPELINE])
    labels = _labels(plan)
    for t in range(plan.months):
        w.text(top + 1 + t, 0, labels[t], fmt.text)
        w.number(top + 1 + t, 1, _at(plan.revenue_target, t), fmt.money)
        w.number(top + 1 + t, 2, _at(plan.pipeline_revenue, t) if plan.pipeline_revenue else None, fmt.money)
    _validate_min(sheet, top + 1, top + plan.months, 1, "Revenue target")
    _validate_min(sheet, top + 1, top + plan.months, 2, "Pipeline revenue")
    sheet.freeze_panes(top + 1, 0)
    apply_print(sheet, SheetPrint([22, 18, 18, 60], top, repeat_labels=False), plan.name)


def _labels(plan: Plan) -> tuple[str, ...]:
    try:
        return month_labels(plan.start, max(plan.months, 0))
    except ValueError:
        return tuple(f"month {t + 1}" for t in range(max(plan.months, 0)))


def _at(values: Series, t: int) -> float | None:
    return values[t] if t < len(values) else None


def _write_funnel(book: xlsxwriter.Workbook, fmt: _Formats, plan: Plan) -> None:
    sheet = book.add_worksheet(FUNNEL, worksheet_class=_ExactWorksheet)
    w = _Writer(sheet, fmt)
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 3, 20)
    w.text(0, 0, "Funnel stages, from raw lead to won deal", fmt.title)
    w.hints(
        2,
        0,
        [
            "unique name; the last stage is the won deal",
            "rate: more than 0, at most 1 (e.g. 35%)",
            "days, 0 or more (blank = 0)",
            "hours, 0 or more (blank = 0)",
        ],
    )
    top = 3
    w.headers(top, 0, [H_STAGE, H_RATE, H_LAG, H_HOURS])
    last = len(plan.stages) - 1
    for k, stage in enumerate(plan.stages):
        row = top + 1 + k
        w.text(row, 0, stage.name, fmt.text)
        if k < last:
            w.number(row, 1, stage.rate, fmt.percent)
            w.number(row, 2, stage.lag_days, fmt.number)
        else:
            w.text(row, 3 + 1, "won deal: no rate or lag", fmt.hint)
        w.number(row, 3, stage.sales_hours, fmt.number)
    _validate_rate(sheet, top + 1, top + max(last, 0), 1, "Rate")
    _validate_min(sheet, top + 1, top + len(plan.stages), 2, "Lag")
    _validate_min(sheet, top + 1, top + len(plan.stages), 3, "Sales hours")
    sheet.freeze_panes(top + 1, 0)
    sheet.set_row(2, 30)
    sheet.set_column(4, 4, 24)
    apply_print(sheet, SheetPrint([24, 20, 20, 20, 24], top, repeat_labels=False), plan.name)


def _write_spec_block(w: _Writer, fmt: _Formats, top: int, title: str, spec: LeadSpec | None) -> int:
    """One lead spec (title, settings, criteria table); returns the next free row."""
    w.text(top, 0, title, fmt.title)
    if spec is None:
        w.text(top + 1, 0, "None: leave the gate blank for no spec, or fill it in to add one.", fmt.hint)
    rows = [
        (L_GATE, "the stage the spec qualifies leads into (e.g. SQL); blank = no spec"),
        (L_THRESHOLD, "points a lead needs to qualify (a number, may be negative)"),
        (L_SOURCE, "'criteria' (computed from the criteria) or 'measured' (the measured pass rate)"),
        (L_MEASURED, "share of leads reaching the gate that qualified: more than 0, at most 1; blank = none"),
        (L_SAMPLE, "number of leads the measured rate rests on (whole number)"),
    ]
    for offset, (label, hint) in enumerate(rows):
        w.text(top + 2 + offset, 0, label, fmt.label)
        w.text(top + 2 + offset, 3, hint, fmt.hint)
        if len(hint) > 60:
            w.sheet.set_row(top + 2 + offset, 30)
    if spec is not None:
        w.text(top + 2, 1, spec.gate, fmt.text)
        w.number(top + 3, 1, spec.threshold, fmt.number)
        w.text(top + 4, 1, "measured" if spec.pass_rate_source == "empirical" else "criteria", fmt.text)
        if spec.empirical is not None:
            w.number(top + 5, 1, spec.empirical.pass_rate, fmt.percent)
            w.number(top + 6, 1, spec.empirical.sample, fmt.number)
    _validate_rate(w.sheet, top + 5, top + 5, 1, "Measured pass rate")
    w.sheet.data_validation(
        top + 4, 1, top + 4, 1, {"validate": "list", "source": ["criteria", "measured"], "ignore_blank": True}
    )
    head = top + 9
    w.hints(
        head - 1,
        0,
        ["name", "whole number (negative allowed)", "share: 0 to 1 (e.g. 40%)", "yes or no"],
    )
    w.sheet.set_row(head - 1, 30)
    w.sheet.set_row(head, 30)
    w.headers(head, 0, [H_CRITERION, H_POINTS, H_SHARE, H_REQUIRED])
    criteria = spec.criteria if spec is not None else ()
    for i, criterion in enumerate(criteria):
        row = head + 1 + i
        w.text(row, 0, criterion.name, fmt.text)
        w.number(row, 1, criterion.points, fmt.number)
        w.number(row, 2, criterion.share, fmt.percent)
        w.text(row, 3, "yes" if criterion.required else "no", fmt.text)
    end = head + max(len(criteria), 1) + 20
    _validate_share(w.sheet, head + 1, end, 2, "Share")
    w.sheet.data_validation(head + 1, 3, end, 3, {"validate": "list", "source": ["yes", "no"], "ignore_blank": True})
    w.sheet.data_validation(
        head + 1, 1, end, 1, {"validate": "integer", "criteria": "between", "minimum": -(10**9), "maximum": 10**9}
    )
    return head + 1 + len(criteria) + 2


def _write_spec(book: xlsxwriter.Workbook, fmt: _Formats, plan: Plan) -> None:
    sheet = book.add_worksheet(SPEC, worksheet_class=_ExactWorksheet)
    w = _Writer(sheet, fmt)
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 2, 16)
    sheet.set_column(3, 3, 56)
    next_row = _write_spec_block(w, fmt, 0, T_CURRENT, plan.lead_spec)
    sheet.set_h_pagebreaks([next_row])  # each spec on a page of its own
    _write_spec_block(w, fmt, next_row + 1, T_PROPOSED, plan.proposed_lead_spec)
    apply_print(sheet, SheetPrint([30, 16, 16, 56], repeat_labels=False), plan.name)


def _write_channels(book: xlsxwriter.Workbook, fmt: _Formats, plan: Plan) -> None:
    sheet = book.add_worksheet(CHANNELS, worksheet_class=_ExactWorksheet)
    w = _Writer(sheet, fmt)
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, max(3, plan.months), CHANNEL_WIDTH)
    sheet.set_row(2, 75)
    sheet.set_row(3, 60)
    w.text(0, 0, T_CHANNELS, fmt.title)
    w.hints(
        2,
        0,
        [
            "unique name",
            "share: 0 to 1; the mix adds up to 100%",
            f"{plan.currency} per raw lead, 0 or more",
            "rate: more than 0, at most 1; blank = the funnel's first rate",
        ],
    )
    top = 3
    w.headers(top, 0, [H_CHANNEL, H_MIX, H_CPL, H_CHANNEL_RATE])
    n = len(plan.channels)
    for j, channel in enumerate(plan.channels):
        row = top + 1 + j
        w.text(row, 0, channel.name, fmt.text)
        w.number(row, 1, channel.mix, fmt.percent)
        w.number(row, 2, channel.cost_per_lead, fmt.money)
        w.number(row, 3, channel.rate, fmt.percent)
    _validate_share(sheet, top + 1, top + n + 20, 1, "Mix")
    _validate_min(sheet, top + 1, top + n + 20, 2, "Cost per lead")
    _validate_rate(sheet, top + 1, top + n + 20, 3, "Channel rate")
    sheet.freeze_panes(top + 1, 1)
    fixed_top = top + n + 3
    w.text(fixed_top, 0, T_FIXED, fmt.title)
    w.text(fixed_top + 1, 0, f"{plan.currency} per month, 0 or more; blank = 0; one row per channel", fmt.hint_line)
    head = fixed_top + 2
    w.headers(head, 0, [H_CHANNEL, *_labels(plan)])
    for j, channel in enumerate(plan.channels):
        row = head + 1 + j
        w.text(row, 0, channel.name, fmt.text)
        for t in range(plan.months):
            w.number(row, 1 + t, _at(channel.fixed_cost, t), fmt.money)
    if plan.months:
        for t in range(plan.months):
            _validate_min(sheet, head + 1, head + n + 20, 1 + t, "Fixed cost")
    apply_print(sheet, SheetPrint([24], top, max(plan.months, 3), CHANNEL_WIDTH), plan.name)


def _write_free(book: xlsxwriter.Workbook, fmt: _Formats, plan: Plan) -> None:
    sheet = book.add_worksheet(FREE, worksheet_class=_ExactWorksheet)
    w = _Writer(sheet, fmt)
    sheet.set_column(0, 1, 22)
    sheet.set_column(2, 2 + plan.months, FREE_WIDTH)
    sheet.set_row(2, 45)
    w.text(0, 0, "Free sources: volume entering a stage each month at no cost per item", fmt.title)
    w.hints(2, 0, ["name", "a funnel stage (not the last)", "items per month, 0 or more; blank = 0"])
    top = 3
    w.headers(top, 0, [H_SOURCE, H_ENTERS, *_labels(plan)])
    for i, source in enumerate(plan.free_sources):
        row = top + 1 + i
        w.text(row, 0, source.name, fmt.text)
        w.text(row, 1, source.stage, fmt.text)
        for t in range(plan.months):
            w.number(row, 2 + t, _at(source.volume, t), fmt.number)
    stage_names = [s.name for s in plan.stages[:-1] if s.name]
    if stage_names and sum(len(s) + 1 for s in stage_names) < 250:
        sheet.data_validation(
            top + 1,
            1,
            top + len(plan.free_sources) + 20,
            1,
            {"validate": "list", "source": stage_names, "error_type": "warning"},
        )
    sheet.freeze_panes(top + 1, 2)
    apply_print(sheet, SheetPrint([22, 22], top, plan.months, FREE_WIDTH), plan.name)


def _write_capacity(book: xlsxwriter.Workbook, fmt: _Formats, plan: Plan) -> None:
    sheet = book.add_worksheet(CAPACITY, worksheet_class=_ExactWorksheet)
    w = _Writer(sheet, fmt)
    sheet.set_column(0, 2, 22)
    w.text(0, 0, "Approved budget and sales capacity", fmt.title)
    w.hints(
        2,
        0,
        [
            "",
            f"{plan.currency} per month, 0 or more; whole column blank = not planned",
            "selling hours per month, more than 0; whole column blank = not planned",
        ],
    )
    top = 3
    w.headers(top, 0, [H_MONTH, H_BUDGET, H_AVAILABLE])
    labels = _labels(plan)
    for t in range(plan.months):
        row = top + 1 + t
        w.text(row, 0, labels[t], fmt.text)
        w.number(row, 1, None if plan.approved_budget is None else _at(plan.approved_budget, t), fmt.money)
        hours = None if plan.sales_hours_available is None else _at(plan.sales_hours_available, t)
        w.number(row, 2, hours, fmt.number)
    _validate_min(sheet, top + 1, top + plan.months, 1, "Approved budget")
    _validate_min(sheet, top + 1, top + plan.months, 2, "Sales hours")
    sheet.freeze_panes(top + 1, 0)
    sheet.set_row(2, 45)
    apply_print(sheet, SheetPrint([22, 22, 22], top, repeat_labels=False), plan.name)


def _write_results(book: xlsxwriter.Workbook, fmt: _Formats, plan: Plan) -> None:
    sheet = book.add_worksheet(RESULTS, worksheet_class=_ExactWorksheet)
    w = _Writer(sheet, fmt)
    sheet.set_tab_color("#808080")
    sheet.set_column(0, 0, 16)
    w.text(0, 0, "Results: computed by the planner when it saved, not read back", fmt.title)
    problems = validate(plan)
    result: PlanResult | None = None
    if not errors_only(problems):
        try:
            result = calculate(plan)
        except Exception:  # the Results sheet is a convenience: never let it block saving the inputs
            result = None
    if result is None:
        apply_print(sheet, SheetPrint([110], repeat_labels=False), plan.name)
        w.text(2, 0, "Not computed: the plan has problems to fix first.", fmt.label)
        w.text(1, 0, "Results are computed by the planner when it saves; they are not read back.", fmt.hint_line)
        for offset, problem in enumerate(errors_only(problems)[:200] or problems[:200]):
            w.text(3 + offset, 0, str(problem))
        return
    _write_result_table(w, fmt, plan, result)
    apply_print(sheet, SheetPrint([RESULT_LABEL_WIDTH], 3, len(result.months), RESULT_WIDTH, tail=2), plan.name)


def _write_result_table(w: _Writer, fmt: _Formats, plan: Plan, result: PlanResult) -> None:
    """One row per figure, the months across (as finance reads a plan),
    then the months before the plan and the plan's total."""
    cur = plan.currency
    rows: list[tuple[str, Sequence[float], str, float | None]] = []

    def add(header: str, values: Any, kind: str, pre: float | None = None) -> None:
        rows.append((header, values, kind, pre))

    add(f"Revenue target ({cur})", result.revenue_target, "money")
    add("Deals required", result.deals_required, "count")
    for k, name in enumerate(result.stage_names[:-1]):
        add(f"{name} required", result.stage_required[k], "count", result.pre_plan[k])
    add("Paid leads", result.paid_leads, "count", result.paid_leads_pre_plan)
    for j, name in enumerate(result.channel_names):
        add(f"{name} leads", result.channel_leads[j], "count")
    for j, name in enumerate(result.channel_names):
        add(f"{name} spend ({cur})", result.spend[j], "money")
    add(f"Spend total ({cur})", result.spend_total, "money", result.spend_pre_plan)
    if result.approved_budget is not None and result.budget_gap is not None:
        add(f"Approved budget ({cur})", result.approved_budget, "money")
        add(f"Budget gap: spend - budget ({cur})", result.budget_gap, "money")
    if result.funded is not None:
        add(f"Revenue the budget funds ({cur})", result.funded.revenue, "money")
        if result.funded.gate_deficit is not None:
            add("Qualified-lead shortfall with the budget", result.funded.gate_deficit, "count")
    if result.spec_change is not None:
        add("Qualified-lead shortfall, proposed spec", result.spec_change.gate_deficit, "count")
        add(f"Extra spend for the proposed spec ({cur})", result.spec_change.extra_spend, "money")
    if result.sales_utilization is not None:
        add("Sales utilization", result.sales_utilization, "percent")
    head = 3
    w.text(
        1,
        0,
        "To change the plan, edit the input sheets. Counts are rounded up to whole items; money is in whole "
        "currency units.",
        fmt.hint_line,
    )
    months = list(result.months)
    w.headers(head, 0, [H_FIGURE, *months, H_BEFORE, H_TOTAL], fmt.computed_header)
    w.sheet.set_row(head, 30)
    w.sheet.set_column(0, 0, RESULT_LABEL_WIDTH)
    w.sheet.set_column(1, len(months) + 2, RESULT_WIDTH)
    for r, (label, values, kind, pre) in enumerate(rows):
        row = head + 1 + r
        w.text(row, 0, label)
        style = fmt.computed_percent if kind == "percent" else fmt.computed
        cells = [float(v) for v in values]
        total = max(cells) if kind == "percent" else sum(cells)
        for c, number in enumerate([*cells, math.nan if pre is None else pre, total]):
            col = 1 + c
            if col == len(months) + 1 and pre is None:
                continue
            if not math.isfinite(number):
                w.text(row, col, "n/a")
            else:
                w.number(row, col, float(shown_count(number)) if kind == "count" else number, style)
    w.sheet.freeze_panes(head + 1, 1)
    info = head + 2 + len(rows)
    w.text(info, 0, "Blended paid rate")
    w.number(info, 1, result.blended_paid_rate, fmt.computed_percent)
    if result.spec_pass_rate is not None:
        w.text(info + 1, 0, "Lead spec pass rate")
        w.number(info + 1, 1, result.spec_pass_rate, fmt.computed_percent)
    w.text(info + 2, 0, "Sales utilization: the plan total column shows the highest month.", fmt.hint_line)


def _scenario_note(plan: Plan, first: bool) -> str:
    where = "The plan on the input sheets" if first else "Kept by the planner (open it in the planner to edit)"
    target = format_money(sum(plan.revenue_target), plan.currency) if plan.revenue_target else "none"
    return f"{where}: {plan.months} months from {plan.start}, revenue target {target}, {len(plan.channels)} channels."


def _scenario_chunks(plan: Plan) -> list[str]:
    """The plan as JSON text (ASCII, so a chunk's length is its length in
    Excel), split into pieces that fit a cell."""
    text = json.dumps(scenario_to_dict("", plan)["plan"], ensure_ascii=True, separators=(",", ":"))
    return [text[i : i + MAX_TEXT] for i in range(0, len(text), MAX_TEXT)]


def _write_scenarios(book: xlsxwriter.Workbook, fmt: _Formats, scenarios: NamedPlans, active: int) -> None:
    sheet = book.add_worksheet(SCENARIOS, worksheet_class=_ExactWorksheet)
    w = _Writer(sheet, fmt)
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 8)
    sheet.set_column(2, 2, 70)
    sheet.set_column(3, 3, 30)
    w.text(0, 0, "Scenarios: copies of the plan to compare", fmt.title)
    sheet.merge_range(1, 0, 1, 3, "", fmt.hint)
    sheet.set_row(1, 32)
    w.text(
        1,
        0,
        "The first scenario is the plan on the input sheets. The planner keeps the others in the plan data cells: "
        "open the workbook in the planner to change them. 'Active' marks the scenario shown when the file opens.",
        fmt.hint,
    )
    top = 3
    w.headers(top, 0, [H_SCENARIO, H_ACTIVE, H_NOTE, H_DATA])
    for k, (name, plan) in enumerate(scenarios):
        row = top + 1 + k
        w.text(row, 0, name, fmt.text)
        w.text(row, 1, "yes" if k == active else "no", fmt.text)
        w.text(row, 2, _scenario_note(plan, k == 0))
        if k:
            for offset, chunk in enumerate(_scenario_chunks(plan)):
                w.text(row, 3 + offset, chunk)
    sheet.freeze_panes(top + 1, 1)
    sheet.print_area(0, 0, top + len(scenarios), 2)  # not the plan data
    apply_print(sheet, SheetPrint([28, 8, 70], top, repeat_labels=False), scenarios[0][1].name)


def _write_workbook(scenarios: NamedPlans, active: int, target: Path) -> None:
    plan = scenarios[0][1]
    book = xlsxwriter.Workbook(
        str(target),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    try:
        fmt = _formats(book, plan.currency)
        _write_about(book, fmt, plan, len(scenarios))
        _write_calendar(book, fmt, plan)
        _write_funnel(book, fmt, plan)
        _write_spec(book, fmt, plan)
        _write_channels(book, fmt, plan)
        _write_free(book, fmt, plan)
        _write_capacity(book, fmt, plan)
        _write_results(book, fmt, plan)
        if len(scenarios) > 1 or scenarios[0][0] != MAIN_SCENARIO:
            _write_scenarios(book, fmt, scenarios, active)
        book.get_worksheet_by_name(CALENDAR).activate()
    except BaseException:
        book.fileclosed = True  # nothing to write; keeps xlsxwriter's destructor quiet
        raise
    book.close()


def save_plan_workbook(plan: Plan, path: Path) -> None:
    """Write ``plan`` as a workbook at ``path``, atomically; the previous
    version is kept as ``<name>.bak``.

    Raises :class:`PlanSaveError` (an OSError) with a message a person can
    act on when the file or folder cannot be written; the existing file is
    then unchanged.
    """
    save_document_workbook(((MAIN_SCENARIO, plan),), 0, path)


def save_document_workbook(scenarios: NamedPlans, active: int, path: Path) -> None:
    """Write a document's scenarios as a workbook (the first on the input
    sheets, the others and ``active``, an index into ``scenarios``, on the
    *Scenarios* sheet), atomically, as :func:`save_plan_workbook`."""
    if not scenarios:
        raise ValueError("a plan document has at least one scenario")
    if path.exists() and not os.access(path, os.W_OK):
        raise PlanSaveError(
            f"Cannot save {path.name}: the file is read-only. Save under another name, or make the file writable."
        )
    try:
        atomic_write(path, lambda tmp: _write_workbook(scenarios, active, tmp), backup=True)
    except PlanSaveError:
        raise
    except (OSError, xlsxwriter.exceptions.FileCreateError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise PlanSaveError(
            f"Cannot save {path.name} in {path.parent}: {reason}. "
            "Check that the folder exists and you may write there, or save elsewhere."
        ) from exc


# -- reading -------------------------------------------------------------------


def _norm(value: object) -> str:
    return re.sub(r"\s+", " ", value).strip().casefold() if isinstance(value, str) else ""


class _Sheet:
    def __init__(self, file: str, name: str, rows: list[list[object]]) -> None:
        self.file = file
        self.name = name
        self.rows = rows

    def get(self, row: int, col: int) -> object:
        if 0 <= row < len(self.rows) and 0 <= col < len(self.rows[row]):
            return self.rows[row][col]
        return None

    def where(self, row: int, col: int) -> str:
        return f"{self.file}, sheet '{self.name}', cell {cell_name(row, col)}"

    def find(self, label: str, first: int = 0, last: int | None = None) -> tuple[int, int] | None:
        """The first cell (row by row) whose text is ``label`` (case and
        spacing ignored) in rows first..last-1."""
        wanted = _norm(label)
        stop = len(self.rows) if last is None else min(last, len(self.rows))
        for r in range(max(first, 0), stop):
            for c, value in enumerate(self.rows[r]):
                if isinstance(value, str) and _norm(value) == wanted:
                    return r, c
        return None

    def find_label(self, label: str, first: int = 0, last: int | None = None) -> tuple[int, int] | None:
        """A row label: the first cell reading ``label`` with nothing left
        of it on its row (a value that happens to read the same, such as a
        plan called 'Months', sits right of its own label)."""
        at = self.find(label, first, last)
        while at is not None:
            if all(_blank(self.get(at[0], c)) for c in range(at[1])):
                return at
            at = self.find(label, at[0] + 1, last)
        return None

    def find_title(self, label: str, first: int = 0) -> tuple[int, int] | None:
        """A section title: a cell reading ``label`` alone on its row (a
        table row naming a channel or criterion the same has other values
        beside it); any cell reading ``label`` when none stands alone."""
        at = self.find(label, first)
        fallback = at
        while at is not None:
            others = [v for c, v in enumerate(self.rows[at[0]]) if c != at[1] and not _blank(v)]
            if not others:
                return at
            at = self.find(label, at[0] + 1)
        return fallback

    def row_empty(self, row: int, cols: Sequence[int]) -> bool:
        return all(_blank(self.get(row, c)) for c in cols)


@dataclass(frozen=True)
class _Unreadable:
    """A cell calamine reads as empty that is not: an Excel error (``code``
    its text, e.g. ``#REF!``) or a formula saved without a value (``code`` is
    :data:`~core.formats.xlsx.cells.NO_VALUE`)."""

    code: str

    def message(self, expected: str) -> str:
        if self.code == NO_VALUE:
            return (
                "The cell holds a formula with no saved value (it was never calculated); open the file in Excel or "
                "LibreOffice, let it calculate and save it again."
            )
        return f"The cell shows {self.code} (an Excel error), not {expected}: correct the formula or type the value."


def _with_unreadable(
    sheets: dict[str, list[list[object]]], found: dict[str, dict[tuple[int, int], str]]
) -> dict[str, list[list[object]]]:
    """The sheets with each error cell and each formula without a value (as
    :func:`core.formats.xlsx.cells.unreadable_cells` found them) as an
    :class:`_Unreadable`, so that reading such a cell is refused, never taken
    for an empty one."""
    for name, cells in found.items():
        rows = sheets.get(name)
        if rows is None:
            continue
        for (row, col), code in cells.items():
            while len(rows) <= row:
                rows.append([])
            line = rows[row]
            if len(line) <= col:
                line.extend([None] * (col + 1 - len(line)))
            if _blank(line[col]):
                line[col] = _Unreadable(code)
    return sheets


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _show(value: object) -> str:
    if isinstance(value, _Unreadable):
        return "a formula with no saved value" if value.code == NO_VALUE else f"the Excel error {value.code}"
    if isinstance(value, str):
        return f"text '{value[:40]}'"
    if isinstance(value, bool):
        return f"the value {'TRUE' if value else 'FALSE'}"
    if isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return f"a date or time ({value})"
    return f"'{value}'"


_KINDS = {
    "rate": ("a rate", "enter a number more than 0 and at most 1 (e.g. 35%)"),
    "share": ("a share", "enter a number between 0 and 1 (e.g. 40%)"),
    "money": ("an amount", "enter an amount of money, 0 or more"),
    "days": ("a lag", "enter a number of days, 0 or more"),
    "hours": ("an hours", "enter a number of hours, 0 or more"),
    "count": ("a volume", "enter a number of items, 0 or more"),
    "points": ("a points", "enter a whole number of points"),
    "number": ("a number", "enter a number"),
    "whole": ("a whole-number", "enter a whole number"),
}


_MONTH_NAMES = tuple(dt.date(2000, m, 1).strftime("%B").casefold() for m in range(1, 13))
_START_FORMAT = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _month_key(value: object) -> tuple[int, int] | None:
    """(year, month) of a month label: text ``2027-01`` (or ``2027/1``),
    ``Jan 2027`` or ``January 2027``, or a date (Excel turns a typed
    ``2027-01`` into one); None for anything else."""
    if isinstance(value, dt.date):
        return value.year, value.month
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = re.fullmatch(r"(\d{4})\s*[-/.]\s*(\d{1,2})", text)
    if match:
        month = int(match[2])
        return (int(match[1]), month) if 1 <= month <= 12 else None
    match = re.fullmatch(r"([A-Za-z]{3,9})\.?[\s'-]*(\d{4})", text)
    if match:
        name = match[1].casefold()
        for index, full in enumerate(_MONTH_NAMES):
            if full.startswith(name):
                return int(match[2]), index + 1
    return None


def _plan_month_labels(start: str, months: int) -> tuple[str, ...] | None:
    """The plan's month labels, None when its start or number of months
    cannot be read (reported on their own)."""
    if not _START_FORMAT.fullmatch(start) or not 1 <= months <= MAX_MONTHS:
        return None
    return month_labels(start, months)


@dataclass
class _Table:
    header_row: int
    cols: dict[str, int]
    rows: list[int]
    extra_cols: list[int]
    blank_months: int = 0  # with no month columns to read: the number of months that read as blank


class _Reader:
    """Reads the workbook's cells into plan values, recording a problem
    (with file, sheet and cell) for each value it cannot read, and the cell
    each plan field came from."""

    def __init__(self, file: str, sheets: dict[str, list[list[object]]]) -> None:
        self.file = file
        self.raw = sheets
        self.problems: list[Problem] = []
        self.cells: dict[str, str] = {}
        self.month_labels: tuple[str, ...] | None = None  # the plan's months, once the calendar is read

    def fail(self, field: str, message: str, location: str, severity: str = "error") -> None:
        self.problems.append(Problem(field, message, "warning" if severity == "warning" else "error", location))

    def sheet(self, name: str, field: str) -> _Sheet | None:
        for actual, rows in self.raw.items():
            if _norm(actual) == _norm(name):
                return _Sheet(self.file, actual, rows)
        found = ", ".join(f"'{n}'" for n in self.raw)
        self.fail(
            field,
            f"The sheet '{name}' is missing (the workbook has {found}). Rename the sheet back to '{name}'.",
            f"{self.file}, sheet '{name}'",
        )
        return None

    # -- single cells --

    def note(self, field: str, sheet: _Sheet, row: int, col: int) -> None:
        self.cells[field] = sheet.where(row, col)

    def number(self, sheet: _Sheet, row: int, col: int, field: str, kind: str, blank: float | None = math.nan) -> float:
        """A number cell; ``blank`` is what an empty cell means (NaN: refused)."""
        self.note(field, sheet, row, col)
        value = sheet.get(row, col)
        noun, todo = _KINDS[kind]
        if _blank(value):
            if blank is not None and math.isnan(blank):
                self.fail(field, f"The cell is empty: {todo}.", sheet.where(row, col))
                return math.nan
            return math.nan if blank is None else blank
        if isinstance(value, _Unreadable):
            self.fail(field, value.message("a number"), sheet.where(row, col))
            return math.nan
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(field, f"{_show(value).capitalize()} in {noun} cell: {todo}.", sheet.where(row, col))
            return math.nan
        number = float(value)
        if not math.isfinite(number):
            self.fail(field, f"The cell holds {number}: {todo}.", sheet.where(row, col))
            return math.nan
        return number

    def optional(self, sheet: _Sheet, row: int, col: int, field: str, kind: str) -> float | None:
        if _blank(sheet.get(row, col)):
            self.note(field, sheet, row, col)
            return None
        return self.number(sheet, row, col, field, kind)

    def whole(self, sheet: _Sheet, row: int, col: int, field: str, kind: str = "whole") -> int:
        number = self.number(sheet, row, col, field, kind)
        if math.isnan(number):
            return 0
        if not number.is_integer():
            _, todo = _KINDS[kind]
            self.fail(field, f"The cell holds {number:g}, not a whole number: {todo}.", sheet.where(row, col))
            return 0
        return int(number)

    def text(self, sheet: _Sheet, row: int, col: int, field: str, required: bool = True) -> str:
        self.note(field, sheet, row, col)
        value = sheet.get(row, col)
        if _blank(value) and isinstance(value, str) and not required:
            return value
        if value is None or (isinstance(value, str) and value == ""):
            if required:
                self.fail(field, "The cell is empty: enter a name.", sheet.where(row, col))
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, float) and value.is_integer() and not isinstance(value, bool):
            return str(int(value))
        if isinstance(value, float):
            return repr(value)
        if isinstance(value, _Unreadable):
            self.fail(field, value.message("a name"), sheet.where(row, col))
            return ""
        self.fail(field, f"{_show(value).capitalize()} where a text is expected: enter a name.", sheet.where(row, col))
        return ""

    def flag(self, sheet: _Sheet, row: int, col: int, field: str) -> bool:
        self.note(field, sheet, row, col)
        value = sheet.get(row, col)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and _norm(value) in ("yes", "y", "true"):
            return True
        if _blank(value) or (isinstance(value, str) and _norm(value) in ("no", "n", "false")):
            return False
        self.fail(field, f"{_show(value).capitalize()} in a yes/no cell: enter yes or no.", sheet.where(row, col))
        return False

    # -- labelled values and tables --

    def labelled(
        self, sheet: _Sheet, label: str, field: str, first: int = 0, last: int | None = None
    ) -> tuple[int, int] | None:
        """The cell right of ``label``, or None (with a problem) when the label is gone."""
        at = sheet.find_label(label, first, last)
        if at is None:
            self.fail(
                field,
                f"The label '{label}' is missing; put it back in column A with its value beside it.",
                f"{self.file}, sheet '{sheet.name}'",
            )
            return None
        return at[0], at[1] + 1

    def table(
        self,
        sheet: _Sheet,
        headers: Sequence[str],
        field: str,
        first: int = 0,
        last: int | None = None,
        months: bool = False,
    ) -> _Table | None:
        """A table whose header row holds ``headers`` (the first is the key
        column), in rows first..last-1. Data rows run to ``last`` (blank rows
        skipped). With ``months``, the non-blank header cells right of the
        last named column are month columns."""
        stop = len(sheet.rows) if last is None else min(last, len(sheet.rows))
        key = sheet.find(headers[0], first, stop)
        while key is not None:
            r, _ = key
            row_labels = {_norm(v): c for c, v in enumerate(sheet.rows[r]) if isinstance(v, str)}
            if all(_norm(h) in row_labels for h in headers):
                break
            if len(headers) > 1 and sum(_norm(h) in row_labels for h in headers) >= 2:
                missing = [h for h in headers if _norm(h) not in row_labels]
                names = ", ".join(f"'{h}'" for h in missing)
                self.fail(
                    field,
                    f"The table's column {names} is missing (deleted or renamed?). "
                    f"The header row needs: {', '.join(repr(h) for h in headers)}.",
                    sheet.where(r, key[1]),
                )
                return None
            key = sheet.find(headers[0], r + 1, stop)
        if key is None:
            self.fail(
                field,
                f"No table with the header '{headers[0]}' was found"
                f"{' in this part of the sheet' if first or last else ''}; its header row needs "
                f"{', '.join(repr(h) for h in headers)}.",
                f"{self.file}, sheet '{sheet.name}'",
            )
            return None
        r = key[0]
        row_labels = {}
        for c, v in enumerate(sheet.rows[r]):
            if isinstance(v, str) and _norm(v) not in row_labels:
                row_labels[_norm(v)] = c
        cols = {h: row_labels[_norm(h)] for h in headers}
        extra: list[int] = []
        if months:
            c = max(cols.values()) + 1
            while not _blank(sheet.get(r, c)):
                extra.append(c)
                c += 1
        used = [*cols.values(), *extra]
        rows = [row for row in range(r + 1, stop) if not sheet.row_empty(row, used)]
        self.cells.setdefault(field, sheet.where(r, cols[headers[0]]))
        return _Table(r, cols, rows, extra)

    def month_order(
        self, sheet: _Sheet, cells: Sequence[tuple[int, int]], field: str, header: tuple[int, int], kind: str
    ) -> list[int] | None:
        """Which of ``cells`` (a table's month labels: the first cell of each
        of its rows, or its month header cells; ``kind`` is "row" or
        "column") is labelled with each month of the plan, in the plan's
        order; None (each fault recorded at its cell) when a label is empty,
        not a month, not a month of the plan or repeated, or a month of the
        plan has no label (recorded at ``header``). Without the plan's months
        (start or number of months unreadable) the cells are taken in order."""
        labels = self.month_labels
        if labels is None:
            return list(range(len(cells)))
        wanted = {_month_key(label): t for t, label in enumerate(labels)}
        span = f"the plan's {len(labels)} month{'s' if len(labels) > 1 else ''} run from {labels[0]} to {labels[-1]}"
        found: dict[int, int] = {}
        faults: list[tuple[tuple[int, int], str]] = []
        for i, (row, col) in enumerate(cells):
            value = sheet.get(row, col)
            key = _month_key(value)
            t = wanted.get(key) if key is not None else None
            if t is not None and t not in found:
                found[t] = i
                continue
            if t is not None:
                message = f"The month {labels[t]} has two {kind}s (also cell {cell_name(*cells[found[t]])}); keep one."
            elif isinstance(value, _Unreadable):
                message = value.message("a month")
            elif _blank(value):
                message = f"The month label is empty: write the {kind}'s month as YYYY-MM ({span})."
            elif key is None:
                message = f"{_show(value).capitalize()} is not a month: write the {kind}'s month as YYYY-MM ({span})."
            else:
                message = (
                    f"{key[0]:04d}-{key[1]:02d} is not a month of this plan ({span}): delete the {kind}, "
                    "or change the start month or the number of months."
                )
            faults.append(((row, col), message))
        missing = [label for t, label in enumerate(labels) if t not in found]
        if len(faults) > 3:
            self.fail(
                field,
                f"{len(faults)} {kind}s of this table, from this cell on, are not labelled with the plan's months "
                f"({span}). Label each {kind} with its month (YYYY-MM), or correct the start month or the number "
                "of months.",
                sheet.where(*faults[0][0]),
            )
            return None
        for at, message in faults:
            self.fail(field, message, sheet.where(*at))
        if missing:
            shown = ", ".join(missing[:6]) + (", ..." if len(missing) > 6 else "")
            self.fail(
                field,
                f"No {kind} is labelled with the month{'s' if len(missing) > 1 else ''} {shown} ({span}); "
                f"add one {kind} per month.",
                sheet.where(*header),
            )
        if len(found) < len(cells) or missing:
            return None
        return [found[t] for t in range(len(labels))]

    def month_columns(self, sheet: _Sheet, table: _Table, field: str) -> None:
        """Put the table's month columns in the plan's order, matched by
        their header labels (a mismatch is a problem, and the months then
        read as blank). When every month cell is blank, the labels are not
        checked: each month reads as blank."""
        labels = self.month_labels
        if labels is None:
            return
        if all(sheet.row_empty(row, table.extra_cols) for row in table.rows):
            table.extra_cols, table.blank_months = [], len(labels)
            return
        header = (table.header_row, min(table.cols.values()))
        cells = [(table.header_row, c) for c in table.extra_cols]
        order = self.month_order(sheet, cells, field, header, "column")
        if order is None:
            table.extra_cols, table.blank_months = [], len(labels)
        else:
            table.extra_cols = [table.extra_cols[i] for i in order]

    def month_rows(self, sheet: _Sheet, table: _Table, field: str) -> list[int] | None:
        """The table's rows in the plan's month order (matched by their
        labels in the Month column); None (with problems) when they do not match."""
        col = table.cols[H_MONTH]
        order = self.month_order(sheet, [(row, col) for row in table.rows], field, (table.header_row, col), "row")
        return None if order is None else [table.rows[i] for i in order]

    def monthly(self, sheet: _Sheet, table: _Table, row: int, field: str, kind: str, blank: float | None) -> Series:
        if not table.extra_cols and table.blank_months:
            return (math.nan if blank is None else blank,) * table.blank_months
        return tuple(
            self.number(sheet, row, col, f"{field}[{t}]", kind, blank) for t, col in enumerate(table.extra_cols)
        )


def _read_about(r: _Reader) -> bool:
    sheet = r.sheet(ABOUT, "file")
    if sheet is None:
        return False
    for row in sheet.rows[:50]:
        for value in row[:5]:
            if isinstance(value, str) and "funnel-plan/" in value and value.strip().endswith("workbook"):
                if value.strip() == WORKBOOK_MARKER:
                    return True
                r.fail(
                    "format",
                    f"This workbook is in format '{value.strip()}'; this planner reads '{WORKBOOK_MARKER}'.",
                    f"{r.file}, sheet '{sheet.name}'",
                )
                return False
    r.fail(
        "file",
        f"This is not a plan workbook saved by the planner (its '{ABOUT}' sheet lacks '{WORKBOOK_MARKER}'). "
        "To use last year's spreadsheet, import it instead.",
        f"{r.file}, sheet '{sheet.name}'",
    )
    return False


@dataclass
class _Calendar:
    name: str = "Untitled plan"
    currency: str = "USD"
    start: str = ""
    months: int = 0
    deal: float = math.nan
    notes: str = ""
    target: Series = ()
    pipeline: Series = ()


def _read_start(r: _Reader, sheet: _Sheet, at: tuple[int, int]) -> str:
    r.note("start", sheet, *at)
    value = sheet.get(*at)
    if isinstance(value, (dt.datetime, dt.date)):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        return value.strip()
    if _blank(value):
        r.fail("start", "The cell is empty: enter the first month as YYYY-MM (e.g. 2027-01).", sheet.where(*at))
        return ""
    r.fail("start", f"{_show(value).capitalize()}: enter the first month as YYYY-MM (e.g. 2027-01).", sheet.where(*at))
    return ""


def _read_calendar(r: _Reader) -> _Calendar:
    cal = _Calendar()
    sheet = r.sheet(CALENDAR, "months")
    if sheet is None:
        return cal
    at = r.labelled(sheet, L_NAME, "name")
    if at:
        cal.name = r.text(sheet, *at, "name")
    at = r.labelled(sheet, L_CURRENCY, "currency")
    if at:
        cal.currency = r.text(sheet, *at, "currency")
    at = r.labelled(sheet, L_START, "start")
    if at:
        cal.start = _read_start(r, sheet, at)
    at = r.labelled(sheet, L_MONTHS, "months")
    if at:
        cal.months = r.whole(sheet, *at, "months")
    at = r.labelled(sheet, L_DEAL, "avg_deal_size")
    if at:
        cal.deal = r.number(sheet, *at, "avg_deal_size", "money")
    at = sheet.find_label(L_NOTES)
    if at is not None:
        parts = []
        col = at[1] + 1
        while isinstance(sheet.get(at[0], col), str):
            parts.append(str(sheet.get(at[0], col)))
            col += 1
        cal.notes = "".join(parts)
    r.month_labels = _plan_month_labels(cal.start, cal.months)
    table = r.table(sheet, [H_MONTH, H_TARGET, H_PIPELINE], "revenue_target")
    rows = None if table is None else r.month_rows(sheet, table, "revenue_target")
    if table is None or rows is None:
        cal.target = (math.nan,) * max(cal.months, 1)
        return cal
    r.cells["pipeline_revenue"] = sheet.where(table.header_row, table.cols[H_PIPELINE])
    r.cells["revenue_target"] = sheet.where(table.header_row, table.cols[H_TARGET])
    cal.target = tuple(
        r.number(sheet, row, table.cols[H_TARGET], f"revenue_target[{t}]", "money") for t, row in enumerate(rows)
    )
    pipe_col = table.cols[H_PIPELINE]
    if all(_blank(sheet.get(row, pipe_col)) for row in rows):
        cal.pipeline = ()
    else:
        cal.pipeline = tuple(
            r.number(sheet, row, pipe_col, f"pipeline_revenue[{t}]", "money", 0.0) for t, row in enumerate(rows)
        )
    return cal


def _read_stages(r: _Reader) -> tuple[Stage, ...]:
    sheet = r.sheet(FUNNEL, "stages")
    if sheet is None:
        return ()
    table = r.table(sheet, [H_STAGE, H_RATE, H_LAG, H_HOURS], "stages")
    if table is None:
        return ()
    stages = []
    last = len(table.rows) - 1
    for k, row in enumerate(table.rows):
        path = f"stages[{k}]"
        name = r.text(sheet, row, table.cols[H_STAGE], f"{path}.name")
        hours = r.number(sheet, row, table.cols[H_HOURS], f"{path}.sales_hours", "hours", 0.0)
        if k < last:
            rate: float | None = r.number(sheet, row, table.cols[H_RATE], f"{path}.rate", "rate")
            lag: float | None = r.number(sheet, row, table.cols[H_LAG], f"{path}.lag_days", "days", 0.0)
        else:
            rate = lag = None
            for col, what in ((table.cols[H_RATE], "rate"), (table.cols[H_LAG], "lag")):
                if not _blank(sheet.get(row, col)):
                    r.fail(
                        f"{path}.{'rate' if what == 'rate' else 'lag_days'}",
                        f"The last stage ('{name}') is the won deal and has no {what}; this value is ignored. "
                        "To add a stage after it, add a row below.",
                        sheet.where(row, col),
                        "warning",
                    )
        stages.append(Stage(name=name, rate=rate, lag_days=lag, sales_hours=hours))
    return tuple(stages)


def _read_spec_block(r: _Reader, sheet: _Sheet, path: str, first: int, last: int | None) -> LeadSpec | None:
    gate_at = r.labelled(sheet, L_GATE, f"{path}.gate", first, last)
    threshold_at = r.labelled(sheet, L_THRESHOLD, f"{path}.threshold", first, last)
    source_at = r.labelled(sheet, L_SOURCE, f"{path}.pass_rate_source", first, last)
    measured_at = r.labelled(sheet, L_MEASURED, f"{path}.empirical.pass_rate", first, last)
    sample_at = r.labelled(sheet, L_SAMPLE, f"{path}.empirical.sample", first, last)
    table = r.table(sheet, [H_CRITERION, H_POINTS, H_SHARE, H_REQUIRED], f"{path}.criteria", first, last)
    if gate_at is None or threshold_at is None or table is None:
        return None
    filled = [gate_at, threshold_at, *([measured_at] if measured_at else []), *([sample_at] if sample_at else [])]
    if all(_blank(sheet.get(*at)) for at in filled) and not table.rows:
        return None
    gate = r.text(sheet, *gate_at, f"{path}.gate")
    if not gate:
        r.problems[-1] = Problem(
            f"{path}.gate",
            "The gate stage is empty: enter the stage the spec qualifies leads into, or clear the whole spec.",
            "error",
            sheet.where(*gate_at),
        )
    threshold = r.number(sheet, *threshold_at, f"{path}.threshold", "points")
    criteria = []
    for i, row in enumerate(table.rows):
        cpath = f"{path}.criteria[{i}]"
        criteria.append(
            Criterion(
                name=r.text(sheet, row, table.cols[H_CRITERION], f"{cpath}.name"),
                points=r.whole(sheet, row, table.cols[H_POINTS], f"{cpath}.points", "points"),
                share=r.number(sheet, row, table.cols[H_SHARE], f"{cpath}.share", "share"),
                required=r.flag(sheet, row, table.cols[H_REQUIRED], f"{cpath}.required"),
            )
        )
    empirical = None
    if measured_at and sample_at and not (_blank(sheet.get(*measured_at)) and _blank(sheet.get(*sample_at))):
        empirical = EmpiricalPassRate(
            pass_rate=r.number(sheet, *measured_at, f"{path}.empirical.pass_rate", "rate"),
            sample=r.whole(sheet, *sample_at, f"{path}.empirical.sample"),
        )
    source: str = "criteria"
    if source_at:
        r.note(f"{path}.pass_rate_source", sheet, *source_at)
        raw = sheet.get(*source_at)
        said = _norm(raw)
        if said in ("measured", "empirical"):
            source = "empirical"
        elif said not in ("criteria", ""):
            r.fail(
                f"{path}.pass_rate_source",
                f"{_show(raw).capitalize()}: enter 'criteria' or 'measured'.",
                sheet.where(*source_at),
            )
    return LeadSpec(
        gate=gate,
        threshold=threshold,
        criteria=tuple(criteria),
        empirical=empirical,
        pass_rate_source="empirical" if source == "empirical" else "criteria",
    )


def _read_specs(r: _Reader) -> tuple[LeadSpec | None, LeadSpec | None]:
    sheet = r.sheet(SPEC, "lead_spec")
    if sheet is None:
        return None, None
    current = sheet.find_title(T_CURRENT)
    if current is None:
        r.fail(
            "lead_spec",
            f"The title '{T_CURRENT}' is missing; put it back above the current spec.",
            f"{r.file}, sheet '{sheet.name}'",
        )
        return None, None
    proposed = sheet.find_title(T_PROPOSED, current[0] + 1)
    spec = _read_spec_block(r, sheet, "lead_spec", current[0], proposed[0] if proposed else None)
    if proposed is None:
        return spec, None
    return spec, _read_spec_block(r, sheet, "proposed_lead_spec", proposed[0], None)


def _read_channels(r: _Reader, months: int) -> tuple[Channel, ...]:
    sheet = r.sheet(CHANNELS, "channels")
    if sheet is None:
        return ()
    fixed_title = sheet.find_title(T_FIXED)
    table = r.table(
        sheet, [H_CHANNEL, H_MIX, H_CPL, H_CHANNEL_RATE], "channels", 0, fixed_title[0] if fixed_title else None
    )
    if table is None:
        return ()
    names: list[str] = []
    partial: list[tuple[str, float, float, float | None]] = []
    for j, row in enumerate(table.rows):
        path = f"channels[{j}]"
        name = r.text(sheet, row, table.cols[H_CHANNEL], f"{path}.name")
        names.append(name)
        partial.append(
            (
                name,
                r.number(sheet, row, table.cols[H_MIX], f"{path}.mix", "share"),
                r.number(sheet, row, table.cols[H_CPL], f"{path}.cost_per_lead", "money"),
                r.optional(sheet, row, table.cols[H_CHANNEL_RATE], f"{path}.rate", "rate"),
            )
        )
    fixed: dict[int, Series] = {}
    if fixed_title is None:
        if partial:
            r.fail(
                "channels",
                f"The title '{T_FIXED}' is missing; put it back above the fixed-cost table.",
                f"{r.file}, sheet '{sheet.name}'",
            )
    else:
        ftable = r.table(sheet, [H_CHANNEL], "channels", fixed_title[0] + 1, None, months=True)
        if ftable is not None:
            r.month_columns(sheet, ftable, "channels.fixed_cost")
            keys = {_norm(n): j for j, n in enumerate(names)}
            for row in ftable.rows:
                where = sheet.where(row, ftable.cols[H_CHANNEL])
                label = sheet.get(row, ftable.cols[H_CHANNEL])
                found = keys.get(_norm(label)) if isinstance(label, str) else None
                if found is None:
                    r.fail(
                        "channels",
                        f"The fixed cost row {_show(label)} names no channel of the '{T_CHANNELS}' table; "
                        "use the channel's name exactly, or delete the row.",
                        where,
                    )
                    continue
                if found in fixed:
                    r.fail("channels", f"The channel '{names[found]}' has two fixed cost rows; keep one.", where)
                    continue
                fixed[found] = r.monthly(sheet, ftable, row, f"channels[{found}].fixed_cost", "money", 0.0)
                r.cells[f"channels[{found}].fixed_cost"] = where
    return tuple(
        Channel(name=n, mix=m, cost_per_lead=c, rate=rate, fixed_cost=fixed.get(j, (0.0,) * max(months, 0)))
        for j, (n, m, c, rate) in enumerate(partial)
    )


def _read_free(r: _Reader) -> tuple[FreeSource, ...]:
    sheet = r.sheet(FREE, "free_sources")
    if sheet is None:
        return ()
    table = r.table(sheet, [H_SOURCE, H_ENTERS], "free_sources", months=True)
    if table is None:
        return ()
    r.month_columns(sheet, table, "free_sources.volume")
    out = []
    for i, row in enumerate(table.rows):
        path = f"free_sources[{i}]"
        out.append(
            FreeSource(
                name=r.text(sheet, row, table.cols[H_SOURCE], f"{path}.name"),
                stage=r.text(sheet, row, table.cols[H_ENTERS], f"{path}.stage"),
                volume=r.monthly(sheet, table, row, f"{path}.volume", "count", 0.0),
            )
        )
        r.cells[f"{path}.volume"] = sheet.where(row, table.cols[H_SOURCE])
    return tuple(out)


def _read_capacity(r: _Reader) -> tuple[Series | None, Series | None]:
    sheet = r.sheet(CAPACITY, "approved_budget")
    if sheet is None:
        return None, None
    table = r.table(sheet, [H_MONTH, H_BUDGET, H_AVAILABLE], "approved_budget")
    if table is None:
        return None, None
    planned = [table.cols[H_BUDGET], table.cols[H_AVAILABLE]]
    if all(sheet.row_empty(row, planned) for row in table.rows):
        rows: list[int] | None = table.rows  # neither is planned: the month labels do not matter
    else:
        rows = r.month_rows(sheet, table, "approved_budget")
    if rows is None:
        return None, None
    out: list[Series | None] = []
    for header, field, kind in (
        (H_BUDGET, "approved_budget", "money"),
        (H_AVAILABLE, "sales_hours_available", "hours"),
    ):
        col = table.cols[header]
        r.cells[field] = sheet.where(table.header_row, col)
        if all(_blank(sheet.get(row, col)) for row in rows):
            out.append(None)
            continue
        out.append(tuple(r.number(sheet, row, col, f"{field}[{t}]", kind) for t, row in enumerate(rows)))
    return out[0], out[1]


def _locate(problem: Problem, cells: dict[str, str], fallback: str) -> Problem:
    """The problem with ``location`` set to the cell its field came from
    (or the nearest enclosing table, or the file)."""
    if problem.location:
        return problem
    field = problem.field
    while field:
        if field in cells:
            return Problem(problem.field, problem.message, problem.severity, cells[field])
        trimmed = re.sub(r"(\[\d+\]|\.[A-Za-z_]+)$", "", field)
        if trimmed == field:
            break
        field = trimmed
    return Problem(problem.field, problem.message, problem.severity, fallback)


def is_plan_workbook(path: Path) -> bool:
    """True when ``path`` is a readable workbook carrying the plan marker."""
    path = Path(path)
    book, refused = read_workbook(path)
    if book is None or refused is not None:
        return False
    for name, rows in book.sheets.items():
        if _norm(name) == _norm(ABOUT):
            return any(isinstance(v, str) and v.strip() == WORKBOOK_MARKER for row in rows[:50] for v in row[:5])
    return False


def _read_scenario_row(
    r: _Reader, sheet: _Sheet, row: int, col: int, index: int, name: str
) -> tuple[Plan | None, tuple[Problem, ...]]:
    """The plan stored as JSON text from ``col`` rightwards on ``row``."""
    where = sheet.where(row, col)
    parts: list[str] = []
    c = col
    while isinstance(sheet.get(row, c), str) and sheet.get(row, c) != "":
        parts.append(str(sheet.get(row, c)))
        c += 1
    field = f"scenarios[{index}].plan"
    todo = "Save it again from the planner, or delete the scenario's row to drop the scenario."
    try:
        data = json.loads("".join(parts))
    except (ValueError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        return None, (
            Problem(field, f"Scenario '{name}': its plan data is damaged ({reason}). {todo}", "error", where),
        )
    plan, problems = plan_from_dict(data, top_level=False)
    located = tuple(
        p if p.location else Problem(p.field, p.message, p.severity, where)
        for p in scenario_problems(problems, index, name)
    )
    return plan, located


def _read_scenarios(r: _Reader, main: Plan) -> tuple[NamedPlans, int, bool]:
    """The document's scenarios from the *Scenarios* sheet (just the main
    plan, named "Baseline", when there is none), the active index, and
    whether every scenario was read."""
    found = [(actual, rows) for actual, rows in r.raw.items() if _norm(actual) == _norm(SCENARIOS)]
    if not found:
        return ((MAIN_SCENARIO, main),), 0, True
    sheet = _Sheet(r.file, found[0][0], found[0][1])
    table = r.table(sheet, [H_SCENARIO, H_ACTIVE, H_DATA], "scenarios")
    if table is None:
        return ((MAIN_SCENARIO, main),), 0, False
    name_col, active_col, data_col = table.cols[H_SCENARIO], table.cols[H_ACTIVE], table.cols[H_DATA]
    main_name: str | None = None
    others: list[tuple[str, Plan]] = []
    order: list[int] = []  # the row of each scenario, main first
    whole = True
    for row in table.rows:
        if _blank(sheet.get(row, data_col)):
            if main_name is None:
                main_name = r.text(sheet, row, name_col, "scenario_name") or MAIN_SCENARIO
                order.insert(0, row)
                continue
            r.fail(
                "scenarios",
                f"The scenario {_show(sheet.get(row, name_col))} has no plan data; only the first scenario is on "
                "the input sheets. Delete the row, or save the scenario again from the planner.",
                sheet.where(row, data_col),
            )
            whole = False
            continue
        index = len(order) - (1 if main_name is not None else 0)
        name = r.text(sheet, row, name_col, f"scenarios[{index}].name")
        plan, problems = _read_scenario_row(r, sheet, row, data_col, index, name or f"number {index + 2}")
        r.problems.extend(problems)
        if plan is None or errors_only(problems) or not name:
            whole = False
        else:
            others.append((name, plan))
        order.append(row)
    if main_name is None:
        order.insert(0, -1)
    active_rows = [row for row in table.rows if _norm(sheet.get(row, active_col)) in ("yes", "y", "true")]
    active = order.index(active_rows[0]) if active_rows and active_rows[0] in order else 0
    if len(active_rows) > 1:
        r.fail(
            "active_scenario",
            "More than one scenario is marked active; the first of them is shown.",
            sheet.where(active_rows[1], active_col),
            "warning",
        )
    scenarios = ((main_name or MAIN_SCENARIO, main), *others)
    if active >= len(scenarios):
        active = 0
    return scenarios, active, whole


def load_plan_workbook(path: Path, limits: SpreadsheetLimits | None = None) -> tuple[Plan | None, tuple[Problem, ...]]:
    """The plan in a workbook (None when refused) and every problem found,
    each located as ``"<file>, sheet '<Sheet>', cell <A1>"``. The plan is
    the one on the input sheets; a workbook with a scenario that cannot be
    read is refused all the same (nothing is dropped silently)."""
    scenarios, _active, problems = load_document_workbook(path, limits)
    return (scenarios[0][1] if scenarios else None), problems


def load_document_workbook(
    path: Path, limits: SpreadsheetLimits | None = None
) -> tuple[NamedPlans | None, int, tuple[Problem, ...]]:
    """Every scenario of a plan workbook (None when refused: the main plan
    or any scenario has an error), the index of the active one, and every
    problem, located as :func:`load_plan_workbook` does."""
    path = Path(path)
    refused = check_spreadsheet_file(path) if limits is None else check_spreadsheet_file(path, limits)
    if refused is not None:
        return None, 0, (refused,)
    try:
        book, problem = read_workbook(path) if limits is None else read_workbook(path, limits)
    except SpreadsheetError as exc:
        return None, 0, (exc.problem,)
    if book is None:
        return None, 0, (problem,) if problem is not None else ()
    r = _Reader(path.name, _with_unreadable(book.sheets, unreadable_cells(path)))
    if not _read_about(r):
        return None, 0, tuple(r.problems)
    cal = _read_calendar(r)
    stages = _read_stages(r)
    lead_spec, proposed = _read_specs(r)
    channels = _read_channels(r, cal.months)
    free = _read_free(r)
    budget, hours = _read_capacity(r)
    plan = Plan(
        name=cal.name,
        currency=cal.currency,
        start=cal.start,
        months=cal.months,
        revenue_target=cal.target,
        avg_deal_size=cal.deal,
        stages=stages,
        pipeline_revenue=cal.pipeline,
        lead_spec=lead_spec,
        proposed_lead_spec=proposed,
        channels=channels,
        free_sources=free,
        approved_budget=budget,
        sales_hours_available=hours,
        notes=cal.notes,
    )
    reading = tuple(r.problems)
    checking = tuple(_locate(p, r.cells, path.name) for p in validate(plan))
    if not stages and any(p.field == "stages" and p.severity == "error" for p in reading):
        # without a funnel every reference to a stage fails too: one fault, said once
        checking = tuple(p for p in checking if not re.search(r"(\.gate|\.stage)$|^stages$", p.field))
    problems = merge_problems(reading, checking)
    before = len(r.problems)
    scenarios, active, whole = _read_scenarios(r, plan)
    problems += tuple(r.problems[before:])
    if errors_only(problems) or not whole:
        return None, 0, problems
    return scenarios, active, problems
