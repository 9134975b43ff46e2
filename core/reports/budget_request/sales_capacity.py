"""The Sales capacity sheet: the hours the required volume asks of sales,
month by month, against the hours available."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xlsxwriter.format import Format

from core.calc.funnel import FloatArray
from core.reports.budget_request.assumptions import AssumptionCells
from core.reports.budget_request.common import (
    CAPACITY,
    HEADER_ROW,
    REVERSE,
    Context,
    Grid,
    Sheet,
    cell,
    month_header,
    setup_month_sheet,
    subtitle,
)
from core.reports.budget_request.reverse_funnel import ReverseFunnelRows


@dataclass(frozen=True)
class CapacityRows:
    """Rows of the Sales capacity sheet (0-based), None where not computed."""

    demand: int | None = None  # demand hours, all stages
    utilization: int | None = None  # demand / hours available; its peak in the total column


def _hours_row(sheet: Sheet, row: int, g: Grid, formulas: list[str], values: FloatArray) -> None:
    """Hours by plan month (``formulas`` caching ``values``), then the plan total."""
    for t, formula in enumerate(formulas):
        sheet.formula(row, g.month(t), formula, float(values[t]), sheet.st.hours)
    first, last = cell(row, g.month(0)), cell(row, g.month(g.n - 1))
    sheet.formula(row, g.total, f"SUM({first}:{last})", float(values.sum()), sheet.st.hours)


def _demand(
    ctx: Context, sheet: Sheet, g: Grid, a: AssumptionCells, rf: ReverseFunnelRows, row: int
) -> tuple[list[int], FloatArray]:
    """Demand hours of every stage that costs sales time, from ``row``: (rows, total demand)."""
    rows: list[int] = []
    demand = np.zeros(ctx.plan.months)
    for k, stage in enumerate(ctx.plan.stages):
        if stage.sales_hours <= 0:
            continue
        sheet.text(row, 0, "Demand hours")
        sheet.text(row, 1, stage.name)
        values = stage.sales_hours * ctx.res.stage_required[k]
        demand = demand + values
        sources = (cell(rf.required(k), ctx.grid.month(t), REVERSE) for t in range(g.n))
        _hours_row(sheet, row, g, [f"Hours_{a.stage_names[k]}*{src}" for src in sources], values)
        rows.append(row)
        row += 1
    return rows, demand


def _utilization(ctx: Context, sheet: Sheet, g: Grid, demand_row: int, hours_row: int) -> None:
    res, st, n = ctx.res, ctx.st, ctx.plan.months
    assert res.sales_utilization is not None
    row = hours_row + 1
    sheet.text(row, 0, "Utilization (above 100%: more than sales can work)", st.bold)
    for t in range(n):
        c = g.month(t)
        sheet.formula(row, c, f"{cell(demand_row, c)}/{cell(hours_row, c)}", float(res.sales_utilization[t]), st.pct)
    peak = float(res.sales_utilization.max())
    sheet.formula(row, g.total, f"MAX({cell(row, g.month(0))}:{cell(row, g.month(n - 1))})", peak, st.pct)
    over = ctx.book.add_format({"font_color": "#C00000", "bold": True})
    sheet.ws.conditional_format(
        row, g.month(0), row, g.month(n - 1), {"type": "cell", "criteria": ">", "value": 1, "format": over}
    )


def _values_row(sheet: Sheet, row: int, g: Grid, label: str, values: FloatArray, fmt: Format, total: bool) -> None:
    """A row of the planner's values by plan month (not formulas), with the plan total or the peak."""
    sheet.text(row, 0, label)
    for t in range(g.n):
        sheet.ws.write_number(row, g.month(t), float(values[t]), fmt)
    first, last = cell(row, g.month(0)), cell(row, g.month(g.n - 1))
    summary = f"SUM({first}:{last})" if total else f"MAX({first}:{last})"
    sheet.formula(row, g.total, summary, float(values.sum() if total else values.max()), fmt)


def _nurture(ctx: Context, sheet: Sheet, g: Grid, row: int) -> None:
    """The nurture pool month by month (the planner's figures for the required flow) and the
    lead-development team's hours, from ``row`` (nothing without a pool)."""
    pool, st, nurture = ctx.res.nurture, ctx.st, ctx.plan.nurture
    if pool is None or nurture is None:
        return
    sheet.text(row, 0, f"Nurture pool into {pool.stage} (planner's figures)", st.header_left)
    _values_row(sheet, row + 1, g, "Leads recycled into the pool", pool.recycled, st.count, True)
    _values_row(sheet, row + 2, g, "Pool at the start of the month", pool.pool, st.count, False)
    _values_row(sheet, row + 3, g, f"Leads returned to {pool.stage}", pool.matured, st.count, True)
    if pool.utilization is None or nurture.hours_per_lead is None or nurture.hours_available is None:
        return
    needed = nurture.hours_per_lead * pool.pool
    sheet.text(row + 4, 0, "Lead-development hours needed")
    _hours_row(sheet, row + 4, g, [f"NurtureHoursPerLead*{cell(row + 2, g.month(t))}" for t in range(g.n)], needed)
    sheet.text(row + 5, 0, "Lead-development hours available")
    available = np.broadcast_to(np.asarray(nurture.hours_available, dtype=float), (g.n,))
    for t in range(g.n):
        sheet.ws.write_number(row + 5, g.month(t), float(available[t]), st.number_in)
    sheet.formula(
        row + 5,
        g.total,
        f"SUM({cell(row + 5, g.month(0))}:{cell(row + 5, g.month(g.n - 1))})",
        float(available.sum()),
        st.hours,
    )
    sheet.text(row + 6, 0, "Lead-development utilization", st.bold)
    for t in range(g.n):
        c = g.month(t)
        sheet.formula(row + 6, c, f"{cell(row + 4, c)}/{cell(row + 5, c)}", float(pool.utilization[t]), st.pct)
    peak = float(pool.utilization.max())
    sheet.formula(row + 6, g.total, f"MAX({cell(row + 6, g.month(0))}:{cell(row + 6, g.month(g.n - 1))})", peak, st.pct)


def write_sales_capacity(ctx: Context, a: AssumptionCells, rf: ReverseFunnelRows) -> CapacityRows:
    """Write the Sales capacity sheet; returns where its rows are."""
    rows = _write_sales(ctx, a, rf)
    sheet = ctx.sheets[CAPACITY]
    _nurture(ctx, sheet, Grid(0, ctx.plan.months, with_pre=False), (sheet.ws.dim_rowmax or HEADER_ROW) + 2)
    return rows


def _write_sales(ctx: Context, a: AssumptionCells, rf: ReverseFunnelRows) -> CapacityRows:
    """Write the Sales capacity sheet; returns where its rows are."""
    plan, st, res = ctx.plan, ctx.st, ctx.res
    g = Grid(0, plan.months, with_pre=False)
    sheet = ctx.sheets[CAPACITY]
    sheet.text(0, 0, "Sales capacity: hours the required volume asks of sales", st.title)
    subtitle(ctx, sheet, "Demand = sales hours per item (Assumptions) x items required entering the stage.", g)
    month_header(ctx, sheet, HEADER_ROW, g)
    sheet.text(HEADER_ROW, g.total, "Plan total / peak", st.header)
    setup_month_sheet(ctx, sheet, g, HEADER_ROW)
    rows, demand = _demand(ctx, sheet, g, a, rf, HEADER_ROW + 1)
    row = HEADER_ROW + 1 + len(rows)
    if not rows:
        sheet.text(row, 0, "No stage costs sales time (sales hours per item are all 0).", st.note)
        return CapacityRows()
    if res.sales_demand is not None:
        demand = res.sales_demand
    sheet.text(row, 0, "Demand hours, all stages", st.bold)
    for c, value in [*((g.month(t), float(demand[t])) for t in range(g.n)), (g.total, float(demand.sum()))]:
        sheet.formula(row, c, f"SUM({cell(rows[0], c)}:{cell(rows[-1], c)})", value, st.hours)
    demand_row = row
    if res.sales_utilization is None or plan.sales_hours_available is None:
        sheet.text(row + 2, 0, "No sales hours available entered: utilization not computed.", st.note)
        return CapacityRows(demand=demand_row)
    sheet.text(row + 1, 0, "Sales hours available")
    hours = np.asarray(plan.sales_hours_available, dtype=float)
    _hours_row(sheet, row + 1, g, [a.month_ref("hours", t) for t in range(g.n)], hours)
    _utilization(ctx, sheet, g, demand_row, row + 1)
    return CapacityRows(demand=demand_row, utilization=row + 2)
