"""Reading the plan workbook's v2 inputs: the timing profiles below the
funnel, the *After the plan* block below the revenue targets and the
*Nurture pool* sheet. Each is optional: a workbook saved before them reads
with the defaults (lag in days, the target going on unchanged, no pool).
Every value is noted at its cell, so a problem validation finds names the
file, sheet and cell."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from core.formats.xlsx.location import location
from core.formats.xlsx.plan_cells import CellReader, SheetCells, Table, is_blank, norm, show, show_first
from core.formats.xlsx.plan_layout import (
    AFTER_NONE,
    AFTER_REPEAT,
    DEFAULT_POOL_MONTHS,
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
)
from core.model.plan import AfterPlan, AfterPlanMode, Nurture, Series

__all__ = ["alone_title", "read_after_plan", "read_nurture", "read_timing"]

_OFFSET = re.compile(r"month\s*(\d{1,4})")


def alone_title(sheet: SheetCells, label: str, first: int = 0) -> int | None:
    """The row of a section title reading ``label`` alone on its row, None
    when there is none (a value reading the same beside its label is not one)."""
    at = sheet.find(label, first)
    while at is not None:
        if all(is_blank(v) for c, v in enumerate(sheet.rows[at[0]]) if c != at[1]):
            return at[0]
        at = sheet.find(label, at[0] + 1)
    return None


# -- timing profiles -----------------------------------------------------------


def _offsets(r: CellReader, sheet: SheetCells, table: Table) -> list[tuple[int, int]] | None:
    """(month offset, column) of each 'Month N' column of the timing table,
    by offset; None (with a problem at the header cell) when one is not."""
    found: dict[int, int] = {}
    ok = True
    for col in table.extra_cols:
        value = sheet.get(table.header_row, col)
        match = _OFFSET.fullmatch(norm(value))
        if match is None or int(match[1]) in found:
            said = "repeats a month" if match is not None else f"({show(value)}) is not a month after entering"
            r.fail(
                "stages",
                f"This column header {said}: head the timing columns 'Month 0' (the month of entry), "
                "'Month 1', 'Month 2', ... once each.",
                sheet.where(table.header_row, col),
            )
            ok = False
            continue
        found[int(match[1])] = col
    return sorted(found.items()) if ok else None


def _profile(
    r: CellReader, sheet: SheetCells, row: int, columns: Sequence[tuple[int, int]], path: str
) -> tuple[float, ...] | None:
    """The shares of one row up to its last filled month (a blank month
    before it is 0); None when the row has no share at all."""
    filled = [j for j, col in columns if not is_blank(sheet.get(row, col))]
    if not filled:
        return None
    last = max(filled)
    shares = [0.0] * (last + 1)
    for j, col in columns:
        if j <= last:
            shares[j] = r.number(sheet, row, col, f"{path}.lag_profile[{j}]", "share", 0.0)
    first_col = columns[0][1]
    r.note(f"{path}.lag_profile", sheet, row, first_col)
    return tuple(shares)


def read_timing(r: CellReader, sheet: SheetCells, names: Sequence[str], title_row: int) -> dict[int, Series]:
    """The timing profile of each stage that has one (by stage index), from
    the table below ``title_row``: one row per stage, 'From stage' and the
    shares of the items converting 0, 1, 2, ... months after entering."""
    table = r.table(sheet, [H_FROM], "stages", title_row + 1, None, months=True)
    if table is None or not table.rows:
        return {}
    columns = _offsets(r, sheet, table)
    if columns is None:
        return {}
    index = {norm(name): k for k, name in enumerate(names)}
    key_col = table.cols[H_FROM]
    profiles: dict[int, Series] = {}
    for row in table.rows:
        label = sheet.get(row, key_col)
        k = index.get(norm(label)) if isinstance(label, str) else None
        where = sheet.where(row, key_col)
        if k is None or k in profiles:
            if all(is_blank(sheet.get(row, col)) for _, col in columns):
                continue  # a stage row left without shares, or a stage since deleted: nothing planned
            said = f"names no stage of the funnel ({', '.join(names)})" if k is None else "repeats a stage"
            r.fail(
                "stages", f"The timing row {show(label)} {said}; use each stage's name once, or clear the row.", where
            )
            continue
        if k == len(names) - 1:
            if not all(is_blank(sheet.get(row, col)) for _, col in columns):
                r.fail(
                    f"stages[{k}].lag_profile",
                    f"The last stage ('{names[k]}') is the won deal and converts no further; this timing is ignored.",
                    where,
                    "warning",
                )
            continue
        profile = _profile(r, sheet, row, columns, f"stages[{k}]")
        if profile is not None:
            profiles[k] = profile
    return profiles


# -- after the plan ------------------------------------------------------------


def read_after_plan(r: CellReader, sheet: SheetCells, title_row: int | None) -> AfterPlan:
    """The far edge from the block titled 'After the plan' (none: the target goes on, no growth)."""
    if title_row is None:
        return AfterPlan()
    r.cells["after_plan"] = sheet.where(title_row, 0)
    mode: AfterPlanMode = "repeat"
    at = r.labelled(sheet, L_AFTER_MODE, "after_plan.mode", title_row)
    if at is not None:
        r.note("after_plan.mode", sheet, *at)
        raw = sheet.get(*at)
        said = norm(raw)
        if said in (norm(AFTER_NONE), "none"):
            mode = "none"
        elif not is_blank(raw) and said not in (norm(AFTER_REPEAT), "repeat"):
            r.fail(
                "after_plan.mode",
                f"{show_first(raw)}: choose '{AFTER_REPEAT}' or '{AFTER_NONE}' from the list.",
                sheet.where(*at),
            )
    growth = 0.0
    at = r.labelled(sheet, L_GROWTH, "after_plan.growth", title_row)
    if at is not None:
        growth = r.number(sheet, *at, "after_plan.growth", "growth", 0.0)
    return AfterPlan(mode=mode, growth=growth)


# -- the nurture pool ----------------------------------------------------------

_SETTINGS = (
    (L_NURTURE_STAGE, "nurture.stage"),
    (L_RECYCLE, "nurture.recycle"),
    (L_MATURITY, "nurture.maturity"),
    (L_DECAY, "nurture.decay"),
    (L_POOL_MONTHS, "nurture.max_months"),
    (L_LEAD_HOURS, "nurture.hours_per_lead"),
)


def _hours_available(r: CellReader, sheet: SheetCells, table: Table | None) -> Series | None:
    if table is None:
        return None
    col = table.cols[H_LEAD_HOURS]
    r.cells["nurture.hours_available"] = sheet.where(table.header_row, col)
    if all(is_blank(sheet.get(row, col)) for row in table.rows):
        return None
    rows = r.month_rows(sheet, table, "nurture.hours_available")
    if rows is None:
        return (math.nan,)
    return tuple(r.number(sheet, row, col, f"nurture.hours_available[{t}]", "hours") for t, row in enumerate(rows))


def read_nurture(r: CellReader) -> Nurture | None:
    """The nurture pool from its sheet; None when the sheet is absent (a
    workbook saved before it) or every one of its inputs is blank."""
    found = [(name, rows) for name, rows in r.raw.items() if norm(name) == norm(NURTURE)]
    if not found:
        return None
    sheet = SheetCells(r.file, found[0][0], found[0][1])
    r.cells["nurture"] = location(r.file, sheet.name)
    at = {field: r.labelled(sheet, label, field) for label, field in _SETTINGS}
    table = r.table(sheet, [H_MONTH, H_LEAD_HOURS], "nurture.hours_available")
    hours_col = [] if table is None else [table.cols[H_LEAD_HOURS]]
    blank = all(a is None or is_blank(sheet.get(*a)) for a in at.values()) and (
        table is None or all(sheet.row_empty(row, hours_col) for row in table.rows)
    )
    if blank:
        for field, cell in at.items():
            if cell is not None:
                r.note(field, sheet, *cell)
        return None

    def share(field: str, default: float = math.nan) -> float:
        cell = at[field]
        return math.nan if cell is None else r.number(sheet, *cell, field, "share", default)

    stage_at, months_at, hours_at = at["nurture.stage"], at["nurture.max_months"], at["nurture.hours_per_lead"]
    stage = None
    if stage_at is not None:
        r.note("nurture.stage", sheet, *stage_at)
        if not is_blank(sheet.get(*stage_at)):
            stage = r.text(sheet, *stage_at, "nurture.stage")
    months = DEFAULT_POOL_MONTHS
    if months_at is not None:
        r.note("nurture.max_months", sheet, *months_at)
        if not is_blank(sheet.get(*months_at)):
            months = r.whole(sheet, *months_at, "nurture.max_months", "months")
    return Nurture(
        recycle=share("nurture.recycle"),
        maturity=share("nurture.maturity"),
        decay=share("nurture.decay", 0.0),
        max_months=months,
        stage=stage,
        hours_per_lead=None if hours_at is None else r.optional(sheet, *hours_at, "nurture.hours_per_lead", "hours"),
        hours_available=_hours_available(r, sheet, table),
    )
