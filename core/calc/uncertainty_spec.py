"""The lead spec's exact pass rate for many draws of the criteria shares at
once (funnel-math.md, "Lead spec", "Uncertainty").

The same dynamic programming as :mod:`core.calc.lead_spec`, on a
``(scores x draws)`` array: each optional criterion with points ``w`` and
share ``p`` (one value per draw, or one for all) turns the score
distribution ``P`` into ``P*(1-p) + shift(P, w)*p`` (in place, in one buffer per call).

To keep the array narrow, a score that passes whatever the criteria still
to come add (it reaches the threshold even if every remaining negative
criterion is met) is moved into the passed mass, and one that fails whatever
they add (below the threshold even if every remaining positive criterion is
met) is dropped. The result is exact, not sampled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from core.calc.funnel import FloatArray
from core.calc.lead_spec import passing_score
from core.model.plan import LeadSpec

Share = FloatArray | float
"""A criterion's share: one value per draw, or one value for every draw."""


class _Scores:
    """A score distribution held in rows ``first .. first + rows - 1`` of a
    buffer (score ``lowest`` in row ``first``; one column per draw), the mass
    already sure to pass, and the passing score ``tau``. The buffer has room
    for every criterion's points, so no step allocates or copies it."""

    def __init__(self, base: int, tau: int, negative: int, positive: int, draws: int) -> None:
        self.buffer = np.zeros((negative + positive + 1, draws))
        self.scratch = np.empty_like(self.buffer)
        self.first = negative
        self.rows = 1
        self.buffer[self.first] = 1.0
        self.lowest = base
        self.passed: FloatArray = np.zeros(draws)
        self.tau = tau

    def add(self, points: int, share: Share) -> None:
        """Fold in one optional criterion (``points != 0``): ``P*(1-p) + shift(P, w)*p``."""
        width = abs(points)
        now = slice(self.first, self.first + self.rows)
        met = self.scratch[: self.rows]
        np.multiply(self.buffer[now], np.asarray(share, dtype=float), out=met)
        self.buffer[now] -= met
        if points > 0:
            self.buffer[self.first + self.rows : self.first + self.rows + width] = 0.0
            self.buffer[self.first + width : self.first + width + self.rows] += met
        else:
            self.first -= width
            self.lowest -= width
            self.buffer[self.first : self.first + width] = 0.0
            self.buffer[self.first : self.first + self.rows] += met
        self.rows += width

    def settle(self, positive_left: int, negative_left: int) -> None:
        """Move the scores sure to pass into ``passed`` and drop those sure to
        fail, given the points the remaining criteria can still add
        (``positive_left``) or take away (``negative_left``)."""
        sure = max(self.tau + negative_left - self.lowest, 0)  # the first row sure to pass
        if sure < self.rows:
            self.passed += self.buffer[self.first + sure : self.first + self.rows].sum(axis=0)
            self.rows = sure
        drop = min(max(self.tau - positive_left - self.lowest, 0), self.rows)  # rows sure to fail
        self.first += drop
        self.lowest += drop
        self.rows -= drop


CELLS = 2_000_000
"""Scores x draws held at once (two buffers of 16 MB): a spec with very wide
scores is computed for fewer draws at a time."""


def _chance_at_least(optional: list[tuple[int, Share]], base: int, tau: int, draws: int) -> FloatArray:
    """``Prob(base + sum_i w_i*X_i >= tau)`` per draw (whole points, ``w_i != 0``)."""
    positive_left = sum(w for w, _ in optional if w > 0)
    negative_left = -sum(w for w, _ in optional if w < 0)
    scores = _Scores(base, tau, negative_left, positive_left, draws)
    for points, share in optional:
        scores.add(points, share)
        positive_left -= max(points, 0)
        negative_left -= max(-points, 0)
        scores.settle(positive_left, negative_left)
    scores.settle(0, 0)
    return scores.passed


def pass_rates(spec: LeadSpec, shares: Sequence[Share], draws: int) -> FloatArray:
    """The criteria model's pass rate for each of ``draws`` draws, the share
    of criterion ``i`` being ``shares[i]`` (per draw or fixed):
    ``prod_{required} p_i * Prob(score >= tau)``."""
    criteria = spec.criteria
    required = np.ones(draws)
    for criterion, share in zip(criteria, shares, strict=True):
        if criterion.required:
            required = required * share
    optional = [(c.points, s) for c, s in zip(criteria, shares, strict=True) if not c.required and c.points != 0]
    base = sum(c.points for c in criteria if c.required)
    tau = passing_score(spec.threshold)
    # points sharing a factor g: score/g >= ceil(tau/g) is the same test on a g times narrower array
    g = math.gcd(base, *(w for w, _ in optional))
    if g > 1:
        base, tau = base // g, -(-tau // g)
        optional = [(w // g, s) for w, s in optional]
    rows = sum(abs(w) for w, _ in optional) + 1
    step = max(1, CELLS // rows)
    chance = np.empty(draws)
    for start in range(0, draws, step):
        part = slice(start, min(draws, start + step))
        sliced = [(w, s[part] if isinstance(s, np.ndarray) else s) for w, s in optional]
        chance[part] = _chance_at_least(sliced, base, tau, part.stop - part.start)
    passed: FloatArray = required * chance
    return passed
