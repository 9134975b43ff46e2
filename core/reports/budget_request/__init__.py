"""The budget-request workbook a marketing manager sends to finance.

:func:`write_budget_request` computes the plan with :func:`core.calc.engine.calculate`
and writes an ``.xlsx`` (xlsxwriter) atomically. Sheets, one module each:

- ``Summary`` (:mod:`.summary`): the one-page case (target, deals, qualified
  and raw leads, budget requested vs approved, gap, cost per qualified lead
  and per deal, the qualified-lead deficit, the spec change, the pre-plan
  requirement), charts.
- ``Assumptions`` (:mod:`.assumptions`): every input, yellow, with defined
  names (``AvgDealSize``, ``Rate_<stage>``, ``Lag_<stage>``, ``Mix_<channel>``,
  ``CPL_<channel>``, ``PassRate``, ``ApprovedBudget`` ...).
- ``Reverse funnel``, ``Budget by channel``, ``Lead spec & deficit``,
  ``Sales capacity`` (:mod:`.reverse_funnel`, :mod:`.budget_by_channel`,
  :mod:`.lead_spec_deficit`, :mod:`.sales_capacity`): the monthly working,
  months across.
- ``Tracking`` (:mod:`.tracking`, only with actuals): the qualified-lead KPI,
  plan vs actual vs the two forecasts, the observed rates, the alarm.
- ``Contingency`` (:mod:`.contingency`, only with a contingency plan): the
  sources kept ready, each deficit's month-by-source schedule, its cost and
  cover, the sentence for finance.

Each sheet's writer returns where its cells are (a frozen dataclass:
:class:`~.assumptions.AssumptionCells`, :class:`~.reverse_funnel.ReverseFunnelRows`
...) and the writers of later sheets receive those.

Every number that derives from the inputs is a live formula that refers,
in the end, to the Assumptions sheet, and carries the core's value as its
cached result, so the workbook reads right in a viewer that does not
recalculate. The lag kernel is live too: the whole months ``a`` and the
fraction ``f`` of every lag are formulas on Assumptions and the reverse and
forward passes pick the month ``a`` away with ``INDEX``; the workbook holds
as many pre-plan months as the exported lags need (a check cell says when
longer lags would need more). The lead spec's pass rate is an input value
(the exact dynamic programme over the criteria is not a formula).

Counts in the working sheets are exact expected values shown to one decimal
(they feed further formulas); the Summary shows counts rounded up with
``ROUNDUP(ROUND(x, 6), 0)``, the rule of :func:`core.calc.display.shown_count`.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from core.calc.engine import calculate
from core.calc.feasibility import validate
from core.calc.figures import Figures, figures
from core.calc.outlook import complete
from core.formats.files import atomic_write
from core.model.plan import Plan, PlanRefused, errors_only
from core.reports.budget_request.assumptions import lag_check, write_assumptions
from core.reports.budget_request.budget_by_channel import write_budget_by_channel
from core.reports.budget_request.common import (
    ASSUMPTIONS,
    BUDGET,
    CAPACITY,
    CONTINGENCY,
    REVERSE,
    SHEETS,
    SPEC,
    SUMMARY,
    TIMING,
    TRACKING,
    Context,
    currency_format,
    make_context,
    print_plan_months_only,
)
from core.reports.budget_request.contingency import write_contingency
from core.reports.budget_request.lead_spec_deficit import write_lead_spec_deficit
from core.reports.budget_request.numbers import Numbers, numbers, qualified_stage
from core.reports.budget_request.reverse_funnel import write_reverse_funnel
from core.reports.budget_request.sales_capacity import write_sales_capacity
from core.reports.budget_request.summary import SheetRows, write_summary
from core.reports.budget_request.timing import timing_layout, write_timing
from core.reports.budget_request.tracking import write_tracking

__all__ = [
    "ASSUMPTIONS",
    "BUDGET",
    "CAPACITY",
    "CONTINGENCY",
    "REVERSE",
    "SHEETS",
    "SPEC",
    "SUMMARY",
    "TIMING",
    "TRACKING",
    "currency_format",
    "qualified_stage",
    "write_budget_request",
]


def _write_sheets(ctx: Context, fig: Figures) -> None:
    """Every sheet, each given where the cells it refers to are on the sheets before it."""
    timing = timing_layout(ctx)
    assumptions = write_assumptions(ctx, timing)
    write_timing(ctx, assumptions, timing)
    lag_check(ctx, assumptions, timing)
    reverse = write_reverse_funnel(ctx, assumptions, timing)
    budget = write_budget_by_channel(ctx, assumptions, reverse)
    spec = write_lead_spec_deficit(ctx, assumptions, timing, reverse, budget)
    capacity = write_sales_capacity(ctx, assumptions, reverse)
    tracking = write_tracking(ctx, reverse)
    contingency = write_contingency(ctx, tracking)
    write_summary(ctx, SheetRows(reverse, budget, spec, capacity, tracking, contingency), fig)
    print_plan_months_only(ctx)
    ctx.sheets[SUMMARY].ws.activate()


def write_budget_request(plan: Plan, path: Path) -> None:
    """Compute ``plan`` (:func:`core.calc.engine.calculate`, with its
    contingency plans and odds by :func:`core.calc.outlook.complete`) and
    write the budget-request workbook to ``path`` atomically.

    Raises :class:`~core.model.plan.PlanRefused` (nothing written) when the plan
    has errors, ``OSError`` when the file cannot be written (the previous
    file, if any, is untouched).
    """
    errors = errors_only(validate(plan))
    if errors:
        raise PlanRefused(errors)
    result = complete(plan, calculate(plan))
    nums: Numbers = numbers(plan, result)
    fig = figures(plan, result)

    def write(tmp: Path) -> None:
        book = xlsxwriter.Workbook(
            str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
        )
        try:
            _write_sheets(make_context(book, plan, nums), fig)
        finally:
            book.close()

    atomic_write(Path(path), write, backup=True)  # a file it replaces is kept as <name>.bak
