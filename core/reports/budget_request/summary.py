"""The Summary sheet: the one-page case for finance (target, deals,
qualified and raw leads, budget requested vs approved, the gap, cost per
qualified lead and per deal, the qualified-lead deficit, the spec change,
what is needed before the plan), and the charts on a page of their own."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xlsxwriter.format import Format

from core.calc.display import format_count, format_money_symbol
from core.calc.figures import WORDS, Figures, SpecChangeFigures, plural
from core.calc.figures_year import contingency_figures, odds_figures, tracking_figures
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
    cell,
    currency_format,
    lines,
    print_sheet,
    subtitle,
    up,
)
from core.reports.budget_request.contingency import ContingencyCells
from core.reports.budget_request.lead_spec_deficit import SpecRows
from core.reports.budget_request.reverse_funnel import ReverseFunnelRows
from core.reports.budget_request.sales_capacity import CapacityRows
from core.reports.budget_request.tracking import TrackingRows, alarm_format

_HEADER = 3  # the Summary's header row; the month sheets' month headers are on the same row


@dataclass(frozen=True)
class SheetRows:
    """What the Summary refers to on the other sheets."""

    reverse: ReverseFunnelRows
    budget: BudgetRows
    spec: SpecRows
    capacity: CapacityRows
    tracking: TrackingRows | None = None
    contingency: ContingencyCells | None = None


def shown(x: float) -> float:
    """A count as the Summary shows it: rounded up (:func:`core.calc.display.shown_count`);
    a negative one (a surplus) keeps its sign and has its size rounded up, as Excel's
    ``ROUNDUP`` does and :func:`core.calc.figures.signed_count` shows it."""
    size = float(np.ceil(round(abs(x), 6)))
    return -size if x < 0 else size


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

    def statement(self, label: str, text: str, fmt: Format | None = None) -> None:
        """A sentence (text, not a formula) beside ``label``, over the value and note columns."""
        st = self.ctx.st
        self.sheet.text(self.row, 0, label, st.wrap)
        self.sheet.ws.merge_range(self.row, 1, self.row, 2, "", fmt or st.note_wrap)
        self.sheet.text(self.row, 1, text, fmt or st.note_wrap)
        count = max(lines(label, SUMMARY_WIDTHS[0]), lines(text, SUMMARY_WIDTHS[1] + SUMMARY_WIDTHS[2]))
        if count > 1:
            self.sheet.ws.set_row(self.row, LINE_HEIGHT * count)
        self.row += 1

    def value(self, label: str, value: float, fmt: Format, note: str = "") -> None:
        """A figure the planner computed (a value, not a formula: the note says so)."""
        st = self.ctx.st
        self.sheet.text(self.row, 0, label, st.wrap)
        self.sheet.ws.write_number(self.row, 1, value, fmt)
        if note:
            self.sheet.text(self.row, 2, note, st.note_wrap)
        self.fit(label, note)
        self.row += 1

    def absent(self, label: str, value: str, fmt: Format | None = None) -> None:
        """A figure the plan does not have, said in words."""
        self.sheet.text(self.row, 0, label, fmt)
        self.sheet.text(self.row, 1, value)
        self.row += 1


def _rf_total(ctx: Context, r: int) -> str:
    return cell(r, ctx.grid.total, REVERSE)


def _target(ctx: Context, out: _Lines, rf: ReverseFunnelRows, fig: Figures) -> None:
    st = ctx.st
    out.heading("Target")
    out.line("Revenue target", _rf_total(ctx, rf.target), fig.revenue_target, st.money)
    out.line("Pipeline revenue already forecast", _rf_total(ctx, rf.pipeline), fig.pipeline_revenue, st.money)
    note = "(target - pipeline) / average deal size"
    out.line("Deals required", up(_rf_total(ctx, rf.deals)), shown(fig.deals), st.count_up, note)


def _leads(ctx: Context, out: _Lines, rf: ReverseFunnelRows, fig: Figures) -> None:
    st, gate = ctx.st, fig.qualified_stage
    out.heading("Leads required")
    out.line(
        f"{plural(fig.qualified_name)} needed",
        up(_rf_total(ctx, rf.required(gate))),
        shown(fig.qualified_required),
        st.count_up,
        f"Qualified leads: entering {fig.qualified_name} ({fig.qualified_why}); free sources included.",
    )
    out.line(
        "Raw leads required: " + fig.raw_name,
        up(_rf_total(ctx, rf.required(0))),
        shown(fig.raw_required),
        st.count_up,
        "All sources, free ones included.",
    )
    note = "From the paid channels, at their blended rate."
    out.line("Paid raw leads needed", up(_rf_total(ctx, rf.paid)), shown(fig.paid_leads), st.count_up, note)


def _budget(ctx: Context, out: _Lines, rows: SheetRows, fig: Figures) -> None:
    st, g = ctx.st, ctx.grid
    rf, bud = rows.reverse, rows.budget
    out.heading("Budget")
    spend_ref = cell(bud.spend, g.total, BUDGET) if bud.spend is not None else "0"
    note = "Cost per lead x channel leads + fixed costs."
    out.line("Budget requested (spend needed)", spend_ref, fig.spend, st.money_bold, note)
    if fig.approved_budget is not None and fig.budget_gap is not None and fig.budget is not None:
        out.line("Approved budget", "SUM(ApprovedBudget)", fig.approved_budget, st.money)
        gap_ref = cell(bud.gap, g.total, BUDGET) if bud.gap is not None else f"0-{cell(out.row - 1, 1)}"
        note = "Spend minus approved budget (positive: to request)."
        out.line(f"Budget gap {WORDS['net']}", gap_ref, fig.budget_gap, st.money_bold, note)
        out.statement(
            "What to request (as exported)", fig.budget.sentence(lambda v: format_money_symbol(v, fig.currency))
        )
    else:
        out.absent("Approved budget", "not entered")
    q_ref, d_ref = _rf_total(ctx, rf.required(fig.qualified_stage)), _rf_total(ctx, rf.deals)
    out.line(
        "Cost per qualified lead (" + fig.qualified_name + ")",
        f'IF({q_ref}>0,{spend_ref}/{q_ref},"n/a")',
        "n/a" if fig.cost_per_qualified is None else fig.cost_per_qualified,
        st.money2,
        "Budget requested / qualified leads required (exact).",
    )
    out.line(
        "Cost per deal",
        f'IF({d_ref}>0,{spend_ref}/{d_ref},"n/a")',
        "n/a" if fig.cost_per_deal is None else fig.cost_per_deal,
        st.money2,
        "Budget requested / deals required (exact).",
    )


def _funded_deficit(ctx: Context, out: _Lines, spec: SpecRows, fig: Figures) -> None:
    st, res, g = ctx.st, ctx.res, ctx.grid
    out.heading("Qualified-lead deficit")
    if fig.deficit is None or fig.gate is None or spec.deficit is None or spec.revenue_gap is None:
        missing = "a lead spec" if fig.gate is None else "an approved budget"
        out.absent("Deficit with the approved budget", "needs " + missing, st.wrap)
        if res.funded is not None and spec.revenue_gap is not None:
            gap = float(res.funded.revenue_gap.sum())
            out.line("Revenue gap with the approved budget", cell(spec.revenue_gap, g.total, SPEC), gap, st.money)
        return
    out.line(
        f"{fig.gate} deficit with the approved budget",
        up(cell(spec.deficit, g.total, SPEC)),
        shown(fig.deficit),
        st.count_up,
        f"{plural(fig.gate)} required minus what the approved budget delivers, {WORDS['net']}; negative: to spare.",
    )
    assert res.funded is not None
    gap = float(res.funded.revenue_gap.sum())
    out.line("Revenue gap with the approved budget", cell(spec.revenue_gap, g.total, SPEC), gap, st.money)


def _adopted(ctx: Context, out: _Lines, spec: SpecRows, change: SpecChangeFigures) -> None:
    """The deficit after adopting the proposed spec, and the change from today's."""
    g, st = ctx.grid, ctx.st
    if change.deficit_adopted is None or change.deficit_change is None or spec.adopted_deficit is None:
        return
    adopted = cell(spec.adopted_deficit, g.total, SPEC)
    out.line(
        f"{change.gate} deficit after adopting the proposed spec",
        up(adopted),
        shown(change.deficit_adopted),
        st.count_up,
        f"With the approved budget, {WORDS['net']}; negative: to spare.",
    )
    if spec.deficit is not None:
        today = cell(spec.deficit, g.total, SPEC)
        out.line("Change in the deficit", up(f"{adopted}-{today}"), shown(change.deficit_change), st.count_up)


def _spec_change(ctx: Context, out: _Lines, spec: SpecRows, fig: Figures) -> None:
    st, g, change = ctx.st, ctx.grid, fig.spec_change
    if change is None or spec.pass_current is None or spec.pass_proposed is None or spec.extra_leads is None:
        out.absent("Proposed lead spec", "none entered")
        return
    current = cell(spec.pass_current, 1, SPEC)
    out.line("Pass rate into " + change.gate + ", current spec", current, change.pass_rate_current, st.rate)
    out.line("Pass rate, proposed spec", cell(spec.pass_proposed, 1, SPEC), change.pass_rate_proposed, st.rate)
    _adopted(ctx, out, spec, change)
    out.line(
        f"Extra paid leads {WORDS['over_plan']}",
        up(cell(spec.extra_leads, g.total, SPEC)),
        shown(change.extra_paid_leads),
        st.count_up,
        "What the proposed spec takes, proposed minus current.",
    )
    if spec.extra_spend is not None:
        total, pre = cell(spec.extra_spend, g.total, SPEC), cell(spec.extra_spend, g.PRE, SPEC)
        out.line(f"Extra budget {WORDS['over_plan']}", total, change.extra_spend, st.money_bold)
        out.line(f"Extra budget {WORDS['pre_plan']}", f"{total}+{pre}", change.extra_spend_with_pre_plan, st.money)


def _before_plan(ctx: Context, out: _Lines, rows: SheetRows, fig: Figures) -> None:
    st, g = ctx.st, ctx.grid
    rf = rows.reverse
    out.heading("Before the plan (before " + fig.months[0] + ")")
    out.line(
        "Paid raw leads before the plan starts",
        up(cell(rf.paid, g.PRE, REVERSE)),
        shown(fig.paid_leads_pre_plan),
        st.count_up,
        "Needed for the first months' deals; not in the plan months' budget.",
    )
    if rows.budget.spend is not None:
        spend = cell(rows.budget.spend, g.PRE, BUDGET)
        out.line("Variable spend before the plan starts", spend, fig.spend_pre_plan, st.money)
    if fig.qualified_stage < len(ctx.plan.stages) - 1:
        out.line(
            f"{plural(fig.qualified_name)} before the plan starts",
            up(cell(rf.gross[fig.qualified_stage], g.PRE, REVERSE)),
            shown(fig.qualified_pre_plan),
            st.count_up,
        )
    if fig.peak_utilization is not None and rows.capacity.utilization is not None:
        out.heading("Sales capacity")
        out.line(
            "Peak sales utilization",
            cell(rows.capacity.utilization, 2 + ctx.plan.months, CAPACITY),
            fig.peak_utilization,
            st.pct,
            "Sales hours needed / available, busiest month.",
        )


def _after_plan(ctx: Context, out: _Lines, rf: ReverseFunnelRows, fig: Figures) -> None:
    """What the plan's own months carry into next year, and what it assumes after its end."""
    st, ap = ctx.st, fig.after_plan
    out.heading("After the plan")
    out.statement("What the plan carries into next year", ap.sentence(lambda v: format_money_symbol(v, fig.currency)))
    note = "The plan's own leads (paid and free) run on past its end; the planner's figure, not a formula."
    out.value("Deals the plan's leads bring after it", shown(ap.carried_deals), st.count_up, note)
    if ap.mode != "none" and ctx.grid.n_after:
        target = cell(rf.target, ctx.grid.after_total, REVERSE)
        note = "Grown by 'Growth a year' (Timing sheet); the plan's last months' leads are planned for it."
        out.line(f"Target assumed after the plan ({ap.months} months)", target, ap.target_after, st.money, note)


def _nurture(ctx: Context, out: _Lines, fig: Figures) -> None:
    """The nurture pool, where the plan has one (monthly on the Sales capacity sheet)."""
    st, nf = ctx.st, fig.nurture
    if nf is None:
        return
    out.heading(f"Nurture pool (into {nf.stage})")
    out.statement("Lead development", nf.sentence())
    note = "Of the leads required; month by month on the Sales capacity sheet (planner's figures)."
    out.value(f"Leads the pool returns to {nf.stage}", shown(nf.returned_total), st.count_up, note)
    if nf.peak_utilization is not None:
        out.value("Peak lead-development utilization", nf.peak_utilization, st.pct, "Hours needed / available.")


def _contingency(ctx: Context, out: _Lines, rows: SheetRows) -> None:
    """The funding marker: what each contingency plan kept ready costs and from when it covers its deficit."""
    cells = rows.contingency
    if cells is None:
        return
    for fig in contingency_figures(ctx.res):
        what = "the stricter spec's deficit" if fig.key == "spec_change" else "the tracked deficit"
        cover = (
            f"covered from {fig.covered_from}"
            if fig.covered_from is not None and fig.uncovered <= 0.5
            else f"{format_count(fig.uncovered)} {plural(fig.gate)} stay uncovered"
        )
        note = f"To close {what}, {cover}."
        out.line("Contingency kept ready", cells.cost_total[fig.key], fig.cost_total, ctx.st.money, note)


def _year(ctx: Context, out: _Lines, rows: SheetRows) -> None:
    """The year in progress and how sure the plan is: the tracking alarm when it is on, the
    contingency funding marker, the budget to be 80 % sure of the target and the chance to hit it
    (:mod:`core.calc.figures_year`)."""
    alarm = tracking_figures(ctx.plan, ctx.res)
    alarm_on = alarm is not None and alarm.alarm and rows.tracking is not None
    odds = odds_figures(ctx.res)
    if not (alarm_on or rows.contingency is not None or odds is not None):
        return
    st = ctx.st
    out.heading("Contingency and odds")
    if alarm is not None and alarm_on:
        out.statement("Tracking alarm", "ALARM: " + alarm.sentence(), alarm_format(ctx))
    _contingency(ctx, out, rows)
    if odds is None:
        return
    note = f"P80 of the spend required over {odds.draws:,} draws of the measured rates."
    out.value("To be 80 % sure of the target: request", odds.spend["p80"], st.money_bold, note)
    if odds.hit is not None:
        note = "With the approved budget: share of the draws reaching the target."
        out.value("Chance to hit the target", odds.hit, st.pct, note)


def _requirement_chart(ctx: Context, rf: ReverseFunnelRows, width: int, height: int) -> object:
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
    chart.set_size({"width": width, "height": height})
    chart.set_legend({"position": "bottom"})
    return chart


def _spend_chart(ctx: Context, bud: BudgetRows, width: int, height: int) -> object:
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
    chart.set_size({"width": width, "height": height})
    chart.set_legend({"position": "bottom"})
    return chart


def _charts(ctx: Context, sheet: Sheet, rows: SheetRows, top: int, height: int) -> None:
    """The requirement and spend charts, one below the other from row
    ``top``, as wide as the Summary's table and ``height`` pixels tall."""
    width = round(sum(w * 7 + 5 for w in SUMMARY_WIDTHS))
    sheet.ws.insert_chart(top, 0, _requirement_chart(ctx, rows.reverse, width, height))
    if ctx.plan.channels:
        sheet.ws.insert_chart(top, 0, _spend_chart(ctx, rows.budget, width, height), {"y_offset": height + 15})


def write_summary(ctx: Context, rows: SheetRows, fig: Figures) -> None:
    """Write the Summary sheet (the other sheets written, their rows in ``rows``): the
    figures of :func:`core.calc.figures.figures`, in the app's words, each a formula."""
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
    out = _Lines(ctx, sheet)
    _target(ctx, out, rows.reverse, fig)
    _leads(ctx, out, rows.reverse, fig)
    _budget(ctx, out, rows, fig)
    _funded_deficit(ctx, out, rows.spec, fig)
    _spec_change(ctx, out, rows.spec, fig)
    _before_plan(ctx, out, rows, fig)
    second_page = out.row + 1  # the year in progress and the odds, the far edge, the nurture pool and the charts
    year = out.row
    _year(ctx, out, rows)
    chart_height = 300 if out.row - year < 4 else 240  # the year in progress and the odds share their page
    _after_plan(ctx, out, rows.reverse, fig)
    _nurture(ctx, out, fig)
    ws.freeze_panes(_HEADER + 1, 0)
    print_sheet(ctx, sheet, SUMMARY_WIDTHS, _HEADER, landscape=False)
    ws.repeat_columns(0, 0)
    ws.set_h_pagebreaks([second_page])
    _charts(ctx, sheet, rows, out.row + 1, chart_height)
