"""Writing the plan workbook's inputs for the year in progress and its odds
(read back by :mod:`core.formats.xlsx.plan_read_year`): the *Actuals* sheet
(months elapsed, alarm threshold, items entering each stage and spend per
channel, a row per plan month as a CRM's monthly report reads) and the
*Contingency* sheet (the objective, the sources kept ready, their capacity
by month where it varies, and the odds' draws and seed)."""

from __future__ import annotations

from collections.abc import Sequence

import xlsxwriter

from core.formats.xlsx.plan_layout import (
    ACTUALS,
    CONTINGENCY,
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
    YEAR_WIDTH,
    month_row_labels,
)
from core.formats.xlsx.plan_print import SheetPrint, apply_print
from core.formats.xlsx.plan_styles import CellWriter, ExactWorksheet, Formats, validate_min, validate_rate
from core.model.plan import MAX_DRAWS, MIN_DRAWS, ContingencySource, Plan, Series

__all__ = ["write_actuals", "write_contingency"]

_LABEL_WIDTH = 16.0
_SOURCE_WIDTH = 34.0
_SPARE_ROWS = 20  # rows below a table its validation covers, for rows the user adds


def _columns(known: Sequence[str], given: Sequence[tuple[str, Series]]) -> list[str]:
    """The table's columns: every name the plan knows, in its order (the
    names given read back in the order given, so a plan whose actuals follow
    another order, or name what the plan does not know, keeps them first)."""
    folded = [n.strip().casefold() for n in known]
    at = [folded.index(n.strip().casefold()) if n.strip().casefold() in folded else -1 for n, _ in given]
    if all(a >= 0 for a in at) and at == sorted(set(at)):
        return list(known)
    names = [n for n, _ in given]
    taken = {n.strip().casefold() for n in names}
    return [*names, *(n for n in known if n.strip().casefold() not in taken)]


def _month_table(
    w: CellWriter,
    plan: Plan,
    top: int,
    title: str,
    hint: str,
    names: list[str],
    given: dict[str, Series],
    style: object,
    what: str,
) -> int:
    """A titled table from row ``top``: a row per plan month, a column per
    name; returns the row after it."""
    w.text(top, 0, title, w.fmt.title)
    w.text(top + 1, 0, hint, w.fmt.hint_line)
    head = top + 2
    w.headers(head, 0, [H_MONTH, *names])
    w.sheet.set_row(head, 30)
    labels = month_row_labels(plan)
    for t, label in enumerate(labels):
        w.text(head + 1 + t, 0, label, w.fmt.text)
        for c, name in enumerate(names):
            values = given.get(name, ())
            w.number(head + 1 + t, 1 + c, values[t] if t < len(values) else None, style)
    for c in range(len(names)):
        validate_min(w.sheet, head + 1, head + len(labels), 1 + c, what)
    return head + 1 + len(labels) + 1


def write_actuals(book: xlsxwriter.Workbook, fmt: Formats, plan: Plan) -> None:
    """The *Actuals* sheet: blank for a plan without actuals."""
    sheet = book.add_worksheet(ACTUALS, worksheet_class=ExactWorksheet)
    w = CellWriter(sheet, fmt)
    actuals = plan.actuals
    stages = _columns([s.name for s in plan.stages], actuals.stages if actuals else ())
    channels = _columns([c.name for c in plan.channels], actuals.spend if actuals else ())
    wide = max(len(stages), len(channels), 4)
    sheet.set_column(0, 0, _LABEL_WIDTH)
    sheet.set_column(1, wide, YEAR_WIDTH)
    w.text(0, 0, "Actuals: what happened in the months elapsed", fmt.title)
    w.text(
        1,
        0,
        "Paste the figures of your CRM's monthly report. Leave the whole sheet blank for no actuals;",
        fmt.hint_line,
    )
    w.text(
        2,
        0,
        "the planner then tracks the qualified leads against the plan and forecasts the rest of it.",
        fmt.hint_line,
    )
    w.text(4, 0, L_ELAPSED, fmt.label)
    w.number(4, 1, None if actuals is None else actuals.months, fmt.number)
    w.text(4, 2, f"whole number, 1 to {plan.months}: the months of the plan that are over", fmt.hint_line)
    sheet.data_validation(4, 1, 4, 1, {"validate": "integer", "criteria": "between", "minimum": 1, "maximum": 60})
    w.text(5, 0, L_ALARM, fmt.label)
    w.number(5, 1, None if actuals is None else actuals.alarm_share, fmt.percent)
    w.text(
        5, 2, "alarm when the shortfall ahead passes this share of what is still required; blank = 5%", fmt.hint_line
    )
    sheet.data_validation(5, 1, 5, 1, {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1})
    after = _month_table(
        w,
        plan,
        7,
        T_ACTUAL_STAGES,
        "Items that entered the stage in the month, 0 or more; fill the months elapsed only; "
        "a blank column: no actuals for that stage",
        stages,
        dict(actuals.stages) if actuals else {},
        fmt.number,
        "Items",
    )
    sheet.set_h_pagebreaks([after + 1])  # each table on a page of its own
    _month_table(
        w,
        plan,
        after + 1,
        T_ACTUAL_SPEND,
        f"{plan.currency} spent on the channel in the month, 0 or more; a blank column: not tracked",
        channels,
        dict(actuals.spend) if actuals else {},
        fmt.money,
        "Spend",
    )
    sheet.freeze_panes(0, 1)
    apply_print(sheet, SheetPrint([_LABEL_WIDTH], None, wide, YEAR_WIDTH), plan.name)


def _constant(values: Series) -> float | None:
    """The capacity when it is the same every month (None: it varies)."""
    return values[0] if values and all(v == values[0] for v in values) else None


_SOURCE_HINTS = (
    "unique name",
    "the stage its items enter (at most the gate)",
    "{currency} per item, 0 or more",
    "0 or more every month, or by month below",
    "months from the decision, 0 to {months}; blank = 0",
    "more than 0, at most 1; blank = the funnel's",
)


def _write_sources(w: CellWriter, plan: Plan, top: int) -> int:
    """The sources table from row ``top``; returns the row after it."""
    fmt, sheet = w.fmt, w.sheet
    sources = plan.contingency.sources if plan.contingency else ()
    w.text(top, 0, T_SOURCES, fmt.title)
    w.hints(top + 1, 0, [h.format(currency=plan.currency, months=plan.months) for h in _SOURCE_HINTS])
    sheet.set_row(top + 1, 75)
    head = top + 2
    w.headers(head, 0, [H_CSOURCE, H_CSTAGE, H_CCOST, H_CMAX, H_CLEAD, H_CHANNEL_RATE])
    sheet.set_row(head, 45)
    for i, source in enumerate(sources):
        row = head + 1 + i
        w.text(row, 0, source.name, fmt.text)
        w.text(row, 1, source.stage, fmt.text)
        w.number(row, 2, source.cost_per_item, fmt.money)
        w.number(row, 3, _constant(source.max_per_month), fmt.number)
        w.number(row, 4, source.lead_time_months, fmt.number)
        w.number(row, 5, source.rate, fmt.percent)
    last = head + len(sources) + _SPARE_ROWS
    names = [s.name for s in plan.stages[:-1] if s.name]
    if names and sum(len(s) + 1 for s in names) < 250:
        sheet.data_validation(head + 1, 1, last, 1, {"validate": "list", "source": names, "error_type": "warning"})
    validate_min(sheet, head + 1, last, 2, "Cost per item")
    validate_min(sheet, head + 1, last, 3, "Items a month at most")
    sheet.data_validation(
        head + 1, 4, last, 4, {"validate": "integer", "criteria": "between", "minimum": 0, "maximum": plan.months}
    )
    validate_rate(sheet, head + 1, last, 5, "Source rate")
    return head + 1 + len(sources) + 1


def _write_monthly(w: CellWriter, plan: Plan, top: int) -> int:
    """The capacity by month of each source whose capacity varies; returns the row after it."""
    fmt = w.fmt
    varying: list[ContingencySource] = [
        s for s in (plan.contingency.sources if plan.contingency else ()) if _constant(s.max_per_month) is None
    ]
    w.text(top, 0, T_CMAX_MONTHLY, fmt.title)
    w.text(
        top + 1,
        0,
        "A row per source whose capacity varies: its items a month at most; a blank month takes the value above",
        fmt.hint_line,
    )
    head = top + 2
    labels = month_row_labels(plan)
    w.headers(head, 0, [H_CSOURCE, *labels])
    for i, source in enumerate(varying):
        row = head + 1 + i
        w.text(row, 0, source.name, fmt.text)
        for t in range(len(labels)):
            values = source.max_per_month
            w.number(row, 1 + t, values[t] if t < len(values) else None, fmt.number)
    for t in range(len(labels)):
        validate_min(w.sheet, head + 1, head + len(varying) + _SPARE_ROWS, 1 + t, "Items a month at most")
    return head + 1 + len(varying) + 1


def _write_odds(w: CellWriter, plan: Plan, top: int) -> None:
    fmt = w.fmt
    u = plan.uncertainty
    w.text(top, 0, T_ODDS, fmt.title)
    w.text(
        top + 1, 0, "Rates that carry the number of items they were measured on are redrawn many times", fmt.hint_line
    )
    w.text(
        top + 2, 0, "to say how likely the plan is to hit its target and what it takes to be 80% sure.", fmt.hint_line
    )
    row = top + 3
    w.text(row, 0, L_DRAWS, fmt.label)
    w.number(row, 1, None if u is None else u.draws, fmt.number)
    w.text(row, 2, f"whole number, {MIN_DRAWS:,} to {MAX_DRAWS:,}; blank = 10,000", fmt.hint_line)
    w.sheet.data_validation(
        row, 1, row, 1, {"validate": "integer", "criteria": "between", "minimum": MIN_DRAWS, "maximum": MAX_DRAWS}
    )
    w.text(row + 1, 0, L_SEED, fmt.label)
    w.number(row + 1, 1, None if u is None else u.seed, fmt.number)
    w.text(row + 1, 2, "whole number, 0 or more: the same seed, the same odds; blank = 0", fmt.hint_line)
    validate_min(w.sheet, row + 1, row + 1, 1, "Seed", whole=True)


def write_contingency(book: xlsxwriter.Workbook, fmt: Formats, plan: Plan) -> None:
    """The *Contingency* sheet: blank for a plan without sources and draws."""
    sheet = book.add_worksheet(CONTINGENCY, worksheet_class=ExactWorksheet)
    w = CellWriter(sheet, fmt)
    wide = max(plan.months, 5)
    sheet.set_column(0, 0, _SOURCE_WIDTH)
    sheet.set_column(1, wide, YEAR_WIDTH)
    w.text(0, 0, "Contingency: fast pipeline kept ready for a qualified-lead shortfall", fmt.title)
    w.text(
        1,
        0,
        "Vendors, bursts and teams that can deliver leads fast (appointment setting, content syndication, "
        "tele-qualification);",
        fmt.hint_line,
    )
    w.text(
        2, 0, "the planner works out which to tap in which month and what it costs. Blank: none kept.", fmt.hint_line
    )
    w.text(4, 0, L_OBJECTIVE, fmt.label)
    w.text(4, 1, plan.contingency.objective if plan.contingency else "", fmt.text)
    w.text(4, 2, "fastest: covered as early as possible, then at least cost;", fmt.hint_line)
    w.text(5, 2, "cheapest: covered by the plan's end at least cost; blank = fastest", fmt.hint_line)
    sheet.data_validation(4, 1, 4, 1, {"validate": "list", "source": list(OBJECTIVES)})
    after = _write_sources(w, plan, 7)
    after = _write_monthly(w, plan, after + 1)
    _write_odds(w, plan, after + 1)
    apply_print(sheet, SheetPrint([_SOURCE_WIDTH], None, wide, YEAR_WIDTH), plan.name)
