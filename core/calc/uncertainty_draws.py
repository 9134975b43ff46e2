"""Which rates of a plan are uncertain, and their draws (funnel-math.md,
"Uncertainty").

A rate ``c`` measured on ``n`` items is ``Beta(c*n, (1-c)*n)``; a rate
without a sample, or of exactly 0 or 1, is fixed. Only rates in force count:
the gate's own rate is replaced by the lead spec's pass rate (its sample is
not used), a channel without a rate of its own converts at ``c_0`` (its
sample is not used), and the criteria shares or the measured pass rate carry
the spec's uncertainty, whichever is in force.

Draws come in chunks of :data:`CHUNK` from ``numpy.random.default_rng(seed)``
(numpy's Beta), always in the same order, so a seed gives the same draws.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from core.calc.funnel import FloatArray
from core.model.plan import MIN_RATE, LeadSpec, Plan

CHUNK = 2048
"""Draws computed at once (bounds the memory of the vectorised passes)."""

RateKind = Literal["stage", "channel", "criterion", "pass rate"]
Rate = FloatArray | float
"""A rate per draw, or one value for every draw (fixed)."""


@dataclass(frozen=True)
class UncertainRate:
    """A rate in force that was measured: what it is, its value and sample."""

    kind: RateKind
    name: str
    """In words: ``Inquiry to MQL``, a channel's or criterion's name, the gate's name."""
    rate: float
    sample: int

    @property
    def drawn(self) -> bool:
        """Whether it varies between draws (a rate of exactly 0 or 1 does not)."""
        return 0.0 < self.rate < 1.0

    def describe(self) -> str:
        """The rate in the user's words, with what it rests on."""
        value = f"{self.rate * 100:.3g} %"
        what = {
            "stage": f"the rate from {self.name}",
            "channel": f"the rate of the channel '{self.name}'",
            "criterion": f"the share of leads meeting '{self.name}'",
            "pass rate": f"the measured pass rate of the lead spec at {self.name}",
        }[self.kind]
        items = "item" if self.sample == 1 else "items"
        return f"{what} ({value}), measured on {self.sample:,} {items}"


@dataclass(frozen=True)
class RateSources:
    """Every uncertain rate of a plan, where it sits, and the samples the
    plan carries that are not used (in words)."""

    stages: tuple[UncertainRate | None, ...]
    """Per transition ``k``: its entered rate's sample (None: fixed, or the gate under a spec)."""
    channels: tuple[UncertainRate | None, ...]
    criteria: tuple[UncertainRate | None, ...]
    """Per criterion of the lead spec (empty without a spec or with the measured pass rate in force)."""
    empirical: UncertainRate | None
    ignored: tuple[str, ...]

    def all(self) -> tuple[UncertainRate, ...]:
        found = (*self.stages, *self.channels, *self.criteria, self.empirical)
        return tuple(r for r in found if r is not None)


def _measured(kind: RateKind, name: str, rate: float | None, sample: int | None) -> UncertainRate | None:
    if rate is None or sample is None or sample <= 0:
        return None
    return UncertainRate(kind, name, float(rate), int(sample))


def _gate_transition(plan: Plan) -> int | None:
    spec = plan.lead_spec
    gate = None if spec is None else plan.stage_index(spec.gate)
    return None if gate is None or gate < 1 else gate - 1


def _empirical_in_force(spec: LeadSpec | None) -> bool:
    return spec is not None and spec.pass_rate_source == "empirical" and spec.empirical is not None


def _spec_sources(plan: Plan, ignored: list[str]) -> tuple[tuple[UncertainRate | None, ...], UncertainRate | None]:
    spec = plan.lead_spec
    if spec is None or _gate_transition(plan) is None:
        return (), None
    measured = tuple(_measured("criterion", c.name, c.share, c.share_sample) for c in spec.criteria)
    if _empirical_in_force(spec):
        assert spec.empirical is not None
        if any(m is not None for m in measured):
            ignored.append("the criteria shares' samples: the measured pass rate is in force")
        return (None,) * len(spec.criteria), _measured(
            "pass rate", spec.gate, spec.empirical.pass_rate, spec.empirical.sample
        )
    if spec.empirical is not None and spec.empirical.sample > 0:
        ignored.append("the measured pass rate's sample: the criteria model's pass rate is in force")
    return measured, None


def rate_sources(plan: Plan) -> RateSources:
    """The rates of ``plan`` in force that carry a sample (see module docstring)."""
    ignored: list[str] = []
    gate_k = _gate_transition(plan)
    stages: list[UncertainRate | None] = []
    for k, stage in enumerate(plan.stages[:-1]):
        name = f"{stage.name} to {plan.stages[k + 1].name}"
        found = _measured("stage", name, stage.rate, stage.rate_sample)
        if found is not None and k == gate_k:
            ignored.append(f"the sample of the rate from {name}: the lead spec's pass rate replaces that rate")
            found = None
        stages.append(found)
    channels: list[UncertainRate | None] = []
    for channel in plan.channels:
        if channel.rate is None and channel.rate_sample:
            ignored.append(f"the sample of the channel '{channel.name}': it has no rate of its own")
        channels.append(_measured("channel", channel.name, channel.rate, channel.rate_sample))
    criteria, empirical = _spec_sources(plan, ignored)
    return RateSources(tuple(stages), tuple(channels), criteria, empirical, tuple(ignored))


@dataclass(frozen=True, eq=False)
class DrawnRates:
    """One chunk of draws: the entered rate of every transition, the own rate
    of every channel (None: it converts at ``c_0``), the share of every
    criterion of the lead spec and the measured pass rate (None without
    one), each per draw where uncertain, else fixed."""

    size: int
    stages: tuple[Rate, ...]
    channels: tuple[Rate | None, ...]
    shares: tuple[Rate, ...]
    empirical: Rate | None


def _fixed_rates(plan: Plan) -> tuple[list[Rate], list[Rate | None], list[Rate], Rate | None]:
    stages: list[Rate] = [float(s.rate if s.rate is not None else 0.0) for s in plan.stages[:-1]]
    channels: list[Rate | None] = [None if c.rate is None else float(c.rate) for c in plan.channels]
    spec = plan.lead_spec
    shares: list[Rate] = [] if spec is None else [float(c.share) for c in spec.criteria]
    empirical: Rate | None = None
    if spec is not None and spec.empirical is not None:
        empirical = float(spec.empirical.pass_rate)
    return stages, channels, shares, empirical


def draw_rates(plan: Plan, sources: RateSources, draws: int, seed: int) -> Iterator[DrawnRates]:
    """The draws of every uncertain rate, in chunks of :data:`CHUNK` (rates
    below :data:`MIN_RATE` are raised to it, as the plan's own rates are)."""
    slots = [("stage", k, r) for k, r in enumerate(sources.stages)]
    slots += [("channel", j, r) for j, r in enumerate(sources.channels)]
    slots += [("criterion", i, r) for i, r in enumerate(sources.criteria)]
    slots += [("pass rate", 0, sources.empirical)]
    drawn = [(kind, index, r) for kind, index, r in slots if r is not None and r.drawn]
    rng = np.random.default_rng(seed)
    for start in range(0, draws, CHUNK):
        size = min(CHUNK, draws - start)
        stages, channels, shares, empirical = _fixed_rates(plan)
        if drawn:
            # one rate at a time: numpy draws a row for fixed parameters faster than for an array of them
            values = [rng.beta(r.rate * r.sample, (1 - r.rate) * r.sample, size) for *_, r in drawn]
            for row in values:  # a Beta draw is at most 1
                np.maximum(row, MIN_RATE, out=row)
            for (kind, index, _), row in zip(drawn, values, strict=True):
                if kind == "stage":
                    stages[index] = row
                elif kind == "channel":
                    channels[index] = row
                elif kind == "criterion":
                    shares[index] = row
                else:
                    empirical = row
        yield DrawnRates(size, tuple(stages), tuple(channels), tuple(shares), empirical)
