"""Every headline and secondary figure the planner shows, worked out once.

The KPI strip, the Results page, the scenario comparison, "Why this number?",
the text report, the result JSON and the budget request's Summary all read
their figures from :func:`figures` (funnel-math.md defines each number; the
words each figure is shown with are in the docstrings and :data:`WORDS`).

Where two screens used to disagree, the definitions here settle it:

- **Qualified stage** (:func:`qualified_stage`): the lead spec's gate, else the
  proposed spec's gate (validation keeps both on the same stage), else a stage
  named "SQL" (the spec: the gate is "usually SQL"), else the stage before one
  named "Opportunity", else the stage before the won deal (never ``S0``).
- **Qualified-lead deficit**: the signed net over the plan,
  ``sum_t (G_g[t] - E_g[t])`` with the funded flow (positive: short; negative: a
  surplus), shown everywhere as "N SQLs short over the plan (net)" or
  "N SQLs to spare over the plan (net)". Never clamped at zero.
- **Spec change**: the deficit under the proposed spec is the deficit the
  plan would show after adopting it (the same computation run on the adopted
  plan), so the preview and the figure after "Adopt" are one number; the
  change is that minus today's deficit, exactly 0 for a proposal equal to the
  current spec. The extra budget is given over the plan and, separately,
  including pre-plan spend, each named.
- **Budget story** (:class:`BudgetStory`): what to request, as one sentence
  generated here: the months short and the sum needed in them, the net over
  the plan if money can move between months, pre-plan spend apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.calc.display import format_count, format_money
from core.calc.engine import PlanResult, calculate, gate_of
from core.calc.flow_figures import (
    AfterPlanFigures,
    DeficitSplit,
    NurtureFigures,
    WonBack,
    after_plan_figures,
    deficit_split,
    nurture_figures,
    plural,
    won_back,
)
from core.calc.funnel import FloatArray
from core.model.plan import Plan

Money = Callable[[float], str]
"""Formats an amount of the plan's currency (the app passes its locale's)."""
Count = Callable[[float], str]
"""Formats a count, rounded up (the app passes its locale's)."""

WORDS = {
    "net": "over the plan (net)",
    "pre_plan": "including pre-plan spend",
    "over_plan": "over the plan",
}
"""The words that say which total a figure is, the same on every screen."""


def qualified_stage(plan: Plan) -> tuple[int, str]:
    """The stage whose volume is called qualified leads, and why (in words).

    The lead spec's gate; else the proposed spec's; else a stage named SQL;
    else the stage before one named Opportunity; else the stage before the
    won deal (at least ``S1``)."""
    for spec, why in ((plan.lead_spec, "the lead spec's gate"), (plan.proposed_lead_spec, "the proposed spec's gate")):
        gate = gate_of(plan, spec)
        if gate is not None:
            return gate, why
    sql = plan.stage_index("SQL")
    if sql is not None and sql >= 1:
        return sql, "no lead spec: the SQL stage"
    opportunity = plan.stage_index("Opportunity")
    if opportunity is not None and opportunity >= 2:
        return opportunity - 1, "no lead spec: the stage before Opportunity"
    return max(1, len(plan.stages) - 2), "no lead spec: the stage before the won deal"


def free_volume(plan: Plan, k: int) -> FloatArray:
    """``Free_k[t]``: the free sources entering stage ``k`` in the plan's months."""
    free = np.zeros(plan.months)
    for source in plan.free_sources:
        if plan.stage_index(source.stage) == k:
            free = free + np.asarray(source.volume, dtype=float)
    return free


def net_required(plan: Plan, result: PlanResult, k: int) -> FloatArray:
    """``Q_k[t] = max(0, G_k[t] - Free_k[t])`` in the plan's months (``W`` for the won stage)."""
    if k == len(plan.stages) - 1:
        return result.deals_required
    return np.maximum(0.0, result.stage_required[k] - free_volume(plan, k))


def signed_count(value: float, count: Count = format_count) -> str:
    """A deficit (positive) rounded up; a surplus shown with a minus."""
    return count(value) if value >= 0 else "-" + count(-value)


@dataclass(frozen=True)
class BudgetStory:
    """What to request, with an approved budget.

    ``months_short``: labels of the months whose spend exceeds the approved
    budget (``Gap[t] > 0``); ``short_total = sum_t max(0, Gap[t])``: the funding
    those months need; ``net = sum_t Gap[t]`` over the plan (signed, the budget
    gap): what to request if money can move between months; ``pre_plan_spend``:
    variable spend before the plan starts, never in either sum."""

    months_short: tuple[str, ...]
    short_total: float
    net: float
    pre_plan_spend: float
    months: int

    def sentence(self, money: Money, count: Count = format_count) -> str:
        """The one statement the app, the report and the workbook print."""
        del count  # counts are not part of the budget story; kept for one signature
        n = len(self.months_short)
        if n == 0:
            text = (
                f"No month needs more than the approved budget; {money(-self.net)} is left unspent over the plan (net)."
            )
        else:
            months = "month" if n == 1 else "months"
            text = f"Request {money(self.short_total)} for the {n} {months} short (of {self.months})"
            if self.net > 0:
                text += f"; {money(self.net)} over the plan (net) if money can move between months."
            else:
                text += f"; none over the plan (net) if money can move between months ({money(-self.net)} to spare)."
        if self.pre_plan_spend > 0.5:
            text += f" Pre-plan spend of {money(self.pre_plan_spend)} comes before the plan and is in neither figure."
        return text


@dataclass(frozen=True)
class SpecChangeFigures:
    """The proposed lead spec against the current one.

    ``deficit_adopted``: the qualified-lead deficit (signed, net over the plan)
    the plan shows after adopting the proposal (None without an approved
    budget); ``deficit_change = deficit_adopted - deficit`` (exactly 0 for a
    proposal equal to the current spec). ``deficit_todays_flow``: funnel-math's
    "qualified sales lead deficit", ``sum_t (G_g - E'_g)`` with today's required
    paid flow ``P`` under the proposed spec (the result JSON's value).
    ``extra_paid_leads`` / ``extra_spend``: proposed minus current over the
    plan's months; ``*_pre_plan`` before it; ``extra_spend_with_pre_plan`` is
    both ("including pre-plan spend")."""

    gate: str
    pass_rate_current: float
    pass_rate_proposed: float
    deficit_adopted: float | None
    deficit_change: float | None
    deficit_todays_flow: float
    extra_paid_leads: float
    extra_paid_leads_pre_plan: float
    extra_spend: float
    extra_spend_pre_plan: float
    extra_spend_with_pre_plan: float
    won_back: WonBack | None = None


@dataclass(frozen=True)
class Figures:
    """Every headline and secondary figure (unrounded sums over the plan's months).

    ``deals = sum_t W[t]``; ``qualified_required = sum_t G_g[t]`` at the
    qualified stage ``g`` (:func:`qualified_stage`), ``qualified_pre_plan`` its
    pre-plan total; ``raw_required = sum_t G_0[t]``; ``free_raw_used =
    sum_t (G_0 - max(0, G_0 - Free_0))``; ``paid_leads = sum_t P[t]``;
    ``spend = sum_t Spend[t]`` (fixed costs included); ``budget_gap = sum_t
    (Spend - B)`` (net over the plan, positive: to request); ``deficit = sum_t
    (G_g - E_g)`` with the funded flow, signed (None without a spec gate or a
    budget); ``deficit_short = sum`` of its positive months;
    ``cost_per_qualified = spend / qualified_required``, ``cost_per_deal =
    spend / deals`` (None for a zero divisor); ``peak_utilization`` the
    highest ``demand / H`` and ``peak_month`` its index. ``after_plan``: the
    far edge (what the plan assumes after it and carries over); ``nurture``:
    the pool (None without one); ``deficit_split``: the funded deficit split
    into the funnel's timing and the budget (None without ``deficit``)."""

    currency: str
    months: tuple[str, ...]
    revenue_target: float
    pipeline_revenue: float
    deals: float
    qualified_stage: int
    qualified_name: str
    qualified_why: str
    qualified_required: float
    qualified_pre_plan: float
    pass_rate: float | None
    raw_name: str
    raw_required: float
    raw_pre_plan: float
    free_raw_used: float
    paid_leads: float
    paid_leads_pre_plan: float
    spend: float
    spend_pre_plan: float
    approved_budget: float | None
    budget_gap: float | None
    budget: BudgetStory | None
    gate: str | None
    deficit: float | None
    deficit_short: float | None
    spec_change: SpecChangeFigures | None
    cost_per_qualified: float | None
    cost_per_deal: float | None
    peak_utilization: float | None
    peak_month: int | None
    after_plan: AfterPlanFigures
    nurture: NurtureFigures | None
    deficit_split: DeficitSplit | None

    def deficit_words(self, count: Count = format_count) -> str:
        """``N SQLs short over the plan (net)`` / ``N SQLs to spare ...`` ("" without a deficit)."""
        if self.deficit is None or self.gate is None:
            return ""
        return deficit_words(self.deficit, self.gate, count)


def deficit_words(deficit: float, gate: str, count: Count = format_count) -> str:
    """A signed deficit in words: short (positive) or to spare (negative), net over the plan."""
    word = "short" if deficit >= 0 else "to spare"
    return f"{count(abs(deficit))} {plural(gate)} {word} {WORDS['net']}"


def _ratio(top: float, bottom: float) -> float | None:
    return top / bottom if bottom > 0 else None


def _budget_story(result: PlanResult) -> BudgetStory | None:
    gap = result.budget_gap
    if gap is None:
        return None
    short = gap > 0.5  # a month short by less than half a currency unit shows as 0: not short
    return BudgetStory(
        months_short=tuple(m for m, s in zip(result.months, short, strict=True) if s),
        short_total=float(gap[short].sum()),
        net=float(gap.sum()),
        pre_plan_spend=float(result.spend_pre_plan),
        months=len(result.months),
    )


def _deficit(result: PlanResult) -> float | None:
    funded = result.funded
    if funded is None or funded.gate_deficit is None:
        return None
    return float(funded.gate_deficit.sum())


def adopted_result(plan: Plan, result: PlanResult) -> PlanResult | None:
    """The result of ``plan`` with its proposed spec adopted (None without a proposal or an approved budget):
    what the spec-change deficit is read from, so the preview and the figure after "Adopt" are one number."""
    if result.spec_change is None or result.funded is None or plan.proposed_lead_spec is None:
        return None
    return calculate(plan.with_changes(lead_spec=plan.proposed_lead_spec, proposed_lead_spec=None))


def _spec_change(plan: Plan, result: PlanResult, deficit: float | None) -> SpecChangeFigures | None:
    change = result.spec_change
    if change is None:
        return None
    after = adopted_result(plan, result) if deficit is not None else None
    adopted = None if after is None else _deficit(after)
    extra_spend = float(change.extra_spend.sum())
    return SpecChangeFigures(
        gate=change.gate,
        pass_rate_current=change.pass_rate_current,
        pass_rate_proposed=change.pass_rate_proposed,
        deficit_adopted=adopted,
        deficit_change=None if adopted is None or deficit is None else adopted - deficit,
        deficit_todays_flow=float(change.gate_deficit.sum()),
        extra_paid_leads=float(change.extra_paid_leads.sum()),
        extra_paid_leads_pre_plan=change.extra_paid_leads_pre_plan,
        extra_spend=extra_spend,
        extra_spend_pre_plan=change.extra_spend_pre_plan,
        extra_spend_with_pre_plan=extra_spend + change.extra_spend_pre_plan,
        won_back=won_back(plan, result),
    )


def figures(plan: Plan, result: PlanResult) -> Figures:
    """Every figure of ``result`` (the engine's result for ``plan``), worked out once."""
    g, why = qualified_stage(plan)
    k = len(plan.stages) - 1
    qualified = float(result.stage_required[g].sum())
    deals = float(result.deals_required.sum())
    spend = float(result.spend_total.sum())
    raw = result.stage_required[0]
    deficit = _deficit(result)
    funded = result.funded
    util = result.sales_utilization
    peak = int(np.argmax(util)) if util is not None and len(util) else None
    return Figures(
        currency=plan.currency,
        months=result.months,
        revenue_target=float(result.revenue_target.sum()),
        pipeline_revenue=float(np.sum(plan.pipeline_revenue)) if plan.pipeline_revenue else 0.0,
        deals=deals,
        qualified_stage=g,
        qualified_name=plan.stages[g].name,
        qualified_why=why,
        qualified_required=qualified,
        qualified_pre_plan=float(result.pre_plan[g]) if g < k else 0.0,
        pass_rate=result.spec_pass_rate,
        raw_name=plan.stages[0].name,
        raw_required=float(raw.sum()),
        raw_pre_plan=float(result.pre_plan[0]) if result.pre_plan else 0.0,
        free_raw_used=float((raw - net_required(plan, result, 0)).sum()),
        paid_leads=float(result.paid_leads.sum()),
        paid_leads_pre_plan=result.paid_leads_pre_plan,
        spend=spend,
        spend_pre_plan=result.spend_pre_plan,
        approved_budget=None if result.approved_budget is None else float(result.approved_budget.sum()),
        budget_gap=None if result.budget_gap is None else float(result.budget_gap.sum()),
        budget=_budget_story(result),
        gate=None if result.gate_index is None else plan.stages[result.gate_index].name,
        deficit=deficit,
        deficit_short=None
        if funded is None or funded.gate_deficit is None
        else float(funded.gate_deficit[funded.gate_deficit > 0].sum()),
        spec_change=_spec_change(plan, result, deficit),
        cost_per_qualified=_ratio(spend, qualified),
        cost_per_deal=_ratio(spend, deals),
        peak_utilization=None if util is None or peak is None else float(util[peak]),
        peak_month=peak,
        after_plan=after_plan_figures(plan, result),
        nurture=nurture_figures(plan, result),
        deficit_split=deficit_split(plan, result),
    )


def money_in(currency: str) -> Money:
    """The core's money formatter for ``currency`` (``USD 1,234``), for the text report."""
    return lambda value: format_money(value, currency)


__all__ = [
    "WORDS",
    "AfterPlanFigures",
    "BudgetStory",
    "DeficitSplit",
    "Figures",
    "NurtureFigures",
    "SpecChangeFigures",
    "WonBack",
    "adopted_result",
    "deficit_words",
    "figures",
    "free_volume",
    "money_in",
    "net_required",
    "plural",
    "qualified_stage",
    "signed_count",
]
