"""How sure is the plan (funnel-math.md, "Uncertainty"): the vectorised
draws against a slow, obviously correct loop that builds a plan with each
draw's rates and calls the engine."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from core.calc import uncertainty_spec
from core.calc.engine import basis, calculate
from core.calc.funnel import FloatArray
from core.calc.lead_spec import criteria_pass_rate
from core.calc.uncertainty import simulate, uncertainty, uncertainty_to_dict
from core.calc.uncertainty_draws import CHUNK, DrawnRates, draw_rates, rate_sources
from core.calc.uncertainty_spec import pass_rates
from core.model.plan import (
    AfterPlan,
    Channel,
    Criterion,
    EmpiricalPassRate,
    FreeSource,
    LeadSpec,
    Nurture,
    Plan,
    Uncertainty,
)
from tests.builders import NOTHING_AFTER, simple_plan

MONTHS = 6


def spec() -> LeadSpec:
    return LeadSpec(
        gate="S2",
        threshold=40,
        criteria=(
            Criterion("Budget", 30, 0.5),
            Criterion("Decision maker", 20, 0.6),
            Criterion("Right industry", 0, 0.8, required=True),
            Criterion("Competitor customer", -15, 0.2),
        ),
    )


ORGANIC = (FreeSource("Organic", "S1", (15.0,) * MONTHS),)


def small_plan(
    budget_share: float | None = 0.8,
    nurture: Nurture | None = None,
    free: tuple[FreeSource, ...] = ORGANIC,
    after: AfterPlan = NOTHING_AFTER,
) -> Plan:
    """Four stages over six months, two channels (one with a rate of its
    own), organic leads into S1, a lead spec on S2, lags of whole and part months."""
    channels = (
        Channel("Webinars", 0.6, 80.0, (500.0,) * MONTHS, rate=0.3),
        Channel("Search", 0.4, 120.0, (0.0,) * MONTHS),
    )
    plan = simple_plan(
        target=[100_000, 120_000, 90_000, 150_000, 110_000, 130_000],
        deal=10_000,
        rates=[0.25, 0.5, 0.3],
        lags=[10.0, 45.0, 30.44],
        channels=channels,
        free=free,
        after=after,
        spec=spec(),
        nurture=nurture,
    )
    if budget_share is None:
        return plan
    spend = calculate(plan).spend_total
    return plan.with_changes(approved_budget=tuple(float(x) * budget_share for x in spend))


def with_samples(plan: Plan, n: int) -> Plan:
    """Every stage rate, channel rate and criterion share measured on ``n`` items."""
    stages = tuple(replace(s, rate_sample=n) if s.rate is not None else s for s in plan.stages)
    channels = tuple(replace(c, rate_sample=n) for c in plan.channels)
    lead_spec = plan.lead_spec
    if lead_spec is not None:
        lead_spec = replace(lead_spec, criteria=tuple(replace(c, share_sample=n) for c in lead_spec.criteria))
    return plan.with_changes(stages=stages, channels=channels, lead_spec=lead_spec)


def at(rate: FloatArray | float, i: int) -> float:
    """Draw ``i`` of a rate (a fixed rate is the same in every draw)."""
    return float(np.asarray(rate).reshape(-1)[i] if np.ndim(rate) else rate)


def at_optional(rate: FloatArray | float | None, i: int) -> float | None:
    return None if rate is None else at(rate, i)


def drawn_plan(plan: Plan, drawn: DrawnRates, i: int) -> Plan:
    """The plan with draw ``i``'s rates entered as if they were the stated ones."""
    stages = tuple(
        replace(s, rate=at_optional(drawn.stages[k], i)) if k < len(drawn.stages) else s
        for k, s in enumerate(plan.stages)
    )
    channels = tuple(replace(c, rate=at_optional(r, i)) for c, r in zip(plan.channels, drawn.channels, strict=True))
    lead_spec = plan.lead_spec
    if lead_spec is not None:
        criteria = tuple(replace(c, share=at(s, i)) for c, s in zip(lead_spec.criteria, drawn.shares, strict=True))
        empirical = lead_spec.empirical
        if empirical is not None:
            assert drawn.empirical is not None
            empirical = replace(empirical, pass_rate=at(drawn.empirical, i))
        lead_spec = replace(lead_spec, criteria=criteria, empirical=empirical)
    return plan.with_changes(stages=stages, channels=channels, lead_spec=lead_spec)


def stated_flow(plan: Plan) -> FloatArray:
    """The funded flow F of the plan at its stated rates, on its grid: the
    required flow before the plan, what the budget buys in it, nothing after."""
    b, _, _ = basis(plan)
    funded = calculate(plan).funded
    assert funded is not None
    flow = b.req.paid.copy()
    flow[b.grid.offset : b.grid.offset + plan.months] = funded.paid_leads
    flow[b.grid.offset + plan.months :] = 0.0
    return flow


def engine_figures(plan: Plan, flow: FloatArray | None) -> tuple[float, float, float | None]:
    """Paid leads and spend in the plan (calculate), and the in-plan revenue
    of ``flow`` run forward through this plan's funnel."""
    result = calculate(plan)
    revenue = None
    if flow is not None:
        b, _, _ = basis(plan)
        volumes = b.forward(b.req.funnel, flow)
        revenue = float(b.grid.plan(volumes[-1]).sum() * plan.avg_deal_size + b.pipeline.sum())
    return float(result.paid_leads.sum()), float(result.spend_total.sum()), revenue


def slow_reference(plan: Plan, draws: int, seed: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The obvious loop: draw every measured rate with numpy's own Beta, build
    the plan, call the engine. Funded flow fixed at the stated plan's."""
    rng = np.random.default_rng(seed)
    flow = stated_flow(plan)

    def draw(rate: float, sample: int | None) -> float:
        if sample is None or rate in (0.0, 1.0):
            return rate
        return float(rng.beta(rate * sample, (1 - rate) * sample))

    def draw_optional(rate: float | None, sample: int | None) -> float | None:
        return None if rate is None else draw(rate, sample)

    spec_in_force = plan.lead_spec
    assert spec_in_force is not None
    gate = plan.stage_index(spec_in_force.gate)
    figures = []
    for _ in range(draws):
        stages = tuple(
            s if k + 1 == gate else replace(s, rate=draw_optional(s.rate, s.rate_sample))
            for k, s in enumerate(plan.stages)
        )
        channels = tuple(replace(c, rate=draw_optional(c.rate, c.rate_sample)) for c in plan.channels)
        criteria = tuple(replace(c, share=draw(c.share, c.share_sample)) for c in spec_in_force.criteria)
        one = plan.with_changes(stages=stages, channels=channels, lead_spec=replace(spec_in_force, criteria=criteria))
        paid, spend, revenue = engine_figures(one, flow)
        assert revenue is not None
        figures.append((paid, spend, revenue))
    paid_all, spend_all, revenue_all = (np.array(x) for x in zip(*figures, strict=True))
    return paid_all, spend_all, revenue_all


def odds(plan: Plan) -> dict[str, object]:
    """The result's ``uncertainty`` key for ``plan`` (which has samples)."""
    u = uncertainty(plan, calculate(plan))
    assert u is not None
    return uncertainty_to_dict(u)


def assert_same_as_engine(plan: Plan, draws: int = 60, seed: int = 3) -> None:
    """Draw by draw, the vectorised figures are the engine's for a plan holding that draw's rates."""
    sources = rate_sources(plan)
    paid, deals = simulate(plan, sources, draws, seed)
    flow = stated_flow(plan) if plan.approved_budget is not None else None
    chunk = next(draw_rates(plan, sources, draws, seed))
    assert chunk.size == draws
    for i in range(draws):
        want_paid, _, want_revenue = engine_figures(drawn_plan(plan, chunk, i), flow)
        assert paid[i] == pytest.approx(want_paid, rel=1e-9)
        if want_revenue is not None:
            assert deals is not None
            assert deals[i] * plan.avg_deal_size == pytest.approx(want_revenue, rel=1e-9)


INBOUND = FreeSource("Inbound", "S0", (100.0, 400.0, 0.0, 250.0, 600.0, 50.0))


@pytest.mark.parametrize("free", [(), ORGANIC, (INBOUND,), (INBOUND, *ORGANIC)], ids=["none", "S1", "S0", "S0+S1"])
def test_each_draw_is_what_the_engine_computes_with_its_rates(free: tuple[FreeSource, ...]) -> None:
    assert_same_as_engine(with_samples(small_plan(free=free), 300))


def test_leads_for_deals_after_the_plan_follow_the_drawn_rates() -> None:
    assert_same_as_engine(with_samples(small_plan(after=AfterPlan("repeat", 0.1)), 300))


@pytest.mark.parametrize(
    ("free", "months"),
    [(ORGANIC, 6), ((FreeSource("Referrals", "S2", (3.0, 0.0, 8.0, 2.0, 5.0, 1.0)),), 24)],
    ids=["free above the pool", "free into the pool's stage, long pool"],
)
def test_nurture_path_follows_the_drawn_pass_rate(free: tuple[FreeSource, ...], months: int) -> None:
    nurture = Nurture(recycle=0.5, maturity=0.2, decay=0.05, max_months=months)
    plan = with_samples(small_plan(nurture=nurture, free=free), 300)
    assert_same_as_engine(plan)
    u = uncertainty(plan, calculate(plan))
    assert u is not None
    assert u.paid_leads_total["p90"] > u.paid_leads_total["p50"]


def test_empirical_pass_rate_carries_the_spec_uncertainty() -> None:
    measured = replace(spec(), empirical=EmpiricalPassRate(0.35, 250), pass_rate_source="empirical")
    plan = with_samples(small_plan().with_changes(lead_spec=measured), 400)
    assert_same_as_engine(plan)
    u = uncertainty(plan, calculate(plan))
    assert u is not None
    kinds = [s.kind for s in u.sources]
    assert "pass rate" in kinds and "criterion" not in kinds
    assert any("criteria shares" in text for text in u.ignored)
    # only the measured pass rate uncertain: paid leads vary with it alone
    only = small_plan().with_changes(lead_spec=measured)
    u_only = uncertainty(only, calculate(only))
    assert u_only is not None
    assert [s.kind for s in u_only.sources] == ["pass rate"]
    assert u_only.paid_leads_total["p90"] > u_only.paid_leads_total["p50"]


def test_within_sampling_error_of_the_slow_loop() -> None:
    plan = with_samples(small_plan(), 200).with_changes(uncertainty=Uncertainty(draws=4000, seed=11))
    paid_ref, spend_ref, revenue_ref = slow_reference(plan, 600, seed=5)
    paid, deals = simulate(plan, rate_sources(plan), 4000, 11)
    assert deals is not None
    revenue = deals * plan.avg_deal_size
    for mine, reference in ((paid, paid_ref), (revenue, revenue_ref)):
        assert stats.ks_2samp(mine, reference).pvalue > 1e-3
    u = uncertainty(plan, calculate(plan))
    assert u is not None
    target = sum(plan.revenue_target)
    hit_ref = float(np.mean(revenue_ref >= target))
    assert u.funded_hit_probability is not None
    assert abs(u.funded_hit_probability - hit_ref) < 4 * np.sqrt(0.25 / 600)
    assert u.spend_total["p80"] == pytest.approx(float(np.quantile(spend_ref, 0.8)), rel=0.05)


def test_very_large_samples_collapse_onto_the_stated_plan() -> None:
    plan = with_samples(small_plan(nurture=Nurture(recycle=0.4, maturity=0.1)), 10**9)
    result = calculate(plan)
    u = uncertainty(plan, result)
    assert u is not None and result.funded is not None
    for q in ("p50", "p80", "p90"):
        assert u.paid_leads_total[q] == pytest.approx(result.paid_leads.sum(), rel=1e-3)
        assert u.spend_total[q] == pytest.approx(result.spend_total.sum(), rel=1e-3)
    assert u.funded_revenue_total is not None
    for q in ("p10", "p50", "p90"):
        assert u.funded_revenue_total[q] == pytest.approx(result.funded.revenue.sum(), rel=1e-3)
    # the budget buys 80 % of the requirement: the target is out of reach in every draw
    assert u.funded_hit_probability == 0.0


def test_a_plan_without_samples_reports_nothing() -> None:
    plan = small_plan()
    assert uncertainty(plan, calculate(plan)) is None
    # the gate's own rate is replaced by the spec's pass rate: its sample is not used
    stages = tuple(replace(s, rate_sample=500) if s.name == "S1" else s for s in plan.stages)
    only_gate = plan.with_changes(stages=stages)
    assert rate_sources(only_gate).ignored
    assert uncertainty(only_gate, calculate(only_gate)) is None


def test_quantiles_are_ordered() -> None:
    for n, seed in ((30, 0), (200, 1), (5000, 2)):
        plan = with_samples(small_plan(), n).with_changes(uncertainty=Uncertainty(draws=1000, seed=seed))
        u = uncertainty(plan, calculate(plan))
        assert u is not None and u.funded_revenue_total is not None
        assert u.paid_leads_total["p50"] <= u.paid_leads_total["p80"] <= u.paid_leads_total["p90"]
        assert u.spend_total["p50"] <= u.spend_total["p80"] <= u.spend_total["p90"]
        revenue = u.funded_revenue_total
        assert revenue["p10"] <= revenue["p50"] <= revenue["p90"]
        assert u.funded_hit_probability is not None and 0.0 <= u.funded_hit_probability <= 1.0


def test_more_budget_never_lowers_the_chance_to_hit_the_target() -> None:
    chances = []
    for share in (0.6, 0.9, 1.0, 1.05, 1.2, 2.0):
        plan = with_samples(small_plan(budget_share=share), 150).with_changes(uncertainty=Uncertainty(2000, 4))
        u = uncertainty(plan, calculate(plan))
        assert u is not None and u.funded_hit_probability is not None
        chances.append(u.funded_hit_probability)
    assert chances == sorted(chances)
    assert chances[0] < chances[-1]


def test_same_seed_same_result_other_seed_other_draws() -> None:
    plan = with_samples(small_plan(), 200).with_changes(uncertainty=Uncertainty(draws=2500, seed=9))
    first = odds(plan)
    assert odds(plan) == first
    assert odds(plan.with_changes(uncertainty=Uncertainty(draws=2500, seed=10))) != first


def test_result_keys_are_the_contracts() -> None:
    plan = with_samples(small_plan(), 200).with_changes(uncertainty=Uncertainty(draws=500))
    out = odds(plan)
    assert set(out) == {"draws", "paid_leads_total", "spend_total", "funded_revenue_total", "funded_hit_probability"}
    assert out["draws"] == 500
    for key, levels in (("paid_leads_total", "p50 p80 p90"), ("spend_total", "p50 p80 p90")):
        assert sorted(out[key]) == levels.split()  # type: ignore[call-overload]
    assert sorted(out["funded_revenue_total"]) == ["p10", "p50", "p90"]  # type: ignore[call-overload]
    unfunded = with_samples(small_plan(budget_share=None), 200)
    assert set(odds(unfunded)) == {"draws", "paid_leads_total", "spend_total"}


def test_sources_name_the_measured_rates_in_words() -> None:
    plan = small_plan()
    stages = tuple(replace(s, rate_sample=640) if s.name == "S0" else s for s in plan.stages)
    channels = (replace(plan.channels[0], rate_sample=90), replace(plan.channels[1], rate_sample=70))
    plan = plan.with_changes(stages=stages, channels=channels)
    u = uncertainty(plan, calculate(plan))
    assert u is not None
    texts = [s.describe() for s in u.sources]
    assert texts == [
        "the rate from S0 to S1 (25 %), measured on 640 items",
        "the rate of the channel 'Webinars' (30 %), measured on 90 items",
    ]
    assert any("'Search'" in text and "no rate of its own" in text for text in u.ignored)


def test_draws_are_beta_distributed() -> None:
    stages = tuple(replace(s, rate_sample=80) if s.name == "S0" else s for s in small_plan().stages)
    plan = small_plan().with_changes(stages=stages)
    values = np.concatenate([np.asarray(d.stages[0]) for d in draw_rates(plan, rate_sources(plan), 5000, 2)])
    assert len(values) == 5000
    assert stats.kstest(values, stats.beta(0.25 * 80, 0.75 * 80).cdf).pvalue > 1e-3


@pytest.mark.parametrize("cells", [uncertainty_spec.CELLS, 40], ids=["all draws at once", "a few draws at a time"])
def test_pass_rates_over_draws_are_the_exact_pass_rate_of_each_draw(
    cells: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Negative points, required criteria, points sharing a factor, thresholds
    between whole scores, some shares fixed: each draw's pass rate is the
    single-spec exact method's."""
    monkeypatch.setattr(uncertainty_spec, "CELLS", cells)
    rng = np.random.default_rng(7)
    for trial in range(120):
        factor = int(rng.choice([1, 5]))
        criteria = tuple(
            Criterion(f"C{i}", factor * int(rng.integers(-6, 9)), float(rng.random()), bool(rng.random() < 0.2))
            for i in range(int(rng.integers(0, 9)))
        )
        lead_spec = LeadSpec("S2", float(rng.integers(-20, 60)) + (0.5 if trial % 3 == 0 else 0.0), criteria)
        shares = [rng.random(4) if rng.random() < 0.6 else c.share for c in criteria]
        got = pass_rates(lead_spec, shares, 4)
        for i in range(4):
            one = tuple(replace(c, share=at(s, i)) for c, s in zip(criteria, shares, strict=True))
            assert got[i] == pytest.approx(criteria_pass_rate(replace(lead_spec, criteria=one)), abs=1e-12)


def test_many_draws_run_in_chunks_and_all_count() -> None:
    plan = with_samples(small_plan(), 100).with_changes(uncertainty=Uncertainty(draws=CHUNK * 2 + 17, seed=1))
    paid, deals = simulate(plan, rate_sources(plan), CHUNK * 2 + 17, 1)
    assert deals is not None
    assert len(paid) == len(deals) == CHUNK * 2 + 17
    assert len(np.unique(paid)) == len(paid)  # no chunk repeats another's draws
