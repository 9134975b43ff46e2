"""The Summary sheet: the one-page case for finance (target, deals,
qualified and raw leads, budget requested vs approved, the gap, cost per
qualified lead and per deal, the qualified-lead deficit, the spec change,
what is needed before the plan), and the charts on a page of their own."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xlsxwriter.format import Format

from core.calc.engine import gate_of
from core.reports.budget_request.budget_by_channel import BudgetRows
from core.reports.budget_request.common import (
    BUDGET,
    CAPACITY,
    LINE_HEIGHT,
    REVERSE,
    SPEC,
    SUMMARY,
    SUMMARY_WIDTHS,
    Context,
    Sheet,
    ceil_signed,
    cell,
    currency_format,
    lines,
    print_sheet,
    subtitle,
    up,
)
from core.reports.budget_request.lead_spec_deficit import SpecRows
from core.reports.budget_request.numbers import qualified_stage
from core.reports.budget_request.reverse_funnel import ReverseFunnelRows
from core.reports.budget_request.sales_capacity import CapacityRows

_HEADER = 3  # the Summary's header row; the month sheets' month headers are on the same row


@dataclass(frozen=True)
class SheetRows:
    """What the Summary refers to on the other sheets."""

    reverse: ReverseFunnelRows
    budget: BudgetRows
    spec: SpecRows
    capacity: CapacityRows


def shown(x: float) -> float:
    """A count as the Summary shows it: rounded up (:func:`core.calc.display.shown_count`)."""
    return float(np.ceil(round(x, 6)))


class _Lines:
    """The Summary's figures, one a row, from the row below the header."""

    def __init__(self, ctx: Context, sheet: Sheet) -> None:
        self.ctx, self.sheet, self.row = ctx, sheet, _HEADER + 1

    def line(self, label: str, formula: str, value: float | str, fmt: Format, note: str = "") -> None:
        st = self.ctx.st
        self.sheet.text(self.row, 0, label, st.wrap)
        self.sheet.formula(self.row, 1, formula, value, fmt)
        if note:
            self.sheet.text(self.row, 2, note, st.note_wrap)
        self.fit(label, note)
        self.row += 1

    def fit(self, label: str, note: str) -> None:
        """Row height for the wrapped label and note (no viewer fits it on opening)."""
        count = max(lines(label, SUMMARY_WIDTHS[0]), lines(note, SUMMARY_WIDTHS[2]))
        if count > 1:
            self.sheet.ws.set_row(self.row, LINE_HEIGHT * count)

    def heading(self, label: str) -> None:
        self.row += 1
        self.sheet.text(self.row, 0, label, self.ctx.st.bold)
        self.row += 1

    def absent(self, label: str, value: str, fmt: Format | None = None) -> None:
        """A figure the plan does not have, said in words."""
        self.sheet.text(self.row, 0, label, fmt)
        self.sheet.text(self.row, 1, value)
        self.row += 1


def _rf_total(ctx: Context, r: int) -> str:
    return cell(r, ctx.grid.total, REVERSE)


def _target(ctx: Context, out: _Lines, rf: ReverseFunnelRows) -> None:
    plan, st, res = ctx.plan, ctx.st, ctx.res
    out.heading("Target")
    out.line("Revenue target", _rf_total(ctx, rf.target), float(res.revenue_target.sum()), st.money)
    pipeline = float(np.sum(plan.pipeline_revenue)) if plan.pipeline_revenue else 0.0
    out.line("Pipeline revenue already forecast", _rf_total(ctx, rf.pipeline), pipeline, st.money)
    deals = float(res.deals_required.sum())
    note = "(target - pipeline) / average deal size"
    out.line("Deals required", up(_rf_total(ctx, rf.deals)), shown(deals), st.count_up, note)


def _leads(ctx: Context, out: _Lines, rf: ReverseFunnelRows, gate: int) -> None:
    plan, st, res = ctx.plan, ctx.st, ctx.res
    out.heading("Leads required")
    gate_name = plan.stages[gate].name
    qualified = float(res.stage_required[gate].sum())
    why = (
        "where the lead spec qualifies leads"
        if gate_of(plan, plan.lead_spec or plan.proposed_lead_spec) is not None
        else "the stage before Opportunity (no lead spec)"
    )
    label = "Qualified leads required: " + gate_name
    note = "Entering " + gate_name + ", " + why + "; free sources included."
    out.sheet.text(out.row, 0, label, st.wrap)
    out.sheet.formula(out.row, 1, up(_rf_total(ctx, rf.required(gate))), shown(qualified), st.count_up)
    out.sheet.text(out.row, 2, note, st.note_wrap)
    out.fit(label, note)
    out.row += 1
    raw = float(res.stage_required[0].sum())
    out.sheet.text(out.row, 0, "Raw leads required: " + plan.stages[0].name, st.wrap)
    out.sheet.formula(out.row, 1, up(_rf_total(ctx, rf.required(0))), shown(raw), st.count_up)
    out.sheet.text(out.row, 2, "All sources, free ones included.", st.note_wrap)
    out.row += 1
    paid = float(res.paid_leads.sum())
    note = "From the paid channels, at their blended rate."
    out.line("Paid raw leads needed", up(_rf_total(ctx, rf.paid)), shown(paid), st.count_up, note)


def _budget(ctx: Context, out: _Lines, rows: SheetRows, gate: int) -> None:
    plan, st, res, g = ctx.plan, ctx.st, ctx.res, ctx.grid
    rf, bud = rows.reverse, rows.budget
    out.heading("Budget")
    spend = float(res.spend_total.sum())
    spend_ref = cell(bud.spend, g.total, BUDGET) if bud.spend is not None else "0"
    note = "Cost per lead x channel leads + fixed costs."
    out.line("Budget requested (spend needed)", spend_ref, spend, st.money_bold, note)
    if res.approved_budget is not None and res.budget_gap is not None:
        out.line("Approved budget", "SUM(ApprovedBudget)", float(res.approved_budget.sum()), st.money)
        gap_ref = cell(bud.gap, g.total, BUDGET) if bud.gap is not None else f"0-{cell(out.row - 1, 1)}"
        out.line("Budget gap (positive: to request)", gap_ref, float(res.budget_gap.sum()), st.money_bold)
    else:
        out.absent("Approved budget", "not entered")
    gate_name = plan.stages[gate].name
    qualified, deals = float(res.stage_required[gate].sum()), float(res.deals_required.sum())
    q_ref, d_ref = _rf_total(ctx, rf.required(gate)), _rf_total(ctx, rf.deals)
    out.line(
        "Cost per qualified lead (" + gate_name + ")",
        f'IF({q_ref}>0,{spend_ref}/{q_ref},"n/a")',
        spend / qualified if qualified > 0 else "n/a",
        st.money2,
        "Budget requested / qualified leads required (exact).",
    )
    out.line(
        "Cost per deal",
        f'IF({d_ref}>0,{spend_ref}/{d_ref},"n/a")',
        spend / deals if deals > 0 else "n/a",
        st.money2,
        "Budget requested / deals required (exact).",
    )


def _funded_deficit(ctx: Context, out: _Lines, spec: SpecRows, gate: int) -> None:
    st, res, g = ctx.st, ctx.res, ctx.grid
    out.heading("Qualified-lead shortfall")
    if res.funded is None or spec.deficit is None or spec.revenue_gap is None:
        out.absent("Shortfall with the approved budget", "no budget entered", st.wrap)
        return
    deficit = float((res.stage_required[gate] - res.funded.stage_volume[gate]).sum())
    out.line(
        "Shortfall of qualified leads (" + ctx.plan.stages[gate].name + ") with the approved budget",
        ceil_signed(cell(spec.deficit, g.total, SPEC)),
        shown(deficit),
        st.count_up,
        "Required minus what the approved budget's leads deliver (negative: a surplus).",
    )
    gap = float(res.funded.revenue_gap.sum())
    out.line("Revenue gap with the approved budget", cell(spec.revenue_gap, g.total, SPEC), gap, st.money)


def _spec_change(ctx: Context, out: _Lines, spec: SpecRows) -> None:
    st, sc, g = ctx.st, ctx.res.spec_change, ctx.grid
    if sc is None or spec.spec_deficit is None or spec.pass_current is None or spec.pass_proposed is None:
        out.absent("Proposed lead spec", "none entered")
        return
    assert spec.extra_leads is not None
    out.line(
        "Pass rate into " + sc.gate + ", current spec", cell(spec.pass_current, 1, SPEC), sc.pass_rate_current, st.rate
    )
    out.line("Pass rate, proposed spec", cell(spec.pass_proposed, 1, SPEC), sc.pass_rate_proposed, st.rate)
    out.line(
        "Shortfall of qualified leads with the proposed spec and today's leads",
        ceil_signed(cell(spec.spec_deficit, g.total, SPEC)),
        shown(float(sc.gate_deficit.sum())),
        st.count_up,
        "The paid leads planned today, qualified under the proposed spec.",
    )
    extra = float(sc.extra_paid_leads.sum() + sc.extra_paid_leads_pre_plan)
    out.line(
        "Extra paid raw leads to close it",
        ceil_signed(f"{cell(spec.extra_leads, g.total, SPEC)}+{cell(spec.extra_leads, g.PRE, SPEC)}"),
        shown(extra),
        st.count_up,
        "In the plan's months and before the plan.",
    )
    if spec.extra_spend is not None:
        out.line(
            "Extra budget to close it",
            f"{cell(spec.extra_spend, g.total, SPEC)}+{cell(spec.extra_spend, g.PRE, SPEC)}",
            float(sc.extra_spend.sum() + sc.extra_spend_pre_plan),
            st.money_bold,
            "In the plan's months and before the plan.",
        )


def _before_plan(ctx: Context, out: _Lines, rows: SheetRows, gate: int) -> None:
    st, res, g = ctx.st, ctx.res, ctx.grid
    rf = rows.reverse
    out.heading("Before the plan (before " + res.months[0] + ")")
    out.line(
        "Paid raw leads before the plan starts",
        up(cell(rf.paid, g.PRE, REVERSE)),
        shown(res.paid_leads_pre_plan),
        st.count_up,
        "Needed for the first months' deals; not in the plan months' budget.",
    )
    if rows.budget.spend is not None:
        spend = cell(rows.budget.spend, g.PRE, BUDGET)
        out.line("Variable spend before the plan starts", spend, res.spend_pre_plan, st.money)
    if gate < len(ctx.plan.stages) - 1:
        out.line(
            "Qualified leads before the plan starts: " + ctx.plan.stages[gate].name,
            up(cell(rf.gross[gate], g.PRE, REVERSE)),
            shown(res.pre_plan[gate]),
            st.count_up,
        )
    if res.sales_utilization is not None and rows.capacity.utilization is not None:
        out.heading("Sales capacity")
        out.line(
            "Peak sales utilization",
            cell(rows.capacity.utilization, 2 + ctx.plan.months, CAPACITY),
            float(res.sales_utilization.max()),
            st.pct,
            "Demand hours / hours available, highest month.",
        )


def _requirement_chart(ctx: Context, rf: ReverseFunnelRows, width: int) -> object:
    g, n = ctx.grid, ctx.plan.months
    chart = ctx.book.add_chart({"type": "line"})
    assert chart is not None
    cats = [REVERSE, _HEADER, g.month(0), _HEADER, g.month(n - 1)]
    for k in range(len(ctx.plan.stages)):
        r = rf.required(k)
        chart.add_series(
            {"name": [REVERSE, r, g.NAME], "categories": cats, "values": [REVERSE, r, g.month(0), r, g.month(n - 1)]}
        )
    chart.set_title({"name": "Required entering each stage, by month"})
    chart.set_y_axis({"log_base": 10, "num_format": "#,##0"})
    chart.set_size({"width": width, "height": 340})
    chart.set_legend({"position": "bottom"})
    return chart


def _spend_chart(ctx: Context, bud: BudgetRows, width: int) -> object:
    g, n, plan = ctx.grid, ctx.plan.months, ctx.plan
    chart = ctx.book.add_chart({"type": "column", "subtype": "stacked"})
    assert chart is not None
    cats = [BUDGET, _HEADER, g.month(0), _HEADER, g.month(n - 1)]
    for r in bud.spend_rows:
        chart.add_series(
            {"name": [BUDGET, r, g.NAME], "categories": cats, "values": [BUDGET, r, g.month(0), r, g.month(n - 1)]}
        )
    if bud.budget is not None:
        line = ctx.book.add_chart({"type": "line"})
        assert line is not None
        r = bud.budget
        line.add_series(
            {"name": [BUDGET, r, g.LABEL], "categories": cats, "values": [BUDGET, r, g.month(0), r, g.month(n - 1)]}
        )
        chart.combine(line)
    chart.set_title({"name": f"Spend by month ({plan.currency})"})
    chart.set_y_axis({"num_format": currency_format(plan.currency)})
    chart.set_size({"width": width, "height": 340})
    chart.set_legend({"position": "bottom"})
    return chart


def _charts(ctx: Context, sheet: Sheet, rows: SheetRows, top: int) -> None:
    """The requirement and spend charts, one below the other from row
    ``top``, as wide as the Summary's table."""
    width = round(sum(w * 7 + 5 for w in SUMMARY_WIDTHS))
    sheet.ws.insert_chart(top, 0, _requirement_chart(ctx, rows.reverse, width))
    if ctx.plan.channels:
        sheet.ws.insert_chart(top, 0, _spend_chart(ctx, rows.budget, width), {"y_offset": 360})


def write_summary(ctx: Context, rows: SheetRows) -> None:
    """Write the Summary sheet (the other sheets written, their rows in ``rows``)."""
    plan, st, res = ctx.plan, ctx.st, ctx.res
    sheet = ctx.sheets[SUMMARY]
    ws = sheet.ws
    ws.set_column(0, 0, SUMMARY_WIDTHS[0], st.wrap)
    ws.set_column(1, 1, SUMMARY_WIDTHS[1])
    ws.set_column(2, 2, SUMMARY_WIDTHS[2], st.note_wrap)
    sheet.text(0, 0, "Budget request: " + plan.name, st.title)
    subtitle(
        ctx,
        sheet,
        f"{res.months[0]} to {res.months[-1]} ({plan.months} months); amounts in {plan.currency}. "
        "Counts are rounded up to whole items; the working sheets hold exact expected values.",
        None,
    )
    sheet.text(_HEADER, 0, "Figure", st.header_left)
    sheet.text(_HEADER, 1, "Value", st.header)
    sheet.text(_HEADER, 2, "How it is computed", st.header_left)
    gate = qualified_stage(plan)
    out = _Lines(ctx, sheet)
    _target(ctx, out, rows.reverse)
    _leads(ctx, out, rows.reverse, gate)
    _budget(ctx, out, rows, gate)
    _funded_deficit(ctx, out, rows.spec, gate)
    _spec_change(ctx, out, rows.spec)
    _before_plan(ctx, out, rows, gate)
    ws.freeze_panes(_HEADER + 1, 0)
    print_sheet(ctx, sheet, SUMMARY_WIDTHS, _HEADER, landscape=False)
    ws.repeat_columns(0, 0)
    ws.set_h_pagebreaks([out.row + 1])  # the charts on a page of their own
    _charts(ctx, sheet, rows, out.row + 1)
