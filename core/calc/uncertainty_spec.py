"""The lead spec's exact pass rate for many draws of the criteria shares at
once (funnel-math.md, "Lead spec", "Uncertainty").

The same dynamic programming as :mod:`core.calc.lead_spec`, on a
``(scores x draws)`` array: each optional criterion with points ``w`` and
share ``p`` (one value per draw, or one for all) turns the score
distribution ``P`` into ``P*(1-p) + shift(P, w)*p``. Criteria whose share is
the same in every draw are folded in first, on one distribution for all.

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
    """A score distribution over the scores ``lowest .. lowest + rows - 1``
    (rows x draws, or rows x 1 while every draw has the same one), the mass
    already sure to pass, and the passing score ``tau``."""

    def __init__(self, base: int, tau: int) -> None:
        self.lowest = base
        self.probability: FloatArray = np.ones((1, 1))
        self.passed: FloatArray = np.zeros(1)
        self.tau = tau

    def add(self, points: int, share: Share) -> None:
        """Fold in one optional criterion (``points != 0``)."""
        old = self.probability
        rows = old.shape[0]
        width = abs(points)
        p = np.asarray(share, dtype=float).reshape(1, -1)
        new = np.empty((rows + width, max(old.shape[1], p.shape[1])))
        kept, shifted = (slice(0, rows), slice(width, None)) if points > 0 else (slice(width, None), slice(0, rows))
        np.multiply(old, 1.0 - p, out=new[kept])
        if points > 0:
            new[rows:] = 0.0
        else:
            new[:width] = 0.0
            self.lowest -= width
        new[shifted] += old * p
        self.probability = new

    def settle(self, positive_left: int, negative_left: int) -> None:
        """Move the scores sure to pass into ``passed`` and drop those sure to
        fail, given the points the remaining criteria can still add
        (``positive_left``) or take away (``negative_left``)."""
        rows = self.probability.shape[0]
        first_sure = self.tau + negative_left - self.lowest  # index of the first score sure to pass
        first_open = self.tau - positive_left - self.lowest  # index of the first score that may still pass
        if first_sure < rows:
            start = max(first_sure, 0)
            self.passed = self.passed + self.probability[start:].sum(axis=0)
            rows = start
        start = max(first_open, 0)
        self.probability = self.probability[start:rows]
        self.lowest += start
        if self.probability.shape[0] == 0:  # nothing left open: every score is settled
            self.probability = np.zeros((1, self.probability.shape[1]))


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
    fixed = [(w, s) for w, s in optional if np.ndim(s) == 0]
    drawn = [(w, s) for w, s in optional if np.ndim(s) != 0]
    scores = _Scores(base, tau)
    positive_left = sum(w for w, _ in optional if w > 0)
    negative_left = -sum(w for w, _ in optional if w < 0)
    for points, share in (*fixed, *drawn):
        scores.add(points, share)
        positive_left -= max(points, 0)
        negative_left -= max(-points, 0)
        scores.settle(positive_left, negative_left)
    scores.settle(0, 0)
    passed: FloatArray = required * np.broadcast_to(scores.passed, (draws,))
    return passed
