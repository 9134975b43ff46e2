"""The *Results* sheet of the plan workbook: the figures the planner
computed when it saved (one row per figure, the months across), never read
back. Written by :func:`core.formats.xlsx.plan_write.save_plan_workbook`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import xlsxwriter

from core.calc.display import shown_count
from core.calc.engine import PlanResult, calculate
from core.calc.feasibility import validate
from core.calc.funnel import FloatArray
from core.calc.outlook import complete
from core.formats.xlsx.plan_layout import H_BEFORE, H_FIGURE, H_TOTAL, RESULT_LABEL_WIDTH, RESULT_WIDTH, RESULTS
from core.formats.xlsx.plan_print import SheetPrint, apply_print
from core.formats.xlsx.plan_styles import CellWriter, ExactWorksheet, Formats
from core.formats.xlsx.plan_write_year_results import write_year_notes
from core.model.plan import Plan, errors_only


def write_results(book: xlsxwriter.Workbook, fmt: Formats, plan: Plan) -> None:
    """The Results sheet: the computed figures, or why they could not be computed."""
    sheet = book.add_worksheet(RESULTS, worksheet_class=ExactWorksheet)
    w = CellWriter(sheet, fmt)
    sheet.set_tab_color("#808080")
    sheet.set_column(0, 0, 16)
    w.text(0, 0, "Results: computed by the planner when it saved, not read back", fmt.title)
    problems = validate(plan)
    result: PlanResult | None = None
    if not errors_only(problems):
        try:
            result = calculate(plan)
            result = complete(plan, result)  # the contingency plans and the odds, as the exports show them
        except Exception:  # the Results sheet is a convenience: never let it block saving the inputs
            pass
    if result is None:
        apply_print(sheet, SheetPrint([110], repeat_labels=False), plan.name)
        w.text(2, 0, "Not computed: the plan has problems to fix first.", fmt.label)
        w.text(1, 0, "Results are computed by the planner when it saves; they are not read back.", fmt.hint_line)
        for offset, problem in enumerate(errors_only(problems)[:200] or problems[:200]):
            w.text(3 + offset, 0, str(problem))
        return
    last = _write_result_table(w, fmt, plan, result)
    apply_print(sheet, SheetPrint([RESULT_LABEL_WIDTH], 3, len(result.months), RESULT_WIDTH, tail=2), plan.name)
    sheet.print_area(0, 0, last, len(result.months) + 2)  # the table; the notes below it are for the screen


Row = tuple[str, Sequence[float] | FloatArray, str, float | None]
"""A figure's label, its values by month (fewer than the plan's months: the
rest blank), its kind (``money``, ``count``, ``signed``: a count either way,
its size rounded up, ``percent``, ``peak``: a level whose total column shows
the highest month) and its value before the plan."""


def _nurture_rows(result: PlanResult) -> list[Row]:
    pool = result.nurture
    if pool is None:
        return []
    rows: list[Row] = [
        ("Nurture pool: leads recycled into it", pool.recycled, "count", None),
        ("Nurture pool: leads in it (start of month)", pool.pool, "peak", None),
        (f"Nurture pool: leads returned to {pool.stage}", pool.matured, "count", None),
    ]
    if pool.utilization is not None:
        rows.append(("Lead development utilization", pool.utilization, "percent", None))
    return rows


def _tracking_rows(result: PlanResult) -> list[Row]:
    """The KPI at the gate: required and actual in the months elapsed, then
    what each forecast leaves short month by month."""
    t = result.tracking
    if t is None or t.gate is None or t.gate_required is None:
        return []
    gate = result.stage_names[t.gate]
    rows: list[Row] = [(f"{gate} required (months elapsed)", t.gate_required, "count", None)]
    if t.gate_actual is not None and t.gate_variance is not None:
        rows.append((f"{gate} actual", t.gate_actual, "count", None))
        rows.append((f"{gate} variance: actual - required", t.gate_variance, "signed", None))
    for label, forecast in (("plan rates", t.forecast), ("observed rates", t.forecast_observed)):
        if forecast.gate_deficit is not None:
            rows.append((f"{gate} short, forecast at {label}", forecast.gate_deficit, "signed", None))
    return rows


def _write_result_table(w: CellWriter, fmt: Formats, plan: Plan, result: PlanResult) -> int:
    """One row per figure, the months across (as finance reads a plan),
    then the months before the plan and the plan's total; the notes below.
    Returns the table's last row (with its footnotes)."""
    cur = plan.currency
    rows: list[Row] = []

    def add(header: str, values: Any, kind: str, pre: float | None = None) -> None:
        rows.append((header, values, kind, pre))

    add(f"Revenue target ({cur})", result.revenue_target, "money")
    add("Deals required", result.deals_required, "count")
    for k, name in enumerate(result.stage_names[:-1]):
        add(f"{name} required", result.stage_required[k], "count", result.pre_plan[k])
    add("Paid leads", result.paid_leads, "count", result.paid_leads_pre_plan)
    for j, name in enumerate(result.channel_names):
        add(f"{name} leads", result.channel_leads[j], "count")
    for j, name in enumerate(result.channel_names):
        add(f"{name} spend ({cur})", result.spend[j], "money")
    add(f"Spend total ({cur})", result.spend_total, "money", result.spend_pre_plan)
    if result.approved_budget is not None and result.budget_gap is not None:
        add(f"Approved budget ({cur})", result.approved_budget, "money")
        add(f"Budget gap: spend - budget ({cur})", result.budget_gap, "money")
    if result.funded is not None:
        add(f"Revenue the budget funds ({cur})", result.funded.revenue, "money")
        if result.funded.gate_deficit is not None:
            add("Qualified-lead deficit with the budget", result.funded.gate_deficit, "count")
    if result.spec_change is not None:
        add("Qualified-lead deficit under the proposed spec", result.spec_change.gate_deficit, "count")
        add(f"Extra spend for the proposed spec ({cur})", result.spec_change.extra_spend, "money")
    if result.sales_utilization is not None:
        add("Sales utilization", result.sales_utilization, "percent")
    rows += _nurture_rows(result) + _tracking_rows(result)
    head = 3
    w.text(
        1,
        0,
        "To change the plan, edit the input sheets. Counts are rounded up to whole items; money is in whole "
        "currency units.",
        fmt.hint_line,
    )
    months = list(result.months)
    w.headers(head, 0, [H_FIGURE, *months, H_BEFORE, H_TOTAL], fmt.computed_header)
    w.sheet.set_row(head, 30)
    w.sheet.set_column(0, 0, RESULT_LABEL_WIDTH)
    w.sheet.set_column(1, len(months) + 2, RESULT_WIDTH)
    for r, figure in enumerate(rows):
        _write_row(w, fmt, head + 1 + r, len(months), figure)
    w.sheet.freeze_panes(head + 1, 1)
    info = head + 2 + len(rows)
    w.text(info, 0, "Blended paid rate")
    w.number(info, 1, result.blended_paid_rate, fmt.computed_percent)
    if result.spec_pass_rate is not None:
        w.text(info + 1, 0, "Lead spec pass rate")
        w.number(info + 1, 1, result.spec_pass_rate, fmt.computed_percent)
    short = " Short: required minus forecast (a minus: to spare)." if result.tracking is not None else ""
    w.text(
        info + 2,
        0,
        f"Utilization and the pool's size: the plan total column shows the highest month.{short}",
        fmt.hint_line,
    )
    w.text(
        info + 3,
        0,
        "Below (on screen, not printed): after the plan, the nurture pool, tracking, contingency plans and "
        "the odds in words.",
        fmt.hint_line,
    )
    write_year_notes(w, fmt, plan, result, info + 5)
    return info + 2


def _write_row(w: CellWriter, fmt: Formats, row: int, months: int, figure: Row) -> None:
    """One figure: its months (blank after its last value), the months
    before the plan (when it has them) and its total."""
    label, values, kind, pre = figure
    w.text(row, 0, label)
    style = fmt.computed_percent if kind == "percent" else fmt.computed
    cells = [float(v) for v in values][:months]
    total = max(cells, default=math.nan) if kind in ("percent", "peak") else sum(cells)
    for c, number in enumerate(cells):
        _write_value(w, row, 1 + c, number, kind, style)
    if pre is not None:
        _write_value(w, row, 1 + months, pre, kind, style)
    _write_value(w, row, 2 + months, total, kind, style)


def _write_value(w: CellWriter, row: int, col: int, number: float, kind: str, style: Any) -> None:
    if not math.isfinite(number):
        w.text(row, col, "n/a")
    else:
        w.number(row, col, _shown(number, kind), style)


def _shown(number: float, kind: str) -> float:
    """A count as the app shows it: rounded up (a signed one: its size)."""
    if kind in ("count", "peak"):
        return float(shown_count(number))
    if kind == "signed":
        return math.copysign(shown_count(abs(number)), number) if number else 0.0
    return number
