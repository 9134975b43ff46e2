""" "Why this number?": a figure of the result as the chain of figures that
produced it (funnel-math.md).

:func:`explain` returns an :class:`Explanation`: a title and a tuple of
:class:`Step` s, each a sentence and the (unrounded) value it arrives at,
e.g. for deals::

    Revenue target                          1,000,000
    / average deal size 25,000            = 40 deals
    / 25% (Opportunity -> Won)            = 160 Opportunities
    / 50% (SQL -> Opportunity)            = 320 SQLs

Every value is the core's own number (read from the :class:`PlanResult`, or
the arithmetic of funnel-math.md on it); nothing here recomputes the funnel
differently. A step whose ``op`` is set claims
``value == previous.value <op> operand`` (``/``, ``*``, ``-``, ``+``);
tests check those claims.

Plan totals (``month=None``) chain over *all* months, pre-plan included: a
lag moves volume between months but keeps its total, so the total needed
entering a stage is exactly the next stage's total (net of free sources)
divided by the rate; the last step then splits off the pre-plan part.
For one month the chain follows the months the lags point to; where a
fractional lag blends two months, the step shows both months' figures.

Figure names: ``deals``, ``stage:<stage>``, ``paid_leads``,
``channel_leads:<channel>``, ``spend:<channel>``, ``spend_total``,
``budget_gap``, ``gate_deficit``, ``utilization`` (``month=None``: the peak
month), ``pass_rate``, ``pre_plan:<stage>``, ``revenue_gap``,
``spec_deficit``, ``spec_extra_leads``, ``spec_extra_spend``; with a nurture
pool ``nurture_recycled``, ``nurture_pool`` and ``nurture_utilization``
(``month=None``: the peak month), ``nurture_returned``; the far edge's
``carried_deals`` and ``carried_revenue`` (plan totals only); ``odds``, the chance to hit
the target, of a result completed by :func:`core.calc.outlook.with_uncertainty`. An unknown
name, or a figure the plan does not have (no budget, no spec, ...), raises
:class:`ValueError` with a message saying what is missing.

Numbers in the text are formatted by a :class:`NumberFormat`; the default
uses :mod:`core.calc.display`, a GUI passes its locale-aware one.

The chains live by what they explain: :mod:`.requirements` (deals, stage
requirements, lags, pre-plan), :mod:`.money` (paid leads, channels, spend,
budget gap), :mod:`.deficit` (funded projection, proposed spec),
:mod:`.capacity` (utilization, pass rate) and :mod:`.nurture` (the pool, the
deals carried past the plan); :mod:`.common` holds the steps,
the number format and the context they share.
"""

from __future__ import annotations

from core.calc.engine import PlanResult
from core.calc.explain.capacity import pass_rate_steps, peak_month, utilization_steps
from core.calc.explain.common import Context, Explanation, NumberFormat, Op, Step, Unit
from core.calc.explain.deficit import gate_deficit_steps, revenue_gap_steps, spec_deficit_steps, spec_extra_steps
from core.calc.explain.money import (
    budget_gap_steps,
    channel_index,
    channel_leads_steps,
    channel_spend_steps,
    paid_steps,
    spend_total_steps,
)
from core.calc.explain.nurture import (
    carried_steps,
    matured_steps,
    peak_pool_month,
    pool_steps,
    recycled_steps,
)
from core.calc.explain.nurture import utilization_steps as team_utilization_steps
from core.calc.explain.odds import odds_steps
from core.calc.explain.requirements import pre_plan_steps, stage
from core.calc.figures import plural
from core.model.plan import Plan

__all__ = ["Explanation", "NumberFormat", "Op", "Step", "Unit", "explain", "peak_month", "plural"]


def _stage_arg(c: Context, name: str) -> int:
    k = c.plan.stage_index(name)
    if k is None:
        raise ValueError(f"The plan has no stage called {name!r}.")
    return k


_TITLES = {
    "deals": "Deals needed",
    "paid_leads": "Paid leads needed",
    "spend_total": "Spend needed",
    "budget_gap": "Budget gap",
    "gate_deficit": "Qualified-lead deficit at the gate (funded plan)",
    "utilization": "Sales utilization",
    "pass_rate": "Lead spec pass rate",
    "revenue_gap": "Revenue gap (funded plan)",
    "spec_deficit": "Qualified sales lead deficit under the proposed spec",
    "spec_extra_leads": "Extra paid leads the proposed spec needs",
    "spec_extra_spend": "Extra budget the proposed spec needs",
    "nurture_recycled": "Leads recycled into the nurture pool",
    "nurture_pool": "Leads in the nurture pool",
    "nurture_returned": "Leads the nurture pool returns",
    "nurture_utilization": "Lead development utilization",
    "carried_deals": "Deals the plan's leads bring after it ends",
    "carried_revenue": "Revenue the plan's leads bring after it ends",
    "odds": "Chance to hit the target",
}


def _flow_steps(c: Context, kind: str, month: int | None) -> tuple[list[Step], int | None]:
    """The nurture pool's and the far edge's chains, and the month each is for."""
    if kind == "nurture_recycled":
        return recycled_steps(c, month), month
    if kind == "nurture_returned":
        return matured_steps(c, month), month
    if kind == "nurture_pool":
        t = peak_pool_month(c, month)
        return pool_steps(c, t), t
    if kind == "nurture_utilization":
        return team_utilization_steps(c, month)
    if kind in ("carried_deals", "carried_revenue"):
        return carried_steps(c, kind == "carried_revenue"), None
    raise ValueError(f"Unknown figure {kind!r}.")


def explain(
    plan: Plan, result: PlanResult, figure: str, month: int | None = None, fmt: NumberFormat | None = None
) -> Explanation:
    """Explain ``figure`` (see the module docstring for names) for the plan
    total (``month=None``) or one month ``0 .. N-1``.

    Raises ValueError for an unknown figure, a month outside the plan, or a
    figure the plan does not have.
    """
    c = Context(plan, result, fmt or NumberFormat())
    figure_month = month
    if month is not None and not 0 <= month < c.n:
        raise ValueError(f"Month {month} is outside the plan (0 to {c.n - 1}).")
    kind, _, arg = figure.partition(":")
    title = _TITLES.get(kind, "")
    if kind == "deals":
        steps = stage(c, c.k, month)
    elif kind == "stage":
        k = _stage_arg(c, arg)
        steps = stage(c, k, month)
        title = f"{c.noun(k)} needed" if k < c.k else "Deals needed"
    elif kind == "pre_plan":
        k = _stage_arg(c, arg)
        steps = pre_plan_steps(c, k)
        title = f"Pre-plan requirement: {c.noun(k)}"
        month = None
    elif kind == "paid_leads":
        steps = paid_steps(c, month)
    elif kind == "channel_leads":
        j = channel_index(c, arg)
        steps = channel_leads_steps(c, j, month)
        title = f"Leads from {plan.channels[j].name}"
    elif kind == "spend":
        j = channel_index(c, arg)
        steps = channel_spend_steps(c, j, month)
        title = f"Spend on {plan.channels[j].name}"
    elif kind == "spend_total":
        steps = spend_total_steps(c, month)
    elif kind == "budget_gap":
        steps = budget_gap_steps(c, month)
    elif kind == "gate_deficit":
        steps = gate_deficit_steps(c, month)
    elif kind == "revenue_gap":
        steps = revenue_gap_steps(c, month)
    elif kind == "utilization":
        steps = utilization_steps(c, month)
        if month is None:
            month = peak_month(result)
            title = "Peak sales utilization"
    elif kind == "pass_rate":
        steps = pass_rate_steps(c)
        month = None
    elif kind == "spec_deficit":
        steps = spec_deficit_steps(c, month)
    elif kind in ("spec_extra_leads", "spec_extra_spend"):
        steps = spec_extra_steps(c, month, kind == "spec_extra_spend")
    elif kind == "odds":  # the result completed with its draws (core.calc.outlook)
        steps = odds_steps(c)
        month = None
    elif kind.startswith("nurture_") or kind.startswith("carried_"):
        steps, month = _flow_steps(c, kind, month)
        if month is not None and kind in ("nurture_pool", "nurture_utilization") and figure_month is None:
            title = f"Peak: {title[0].lower()}{title[1:]}"
    else:
        raise ValueError(f"Unknown figure {figure!r}.")
    when = "plan total" if month is None else c.month(month)
    return Explanation(f"{title} ({when})", tuple(steps), figure, month)
