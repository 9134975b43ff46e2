"""Saving the plan document as an Excel workbook (``.xlsx``).

:func:`save_plan_workbook` lays the inputs out for people, one sheet per
input (units and valid values beside them, percent and currency formats,
data validation, frozen headers), plus a *Results* sheet with the computed
figures, which is never read back. A document with several scenarios
(copies of the plan to compare) adds a *Scenarios* sheet: the first
scenario is the plan on the input sheets; each other one is stored there as
the planner's JSON text, split over cells below Excel's limit per cell
(:func:`save_document_workbook`). :mod:`core.formats.xlsx.plan_read` reads
the workbook back.

Numbers are written at full precision (the shortest text that reads back
as the same float), so saving and loading gives an equal plan. Text is
always written as text, so a name starting with ``=`` never becomes a
formula. Blank cells mean 0 only where the sheet says so (sales hours,
lags, fixed costs, free volumes, pipeline revenue); a blank budget or
sales-hours column means "not planned".
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import xlsxwriter
import xlsxwriter.exceptions

from core.calc.display import format_money
from core.formats.files import atomic_write
from core.formats.plan_json import (
    MAIN_SCENARIO,
    NamedPlans,
    scenario_to_dict,
)
from core.formats.xlsx.plan_layout import (
    ABOUT,
    ACTUALS,
    CALENDAR,
    CAPACITY,
    CHANNEL_WIDTH,
    CHANNELS,
    CONTINGENCY,
    FREE,
    FREE_WIDTH,
    FUNNEL,
    H_ACTIVE,
    H_AVAILABLE,
    H_BUDGET,
    H_CHANNEL,
    H_CHANNEL_RATE,
    H_CPL,
    H_CRITERION,
    H_DATA,
    H_ENTERS,
    H_HOURS,
    H_LAG,
    H_MIX,
    H_MONTH,
    H_NOTE,
    H_PIPELINE,
    H_POINTS,
    H_RATE,
    H_RATE_SAMPLE,
    H_REQUIRED,
    H_SCENARIO,
    H_SHARE,
    H_SHARE_SAMPLE,
    H_SOURCE,
    H_STAGE,
    H_TARGET,
    L_CURRENCY,
    L_DEAL,
    L_GATE,
    L_MEASURED,
    L_MONTHS,
    L_NAME,
    L_NOTES,
    L_SAMPLE,
    L_SOURCE,
    L_START,
    L_THRESHOLD,
    MAX_TEXT,
    NURTURE,
    RESULTS,
    SCENARIOS,
    SPEC,
    T_CHANNELS,
    T_CURRENT,
    T_FIXED,
    T_PROPOSED,
    WORKBOOK_MARKER,
    month_row_labels,
)
from core.formats.xlsx.plan_print import SheetPrint, apply_print
from core.formats.xlsx.plan_styles import (
    CellWriter,
    ExactWorksheet,
    Formats,
    PlanSaveError,
    make_formats,
    validate_min,
    validate_rate,
    validate_sample,
    validate_share,
)
from core.formats.xlsx.plan_write_results import write_results
from core.formats.xlsx.plan_write_v2 import timing_columns, write_after_plan, write_nurture, write_timing
from core.formats.xlsx.plan_write_year import write_actuals, write_contingency
from core.model.plan import (
    LeadSpec,
    Plan,
    Series,
)

__all__ = ["PlanSaveError", "save_document_workbook", "save_plan_workbook"]


def _write_about(book: xlsxwriter.Workbook, fmt: Formats, plan: Plan, scenarios: int = 1) -> None:
    sheet = book.add_worksheet(ABOUT, worksheet_class=ExactWorksheet)
    w = CellWriter(sheet, fmt)
    sheet.set_column(0, 0, 110)
    w.text(0, 0, WORKBOOK_MARKER, fmt.hint)
    w.text(1, 0, f"Plan: {plan.name}", fmt.title)
    lines = [
        "This workbook is a plan of the funnel planner. Edit the yellow cells on the input sheets:",
        f"  '{CALENDAR}', '{FUNNEL}', '{SPEC}', '{CHANNELS}', '{FREE}', '{NURTURE}', '{CAPACITY}',",
        f"  and for the year in progress '{ACTUALS}' and '{CONTINGENCY}'.",
        "Keep the sheet names, the titles and the column headers; you may insert rows and columns,",
        "add rows to a table, or move a table. Rates and shares are percentages (35% or 0.35).",
        "'Measured on' columns: how many leads or items a rate or share was measured on (blank = not measured).",
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


def _write_calendar(book: xlsxwriter.Workbook, fmt: Formats, plan: Plan) -> None:
    sheet = book.add_worksheet(CALENDAR, worksheet_class=ExactWorksheet)
    w = CellWriter(sheet, fmt)
    sheet.set_column(0, 0, 28)
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
    labels = month_row_labels(plan)
    for t in range(plan.months):
        w.text(top + 1 + t, 0, labels[t], fmt.text)
        w.number(top + 1 + t, 1, _at(plan.revenue_target, t), fmt.money)
        w.number(top + 1 + t, 2, _at(plan.pipeline_revenue, t) if plan.pipeline_revenue else None, fmt.money)
    validate_min(sheet, top + 1, top + plan.months, 1, "Revenue target")
    validate_min(sheet, top + 1, top + plan.months, 2, "Pipeline revenue")
    write_after_plan(w, fmt, plan, top + plan.months + 2)
    sheet.freeze_panes(top + 1, 0)
    apply_print(sheet, SheetPrint([28, 18, 18, 60], top, repeat_labels=False), plan.name)


def _at(values: Series, t: int) -> float | None:
    return values[t] if t < len(values) else None


def _write_funnel(book: xlsxwriter.Workbook, fmt: Formats, plan: Plan) -> None:
    sheet = book.add_worksheet(FUNNEL, worksheet_class=ExactWorksheet)
    w = CellWriter(sheet, fmt)
    widths = [24, 14, 14, 14, 14, 12]  # narrow enough for six months of timing below
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    w.text(0, 0, "Funnel stages, from raw lead to won deal", fmt.title)
    w.hints(
        2,
        0,
        [
            "unique name; the last stage is the won deal",
            "rate: more than 0, at most 1 (e.g. 35%)",
            "days, 0 or more; blank = 0, or the timing below",
            "hours, 0 or more (blank = 0)",
            "whole number; blank = not measured",
        ],
    )
    top = 3
    w.headers(top, 0, [H_STAGE, H_RATE, H_LAG, H_HOURS, H_RATE_SAMPLE])
    last = len(plan.stages) - 1
    for k, stage in enumerate(plan.stages):
        row = top + 1 + k
        w.text(row, 0, stage.name, fmt.text)
        if k < last:
            w.number(row, 1, stage.rate, fmt.percent)
            w.number(row, 2, stage.lag_days, fmt.number)
            w.number(row, 4, stage.rate_sample, fmt.number)
        else:
            w.text(row, 5, "won deal: no rate or lag", fmt.hint_line)
        w.number(row, 3, stage.sales_hours, fmt.number)
    validate_rate(sheet, top + 1, top + max(last, 0), 1, "Rate")
    validate_min(sheet, top + 1, top + len(plan.stages), 2, "Lag")
    validate_min(sheet, top + 1, top + len(plan.stages), 3, "Sales hours")
    validate_sample(sheet, top + 1, top + max(last, 0), 4)
    write_timing(w, fmt, plan, top + len(plan.stages) + 3)
    sheet.freeze_panes(top + 1, 0)
    sheet.set_row(2, 60)
    sheet.set_row(top, 30)
    extra = max(0, 1 + timing_columns(plan) - len(widths))  # profile months beyond the stage table's columns
    sheet.set_column(len(widths), len(widths) + extra, 9)
    apply_print(sheet, SheetPrint([*widths, *[9.0] * extra], top, repeat_labels=False), plan.name)


def _write_spec_block(w: CellWriter, fmt: Formats, top: int, title: str, spec: LeadSpec | None) -> int:
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
    validate_rate(w.sheet, top + 5, top + 5, 1, "Measured pass rate")
    w.sheet.data_validation(
        top + 4, 1, top + 4, 1, {"validate": "list", "source": ["criteria", "measured"], "ignore_blank": True}
    )
    head = top + 9
    w.hints(
        head - 1,
        0,
        [
            "name",
            "whole number (negative allowed)",
            "share: 0 to 1 (e.g. 40%)",
            "yes or no",
            "leads; blank = not measured",
        ],
    )
    w.sheet.set_row(head - 1, 30)
    w.sheet.set_row(head, 30)
    w.headers(head, 0, [H_CRITERION, H_POINTS, H_SHARE, H_REQUIRED, H_SHARE_SAMPLE])
    criteria = spec.criteria if spec is not None else ()
    for i, criterion in enumerate(criteria):
        row = head + 1 + i
        w.text(row, 0, criterion.name, fmt.text)
        w.number(row, 1, criterion.points, fmt.number)
        w.number(row, 2, criterion.share, fmt.percent)
        w.text(row, 3, "yes" if criterion.required else "no", fmt.text)
        w.number(row, 4, criterion.share_sample, fmt.number)
    end = head + max(len(criteria), 1) + 20
    validate_share(w.sheet, head + 1, end, 2, "Share")
    w.sheet.data_validation(head + 1, 3, end, 3, {"validate": "list", "source": ["yes", "no"], "ignore_blank": True})
    validate_sample(w.sheet, head + 1, end, 4)
    w.sheet.data_validation(
        head + 1, 1, end, 1, {"validate": "integer", "criteria": "between", "minimum": -(10**9), "maximum": 10**9}
    )
    return head + 1 + len(criteria) + 2


def _write_spec(book: xlsxwriter.Workbook, fmt: Formats, plan: Plan) -> None:
    sheet = book.add_worksheet(SPEC, worksheet_class=ExactWorksheet)
    w = CellWriter(sheet, fmt)
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 2, 16)
    sheet.set_column(3, 3, 56)
    sheet.set_column(4, 4, 16)
    next_row = _write_spec_block(w, fmt, 0, T_CURRENT, plan.lead_spec)
    sheet.set_h_pagebreaks([next_row])  # each spec on a page of its own
    _write_spec_block(w, fmt, next_row + 1, T_PROPOSED, plan.proposed_lead_spec)
    apply_print(sheet, SheetPrint([30, 16, 16, 56], repeat_labels=False), plan.name)


def _write_channels(book: xlsxwriter.Workbook, fmt: Formats, plan: Plan) -> None:
    sheet = book.add_worksheet(CHANNELS, worksheet_class=ExactWorksheet)
    w = CellWriter(sheet, fmt)
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, max(4, plan.months), CHANNEL_WIDTH)
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
            "items the rate was measured on; blank = not measured",
        ],
    )
    top = 3
    w.headers(top, 0, [H_CHANNEL, H_MIX, H_CPL, H_CHANNEL_RATE, H_RATE_SAMPLE])
    n = len(plan.channels)
    for j, channel in enumerate(plan.channels):
        row = top + 1 + j
        w.text(row, 0, channel.name, fmt.text)
        w.number(row, 1, channel.mix, fmt.percent)
        w.number(row, 2, channel.cost_per_lead, fmt.money)
        w.number(row, 3, channel.rate, fmt.percent)
        w.number(row, 4, channel.rate_sample, fmt.number)
    validate_share(sheet, top + 1, top + n + 20, 1, "Mix")
    validate_min(sheet, top + 1, top + n + 20, 2, "Cost per lead")
    validate_rate(sheet, top + 1, top + n + 20, 3, "Channel rate")
    validate_sample(sheet, top + 1, top + n + 20, 4)
    sheet.freeze_panes(top + 1, 1)
    fixed_top = top + n + 3
    w.text(fixed_top, 0, T_FIXED, fmt.title)
    w.text(fixed_top + 1, 0, f"{plan.currency} per month, 0 or more; blank = 0; one row per channel", fmt.hint_line)
    head = fixed_top + 2
    w.headers(head, 0, [H_CHANNEL, *month_row_labels(plan)])
    for j, channel in enumerate(plan.channels):
        row = head + 1 + j
        w.text(row, 0, channel.name, fmt.text)
        for t in range(plan.months):
            w.number(row, 1 + t, _at(channel.fixed_cost, t), fmt.money)
    if plan.months:
        for t in range(plan.months):
            validate_min(sheet, head + 1, head + n + 20, 1 + t, "Fixed cost")
    apply_print(sheet, SheetPrint([24], top, max(plan.months, 3), CHANNEL_WIDTH), plan.name)


def _write_free(book: xlsxwriter.Workbook, fmt: Formats, plan: Plan) -> None:
    sheet = book.add_worksheet(FREE, worksheet_class=ExactWorksheet)
    w = CellWriter(sheet, fmt)
    sheet.set_column(0, 1, 22)
    sheet.set_column(2, 2 + plan.months, FREE_WIDTH)
    sheet.set_row(2, 45)
    w.text(0, 0, "Free sources: volume entering a stage each month at no cost per item", fmt.title)
    w.hints(2, 0, ["name", "a funnel stage (not the last)", "items per month, 0 or more; blank = 0"])
    top = 3
    w.headers(top, 0, [H_SOURCE, H_ENTERS, *month_row_labels(plan)])
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


def _write_capacity(book: xlsxwriter.Workbook, fmt: Formats, plan: Plan) -> None:
    sheet = book.add_worksheet(CAPACITY, worksheet_class=ExactWorksheet)
    w = CellWriter(sheet, fmt)
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
    labels = month_row_labels(plan)
    for t in range(plan.months):
        row = top + 1 + t
        w.text(row, 0, labels[t], fmt.text)
        w.number(row, 1, None if plan.approved_budget is None else _at(plan.approved_budget, t), fmt.money)
        hours = None if plan.sales_hours_available is None else _at(plan.sales_hours_available, t)
        w.number(row, 2, hours, fmt.number)
    validate_min(sheet, top + 1, top + plan.months, 1, "Approved budget")
    validate_min(sheet, top + 1, top + plan.months, 2, "Sales hours")
    sheet.freeze_panes(top + 1, 0)
    sheet.set_row(2, 45)
    apply_print(sheet, SheetPrint([22, 22, 22], top, repeat_labels=False), plan.name)


def _scenario_note(plan: Plan, first: bool) -> str:
    where = "The plan on the input sheets" if first else "Kept by the planner (open it in the planner to edit)"
    target = format_money(sum(plan.revenue_target), plan.currency) if plan.revenue_target else "none"
    return f"{where}: {plan.months} months from {plan.start}, revenue target {target}, {len(plan.channels)} channels."


def _scenario_chunks(plan: Plan) -> list[str]:
    """The plan as JSON text (ASCII, so a chunk's length is its length in
    Excel), split into pieces that fit a cell."""
    text = json.dumps(scenario_to_dict("", plan)["plan"], ensure_ascii=True, separators=(",", ":"))
    return [text[i : i + MAX_TEXT] for i in range(0, len(text), MAX_TEXT)]


def _write_scenarios(book: xlsxwriter.Workbook, fmt: Formats, scenarios: NamedPlans, active: int) -> None:
    sheet = book.add_worksheet(SCENARIOS, worksheet_class=ExactWorksheet)
    w = CellWriter(sheet, fmt)
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
        fmt = make_formats(book, plan.currency)
        _write_about(book, fmt, plan, len(scenarios))
        _write_calendar(book, fmt, plan)
        _write_funnel(book, fmt, plan)
        _write_spec(book, fmt, plan)
        _write_channels(book, fmt, plan)
        _write_free(book, fmt, plan)
        write_nurture(book, fmt, plan)
        _write_capacity(book, fmt, plan)
        write_actuals(book, fmt, plan)
        write_contingency(book, fmt, plan)
        write_results(book, fmt, plan)
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
