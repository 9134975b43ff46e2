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
from core.formats.xlsx.plan_layout import H_BEFORE, H_FIGURE, H_TOTAL, RESULT_LABEL_WIDTH, RESULT_WIDTH, RESULTS
from core.formats.xlsx.plan_print import SheetPrint, apply_print
from core.formats.xlsx.plan_styles import CellWriter, ExactWorksheet, Formats
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
        except Exception:  # the Results sheet is a convenience: never let it block saving the inputs
            result = None
    if result is None:
        apply_print(sheet, SheetPrint([110], repeat_labels=False), plan.name)
        w.text(2, 0, "Not computed: the plan has problems to fix first.", fmt.label)
        w.text(1, 0, "Results are computed by the planner when it saves; they are not read back.", fmt.hint_line)
        for offset, problem in enumerate(errors_only(problems)[:200] or problems[:200]):
            w.text(3 + offset, 0, str(problem))
        return
    _write_result_table(w, fmt, plan, result)
    apply_print(sheet, SheetPrint([RESULT_LABEL_WIDTH], 3, len(result.months), RESULT_WIDTH, tail=2), plan.name)


def _write_result_table(w: CellWriter, fmt: Formats, plan: Plan, result: PlanResult) -> None:
    """One row per figure, the months across (as finance reads a plan),
    then the months before the plan and the plan's total."""
    cur = plan.currency
    rows: list[tuple[str, Sequence[float], str, float | None]] = []

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
    for r, (label, values, kind, pre) in enumerate(rows):
        row = head + 1 + r
        w.text(row, 0, label)
        style = fmt.computed_percent if kind == "percent" else fmt.computed
        cells = [float(v) for v in values]
        total = max(cells) if kind == "percent" else sum(cells)
        for c, number in enumerate([*cells, math.nan if pre is None else pre, total]):
            col = 1 + c
            if col == len(months) + 1 and pre is None:
                continue
            if not math.isfinite(number):
                w.text(row, col, "n/a")
            else:
                w.number(row, col, float(shown_count(number)) if kind == "count" else number, style)
    w.sheet.freeze_panes(head + 1, 1)
    info = head + 2 + len(rows)
    w.text(info, 0, "Blended paid rate")
    w.number(info, 1, result.blended_paid_rate, fmt.computed_percent)
    if result.spec_pass_rate is not None:
        w.text(info + 1, 0, "Lead spec pass rate")
        w.number(info + 1, 1, result.spec_pass_rate, fmt.computed_percent)
    w.text(info + 2, 0, "Sales utilization: the plan total column shows the highest month.", fmt.hint_line)
