"""The Timing sheet: every transition's timing and kernel, live
(funnel-math.md, "Timing distributions", "Nurture").

One row per transition gives the share of the items entering the upper
stage that arrive ``j`` months later (its timing ``p``: from the lag in
days, ``p[a] = 1 - f`` and ``p[a+1] = f``, or a lag profile as entered),
and one row its kernel ``K[j]``: the rate times the timing, plus for the
transition into the nurture pool's stage the leads returning from the pool
``recycle * (1 - rate) * sum_i p[i] * m[j-i]`` with ``m`` the maturing row.
The Reverse funnel and the projections read these rows: what a stage needs
is ``SUMPRODUCT`` of the kernel with the next months' need, divided by the
kernel's total squared; what a stage receives is ``SUMPRODUCT`` of the
kernel reversed (hidden rows) with the past months' flow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from xlsxwriter.format import Format

from core.calc.engine import gate_of
from core.calc.funnel import FloatArray
from core.reports.budget_request.assumptions import AssumptionCells
from core.reports.budget_request.common import (
    ASSUMPTIONS,
    LINE_HEIGHT,
    TIMING,
    Context,
    Grid,
    Sheet,
    cell,
    cell_range,
    define_name,
    lines,
    print_sheet,
)

FIRST = 4  # column of offset 0
HEADER = 3
_LABEL_WIDTH, _WHAT_WIDTH, _WIDTH = 20, 20, 5.2


@dataclass(frozen=True)
class KernelRows:
    """Where the Timing sheet's rows are (0-based), laid out before any sheet is written."""

    width: int  # the offsets 0 .. width held
    timing: tuple[int, ...]  # p_k per transition
    kernel: tuple[int, ...]  # K_k under the current spec
    proposed: tuple[int, ...]  # K_k under the proposed spec (the current row where the same)
    maturing: int | None  # m[d] of the nurture pool
    reversed: dict[int, int] = field(default_factory=dict)  # kernel or timing row -> its reversed (hidden) row
    last: int = 0

    def total(self, row: int) -> str:
        return cell(row, 2, TIMING, True)

    def reach(self, row: int) -> str:
        return cell(row, 3, TIMING, True)

    def offsets(self, row: int, first: int, last: int) -> str:
        return cell_range(row, FIRST + first, FIRST + last, TIMING)

    def funnel_reach(self, proposed: bool) -> str:
        rows = self.proposed if proposed else self.kernel
        return "+".join(self.reach(r) for r in rows)

    def reverse(self, row: int, grid: Grid, i: int, need_row: int, need_sheet: str | None) -> str:
        """``G[i] = sum_j K[j] * Q[i+j] / R^2`` with ``K`` in ``row`` and ``Q`` in ``need_row``."""
        m = min(self.width, grid.size - 1 - i)
        parts = [
            f"SUMPRODUCT({self.offsets(row, off, off + c2 - c1)},{cell_range(need_row, c1, c2, need_sheet)})"
            for c1, c2, off in grid.segments(i, i + m)
        ]
        total = self.total(row)
        return f"({'+'.join(parts)})/({total}*{total})"

    def forward(self, row: int, grid: Grid, i: int, x_row: int, x_sheet: str | None) -> str:
        """``sum_j K[j] * x[i-j]`` with ``K`` in ``row`` (its reversed row) and ``x`` in ``x_row``."""
        rev = self.reversed[row]
        m = min(self.width, i)
        start = self.width - m
        parts = [
            f"SUMPRODUCT({self.offsets(rev, start + off, start + off + c2 - c1)},{cell_range(x_row, c1, c2, x_sheet)})"
            for c1, c2, off in grid.segments(i - m, i)
        ]
        return "+".join(parts)


def _differs(ctx: Context) -> set[int]:
    """Transitions whose rate differs under the proposed spec (into either spec's gate)."""
    plan = ctx.plan
    if plan.proposed_lead_spec is None:
        return set()
    gates = (gate_of(plan, plan.lead_spec), gate_of(plan, plan.proposed_lead_spec))
    return {g - 1 for g in gates if g is not None and g >= 1}


def timing_layout(ctx: Context) -> KernelRows:
    """The Timing sheet's rows for the plan (see :class:`KernelRows`)."""
    nums, plan = ctx.nums, ctx.plan
    funnels = [nums.funnel] + ([nums.proposed_funnel] if nums.proposed_funnel is not None else [])
    width = max(k.reach for f in funnels for k in (*f.kernels, f.paid_kernel))
    differs = _differs(ctx)
    h = plan.nurture_stage()
    row = HEADER + 1
    timing, kernel, proposed = [], [], []
    maturing = None
    for k in range(len(plan.stages) - 1):
        if h is not None and k == h - 1:
            maturing, row = row, row + 1
        timing.append(row)
        kernel.append(row + 1)
        row += 2
        if k in differs:
            proposed.append(row)
            row += 1
        else:
            proposed.append(kernel[-1])
        row += 1
    reversed_rows: dict[int, int] = {}
    row += 1
    for r in [timing[0], *kernel, *(p for p in proposed if p not in kernel)]:
        reversed_rows[r] = row
        row += 1
    return KernelRows(width, tuple(timing), tuple(kernel), tuple(proposed), maturing, reversed_rows, row - 1)


def _timing_row(ctx: Context, sheet: Sheet, a: AssumptionCells, rows: KernelRows, k: int) -> FloatArray:
    st, stage = ctx.st, ctx.plan.stages[k]
    r = rows.timing[k]
    p = np.zeros(rows.width + 1)
    given = ctx.nums.funnel.timings[k]
    p[: len(given)] = given
    sheet.text(r, 1, "Timing (share arriving)")
    srow = a.stage_rows[k]
    for j in range(rows.width + 1):
        if stage.lag_profile is not None:
            fmt = st.pct_in if j < len(stage.lag_profile) else st.pct
            sheet.ws.write_number(r, FIRST + j, float(p[j]), fmt)
            continue
        whole, f = cell(srow, 6, ASSUMPTIONS, True), cell(srow, 7, ASSUMPTIONS, True)
        sheet.formula(r, FIRST + j, f"IF({whole}={j},1-{f},IF({whole}+1={j},{f},0))", float(p[j]), st.pct)
    _total_and_reach(ctx, sheet, rows, r, p)
    return p


def _total_and_reach(ctx: Context, sheet: Sheet, rows: KernelRows, r: int, values: FloatArray) -> None:
    st = ctx.st
    weights = cell_range(r, FIRST, FIRST + rows.width)
    header = cell_range(HEADER, FIRST, FIRST + rows.width)
    sheet.formula(r, 2, f"SUM({weights})", float(values.sum()), st.pct)
    nonzero = np.flatnonzero(values > 0)
    reach = int(nonzero[-1]) if nonzero.size else 0
    sheet.formula(r, 3, f"SUMPRODUCT(MAX(({weights}>0)*{header}))", reach, st.whole)


def _maturing_row(ctx: Context, sheet: Sheet, rows: KernelRows) -> FloatArray:
    nurture, r = ctx.plan.nurture, rows.maturing
    m = np.zeros(rows.width + 1)
    if nurture is None or r is None:
        return m
    d = np.arange(1, min(rows.width, nurture.max_months) + 1)
    m[d] = nurture.maturity * (1.0 - nurture.maturity - nurture.decay) ** (d - 1)
    sheet.text(r, 0, "Nurture pool", ctx.st.bold)
    sheet.text(r, 1, "Maturing (share returning)")
    sheet.ws.write_number(r, FIRST, 0.0, ctx.st.pct)
    for j in range(1, rows.width + 1):
        grow = "" if j == 1 else f"*(1-NurtureMaturity-NurtureDecay)^{j - 1}"
        sheet.formula(r, FIRST + j, f"IF({j}<=NurtureMaxMonths,NurtureMaturity{grow},0)", float(m[j]), ctx.st.pct)
    return m


def _kernel_row(ctx: Context, sheet: Sheet, a: AssumptionCells, rows: KernelRows, k: int, proposed: bool) -> FloatArray:
    st, nums = ctx.st, ctx.nums
    r = rows.proposed[k] if proposed else rows.kernel[k]
    funnel = nums.proposed_funnel if proposed and nums.proposed_funnel is not None else nums.funnel
    values = np.zeros(rows.width + 1)
    weights = funnel.kernels[k].weights
    values[: len(weights)] = weights
    sheet.text(r, 1, "Kernel, proposed spec" if proposed else "Kernel (rate x timing)")
    c = cell(a.stage_rows[k], 3 if proposed else 2, ASSUMPTIONS, True)
    p = rows.timing[k]
    nurture = rows.maturing is not None and k == (ctx.plan.nurture_stage() or 0) - 1
    for j in range(rows.width + 1):
        f = f"{c}*{cell(p, FIRST + j)}"
        if nurture and j >= 1:
            terms = "+".join(f"{cell(p, FIRST + i)}*{cell(rows.maturing or 0, FIRST + j - i)}" for i in range(j))
            f += f"+NurtureRecycle*(1-{c})*({terms})"
        sheet.formula(r, FIRST + j, f, float(values[j]), st.pct)
    _total_and_reach(ctx, sheet, rows, r, values)
    return values


def _reversed_rows(ctx: Context, sheet: Sheet, rows: KernelRows, values: dict[int, FloatArray]) -> None:
    """Each kernel (and the first timing) reversed, for the projections: hidden, grouped."""
    st, w = ctx.st, rows.width
    sheet.text(min(rows.reversed.values()) - 1, 0, "Reversed, for the projections (grouped)", st.note)
    for source, r in rows.reversed.items():
        label, what = sheet.labels.get(source, ("", ""))
        sheet.text(r, 0, label)
        sheet.text(r, 1, what + ", reversed")
        for c in range(w + 1):
            sheet.formula(r, FIRST + c, cell(source, FIRST + w - c), float(values[source][w - c]), st.pct)
        sheet.ws.set_row(r, None, None, {"hidden": True, "level": 1})


def _input(ctx: Context, sheet: Sheet, row: int, label: str, name: str, value: float, fmt: Format, note: str) -> int:
    sheet.text(row, 0, label)
    sheet.ws.write_number(row, 2, value, fmt)
    define_name(ctx.book, name, cell(row, 2, TIMING, True))
    sheet.text(row, 3, note, ctx.st.note)
    return row + 1


def _timing_inputs(ctx: Context, sheet: Sheet, row: int) -> None:
    """After the plan (the growth, an input named ``AfterPlanGrowth``) and the nurture pool's
    inputs (named ``Nurture*``), from ``row``."""
    st, plan = ctx.st, ctx.plan
    sheet.text(row, 0, "After the plan", st.header_left)
    sheet.text(row, 1, "", st.header_left)
    sheet.text(row, 2, "Value", st.header)
    row += 1
    if plan.after_plan.mode == "none":
        sheet.text(row, 0, "Nothing is required after the plan's last month (a one-off campaign).", st.note)
        row += 1
    else:
        note = "The target goes on after the plan: its last 12 months again, grown by this much a year."
        row = _input(ctx, sheet, row, "Growth a year", "AfterPlanGrowth", plan.after_plan.growth, st.pct_in, note)
    nurture, h = plan.nurture, plan.nurture_stage()
    if nurture is None or h is None:
        return
    row += 1
    sheet.text(row, 0, f"Nurture pool into {plan.stages[h].name}", st.header_left)
    sheet.text(row, 1, "", st.header_left)
    sheet.text(row, 2, "Value", st.header)
    row += 1
    note = "Of the leads failing the step into it, developed for months by the lead development team."
    row = _input(ctx, sheet, row, "Share nurtured", "NurtureRecycle", nurture.recycle, st.pct_in, note)
    note = "Of the pool, ready for sales each month."
    row = _input(ctx, sheet, row, "Share ready a month", "NurtureMaturity", nurture.maturity, st.pct_in, note)
    note = "Of the pool, lost each month."
    row = _input(ctx, sheet, row, "Share lost a month", "NurtureDecay", nurture.decay, st.pct_in, note)
    note = "A lead leaves the pool after this many months."
    row = _input(ctx, sheet, row, "Months at most", "NurtureMaxMonths", float(nurture.max_months), st.whole_in, note)
    if nurture.hours_per_lead is not None:
        note = "Lead-development hours per lead in the pool a month (Sales capacity sheet)."
        _input(
            ctx, sheet, row, "Hours per lead a month", "NurtureHoursPerLead", nurture.hours_per_lead, st.number_in, note
        )


def write_timing(ctx: Context, a: AssumptionCells, rows: KernelRows) -> None:
    """Write the Timing sheet (its rows laid out by :func:`timing_layout`)."""
    plan, st = ctx.plan, ctx.st
    sheet = ctx.sheets[TIMING]
    ws = sheet.ws
    ws.set_column(0, 0, _LABEL_WIDTH)
    ws.set_column(1, 1, _WHAT_WIDTH)
    ws.set_column(2, 3, 7)
    ws.set_column(FIRST, FIRST + rows.width, _WIDTH)
    sheet.text(0, 0, "Timing: when the items entering a stage reach the next", st.title)
    note = (
        "Of the items entering a stage, the share arriving at the next stage 0, 1, 2 ... months later. "
        "A lag in days splits between two months; a lag profile is entered month by month. Kernel = rate x "
        + ("timing, plus the leads the nurture pool returns later. " if rows.maturing is not None else "timing. ")
        + "The Reverse funnel spreads what a stage needs over the months before by these rows."
    )
    last = FIRST + min(rows.width, 9)
    ws.merge_range(1, 0, 1, last, "", st.note_wrap)
    sheet.text(1, 0, note, st.note_wrap)
    ws.set_row(1, LINE_HEIGHT * lines(note, _LABEL_WIDTH + _WHAT_WIDTH + 14 + _WIDTH * (last - FIRST + 1)))
    for c, h in enumerate(("Transition", "", "Total", "Reach (months)")):
        sheet.text(HEADER, c, h, st.header_left if c < 2 else st.header)
    for j in range(rows.width + 1):
        ws.write_number(HEADER, FIRST + j, j, st.header)
    ws.set_row(HEADER, LINE_HEIGHT * 3)
    sheet.text(HEADER - 1, FIRST, "Months later", st.bold)
    _maturing_row(ctx, sheet, rows)
    values: dict[int, FloatArray] = {}
    for k in range(len(plan.stages) - 1):
        sheet.text(rows.timing[k], 0, f"{plan.stages[k].name} to {plan.stages[k + 1].name}", st.bold)
        values[rows.timing[k]] = _timing_row(ctx, sheet, a, rows, k)
        values[rows.kernel[k]] = _kernel_row(ctx, sheet, a, rows, k, False)
        if rows.proposed[k] != rows.kernel[k]:
            values[rows.proposed[k]] = _kernel_row(ctx, sheet, a, rows, k, True)
    _reversed_rows(ctx, sheet, rows, values)
    _timing_inputs(ctx, sheet, rows.last + 2)
    ws.freeze_panes(HEADER + 1, 2)
    print_sheet(ctx, sheet, [_LABEL_WIDTH, _WHAT_WIDTH, 7, 7, *([_WIDTH] * (rows.width + 1))], HEADER)
