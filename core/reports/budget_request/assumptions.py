"""The Assumptions sheet: every input of the plan, yellow, with defined
names (``AvgDealSize``, ``Rate_<stage>``, ``Lag_<stage>``, ``Mix_<channel>``,
``CPL_<channel>``, ``PassRate``, ``ApprovedBudget`` ...), and the lag kernel
(whole months and fraction of every lag) as formulas."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlsxwriter.format import Format
from xlsxwriter.utility import quote_sheetname

from core.calc.engine import gate_of
from core.calc.lead_spec import pass_rate
from core.model.plan import LeadSpec
from core.reports.budget_request.common import (
    ASSUMPTIONS,
    DAYS_PER_MONTH_FORMULA,
    LINE_HEIGHT,
    TIMING,
    Context,
    Sheet,
    cell,
    cell_range,
    define_name,
    print_sheet,
    unique_part,
)

if TYPE_CHECKING:
    from core.reports.budget_request.timing import KernelRows


@dataclass(frozen=True)
class AssumptionCells:
    """Where the inputs are on the Assumptions sheet (0-based rows and columns)."""

    stage_rows: tuple[int, ...]  # row of each stage (B entered rate, C rate used, D proposed, G/H lag a/f)
    stage_names: tuple[str, ...]  # defined-name part of each stage (``Hours_<part>``)
    channel_names: tuple[str, ...]  # defined-name part of each channel (``Mix_<part>``, ``CPL_<part>``)
    month_top: int  # row of the first plan month's monthly inputs
    month_cols: tuple[tuple[str, int], ...]  # (key, column) of each monthly input
    fixed_cols: tuple[int, ...]  # column of each channel's fixed cost
    free_cols: tuple[tuple[int, ...], ...]  # columns of the free volumes into each stage
    general: _GeneralRows

    def month_row(self, t: int) -> int:
        return self.month_top + t

    def month_ref(self, key: str, t: int) -> str:
        """Assumptions cell of the monthly input ``key`` in plan month ``t``."""
        return cell(self.month_row(t), dict(self.month_cols)[key], ASSUMPTIONS, True)

    def fixed_sum(self, t: int) -> str:
        """``Fix_1[t] + Fix_2[t] + ...`` (Assumptions cells)."""
        row = self.month_row(t)
        return "+".join(cell(row, c, ASSUMPTIONS, True) for c in self.fixed_cols) or "0"

    def rate(self, k: int, col: int) -> str:
        """Stage ``k``'s rate in column ``col`` (2: in force, 3: proposed spec)."""
        return cell(self.stage_rows[k], col, ASSUMPTIONS, True)


@dataclass(frozen=True)
class _GeneralRows:
    blended: int
    blended_cpl: int
    proposed_blended: int | None
    pre: int
    need: int
    check: int
    next: int
    after: int  # months after the plan the target goes on (AfterPlanMonths)


@dataclass(frozen=True)
class _MonthlyInputs:
    top: int
    cols: tuple[tuple[str, int], ...]
    fixed: tuple[int, ...]
    free: tuple[tuple[int, ...], ...]
    last_col: int
    next: int


def _pass_note(spec: LeadSpec) -> str:
    if spec.pass_rate_source == "empirical" and spec.empirical is not None:
        return f"Measured on {spec.empirical.sample:,} imported leads (input value, not a formula)."
    return "Computed from the criteria shares by the planner (a value, not a formula)."


class _Rows:
    """The General block's row cursor."""

    def __init__(self, ctx: Context, sheet: Sheet, row: int) -> None:
        self.ctx, self.sheet, self.row = ctx, sheet, row

    def put_text(self, label: str, value: str, note: str = "") -> None:
        self.sheet.text(self.row, 0, label)
        self.sheet.text(self.row, 1, value)
        if note:
            self.sheet.text(self.row, 2, note, self.ctx.st.note)
        self.row += 1

    def put_input(self, label: str, name: str, value: float, fmt: Format, note: str = "") -> None:
        self.sheet.text(self.row, 0, label)
        self.sheet.ws.write_number(self.row, 1, value, fmt)
        define_name(self.ctx.book, name, cell(self.row, 1, ASSUMPTIONS, True))
        if note:
            self.sheet.text(self.row, 2, note, self.ctx.st.note)
        self.row += 1

    def label(self, text: str, note: str = "") -> int:
        row = self.row
        self.sheet.text(row, 0, text)
        if note:
            self.sheet.text(row, 2, note, self.ctx.st.note)
        self.row += 1
        return row


def _general(ctx: Context, sheet: Sheet) -> _GeneralRows:
    plan, st = ctx.plan, ctx.st
    sheet.text(3, 0, "General", st.header_left)
    sheet.text(3, 1, "Value", st.header)
    sheet.text(3, 2, "Note", st.header_left)
    rows = _Rows(ctx, sheet, 4)
    rows.put_text("Plan", plan.name)
    rows.put_text("Currency", plan.currency)
    rows.put_text("First month", plan.start)
    rows.put_text("Months", str(plan.months), "Months of the plan (from the first month).")
    rows.put_input("Average deal size", "AvgDealSize", plan.avg_deal_size, st.money_in)
    spec, proposed = plan.lead_spec, plan.proposed_lead_spec
    gate_spec = spec or proposed
    rows.put_text("Lead-spec gate", gate_spec.gate if gate_spec is not None else "none")
    if spec is not None:
        note = _pass_note(spec) + " It replaces the entered rate into the gate."
        rows.put_input("Pass rate, current lead spec", "PassRate", pass_rate(spec), st.rate_in, note)
    if proposed is not None:
        rows.put_input(
            "Pass rate, proposed lead spec", "ProposedPassRate", pass_rate(proposed), st.rate_in, _pass_note(proposed)
        )
    blended = rows.label(
        "Blended paid raw-lead rate", "Mix-weighted rate of the paid channels' raw leads into the next stage."
    )
    blended_cpl = rows.label("Blended cost per paid raw lead", "Mix-weighted cost per lead of the paid channels.")
    proposed_blended = rows.label("Blended rate, proposed spec") if proposed is not None else None
    after = rows.label(
        "Months after the plan", "How far leads entering in the plan reach (Timing sheet); the target goes on there."
    )
    pre = rows.row
    sheet.text(pre, 0, "Months before the plan held")
    sheet.ws.write_number(pre, 1, ctx.nums.n_pre, st.whole)
    sheet.text(
        pre, 2, "Leads must come in this many months before the plan starts (summed in 'Before the plan').", st.note
    )
    rows.row += 1
    need = rows.label("Months before the plan the lags need")
    check = rows.label("Lag check")
    return _GeneralRows(blended, blended_cpl, proposed_blended, pre, need, check, rows.row + 1, after)


def _stage_heads(ctx: Context, sheet: Sheet, row: int) -> None:
    heads = [
        "Stage",
        "Rate to next stage, entered",
        "Rate used",
        "Rate with the proposed spec" if ctx.plan.proposed_lead_spec is not None else "",
        "Lag to next stage (days)",
        "Lag in months",
        "Lag, whole months",
        "Share moving on a month later",
        "Sales hours per item",
        "Note",
    ]
    for c, h in enumerate(heads):
        sheet.text(row, c, h, ctx.st.header if 0 < c < 9 else ctx.st.header_left)
    sheet.ws.set_row(row, 54)


def _lag(ctx: Context, sheet: Sheet, row: int, k: int, part: str, timing: KernelRows) -> None:
    """A transition's lag: days (an input, ``Lag_<stage>``), in months, whole months and the share a
    month later; or, with a lag profile (entered on the Timing sheet), its mean in days."""
    st, stage = ctx.st, ctx.plan.stages[k]
    if stage.lag_profile is not None:
        p = timing.offsets(timing.timing[k], 0, timing.width)
        header = cell_range(3, 4, 4 + timing.width, TIMING)
        days = f"{DAYS_PER_MONTH_FORMULA}*SUMPRODUCT({header},{p})"
        sheet.formula(row, 4, days, ctx.res.lag_days[k], st.number)
        sheet.text(row, 9, "Lag profile: entered month by month on the Timing sheet.", st.note)
        return
    sheet.ws.write_number(row, 4, float(stage.lag_days or 0.0), st.days_in)
    define_name(ctx.book, f"Lag_{part}", cell(row, 4, ASSUMPTIONS, True))
    lam = float(stage.lag_days or 0.0) / (365.25 / 12)
    whole = math.floor(lam)
    sheet.formula(row, 5, f"{cell(row, 4)}/{DAYS_PER_MONTH_FORMULA}", lam, st.months)
    sheet.formula(row, 6, f"INT({cell(row, 5)})", whole, st.whole)
    sheet.formula(row, 7, f"{cell(row, 5)}-{cell(row, 6)}", lam - whole, st.number)


def _stages(ctx: Context, sheet: Sheet, row: int, timing: KernelRows) -> tuple[tuple[int, ...], tuple[str, ...], int]:
    """The stage table from ``row``: (rows, defined-name parts, next row)."""
    plan, st, nums, ws = ctx.plan, ctx.st, ctx.nums, sheet.ws
    _stage_heads(ctx, sheet, row)
    row += 1
    gate, pgate = gate_of(plan, plan.lead_spec), gate_of(plan, plan.proposed_lead_spec)
    last = len(plan.stages) - 1
    stage_rows: list[int] = []
    names: list[str] = []
    for k, stage in enumerate(plan.stages):
        stage_rows.append(row)
        part = unique_part(stage.name, f"S{k}", names)
        sheet.text(row, 0, stage.name, st.bold)
        if k < last:
            ws.write_number(row, 1, float(stage.rate if stage.rate is not None else 0.0), st.rate_in)
            define_name(ctx.book, f"Rate_{part}", cell(row, 1, ASSUMPTIONS, True))
            in_force = "PassRate" if gate is not None and k == gate - 1 else cell(row, 1)
            sheet.formula(row, 2, in_force, ctx.res.effective_rates[k], st.rate)
            if nums.proposed_rates is not None:
                p_force = "ProposedPassRate" if pgate is not None and k == pgate - 1 else cell(row, 1)
                sheet.formula(row, 3, p_force, nums.proposed_rates[k], st.rate)
            _lag(ctx, sheet, row, k, part, timing)
            if gate is not None and k == gate - 1:
                sheet.text(row, 9, "Not used: lead spec", st.note)
        ws.write_number(row, 8, stage.sales_hours, st.number_in)
        define_name(ctx.book, f"Hours_{part}", cell(row, 8, ASSUMPTIONS, True))
        row += 1
    return tuple(stage_rows), tuple(names), row


def _kernel_totals(ctx: Context, a: AssumptionCells, timing: KernelRows) -> list[tuple[int, str]]:
    """Each kernel row and the total it has when the Timing sheet holds all of it: the rate, plus
    for the nurture transition ``recycle * (1-rate) * sum_{d=1..M} maturity * q^(d-1)``, ``q = 1-maturity-decay``."""
    h = ctx.plan.nurture_stage()
    out: list[tuple[int, str]] = []
    for k in range(len(ctx.plan.stages) - 1):
        for r, col in {timing.kernel[k]: 2, timing.proposed[k]: 3}.items():
            rate = cell(a.stage_rows[k], col, ASSUMPTIONS, True)
            total = rate
            if h is not None and k == h - 1:
                q = "(1-NurtureMaturity-NurtureDecay)"
                total += f"+NurtureRecycle*(1-{rate})*NurtureMaturity*(1-{q}^NurtureMaxMonths)/(1-{q})"
            out.append((r, total))
    return out


def lag_check(ctx: Context, a: AssumptionCells, timing: KernelRows) -> None:
    """The months before and after the plan the lags need (from the Timing sheet's reach), and
    whether the workbook holds them (call once the Timing sheet is laid out)."""
    st, sheet, general = ctx.st, ctx.sheets[ASSUMPTIONS], a.general
    current, proposed = timing.funnel_reach(False), timing.funnel_reach(True)
    nums = ctx.nums
    reach = max(f.reach for f in (nums.funnel, nums.proposed_funnel) if f is not None)
    sheet.formula(general.need, 1, f"MAX({current},{proposed})+1", reach + 1, st.whole)
    repeat = ctx.plan.after_plan.mode != "none"
    if repeat:
        sheet.formula(general.after, 1, current, ctx.res.after_plan.months, st.whole)
    else:
        sheet.ws.write_number(general.after, 1, 0, st.whole)
    define_name(ctx.book, "AfterPlanMonths", cell(general.after, 1, ASSUMPTIONS, True))
    held = [f"ABS({timing.total(r)}-1)<0.000001" for r in timing.timing]
    held += [f"ABS({timing.total(r)}-({total}))<0.000000001" for r, total in _kernel_totals(ctx, a, timing)]
    after = f"MAX({current},{proposed})<={nums.n_after}" if repeat else "TRUE"
    ok = f"AND({cell(general.need, 1)}<={cell(general.pre, 1)},{after},{','.join(held)})"
    sheet.formula(general.check, 1, f'IF({ok},"OK","Export again")', "OK", st.label)
    sheet.text(
        general.check,
        2,
        "If longer lags need more months before or after the plan than this workbook holds, "
        "export it again from the planner.",
        st.note,
    )


def _channels(ctx: Context, sheet: Sheet, row: int, stage0: int) -> tuple[tuple[int, ...], tuple[str, ...], int]:
    """The paid-channel table from ``row``: (rows, defined-name parts, next row)."""
    plan, st, ws = ctx.plan, ctx.st, sheet.ws
    proposed = plan.proposed_lead_spec
    sheet.text(row, 0, "Paid channel", st.header_left)
    heads = [
        "Mix",
        "Cost per raw lead",
        "Rate to next stage",
        "Rate with the proposed spec" if proposed else "",
        "Note",
    ]
    for c, h in enumerate(heads, start=1):
        sheet.text(row, c, h, st.header if c < 5 else st.header_left)
    ws.set_row(row, 54)
    row += 1
    rows: list[int] = []
    names: list[str] = []
    proposed_rates = ctx.nums.proposed_rates
    for j, ch in enumerate(plan.channels):
        rows.append(row)
        sheet.text(row, 0, ch.name, st.bold)
        ws.write_number(row, 1, ch.mix, st.pct_in)
        part = unique_part(ch.name, f"C{j + 1}", names)
        define_name(ctx.book, f"Mix_{part}", cell(row, 1, ASSUMPTIONS, True))
        ws.write_number(row, 2, ch.cost_per_lead, st.money_in)
        define_name(ctx.book, f"CPL_{part}", cell(row, 2, ASSUMPTIONS, True))
        if ch.rate is not None:
            ws.write_number(row, 3, ch.rate, st.rate_in)
            if proposed_rates is not None:
                sheet.formula(row, 4, cell(row, 3), ch.rate, st.rate)
        else:
            sheet.formula(row, 3, cell(stage0, 2), ctx.res.effective_rates[0], st.rate)
            if proposed_rates is not None:
                sheet.formula(row, 4, cell(stage0, 3), proposed_rates[0], st.rate)
            sheet.text(row, 5, "Not entered: the rate in force out of the first stage.", st.note)
        define_name(ctx.book, f"ChRate_{part}", cell(row, 3, ASSUMPTIONS, True))
        row += 1
    if not plan.channels:
        sheet.text(row, 0, "No paid channels: free sources cover the requirement.", st.note)
        row += 1
    return tuple(rows), tuple(names), row


def _blended(ctx: Context, sheet: Sheet, general: _GeneralRows, channel_rows: Sequence[int], stage0: int) -> None:
    """The mix-weighted rate and cost per lead of the paid channels, named."""
    plan, st, nums = ctx.plan, ctx.st, ctx.nums
    p_row = general.proposed_blended
    if plan.channels:
        first_c, last_c = channel_rows[0], channel_rows[-1]
        mix = f"{cell(first_c, 1)}:{cell(last_c, 1)}"

        def weighted(col: int) -> str:
            return f"SUMPRODUCT({mix},{cell(first_c, col)}:{cell(last_c, col)})"

        sheet.formula(general.blended, 1, weighted(3), ctx.res.blended_paid_rate, st.rate)
        blended_cpl = sum(c.mix * c.cost_per_lead for c in plan.channels)
        sheet.formula(general.blended_cpl, 1, weighted(2), blended_cpl, st.money2)
        if p_row is not None and nums.proposed_rb is not None:
            sheet.formula(p_row, 1, weighted(4), nums.proposed_rb, st.rate)
    else:
        sheet.formula(general.blended, 1, cell(stage0, 2), ctx.res.blended_paid_rate, st.rate)
        sheet.ws.write_number(general.blended_cpl, 1, 0.0, st.money2)
        if p_row is not None and nums.proposed_rb is not None:
            sheet.formula(p_row, 1, cell(stage0, 3), nums.proposed_rb, st.rate)
    for name, r in (
        ("BlendedRate", general.blended),
        ("BlendedCPL", general.blended_cpl),
        ("PrePlanMonths", general.pre),
    ):
        define_name(ctx.book, name, cell(r, 1, ASSUMPTIONS, True))
    if p_row is not None:
        define_name(ctx.book, "ProposedBlendedRate", cell(p_row, 1, ASSUMPTIONS, True))


def _monthly_inputs(ctx: Context, sheet: Sheet, row: int, channel_names: Sequence[str]) -> _MonthlyInputs:
    """Monthly inputs from ``row``: months down, one column per input (fits a page's width)."""
    plan, st, ws = ctx.plan, ctx.st, sheet.ws
    ws.set_h_pagebreaks([row])
    sheet.text(row, 0, "Monthly inputs", st.header_left)
    header, top, n = row, row + 1, plan.months
    for t, label in enumerate(ctx.months):
        sheet.text(top + t, 0, label, st.bold)
    cols: list[tuple[str, int]] = []

    def series(key: str, label: str, values: Sequence[float], fmt: Format, name: str | None) -> int:
        col = len(cols) + 1
        sheet.text(header, col, label, st.header)
        for t, v in enumerate(values):
            ws.write_number(top + t, col, float(v), fmt)
        if name is not None:
            first, last = cell(top, col, None, True), cell(top + n - 1, col, None, True)
            define_name(ctx.book, name, f"{quote_sheetname(ASSUMPTIONS)}!{first}:{last}")
        cols.append((key, col))
        return col

    series("target", "Revenue target", plan.revenue_target, st.money_in, "RevenueTarget")
    pipeline = plan.pipeline_revenue or (0.0,) * n
    series("pipeline", "Pipeline revenue already forecast", pipeline, st.money_in, "PipelineRevenue")
    if plan.approved_budget is not None:
        series("budget", "Approved budget", plan.approved_budget, st.money_in, "ApprovedBudget")
    if plan.sales_hours_available is not None:
        series("hours", "Sales hours available", plan.sales_hours_available, st.number_in, "SalesHoursAvailable")
    fixed = [
        series(f"fixed{j}", "Fixed cost: " + ch.name, ch.fixed_cost, st.money_in, f"Fixed_{channel_names[j]}")
        for j, ch in enumerate(plan.channels)
    ]
    free: list[list[int]] = [[] for _ in plan.stages]
    for i, source in enumerate(plan.free_sources):
        into = plan.stage_index(source.stage)
        stage_name = plan.stages[into].name if into is not None else source.stage
        c = series(f"free{i}", f"Free volume into {stage_name}: {source.name}", source.volume, st.count_in, None)
        if into is not None:
            free[into].append(c)
    ws.set_row(header, LINE_HEIGHT * 5)
    return _MonthlyInputs(top, tuple(cols), tuple(fixed), tuple(map(tuple, free)), len(cols), top + n - 1 + 2)


def _criteria(ctx: Context, sheet: Sheet, row: int) -> None:
    """The lead specs' criteria (information: the pass rate above is what counts)."""
    st = ctx.st
    for title, ls in (("Current lead spec", ctx.plan.lead_spec), ("Proposed lead spec", ctx.plan.proposed_lead_spec)):
        if ls is None:
            continue
        sheet.text(row, 0, f"{title}: criterion", st.header_left)
        for c, h in enumerate(["Points", "Share meeting it", "Required"], start=1):
            sheet.text(row, c, h, st.header)
        sheet.ws.set_row(row, LINE_HEIGHT * 2)
        row += 1
        for crit in ls.criteria:
            sheet.text(row, 0, crit.name)
            sheet.ws.write_number(row, 1, crit.points, st.whole)
            sheet.ws.write_number(row, 2, crit.share, st.pct)
            sheet.text(row, 3, "yes" if crit.required else "no")
            row += 1
        sheet.text(row, 0, "Threshold (points)")
        sheet.ws.write_number(row, 1, ls.threshold, st.whole)
        sheet.text(
            row,
            2,
            "The pass rate above is computed by the planner from the criteria shares; "
            "it is entered as a value, not a formula.",
            st.note,
        )
        row += 2


def write_assumptions(ctx: Context, timing: KernelRows) -> AssumptionCells:
    """Write the Assumptions sheet; returns where its inputs are."""
    plan, st = ctx.plan, ctx.st
    sheet = ctx.sheets[ASSUMPTIONS]
    sheet.ws.set_column(0, 0, 24)
    sheet.ws.set_column(1, 11, 8.5)
    sheet.text(0, 0, "Assumptions: every input of the plan", st.title)
    sheet.text(
        1,
        0,
        "Yellow cells are inputs. Change one and every other sheet recalculates. "
        "Amounts in "
        + plan.currency
        + "; rates as percentages; lags in days. "
        + (
            "Lag profiles, the nurture pool and growth after the plan: "
            if plan.nurture
            else "Lag profiles and growth after the plan: "
        )
        + "Timing sheet.",
        st.note,
    )
    general = _general(ctx, sheet)
    stage_rows, stage_names, row = _stages(ctx, sheet, general.next, timing)
    channel_rows, channel_names, row = _channels(ctx, sheet, row + 1, stage_rows[0])
    _blended(ctx, sheet, general, channel_rows, stage_rows[0])
    monthly = _monthly_inputs(ctx, sheet, row + 1, channel_names)
    _criteria(ctx, sheet, monthly.next)
    sheet.ws.freeze_panes(1, 1)
    columns = max(12, monthly.last_col + 1)
    if columns > 12:
        sheet.ws.set_column(12, columns - 1, 8.5)
    print_sheet(ctx, sheet, [24] + [8.5] * (columns - 1), None)
    return AssumptionCells(
        stage_rows=stage_rows,
        stage_names=stage_names,
        channel_names=channel_names,
        month_top=monthly.top,
        month_cols=monthly.cols,
        fixed_cols=monthly.fixed,
        free_cols=monthly.free,
        general=general,
    )
