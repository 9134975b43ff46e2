"""The Reverse funnel sheet: what the revenue target requires entering
each stage, month by month, back to the paid raw leads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.calc.funnel import FloatArray
from core.reports.budget_request.assumptions import AssumptionCells
from core.reports.budget_request.common import (
    ASSUMPTIONS,
    HEADER_ROW,
    REVERSE,
    Context,
    Sheet,
    cell,
    month_header,
    setup_month_sheet,
    subtitle,
)
from core.reports.budget_request.timing import KernelRows


@dataclass(frozen=True)
class ReverseFunnelRows:
    """Rows of the Reverse funnel sheet (0-based)."""

    target: int
    pipeline: int
    deals: int
    paid: int
    gross: tuple[int, ...]  # 'Required (gross)' of each stage but the last
    free: tuple[int | None, ...]  # 'Free volume entering' of each stage but the last, where there is free volume
    net: tuple[int, ...]  # what the stage below needs of each stage (its net row, or its gross row without free volume)

    def required(self, k: int) -> int:
        """The row of what must enter stage ``k`` (the deals for the last stage)."""
        return self.gross[k] if k < len(self.gross) else self.deals


@dataclass(frozen=True)
class _StageRows:
    gross: int
    free: int | None
    net: int
    next: int


def _plan_row(
    ctx: Context, sheet: Sheet, row: int, label: str, values: FloatArray, formula: Callable[[int], str]
) -> None:
    """A row of plan months only, with its total."""
    g, n = ctx.grid, ctx.plan.months
    sheet.text(row, 0, label)
    for t in range(n):
        sheet.formula(row, g.month(t), formula(t), float(values[t]), ctx.st.money)
    sheet.formula(
        row, g.total, f"SUM({cell(row, g.month(0))}:{cell(row, g.month(n - 1))})", float(values.sum()), ctx.st.money
    )


def _after_target(ctx: Context, sheet: Sheet, row: int) -> None:
    """The target after the plan (far edge): the plan's last (up to) 12 months again, grown a year
    at a time, ``T[N+i] = T[N-L + i mod L] * (1+growth)^(i div L + 1)``, for the months the lags reach."""
    g, n = ctx.grid, ctx.plan.months
    span = min(12, n)
    for i in range(g.n_after):
        source = cell(row, g.month(n - span + i % span))
        grown = f"{source}*(1+AfterPlanGrowth)^{i // span + 1}"
        value = float(ctx.nums.target[g.upto_plan + i])
        sheet.formula(row, g.col(g.upto_plan + i), f"IF({i + 1}<=AfterPlanMonths,{grown},0)", value, ctx.st.money)
    if g.n_after:
        first, last = cell(row, g.col(g.upto_plan)), cell(row, g.col(g.size - 1))
        total = float(ctx.nums.target[g.upto_plan : g.size].sum())
        sheet.formula(row, g.after_total, f"SUM({first}:{last})", total, ctx.st.money)


def _deals(ctx: Context, sheet: Sheet, row: int, target: int, pipeline: int) -> None:
    """Deals required: zero before the plan; after it, the far edge's target over the deal size."""
    g, st, plan = ctx.grid, ctx.st, ctx.plan
    sheet.text(row, 0, "Deals required")
    sheet.text(row, 1, plan.stages[-1].name)
    sheet.zeros(row, g)
    for t in range(plan.months):
        tgt, pipe = cell(target, g.month(t)), cell(pipeline, g.month(t))
        value = float(ctx.res.deals_required[t])
        sheet.formula(row, g.month(t), f"MAX(0,{tgt}-{pipe})/AvgDealSize", value, st.count)
    for i in range(g.upto_plan, g.size):
        value = float(ctx.nums.deals[i])
        sheet.formula(row, g.col(i), f"{cell(target, g.col(i))}/AvgDealSize", value, st.count)
    sheet.totals(row, g, ctx.nums.deals, st.count)


def _stage(
    ctx: Context, sheet: Sheet, a: AssumptionCells, tm: KernelRows, k: int, row: int, need_row: int
) -> _StageRows:
    """Stage ``k``'s rows from ``row``: required (gross) from what the stage below needs in
    ``need_row``, and with free volume into it the free volume and the net to generate."""
    g, st, nums, n, n_pre = ctx.grid, ctx.st, ctx.nums, ctx.plan.months, ctx.nums.n_pre
    name = ctx.plan.stages[k].name
    sheet.text(row, 0, "Required (gross)")
    sheet.text(row, 1, name)
    for i in range(g.size):
        f = tm.reverse(tm.kernel[k], g, i, need_row, None)
        sheet.formula(row, g.col(i), f, float(nums.gross[k][i]), st.count)
    sheet.totals(row, g, nums.gross[k], st.count)
    gross_row = row
    row += 1
    if not a.free_cols[k]:
        return _StageRows(gross_row, None, gross_row, row + 1)
    sheet.text(row, 0, "Free volume entering")
    sheet.text(row, 1, name)
    sheet.zeros(row, g)
    for t in range(n):
        refs = "+".join(cell(a.month_row(t), c, ASSUMPTIONS, True) for c in a.free_cols[k])
        sheet.formula(row, g.month(t), refs, float(nums.free[k][n_pre + t]), st.count)
    sheet.totals(row, g, nums.free[k], st.count)
    free_row = row
    row += 1
    sheet.text(row, 0, "Net to generate (after free volume)")
    sheet.text(row, 1, name)
    for i in range(g.size):
        gross, free = cell(gross_row, g.col(i)), cell(free_row, g.col(i))
        f = f"MAX(0,{gross})" if g.is_after(i) else f"MAX(0,{gross}-{free})"
        sheet.formula(row, g.col(i), f, float(nums.net[k][i]), st.count)
    sheet.totals(row, g, nums.net[k], st.count)
    return _StageRows(gross_row, free_row, row, row + 2)


def _paid(ctx: Context, sheet: Sheet, a: AssumptionCells, row: int, net0: int) -> None:
    """Paid raw leads: what the first stage must get from the paid channels."""
    g, st = ctx.grid, ctx.st
    sheet.text(row, 0, "Paid raw leads (all channels)", st.bold)
    sheet.text(row, 1, ctx.plan.stages[0].name)
    c0 = a.rate(0, 2)
    for i in range(g.size):
        sheet.formula(row, g.col(i), f"{cell(net0, g.col(i))}*{c0}/BlendedRate", float(ctx.nums.paid[i]), st.count)
    sheet.totals(row, g, ctx.nums.paid, st.count)


def write_reverse_funnel(ctx: Context, a: AssumptionCells, tm: KernelRows) -> ReverseFunnelRows:
    """Write the Reverse funnel sheet; returns where its rows are."""
    plan, st, g = ctx.plan, ctx.st, ctx.grid
    sheet = ctx.sheets[REVERSE]
    sheet.text(0, 0, "Reverse funnel: what the revenue target requires, month by month", st.title)
    subtitle(
        ctx,
        sheet,
        "Required entering a stage = what the next stage needs in the months after, spread back by the "
        "transition's timing and divided by its conversion rate (Timing sheet). 'After the plan' (grey): the "
        "target goes on and the plan's last months' leads bring those deals; month by month on screen, to its "
        "right. Counts are expected values to one decimal (the Summary rounds up).",
        g,
    )
    month_header(ctx, sheet, HEADER_ROW, g)
    setup_month_sheet(ctx, sheet, g, HEADER_ROW)
    target, pipeline, deals = HEADER_ROW + 1, HEADER_ROW + 2, HEADER_ROW + 3
    _plan_row(ctx, sheet, target, "Revenue target", ctx.res.revenue_target, lambda t: a.month_ref("target", t))
    pipeline_values = np.asarray(plan.pipeline_revenue or (0.0,) * plan.months, dtype=float)
    _plan_row(
        ctx,
        sheet,
        pipeline,
        "Pipeline revenue already forecast",
        pipeline_values,
        lambda t: a.month_ref("pipeline", t),
    )
    _after_target(ctx, sheet, target)
    _deals(ctx, sheet, deals, target, pipeline)
    K = len(plan.stages) - 1
    gross, net = [0] * K, [0] * K
    free: list[int | None] = [None] * K
    need_row, row = deals, deals + 2
    for k in range(K - 1, -1, -1):
        rows = _stage(ctx, sheet, a, tm, k, row, need_row)
        gross[k], free[k], net[k] = rows.gross, rows.free, rows.net
        need_row, row = rows.net, rows.next
    _paid(ctx, sheet, a, row, net[0])
    sheet.text(
        row + 2,
        0,
        "Before the plan: what had to enter before the first month for the first months' targets to be met.",
        st.note,
    )
    return ReverseFunnelRows(target, pipeline, deals, row, tuple(gross), tuple(free), tuple(net))
