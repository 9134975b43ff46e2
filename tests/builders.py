"""Small plans for known-answer tests."""

from __future__ import annotations

from collections.abc import Sequence

from core.model.plan import AfterPlan, Channel, FreeSource, LeadSpec, Nurture, Plan, Stage

NOTHING_AFTER = AfterPlan("none")
"""The first version's rule: nothing required after the plan."""


def simple_plan(
    target: Sequence[float],
    deal: float,
    rates: Sequence[float],
    lags: Sequence[float] | None = None,
    channels: tuple[Channel, ...] | None = None,
    free: tuple[FreeSource, ...] = (),
    spec: LeadSpec | None = None,
    budget: Sequence[float] | None = None,
    hours: Sequence[float] | None = None,
    stage_names: Sequence[str] | None = None,
    sales_hours: Sequence[float] | None = None,
    after: AfterPlan = NOTHING_AFTER,
    profiles: Sequence[Sequence[float] | None] | None = None,
    nurture: Nurture | None = None,
) -> Plan:
    """A plan whose stages are S0..SK with the given rates (top to bottom).

    Nothing is required after the plan unless ``after`` says so (the first
    version's rule, which the known answers of the first version assume);
    ``profiles[k]``, when given, replaces the lag of transition ``k``."""
    months = len(target)
    lags = lags if lags is not None else [0.0] * len(rates)
    names = list(stage_names) if stage_names else [f"S{k}" for k in range(len(rates) + 1)]
    per_item = list(sales_hours) if sales_hours else [0.0] * (len(rates) + 1)
    shapes = list(profiles) if profiles is not None else [None] * len(rates)

    def stage(k: int) -> Stage:
        shape = shapes[k]
        if shape is None:
            return Stage(names[k], rates[k], lags[k], per_item[k])
        return Stage(names[k], rates[k], None, per_item[k], lag_profile=tuple(float(x) for x in shape))

    stages = (
        *(stage(k) for k in range(len(rates))),
        Stage(names[-1], None, None, per_item[-1]),
    )
    if channels is None:
        channels = (Channel("Only channel", 1.0, 100.0, (0.0,) * months),)
    return Plan(
        name="Test plan",
        currency="USD",
        start="2027-01",
        months=months,
        revenue_target=tuple(float(t) for t in target),
        avg_deal_size=float(deal),
        stages=stages,
        pipeline_revenue=(0.0,) * months,
        lead_spec=spec,
        channels=channels,
        free_sources=free,
        approved_budget=None if budget is None else tuple(float(b) for b in budget),
        sales_hours_available=None if hours is None else tuple(float(h) for h in hours),
        after_plan=after,
        nurture=nurture,
    )
