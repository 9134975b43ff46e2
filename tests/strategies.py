"""Hypothesis strategies for valid plans (shared by the property tests and
the file round-trip tests)."""

from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

from core.calc.lead_spec import criteria_pass_rate
from core.model.plan import Channel, Criterion, FreeSource, LeadSpec, Plan, Stage

rates = st.floats(min_value=0.01, max_value=1.0, allow_nan=False)
shares = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
money = st.floats(min_value=0.0, max_value=5e6, allow_nan=False)
lags = st.floats(min_value=0.0, max_value=200.0, allow_nan=False)
whole_month_lags = st.integers(min_value=0, max_value=6).map(lambda m: m * 365.25 / 12)
names = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd", "Zs"), max_codepoint=0x24F),
    min_size=1,
    max_size=20,
).filter(lambda s: s.strip() != "")


def series(months: int, elements: st.SearchStrategy[float] = money) -> st.SearchStrategy[tuple[float, ...]]:
    return st.lists(elements, min_size=months, max_size=months).map(tuple)


def unique_names(count: int, prefix: str) -> st.SearchStrategy[tuple[str, ...]]:
    """``count`` names unique case-insensitively (stages, channels)."""
    return st.lists(names, min_size=count, max_size=count, unique_by=lambda s: s.strip().casefold()).map(tuple)


@st.composite
def stages(draw: st.DrawFn, count: int | None = None, lag: st.SearchStrategy[float] = lags) -> tuple[Stage, ...]:
    n = count if count is not None else draw(st.integers(min_value=2, max_value=6))
    stage_names = draw(unique_names(n, "S"))
    out = []
    for k, name in enumerate(stage_names):
        if k < n - 1:
            out.append(Stage(name, draw(rates), draw(lag), draw(st.floats(min_value=0, max_value=20, allow_nan=False))))
        else:
            out.append(Stage(name, None, None, 0.0))
    return tuple(out)


@st.composite
def lead_specs(draw: st.DrawFn, gate: str) -> LeadSpec:
    """A spec whose threshold some lead can reach and which passes someone."""
    criteria = draw(
        st.lists(
            st.builds(
                Criterion,
                name=names,
                points=st.integers(min_value=-40, max_value=60),
                share=st.floats(min_value=0.05, max_value=1.0, allow_nan=False),
                required=st.booleans(),
            ),
            min_size=1,
            max_size=8,
        )
    )
    top = sum(c.points for c in criteria if c.required or c.points > 0)
    threshold = draw(st.integers(min_value=min(top, 0) - 20, max_value=top))
    spec = LeadSpec(gate=gate, threshold=float(threshold), criteria=tuple(criteria))
    assume(criteria_pass_rate(spec) > 1e-6)  # a spec that passes no one is refused
    return spec


@st.composite
def channels(draw: st.DrawFn, months: int) -> tuple[Channel, ...]:
    n = draw(st.integers(min_value=1, max_value=5))
    channel_names = draw(unique_names(n, "C"))
    weights = draw(st.lists(st.integers(min_value=1, max_value=10), min_size=n, max_size=n))
    total = sum(weights)
    mixes = [w / total for w in weights]
    mixes[-1] = 1.0 - sum(mixes[:-1])
    return tuple(
        Channel(
            name=name,
            mix=mix,
            cost_per_lead=draw(st.floats(min_value=0, max_value=1000, allow_nan=False)),
            fixed_cost=draw(st.one_of(st.just((0.0,) * months), series(months, st.floats(0, 50000)))),
            rate=draw(st.one_of(st.none(), rates)),
        )
        for name, mix in zip(channel_names, mixes, strict=True)
    )


@st.composite
def plans(
    draw: st.DrawFn,
    lag: st.SearchStrategy[float] = lags,
    with_free: bool = True,
    with_spec: bool = True,
    max_months: int = 24,
) -> Plan:
    """A valid plan: every optional part present or not."""
    months = draw(st.integers(min_value=1, max_value=max_months))
    funnel = draw(stages(lag=lag))
    spec = None
    proposed = None
    if with_spec and draw(st.booleans()):
        gate = funnel[draw(st.integers(min_value=1, max_value=len(funnel) - 1))].name
        spec = draw(lead_specs(gate))
        if draw(st.booleans()):
            proposed = draw(lead_specs(gate))
    free: tuple[FreeSource, ...] = ()
    if with_free and draw(st.booleans()):
        free = tuple(
            FreeSource(
                draw(names), funnel[draw(st.integers(0, len(funnel) - 2))].name, draw(series(months, st.floats(0, 500)))
            )
            for _ in range(draw(st.integers(min_value=1, max_value=2)))
        )
    year = draw(st.integers(min_value=2000, max_value=2090))
    month = draw(st.integers(min_value=1, max_value=12))
    return Plan(
        name=draw(names),
        currency=draw(st.sampled_from(["USD", "EUR", "GBP", "JPY"])),
        start=f"{year:04d}-{month:02d}",
        months=months,
        revenue_target=draw(series(months)),
        avg_deal_size=draw(st.floats(min_value=100, max_value=1e6, allow_nan=False)),
        pipeline_revenue=draw(st.one_of(st.just((0.0,) * months), series(months, st.floats(0, 1e6)))),
        stages=funnel,
        lead_spec=spec,
        proposed_lead_spec=proposed,
        channels=draw(channels(months)),
        free_sources=free,
        approved_budget=draw(st.one_of(st.none(), series(months))),
        sales_hours_available=draw(st.one_of(st.none(), series(months, st.floats(1, 10000)))),
    )
