"""The *Results* sheet's notes below its table (see
:mod:`core.formats.xlsx.plan_write_results`): what the plan assumes after
its end and carries over, the nurture pool, and, for the year in progress,
the qualified-lead KPI, each contingency plan and the odds, each in the sentence the
app and the reports print (figures from :mod:`core.calc.flow_figures` and
:mod:`core.calc.figures_year`, their one home)."""

from __future__ import annotations

import math

from core.calc.engine import PlanResult
from core.calc.figures import money_in
from core.calc.figures_year import contingency_figures, odds_figures, tracking_figures
from core.calc.flow_figures import after_plan_figures, nurture_figures
from core.formats.xlsx.plan_layout import RESULT_LABEL_WIDTH, RESULT_WIDTH
from core.formats.xlsx.plan_styles import CellWriter, Formats
from core.model.plan import Plan

__all__ = ["write_year_notes"]

_SPAN = 6  # month columns a sentence spans beside the label column (the first printed page holds them)
_CHARS = RESULT_LABEL_WIDTH + _SPAN * RESULT_WIDTH


def _sentence(w: CellWriter, fmt: Formats, row: int, text: str) -> int:
    """``text`` wrapped over the label column and the first months; returns the next row."""
    w.sheet.merge_range(row, 0, row, _SPAN, "", fmt.notes)
    w.text(row, 0, text, fmt.notes)
    lines = max(1, math.ceil(len(text) * 1.15 / _CHARS))
    w.sheet.set_row(row, min(409, 15 * lines))
    return row + 1


def _value(w: CellWriter, fmt: Formats, row: int, label: str, value: float, style: object = None) -> int:
    w.text(row, 0, label)
    w.number(row, 1, value, style or fmt.computed)
    return row + 1


def _after_plan(w: CellWriter, fmt: Formats, plan: Plan, result: PlanResult, row: int) -> int:
    money = money_in(plan.currency)
    after = after_plan_figures(plan, result)
    w.text(row, 0, "After the plan", fmt.label)
    row = _sentence(w, fmt, row + 1, after.sentence(money))
    row = _value(w, fmt, row, "Months after the plan the target goes on", after.months)
    row = _value(w, fmt, row, "Deals after the plan from the plan's leads", math.ceil(after.carried_deals - 1e-6))
    return _value(w, fmt, row, f"Their revenue ({plan.currency})", round(after.carried_revenue)) + 1


def _tracking(w: CellWriter, fmt: Formats, plan: Plan, result: PlanResult, row: int) -> int:
    t = result.tracking
    fig = tracking_figures(plan, result)
    if t is None:
        return row
    w.text(row, 0, f"Tracking: {t.months_elapsed} of {plan.months} months elapsed", fmt.label)
    if fig is None:
        return _sentence(w, fmt, row + 1, "The plan has no lead spec or nurture pool: no qualified-lead gate to track.")
    row = _sentence(w, fmt, row + 1, ("ALARM: " if fig.alarm else "") + fig.sentence())
    if t.observed_rates:
        w.headers(row, 0, ["Rate from stage to the next", "Observed", "Planned"], fmt.computed_header)
        row += 1
        for name, rate in t.observed_rates.items():
            w.text(row, 0, name)
            w.number(row, 1, rate, fmt.computed_percent)
            w.number(row, 2, t.planned_rates[name], fmt.computed_percent)
            row += 1
    return row + 1


def write_year_notes(w: CellWriter, fmt: Formats, plan: Plan, result: PlanResult, row: int) -> None:
    """The notes from ``row`` down."""
    row = _after_plan(w, fmt, plan, result, row)
    pool = nurture_figures(plan, result)
    if pool is not None:
        w.text(row, 0, "Nurture pool", fmt.label)
        row = _sentence(w, fmt, row + 1, pool.sentence()) + 1
    row = _tracking(w, fmt, plan, result, row)
    money = money_in(plan.currency)
    plans = contingency_figures(result)
    if plans:
        w.text(row, 0, "Contingency plans", fmt.label)
        row += 1
        for cp in plans:
            row = _sentence(w, fmt, row, cp.sentence(money))
        row += 1
    odds = odds_figures(result)
    if odds is not None:
        w.text(row, 0, f"How sure is the plan ({odds.draws:,} draws)", fmt.label)
        _sentence(w, fmt, row + 1, f"{odds.headline()}. {odds.sentence(money)}")
