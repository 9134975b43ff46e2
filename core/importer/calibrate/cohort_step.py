"""One lead-level transition measured on cohorts: the bridge between the
importer's day numbers and :func:`core.importer.calibrate.cohorts.cohort_transition`
(Kaplan-Meier with the leads still in flight at the export date censored)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from core.importer.calibrate.cohorts import CohortEstimate

FloatArray = npt.NDArray[np.float64]
MAX_UNDATED_SHARE = 0.05  # more leads moving on without a date than this: the cohorts cannot time the step


def as_dates(days: FloatArray) -> list[dt.date]:
    """Days since 1970-01-01 as dates."""
    return list(np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype(object))


def cohort_step(
    entry: FloatArray,
    target: FloatArray,
    reached_from: npt.NDArray[np.bool_],
    reached_to: npt.NDArray[np.bool_],
    last: float,
    noun: str = "leads",
) -> CohortEstimate | None:
    """The step from a stage (entered on ``entry``) to the next (entered on
    ``target``) by cohorts; None when the data cannot time it (no entry
    dates, too many leads moving on without a date, too few leads)."""
    from core.importer.calibrate.cohorts import cohort_transition_days  # scipy: loaded when a lead table is calibrated

    if not np.isfinite(last):
        return None
    use = reached_from & ~np.isnan(entry)
    if not use.any():
        return None
    moved = use & reached_to
    undated = moved & np.isnan(target)
    if int(moved.sum()) == 0 or int(undated.sum()) > MAX_UNDATED_SHARE * int(moved.sum()):
        return None
    use &= ~undated
    # whole days, as dates would give them (the day numbers stay arrays: no date objects for 100,000 leads)
    entered = np.floor(entry[use])
    converted = np.floor(np.where(reached_to[use], target[use], np.nan))
    export = as_dates(np.array([last]))[0]
    estimate = cohort_transition_days(entered, converted, export, noun=noun)
    return None if estimate.problem else estimate
