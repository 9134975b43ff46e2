"""Writing the plan workbook's v2 inputs (read back by
:mod:`core.formats.xlsx.plan_read_v2`): the timing profiles below the
funnel, the *After the plan* block below the revenue targets and the
*Nurture pool* sheet."""

from __future__ import annotations

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from core.formats.xlsx.location import cell_name
from core.formats.xlsx.plan_layout import (
    AFTER_NONE,
    AFTER_REPEAT,
    H_FROM,
    H_LEAD_HOURS,
    H_MONTH,
    L_AFTER_MODE,
    L_DECAY,
    L_GROWTH,
    L_LEAD_HOURS,
    L_MATURITY,
    L_NURTURE_STAGE,
    L_POOL_MONTHS,
    L_RECYCLE,
    NURTURE,
    T_AFTER,
    T_TIMING,
    TIMING_COLUMNS,
    TIMING_MONTH,
    month_row_labels,
)
from core.formats.xlsx.plan_print import SheetPrint, apply_print
from core.formats.xlsx.plan_styles import CellWriter, ExactWorksheet, Formats, validate_min, validate_share
from core.model.plan import MAX_GROWTH, MAX_NURTURE_MONTHS, Plan

__all__ = ["timing_columns", "write_after_plan", "write_nurture", "write_timing"]


def timing_columns(plan: Plan) -> int:
    """Month columns of the timing table: the longest profile's, at least a few to fill in."""
    longest = max((len(s.lag_profile or ()) for s in plan.stages[:-1]), default=0)
    return max(TIMING_COLUMNS, longest)


def write_timing(w: CellWriter, fmt: Formats, plan: Plan, top: int) -> int:
    """The timing table from row ``top``: one row per transition, the share
    of the items converting 0, 1, 2, ... months after entering. Returns the
    header row."""
    w.text(top, 0, T_TIMING, fmt.title)
    w.text(
        top + 1,
        0,
        "Of the items that convert, the share converting in the month they enter (Month 0), a month later "
        "(Month 1), and so on;",
        fmt.hint_line,
    )
    w.text(
        top + 2,
        0,
        "each filled row adds up to 100% and replaces the lag in days (leave that blank). A blank row: the lag in "
        "days; a blank inside a row: 0%.",
        fmt.hint_line,
    )
    head = top + 3
    columns = timing_columns(plan)
    w.headers(head, 0, [H_FROM, *(TIMING_MONTH.format(j) for j in range(columns))])
    transitions = plan.stages[:-1]
    for k, stage in enumerate(transitions):
        row = head + 1 + k
        w.text(row, 0, stage.name, fmt.text)
        for j in range(columns):
            profile = stage.lag_profile or ()
            w.number(row, 1 + j, profile[j] if j < len(profile) else None, fmt.percent)
    last = head + len(transitions) + 10
    for j in range(columns):
        validate_share(w.sheet, head + 1, last, 1 + j, "Timing share")
    return head


def write_after_plan(w: CellWriter, fmt: Formats, plan: Plan, top: int) -> None:
    """The far edge from row ``top``: what the plan assumes after its last month."""
    after = plan.after_plan
    w.text(top, 0, T_AFTER, fmt.title)
    w.text(
        top + 1,
        0,
        "Leads of the plan's last months become deals after it: say what the plan assumes then.",
        fmt.hint_line,
    )
    w.text(top + 2, 0, L_AFTER_MODE, fmt.label)
    w.text(top + 2, 1, AFTER_NONE if after.mode == "none" else AFTER_REPEAT, fmt.text)
    w.text(top + 2, 3, "repeat: the target goes on; none: a one-off campaign", fmt.hint)
    w.sheet.data_validation(top + 2, 1, top + 2, 1, {"validate": "list", "source": [AFTER_REPEAT, AFTER_NONE]})
    w.text(top + 3, 0, L_GROWTH, fmt.label)
    w.number(top + 3, 1, after.growth, fmt.percent)
    w.text(top + 3, 3, "a year: more than -100%, at most 1,000%; blank = 0", fmt.hint)
    ref = cell_name(top + 3, 1)
    w.sheet.data_validation(
        top + 3,
        1,
        top + 3,
        1,
        {
            "validate": "custom",
            "value": f"=OR(ISBLANK({ref}),AND(ISNUMBER({ref}),{ref}>-1,{ref}<={MAX_GROWTH:g}))",
            "ignore_blank": True,
            "error_title": "Invalid growth",
            "error_message": "Growth a year must be more than -100% and at most 1,000%. Example: 10%.",
        },
    )


_NURTURE_HINTS = (
    (L_NURTURE_STAGE, "the third stage or below (e.g. SQL); blank = the spec's gate"),
    (L_RECYCLE, "of the leads failing the step into that stage: 0 to 100%"),
    (L_MATURITY, "of the pool, sales-ready each month: more than 0%, at most 100%"),
    (L_DECAY, "0 to 100% (blank = 0); maturing and lost at most 100%"),
    (L_POOL_MONTHS, f"whole number, 1 to {MAX_NURTURE_MONTHS}: a lead leaves the pool then"),
    (L_LEAD_HOURS, "hours one lead in the pool takes a month; blank = not planned"),
)


def _nurture_values(w: CellWriter, fmt: Formats, plan: Plan, top: int) -> None:
    nurture = plan.nurture
    if nurture is None:
        return
    w.text(top, 1, nurture.stage or "", fmt.text)
    w.number(top + 1, 1, nurture.recycle, fmt.percent)
    w.number(top + 2, 1, nurture.maturity, fmt.percent)
    w.number(top + 3, 1, nurture.decay, fmt.percent)
    w.number(top + 4, 1, nurture.max_months, fmt.number)
    w.number(top + 5, 1, nurture.hours_per_lead, fmt.number)


def _nurture_validation(sheet: Worksheet, plan: Plan, top: int) -> None:
    names = [s.name for s in plan.stages[2:] if s.name]
    if names and sum(len(s) + 1 for s in names) < 250:
        sheet.data_validation(top, 1, top, 1, {"validate": "list", "source": names, "error_type": "warning"})
    for offset, what in ((1, "Recycled share"), (2, "Maturing share"), (3, "Share lost")):
        validate_share(sheet, top + offset, top + offset, 1, what)
    sheet.data_validation(
        top + 4,
        1,
        top + 4,
        1,
        {"validate": "integer", "criteria": "between", "minimum": 1, "maximum": MAX_NURTURE_MONTHS},
    )
    validate_min(sheet, top + 5, top + 5, 1, "Hours per lead")


def write_nurture(book: xlsxwriter.Workbook, fmt: Formats, plan: Plan) -> None:
    """The *Nurture pool* sheet: the pool's settings and the lead-development hours by month."""
    sheet = book.add_worksheet(NURTURE, worksheet_class=ExactWorksheet)
    w = CellWriter(sheet, fmt)
    sheet.set_column(0, 0, 32)
    sheet.set_column(1, 1, 18)
    sheet.set_column(2, 2, 2)
    sheet.set_column(3, 3, 62)
    w.text(0, 0, "Nurture pool: leads the lead development team develops until they are sales-ready", fmt.title)
    w.text(
        1,
        0,
        "Of the leads failing the step into the stage named below, the team nurtures a share; each month part of",
        fmt.hint_line,
    )
    w.text(
        2, 0, "the pool becomes sales-ready and enters that stage. Leave the values blank for no pool.", fmt.hint_line
    )
    w.headers(3, 0, ["Input", "Value", "", "Valid values"])
    top = 4
    for offset, (label, hint) in enumerate(_NURTURE_HINTS):
        w.text(top + offset, 0, label, fmt.label)
        w.text(top + offset, 3, hint, fmt.hint)
    _nurture_values(w, fmt, plan, top)
    _nurture_validation(sheet, plan, top)
    head = top + len(_NURTURE_HINTS) + 2
    w.text(head - 1, 0, "Hours per month, more than 0; whole column blank = not planned", fmt.hint_line)
    w.headers(head, 0, [H_MONTH, H_LEAD_HOURS])
    sheet.set_row(head, 30)
    hours = plan.nurture.hours_available if plan.nurture is not None else None
    labels = month_row_labels(plan)
    for t, label in enumerate(labels):
        w.text(head + 1 + t, 0, label, fmt.text)
        w.number(head + 1 + t, 1, hours[t] if hours is not None and t < len(hours) else None, fmt.number)
    validate_min(sheet, head + 1, head + len(labels), 1, "Lead-development hours")
    sheet.freeze_panes(head + 1, 0)
    apply_print(sheet, SheetPrint([32, 18, 2, 62], head, repeat_labels=False), plan.name)
