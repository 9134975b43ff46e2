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


def stage_total_steps(c: Context, k: int) -> list[Step]:
    """Chain to the total entering ``S_k`` over all months (pre-plan included)."""
    steps = deal_steps(c, None)
    for j in range(c.k - 1, k - 1, -1):
        gross = c.gross_all(j)
        text = f"\u00f7 {c.rate_text(j)} = {c.count(gross)} {c.noun(j)}"
        if c.lags[j].whole or c.lags[j].fraction:
            text += f"; {c.lag_text(j)}"
        if c.pre(j) > 0:
            text += f" ({c.count(c.pre(j))} of them before the plan starts)"
        steps.append(Step(text, gross, "count", "/", c.result.effective_rates[j]))
        if j > k:
            free = free_step(c, j, gross, c.net_all(j))
            if free is not None:
                steps.append(free)
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


def stage_month_steps(c: Context, k: int, t: int) -> list[Step]:
    """Chain to ``G_k[t]`` following the months the lags point to."""
    if k == c.k:
        return deal_steps(c, t)
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
        steps = stage_month_steps(c, k + 1, first)
        above = c.net_at(k + 1, first)
        if k + 1 < c.k:
            free = free_step(c, k + 1, float(c.gross(k + 1)[first]), above)
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


def stage(c: Context, k: int, month: int | None) -> list[Step]:
    if month is not None:
        return stage_month_steps(c, k, month)
    if k == c.k:
        return deal_steps(c, None)
    return split_pre_plan(c, k, stage_total_steps(c, k))


def pre_plan_steps(c: Context, k: int) -> list[Step]:
    if k >= c.k:
        raise ValueError("Deals have no pre-plan requirement: choose a stage above the last.")
    steps = stage_total_steps(c, k)
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
