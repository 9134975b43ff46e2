"""Calibrating a plan from last year's data.

Starting from a base plan, every figure the data supports is replaced and
recorded as a :class:`CalibratedFigure` (field path, value, sample size,
warning). Figures resting on fewer than :data:`MIN_SAMPLE` items carry a
warning. Everything else in the base plan is kept.

Lead-level data (a row per lead), for data stages ``k -> k+1``:

* reached: a lead reached stage ``k`` when it has a date for ``k``, a
  status at or beyond ``k``, or reached a later stage (reaching is made
  monotone, top to bottom); every lead reached the first stage.
* lag ``l_k`` = median of ``date_{k+1} - date_k`` in days (leads with both
  dates, in order); ``p90_k`` its 90th percentile.
* rate ``c_k`` is **cohort-based**: only leads that entered stage ``k``
  (their stage date, else their created date) at least ``p90_k`` days
  before the last date in the data count; ``c_k`` = share of them that
  reached ``k+1``. Recent leads still in flight would otherwise bias the
  rate down. Sample = those leads.
* channel mix = leads per channel / all leads with a channel (channels
  named like a free source of the base plan are free, not paid); channel
  rate = the cohort rate of the first transition among the channel's leads;
  cost per lead = channel spend / channel leads in the months the spend
  table covers.
* lead spec: leads presented to the gate are those reaching the stage
  before it; criterion share = share of them meeting it (blank cells: not
  assessed, left out); empirical pass rate = presented leads qualifying
  under the spec (every required criterion met and points >= threshold) /
  presented leads with every criterion assessed.
* seasonality: won revenue (amount, by won date) per calendar month /
  total; needs all 12 calendar months. The plan's total target is kept and
  split by it. Average deal size = mean amount of won leads.

Monthly summaries: a transition's rate is ``sum_t V_{k+1}[t+a] /
sum_t V_k[t]`` over the months where both are present, ``a`` the base
plan's lag in whole months (monthly totals cannot show lags, so lags are
kept). Mix and cost per lead come from per-channel leads and spend;
seasonality from revenue (or won deals); deal size = revenue / deals.

A leads report and a deals report on two sheets that no ID joins
(Salesforce's Leads and Opportunities reports exported without the ids)
each calibrate what they cover: the leads the stages up to the deals'
first stage, the sources and the channel mix; the deals the stages from
there on and the deal size (:mod:`core.importer.calibrate.two_reports`).

Data stages are matched to the base plan's stages by name (synonyms:
"MQLs" is MQL). A data transition spanning base stages (the data has no
"Proposal") sets the product of their rates (each scaled by the same
factor) and the sum of their lags (each scaled in proportion).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from core.formats.xlsx.location import location
from core.importer.bulk import bulk_reading
from core.importer.calibrate.common import MIN_SAMPLE, CalibratedFigure, Calibration, Progress, rows_of
from core.importer.calibrate.leads import calibrate_leads
from core.importer.calibrate.monthly import calibrate_monthly
from core.importer.calibrate.two_reports import calibrate_two_reports
from core.importer.scan import ImportCancelled, Scan
from core.importer.wording import in_words
from core.model.plan import Plan, Problem

# --------------------------------------------------------------------------- entry point


def calibrate(
    scan: Scan,
    base: Plan,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Calibration:
    """Calibrate ``base`` from the scanned data (see the module docstring).

    Reports progress 0..1 through ``progress`` and raises
    :class:`ImportCancelled` as soon as ``cancelled()`` returns True. Never
    raises for bad data: a bad cell is a Problem naming file, sheet and
    cell, and the plan is None when any error was found.
    """
    with bulk_reading():
        return _calibrate(scan, base, Progress(progress, cancelled))


def _calibrate(scan: Scan, base: Plan, steps: Progress) -> Calibration:
    steps.step(0.0)
    problems: list[Problem] = [p for p in scan.problems]
    table = scan.table
    if not scan.ok or table is None:
        if not any(p.severity == "error" for p in problems):
            problems.append(
                Problem("file", "Nothing to calibrate from: no table was recognised.", location=location(scan.path))
            )
        return Calibration(None, (), tuple(problems), scan.shape)
    rows = rows_of(scan, table, problems)
    if rows is None:
        return Calibration(None, (), tuple(problems), scan.shape)
    deal_rows = rows_of(scan, scan.deal_table, problems) if scan.deal_table is not None else None
    if scan.deal_table is not None and deal_rows is None:
        return Calibration(None, (), tuple(problems), scan.shape)
    steps.step(0.1)
    try:
        if table.shape == "leads" and deal_rows is not None:
            result = calibrate_two_reports(scan, rows, deal_rows, base, problems, steps)
        elif table.shape == "leads":
            result = calibrate_leads(scan, table, rows, base, problems, steps)
        else:
            result = calibrate_monthly(scan, table, rows, base, problems, steps)
        return replace(result, problems=in_words(result.problems, result.plan or base))
    except ImportCancelled:
        raise
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except Exception as exc:  # a bug must still not reach the user as a traceback
        problems.append(
            Problem(
                "file",
                f"The data could not be calibrated ({type(exc).__name__}: {str(exc)[:160]}). Please report this with the file.",
                location=location(scan.path, table.sheet),
            )
        )
        return Calibration(None, (), tuple(problems), table.shape)


__all__ = ["MIN_SAMPLE", "CalibratedFigure", "Calibration", "calibrate"]
