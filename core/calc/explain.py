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
``spec_deficit``, ``spec_extra_leads``, ``spec_extra_spend``. An unknown
name, or a figure the plan does not have (no budget, no spec, ...), raises
:class:`ValueError` with a message saying what is missing.

Numbers in the text are formatted by a :class:`NumberFormat`; the default
uses :mod:`core.calc.display`, a GUI passes its locale-aware one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from core.calc.calendar import DAYS_PER_MONTH, month_label, short_month
from core.calc.display import format_count, format_money, format_percent
from core.calc.engine import PlanResult, plan_lags
from core.calc.figures import adopted_result, free_volume, net_required
from core.calc.figures import plural as plural  # re-exported
from core.calc.funnel import FloatArray
from core.calc.lead_spec import score_distribution
from core.model.plan import Plan

Unit = Literal["count", "money", "rate", "hours", "number"]
Op = Literal["", "/", "*", "-", "+"]

# how many items a list in a sentence names before "and N more"
_LIST_LIMIT = 6


@dataclass(frozen=True)
class Step:
    """One link of the chain: a sentence and the value it arrives at.

    ``op``/``operand``, when ``op`` is set, state the arithmetic:
    ``value = previous value <op> operand``.
    """

    text: str
    value: float
    unit: Unit = "count"
    op: Op = ""
    operand: float | None = None


@dataclass(frozen=True)
class Explanation:
    """A figure explained: ``title`` names it (and the month), ``steps``
    lead to it; the last step's value is the figure itself."""

    title: str
    steps: tuple[Step, ...]
    figure: str = ""
    month: int | None = None

    @property
    def value(self) -> float:
        """The figure explained (the last step's value)."""
        return self.steps[-1].value


def _default_number(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class NumberFormat:
    """How numbers read in the sentences (counts rounded up, money whole)."""

    count: Callable[[float], str] = format_count
    money: Callable[[float, str], str] = format_money
    percent: Callable[[float], str] = format_percent
    number: Callable[[float], str] = field(default=_default_number)


class _Context:
    """The plan and result with the derived series the chains need."""

    def __init__(self, plan: Plan, result: PlanResult, fmt: NumberFormat) -> None:
        self.plan = plan
        self.result = result
        self.fmt = fmt
        self.n = plan.months
        self.k = len(plan.stages) - 1
        self.lags = plan_lags(plan)
        self.free: list[FloatArray] = [free_volume(plan, k) for k in range(len(plan.stages))]
        self.free_names: list[list[str]] = [
            [s.name for s in plan.free_sources if plan.stage_index(s.stage) == k] for k in range(len(plan.stages))
        ]

    # --- formatting -------------------------------------------------------
    def count(self, value: float) -> str:
        return self.fmt.count(value)

    def money(self, value: float) -> str:
        return self.fmt.money(value, self.plan.currency)

    def pct(self, value: float) -> str:
        return self.fmt.percent(value)

    def number(self, value: float) -> str:
        return self.fmt.number(value)

    def month(self, t: int) -> str:
        return short_month(self.result.months[t] if 0 <= t < self.n else month_label(self.plan.start, t))

    def noun(self, k: int) -> str:
        return "deals" if k == self.k else plural(self.plan.stages[k].name)

    # --- series -----------------------------------------------------------
    def gross(self, k: int) -> FloatArray:
        """Stage requirement in plan months (``G_k``; ``W`` for the last)."""
        return self.result.stage_required[k]

    def net(self, k: int) -> FloatArray:
        """``Q_k = max(0, G_k - Free_k)`` in plan months (``W`` for the last)."""
        return net_required(self.plan, self.result, k)

    def pre(self, k: int) -> float:
        return 0.0 if k == self.k else float(self.result.pre_plan[k])

    def gross_all(self, k: int) -> float:
        """Total entering ``S_k`` over all months, pre-plan included."""
        return float(self.gross(k).sum()) + self.pre(k)

    def net_all(self, k: int) -> float:
        # before the plan there are no free sources: net equals gross there
        return float(self.net(k).sum()) + self.pre(k)

    def net_at(self, k: int, s: int) -> float:
        """``Q_k[s]``; zero after the plan (nothing is required there)."""
        if s >= self.n:
            return 0.0
        return float(self.net(k)[s])

    def rate_text(self, k: int) -> str:
        """The rate of transition ``k`` and where it comes from."""
        rate = self.result.effective_rates[k]
        step = f"{self.plan.stages[k].name} \u2192 {self.plan.stages[k + 1].name}"
        spec = self.plan.lead_spec
        if spec is not None and self.result.gate_index == k + 1:
            entered = self.plan.stages[k].rate
            replaced = f", replacing the entered {self.pct(entered)}" if entered is not None else ""
            return f"{self.pct(rate)} ({step}: lead spec pass rate{replaced})"
        return f"{self.pct(rate)} ({step})"

    def lag_text(self, k: int) -> str:
        """``MQL -> SQL takes 21 days (0.69 months): 31% in the same month, 69% one month later``."""
        lag = self.lags[k]
        days = float(self.plan.stages[k].lag_days or 0.0)
        months = days / DAYS_PER_MONTH
        head = f"{self.plan.stages[k].name} \u2192 {self.plan.stages[k + 1].name} takes {self.fmt.number(days)} days"
        head += f" ({self.fmt.number(months)} months)"

        def later(a: int) -> str:
            return "in the same month" if a == 0 else ("one month later" if a == 1 else f"{a} months later")

        if lag.fraction <= 0:
            return f"{head}: all arrive {later(lag.whole)}"
        return (
            f"{head}: {self.pct(1 - lag.fraction)} arrive {later(lag.whole)},"
            f" {self.pct(lag.fraction)} {later(lag.whole + 1)}"
        )

    def free_text(self, k: int) -> str:
        names = self.free_names[k]
        return ", ".join(names) if names else "free sources"


def _listing(parts: list[str]) -> str:
    if len(parts) <= _LIST_LIMIT:
        return " + ".join(parts)
    return " + ".join(parts[:_LIST_LIMIT]) + f" + {len(parts) - _LIST_LIMIT} more"


# --- deals and stages ---------------------------------------------------------


def _deal_steps(c: _Context, month: int | None) -> list[Step]:
    plan, result = c.plan, c.result
    sel = slice(None) if month is None else slice(month, month + 1)
    target = float(result.revenue_target[sel].sum())
    steps = [Step("Revenue target", target, "money")]
    pipeline = np.asarray(plan.pipeline_revenue or (0.0,) * c.n, dtype=float)[sel]
    if float(pipeline.sum()) > 0:
        to_win = float(np.maximum(0.0, result.revenue_target[sel] - pipeline).sum())
        covered = target - float(pipeline.sum()) != to_win
        note = " (a month the pipeline more than covers counts as 0)" if covered else ""
        steps.append(
            Step(
                f"\u2212 {c.money(float(pipeline.sum()))} revenue already forecast from the open pipeline{note}"
                f" = {c.money(to_win)} still to win",
                to_win,
                "money",
                "" if covered else "-",
                None if covered else float(pipeline.sum()),
            )
        )
    deals = float(result.deals_required[sel].sum())
    steps.append(
        Step(
            f"\u00f7 average deal size {c.money(plan.avg_deal_size)} = {c.count(deals)} deals",
            deals,
            "count",
            "/",
            plan.avg_deal_size,
        )
    )
    return steps


def _free_step(c: _Context, k: int, gross: float, net: float) -> Step | None:
    """``- free volume`` taking gross to net (None without free volume used)."""
    used = gross - net
    if not c.free_names[k] or used <= 0:
        return None
    return Step(
        f"\u2212 {c.count(used)} arriving free ({c.free_text(k)}) = {c.count(net)} {c.noun(k)} to buy or convert",
        net,
        "count",
        "-",
        used,
    )


def _stage_total_steps(c: _Context, k: int) -> list[Step]:
    """Chain to the total entering ``S_k`` over all months (pre-plan included)."""
    steps = _deal_steps(c, None)
    for j in range(c.k - 1, k - 1, -1):
        gross = c.gross_all(j)
        text = f"\u00f7 {c.rate_text(j)} = {c.count(gross)} {c.noun(j)}"
        if c.lags[j].whole or c.lags[j].fraction:
            text += f"; {c.lag_text(j)}"
        if c.pre(j) > 0:
            text += f" ({c.count(c.pre(j))} of them before the plan starts)"
        steps.append(Step(text, gross, "count", "/", c.result.effective_rates[j]))
        if j > k:
            free = _free_step(c, j, gross, c.net_all(j))
            if free is not None:
                steps.append(free)
    return steps


def _split_pre_plan(c: _Context, k: int, steps: list[Step]) -> list[Step]:
    """Last step: the plan months' total once the pre-plan part is split off."""
    pre = c.pre(k)
    if pre <= 0:
        return steps
    in_plan = float(c.gross(k).sum())
    steps.append(
        Step(
            f"\u2212 {c.count(pre)} that must enter before the plan starts (pre-plan) ="
            f" {c.count(in_plan)} {c.noun(k)} in the plan's months",
            in_plan,
            "count",
            "-",
            pre,
        )
    )
    return steps


def _stage_month_steps(c: _Context, k: int, t: int) -> list[Step]:
    """Chain to ``G_k[t]`` following the months the lags point to."""
    if k == c.k:
        return _deal_steps(c, t)
    value = float(c.gross(k)[t])
    lag = c.lags[k]
    a, f = lag.whole, lag.fraction
    rate = c.result.effective_rates[k]
    first = t + a
    steps: list[Step]
    if f <= 0:
        if first >= c.n:
            return [
                Step(
                    f"{c.noun(k)} entering in {c.month(t)} would reach {c.plan.stages[k + 1].name} in"
                    f" {c.month(first)}, after the plan ends: nothing is required",
                    value,
                )
            ]
        steps = _stage_month_steps(c, k + 1, first)
        above = c.net_at(k + 1, first)
        if k + 1 < c.k:
            free = _free_step(c, k + 1, float(c.gross(k + 1)[first]), above)
            if free is not None:
                steps.append(free)
        text = f"\u00f7 {c.rate_text(k)} = {c.count(value)} {c.noun(k)}"
        if a:
            text += f" in {c.month(t)}; {c.lag_text(k)}"
        steps.append(Step(text, value, "count", "/", rate))
        return steps
    # a fractional lag blends two months of the next stage
    q1, q2 = c.net_at(k + 1, first), c.net_at(k + 1, first + 1)
    noun = c.noun(k + 1)
    blend = (1 - f) * q1 + f * q2
    steps = [
        Step(f"{noun} needed in {c.month(first)}" + (" (after the plan: none)" if first >= c.n else ""), q1),
        Step(f"{noun} needed in {c.month(first + 1)}" + (" (after the plan: none)" if first + 1 >= c.n else ""), q2),
        Step(
            f"{c.lag_text(k)}; so {c.pct(1 - f)} \u00d7 {c.count(q1)} + {c.pct(f)} \u00d7 {c.count(q2)}"
            f" = {c.number(blend)} {noun} come from {c.noun(k)} entering in {c.month(t)}",
            blend,
            "number",
        ),
        Step(f"\u00f7 {c.rate_text(k)} = {c.count(value)} {c.noun(k)}", value, "count", "/", rate),
    ]
    return steps


def _stage(c: _Context, k: int, month: int | None) -> list[Step]:
    if month is not None:
        return _stage_month_steps(c, k, month)
    if k == c.k:
        return _deal_steps(c, None)
    return _split_pre_plan(c, k, _stage_total_steps(c, k))


# --- paid leads, channels, spend -----------------------------------------------


def _rb_text(c: _Context) -> str:
    rates = c.result.effective_rates
    parts = [f"{c.pct(ch.mix)} \u00d7 {c.pct(ch.rate if ch.rate is not None else rates[0])}" for ch in c.plan.channels]
    return f"blended paid rate {_listing(parts)} = {c.pct(c.result.blended_paid_rate)}"


def _paid_steps(c: _Context, month: int | None) -> list[Step]:
    """Chain to paid raw leads (plan months, or one month)."""
    r = c.result
    c0, rb = r.effective_rates[0], r.blended_paid_rate
    if month is None:
        steps = _stage_total_steps(c, 0)
        gross, net = c.gross_all(0), c.net_all(0)
        paid_all = float(r.paid_leads.sum()) + r.paid_leads_pre_plan
    else:
        steps = _stage_month_steps(c, 0, month)
        gross, net = float(c.gross(0)[month]), float(c.net(0)[month])
        paid_all = float(r.paid_leads[month])
    free = _free_step(c, 0, gross, net)
    if free is not None:
        steps.append(free)
    raw = c.noun(0)
    if c.plan.channels and abs(rb - c0) > 1e-15:
        steps.append(
            Step(
                f"\u00d7 {c.pct(c0)} / {c.pct(rb)}: paid {raw.lower()} convert at the channels' {_rb_text(c)}"
                f" instead of {c.pct(c0)} = {c.count(paid_all)} paid {raw.lower()}",
                paid_all,
                "count",
                "*",
                c0 / rb,
            )
        )
    else:
        steps.append(Step(f"= {c.count(paid_all)} paid {raw.lower()}", paid_all))
    if month is None and r.paid_leads_pre_plan > 0:
        in_plan = float(r.paid_leads.sum())
        steps.append(
            Step(
                f"\u2212 {c.count(r.paid_leads_pre_plan)} bought before the plan starts (pre-plan) ="
                f" {c.count(in_plan)} in the plan's months",
                in_plan,
                "count",
                "-",
                r.paid_leads_pre_plan,
            )
        )
    return steps


def _channel_index(c: _Context, name: str) -> int:
    wanted = name.strip().casefold()
    for j, channel in enumerate(c.plan.channels):
        if channel.name.strip().casefold() == wanted:
            return j
    raise ValueError(f"The plan has no channel called {name!r}.")


def _channel_leads_steps(c: _Context, j: int, month: int | None) -> list[Step]:
    steps = _paid_steps(c, month)
    ch = c.plan.channels[j]
    leads = c.result.channel_leads[j]
    value = float(leads.sum()) if month is None else float(leads[month])
    steps.append(
        Step(
            f"\u00d7 {c.pct(ch.mix)} channel mix = {c.count(value)} leads from {ch.name}",
            value,
            "count",
            "*",
            ch.mix,
        )
    )
    return steps


def _channel_spend_steps(c: _Context, j: int, month: int | None) -> list[Step]:
    steps = _channel_leads_steps(c, j, month)
    ch = c.plan.channels[j]
    spend = c.result.spend[j]
    fixed_series = np.asarray(ch.fixed_cost, dtype=float)
    fixed = float(fixed_series.sum()) if month is None else float(fixed_series[month])
    value = float(spend.sum()) if month is None else float(spend[month])
    variable = value - fixed
    steps.append(
        Step(
            f"\u00d7 {c.money(ch.cost_per_lead)} cost per lead = {c.money(variable)}",
            variable,
            "money",
            "*",
            ch.cost_per_lead,
        )
    )
    if fixed:
        steps.append(
            Step(f"+ {c.money(fixed)} fixed cost = {c.money(value)} spend on {ch.name}", value, "money", "+", fixed)
        )
    return steps


def _spend_total_steps(c: _Context, month: int | None) -> list[Step]:
    r = c.result
    steps = _paid_steps(c, month)
    per_lead = sum(ch.mix * ch.cost_per_lead for ch in c.plan.channels)
    leads = steps[-1].value
    variable = leads * per_lead
    parts = [f"{c.pct(ch.mix)} \u00d7 {c.money(ch.cost_per_lead)}" for ch in c.plan.channels]
    steps.append(
        Step(
            f"\u00d7 {c.money(per_lead)} average cost per lead (channel mix: {_listing(parts)}) = {c.money(variable)}",
            variable,
            "money",
            "*",
            per_lead,
        )
    )
    total = float(r.spend_total.sum()) if month is None else float(r.spend_total[month])
    fixed = sum(
        float(np.asarray(ch.fixed_cost, dtype=float)[slice(None) if month is None else month].sum())
        for ch in c.plan.channels
    )
    if fixed:
        steps.append(Step(f"+ {c.money(fixed)} fixed costs = {c.money(total)} spend", total, "money", "+", fixed))
    return steps


def _budget_gap_steps(c: _Context, month: int | None) -> list[Step]:
    r = c.result
    if r.approved_budget is None or r.budget_gap is None:
        raise ValueError("The plan has no approved budget: enter one to see the budget gap.")
    steps = _spend_total_steps(c, month)
    sel = slice(None) if month is None else slice(month, month + 1)
    budget = float(r.approved_budget[sel].sum())
    gap = float(r.budget_gap[sel].sum())
    what = "funding to request" if gap > 0 else "left unspent"
    steps.append(
        Step(
            f"\u2212 {c.money(budget)} approved budget = {c.money(gap)} budget gap ({what})", gap, "money", "-", budget
        )
    )
    return steps


# --- funded projection, spec change -------------------------------------------


def _gate(c: _Context) -> int:
    if c.result.gate_index is None or c.plan.lead_spec is None:
        raise ValueError("The plan has no lead spec: set one on a gate stage to see the qualified-lead figures.")
    return c.result.gate_index


def _funded_leads_steps(c: _Context, month: int | None) -> list[Step]:
    """How many paid leads the approved budget buys (funded projection)."""
    r = c.result
    assert r.funded is not None and r.approved_budget is not None
    sel = slice(None) if month is None else slice(month, month + 1)
    required = float(r.paid_leads[sel].sum())
    bought = float(r.funded.paid_leads[sel].sum())
    per_lead = sum(ch.mix * ch.cost_per_lead for ch in c.plan.channels)
    fixed = sum(float(np.asarray(ch.fixed_cost, dtype=float)[sel].sum()) for ch in c.plan.channels)
    budget = float(r.approved_budget[sel].sum())
    raw = c.noun(0).lower()
    left = budget - fixed if month is None else max(0.0, budget - fixed)
    floor = "" if month is None or budget >= fixed else " (nothing left for leads)"
    steps = [Step(f"Approved budget {c.money(budget)} \u2212 {c.money(fixed)} fixed costs{floor}", left, "money")]
    if per_lead > 0:
        affordable = max(0.0, budget - fixed) / per_lead if month is not None else None
        if affordable is not None:
            steps.append(
                Step(
                    f"\u00f7 {c.money(per_lead)} average cost per lead = {c.count(affordable)} paid {raw} affordable",
                    affordable,
                    "count",
                    "/",
                    per_lead,
                )
            )
    steps.append(
        Step(
            f"The budget buys {c.count(bought)} of the {c.count(required)} paid {raw} required"
            + (" (each month: the lesser of the two)" if month is None else ""),
            bought,
        )
    )
    return steps


def _gate_deficit_steps(c: _Context, month: int | None) -> list[Step]:
    g = _gate(c)
    r = c.result
    if r.funded is None or r.funded.gate_deficit is None:
        raise ValueError("The plan has no approved budget: enter one to see the qualified-lead deficit.")
    sel = slice(None) if month is None else slice(month, month + 1)
    noun = c.noun(g)
    required = float(c.gross(g)[sel].sum())
    delivered = float(r.funded.stage_volume[g][sel].sum())
    deficit = float(r.funded.gate_deficit[sel].sum())
    steps = _funded_leads_steps(c, month)
    steps.append(
        Step(
            f"These leads and the free sources, through the rates and lags (pass rate {c.pct(r.effective_rates[g - 1])}"
            f" into {c.plan.stages[g].name}), bring {c.count(delivered)} {noun}"
            + ("" if month is None else f" in {c.month(month)}"),
            delivered,
        )
    )
    steps.append(Step(f"{noun} required: {c.count(required)}", required))
    steps.append(
        Step(
            f"{c.count(required)} required \u2212 {c.count(delivered)} delivered = {c.count(deficit)}"
            f" qualified-lead deficit" + (" (negative: surplus)" if deficit < 0 else ""),
            deficit,
        )
    )
    return steps


def _revenue_gap_steps(c: _Context, month: int | None) -> list[Step]:
    r = c.result
    if r.funded is None:
        raise ValueError("The plan has no approved budget: enter one to see the revenue the budget funds.")
    sel = slice(None) if month is None else slice(month, month + 1)
    steps = _funded_leads_steps(c, month)
    won = float(r.funded.stage_volume[-1][sel].sum())
    from_deals = won * c.plan.avg_deal_size
    revenue = float(r.funded.revenue[sel].sum())
    pipeline = revenue - from_deals
    target = float(r.revenue_target[sel].sum())
    gap = float(r.funded.revenue_gap[sel].sum())
    steps.append(Step(f"They become {c.count(won)} deals within the plan", won))
    steps.append(
        Step(
            f"\u00d7 {c.money(c.plan.avg_deal_size)} average deal size = {c.money(from_deals)}",
            from_deals,
            "money",
            "*",
            c.plan.avg_deal_size,
        )
    )
    if pipeline:
        steps.append(
            Step(f"+ {c.money(pipeline)} pipeline = {c.money(revenue)} funded revenue", revenue, "money", "+", pipeline)
        )
    steps.append(Step(f"Revenue target {c.money(target)}", target, "money"))
    steps.append(Step(f"{c.money(target)} \u2212 {c.money(revenue)} = {c.money(gap)} revenue gap", gap, "money"))
    return steps


def _spec_change(c: _Context) -> tuple[int, str]:
    ch = c.result.spec_change
    if ch is None:
        raise ValueError("The plan has no proposed lead spec: propose one to see what it changes.")
    g = c.plan.stage_index(ch.gate)
    assert g is not None
    return g, ch.gate


def _spec_deficit_steps(c: _Context, month: int | None) -> list[Step]:
    """With a budget: the deficit the plan shows after adopting the proposal (figures.SpecChangeFigures);
    without one: today's required paid flow under the proposed spec (funnel-math's definition)."""
    g, gate = _spec_change(c)
    ch = c.result.spec_change
    assert ch is not None
    sel = slice(None) if month is None else slice(month, month + 1)
    noun = plural(gate)
    required = float(c.gross(g)[sel].sum())
    adopted = adopted_result(c.plan, c.result)
    if adopted is not None and adopted.funded is not None and adopted.funded.gate_deficit is not None:
        delivered = float(adopted.funded.stage_volume[g][sel].sum())
        deficit = float(adopted.funded.gate_deficit[sel].sum())
        first = Step(
            f"After adopting the proposed spec (pass rate {c.pct(ch.pass_rate_proposed)}), the approved budget's"
            f" leads bring {c.count(delivered)} {noun}",
            delivered,
        )
        last = "qualified-lead deficit after adopting it" + (" (negative: surplus)" if deficit < 0 else "")
    else:
        current = float(ch.gate_volume_current[sel].sum())
        delivered = float(ch.gate_volume_proposed[sel].sum())
        deficit = float(ch.gate_deficit[sel].sum())
        first = Step(
            f"Today's required paid lead flow brings {c.count(current)} {noun} at {c.pct(ch.pass_rate_current)};"
            f" under the proposed spec (pass rate {c.pct(ch.pass_rate_proposed)}) {c.count(delivered)}",
            delivered,
        )
        last = "qualified sales lead deficit"
    return [
        first,
        Step(f"{noun} required: {c.count(required)}", required),
        Step(f"{c.count(required)} \u2212 {c.count(delivered)} = {c.count(deficit)} {last}", deficit),
    ]


def _spec_extra_steps(c: _Context, month: int | None, money: bool) -> list[Step]:
    _spec_change(c)
    r = c.result
    ch = r.spec_change
    assert ch is not None
    sel = slice(None) if month is None else slice(month, month + 1)
    raw = c.noun(0).lower()
    current = float(r.paid_leads[sel].sum())
    proposed = float(ch.paid_leads[sel].sum())
    extra = float(ch.extra_paid_leads[sel].sum())
    steps = [
        Step(f"Paid {raw} required today: {c.count(current)}", current),
        Step(
            f"Under the proposed spec (pass rate {c.pct(ch.pass_rate_proposed)} instead of"
            f" {c.pct(ch.pass_rate_current)}): {c.count(proposed)}",
            proposed,
        ),
        Step(f"{c.count(proposed)} \u2212 {c.count(current)} = {c.count(extra)} extra paid {raw}", extra),
    ]
    if money:
        now = float(r.spend_total[sel].sum())
        new = float(ch.spend_total[sel].sum())
        more = float(ch.extra_spend[sel].sum())
        steps += [
            Step(f"Spend today {c.money(now)}", now, "money"),
            Step(f"Spend under the proposed spec {c.money(new)}", new, "money"),
            Step(f"{c.money(new)} \u2212 {c.money(now)} = {c.money(more)} extra budget", more, "money"),
        ]
    return steps


# --- capacity, lead spec --------------------------------------------------------


def peak_month(result: PlanResult) -> int | None:
    """The month of the highest sales utilization (None without capacity)."""
    if result.sales_utilization is None or len(result.sales_utilization) == 0:
        return None
    return int(np.argmax(result.sales_utilization))


def _utilization_steps(c: _Context, month: int | None) -> list[Step]:
    r = c.result
    if r.sales_utilization is None or r.sales_demand is None or c.plan.sales_hours_available is None:
        raise ValueError("The plan has no sales hours available: enter them to see sales utilization.")
    t = peak_month(r) if month is None else month
    assert t is not None
    steps: list[Step] = []
    for k, stage in enumerate(c.plan.stages):
        if stage.sales_hours > 0:
            volume = float(c.gross(k)[t])
            hours = stage.sales_hours * volume
            steps.append(
                Step(
                    f"{c.count(volume)} {c.noun(k)} \u00d7 {c.fmt.number(stage.sales_hours)} h = {c.fmt.number(hours)} h",
                    hours,
                    "hours",
                )
            )
    demand = float(r.sales_demand[t])
    available = float(c.plan.sales_hours_available[t])
    util = float(r.sales_utilization[t])
    steps.append(Step(f"Sales time needed in {c.month(t)}: {c.fmt.number(demand)} h", demand, "hours"))
    steps.append(
        Step(
            f"\u00f7 {c.fmt.number(available)} h available = {c.pct(util)} utilization"
            + (" (more than sales can work)" if util > 1 else ""),
            util,
            "rate",
            "/",
            available,
        )
    )
    return steps


def _pass_rate_steps(c: _Context) -> list[Step]:
    g = _gate(c)
    spec = c.plan.lead_spec
    assert spec is not None
    rate = float(c.result.effective_rates[g - 1])
    if spec.pass_rate_source == "empirical" and spec.empirical is not None:
        emp = spec.empirical
        return [
            Step(
                f"Measured on {c.count(emp.sample)} imported leads reaching {spec.gate}: {c.pct(rate)} qualified"
                " (the measured rate is in force, not the criteria model)",
                rate,
                "rate",
            )
        ]
    dist = score_distribution(spec.criteria)
    required = [cr for cr in spec.criteria if cr.required]
    chance = dist.chance_at_least(spec.threshold)
    scored = len(spec.criteria) - len(required)
    steps = [
        Step(
            f"A lead reaching {spec.gate} scores at least {c.number(spec.threshold)} points on the {scored} scored"
            f" criteria with a chance of {c.pct(chance)} (exact score distribution)",
            chance,
            "rate",
        )
    ]
    if required:
        parts = [f"{cr.name} {c.pct(cr.share)}" for cr in required]
        steps.append(
            Step(
                f"\u00d7 {c.pct(dist.required_share)} that meet every required criterion ({_listing(parts)})"
                f" = {c.pct(rate)} pass rate",
                rate,
                "rate",
                "*",
                dist.required_share,
            )
        )
    else:
        steps.append(Step(f"= {c.pct(rate)} pass rate", rate, "rate"))
    entered = c.plan.stages[g - 1].rate
    if entered is not None:
        steps.append(
            Step(
                f"It replaces the entered {c.plan.stages[g - 1].name} \u2192 {spec.gate} rate of {c.pct(entered)}",
                rate,
                "rate",
            )
        )
    return steps


def _pre_plan_steps(c: _Context, k: int) -> list[Step]:
    if k >= c.k:
        raise ValueError("Deals have no pre-plan requirement: choose a stage above the last.")
    steps = _stage_total_steps(c, k)
    in_plan = float(c.gross(k).sum())
    pre = c.pre(k)
    reach = sum(lag.reach for lag in c.lags[k:])
    steps.append(
        Step(
            f"\u2212 {c.count(in_plan)} entering in the plan's months = {c.count(pre)} {c.noun(k)} that must enter"
            f" before {c.month(0)} (up to {reach} months earlier) for the first months' deals",
            pre,
            "count",
            "-",
            in_plan,
        )
    )
    return steps


# --- entry point ----------------------------------------------------------------


def _stage_arg(c: _Context, name: str) -> int:
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
}


def explain(
    plan: Plan, result: PlanResult, figure: str, month: int | None = None, fmt: NumberFormat | None = None
) -> Explanation:
    """Explain ``figure`` (see the module docstring for names) for the plan
    total (``month=None``) or one month ``0 .. N-1``.

    Raises ValueError for an unknown figure, a month outside the plan, or a
    figure the plan does not have.
    """
    c = _Context(plan, result, fmt or NumberFormat())
    if month is not None and not 0 <= month < c.n:
        raise ValueError(f"Month {month} is outside the plan (0 to {c.n - 1}).")
    kind, _, arg = figure.partition(":")
    title = _TITLES.get(kind, "")
    if kind == "deals":
        steps = _stage(c, c.k, month)
    elif kind == "stage":
        k = _stage_arg(c, arg)
        steps = _stage(c, k, month)
        title = f"{c.noun(k)} needed" if k < c.k else "Deals needed"
    elif kind == "pre_plan":
        k = _stage_arg(c, arg)
        steps = _pre_plan_steps(c, k)
        title = f"Pre-plan requirement: {c.noun(k)}"
        month = None
    elif kind == "paid_leads":
        steps = _paid_steps(c, month)
    elif kind == "channel_leads":
        j = _channel_index(c, arg)
        steps = _channel_leads_steps(c, j, month)
        title = f"Leads from {plan.channels[j].name}"
    elif kind == "spend":
        j = _channel_index(c, arg)
        steps = _channel_spend_steps(c, j, month)
        title = f"Spend on {plan.channels[j].name}"
    elif kind == "spend_total":
        steps = _spend_total_steps(c, month)
    elif kind == "budget_gap":
        steps = _budget_gap_steps(c, month)
    elif kind == "gate_deficit":
        steps = _gate_deficit_steps(c, month)
    elif kind == "revenue_gap":
        steps = _revenue_gap_steps(c, month)
    elif kind == "utilization":
        steps = _utilization_steps(c, month)
        if month is None:
            month = peak_month(result)
            title = "Peak sales utilization"
    elif kind == "pass_rate":
        steps = _pass_rate_steps(c)
        month = None
    elif kind == "spec_deficit":
        steps = _spec_deficit_steps(c, month)
    elif kind in ("spec_extra_leads", "spec_extra_spend"):
        steps = _spec_extra_steps(c, month, kind == "spec_extra_spend")
    else:
        raise ValueError(f"Unknown figure {figure!r}.")
    when = "plan total" if month is None else c.month(month)
    return Explanation(f"{title} ({when})", tuple(steps), figure, month)
