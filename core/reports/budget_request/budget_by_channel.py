"""The Budget by channel sheet: each paid channel's leads and spend by
month, the budget requested against the approved budget, and the same
again by calendar quarter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from xlsxwriter.format import Format

from core.calc.funnel import FloatArray
from core.reports.budget_request.assumptions import AssumptionCells
from core.reports.budget_request.common import (
    ASSUMPTIONS,
    BUDGET,
    HEADER_ROW,
    REVERSE,
    Context,
    Sheet,
    cell,
    month_header,
    quarters,
    setup_month_sheet,
    subtitle,
)
from core.reports.budget_request.reverse_funnel import ReverseFunnelRows

_QuarterRow = tuple[int, FloatArray, Format]  # a row repeated by quarter: row, plan-month values, format


@dataclass(frozen=True)
class BudgetRows:
    """Rows of the Budget by channel sheet (0-based); ``spend`` None when
    there are no paid channels, ``budget`` and ``gap`` None without an
    approved budget."""

    spend_rows: tuple[int, ...]  # each channel's spend
    spend: int | None  # budget requested (total spend)
    budget: int | None
    gap: int | None
    fixed: int | None  # fixed cost, all channels


def _total_row(
    ctx: Context, sheet: Sheet, row: int, rows: Sequence[int], grid_values: FloatArray, plan_total: float, fmt: Format
) -> None:
    """``SUM`` of ``rows`` in every column of the grid and both totals."""
    g, n_pre = ctx.plan_grid, ctx.nums.n_pre
    for c in [*(g.col(i) for i in range(g.size)), g.PRE, g.total]:
        if c == g.PRE:
            value = float(grid_values[:n_pre].sum())
        elif c == g.total:
            value = plan_total
        else:
            value = float(grid_values[c - g.col(0)])
        sheet.formula(row, c, f"SUM({cell(rows[0], c)}:{cell(rows[-1], c)})", value, fmt)


def _leads(
    ctx: Context, sheet: Sheet, a: AssumptionCells, rf: ReverseFunnelRows, row: int, by_quarter: list[_QuarterRow]
) -> tuple[list[int], int]:
    """Each channel's leads and their total from ``row``: (channel rows, total row)."""
    g, st, nums = ctx.plan_grid, ctx.st, ctx.nums
    rows: list[int] = []
    for j, ch in enumerate(ctx.plan.channels):
        mix = f"Mix_{a.channel_names[j]}"
        leads = ch.mix * nums.paid
        sheet.text(row, 0, "Leads")
        sheet.text(row, 1, ch.name)
        for i in range(g.size):
            sheet.formula(row, g.col(i), f"{mix}*{cell(rf.paid, g.col(i), REVERSE)}", float(leads[i]), st.count)
        sheet.totals(row, g, leads, st.count)
        rows.append(row)
        row += 1
    leads_total = np.sum([ch.mix * nums.paid for ch in ctx.plan.channels], axis=0)
    sheet.text(row, 0, "Paid raw leads, all channels", st.bold)
    _total_row(
        ctx,
        sheet,
        row,
        rows,
        leads_total,
        float(leads_total[nums.n_pre : nums.n_pre + ctx.plan.months].sum()),
        st.count,
    )
    by_quarter.append((row, leads_total[nums.n_pre : nums.n_pre + ctx.plan.months], st.count))
    return rows, row


def _spend(
    ctx: Context, sheet: Sheet, a: AssumptionCells, row: int, lead_rows: Sequence[int], by_quarter: list[_QuarterRow]
) -> tuple[list[int], int]:
    """Each channel's spend and the total from ``row``: (channel rows, total row)."""
    g, st, nums, res, n_pre = ctx.plan_grid, ctx.st, ctx.nums, ctx.res, ctx.nums.n_pre
    rows: list[int] = []
    spend_values: list[FloatArray] = []
    for j, ch in enumerate(ctx.plan.channels):
        cpl = f"CPL_{a.channel_names[j]}"
        variable = ch.cost_per_lead * (ch.mix * nums.paid)
        values = variable.copy()
        values[n_pre : n_pre + len(res.spend_total)] = res.spend[j]
        sheet.text(row, 0, "Spend")
        sheet.text(row, 1, ch.name)
        lead_row = lead_rows[j]
        for i in range(n_pre):
            sheet.formula(row, g.col(i), f"{cpl}*{cell(lead_row, g.col(i))}", float(variable[i]), st.money)
        for t in range(ctx.plan.months):
            fixed = cell(a.month_row(t), a.fixed_cols[j], ASSUMPTIONS, True)
            value = float(res.spend[j][t])
            sheet.formula(row, g.month(t), f"{cpl}*{cell(lead_row, g.month(t))}+{fixed}", value, st.money)
        sheet.totals(row, g, values, st.money)
        by_quarter.append((row, res.spend[j], st.money))
        rows.append(row)
        spend_values.append(values)
        row += 1
    total = np.sum(spend_values, axis=0)
    total[n_pre : n_pre + len(res.spend_total)] = res.spend_total
    sheet.text(row, 0, "Budget requested (total spend)", st.bold)
    _total_row(ctx, sheet, row, rows, total, float(res.spend_total.sum()), st.money_bold)
    by_quarter.append((row, res.spend_total, st.money_bold))
    return rows, row


def _approved(
    ctx: Context, sheet: Sheet, a: AssumptionCells, row: int, spend_row: int, by_quarter: list[_QuarterRow]
) -> tuple[int, int] | None:
    """The approved budget and the gap from ``row`` (None without a budget): (budget row, gap row)."""
    g, st, res, n, n_pre = ctx.plan_grid, ctx.st, ctx.res, ctx.plan.months, ctx.nums.n_pre
    if res.approved_budget is None or res.budget_gap is None:
        return None
    sheet.text(row, 0, "Approved budget")
    for t in range(n):
        sheet.formula(row, g.month(t), a.month_ref("budget", t), float(res.approved_budget[t]), st.money)
    sheet.totals(row, g, np.concatenate([np.zeros(n_pre), res.approved_budget]), st.money, pre=False)
    by_quarter.append((row, res.approved_budget, st.money))
    budget_row, row = row, row + 1
    sheet.text(row, 0, "Budget gap (positive: to request)", st.bold)
    for t in range(n):
        c = g.month(t)
        gap = f"{cell(spend_row, c)}-{cell(budget_row, c)}"
        sheet.formula(row, c, gap, float(res.budget_gap[t]), st.money_bold)
    sheet.totals(row, g, np.concatenate([np.zeros(n_pre), res.budget_gap]), st.money_bold, pre=False)
    by_quarter.append((row, res.budget_gap, st.money_bold))
    return budget_row, row


def _fixed(ctx: Context, sheet: Sheet, a: AssumptionCells, row: int) -> None:
    g, st, n, n_pre = ctx.plan_grid, ctx.st, ctx.plan.months, ctx.nums.n_pre
    sheet.text(row, 0, "Fixed cost, all channels")
    fixed_total = np.sum([np.asarray(c.fixed_cost, dtype=float) for c in ctx.plan.channels], axis=0)
    for t in range(n):
        sheet.formula(row, g.month(t), a.fixed_sum(t), float(fixed_total[t]), st.money)
    sheet.totals(row, g, np.concatenate([np.zeros(n_pre), fixed_total]), st.money, pre=False)


def _quarter_table(ctx: Context, sheet: Sheet, row: int, rows: Sequence[_QuarterRow]) -> None:
    """The rows ``rows`` again by calendar quarter, from ``row`` down,
    quarters in the first month columns."""
    g, st = ctx.plan_grid, ctx.st
    by_quarter = quarters(ctx.months)
    sheet.text(row, g.LABEL, "By quarter", st.header_left)
    sheet.text(row, g.NAME, "", st.header_left)
    for qi, (label, _, _) in enumerate(by_quarter):
        sheet.text(row, g.month(qi), label, st.header)
    for offset, (source, values, fmt) in enumerate(rows, start=1):
        label, name = sheet.labels[source]
        sheet.text(row + offset, g.LABEL, label, st.bold if fmt in (st.money_bold,) else st.label)
        sheet.text(row + offset, g.NAME, name)
        for qi, (_, first, last) in enumerate(by_quarter):
            total = f"SUM({cell(source, g.month(first))}:{cell(source, g.month(last))})"
            sheet.formula(row + offset, g.month(qi), total, float(values[first : last + 1].sum()), fmt)


def write_budget_by_channel(ctx: Context, a: AssumptionCells, rf: ReverseFunnelRows) -> BudgetRows:
    """Write the Budget by channel sheet; returns where its rows are."""
    plan, st, g = ctx.plan, ctx.st, ctx.plan_grid
    sheet = ctx.sheets[BUDGET]
    sheet.text(0, 0, f"Budget by channel ({plan.currency})", st.title)
    subtitle(
        ctx,
        sheet,
        "Channel leads = mix x paid raw leads; spend = cost per lead x leads + fixed cost. "
        "'Before the plan': leads bought before the first month, for the first months' deals.",
        g,
    )
    month_header(ctx, sheet, HEADER_ROW, g)
    setup_month_sheet(ctx, sheet, g, HEADER_ROW)
    row = HEADER_ROW + 1
    if not plan.channels:
        sheet.text(row, 0, "No paid channels: free sources cover the requirement; nothing to spend.", st.note)
        return BudgetRows((), None, None, None, None)
    by_quarter: list[_QuarterRow] = []  # rows repeated by quarter below the table
    lead_rows, leads_total = _leads(ctx, sheet, a, rf, row, by_quarter)
    spend_rows, spend = _spend(ctx, sheet, a, leads_total + 2, lead_rows, by_quarter)
    approved = _approved(ctx, sheet, a, spend + 1, spend, by_quarter)
    fixed = spend + 1 if approved is None else approved[1] + 1
    _fixed(ctx, sheet, a, fixed)
    _quarter_table(ctx, sheet, fixed + 2, by_quarter)
    budget, gap = approved if approved is not None else (None, None)
    return BudgetRows(tuple(spend_rows), spend, budget, gap, fixed)
