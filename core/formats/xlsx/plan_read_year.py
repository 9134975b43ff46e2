"""Reading the plan workbook's inputs for the year in progress and its odds
(written by :mod:`core.formats.xlsx.plan_write_year`): the *Actuals* and
*Contingency* sheets. Each is optional: a workbook saved before them, or
with them left blank, has no actuals, no contingency sources and no draws.
Every value is noted at its cell, so a problem validation finds names the
file, sheet and cell."""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.formats.xlsx.location import location
from core.formats.xlsx.plan_cells import CellReader, SheetCells, Table, is_blank, month_of, norm, show, show_first
from core.formats.xlsx.plan_layout import (
    ACTUALS,
    CONTINGENCY,
    DEFAULT_DRAWS,
    H_CCOST,
    H_CHANNEL_RATE,
    H_CLEAD,
    H_CMAX,
    H_CSOURCE,
    H_CSTAGE,
    H_MONTH,
    L_ALARM,
    L_DRAWS,
    L_ELAPSED,
    L_OBJECTIVE,
    L_SEED,
    OBJECTIVES,
    T_ACTUAL_SPEND,
    T_ACTUAL_STAGES,
    T_CMAX_MONTHLY,
    T_ODDS,
    T_SOURCES,
)
from core.formats.xlsx.plan_read_v2 import alone_title
from core.model.plan import Actuals, Contingency, ContingencySource, Series, Uncertainty

__all__ = ["read_actuals", "read_contingency", "read_uncertainty"]


def _optional_sheet(r: CellReader, name: str) -> SheetCells | None:
    for actual, rows in r.raw.items():
        if norm(actual) == norm(name):
            return SheetCells(r.file, actual, rows)
    return None


def _title(r: CellReader, sheet: SheetCells, title: str, field: str, first: int = 0) -> int | None:
    row = alone_title(sheet, title, first)
    if row is None:
        r.fail(field, f"The title '{title}' is missing; put it back above its table.", location(r.file, sheet.name))
    return row


# -- actuals ---------------------------------------------------------------------


def _filled(sheet: SheetCells, table: Table) -> list[int]:
    """The table's rows with a figure in any of its name columns."""
    return [row for row in table.rows if not sheet.row_empty(row, table.extra_cols)]


def _elapsed_rows(r: CellReader, sheet: SheetCells, table: Table, field: str, elapsed: int) -> dict[int, int]:
    """Plan month index -> row, for each row holding figures; a row that is
    not a month of the plan, repeats one or lies after the months elapsed is
    refused at its cell."""
    month_col = table.cols[H_MONTH]
    labels = r.month_labels
    found: dict[int, int] = {}
    for position, row in enumerate(_filled(sheet, table)):
        label = sheet.get(row, month_col)
        where = sheet.where(row, month_col)
        t = position if labels is None else month_of(labels, label)
        if t is None:
            span = f"the plan runs from {labels[0]} to {labels[-1]}" if labels else "the plan's months"
            said = "The month label is empty" if is_blank(label) else f"{show_first(label)} is not a month of the plan"
            r.fail(
                field,
                f"{said} ({span}), yet the row holds figures: label it with its month, or clear it. "
                "Actuals cover the months elapsed only.",
                where,
            )
        elif t in found:
            r.fail(field, f"The month {labels[t] if labels else t + 1} has two rows; keep one.", where)
        elif t >= elapsed:
            month = labels[t] if labels else f"month {t + 1}"
            r.fail(
                field,
                f"This row ({month}) holds figures but is not among the {max(elapsed, 0)} months elapsed: "
                f"clear it, or raise '{L_ELAPSED}'.",
                where,
            )
        else:
            found[t] = row
    return found


def _actual_columns(
    r: CellReader, sheet: SheetCells, table: Table | None, key: str, elapsed: int, kind: str
) -> tuple[tuple[str, Series], ...]:
    """Per filled column (a stage or a channel), its figures for the months elapsed."""
    if table is None:
        return ()
    field = f"actuals.{key}"
    rows = _elapsed_rows(r, sheet, table, field, elapsed)
    out: list[tuple[str, Series]] = []
    missing = [t for t in range(elapsed) if t not in rows]
    for col in table.extra_cols:
        if all(is_blank(sheet.get(row, col)) for row in rows.values()):
            continue  # a stage or channel without actuals
        path = f"{field}[{len(out)}]"
        name = r.text(sheet, table.header_row, col, path)
        values = [math.nan] * elapsed
        for t, row in rows.items():
            values[t] = r.number(sheet, row, col, f"{path}[{t}]", kind)
        out.append((name, tuple(values)))
    if out and missing and r.month_labels is not None:
        shown = ", ".join(r.month_labels[t] for t in missing[:6]) + (", ..." if len(missing) > 6 else "")
        said = "a month" if len(missing) == 1 else "months"
        r.fail(
            field,
            f"No row holds the figures of {shown} ({said} elapsed): add a row per month elapsed "
            f"(0 where nothing happened), or lower '{L_ELAPSED}'.",
            sheet.where(table.header_row, table.cols[H_MONTH]),
        )
    return tuple(out)


@dataclass(frozen=True)
class _ActualsLayout:
    sheet: SheetCells
    months_at: tuple[int, int] | None
    alarm_at: tuple[int, int] | None
    stages: Table | None
    spend: Table | None


def _actuals_layout(r: CellReader, sheet: SheetCells) -> _ActualsLayout:
    months_at = r.labelled(sheet, L_ELAPSED, "actuals.months")
    alarm_at = r.labelled(sheet, L_ALARM, "actuals.alarm_threshold")
    stages_title = _title(r, sheet, T_ACTUAL_STAGES, "actuals.stages")
    spend_title = _title(r, sheet, T_ACTUAL_SPEND, "actuals.spend")

    def table(title: int | None, other: int | None, field: str) -> Table | None:
        if title is None:
            return None
        last = other if other is not None and other > title else None
        return r.table(sheet, [H_MONTH], field, title + 1, last, months=True)

    return _ActualsLayout(
        sheet,
        months_at,
        alarm_at,
        table(stages_title, spend_title, "actuals.stages"),
        table(spend_title, stages_title, "actuals.spend"),
    )


def _elapsed(r: CellReader, at: _ActualsLayout) -> int:
    """The months elapsed (0 when unreadable: the problem is recorded)."""
    if at.months_at is None:
        return 0
    sheet = at.sheet
    r.note("actuals.months", sheet, *at.months_at)
    if is_blank(sheet.get(*at.months_at)):
        r.fail(
            "actuals.months",
            "The cell is empty, yet the sheet holds actuals: enter how many months of the plan are over "
            "(a whole number), or clear the figures.",
            sheet.where(*at.months_at),
        )
        return 0
    return r.whole(sheet, *at.months_at, "actuals.months", "whole")


def read_actuals(r: CellReader) -> Actuals | None:
    """The actuals from their sheet; None when the sheet is absent (a
    workbook saved before it) or its months elapsed and figures are blank."""
    sheet = _optional_sheet(r, ACTUALS)
    if sheet is None:
        return None
    r.cells["actuals"] = location(r.file, sheet.name)
    at = _actuals_layout(r, sheet)
    tables = [t for t in (at.stages, at.spend) if t is not None]
    months_blank = at.months_at is None or is_blank(sheet.get(*at.months_at))
    if months_blank and not any(_filled(sheet, t) for t in tables):
        for field, cell in (("actuals.months", at.months_at), ("actuals.alarm_threshold", at.alarm_at)):
            if cell is not None:
                r.note(field, sheet, *cell)
        return None
    elapsed = _elapsed(r, at)
    alarm = 0.05
    if at.alarm_at is not None:
        alarm = r.number(sheet, *at.alarm_at, "actuals.alarm_threshold", "share", 0.05)
    if elapsed < 1 or elapsed > len(r.month_labels or ()) > 0:
        return Actuals(months=elapsed, alarm_share=alarm)  # refused at its cell: one fault, said once
    return Actuals(
        months=elapsed,
        stages=_actual_columns(r, sheet, at.stages, "stages", elapsed, "count"),
        spend=_actual_columns(r, sheet, at.spend, "spend", elapsed, "money"),
        alarm_share=alarm,
    )


# -- contingency -----------------------------------------------------------------


def _monthly_capacity(
    r: CellReader, sheet: SheetCells, table: Table | None, names: list[str]
) -> dict[int, tuple[int, list[float]]]:
    """Source index -> (row, capacity by month, NaN where blank) of each row of the by-month table."""
    if table is None:
        return {}
    r.month_columns(sheet, table, "contingency.sources")
    keys = {norm(n): i for i, n in enumerate(names)}
    out: dict[int, tuple[int, list[float]]] = {}
    key_col = table.cols[H_CSOURCE]
    for row in table.rows:
        label = sheet.get(row, key_col)
        i = keys.get(norm(label)) if isinstance(label, str) else None
        where = sheet.where(row, key_col)
        if i is None or i in out:
            said = "names no source of the table above" if i is None else "repeats a source"
            r.fail("contingency.sources", f"The row {show(label)} {said}: use each source's name once.", where)
            continue
        path = f"contingency.sources[{i}].max_per_month"
        out[i] = (row, list(r.monthly(sheet, table, row, path, "count", None)))
    return out


def _capacity(
    r: CellReader, sheet: SheetCells, row: int, col: int, i: int, by_month: tuple[int, list[float]] | None, months: int
) -> Series:
    """A source's items a month at most: the table's value every month, or its
    row by month (a blank month there takes the table's value)."""
    path = f"contingency.sources[{i}].max_per_month"
    if by_month is None:
        value = r.number(sheet, row, col, path, "count")
        for t in range(months):
            r.note(f"{path}[{t}]", sheet, row, col)
        return (value,) * max(months, 1)
    month_row, values = by_month
    scalar = r.optional(sheet, row, col, path, "count")
    r.note(path, sheet, month_row, 0)
    for t, value in enumerate(values):
        if math.isnan(value):
            if scalar is None:
                r.fail(
                    f"{path}[{t}]",
                    f"The month is blank and so is the source's '{H_CMAX}' above: enter the items a month "
                    "at most, 0 or more.",
                    r.cells.get(f"{path}[{t}]", sheet.where(month_row, 0)),
                )
            else:
                values[t] = scalar
                r.note(f"{path}[{t}]", sheet, row, col)
    return tuple(values)


def _lead_time(r: CellReader, sheet: SheetCells, row: int, col: int, field: str) -> int:
    r.note(field, sheet, row, col)
    if is_blank(sheet.get(row, col)):
        return 0
    number = r.number(sheet, row, col, field, "whole")
    if math.isnan(number):
        return 0
    if not number.is_integer():
        r.fail(
            field,
            f"The cell holds {number:g}, not a whole number: enter the lead time in whole months.",
            sheet.where(row, col),
        )
        return 0
    return int(number)


def _objective(r: CellReader, sheet: SheetCells, at: tuple[int, int] | None) -> str:
    if at is None:
        return "fastest"
    r.note("contingency.objective", sheet, *at)
    raw = sheet.get(*at)
    said = norm(raw)
    if is_blank(raw):
        return "fastest"
    if said not in OBJECTIVES:
        r.fail(
            "contingency.objective",
            f"{show_first(raw)}: choose '{OBJECTIVES[0]}' or '{OBJECTIVES[1]}' from the list.",
            sheet.where(*at),
        )
    return said


def read_contingency(r: CellReader) -> Contingency | None:
    """The contingency sources from their sheet; None when the sheet is
    absent, or its objective and sources are blank."""
    sheet = _optional_sheet(r, CONTINGENCY)
    if sheet is None:
        return None
    r.cells["contingency"] = location(r.file, sheet.name)
    objective_at = r.labelled(sheet, L_OBJECTIVE, "contingency.objective")
    sources_title = _title(r, sheet, T_SOURCES, "contingency.sources")
    monthly_title = _title(r, sheet, T_CMAX_MONTHLY, "contingency.sources")
    odds_title = alone_title(sheet, T_ODDS)
    if sources_title is None or monthly_title is None:
        return None
    headers = [H_CSOURCE, H_CSTAGE, H_CCOST, H_CMAX, H_CLEAD, H_CHANNEL_RATE]
    table = r.table(sheet, headers, "contingency.sources", sources_title + 1, monthly_title)
    monthly = r.table(sheet, [H_CSOURCE], "contingency.sources", monthly_title + 1, odds_title, months=True)
    if table is None:
        return None
    blank_objective = objective_at is None or is_blank(sheet.get(*objective_at))
    if blank_objective and not table.rows and (monthly is None or not _filled(sheet, monthly)):
        if objective_at is not None:
            r.note("contingency.objective", sheet, *objective_at)
        return None
    objective = _objective(r, sheet, objective_at)
    c = table.cols
    names = [r.text(sheet, row, c[H_CSOURCE], f"contingency.sources[{i}].name") for i, row in enumerate(table.rows)]
    by_month = _monthly_capacity(r, sheet, monthly, names)
    months = len(r.month_labels or ()) or 1
    sources = []
    for i, row in enumerate(table.rows):
        path = f"contingency.sources[{i}]"
        r.note(path, sheet, row, c[H_CSOURCE])
        sources.append(
            ContingencySource(
                name=names[i],
                stage=r.text(sheet, row, c[H_CSTAGE], f"{path}.stage"),
                cost_per_item=r.number(sheet, row, c[H_CCOST], f"{path}.cost_per_item", "money"),
                max_per_month=_capacity(r, sheet, row, c[H_CMAX], i, by_month.get(i), months),
                lead_time_months=_lead_time(r, sheet, row, c[H_CLEAD], f"{path}.lead_time_months"),
                rate=r.optional(sheet, row, c[H_CHANNEL_RATE], f"{path}.rate", "rate"),
            )
        )
    return Contingency(objective=objective, sources=tuple(sources))  # type: ignore[arg-type]  # checked by validation


# -- the odds --------------------------------------------------------------------


def read_uncertainty(r: CellReader) -> Uncertainty | None:
    """The draws and seed of the odds; None when the block is absent or blank."""
    sheet = _optional_sheet(r, CONTINGENCY)
    if sheet is None:
        return None
    title = alone_title(sheet, T_ODDS)
    if title is None:
        return None
    draws_at = r.labelled(sheet, L_DRAWS, "uncertainty.draws", title)
    seed_at = r.labelled(sheet, L_SEED, "uncertainty.seed", title)
    cells = [a for a in (draws_at, seed_at) if a is not None]
    for field, cell in (("uncertainty.draws", draws_at), ("uncertainty.seed", seed_at)):
        if cell is not None:
            r.note(field, sheet, *cell)
    if all(is_blank(sheet.get(*a)) for a in cells):
        return None
    draws, seed = DEFAULT_DRAWS, 0
    if draws_at is not None and not is_blank(sheet.get(*draws_at)):
        draws = r.whole(sheet, *draws_at, "uncertainty.draws")
    if seed_at is not None and not is_blank(sheet.get(*seed_at)):
        seed = r.whole(sheet, *seed_at, "uncertainty.seed")
    return Uncertainty(draws=draws, seed=seed)
