"""The large plan the benchmarks measure: 60 months, 12 stages, 40 paid
channels, a 30-criterion lead spec (and a proposed one), free sources,
budget and capacity. Deterministic, so runs compare."""

from __future__ import annotations

import math
from dataclasses import replace

from core.model.plan import Actuals, Channel, Criterion, FreeSource, LeadSpec, Nurture, Plan, Stage

MONTHS = 60
STAGES = 12
CHANNELS = 40
CRITERIA = 30


def _spec(threshold: float) -> LeadSpec:
    criteria = tuple(
        Criterion(
            name=f"Criterion {i + 1}",
            points=(-15 if i % 7 == 6 else 5 + (i * 7) % 20),
            share=0.2 + ((i * 13) % 60) / 100,
            required=(i % 10 == 3),
        )
        for i in range(CRITERIA)
    )
    return LeadSpec(gate="Stage 4", threshold=threshold, criteria=criteria)


def large_plan() -> Plan:
    """The benchmark plan (valid; every optional part present)."""
    stages = (
        *(
            Stage(f"Stage {k + 1}", rate=0.55 + 0.03 * (k % 5), lag_days=7.0 + 3.5 * k, sales_hours=0.5 * k)
            for k in range(STAGES - 1)
        ),
        Stage(f"Stage {STAGES}"),
    )
    weights = [1 + (j * 7) % 11 for j in range(CHANNELS)]
    total = sum(weights)
    mixes = [w / total for w in weights]
    mixes[-1] = 1.0 - sum(mixes[:-1])
    channels = tuple(
        Channel(
            name=f"Channel {j + 1}",
            mix=mixes[j],
            cost_per_lead=40.0 + 9.0 * j,
            fixed_cost=tuple(1000.0 * (j % 3) for _ in range(MONTHS)),
            rate=0.45 + 0.01 * (j % 20),
        )
        for j in range(CHANNELS)
    )
    target = tuple(2_000_000 * (1 + 0.25 * math.sin(t * math.pi / 6)) for t in range(MONTHS))
    return Plan(
        name="Benchmark plan",
        currency="USD",
        start="2027-01",
        months=MONTHS,
        revenue_target=target,
        avg_deal_size=50_000.0,
        pipeline_revenue=tuple(500_000.0 if t < 3 else 0.0 for t in range(MONTHS)),
        stages=stages,
        lead_spec=_spec(60),
        proposed_lead_spec=_spec(75),
        channels=channels,
        free_sources=(
            FreeSource("Organic inbound", "Stage 1", (800.0,) * MONTHS),
            FreeSource("Nurture database", "Stage 2", (120.0,) * MONTHS),
        ),
        approved_budget=(900_000.0,) * MONTHS,
        sales_hours_available=(20_000.0,) * MONTHS,
    )


def profile_of_12_months(k: int) -> tuple[float, ...]:
    """A 12-month timing profile (cohort-like: a peak early, a long tail)."""
    raw = [(1 + j) * math.exp(-j / (2.0 + 0.3 * (k % 4))) for j in range(12)]
    total = math.fsum(raw)
    shares = [x / total for x in raw]
    shares[-1] = 1.0 - math.fsum(shares[:-1])
    return tuple(shares)


def large_plan_v2() -> Plan:
    """The large plan with a 12-month timing profile on every transition and
    a nurture pool on the lead spec's gate (24 months; issue 11's benchmark)."""
    plan = large_plan()
    stages = tuple(
        replace(s, lag_days=None, lag_profile=profile_of_12_months(k)) if s.rate is not None else s
        for k, s in enumerate(plan.stages)
    )
    nurture = Nurture(0.5, 0.1, 0.02, 24, hours_per_lead=0.25, hours_available=(5_000.0,) * MONTHS)
    free = tuple(f for f in plan.free_sources if f.name != "Nurture database")
    return plan.with_changes(stages=stages, nurture=nurture, free_sources=free)


def large_plan_tracked(months_elapsed: int = 30) -> Plan:
    """The large plan with actuals for its first ``months_elapsed`` months on
    every other stage (issue 13's benchmark: what tracking adds)."""
    plan = large_plan()
    stages = tuple(
        (s.name, tuple(900.0 * (0.7**k) * (1 + 0.1 * math.sin(t)) for t in range(months_elapsed)))
        for k, s in enumerate(plan.stages[:-1])
        if k % 2 == 0
    )
    return plan.with_changes(actuals=Actuals(months_elapsed, stages))
