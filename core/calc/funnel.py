"""The funnel passes on monthly arrays (funnel-math.md, "Timing
distributions", "Reverse pass", "Forward pass", "Nurture").

Every array here lies on one month grid chosen by the caller: index ``i``
is month ``i - offset`` of the plan, so months before the plan start
(pre-plan) have indices below ``offset``, and the grid goes on after the
plan's last month far enough for the far edge. What would fall outside the
grid is zero (reverse pass) or leaves it (forward pass).

A transition is a *kernel* ``K[j]``: the share of the items entering the
upper stage that enter the lower one ``j`` months later (its rate times its
timing distribution, plus the nurture path where there is a pool).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.calc.calendar import DAYS_PER_MONTH as DAYS_PER_MONTH  # re-exported

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Lag:
    """A mean lag in months split into whole months ``whole`` (``a``) and
    the fraction ``fraction`` (``f``) that arrives one month later."""

    whole: int
    fraction: float

    @classmethod
    def from_days(cls, days: float) -> Lag:
        """``lam = days / (365.25/12)``, ``a = floor(lam)``, ``f = lam - a``."""
        months = days / DAYS_PER_MONTH
        whole = math.floor(months)
        return cls(whole, months - whole)

    def timing(self) -> FloatArray:
        """The two-month timing distribution ``p[a] = 1 - f``, ``p[a+1] = f``
        (one month when ``f`` is 0)."""
        p = np.zeros(self.whole + (2 if self.fraction > 0 else 1))
        p[self.whole] = 1.0 - self.fraction
        if self.fraction > 0:
            p[self.whole + 1] = self.fraction
        return p


def _frozen(values: FloatArray) -> FloatArray:
    """An array no caller can change (it is shared through a cache)."""
    values.setflags(write=False)
    return values


@functools.lru_cache(maxsize=1024)
def timing_from_days(days: float) -> FloatArray:
    """The timing distribution of a mean lag in days (see :class:`Lag`)."""
    return _frozen(Lag.from_days(days).timing())


def timing_from_profile(profile: Sequence[float]) -> FloatArray:
    """A lag profile (shares by whole-month offset) as given, without its
    trailing zero months (they reach nothing)."""
    return _profile_timing(tuple(profile))


@functools.lru_cache(maxsize=1024)
def _profile_timing(profile: tuple[float, ...]) -> FloatArray:
    p = np.asarray(profile, dtype=float)
    nonzero = np.flatnonzero(p > 0)
    return _frozen((p[: int(nonzero[-1]) + 1] if nonzero.size else p[:1]).copy())


def mean_lag_days(p: FloatArray) -> float:
    """The mean lag a timing distribution shows: ``365.25/12 * sum_j j*p[j]``."""
    return DAYS_PER_MONTH * float(np.dot(np.arange(len(p)), p))


@dataclass(frozen=True, eq=False)
class Kernel:
    """A transition's kernel ``K[j]``, its total ``R = sum_j K[j]`` and
    reach ``J`` (the largest ``j`` with ``K[j] > 0``)."""

    weights: FloatArray

    @classmethod
    def of(cls, weights: FloatArray) -> Kernel:
        nonzero = np.flatnonzero(weights > 0)
        return cls(weights[: int(nonzero[-1]) + 1] if nonzero.size else weights[:1])

    @property
    def total(self) -> float:
        return float(self.weights.sum())

    @property
    def reach(self) -> int:
        return len(self.weights) - 1

    def scaled(self, factor: float) -> Kernel:
        return Kernel(self.weights * factor)


def plain_kernel(rate: float, timing: FloatArray) -> Kernel:
    """``K[j] = c * p[j]`` (a timing ends on a month with a share: so does the kernel)."""
    return Kernel(rate * timing)


@functools.lru_cache(maxsize=256)
def maturing(maturity: float, decay: float, max_months: int) -> FloatArray:
    """``m[d] = mu * (1-mu-delta)^(d-1)`` for ``d = 1..M`` (``m[0] = 0``): the
    share of a lead recycled in month ``t`` that enters the stage in ``t+d``."""
    m = np.zeros(max_months + 1)
    d = np.arange(1, max_months + 1)
    m[1:] = maturity * (1.0 - maturity - decay) ** (d - 1)
    return _frozen(m)


def nurture_kernel(rate: float, timing: FloatArray, recycle: float, m: FloatArray) -> Kernel:
    """``K[j] = c*p[j] + rho*(1-c) * sum_i p[i]*m[j-i]``: the direct path plus
    the leads that fail, are recycled into the pool and mature back later."""
    delayed = recycle * (1.0 - rate) * np.convolve(timing, m)
    direct = np.zeros(len(delayed))
    direct[: len(timing)] = rate * timing
    return Kernel.of(direct + delayed)


def forward_step(entering: FloatArray, kernel: Kernel) -> FloatArray:
    """What reaches the next stage: ``sum_j K[j] * x[t-j]``; what would
    arrive after the grid's end leaves it."""
    return np.convolve(entering, kernel.weights)[: len(entering)]


def reverse_step(needed_next: FloatArray, kernel: Kernel) -> FloatArray:
    """Gross requirement of a stage from the net requirement of the next:
    ``G[s] = sum_j (K[j]/R) * Q[s+j] / R``, the items needed spread over the
    months they must enter in the proportions in which they would arrive.
    ``Q`` beyond the grid's end is zero."""
    n = len(needed_next)
    total = kernel.total
    spread = np.convolve(needed_next[::-1], kernel.weights)[:n][::-1]
    return spread / (total * total)


@dataclass(frozen=True)
class Requirement:
    """Result of the reverse pass: per stage ``k < K`` the gross requirement
    ``G_k`` (before free sources) and the net ``Q_k`` (after)."""

    gross: tuple[FloatArray, ...]
    net: tuple[FloatArray, ...]


def reverse_pass(deals: FloatArray, kernels: Sequence[Kernel], free: Sequence[FloatArray]) -> Requirement:
    """Work backward from deals required ``W`` (``Q_K``) to every stage.

    For ``k = K-1 .. 0``: ``G_k = reverse_step(Q_k+1)`` and
    ``Q_k = max(0, G_k - Free_k)``; a surplus of free volume in one month is
    not carried to another. ``kernels`` and ``free`` have one entry per
    transition ``k = 0 .. K-1``.
    """
    gross: list[FloatArray] = []
    net: list[FloatArray] = []
    needed = deals
    for k in range(len(kernels) - 1, -1, -1):
        g = reverse_step(needed, kernels[k])
        needed = np.maximum(0.0, g - free[k])
        gross.append(g)
        net.append(needed)
    gross.reverse()
    net.reverse()
    return Requirement(tuple(gross), tuple(net))


def forward_pass(
    paid: FloatArray,
    paid_kernel: Kernel,
    kernels: Sequence[Kernel],
    free: Sequence[FloatArray],
    throttle: Sequence[FloatArray | None] | None = None,
) -> tuple[FloatArray, ...]:
    """Volumes entering every stage ``E_0 .. E_K`` from a paid lead flow.

    ``E_0 = F + Free_0``; ``E_1 = (rb*p_0)-kernel(F) + K_0-kernel(Free_0) +
    Free_1``; ``E_k+1 = K_k-kernel(E_k) + Free_k+1``. ``free`` has one entry
    per stage ``0 .. K`` (the last is zero: no free volume enters as won
    deals). ``throttle[k]``, when given, is the share of the items entering
    stage ``k`` in each month that may convert at all (sales capacity).
    """

    def limited(k: int, x: FloatArray) -> FloatArray:
        share = None if throttle is None else throttle[k]
        return x if share is None else x * share

    volumes: list[FloatArray] = [paid + free[0]]
    first = forward_step(limited(0, paid), paid_kernel) + forward_step(limited(0, free[0]), kernels[0])
    volumes.append(first + free[1])
    for k in range(1, len(kernels)):
        volumes.append(forward_step(limited(k, volumes[k]), kernels[k]) + free[k + 1])
    return tuple(volumes)
