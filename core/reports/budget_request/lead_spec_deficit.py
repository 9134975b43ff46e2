"""The Lead spec & deficit sheet: what the approved budget buys and the
qualified-lead deficit it leaves (the funded projection), and what the
proposed lead spec would change (its deficit with today's leads and what
closes it)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xlsxwriter.format import Format

from core.calc.engine import SpecChange
from core.calc.funnel import FloatArray
from core.reports.budget_request.assumptions import AssumptionCells
from core.reports.budget_request.budget_by_channel import BudgetRows
from core.reports.budget_request.common import (
    BUDGET,
    HEADER_ROW,
    REVERSE,
    SPEC,
    Context,
    Sheet,
    cell,
    month_header,
    setup_month_sheet,
    subtitle,
)
from core.reports.budget_request.numbers import qualified_stage
from core.reports.budget_request.reverse_funnel import ReverseFunnelRows
from core.reports.budget_request.timing import KernelRows


@dataclass(frozen=True)
class SpecRows:
    """Rows of the Lead spec & deficit sheet (0-based), None where the plan
    has no such figure (no approved budget, no proposed spec, no channels)."""

    revenue_gap: int | None = None  # revenue gap with the approved budget
    deficit: int | None = None  # qualified-lead deficit with the approved budget
    pass_current: int | None = None  # pass rates into the proposed spec's gate (column B)
    pass_proposed: int | None = None
    spec_deficit: int | None = None  # deficit with the proposed spec and today's leads
    extra_leads: int | None = None  # extra paid raw leads to close it
    extra_spend: int | None = None  # extra budget to close it
    adopted_deficit: int | None = None  # deficit with the approved budget after adopting the proposed spec


@dataclass(frozen=True)
class _Funded:
    revenue_gap: int
    deficit: int
    next: int


@dataclass(frozen=True)
class _Flow:
    pass_current: int
    pass_proposed: int
    deficit: int
    next: int


def _required(ctx: Context, rf: ReverseFunnelRows, k: int) -> tuple[int, FloatArray]:
    """Reverse funnel row of what must enter stage ``k``, and its values on the grid."""
    K = len(ctx.plan.stages) - 1
    return rf.required(k), (ctx.nums.gross[k] if k < K else ctx.nums.deals)


def _free_term(ctx: Context, rf: ReverseFunnelRows, k: int, i: int) -> str:
    free = rf.free[k] if k < len(rf.free) else None
    return f"+{cell(free, ctx.grid.col(i), REVERSE)}" if free is not None else ""


def _first_flow(
    ctx: Context, tm: KernelRows, rf: ReverseFunnelRows, i: int, x: tuple[int, str | None], proposed: bool
) -> str:
    """What enters stage 1 in grid month ``i``: the paid leads in row ``x`` (row, sheet) at the blended
    rate through the first timing, free volume into stage 0 through the first kernel, free volume into 1."""
    g = ctx.grid
    blended = "ProposedBlendedRate" if proposed else "BlendedRate"
    f = f"{blended}*({tm.forward(tm.timing[0], g, i, x[0], x[1])})"
    if rf.free and rf.free[0] is not None:
        kernel = tm.proposed[0] if proposed else tm.kernel[0]
        f += "+" + tm.forward(kernel, g, i, rf.free[0], REVERSE)
    return f + _free_term(ctx, rf, 1, i)


@dataclass(frozen=True)
class _Projection:
    """A forward projection of what the approved budget buys: under the current spec
    or with the proposed spec adopted (``proposed``). Before the plan the flow is
    the one required (the pre-plan requirement is taken as met)."""

    suffix: str  # after the row labels ("" or ", proposed spec")
    paid: tuple[int, str | None]  # row and sheet of the paid raw leads required
    proposed: bool
    bought: FloatArray  # on the grid
    volumes: tuple[FloatArray, ...]  # on the grid, each stage


def _bought(ctx: Context, sheet: Sheet, a: AssumptionCells, p: _Projection, row: int) -> None:
    """Paid raw leads the approved budget buys (at most the leads required); before the plan, the leads required."""
    g, st, plan = ctx.grid, ctx.st, ctx.plan
    sheet.text(row, 0, "Paid raw leads the budget buys" + p.suffix)
    for i in range(g.n_pre):
        sheet.formula(row, g.col(i), cell(p.paid[0], g.col(i), p.paid[1]), float(p.bought[i]), st.count)
    for t in range(plan.months):
        c = g.month(t)
        paid = cell(p.paid[0], c, p.paid[1])
        budget = a.month_ref("budget", t)
        bought = f"IF(BlendedCPL>0,MIN({paid},MAX(0,{budget}-({a.fixed_sum(t)}))/BlendedCPL),{paid})"
        f = bought if plan.channels else "0"
        sheet.formula(row, c, f, float(p.bought[g.n_pre + t]), st.count)
    sheet.totals(row, g, p.bought, st.count)


def _funded_volumes(
    ctx: Context, sheet: Sheet, tm: KernelRows, rf: ReverseFunnelRows, p: _Projection, row: int, last: int
) -> list[int]:
    """What the bought leads (in ``row - 1``) bring into stages 0 to ``last``, from ``row``: the rows."""
    g, st, plan = ctx.grid, ctx.st, ctx.plan
    bought = row - 1
    rows: list[int] = []
    for k in range(last + 1):
        sheet.text(row, 0, "Funded volume entering" + p.suffix)
        sheet.text(row, 1, plan.stages[k].name)
        kernel = (tm.proposed if p.proposed else tm.kernel)[k - 1] if k >= 1 else 0
        for i in range(g.upto_plan):
            if k == 0:
                f = cell(bought, g.col(i)) + _free_term(ctx, rf, 0, i)
            elif k == 1:
                f = _first_flow(ctx, tm, rf, i, (bought, None), p.proposed)
            else:
                f = tm.forward(kernel, g, i, rows[k - 1], None) + _free_term(ctx, rf, k, i)
            sheet.formula(row, g.col(i), f, float(p.volumes[k][i]), st.count)
        sheet.totals(row, g, p.volumes[k], st.count)
        rows.append(row)
        row += 1
    return rows


def _plan_months(ctx: Context, sheet: Sheet, row: int, formulas: list[str], values: FloatArray, fmt: Format) -> None:
    """A row of the plan months' ``formulas`` caching ``values``, and its total."""
    g, n_pre = ctx.grid, ctx.nums.n_pre
    for t, f in enumerate(formulas):
        sheet.formula(row, g.month(t), f, float(values[t]), fmt)
    sheet.totals(row, g, np.concatenate([np.zeros(n_pre), values]), fmt, pre=False)


def _funded_gap(ctx: Context, sheet: Sheet, rf: ReverseFunnelRows, row: int, vol_rows: list[int]) -> _Funded:
    """Revenue and the revenue gap of the funded projection, the requirement and the deficit, from ``row``."""
    g, st, plan, n_pre, funded = ctx.grid, ctx.st, ctx.plan, ctx.nums.n_pre, ctx.res.funded
    assert funded is not None and ctx.nums.funded_volumes is not None
    months = [g.month(t) for t in range(plan.months)]
    K, gate = len(plan.stages) - 1, qualified_stage(plan)
    sheet.text(row, 0, "Revenue, funded projection")
    revenue = [f"{cell(vol_rows[K], c)}*AvgDealSize+{cell(rf.pipeline, c, REVERSE)}" for c in months]
    _plan_months(ctx, sheet, row, revenue, funded.revenue, st.money)
    sheet.text(row + 1, 0, "Revenue gap (target - funded)")
    gap = [f"{cell(rf.target, c, REVERSE)}-{cell(row, c)}" for c in months]
    _plan_months(ctx, sheet, row + 1, gap, funded.revenue_gap, st.money)
    req_row, required = _required(ctx, rf, gate)
    sheet.text(row + 2, 0, "Required, current spec")
    sheet.text(row + 2, 1, plan.stages[gate].name)
    _plan_months(ctx, sheet, row + 2, [cell(req_row, c, REVERSE) for c in months], required[n_pre:], st.count)
    sheet.text(row + 3, 0, "Deficit with the budget", st.bold)
    sheet.text(row + 3, 1, plan.stages[gate].name)
    deficit = required[n_pre:] - ctx.nums.funded_volumes[gate][n_pre:]
    gaps = [f"{cell(row + 2, c)}-{cell(vol_rows[gate], c)}" for c in months]
    _plan_months(ctx, sheet, row + 3, gaps, deficit, st.count)
    return _Funded(row + 1, row + 3, row + 5)


def _funded(
    ctx: Context, sheet: Sheet, a: AssumptionCells, tm: KernelRows, rf: ReverseFunnelRows, row: int
) -> _Funded | None:
    """The funded projection from ``row`` (None, and a note, without an approved budget)."""
    nums = ctx.nums
    if ctx.res.funded is None or nums.funded_bought is None or nums.funded_volumes is None:
        sheet.text(
            row, 0, "No approved budget entered: the funded projection and its deficit are not computed.", ctx.st.note
        )
        return None
    sheet.text(row, 0, "Funded projection: what the approved budget buys", ctx.st.header_left)
    p = _Projection("", (rf.paid, REVERSE), False, nums.funded_bought, nums.funded_volumes)
    _bought(ctx, sheet, a, p, row + 1)
    vol_rows = _funded_volumes(ctx, sheet, tm, rf, p, row + 2, len(ctx.plan.stages) - 1)
    return _funded_gap(ctx, sheet, rf, vol_rows[-1] + 1, vol_rows)


def _proposed_flow(
    ctx: Context, sheet: Sheet, a: AssumptionCells, tm: KernelRows, rf: ReverseFunnelRows, row: int, sc: SpecChange
) -> _Flow:
    """Today's paid leads qualified under the proposed spec, from ``row``: the pass rates,
    what enters each stage up to the gate, the requirement there and the deficit."""
    g, st, plan, nums, n_pre = ctx.grid, ctx.st, ctx.plan, ctx.nums, ctx.nums.n_pre
    assert nums.proposed_flow is not None
    pgate = plan.stage_index(sc.gate)
    assert pgate is not None
    sheet.text(row, 0, "Pass rate, current")
    sheet.formula(row, 1, a.rate(pgate - 1, 2), sc.pass_rate_current, st.rate)
    sheet.text(row + 1, 0, "Pass rate, proposed")
    sheet.formula(row + 1, 1, a.rate(pgate - 1, 3), sc.pass_rate_proposed, st.rate)
    flow_rows: dict[int, int] = {}
    for k in range(1, pgate + 1):
        r = row + 1 + k
        sheet.text(r, 0, "Volume entering, proposed spec")
        sheet.text(r, 1, plan.stages[k].name)
        for i in range(g.upto_plan):
            if k == 1:
                f = _first_flow(ctx, tm, rf, i, (rf.paid, REVERSE), True)
            else:
                f = tm.forward(tm.proposed[k - 1], g, i, flow_rows[k - 1], None) + _free_term(ctx, rf, k, i)
            sheet.formula(r, g.col(i), f, float(nums.proposed_flow[k][i]), st.count)
        sheet.totals(r, g, nums.proposed_flow[k], st.count)
        flow_rows[k] = r
    req_row = row + 2 + pgate
    months = [g.month(t) for t in range(plan.months)]
    sheet.text(req_row, 0, "Required, current spec")
    sheet.text(req_row, 1, sc.gate)
    rf_row, required = _required(ctx, rf, pgate)
    _plan_months(ctx, sheet, req_row, [cell(rf_row, c, REVERSE) for c in months], required[n_pre:], st.count)
    sheet.text(req_row + 1, 0, "Deficit, proposed spec, today's leads", st.bold)
    sheet.text(req_row + 1, 1, sc.gate)
    deficit = [f"{cell(req_row, c)}-{cell(flow_rows[pgate], c)}" for c in months]
    _plan_months(ctx, sheet, req_row + 1, deficit, sc.gate_deficit, st.count)
    return _Flow(row, row + 1, req_row + 1, req_row + 3)


def _proposed_reverse(ctx: Context, sheet: Sheet, tm: KernelRows, rf: ReverseFunnelRows, row: int) -> int:
    """The reverse funnel under the proposed spec from ``row``, down to what the first
    stage needs; returns the row of that need (the next row is free)."""
    g, st, plan, nums = ctx.grid, ctx.st, ctx.plan, ctx.nums
    assert nums.proposed_gross is not None
    need_row: int = rf.deals
    need_sheet: str | None = REVERSE
    for k in range(len(plan.stages) - 2, -1, -1):
        name = plan.stages[k].name
        sheet.text(row, 0, "Required (gross), proposed spec")
        sheet.text(row, 1, name)
        for i in range(g.size):
            f = tm.reverse(tm.proposed[k], g, i, need_row, need_sheet)
            sheet.formula(row, g.col(i), f, float(nums.proposed_gross[k][i]), st.count)
        sheet.totals(row, g, nums.proposed_gross[k], st.count)
        need_row, row = row, row + 1
        free = rf.free[k]
        if free is not None and nums.proposed_net is not None:
            sheet.text(row, 0, "Net to generate, proposed spec")
            sheet.text(row, 1, name)
            for i in range(g.size):
                free_ref = "" if g.is_after(i) else f"-{cell(free, g.col(i), REVERSE)}"
                f = f"MAX(0,{cell(need_row, g.col(i))}{free_ref})"
                sheet.formula(row, g.col(i), f, float(nums.proposed_net[k][i]), st.count)
            sheet.totals(row, g, nums.proposed_net[k], st.count)
            need_row, row = row, row + 1
        need_sheet = None
    return need_row


def _extra_leads(ctx: Context, sheet: Sheet, a: AssumptionCells, rf: ReverseFunnelRows, row: int, net0: int) -> None:
    """Paid raw leads under the proposed spec (from the first stage's need in ``net0``)
    in ``row``, and the extra paid raw leads in the next row."""
    g, st, nums = ctx.grid, ctx.st, ctx.nums
    assert nums.proposed_paid is not None
    sheet.text(row, 0, "Paid raw leads, proposed spec")
    c0p = a.rate(0, 3)
    for i in range(g.size):
        f = f"{cell(net0, g.col(i))}*{c0p}/ProposedBlendedRate"
        sheet.formula(row, g.col(i), f, float(nums.proposed_paid[i]), st.count)
    sheet.totals(row, g, nums.proposed_paid, st.count)
    sheet.text(row + 1, 0, "Extra paid raw leads", st.bold)
    extra = nums.proposed_paid - nums.paid
    for i in range(g.size):
        c = g.col(i)
        sheet.formula(row + 1, c, f"{cell(row, c)}-{cell(rf.paid, c, REVERSE)}", float(extra[i]), st.count)
    sheet.totals(row + 1, g, extra, st.count)


def _extra_spend(ctx: Context, sheet: Sheet, row: int, p_paid_row: int, sc: SpecChange, bud: BudgetRows) -> None:
    """Spend under the proposed spec in ``row`` and the extra budget in the next row."""
    g, st, plan, res = ctx.grid, ctx.st, ctx.plan, ctx.res
    assert bud.fixed is not None and bud.spend is not None
    sheet.text(row, 0, "Spend, proposed spec")
    for t in range(plan.months):
        c = g.month(t)
        fixed = cell(bud.fixed, c, BUDGET)
        sheet.formula(row, c, f"BlendedCPL*{cell(p_paid_row, c)}+{fixed}", float(sc.spend_total[t]), st.money)
    pre_value = float(sc.extra_spend_pre_plan + res.spend_pre_plan)
    sheet.formula(row, g.PRE, f"BlendedCPL*{cell(p_paid_row, g.PRE)}", pre_value, st.money)
    sheet.totals(row, g, np.concatenate([np.zeros(ctx.nums.n_pre), sc.spend_total]), st.money, pre=False)
    sheet.text(row + 1, 0, "Extra budget", st.bold)
    for c, value in [
        (g.PRE, sc.extra_spend_pre_plan),
        *((g.month(t), float(sc.extra_spend[t])) for t in range(plan.months)),
        (g.total, float(sc.extra_spend.sum())),
    ]:
        f = f"{cell(row, c)}-{cell(bud.spend, c, BUDGET)}"
        sheet.formula(row + 1, c, f, value, st.money_bold)


def _adopted(
    ctx: Context, sheet: Sheet, a: AssumptionCells, tm: KernelRows, rf: ReverseFunnelRows, row: int, p_paid_row: int
) -> int | None:
    """What the approved budget buys with the proposed spec adopted, from ``row``, down to
    the deficit at the gate (as the planner shows it after "Adopt"); returns that row
    (None, nothing written, without an approved budget)."""
    adopted, nums = ctx.nums.adopted, ctx.nums
    funded = None if adopted is None else adopted.funded
    if funded is None or funded.gate_deficit is None or nums.adopted_bought is None or nums.adopted_volumes is None:
        return None
    pgate = ctx.plan.stage_index(ctx.res.spec_change.gate) if ctx.res.spec_change is not None else None
    assert pgate is not None
    st, g = ctx.st, ctx.grid
    sheet.text(row, 0, "After adopting the proposed spec: what the approved budget buys", st.header_left)
    p = _Projection(", proposed spec", (p_paid_row, None), True, nums.adopted_bought, nums.adopted_volumes)
    _bought(ctx, sheet, a, p, row + 1)
    vol_rows = _funded_volumes(ctx, sheet, tm, rf, p, row + 2, pgate)
    for hidden in range(row + 1, vol_rows[-1]):  # the working below the gate: grouped, shown with its button
        sheet.ws.set_row(hidden, None, None, {"hidden": True, "level": 1})
    deficit_row = vol_rows[-1] + 1
    sheet.text(deficit_row, 0, "Deficit after adopting the proposed spec", st.bold)
    sheet.text(deficit_row, 1, ctx.plan.stages[pgate].name)
    req_row, _ = _required(ctx, rf, pgate)
    months = [g.month(t) for t in range(ctx.plan.months)]
    formulas = [f"{cell(req_row, c, REVERSE)}-{cell(vol_rows[-1], c)}" for c in months]
    _plan_months(ctx, sheet, deficit_row, formulas, funded.gate_deficit, st.count)
    return deficit_row


def _spec_change(
    ctx: Context, sheet: Sheet, a: AssumptionCells, tm: KernelRows, rf: ReverseFunnelRows, bud: BudgetRows, row: int
) -> SpecRows:
    """The proposed lead spec's part from ``row`` (a note without one)."""
    nums, st, sc = ctx.nums, ctx.st, ctx.res.spec_change
    if sc is None or nums.proposed_flow is None or nums.proposed_gross is None or nums.proposed_paid is None:
        sheet.text(row, 0, "No proposed lead spec: no spec change to compare.", st.note)
        return SpecRows()
    sheet.text(
        row, 0, "Proposed lead spec: the paid leads planned today, qualified under the proposed spec", st.header_left
    )
    flow = _proposed_flow(ctx, sheet, a, tm, rf, row + 1, sc)
    sheet.text(flow.next, 0, "Reverse funnel under the proposed spec: what closes the deficit", st.header_left)
    net0 = _proposed_reverse(ctx, sheet, tm, rf, flow.next + 1)
    p_paid_row = net0 + 1
    _extra_leads(ctx, sheet, a, rf, p_paid_row, net0)
    extra_spend = None
    if ctx.plan.channels:
        _extra_spend(ctx, sheet, p_paid_row + 2, p_paid_row, sc, bud)
        extra_spend = p_paid_row + 3
    adopted = _adopted(ctx, sheet, a, tm, rf, (extra_spend or p_paid_row + 1) + 2, p_paid_row)
    return SpecRows(
        pass_current=flow.pass_current,
        pass_proposed=flow.pass_proposed,
        spec_deficit=flow.deficit,
        extra_leads=p_paid_row + 1,
        extra_spend=extra_spend,
        adopted_deficit=adopted,
    )


def write_lead_spec_deficit(
    ctx: Context, a: AssumptionCells, tm: KernelRows, rf: ReverseFunnelRows, bud: BudgetRows
) -> SpecRows:
    """Write the Lead spec & deficit sheet; returns where its rows are."""
    plan, st, g = ctx.plan, ctx.st, ctx.grid
    sheet = ctx.sheets[SPEC]
    sheet.text(0, 0, "Lead spec and the qualified-lead deficit", st.title)
    month_header(ctx, sheet, HEADER_ROW, g)
    setup_month_sheet(ctx, sheet, g, HEADER_ROW)
    subtitle(
        ctx,
        sheet,
        f"Qualified leads are counted entering {plan.stages[qualified_stage(plan)].name}. Projection: what enters "
        "a stage = what entered the stage before in the months before, by the transition's kernel (Timing sheet), "
        "plus free volume; before the plan, the leads required are taken as bought.",
        g,
    )
    funded = _funded(ctx, sheet, a, tm, rf, HEADER_ROW + 1)
    change = _spec_change(ctx, sheet, a, tm, rf, bud, funded.next if funded is not None else HEADER_ROW + 3)
    if funded is None:
        return change
    return SpecRows(
        funded.revenue_gap,
        funded.deficit,
        change.pass_current,
        change.pass_proposed,
        change.spec_deficit,
        change.extra_leads,
        change.extra_spend,
        change.adopted_deficit,
    )
