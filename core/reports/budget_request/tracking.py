"""The Tracking sheet (only when the plan has actuals): the qualified-lead
KPI at the gate, plan vs actual vs the two forecasts (at the plan's rates
and at the rates observed so far) month by month and cumulative, the
observed rates beside the planned ones (the gate's first), and the alarm
sentence of :func:`core.calc.figures_year.tracking_figures`, highlighted
when the alarm is on.

The plan column refers to the Reverse funnel; actuals and forecasts are
the planner's figures (values); differences, running totals, the projected
shortfall and the alarm test are formulas on them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell

from core.calc.figures_year import TrackingFigures, tracking_figures
from core.calc.funnel import FloatArray
from core.calc.results import Tracking
from core.reports.budget_request.common import (
    LINE_HEIGHT,
    REVERSE,
    TRACKING,
    Context,
    Sheet,
    cell,
    lines,
    print_sheet,
)
from core.reports.budget_request.reverse_funnel import ReverseFunnelRows

HEADER = 4  # the table's header row (0-based)
MONTH_COL_WIDTH = 21  # a label column as wide as on the other sheets
VALUE_WIDTH = 9.5
_COLUMNS = (
    "Month",
    "Required (plan)",
    "Actual",
    "Actual minus required",
    "Forecast at the plan's rates",
    "Forecast at observed rates",
    "Short at observed rates",
    "Required, running total",
    "Actual, running total",
    "Forecast (plan's rates), running total",
    "Forecast (observed rates), running total",
)
REQUIRED, ACTUAL, VARIANCE, PLAN_RATES, OBSERVED, SHORT = 1, 2, 3, 4, 5, 6
_RUNNING = {REQUIRED: 7, ACTUAL: 8, PLAN_RATES: 9, OBSERVED: 10}
WIDTHS = (MONTH_COL_WIDTH, *([VALUE_WIDTH] * (len(_COLUMNS) - 1)))


@dataclass(frozen=True)
class TrackingRows:
    """Where the Tracking sheet's figures are (0-based rows; columns as above):
    the first month's row, the totals row, the projected-shortfall cell and
    the alarm sentence's row (None without a gate)."""

    first: int
    total: int
    projected: str
    sentence: int

    def short(self, t: int) -> str:
        """The cell of plan month ``t``'s shortfall at observed rates."""
        return cell(self.first + t, SHORT, TRACKING)


def alarm_format(ctx: Context) -> Format:
    """The alarm's highlight: bold dark red on light red, wrapped."""
    return ctx.book.add_format(
        {"font_size": 10, "bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE", "text_wrap": True}
    )


def _merged_text(ctx: Context, sheet: Sheet, row: int, text: str, fmt: Format) -> None:
    """``text`` over the table's width, the row as tall as it wraps."""
    sheet.ws.merge_range(row, 0, row, len(_COLUMNS) - 1, "", fmt)
    sheet.text(row, 0, text, fmt)
    sheet.ws.set_row(row, LINE_HEIGHT * lines(text, sum(WIDTHS) * 0.9))


def _month_values(sheet: Sheet, row: int, col: int, value: float) -> None:
    sheet.ws.write_number(row, col, value, sheet.st.count)


def _running(sheet: Sheet, first: int, t: int, col: int, values: FloatArray) -> None:
    """The running total of column ``col`` up to plan month ``t``."""
    top, here = xl_rowcol_to_cell(first, col, row_abs=True), cell(first + t, col)
    sheet.formula(first + t, _RUNNING[col], f"SUM({top}:{here})", float(np.sum(values[: t + 1])), sheet.st.count)


def _table(ctx: Context, sheet: Sheet, rf: ReverseFunnelRows, t: Tracking, gate: int) -> int:
    """The month rows from ``HEADER + 1``; returns the totals row."""
    st, g, m = ctx.st, ctx.grid, t.months_elapsed
    required = ctx.res.stage_required[gate]
    planned = t.forecast.stage_volume[gate]
    observed = t.forecast_observed.stage_volume[gate]
    obs_deficit = t.forecast_observed.gate_deficit
    assert obs_deficit is not None
    first = HEADER + 1
    for col, title in enumerate(_COLUMNS):
        sheet.text(HEADER, col, title, st.header)
    sheet.ws.set_row(HEADER, LINE_HEIGHT * max(lines(title, VALUE_WIDTH * 0.9) for title in _COLUMNS))
    for k, month in enumerate(ctx.months):
        row = first + k
        sheet.text(row, 0, month)
        ref = cell(rf.required(gate), g.month(k), REVERSE)
        sheet.formula(row, REQUIRED, ref, float(required[k]), st.count)
        if k < m and t.gate_actual is not None:
            _month_values(sheet, row, ACTUAL, float(t.gate_actual[k]))
            diff = float(t.gate_actual[k] - required[k])
            sheet.formula(row, VARIANCE, f"{cell(row, ACTUAL)}-{cell(row, REQUIRED)}", diff, st.count)
            _running(sheet, first, k, ACTUAL, t.gate_actual)
        _month_values(sheet, row, PLAN_RATES, float(planned[k]))
        _month_values(sheet, row, OBSERVED, float(observed[k]))
        if k >= m:
            short = f"{cell(row, REQUIRED)}-{cell(row, OBSERVED)}"
            sheet.formula(row, SHORT, short, float(obs_deficit[k]), st.count)
        for col, values in ((REQUIRED, required), (PLAN_RATES, planned), (OBSERVED, observed)):
            _running(sheet, first, k, col, values)
    total = first + ctx.plan.months
    sheet.text(total, 0, "Plan total", st.bold)
    last = total - 1
    sums: dict[int, float] = {
        REQUIRED: float(required.sum()),
        PLAN_RATES: float(planned.sum()),
        OBSERVED: float(observed.sum()),
        SHORT: t.projected_deficit,
    }
    if t.gate_actual is not None:
        sums[ACTUAL] = float(t.gate_actual[:m].sum())
        sums[VARIANCE] = float((t.gate_actual[:m] - required[:m]).sum())
    for col, value in sums.items():
        sheet.formula(total, col, f"SUM({cell(first, col)}:{cell(last, col)})", value, st.count)
    return total


def _alarm_test(ctx: Context, sheet: Sheet, rows: TrackingRows, fig: TrackingFigures, m: int) -> int:
    """The projected shortfall against the threshold, below the table; returns the next free row."""
    st, col = ctx.st, VARIANCE + 1
    row = rows.total + 2
    sheet.text(row, 0, f"The alarm ({fig.gate} at observed rates, months {m + 1} to {ctx.plan.months})", st.bold)
    proj, rem, _, threshold = (cell(row + k, col) for k in range(1, 5))
    still = f"SUM({cell(rows.first + m, REQUIRED)}:{cell(rows.total - 1, REQUIRED)})"
    figures: list[tuple[str, str | None, float | str, Format]] = [
        ("Projected shortfall, rest of the year", rows.projected, fig.projected, st.count),
        ("Still required, rest of the year", still, fig.remaining, st.count),
        (
            "Shortfall as a share of what is still required",
            f"IF({rem}>0,{proj}/{rem},0)",
            fig.projected / fig.remaining if fig.remaining > 0 else 0.0,
            st.pct,
        ),
        ("Alarm threshold (set in the plan)", None, fig.threshold, st.pct),
        ("Alarm on", f'IF({proj}>{threshold}*{rem},"Yes","No")', "Yes" if fig.alarm else "No", st.bold),
    ]
    for k, (label, formula, value, fmt) in enumerate(figures, start=1):
        sheet.ws.merge_range(row + k, 0, row + k, col - 1, "", st.label)
        sheet.text(row + k, 0, label)
        if formula is None:
            sheet.ws.write_number(row + k, col, float(value), fmt)
        else:
            sheet.formula(row + k, col, formula, value, fmt)
    return row + len(figures) + 2


def _rates(ctx: Context, sheet: Sheet, t: Tracking, row: int) -> None:
    """The observed rates beside the planned ones, the rate into the gate first."""
    st = ctx.st
    names = list(ctx.res.stage_names)
    if not t.observed_rates:
        sheet.text(row, 0, "No rates observed yet: a rate needs actuals on both of its stages.", st.note)
        return
    sheet.text(row, 0, "Observed rates (items that entered the next stage / items that would have at rate 1)", st.bold)
    head = ("From", "Into", "Observed rate", "Planned rate", "Observed minus planned")
    for col, title in enumerate(head):
        sheet.text(row + 1, col, title, st.header)
    sheet.ws.set_row(row + 1, 3 * LINE_HEIGHT)
    into_gate = names[t.gate - 1] if t.gate is not None and t.gate >= 1 else None
    order = sorted(t.observed_rates, key=lambda name: (name != into_gate, names.index(name)))
    for k, name in enumerate(order):
        r = row + 2 + k
        observed, planned = t.observed_rates[name], t.planned_rates[name]
        sheet.text(r, 0, name)
        sheet.text(r, 1, names[names.index(name) + 1])
        sheet.ws.write_number(r, 2, observed, st.pct)
        sheet.ws.write_number(r, 3, planned, st.pct)
        sheet.formula(r, 4, f"{cell(r, 2)}-{cell(r, 3)}", observed - planned, st.pct)


def write_tracking(ctx: Context, rf: ReverseFunnelRows) -> TrackingRows | None:
    """Write the Tracking sheet (when the request has one); its rows, None
    without actuals or without a gate to track."""
    t = ctx.res.tracking
    if t is None or TRACKING not in ctx.sheets:
        return None
    sheet, st = ctx.sheets[TRACKING], ctx.st
    for col, width in enumerate(WIDTHS):
        sheet.ws.set_column(col, col, width)
    fig = tracking_figures(ctx.plan, ctx.res)
    m = t.months_elapsed
    sheet.text(0, 0, f"Tracking: {m} of {ctx.plan.months} months elapsed", st.title)
    if fig is None or t.gate is None:
        text = "The plan has no lead spec or nurture pool, so there is no qualified-lead gate to track."
        _merged_text(ctx, sheet, 1, text, st.note_wrap)
        _rates(ctx, sheet, t, 3)
        print_sheet(ctx, sheet, WIDTHS[:5], None, landscape=None)
        return None
    note = (
        f"{fig.gate} month by month: what the plan requires (Reverse funnel), what entered in the months "
        f"elapsed, and the year forecast at the plan's rates and at the rates observed so far (the "
        "planner's figures, actuals included where entered). Differences and running totals are formulas."
    )
    _merged_text(ctx, sheet, 1, note, st.note_wrap)
    _merged_text(
        ctx, sheet, 2, ("ALARM: " if fig.alarm else "") + fig.sentence(), alarm_format(ctx) if fig.alarm else st.wrap
    )
    total = _table(ctx, sheet, rf, t, t.gate)
    rows = TrackingRows(first=HEADER + 1, total=total, projected=cell(total, SHORT), sentence=2)
    after = _alarm_test(ctx, sheet, rows, fig, m)
    _rates(ctx, sheet, t, after)
    sheet.ws.freeze_panes(HEADER + 1, 1)
    print_sheet(ctx, sheet, WIDTHS, HEADER, landscape=True)
    return TrackingRows(first=rows.first, total=total, projected=cell(total, SHORT, TRACKING), sentence=2)
