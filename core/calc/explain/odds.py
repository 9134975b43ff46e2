"""How sure the plan is (funnel-math.md, "Uncertainty"): what the chance to
hit the target rests on, which rates were measured on how many items, and
the quantiles the draws give. Every number is the :class:`UncertaintyResult`'s
own (filled in by :func:`core.calc.outlook.with_uncertainty`)."""

from __future__ import annotations

import math
from collections.abc import Callable

from core.calc.explain.common import Context, Step
from core.calc.uncertainty_draws import UncertainRate


def spread(rate: UncertainRate) -> float:
    """One standard deviation of a rate measured on ``sample`` items: ``Beta(c*n, (1-c)*n)``'s,
    ``sqrt(c*(1-c)/(n+1))``."""
    c = rate.rate
    return math.sqrt(c * (1.0 - c) / (rate.sample + 1.0))


def _source_step(c: Context, rate: UncertainRate) -> Step:
    text = rate.describe()
    text = text[0].upper() + text[1:]
    if rate.drawn:
        text += f": give or take {c.number(spread(rate) * 100)} percentage points from draw to draw"
    else:
        text += ": it stays as it is in every draw"
    return Step(text, rate.rate, "rate")


def _triple(values: dict[str, float], keys: tuple[str, ...], show: Callable[[float], str]) -> str:
    return " \u00b7 ".join(f"{key.upper()} {show(values[key])}" for key in keys)


def odds_steps(c: Context) -> list[Step]:
    """The chain of the odds: the draws, each measured rate, the quantiles, the chance."""
    u = c.result.uncertainty
    if u is None:
        raise ValueError(
            "No rate of the plan says what it was measured on, so the plan is taken as certain. "
            "Enter 'Measured on (leads)' for a rate on the Funnel, Channels or Lead spec page to see how sure it is."
        )
    rested = f"Each of {c.count(float(u.draws))} draws (seed {u.seed}) redraws every rate measured on a sample"
    rested += " and works the plan out again; the rates without a sample are taken as entered."
    if u.ignored:
        rested += " Not used: " + "; ".join(u.ignored) + "."
    steps = [Step(rested, float(u.draws), "number")]
    steps += [_source_step(c, rate) for rate in u.sources]
    keys = ("p50", "p80", "p90")
    leads = u.paid_leads_total
    steps.append(
        Step(
            f"Paid leads needed: {_triple(leads, keys, c.count)} (the plan as entered: "
            f"{c.count(u.stated_paid_leads_total)}); in 8 of 10 draws {c.count(leads['p80'])} or fewer are enough",
            leads["p80"],
        )
    )
    spend = u.spend_total
    steps.append(
        Step(
            f"Budget needed: {_triple(spend, keys, c.money)} (the plan as entered: {c.money(u.stated_spend_total)}); "
            f"to be 80% sure of enough deals, request {c.money(spend['p80'])}",
            spend["p80"],
            "money",
        )
    )
    revenue, hit = u.funded_revenue_total, u.funded_hit_probability
    if revenue is None or hit is None:
        steps.append(
            Step(
                "No approved budget is entered, so there is no chance to hit the target to give; "
                f"the budget to request to be 80% sure is {c.money(spend['p80'])}",
                spend["p80"],
                "money",
            )
        )
        return steps
    steps.append(
        Step(
            f"Revenue the approved budget's leads bring in the plan: {_triple(revenue, ('p10', 'p50', 'p90'), c.money)}"
            f", against the target of {c.money(u.revenue_target_total)}",
            revenue["p50"],
            "money",
        )
    )
    steps.append(
        Step(
            f"Chance to hit the target with this budget: the share of the {c.count(float(u.draws))} draws "
            f"whose revenue reaches {c.money(u.revenue_target_total)} = {c.pct(hit)}",
            hit,
            "rate",
        )
    )
    return steps
