"""The lead spec's exact pass rate (funnel-math.md, "Lead spec").

A lead qualifies when it meets every required criterion and the points of
the criteria it meets reach the threshold ``tau``. With criteria taken as
independent Bernoulli variables ``X_i ~ B(p_i)``::

    pass = prod_{required} p_i
           * Prob(sum_{required} w_i + sum_{optional} w_i * X_i >= tau)

The probability is computed exactly by dynamic programming over the score
distribution (a convolution per optional criterion), never by sampling.
Negative points are allowed.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.model.plan import Criterion, LeadSpec

FloatArray = npt.NDArray[np.float64]


def passing_score(threshold: float) -> int:
    """The smallest whole score that reaches ``threshold``: the one pass rule the pass rate, the
    score chart and the calibration from last year's leads all use. Points are whole numbers, so a
    lead passes when its score is at least ``ceil(threshold)``; a threshold a hair above a whole
    number from floating-point noise (``60.0000000001``) counts as that number."""
    return math.ceil(threshold - 1e-9)


@dataclass(frozen=True)
class ScoreDistribution:
    """Distribution of the score of a lead that meets every required
    criterion: ``probability[i]`` is the chance the score is
    ``lowest + i``. ``required_share`` is ``prod_{required} p_i``."""

    lowest: int
    probability: FloatArray
    required_share: float

    def scores(self) -> npt.NDArray[np.int64]:
        """The score each entry of ``probability`` stands for."""
        return np.arange(self.lowest, self.lowest + len(self.probability), dtype=np.int64)

    def chance_at_least(self, threshold: float) -> float:
        """``Prob(score >= threshold)`` for a lead meeting the required criteria."""
        first = max(0, passing_score(threshold) - self.lowest)
        if first >= len(self.probability):
            return 0.0
        return float(self.probability[first:].sum())


def score_distribution(criteria: tuple[Criterion, ...]) -> ScoreDistribution:
    """Exact score distribution over the optional criteria, shifted by the
    points of the required ones.

    Each optional criterion with points ``w`` and share ``p`` convolves the
    distribution with ``{0: 1-p, w: p}``; the array spans the lowest
    (every negative optional met) to the highest reachable score.
    """
    base = sum(c.points for c in criteria if c.required)
    optional = [c for c in criteria if not c.required]
    lowest = base + sum(c.points for c in optional if c.points < 0)
    highest = base + sum(c.points for c in optional if c.points > 0)
    probability = np.zeros(highest - lowest + 1)
    probability[base - lowest] = 1.0
    for criterion in optional:
        w, p = criterion.points, criterion.share
        if w == 0 or p == 0.0:
            continue
        shifted = np.zeros_like(probability)
        if w > 0:
            shifted[w:] = probability[:-w]
        else:
            shifted[:w] = probability[-w:]
        probability = probability * (1.0 - p) + shifted * p
    required_share = math.prod(c.share for c in criteria if c.required)
    return ScoreDistribution(lowest, probability, required_share)


@functools.lru_cache(maxsize=256)
def criteria_pass_rate(spec: LeadSpec) -> float:
    """The pass rate the criteria model gives (formula above).

    Edge cases: no criteria passes everyone when ``threshold <= 0`` and no
    one otherwise; a required criterion with share 0 gives 0. Cached: a
    spec is immutable, and every recalculation asks for it several times.
    """
    dist = score_distribution(spec.criteria)
    return dist.required_share * dist.chance_at_least(spec.threshold)


def pass_rate(spec: LeadSpec) -> float:
    """The pass rate in force: the measured one when the spec says so and
    one was imported, otherwise the criteria model's."""
    if spec.pass_rate_source == "empirical" and spec.empirical is not None:
        return spec.empirical.pass_rate
    return criteria_pass_rate(spec)


def highest_score(spec: LeadSpec) -> int:
    """The most points a lead meeting every required criterion can score."""
    return sum(c.points for c in spec.criteria if c.required or c.points > 0)
