"""How sure is the plan: P50 / P80 / P90 of the paid leads and spend it
requires, the funded revenue, and the chance to hit the target with the
approved budget (funnel-math.md, "Uncertainty").

Each draw draws every uncertain rate (:mod:`core.calc.uncertainty_draws`),
the spec's pass rate by the exact method (:mod:`core.calc.uncertainty_spec`),
and recomputes with the kernels of the drawn rates: the reverse pass (paid
leads and spend required) and, with an approved budget, the funded flow of
the plan at its stated rates run forward.

Vectorised over draws. A transition's kernel depends on its drawn rate only
by scaling fixed shapes: ``K = c*p``, or on the nurture transition ``K =
c*p + rho*(1-c)*(p*m)``. So a pass keeps a series as a sum of fixed monthly
vectors times per-draw coefficients (the timing is convolved once, not per
draw), and turns it into a ``(draws x months)`` matrix only where a free
source's ``max(0, G - Free)`` makes it non-linear. The forward pass is
linear throughout (its flow and free sources are fixed), so it never needs
the matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.calc.engine import basis
from core.calc.funnel import FloatArray, maturing
from core.calc.projections import Basis, bought_leads, funded_flow
from core.calc.results import PlanResult
from core.calc.uncertainty_draws import DrawnRates, RateSources, UncertainRate, draw_rates, rate_sources
from core.calc.uncertainty_spec import pass_rates
from core.model.plan import Plan, Uncertainty

LEADS_AND_SPEND = (0.5, 0.8, 0.9)
REVENUE = (0.1, 0.5, 0.9)
HIT_TOLERANCE = 1e-9
"""Relative: funded revenue within this of the target counts as reaching it
(the stated plan meets its target exactly up to rounding)."""

Terms = list[tuple[FloatArray, FloatArray]]
"""A series per draw as a sum of ``coefficient (draws) * vector (months)``."""


def _quantiles(values: FloatArray, levels: tuple[float, ...]) -> dict[str, float]:
    found = np.quantile(values, levels)
    return {f"p{round(q * 100)}": float(v) for q, v in zip(levels, found, strict=True)}


@dataclass(frozen=True, eq=False)
class UncertaintyResult:
    """The plan's odds over ``draws`` draws from ``seed``.

    ``paid_leads_total`` and ``spend_total``: p50, p80, p90 of the in-plan
    totals required (to be 80 % sure of enough deals, plan the p80).
    ``funded_revenue_total``: p10, p50, p90 of the in-plan revenue the
    approved budget's lead flow brings; ``funded_hit_probability``: the
    share of draws in which it reaches the in-plan target (both None
    without a budget). ``funded_revenue`` holds every draw's figure (for a
    distribution chart). ``sources`` says what the uncertainty rests on;
    ``ignored``, in words, the samples of rates not in force."""

    draws: int
    seed: int
    paid_leads_total: dict[str, float]
    spend_total: dict[str, float]
    funded_revenue_total: dict[str, float] | None
    funded_hit_probability: float | None
    stated_paid_leads_total: float
    stated_spend_total: float
    stated_funded_revenue_total: float | None
    revenue_target_total: float
    funded_revenue: FloatArray | None
    sources: tuple[UncertainRate, ...]
    ignored: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class _Transition:
    """Transition ``k``'s fixed shapes: its timing ``p`` (sum ``sp``) and,
    on the nurture transition, ``rho`` and ``p*m`` (sum ``spm``)."""

    p: FloatArray
    sp: float
    nurture: tuple[float, FloatArray, float] | None

    def parts(self, c: FloatArray) -> tuple[list[tuple[FloatArray, FloatArray]], FloatArray]:
        """``K = sum_i coef_i * shape_i`` for the drawn rates ``c``, and ``R = sum_j K[j]``."""
        if self.nurture is None:
            return [(self.p, c)], c * self.sp
        rho, pm, spm = self.nurture
        delayed = rho * (1.0 - c)
        return [(self.p, c), (pm, delayed)], c * self.sp + delayed * spm


def _transitions(plan: Plan, b: Basis) -> list[_Transition]:
    timings = b.req.funnel.timings
    out = [_Transition(p, float(p.sum()), None) for p in timings]
    h = plan.nurture_stage()
    nurture = plan.nurture
    if nurture is not None and h is not None and h >= 1:
        pm = np.convolve(timings[h - 1], maturing(nurture.maturity, nurture.decay, nurture.max_months))
        out[h - 1] = _Transition(timings[h - 1], float(timings[h - 1].sum()), (nurture.recycle, pm, float(pm.sum())))
    return out


def _reverse_1d(v: FloatArray, shape: FloatArray) -> FloatArray:
    """``out[s] = sum_j shape[j] * v[s+j]`` (beyond the end: 0)."""
    out: FloatArray = np.convolve(v[::-1], shape)[: len(v)][::-1]
    return out


def _reverse_matrix(m: FloatArray, shape: FloatArray) -> FloatArray:
    """:func:`_reverse_1d` on every row of ``m``."""
    n = m.shape[1]
    taps = np.flatnonzero(shape[:n])
    if len(taps) > 8:  # a long kernel: one product with its band matrix
        band = np.zeros((n, n))
        for j in taps:
            band[np.arange(j, n), np.arange(n - j)] = shape[j]
        out: FloatArray = m @ band
        return out
    out = np.zeros_like(m)
    for j in taps:
        out[:, : n - j] += shape[j] * m[:, j:]
    return out


def _materialize(terms: Terms) -> FloatArray:
    """The ``(draws x months)`` matrix of a sum of terms."""
    out: FloatArray = np.stack([coef for coef, _ in terms], axis=1) @ np.stack([vec for _, vec in terms])
    return out


def _forward_1d(v: FloatArray, shape: FloatArray) -> FloatArray:
    out: FloatArray = np.convolve(v, shape)[: len(v)]
    return out


@dataclass(frozen=True, eq=False)
class _Context:
    """What every chunk of draws shares: the stated plan's grid and inputs."""

    plan: Plan
    b: Basis
    transitions: list[_Transition]
    flow: FloatArray | None
    """The funded flow ``F`` of the stated plan up to the plan's end (None without a budget)."""
    free_forward: list[FloatArray]
    """The free sources up to the plan's end."""
    memo: dict[tuple[int, int, bool], tuple[FloatArray, FloatArray, FloatArray]] = field(default_factory=dict)

    def conv(self, vec: FloatArray, shape: FloatArray, reverse: bool) -> FloatArray:
        """:func:`_reverse_1d` or :func:`_forward_1d`, computed once for all chunks
        (the monthly vectors do not depend on the draws; the memo keeps its
        inputs alive, so their ids stay theirs)."""
        key = (id(vec), id(shape), reverse)
        found = self.memo.get(key)
        if found is None:
            found = (vec, shape, (_reverse_1d if reverse else _forward_1d)(vec, shape))
            self.memo[key] = found
        return found[2]

    def in_plan(self, vec: FloatArray) -> float:
        grid = self.b.grid
        return float(vec[grid.offset : grid.offset + grid.n].sum())

    def required_paid(self, c: list[FloatArray], rb: FloatArray) -> FloatArray:
        """Per draw, the in-plan total of the paid leads required (a matrix
        holds the months from the plan's start on)."""
        terms: Terms = [(np.ones(len(rb)), self.b.deals)]
        matrix: FloatArray | None = None
        for k in range(len(self.transitions) - 1, -1, -1):
            parts, total = self.transitions[k].parts(c[k])
            scale = 1.0 / (total * total)
            if matrix is None:
                terms = [(coef * fc * scale, self.conv(vec, shape, True)) for coef, vec in terms for shape, fc in parts]
            else:
                scaled = [(fc * scale)[:, None] * _reverse_matrix(matrix, shape) for shape, fc in parts]
                matrix = scaled[0] if len(scaled) == 1 else scaled[0] + scaled[1]
            if k > 0 and self.b.free[k].any():
                # from the plan's start on: a requirement looks only at later months
                start = self.b.grid.offset
                gross = _materialize([(coef, vec[start:]) for coef, vec in terms]) if matrix is None else matrix
                matrix = np.maximum(gross - self.b.free[k][start:], 0.0)
        needed = self._needed_first(terms, matrix)
        paid: FloatArray = needed * c[0] / rb
        return paid

    def _needed_first(self, terms: Terms, matrix: FloatArray | None) -> FloatArray:
        """In-plan total of ``Q_0 = max(0, G_0 - Free_0)``: only the plan's
        months are needed, and only months with free volume are non-linear."""
        grid = self.b.grid
        months = slice(grid.offset, grid.offset + grid.n)
        free = grid.plan(self.b.free[0])
        if matrix is None and not free.any():
            return sum((coef * self.in_plan(vec) for coef, vec in terms), np.zeros(len(terms[0][0])))
        gross = _materialize([(coef, vec[months]) for coef, vec in terms]) if matrix is None else matrix[:, : grid.n]
        needed: FloatArray = np.maximum(gross - free, 0.0).sum(axis=1)
        return needed

    def funded_deals(self, c: list[FloatArray], rb: FloatArray) -> FloatArray:
        """Per draw, the in-plan deals the stated plan's funded flow brings at the drawn rates."""
        assert self.flow is not None
        free = self.free_forward
        terms: Terms = [(rb, self.conv(self.flow, self.transitions[0].p, False))]
        for k, transition in enumerate(self.transitions):
            if k > 0:
                parts, _ = transition.parts(c[k])
                terms = [(coef * fc, self.conv(vec, shape, False)) for coef, vec in terms for shape, fc in parts]
            elif free[0].any():
                parts, _ = transition.parts(c[0])
                terms += [(fc, self.conv(free[0], shape, False)) for shape, fc in parts]
            if free[k + 1].any():
                terms.append((np.ones(len(rb)), free[k + 1]))
        deals: FloatArray = sum((coef * self.in_plan(vec) for coef, vec in terms), np.zeros(len(rb)))
        return deals


def _effective(plan: Plan, drawn: DrawnRates) -> tuple[list[FloatArray], FloatArray]:
    """The drawn rate of every transition (the spec's pass rate into its
    gate) and the blended paid rate ``rb``, per draw."""
    size = drawn.size
    c = [np.broadcast_to(np.asarray(r, dtype=float), (size,)) for r in drawn.stages]
    spec = plan.lead_spec
    gate = None if spec is None else plan.stage_index(spec.gate)
    if spec is not None and gate is not None and gate >= 1:
        if spec.pass_rate_source == "empirical" and drawn.empirical is not None:
            c[gate - 1] = np.broadcast_to(np.asarray(drawn.empirical, dtype=float), (size,))
        else:
            c[gate - 1] = pass_rates(spec, drawn.shares, size)
    if not plan.channels:
        return c, c[0]
    rb = np.zeros(size)
    for channel, own in zip(plan.channels, drawn.channels, strict=True):
        rb = rb + channel.mix * (c[0] if own is None else own)
    return c, rb


def _spend(plan: Plan, paid: FloatArray) -> FloatArray:
    """In-plan spend for in-plan paid leads: ``sum_j CPL_j*m_j * P + sum Fix``."""
    if not plan.channels:
        return np.zeros(len(paid))
    per_lead = sum(ch.cost_per_lead * ch.mix for ch in plan.channels)
    fixed = sum(float(np.sum(ch.fixed_cost)) for ch in plan.channels)
    spend: FloatArray = per_lead * paid + fixed
    return spend


def _context(plan: Plan) -> _Context:
    b, _, _ = basis(plan)
    flow = None
    if plan.approved_budget is not None:
        budget = np.asarray(plan.approved_budget, dtype=float)
        bought = bought_leads(plan, b.grid.plan(b.req.paid), budget)
        flow = funded_flow(b, bought)[: b.horizon]
    return _Context(plan, b, _transitions(plan, b), flow, [f[: b.horizon] for f in b.free])


def simulate(plan: Plan, sources: RateSources, draws: int, seed: int) -> tuple[FloatArray, FloatArray | None]:
    """Per draw: the in-plan paid leads required, and the in-plan deals of
    the funded flow (None without an approved budget)."""
    ctx = _context(plan)
    paid: list[FloatArray] = []
    deals: list[FloatArray] = []
    for drawn in draw_rates(plan, sources, draws, seed):
        c, rb = _effective(plan, drawn)
        paid.append(ctx.required_paid(c, rb))
        if ctx.flow is not None:
            deals.append(ctx.funded_deals(c, rb))
    return np.concatenate(paid), (np.concatenate(deals) if deals else None)


def uncertainty(plan: Plan, result: PlanResult) -> UncertaintyResult | None:
    """The plan's odds (see :class:`UncertaintyResult`); None when no rate
    in force carries a sample. ``result`` is the plan's own calculation."""
    sources = rate_sources(plan)
    if not sources.all():
        return None
    settings = plan.uncertainty or Uncertainty()
    paid, deals = simulate(plan, sources, settings.draws, settings.seed)
    spend = _spend(plan, paid)
    target = float(np.sum(plan.revenue_target))
    revenue = None
    stated_revenue = None
    if deals is not None:
        pipeline = float(np.sum(plan.pipeline_revenue)) if plan.pipeline_revenue else 0.0
        revenue = deals * plan.avg_deal_size + pipeline
    if result.funded is not None:
        stated_revenue = float(result.funded.revenue.sum())
    return UncertaintyResult(
        draws=settings.draws,
        seed=settings.seed,
        paid_leads_total=_quantiles(paid, LEADS_AND_SPEND),
        spend_total=_quantiles(spend, LEADS_AND_SPEND),
        funded_revenue_total=None if revenue is None else _quantiles(revenue, REVENUE),
        funded_hit_probability=None if revenue is None else _hit_share(revenue, target),
        stated_paid_leads_total=float(result.paid_leads.sum()),
        stated_spend_total=float(result.spend_total.sum()),
        stated_funded_revenue_total=stated_revenue,
        revenue_target_total=target,
        funded_revenue=revenue,
        sources=sources.all(),
        ignored=sources.ignored,
    )


def _hit_share(revenue: FloatArray, target: float) -> float:
    """Share of draws whose funded revenue reaches the target (``sum R >= sum T``)."""
    return float(np.mean(revenue >= target - HIT_TOLERANCE * abs(target)))


def uncertainty_to_dict(u: UncertaintyResult) -> dict[str, object]:
    """The result's ``uncertainty`` key (plan-format.md), unrounded."""
    out: dict[str, object] = {
        "draws": u.draws,
        "paid_leads_total": dict(u.paid_leads_total),
        "spend_total": dict(u.spend_total),
    }
    if u.funded_revenue_total is not None:
        out["funded_revenue_total"] = dict(u.funded_revenue_total)
        out["funded_hit_probability"] = u.funded_hit_probability
    return out


def sources_to_dicts(u: UncertaintyResult) -> list[dict[str, object]]:
    """What the uncertainty rests on, for "Why this number?": per rate its
    kind, name, value, sample and a sentence in words."""
    return [
        {"kind": s.kind, "name": s.name, "rate": s.rate, "sample": s.sample, "text": s.describe()} for s in u.sources
    ]
