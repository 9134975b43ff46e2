"""The funnel passes on monthly arrays (funnel-math.md, "Lag kernel",
"Reverse pass", "Forward pass").

Every array here lies on one month grid chosen by the caller: index ``i``
is month ``i - offset`` of the plan, so months before the plan start
(pre-plan) have indices below ``offset``. What would fall outside the grid
is zero (reverse pass: nothing is required after the plan ends) or leaves
the plan (forward pass: it arrives after the last month).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.calc.calendar import DAYS_PER_MONTH as DAYS_PER_MONTH  # re-exported

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Lag:
    """A lag in months split into whole months ``whole`` (``a``) and the
    fraction ``fraction`` (``f``) that arrives one month later."""

    whole: int
    fraction: float

    @classmethod
    def from_days(cls, days: float) -> Lag:
        """``lam = days / (365.25/12)``, ``a = floor(lam)``, ``f = lam - a``."""
        months = days / DAYS_PER_MONTH
        whole = math.floor(months)
        return cls(whole, months - whole)

    @property
    def reach(self) -> int:
        """How many months back (or forward) the kernel touches at most."""
        return self.whole + (1 if self.fraction > 0 else 0)


def reverse_step(needed_next: FloatArray, rate: float, lag: Lag) -> FloatArray:
    """Gross requirement of a stage from the net requirement of the next.

    ``G[s] = ((1-f) * Q[s+a] + f * Q[s+a+1]) / c``; ``Q`` beyond the grid's
    end is zero.
    """
    a, f = lag.whole, lag.fraction
    n = len(needed_next)
    gross = np.zeros(n)
    if a < n:
        gross[: n - a] += (1.0 - f) * needed_next[a:]
    if f > 0 and a + 1 < n:
        gross[: n - a - 1] += f * needed_next[a + 1 :]
    return gross / rate


def forward_step(entering: FloatArray, rate: float | FloatArray, lag: Lag) -> FloatArray:
    """What reaches the next stage: ``c*((1-f)*x[t-a] + f*x[t-a-1])``.

    ``rate`` may be an array (a per-month rate for items entering in that
    month, used by the capacity-limited projection). What would arrive
    after the grid's end leaves the plan.
    """
    a, f = lag.whole, lag.fraction
    converted = entering * rate
    n = len(converted)
    arriving = np.zeros(n)
    if a < n:
        arriving[a:] += (1.0 - f) * converted[: n - a]
    if f > 0 and a + 1 < n:
        arriving[a + 1 :] += f * converted[: n - a - 1]
    return arriving


@dataclass(frozen=True)
class Requirement:
    """Result of the reverse pass: per stage ``k < K`` the gross requirement
    ``G_k`` (before free sources) and the net ``Q_k`` (after)."""

    gross: tuple[FloatArray, ...]
    net: tuple[FloatArray, ...]


def reverse_pass(
    deals: FloatArray,
    rates: Sequence[float],
    lags: Sequence[Lag],
    free: Sequence[FloatArray],
) -> Requirement:
    """Work backward from deals required ``W`` (``Q_K``) to every stage.

    For ``k = K-1 .. 0``: ``G_k = reverse_step(Q_k+1)`` and
    ``Q_k = max(0, G_k - Free_k)``; a surplus of free volume in one month is
    not carried to another. ``rates``, ``lags`` and ``free`` have one entry
    per transition ``k = 0 .. K-1``.
    """
    gross: list[FloatArray] = []
    net: list[FloatArray] = []
    needed = deals
    for k in range(len(rates) - 1, -1, -1):
        g = reverse_step(needed, rates[k], lags[k])
        needed = np.maximum(0.0, g - free[k])
        gross.append(g)
        net.append(needed)
    gross.reverse()
    net.reverse()
    return Requirement(tuple(gross), tuple(net))


def forward_pass(
    paid: FloatArray,
    paid_rate: float,
    rates: Sequence[float],
    lags: Sequence[Lag],
    free: Sequence[FloatArray],
    throttle: Sequence[FloatArray | None] | None = None,
) -> tuple[FloatArray, ...]:
    """Volumes entering every stage ``E_0 .. E_K`` from a paid lead flow.

    ``E_0 = F + Free_0``; ``E_1 = rb-kernel(F) + c_0-kernel(Free_0) + Free_1``;
    ``E_k+1 = c_k-kernel(E_k) + Free_k+1``. ``free`` has one entry per stage
    ``0 .. K`` (the last is zero: no free volume enters as won deals).
    ``throttle[k]``, when given, scales the conversion of items entering
    stage ``k`` in each month (sales capacity).
    """
    stages = len(rates) + 1

    def factor(k: int) -> FloatArray | float:
        if throttle is None:
            return 1.0
        t = throttle[k]
        return 1.0 if t is None else t

    volumes: list[FloatArray] = [paid + free[0]]
    first = forward_step(paid, paid_rate * factor(0), lags[0]) + forward_step(free[0], rates[0] * factor(0), lags[0])
    volumes.append(first + free[1])
    for k in range(1, stages - 1):
        volumes.append(forward_step(volumes[k], rates[k] * factor(k), lags[k]) + free[k + 1])
    return tuple(volumes)
