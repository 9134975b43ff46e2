"""Money: paid leads, each channel's leads and spend, total spend and the
budget gap."""

from __future__ import annotations

import numpy as np

from core.calc.explain.common import Context, Step, listing
from core.calc.explain.requirements import free_step, stage_month_steps, stage_total_steps


def rb_text(c: Context) -> str:
    rates = c.result.effective_rates
    parts = [f"{c.pct(ch.mix)} \u00d7 {c.pct(ch.rate if ch.rate is not None else rates[0])}" for ch in c.plan.channels]
    return f"blended paid rate {listing(parts)} = {c.pct(c.result.blended_paid_rate)}"


def paid_steps(c: Context, month: int | None) -> list[Step]:
    """Chain to paid raw leads (plan months, or one month)."""
    r = c.result
    c0, rb = r.effective_rates[0], r.blended_paid_rate
    paid_grid = c.basis.req.paid
    if month is None:
        steps = stage_total_steps(c, 0)
        gross, net = c.gross_all(0), c.net_all(0)
        paid_all = float(paid_grid.sum())
    else:
        steps = stage_month_steps(c, 0, month)
        gross, net = float(c.gross(0)[month]), float(c.net(0)[month])
        paid_all = float(r.paid_leads[month])
    free = free_step(c, 0, gross, net)
    if free is not None:
        steps.append(free)
    raw = c.noun(0).lower()
    if c.plan.channels and abs(rb - c0) > 1e-15:
        steps.append(
            Step(
                f"\u00d7 {c.pct(c0)} / {c.pct(rb)}: paid {raw} convert at the channels' {rb_text(c)}"
                f" instead of {c.pct(c0)} = {c.count(paid_all)} paid {raw}",
                paid_all,
                "count",
                "*",
                c0 / rb,
            )
        )
    else:
        steps.append(Step(f"= {c.count(paid_all)} paid {raw}", paid_all))
    if month is None:
        after = float(c.grid.beyond(paid_grid).sum())
        if after > 0:
            left = paid_all - after
            steps.append(
                Step(
                    f"\u2212 {c.count(after)} bought after the plan ends (for deals after it) = {c.count(left)}",
                    left,
                    "count",
                    "-",
                    after,
                )
            )
        if r.paid_leads_pre_plan > 0:
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


def channel_index(c: Context, name: str) -> int:
    wanted = name.strip().casefold()
    for j, channel in enumerate(c.plan.channels):
        if channel.name.strip().casefold() == wanted:
            return j
    raise ValueError(f"The plan has no channel called {name!r}.")


def channel_leads_steps(c: Context, j: int, month: int | None) -> list[Step]:
    steps = paid_steps(c, month)
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


def channel_spend_steps(c: Context, j: int, month: int | None) -> list[Step]:
    steps = channel_leads_steps(c, j, month)
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


def spend_total_steps(c: Context, month: int | None) -> list[Step]:
    r = c.result
    steps = paid_steps(c, month)
    per_lead = sum(ch.mix * ch.cost_per_lead for ch in c.plan.channels)
    leads = steps[-1].value
    variable = leads * per_lead
    parts = [f"{c.pct(ch.mix)} \u00d7 {c.money(ch.cost_per_lead)}" for ch in c.plan.channels]
    steps.append(
        Step(
            f"\u00d7 {c.money(per_lead)} average cost per lead (channel mix: {listing(parts)}) = {c.money(variable)}",
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


def budget_gap_steps(c: Context, month: int | None) -> list[Step]:
    r = c.result
    if r.approved_budget is None or r.budget_gap is None:
        raise ValueError("The plan has no approved budget: enter one to see the budget gap.")
    steps = spend_total_steps(c, month)
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
