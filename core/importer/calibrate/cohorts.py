"""A transition's rate and monthly timing from cohorts, with the items still
in flight at the export date treated as censored (Kaplan-Meier).

Pure: dates in, numbers out. The Kaplan-Meier estimate itself is
``scipy.stats.ecdf`` on ``scipy.stats.CensoredData``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
from scipy.stats import CensoredData, ecdf

DAYS_PER_MONTH = 365.25 / 12
MAX_PROFILE_MONTHS = 36
MIN_AT_RISK = 10
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
UNIX_DAY0 = date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class CohortEstimate:
    """What the cohorts say about one transition (upper stage -> next stage).

    ``rate``: probability that an item entering the upper stage reaches the
    next one within ``horizon_months`` (plan ``rate``). ``profile``: shares
    of the conversions by whole-month offset ``0..horizon_months``, summing
    to 1, trailing zeros trimmed (plan ``lag_profile``). ``sample``: the
    number of items the rate rests on (plan ``rate_sample``).
    ``mean_lag_days``: ``365.25/12 * sum_j j*profile[j]``. ``censored``:
    items still in flight (no conversion seen by the end of the last full
    month before the export date, followed for less than ``max_months``).
    ``skipped``: items converted before they entered (data errors, left
    out). ``items``: the items the estimate uses (entered before the end of
    the last full month, not skipped). ``mature``: items of those followed
    for the whole horizon (the "old enough" cohorts). ``horizon_months``:
    the last month offset estimated. ``naive_rate``: conversions seen /
    items, as if no item were still in flight (for comparison).
    ``problem``: why no estimate can be made, in words; when it is set,
    ``rate`` is 0 and ``profile`` is empty and neither may go into a plan.
    ``warning``: why the estimate may be low, in words (conversions were
    still coming in at the horizon, the longest the data follows enough
    items), else None.
    """

    rate: float
    profile: tuple[float, ...]
    sample: int
    mean_lag_days: float
    censored: int
    skipped: int = 0
    items: int = 0
    mature: int = 0
    horizon_months: int = 0
    naive_rate: float = 0.0
    problem: str | None = None
    warning: str | None = None


def _month_index(d: date) -> int:
    """Months since January 1970."""
    return (d.year - 1970) * 12 + d.month - 1


def _month_words(index: int) -> str:
    return f"{MONTH_NAMES[index % 12]} {1970 + index // 12}"


def _after(months: int) -> str:
    if months == 0:
        return "in the month they entered"
    return f"{months} month{'s' if months > 1 else ''} after entering"


def _date_words(d: date) -> str:
    return f"{d.day} {MONTH_NAMES[d.month - 1]} {d.year}"


def last_full_month(export_date: date) -> int:
    """The month index (months since January 1970) of the last calendar month
    completely observed at ``export_date``: its own month when it is the
    month's last day, else the month before."""
    month = _month_index(export_date)
    return month if (export_date + timedelta(days=1)).month != export_date.month else month - 1


@dataclass(frozen=True)
class _Observations:
    times: IntArray  # month offset of the conversion, or of the last month followed
    converted: npt.NDArray[np.bool_]  # True: the time is a conversion
    followed: IntArray  # months followed: last full month - entry month
    in_flight: int  # entered after the last full month
    skipped: int


def _months(days: FloatArray) -> IntArray:
    """Month index (months since January 1970) of days since 1970-01-01."""
    stamps = np.floor(days).astype(np.int64).astype("datetime64[D]").astype("datetime64[M]")
    return stamps.astype(np.int64)


def _observe(entered: FloatArray, converted: FloatArray, cutoff: int, max_months: int) -> _Observations:
    known = np.isfinite(entered)
    done = known & np.isfinite(converted)
    backwards = np.zeros(len(entered), dtype=bool)
    backwards[done] = converted[done] < entered[done]
    start = np.zeros(len(entered), dtype=np.int64)
    start[known] = _months(entered[known])
    followed = cutoff - start
    in_flight = known & ~backwards & (followed < 0)
    used = known & ~backwards & ~in_flight
    offset = np.full(len(entered), max_months + 1, dtype=np.int64)
    offset[done] = _months(converted[done]) - start[done]
    last = np.minimum(followed, max_months)
    event = (offset <= last)[used]
    times = np.where(event, offset[used], last[used])
    return _Observations(times, event, followed[used], int(in_flight.sum()), int(backwards.sum()))


def _kaplan_meier_cdf(obs: _Observations, horizon: int) -> npt.NDArray[np.float64]:
    """``F[j]`` = Kaplan-Meier probability of converting at month offset <= j, j = 0..horizon."""
    times = obs.times.astype(np.float64)
    data = CensoredData(uncensored=times[obs.converted], right=times[~obs.converted])
    cdf = ecdf(data).cdf.evaluate(np.arange(horizon + 1, dtype=np.float64))
    return np.asarray(cdf, dtype=np.float64)


def _effective_sample(obs: _Observations, horizon: int, rate: float) -> int:
    """Items that would give the rate the same precision without censoring:
    ``rate*(1-rate) / Var``, Var by Greenwood's formula at the horizon (exactly
    the number of items when none is censored); within 1..items."""
    n = len(obs.times)
    if not 0.0 < rate < 1.0:
        return n
    deaths = np.bincount(obs.times[obs.converted], minlength=horizon + 1)[: horizon + 1].astype(np.float64)
    at_risk = (n - np.concatenate(([0], np.cumsum(np.bincount(obs.times, minlength=horizon + 1))[:horizon]))).astype(
        np.float64
    )
    used = deaths > 0
    greenwood = float(np.sum(deaths[used] / (at_risk[used] * (at_risk[used] - deaths[used]))))
    variance = (1.0 - rate) ** 2 * greenwood
    if variance <= 0.0:
        return n
    return int(min(n, max(1, round(rate * (1.0 - rate) / variance))))


def _failed(problem: str, obs: _Observations, censored: int) -> CohortEstimate:
    items = len(obs.times)
    naive = float(np.mean(obs.converted)) if items else 0.0
    return CohortEstimate(
        0.0, (), 0, 0.0, censored, skipped=obs.skipped, items=items, naive_rate=naive, problem=problem
    )


def cohort_transition(
    entered: Sequence[date],
    converted: Sequence[date | None],
    export_date: date,
    max_months: int = MAX_PROFILE_MONTHS,
    *,
    min_at_risk: int = MIN_AT_RISK,
    noun: str = "leads",
) -> CohortEstimate:
    """:func:`cohort_transition_days` on dates (None: no conversion seen)."""
    if len(entered) != len(converted):
        raise ValueError("entered and converted must have the same length")
    start = np.array([d.toordinal() - UNIX_DAY0 for d in entered], dtype=np.float64)
    end = np.array([np.nan if d is None else d.toordinal() - UNIX_DAY0 for d in converted], dtype=np.float64)
    return cohort_transition_days(start, end, export_date, max_months, min_at_risk=min_at_risk, noun=noun)


def cohort_transition_days(
    entered: FloatArray,
    converted: FloatArray,
    export_date: date,
    max_months: int = MAX_PROFILE_MONTHS,
    *,
    min_at_risk: int = MIN_AT_RISK,
    noun: str = "leads",
) -> CohortEstimate:
    """Estimate one transition's rate and monthly timing profile from cohorts.

    Item ``i`` entered the upper stage on day ``entered[i]`` and the next
    stage on day ``converted[i]`` (days since 1970-01-01, as the importer
    reads date columns; NaN: not yet, or never; an item with a NaN entry
    day is ignored). Time is counted as the planner's calendar counts it:
    the month offset ``j`` between the entry month and the conversion month
    (same calendar month: ``j = 0``).

    Observation window: the export month is only partly observed, so only
    months up to the last full month ``L`` count (``L`` = the export month
    when ``export_date`` is its last day, else the month before); a
    conversion after ``L`` is not seen yet. An item entering in month ``m``
    is followed through offset ``L - m`` (capped at ``max_months``); items
    entering after ``L`` are in flight and left out of the estimate.

    Estimate (a cure-model view of Kaplan-Meier): ``F(j)`` = the
    Kaplan-Meier probability of converting by offset ``j``
    (``scipy.stats.ecdf`` on right-censored data: a conversion is an event
    at ``j``; an item without one seen is censored at the last offset it was
    followed, i.e. still at risk there; items that never convert stay
    censored, so ``F`` levels off at the conversion rate rather than 1).

    * horizon ``H`` = the largest offset ``<= max_months`` at which at least
      ``min_at_risk`` items are still followed (later offsets rest on too
      few items; conversions there are left out).
    * ``rate = F(H)``: the KM cumulative conversion probability at the
      horizon. It estimates what the share converted within ``H`` months
      among the cohorts old enough to be followed ``H`` months estimates,
      and also uses what the younger cohorts show of the early months.
    * ``profile[j] = (F(j) - F(j-1)) / F(H)`` for ``j = 0..H`` (``F(-1) = 0``):
      the timing given conversion within the horizon; trailing zeros trimmed.
    * ``sample`` = ``rate*(1-rate) / Var(F(H))`` with Greenwood's variance:
      the number of uncensored items giving the same precision (all items
      when none is censored), at most the items used; all items when the
      rate is 1.

    Edge cases: a conversion dated before its entry is a data error, left out
    and counted in ``skipped``; a conversion after ``max_months`` counts as
    none; same-day conversions are offset 0. The result carries a
    ``problem`` in words (rate 0, empty profile) when fewer than
    ``min_at_risk`` items can be used (every item in flight, a single
    cohort entered in the export month) or when no conversion is seen (a
    rate of 0 is not a plan rate). ``noun`` names the items in messages.
    Raises ValueError for sequences of different lengths or ``max_months``
    outside 0..36 (programming errors).
    """
    if len(entered) != len(converted):
        raise ValueError("entered and converted must have the same length")
    if not 0 <= max_months <= MAX_PROFILE_MONTHS:
        raise ValueError(f"max_months must be within 0..{MAX_PROFILE_MONTHS}")
    cutoff = last_full_month(export_date)
    obs = _observe(np.asarray(entered, dtype=np.float64), np.asarray(converted, dtype=np.float64), cutoff, max_months)
    censored = obs.in_flight + int(np.sum(~obs.converted & (obs.times < max_months)))
    items = len(obs.times)
    if items < max(1, min_at_risk):
        return _failed(_too_few_message(items, obs, cutoff, export_date, min_at_risk, noun), obs, censored)
    if not obs.converted.any():
        return _failed(
            f"No {noun} had moved on to the next stage by the end of {_month_words(cutoff)} ({items} entered by "
            f"then); a rate of 0 cannot go into the plan.",
            obs,
            censored,
        )
    return _estimate(obs, cutoff, max_months, min_at_risk, noun, censored)


def _estimate(
    obs: _Observations, cutoff: int, max_months: int, min_at_risk: int, noun: str, censored: int
) -> CohortEstimate:
    """The Kaplan-Meier estimate once there are enough items and some conversion."""
    items = len(obs.times)
    leaving = np.bincount(obs.times, minlength=max_months + 1)
    at_risk = items - np.concatenate(([0], np.cumsum(leaving)[:-1]))
    horizon = int(np.flatnonzero(at_risk[: max_months + 1] >= min_at_risk)[-1])
    cdf = _kaplan_meier_cdf(obs, horizon)
    rate = float(cdf[-1])
    if rate <= 0.0:
        return _failed(
            f"No {noun} moved on to the next stage in the months the data follows enough of them ({items} "
            f"entered by the end of {_month_words(cutoff)}); a rate of 0 cannot go into the plan.",
            obs,
            censored,
        )
    profile = _profile(cdf, rate)
    warning = None
    if horizon < max_months and len(profile) == horizon + 1:
        warning = (
            f"{noun[:1].upper() + noun[1:]} were still moving on to the next stage {_after(horizon)}, the longest "
            f"the data follows at least {min_at_risk} of them; later moves are not counted, so the rate may be low."
        )
    return CohortEstimate(
        rate=rate,
        profile=profile,
        sample=_effective_sample(obs, horizon, rate),
        mean_lag_days=DAYS_PER_MONTH * sum(j * p for j, p in enumerate(profile)),
        censored=censored,
        skipped=obs.skipped,
        items=items,
        mature=int(np.sum(obs.followed >= horizon)),
        horizon_months=horizon,
        naive_rate=float(np.mean(obs.converted)),
        warning=warning,
    )


def _profile(cdf: npt.NDArray[np.float64], rate: float) -> tuple[float, ...]:
    steps = np.clip(np.diff(cdf, prepend=0.0), 0.0, None) / rate
    last = int(np.flatnonzero(steps > 0.0)[-1])
    steps = steps[: last + 1]
    return tuple(float(s) for s in steps / steps.sum())


def _too_few_message(
    items: int, obs: _Observations, cutoff: int, export_date: date, min_at_risk: int, noun: str
) -> str:
    if items == 0 and obs.skipped and not obs.in_flight:
        return f"The next-stage date is before the entry date for all {noun} ({obs.skipped}); check the dates."
    text = (
        f"Too few {noun} to measure the rate and timing: {items} entered by the end of {_month_words(cutoff)} (the "
        f"last full month before the export date, {_date_words(export_date)}), at least {min_at_risk} are needed."
    )
    if obs.in_flight:
        text += f" Entered later and still in flight: {obs.in_flight}."
    if obs.skipped:
        text += f" Left out because the next-stage date is before the entry date: {obs.skipped}."
    return text


def share_with_sample(successes: int, trials: int) -> tuple[float, int]:
    """A share and the number of items it rests on (plan ``share_sample``):
    ``(successes / trials, trials)``. Raises ValueError unless
    ``0 <= successes <= trials`` and ``trials > 0``."""
    if trials <= 0 or not 0 <= successes <= trials:
        raise ValueError("need 0 <= successes <= trials and trials > 0")
    return successes / trials, trials
