"""A transition's rate and timing from cohorts with leads still in flight
(core/importer/calibrate/cohorts.py): simulated exports from a known truth,
hand-counted Kaplan-Meier cases, the edge cases and invariants."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.importer.calibrate.cohorts import (
    DAYS_PER_MONTH,
    CohortEstimate,
    cohort_transition,
    cohort_transition_days,
    last_full_month,
    share_with_sample,
)

settings.register_profile("cohorts", parent=settings.get_profile("ci"), max_examples=40)

EXPORT = date(2025, 7, 10)  # leads entered January 2024 .. June 2025; the last months' still in flight
# Half close within two months, half after a budget cycle of 8 to 12 months.
LONG_PROFILE = (0.15, 0.10, 0.05, 0.0, 0.0, 0.0, 0.0, 0.0, 0.10, 0.15, 0.20, 0.15, 0.10)
SHORT_PROFILE = (0.1, 0.3, 0.3, 0.2, 0.1)


def _months_after(d: date, months: int) -> tuple[int, int]:
    index = d.year * 12 + d.month - 1 + months
    return index // 12, index % 12 + 1


def _offset(entered: date, converted: date) -> int:
    return (converted.year - entered.year) * 12 + converted.month - entered.month


def simulate(
    seed: int, rate: float, profile: Sequence[float], per_month: int, growth: float, months: int = 18
) -> tuple[list[date], list[date | None]]:
    """Leads entering over ``months`` months from January 2024 (``per_month``
    in the first, growing by ``growth`` a month), each converting with
    probability ``rate`` in the calendar month ``j`` after its entry month
    with probability ``profile[j]``; conversions after the export date are
    not in the export yet (None)."""
    rng = np.random.default_rng(seed)
    entered: list[date] = []
    converted: list[date | None] = []
    for k in range(months):
        year, month = _months_after(date(2024, 1, 1), k)
        count = round(per_month * (1 + growth) ** k)
        days = rng.integers(1, calendar.monthrange(year, month)[1] + 1, count)
        converts = rng.random(count) < rate
        offsets = rng.choice(len(profile), count, p=np.asarray(profile))
        for day, yes, j in zip(days.tolist(), converts.tolist(), offsets.tolist(), strict=True):
            entered.append(date(year, month, day))
            if not yes:
                converted.append(None)
                continue
            cy, cm = _months_after(date(year, month, 1), j)
            first = day if j == 0 else 1  # the same month: on or after the entry day
            when = date(cy, cm, int(rng.integers(first, calendar.monthrange(cy, cm)[1] + 1)))
            converted.append(when if when <= EXPORT else None)
    return entered, converted


def true_lag_days(profile: Sequence[float]) -> float:
    return DAYS_PER_MONTH * sum(j * p for j, p in enumerate(profile))


def naive(entered: Sequence[date], converted: Sequence[date | None]) -> tuple[float, float]:
    """What a calibration without cohorts gives: converted / all entered, and
    the mean lag of the converters seen."""
    pairs = [(e, c) for e, c in zip(entered, converted, strict=True) if c is not None]
    return len(pairs) / len(entered), DAYS_PER_MONTH * float(np.mean([_offset(e, c) for e, c in pairs]))


def relative_error(estimate: float, truth: float) -> float:
    return abs(estimate / truth - 1.0)


@pytest.mark.parametrize("seed", [1, 2])
def test_cohorts_recover_rate_and_lag_where_the_naive_calibration_fails(seed: int) -> None:
    entered, converted = simulate(seed, 0.3, LONG_PROFILE, per_month=250, growth=0.08)
    est = cohort_transition(entered, converted, EXPORT)

    assert est.problem is None
    assert relative_error(est.rate, 0.3) <= 0.10
    assert relative_error(est.mean_lag_days, true_lag_days(LONG_PROFILE)) <= 0.20
    naive_rate, naive_lag = naive(entered, converted)
    assert relative_error(naive_rate, 0.3) > 0.10
    assert relative_error(naive_lag, true_lag_days(LONG_PROFILE)) > 0.20
    assert est.naive_rate < 0.3 * 0.9
    # the profile is the timing, month by month, not just its mean
    measured = np.zeros(37)
    measured[: len(est.profile)] = est.profile
    truth = np.zeros(37)
    truth[: len(LONG_PROFILE)] = LONG_PROFILE
    assert 0.5 * np.abs(measured - truth).sum() < 0.08
    # leads of the last months are in flight; the rate rests on fewer items than entered
    assert est.censored > len(entered) // 2
    assert 0 < est.mature < est.sample < est.items <= len(entered)
    assert est.warning is None


def test_short_profile_from_the_plan_format_example() -> None:
    entered, converted = simulate(3, 0.25, SHORT_PROFILE, per_month=300, growth=0.0)
    est = cohort_transition(entered, converted, EXPORT)
    assert relative_error(est.rate, 0.25) <= 0.10
    assert relative_error(est.mean_lag_days, true_lag_days(SHORT_PROFILE)) <= 0.20
    assert max(abs(a - b) for a, b in zip(est.profile, SHORT_PROFILE, strict=False)) < 0.05


def test_kaplan_meier_counted_by_hand() -> None:
    """January: 10 leads, 2 convert in January, 2 in February. March (the
    export month, complete): 10 leads, 2 convert in March, 8 in flight.
    Offset 0: 4 of 20 convert (S = 0.8); offset 1: 2 of the 8 January leads
    still at risk (S = 0.6): rate 0.4, half in each month."""
    jan, mar = date(2025, 1, 5), date(2025, 3, 5)
    entered = [jan] * 10 + [mar] * 10
    converted: list[date | None] = [jan, jan, date(2025, 2, 1), date(2025, 2, 9), *[None] * 6]
    converted += [mar, date(2025, 3, 31), *[None] * 8]
    est = cohort_transition(entered, converted, date(2025, 3, 31), min_at_risk=5)
    assert est.rate == pytest.approx(0.4)
    assert est.profile == pytest.approx((0.5, 0.5))
    assert est.mean_lag_days == pytest.approx(0.5 * DAYS_PER_MONTH)
    assert est.naive_rate == pytest.approx(0.3)
    assert (est.items, est.censored, est.horizon_months, est.mature) == (20, 14, 2, 10)


def test_the_partly_observed_export_month_is_left_out() -> None:
    """Exported on 15 March: March is not over, so a March conversion is not
    counted yet and March's leads are in flight; exported on 31 March it is:
    offset 0, 4 of 25 convert (S = 0.84); offset 2, 4 of the 16 January
    leads left (S = 0.63)."""
    entered = [date(2025, 1, 10)] * 20 + [date(2025, 3, 2)] * 5
    converted: list[date | None] = [date(2025, 1, 20)] * 4 + [date(2025, 3, 3)] * 4 + [None] * 17
    mid = cohort_transition(entered, converted, date(2025, 3, 15))
    assert last_full_month(date(2025, 3, 15)) == last_full_month(date(2025, 2, 28)) == (2025 - 1970) * 12 + 1
    assert mid.rate == pytest.approx(0.2)
    assert (mid.profile, mid.items, mid.censored) == ((1.0,), 20, 21)
    end = cohort_transition(entered, converted, date(2025, 3, 31))
    assert end.rate == pytest.approx(0.37)
    assert end.profile == pytest.approx((0.16 / 0.37, 0.0, 0.21 / 0.37))
    assert (end.items, end.censored) == (25, 17)


def test_single_cohort_without_censoring_is_the_plain_share() -> None:
    entered = [date(2024, 2, 1) + timedelta(days=i % 28) for i in range(100)]
    converted: list[date | None] = [None] * 100
    for i in range(30):  # 10 the same day, 15 a month later, 5 three months later
        converted[i] = entered[i] + timedelta(days=0 if i < 10 else 29 if i < 25 else 90)
    est = cohort_transition(entered, converted, date(2024, 12, 31))
    assert est.rate == pytest.approx(0.3)
    assert est.profile == pytest.approx((10 / 30, 15 / 30, 0.0, 5 / 30))
    assert est.sample == est.items == est.mature == 100  # Greenwood gives every item when none is censored early
    assert est.mean_lag_days == pytest.approx(DAYS_PER_MONTH * (15 + 15) / 30)


def test_same_day_conversions_are_month_zero() -> None:
    days = [date(2024, 5, 1) + timedelta(days=i) for i in range(40)]
    est = cohort_transition(days, [d if i % 2 else None for i, d in enumerate(days)], date(2024, 12, 1))
    assert est.rate == pytest.approx(0.5)
    assert est.profile == (1.0,)
    assert est.mean_lag_days == 0.0


def test_conversions_before_entry_are_skipped_and_counted() -> None:
    entered, converted = simulate(4, 0.3, SHORT_PROFILE, per_month=40, growth=0.0)
    clean = cohort_transition(entered, converted, EXPORT)
    bad_entered = [*entered, date(2025, 1, 10), date(2025, 2, 10)]
    bad_converted = [*converted, date(2025, 1, 9), date(2024, 2, 10)]
    dirty = cohort_transition(bad_entered, bad_converted, EXPORT)
    assert dirty.skipped == 2
    assert (dirty.rate, dirty.profile, dirty.items) == (clean.rate, clean.profile, clean.items)


def test_no_conversion_is_a_problem_not_a_rate_of_zero() -> None:
    entered = [date(2024, 1, 1) + timedelta(days=i) for i in range(50)]
    est = cohort_transition(entered, [None] * 50, date(2024, 6, 30), noun="MQLs")
    assert est.problem is not None
    assert est.problem == (
        "No MQLs had moved on to the next stage by the end of June 2024 (50 entered by then); "
        "a rate of 0 cannot go into the plan."
    )
    assert (est.rate, est.profile, est.sample) == (0.0, (), 0)


def test_every_lead_in_flight_is_a_problem() -> None:
    entered = [date(2025, 7, 1)] * 30
    converted: list[date | None] = [date(2025, 7, 3)] * 5 + [None] * 25
    est = cohort_transition(entered, converted, EXPORT)
    assert est.problem is not None
    assert "Too few leads to measure the rate and timing: 0 entered by the end of June 2025" in est.problem
    assert "10 July 2025" in est.problem and "still in flight: 30" in est.problem
    assert est.censored == 30 and est.profile == ()


def test_every_conversion_before_its_entry_is_a_problem() -> None:
    entered = [date(2024, 3, 10)] * 12
    est = cohort_transition(entered, [date(2024, 3, 1)] * 12, EXPORT)
    assert est.problem is not None and "before the entry date for all leads (12)" in est.problem
    assert est.skipped == 12


def test_conversions_later_than_max_months_count_as_none() -> None:
    entered = [date(2022, 1, 15)] * 20
    converted: list[date | None] = [date(2022, 2, 1)] * 5 + [date(2023, 6, 1)] * 5 + [None] * 10
    est = cohort_transition(entered, converted, EXPORT, max_months=12)
    assert est.rate == pytest.approx(0.25)
    assert est.profile == (0.0, 1.0)
    assert cohort_transition(entered, converted, EXPORT).rate == pytest.approx(0.5)


def test_conversions_still_coming_at_the_horizon_are_a_warning() -> None:
    entered = [date(2025, 5, 3)] * 20
    converted: list[date | None] = [date(2025, 5, 20)] * 4 + [date(2025, 6, 20)] * 4 + [None] * 12
    est = cohort_transition(entered, converted, EXPORT)
    assert est.problem is None and est.horizon_months == 1
    assert est.warning is not None and "still moving on to the next stage 1 month after entering" in est.warning


def test_mismatched_lengths_and_max_months_are_refused() -> None:
    with pytest.raises(ValueError):
        cohort_transition([date(2024, 1, 1)], [], EXPORT)
    with pytest.raises(ValueError):
        cohort_transition([], [], EXPORT, max_months=37)


def test_days_since_1970_as_the_importer_reads_dates_give_the_same_estimate() -> None:
    entered, converted = simulate(5, 0.3, SHORT_PROFILE, per_month=40, growth=0.0)
    day0 = date(1970, 1, 1)
    start = np.array([(d - day0).days for d in entered], dtype=np.float64)
    end = np.array([np.nan if d is None else (d - day0).days for d in converted], dtype=np.float64)
    by_dates = cohort_transition(entered, converted, EXPORT)
    assert cohort_transition_days(start, end, EXPORT) == by_dates
    # a row without an entry date is not an item
    with_blank = cohort_transition_days(np.append(start, np.nan), np.append(end, start[0]), EXPORT)
    assert with_blank == by_dates


def test_share_with_sample() -> None:
    assert share_with_sample(12, 48) == (0.25, 48)
    for bad in ((5, 0), (-1, 3), (4, 3)):
        with pytest.raises(ValueError):
            share_with_sample(*bad)


@st.composite
def cohort_data(draw: st.DrawFn) -> tuple[list[date], list[date | None], date, int]:
    base = date(2023, 1, 1)
    rows = draw(
        st.lists(st.tuples(st.integers(0, 700), st.one_of(st.none(), st.integers(-30, 500))), min_size=3, max_size=150)
    )
    entered = [base + timedelta(days=e) for e, _ in rows]
    converted = [None if c is None else base + timedelta(days=e + c) for e, c in rows]
    last = max((e for e, _ in rows), default=0)
    export = base + timedelta(days=last + draw(st.integers(-60, 500)))
    return entered, converted, export, draw(st.integers(0, 36))


@settings(parent=settings.get_profile("cohorts"))
@given(cohort_data(), st.integers(1, 8))
def test_estimate_invariants(data: tuple[list[date], list[date | None], date, int], min_at_risk: int) -> None:
    entered, converted, export, max_months = data
    est: CohortEstimate = cohort_transition(entered, converted, export, max_months, min_at_risk=min_at_risk)
    assert est.skipped == sum(c is not None and c < e for e, c in zip(entered, converted, strict=True))
    assert est.items + est.skipped <= len(entered)
    assert 0 <= est.censored <= len(entered) - est.skipped
    if est.problem is not None:
        assert (est.rate, est.profile, est.sample) == (0.0, (), 0)
        assert "[" not in est.problem and "\n" not in est.problem
        return
    assert 0.0 < est.rate <= 1.0
    assert len(est.profile) <= min(37, max_months + 1, est.horizon_months + 1)
    assert all(p >= 0.0 for p in est.profile) and est.profile[-1] > 0.0
    assert sum(est.profile) == pytest.approx(1.0, abs=1e-9)
    assert 1 <= est.sample <= est.items
    assert 0 <= est.mature <= est.items
    assert est.mean_lag_days == pytest.approx(DAYS_PER_MONTH * sum(j * p for j, p in enumerate(est.profile)))
