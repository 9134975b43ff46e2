"""The Contingency sheet (only when the result holds a contingency plan):
the sources kept ready (the assumptions), then for each deficit (the
stricter spec's; the tracking forecast's when the plan has actuals) the
sentence for finance (:func:`core.calc.figures_year.contingency_figures`),
the deficit by month, the plan to close it as a month-by-source schedule
with its cost, the month from which it is covered and what stays uncovered.

The schedules and the items they deliver at the gate are the planner's
linear program (:func:`core.calc.contingency.with_contingency`), written as
values (with what stays short): a linear program is not a spreadsheet
formula. Costs and running totals are formulas on them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell

from core.calc.contingency_lp import ContingencyPlan
from core.calc.display import format_money_symbol
from core.calc.figures import plural
from core.calc.figures_year import ContingencyFigures, contingency_figures
from core.calc.funnel import FloatArray
from core.model.plan import ContingencySource
from core.reports.budget_request.common import (
    CONTINGENCY,
    FONT_SIZE,
    LINE_HEIGHT,
    Context,
    Sheet,
    cell,
    lines,
    print_sheet,
)
from core.reports.budget_request.tracking import TrackingRows

NAME_WIDTH, VALUE_WIDTH = 21, 10  # a label column as wide as on the other sheets
_TITLES = {
    "spec_change": "Closing the stricter spec's qualified-lead deficit",
    "tracking": "Closing the deficit the year is heading for at the rates observed so far (Tracking sheet)",
}
_AIMS = {"fastest": "the fastest plan", "cheapest": "the cheapest plan by the plan's end"}
_SOURCE_HEAD = ("Source kept ready", "Delivers into", "Cost per item", "Capacity a month", "Lead time (months)", "Rate")


@dataclass(frozen=True)
class ContingencyCells:
    """Where each contingency plan's total cost is (sheet-qualified), by key."""

    cost_total: dict[str, str]


def _columns(n_sources: int) -> tuple[list[str], dict[str, int]]:
    """The schedule's headers and where its fixed columns are."""
    head = ["Month", "Deficit", "Deficit, running total"]
    head += [""] * n_sources
    head += ["Cost", "Delivered", "Delivered, running total", "Still short"]
    at = {"deficit": 1, "running": 2, "source": 3, "cost": 3 + n_sources}
    at |= {"delivered": at["cost"] + 1, "delivered_running": at["cost"] + 2, "short": at["cost"] + 3}
    return head, at


def _widths(n_sources: int) -> list[float]:
    return [NAME_WIDTH, *([VALUE_WIDTH] * (len(_columns(n_sources)[0]) - 1))]


def _merged(sheet: Sheet, row: int, last: int, text: str, width: float) -> None:
    sheet.ws.merge_range(row, 0, row, last, "", sheet.st.note_wrap)
    sheet.text(row, 0, text, sheet.st.note_wrap)
    sheet.ws.set_row(row, LINE_HEIGHT * lines(text, width))


def _capacity(source: ContingencySource) -> float | str:
    low, high = min(source.max_per_month), max(source.max_per_month)
    return float(low) if low == high else f"{low:,.0f} to {high:,.0f} by month"


def _sources(ctx: Context, sheet: Sheet, row: int) -> tuple[list[str], int]:
    """The sources table from ``row``: each source's cost-per-item cell, and the next free row."""
    st = ctx.st
    assert ctx.plan.contingency is not None
    sheet.text(row, 0, "Sources kept ready (the assumptions of every plan below)", st.bold)
    for col, title in enumerate(_SOURCE_HEAD):
        sheet.text(row + 1, col, title, st.header)
    sheet.ws.set_row(row + 1, 30)
    costs = []
    right = ctx.book.add_format({"font_size": FONT_SIZE, "align": "right"})
    for k, source in enumerate(ctx.plan.contingency.sources):
        r = row + 2 + k
        sheet.text(r, 0, source.name, st.wrap)
        sheet.text(r, 1, source.stage)
        sheet.ws.write_number(r, 2, source.cost_per_item, st.money)
        capacity = _capacity(source)
        if isinstance(capacity, str):
            sheet.text(r, 3, capacity, st.wrap)
        else:
            sheet.ws.write_number(r, 3, capacity, st.count_up)
        sheet.ws.write_number(r, 4, source.lead_time_months, st.whole)
        if source.rate is None:
            sheet.text(r, 5, "as planned", right)
        else:
            sheet.ws.write_number(r, 5, source.rate, st.pct)
        sheet.ws.set_row(r, LINE_HEIGHT * lines(source.name, NAME_WIDTH))
        costs.append(xl_rowcol_to_cell(r, 2, True, True))
    return costs, row + 2 + len(ctx.plan.contingency.sources)


def _deficit(ctx: Context, key: str) -> FloatArray:
    """The gate deficit by plan month the plan ``key`` closes."""
    res = ctx.res
    if key == "spec_change" and res.spec_change is not None:
        return res.spec_change.gate_deficit
    if key == "tracking" and res.tracking is not None and res.tracking.forecast_observed.gate_deficit is not None:
        return res.tracking.forecast_observed.gate_deficit
    raise ValueError(f"no deficit for the contingency plan {key!r}")


def _running(sheet: Sheet, first: int, row: int, of: int, col: int, value: float) -> None:
    """The running total of column ``of`` up to ``row``, in column ``col``."""
    top = xl_rowcol_to_cell(first, of, row_abs=True)
    sheet.formula(row, col, f"SUM({top}:{cell(row, of)})", value, sheet.st.count)


def _schedule(
    ctx: Context,
    sheet: Sheet,
    row: int,
    key: str,
    cp: ContingencyPlan,
    costs: Sequence[str],
    tracking: TrackingRows | None,
) -> tuple[int, str]:
    """The month-by-source schedule from ``row`` (its header); the totals row and the still-short cell of the
    plan's last month."""
    st, n = ctx.st, ctx.plan.months
    head, at = _columns(len(cp.names))
    deficit = _deficit(ctx, key)
    for col, title in enumerate(head):
        sheet.text(row, col, title, st.header)
    for k, name in enumerate(cp.names):
        sheet.text(row, at["source"] + k, f"{name} (items)", st.header)
    sheet.ws.set_row(row, LINE_HEIGHT * max(3, *(lines(f"{name} (items)", VALUE_WIDTH * 0.9) for name in cp.names)))
    first, t0 = row + 1, cp.from_month
    running = np.cumsum(deficit[t0:])
    delivered = np.cumsum(cp.delivered[t0:])
    for t in range(t0, n):
        r = first + t - t0
        sheet.text(r, 0, ctx.months[t])
        if tracking is not None and key == "tracking":
            sheet.formula(r, at["deficit"], tracking.short(t), float(deficit[t]), st.count)
        else:
            sheet.ws.write_number(r, at["deficit"], float(deficit[t]), st.count)
        _running(sheet, first, r, at["deficit"], at["running"], float(running[t - t0]))
        terms = []
        for k, items in enumerate(cp.items):
            if float(items[t]) > 0.0:  # a month without a purchase stays blank
                sheet.ws.write_number(r, at["source"] + k, float(items[t]), st.count)
            terms.append(f"{cell(r, at['source'] + k)}*{costs[k]}")
        cost = sum(float(items[t]) * src.cost_per_item for items, src in zip(cp.items, _source_list(ctx), strict=True))
        sheet.formula(r, at["cost"], "+".join(terms) or "0", cost, st.money)
        sheet.ws.write_number(r, at["delivered"], float(cp.delivered[t]), st.count)
        _running(sheet, first, r, at["delivered"], at["delivered_running"], float(delivered[t - t0]))
        # the planner's shortfall (what closes within the solver's tolerance counts as covered)
        sheet.ws.write_number(r, at["short"], float(cp.shortfall[t]), st.count)
    total, last = first + n - t0, first + n - t0 - 1
    sheet.text(total, 0, "Total", st.bold)
    sums = {at["deficit"]: float(deficit[t0:].sum()), at["cost"]: cp.cost_total, at["delivered"]: float(delivered[-1])}
    sums |= {at["source"] + k: float(items.sum()) for k, items in enumerate(cp.items)}
    for col, value in sums.items():
        fmt = st.money_bold if col == at["cost"] else st.count
        sheet.formula(total, col, f"SUM({cell(first, col)}:{cell(last, col)})", value, fmt)
    sheet.text(total + 1, 0, "Cost per source")
    for k, (items, src) in enumerate(zip(cp.items, _source_list(ctx), strict=True)):
        c = at["source"] + k
        sheet.formula(total + 1, c, f"{cell(total, c)}*{costs[k]}", float(items.sum()) * src.cost_per_item, st.money)
    return total, cell(last, at["short"])


def _source_list(ctx: Context) -> tuple[ContingencySource, ...]:
    return () if ctx.plan.contingency is None else ctx.plan.contingency.sources


def _plan_block(
    ctx: Context,
    sheet: Sheet,
    row: int,
    fig: ContingencyFigures,
    costs: Sequence[str],
    tracking: TrackingRows | None,
) -> tuple[int, str]:
    """One contingency plan from ``row``: title, sentence, schedule, what it comes to; the next free row
    and the total cost's cell."""
    st = ctx.st
    cp = (ctx.res.contingency or {})[fig.key]
    head, at = _columns(len(cp.names))
    width = sum(_widths(len(cp.names)))
    title = f"{_TITLES.get(fig.key, 'Closing a deficit')}: {_AIMS.get(fig.objective, fig.objective)}"
    sheet.text(row, 0, title, st.bold)
    _merged(sheet, row + 1, len(head) - 1, fig.sentence(lambda v: format_money_symbol(v, ctx.plan.currency)), width)
    out = row + 2
    total, last_short = _schedule(ctx, sheet, out + 3, fig.key, cp, costs, tracking)
    right = ctx.book.add_format({"font_size": FONT_SIZE, "align": "right"})
    figures: list[tuple[str, str | None, float | str, Format]] = [
        ("Total cost of the plan", cell(total, at["cost"]), cp.cost_total, st.money_bold),
        ("Covered from", None, "never, within the plan" if fig.covered_from is None else fig.covered_from, right),
        (f"{plural(fig.gate)} still uncovered at the plan's end", last_short, cp.uncovered, st.count),
    ]
    for k, (label, formula, value, fmt) in enumerate(figures):
        sheet.ws.merge_range(out + k, 0, out + k, 1, "", st.label)
        sheet.text(out + k, 0, label)
        if formula is None:
            sheet.text(out + k, 2, str(value), fmt)
        else:
            sheet.formula(out + k, 2, formula, value, fmt)
    return total + 3, cell(out, 2, CONTINGENCY)


def write_contingency(ctx: Context, tracking: TrackingRows | None) -> ContingencyCells | None:
    """Write the Contingency sheet (when the request has one); where each plan's total cost is."""
    plans = ctx.res.contingency
    if not plans or CONTINGENCY not in ctx.sheets or ctx.plan.contingency is None:
        return None
    sheet, st = ctx.sheets[CONTINGENCY], ctx.st
    n_sources = len(ctx.plan.contingency.sources)
    widths = _widths(n_sources)
    for col, width in enumerate(widths):
        sheet.ws.set_column(col, col, width)
    sheet.text(0, 0, "Contingency plans: closing a qualified-lead deficit fast", st.title)
    note = (
        "The items bought and what they deliver come from the planner's linear program (HiGHS) as values: a linear "
        "program is not a spreadsheet formula, nor is what stays short. Costs and running totals are formulas; a changed "
        "cost reprices a schedule but does not re-plan it. Deficits and deliveries are items entering the gate."
    )
    _merged(sheet, 1, len(widths) - 1, note, sum(widths))
    costs, row = _sources(ctx, sheet, 2)
    cells: dict[str, str] = {}
    breaks = []
    for k, fig in enumerate(contingency_figures(ctx.res)):
        if k:
            breaks.append(row)  # each further plan on a page of its own
        row, cells[fig.key] = _plan_block(ctx, sheet, row + 1, fig, costs, tracking)
    sheet.ws.set_h_pagebreaks(breaks)
    print_sheet(ctx, sheet, widths, None, landscape=True)
    return ContingencyCells(cells)
