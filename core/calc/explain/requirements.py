"""Requirements: deals from the revenue target, each stage's requirement
(plan total or one month, through the rates and lags) and the pre-plan part."""

from __future__ import annotations

import numpy as np

from core.calc.explain.common import Context, Step


def deal_steps(c: Context, month: int | None) -> list[Step]:
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


def free_step(c: Context, k: int, gross: float, net: float) -> Step | None:
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


def after_plan_deal_steps(c: Context) -> Step | None:
    """``+ deals after the plan`` (far edge), None when nothing is required after it."""
    after = c.result.after_plan
    deals = float(after.deals_required.sum())
    if deals <= 0:
        return None
    total = float(c.gross_all(c.k))
    return Step(
        f"+ {c.count(deals)} deals in the {after.months} months after the plan (the target is assumed to go on:"
        f" their leads enter during the plan) = {c.count(total)} deals",
        total,
        "count",
        "+",
        deals,
    )


def stage_total_steps(c: Context, k: int) -> list[Step]:
    """Chain to the total entering ``S_k`` over all months (before, in and after the plan)."""
    steps = deal_steps(c, None)
    extra = after_plan_deal_steps(c)
    if extra is not None:
        steps.append(extra)
    for j in range(c.k - 1, k - 1, -1):
        gross = c.gross_all(j)
        text = f"\u00f7 {c.rate_text(j)} = {c.count(gross)} {c.noun(j)}"
        if not c.same_month(j):
            text += f"; {c.lag_text(j)}"
        if c.pre(j) > 0:
            text += f" ({c.count(c.pre(j))} of them before the plan starts)"
        steps.append(Step(text, gross, "count", "/", c.rate(j)))
        if j > k:
            free = free_step(c, j, gross, c.net_all(j))
            if free is not None:
                steps.append(free)
    return steps


def split_after_plan(c: Context, k: int, steps: list[Step]) -> list[Step]:
    """``- entering after the plan`` (for deals after it), when there is any."""
    after = c.after(k)
    if after <= 0:
        return steps
    value = steps[-1].value - after
    steps.append(
        Step(
            f"\u2212 {c.count(after)} entering after the plan ends (for deals after it) = {c.count(value)}",
            value,
            "count",
            "-",
            after,
        )
    )
    return steps


def split_pre_plan(c: Context, k: int, steps: list[Step]) -> list[Step]:
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


def deal_month_steps(c: Context, t: int) -> list[Step]:
    """Deals needed in month ``t``: from the target in the plan, from the far edge after it."""
    if t < c.n:
        return deal_steps(c, t)
    after = c.result.after_plan
    i = t - c.n
    if after.mode == "none" or i >= after.months:
        why = "a one-off campaign" if after.mode == "none" else f"beyond the {after.months} months the plan looks ahead"
        return [Step(f"Deals needed in {c.month(t)}, after the plan: none ({why})", 0.0)]
    target = float(after.revenue_target[i])
    deals = c.gross_at(c.k, t)
    span = min(12, c.n)
    growth = c.plan.after_plan.growth
    grown = f", grown {c.pct(growth)} a cycle" if growth else ""
    return [
        Step(
            f"Revenue target assumed for {c.month(t)}, after the plan ({c.month(c.n - span + i % span)}'s"
            f" again{grown})",
            target,
            "money",
        ),
        Step(
            f"\u00f7 average deal size {c.money(c.plan.avg_deal_size)} = {c.count(deals)} deals",
            deals,
            "count",
            "/",
            c.plan.avg_deal_size,
        ),
    ]


def stage_month_steps(c: Context, k: int, t: int) -> list[Step]:
    """Chain to ``G_k[t]``: from the next stage's months ``t .. t+J`` with the weights ``K[j]/R``."""
    if k == c.k:
        return deal_month_steps(c, t)
    value = c.gross_at(k, t)
    shares = c.shares(k)
    if len(shares) == 1:
        return _one_month_steps(c, k, t, shares[0][0], value)
    noun, upper = c.noun(k + 1), c.noun(k)
    steps: list[Step] = []
    for j, w in shares[:LISTED]:
        q = c.net_at(k + 1, t + j)
        where = " (after the plan)" if t + j >= c.n else ""
        steps.append(
            Step(
                f"{noun} needed in {c.month(t + j)}{where}: {c.count(q)};"
                f" {c.pct(w)} of the {upper} entering in {c.month(t)} that convert arrive then",
                q,
            )
        )
    blend = sum(w * c.net_at(k + 1, t + j) for j, w in shares)
    rest = shares[LISTED:]
    others = f" (the {len(rest)} later months included)" if rest else ""
    steps.append(
        Step(
            f"Weighted by when they arrive{others}: {c.number(blend)} {noun} must come from {upper}"
            f" entering in {c.month(t)}; {c.lag_text(k)}",
            blend,
            "number",
        )
    )
    steps.append(Step(f"\u00f7 {c.rate_text(k)} = {c.count(value)} {upper}", value, "count", "/", c.rate(k)))
    return steps


LISTED = 4
"""How many of the next stage's months a spread chain lists one by one."""


def _one_month_steps(c: Context, k: int, t: int, j: int, value: float) -> list[Step]:
    """All of transition ``k`` arrives ``j`` months later: the chain of the next stage in month ``t+j``."""
    s = t + j
    if s - c.n >= c.grid.after:
        return [
            Step(
                f"{c.noun(k)} entering in {c.month(t)} would reach {c.plan.stages[k + 1].name} in"
                f" {c.month(s)}, beyond the months the plan looks ahead: nothing is required",
                value,
            )
        ]
    steps = stage_month_steps(c, k + 1, s)
    if k + 1 < c.k:
        free = free_step(c, k + 1, c.gross_at(k + 1, s), c.net_at(k + 1, s))
        if free is not None:
            steps.append(free)
    text = f"\u00f7 {c.rate_text(k)} = {c.count(value)} {c.noun(k)}"
    if j:
        text += f" in {c.month(t)}, for {c.noun(k + 1)} in {c.month(s)}; {c.lag_text(k)}"
    steps.append(Step(text, value, "count", "/", c.rate(k)))
    return steps


def stage(c: Context, k: int, month: int | None) -> list[Step]:
    if month is not None:
        return stage_month_steps(c, k, month)
    if k == c.k:
        return deal_steps(c, None)
    return split_pre_plan(c, k, split_after_plan(c, k, stage_total_steps(c, k)))


def pre_plan_steps(c: Context, k: int) -> list[Step]:
    if k >= c.k:
        raise ValueError("Deals have no pre-plan requirement: choose a stage above the last.")
    steps = split_after_plan(c, k, stage_total_steps(c, k))
    in_plan = float(c.gross(k).sum())
    pre = c.pre(k)
    reach = sum(kernel.reach for kernel in c.kernels[k:])
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
