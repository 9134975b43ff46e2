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

Data stages are matched to the base plan's stages by name (synonyms:
"MQLs" is MQL). A data transition spanning base stages (the data has no
"Proposal") sets the product of their rates (each scaled by the same
factor) and the sum of their lags (each scaled in proportion).
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from core.calc.lead_spec import criteria_pass_rate
from core.formats.xlsx.location import cell_name, location, place
from core.importer.columns import CANONICAL_STAGES, normalize, role_channel, role_stage, stage_key
from core.importer.readers import (
    CellErrors,
    FloatArray,
    Grid,
    ImportCancelled,
    Scan,
    Table,
    blank_mask,
    column_values,
    error_cell_problems,
    month_keys,
    open_workbook,
    read_dates,
    read_flags,
    read_numbers,
    read_sheet,
    read_texts,
    text_codes,
)
from core.importer.summaries import left_out_note, table_summary_rows
from core.importer.wording import in_words
from core.model.plan import Channel, EmpiricalPassRate, FreeSource, LeadSpec, Plan, Problem, Stage
from core.model.validation import validate

MIN_SAMPLE = 30
DAYS_PER_MONTH = 365.25 / 12
LAG_QUANTILE = 0.90
_NO_STAGE_STATUSES = {
    "lost", "closed lost", "disqualified", "unqualified", "junk", "spam", "nurture", "recycled", "open", "new",
    "bad data", "duplicate", "not interested", "dead", "rejected", "closed", "cold", "working", "contacted",
}  # fmt: skip
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class CalibratedFigure:
    """One figure taken from the data.

    ``field`` is the plan's JSON path (``stages[1].rate``,
    ``channels[0].mix``, ``lead_spec.empirical.pass_rate``,
    ``revenue_target`` for the seasonality profile); ``label`` says it in
    words; ``value`` is what the plan now holds (a 12-tuple for the
    seasonality profile, January first); ``sample`` the number of items
    (leads, deals, months) it rests on; ``warning`` why not to trust it
    (None when fine); ``previous`` the base plan's value; ``basis`` how it
    was computed.
    """

    field: str
    label: str
    value: float | tuple[float, ...]
    sample: int
    warning: str | None = None
    previous: float | tuple[float, ...] | None = None
    basis: str = ""


@dataclass(frozen=True)
class Calibration:
    """The calibrated plan (None when refused) and how it was obtained."""

    plan: Plan | None
    figures: tuple[CalibratedFigure, ...]
    problems: tuple[Problem, ...]
    shape: str | None = None
    rows: int = 0
    first_date: str | None = None
    last_date: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Every figure's warning, prefixed by its label."""
        return tuple(f"{f.label}: {f.warning}" for f in self.figures if f.warning)

    def figure(self, field_path: str) -> CalibratedFigure | None:
        """The figure for a field path, if calibrated."""
        return next((f for f in self.figures if f.field == field_path), None)


def _small(sample: int, what: str) -> str | None:
    if sample < MIN_SAMPLE:
        return f"rests on only {sample} {what} (fewer than {MIN_SAMPLE}); check it before trusting it."
    return None


def _date_text(days: float) -> str:
    return str(np.datetime64(int(days), "D"))


def _background(fn: Callable[..., list[Problem]], *args: Any) -> Future[list[Problem]]:
    """Run ``fn`` in a short-lived thread; the future gives its result."""
    future: Future[list[Problem]] = Future()

    def run() -> None:
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # delivered to the caller by result()
            future.set_exception(exc)

    threading.Thread(target=run, name="import-error-cells", daemon=True).start()
    return future


class _Progress:
    def __init__(self, progress: Callable[[float], None] | None, cancelled: Callable[[], bool] | None) -> None:
        self.progress = progress
        self.cancelled = cancelled

    def step(self, fraction: float) -> None:
        if self.cancelled is not None and self.cancelled():
            raise ImportCancelled("The import was cancelled.")
        if self.progress is not None:
            self.progress(min(1.0, max(0.0, fraction)))


# --------------------------------------------------------------------------- stage alignment


def _stage_match(name: str, base: Plan) -> int | None:
    key = stage_key(name)
    for index, stage in enumerate(base.stages):
        if normalize(stage.name) == normalize(name):
            return index
    if key is not None:
        for index, stage in enumerate(base.stages):
            if stage_key(stage.name) == key:
                return index
    return None


def _data_stages(table: Table, scan: Scan, statuses: dict[str, str | None]) -> list[str]:
    """The data's stages top to bottom (the first is the raw lead)."""
    mapping = scan.mapping
    named = [role_stage(c.role) for c in table.columns if c.role.startswith(("stage:", "date:"))]
    names = {n for n in named if n}
    names |= {s for s in statuses.values() if s}
    if mapping and mapping.stages:
        order = list(mapping.stages)
        extra = [n for n in names if n.casefold() not in {o.casefold() for o in order}]
        return order + sorted(extra)
    canonical = [s for s in CANONICAL_STAGES if s in names or s == CANONICAL_STAGES[0]]
    others = sorted(n for n in names if n not in CANONICAL_STAGES)
    return canonical + others


@dataclass
class _Transition:
    """A measured data transition between data stages ``a`` and ``b``."""

    rate: float | None
    rate_sample: int
    lag: float | None
    lag_sample: int
    basis: str
    rate_warning: str | None = None
    lag_warning: str | None = None


def _apply_transitions(
    base: Plan,
    matched: list[int | None],
    data_names: list[str],
    transitions: list[_Transition],
    figures: list[CalibratedFigure],
    problems: list[Problem],
) -> tuple[Stage, ...]:
    stages = list(base.stages)
    pairs = [(i, m) for i, m in enumerate(matched) if m is not None]
    for (i, a), (j, b) in itertools.pairwise(pairs):
        if b <= a:
            problems.append(
                Problem(
                    "stages",
                    f"The data's stage '{data_names[j]}' comes after '{data_names[i]}' but the plan has it before; "
                    "that transition was not calibrated. Give the stages' order in the mapping file.",
                    "warning",
                )
            )
            continue
        # the measured transition from data stage i to j (j may be > i+1 when a data stage is unmatched)
        measured = transitions[i] if j == i + 1 else None
        if measured is None:
            continue
        span = list(range(a, b))
        label = f"{base.stages[a].name} → {base.stages[b].name}"
        spanned = ""
        if len(span) > 1:
            spanned = (
                f" (spans {', '.join(base.stages[k].name for k in span[1:])}: each rate scaled by the same factor)"
            )
        if measured.rate is not None and measured.rate > 0:
            old = [stages[k].rate or 0.0 for k in span]
            product = math.prod(old)
            if len(span) == 1 or product <= 0:
                new = [measured.rate ** (1 / len(span))] * len(span) if product <= 0 else [measured.rate]
            else:
                factor = (measured.rate / product) ** (1 / len(span))
                new = [min(1.0, r * factor) for r in old]
            for k, rate in zip(span, new, strict=True):
                stages[k] = replace(stages[k], rate=rate)
                figures.append(
                    CalibratedFigure(
                        f"stages[{k}].rate",
                        f"{stages[k].name} → {stages[k + 1].name} rate" if len(span) > 1 else f"{label} rate",
                        rate,
                        measured.rate_sample,
                        measured.rate_warning or _small(measured.rate_sample, "leads"),
                        base.stages[k].rate,
                        measured.basis + spanned,
                    )
                )
        elif measured.rate is not None:
            figures.append(
                CalibratedFigure(
                    f"stages[{a}].rate",
                    f"{label} rate",
                    base.stages[a].rate or 0.0,
                    measured.rate_sample,
                    "no item converted in the data; the base plan's rate was kept.",
                    base.stages[a].rate,
                    measured.basis,
                )
            )
        if measured.lag is not None:
            old_lags = [stages[k].lag_days or 0.0 for k in span]
            total = sum(old_lags)
            new_lags = (
                [measured.lag * lag / total for lag in old_lags]
                if total > 0
                else [measured.lag / len(span)] * len(span)
            )
            for k, lag in zip(span, new_lags, strict=True):
                stages[k] = replace(stages[k], lag_days=lag)
                figures.append(
                    CalibratedFigure(
                        f"stages[{k}].lag_days",
                        f"{stages[k].name} → {stages[k + 1].name} lag (days)",
                        lag,
                        measured.lag_sample,
                        measured.lag_warning or _small(measured.lag_sample, "leads with both dates"),
                        base.stages[k].lag_days,
                        "median days between the stage dates" + spanned,
                    )
                )
    return tuple(stages)


# --------------------------------------------------------------------------- helpers


def _reseason(base: Plan, profile: tuple[float, ...]) -> tuple[float, ...]:
    """The base plan's total target, split over its months by the profile."""
    start_month = int(base.start[5:7]) - 1
    weights = np.array([profile[(start_month + t) % 12] for t in range(base.months)], dtype=np.float64)
    total = float(sum(base.revenue_target))
    if weights.sum() <= 0:
        return base.revenue_target
    return tuple(float(x) for x in total * weights / weights.sum())


def _criterion_index(spec: LeadSpec, name: str) -> int | None:
    wanted = normalize(name)
    for index, criterion in enumerate(spec.criteria):
        if normalize(criterion.name) == wanted:
            return index
    return None


def _qualifies(spec: LeadSpec, met: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Rows (criteria in spec order as columns, 0/1) that pass the spec."""
    points = np.array([c.points for c in spec.criteria], dtype=np.float64)
    required = np.array([c.required for c in spec.criteria], dtype=bool)
    score = met @ points
    ok = np.all(met[:, required] > 0.5, axis=1) if required.any() else np.ones(len(met), dtype=bool)
    return np.asarray(ok & (score >= spec.threshold - 1e-9), dtype=bool)


def _rows_of(scan: Scan, table: Table, problems: list[Problem]) -> list[list[Any]] | None:
    rows = scan.cells.sheets.get(table.sheet)
    if rows is not None:
        return rows
    workbook, opened = open_workbook(scan.path)
    problems += opened
    if workbook is None:
        return None
    try:
        return read_sheet(workbook, table.sheet)
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
            raise
        problems.append(
            Problem("file", f"The sheet cannot be read ({str(exc)[:120]}).", location=location(scan.path, table.sheet))
        )
        return None
    finally:
        workbook.close()


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
    steps = _Progress(progress, cancelled)
    steps.step(0.0)
    problems: list[Problem] = [p for p in scan.problems]
    table = scan.table
    if not scan.ok or table is None:
        if not any(p.severity == "error" for p in problems):
            problems.append(
                Problem("file", "Nothing to calibrate from: no table was recognised.", location=location(scan.path))
            )
        return Calibration(None, (), tuple(problems), scan.shape)
    rows = _rows_of(scan, table, problems)
    if rows is None:
        return Calibration(None, (), tuple(problems), scan.shape)
    steps.step(0.1)
    try:
        if table.shape == "leads":
            result = _calibrate_leads(scan, table, rows, base, problems, steps)
        else:
            result = _calibrate_monthly(scan, table, rows, base, problems, steps)
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


def _leave_out_summaries(
    grid: Grid,
    table: Table,
    problems: list[Problem],
    path: Path,
    coded: dict[int, tuple[npt.NDArray[np.intp], npt.NDArray[Any]]] | None = None,
) -> tuple[tuple[str, ...], npt.NDArray[np.bool_]]:
    """Blank the table's total and summary rows in ``grid`` (they are then
    skipped like empty rows) and say so in a note, also added to the
    problems as a warning so every report shows it. Returns the notes and
    the rows left out."""
    mask, labels = table_summary_rows(grid, table, coded)
    if not mask.any():
        return (), mask
    grid.cells[mask, :] = ""
    rows = np.flatnonzero(mask)
    tail = grid.cells[int(rows[0]) :]
    at_bottom = all(bool(blank_mask(tail[:, c]).all()) for c in range(tail.shape[1]))
    excel_rows = [table.header_row + int(r) + 1 for r in rows]
    note = left_out_note(table.sheet, excel_rows, labels, at_bottom)
    problems.append(Problem("Summary rows", note, "warning", location(path, table.sheet)))
    return (note,), mask


def _finish(
    scan: Scan,
    base: Plan,
    plan: Plan,
    figures: list[CalibratedFigure],
    problems: list[Problem],
    shape: str,
    rows: int,
    first: float | None,
    last: float | None,
    steps: _Progress,
) -> Calibration:
    steps.step(0.95)
    first_text = _date_text(first) if first is not None and math.isfinite(first) else None
    last_text = _date_text(last) if last is not None and math.isfinite(last) else None
    note = f"Calibrated from {Path(scan.path).name} (sheet '{scan.sheet}', {rows:,} rows"
    note += f", {first_text} to {last_text})." if first_text and last_text else ")."
    plan = plan.with_changes(notes=(base.notes + "\n" if base.notes else "") + note)
    if any(p.severity == "error" for p in problems):
        steps.step(1.0)
        return Calibration(None, tuple(figures), tuple(problems), shape, rows, first_text, last_text)
    checked = validate(plan)
    if any(p.severity == "error" for p in checked):
        problems += [
            Problem(p.field, f"The calibrated plan is not valid: {p.message}", p.severity, location(scan.path))
            for p in checked
        ]
        steps.step(1.0)
        return Calibration(None, tuple(figures), tuple(problems), shape, rows, first_text, last_text)
    problems += [p for p in checked if p.severity == "warning"]
    steps.step(1.0)
    return Calibration(plan, tuple(figures), tuple(problems), shape, rows, first_text, last_text)


# --------------------------------------------------------------------------- lead-level


def _status_stage(
    statuses: npt.NDArray[Any], data_names: list[str], mapping_statuses: dict[str, str | None]
) -> tuple[npt.NDArray[np.int64], list[str]]:
    """Index of the data stage each status text stands for (-1: none)."""
    codes, uniques = pd.factorize(pd.Series(statuses, dtype=object))
    index = {normalize(n): i for i, n in enumerate(data_names)}
    keyed = {stage_key(n): i for i, n in enumerate(data_names) if stage_key(n)}
    lookup = np.full(len(uniques) + 1, -1, dtype=np.int64)
    unknown: list[str] = []
    mapped = {k.strip().casefold(): v for k, v in mapping_statuses.items()}
    for code, value in enumerate(uniques):
        text = str(value).strip()
        if not text:
            continue
        if text.casefold() in mapped:
            target = mapped[text.casefold()]
            lookup[code] = index.get(normalize(target), -1) if target else -1
            continue
        norm = normalize(text)
        if norm in index:
            lookup[code] = index[norm]
        elif stage_key(text) in keyed:
            lookup[code] = keyed[stage_key(text)]
        elif norm in _NO_STAGE_STATUSES or norm.startswith(("closed lost", "lost", "disqualified", "unqualified")):
            lookup[code] = -1
        else:
            unknown.append(text)
    return lookup[codes], unknown


def _cohort_rate(
    reached_from: npt.NDArray[np.bool_],
    reached_to: npt.NDArray[np.bool_],
    entry: FloatArray,
    cutoff: float,
    last: float = math.nan,
    sorted_gaps: FloatArray | None = None,
) -> tuple[float | None, int]:
    """Share of the cohort (reached ``from``, entered by ``cutoff``) that
    reached ``to``. With the sorted observed lags, each lead aged ``a``
    counts as ``F(a)`` of a lead (``F`` the empirical lag distribution: the
    chance a converting lead has converted by then), which removes the
    small bias of cohorts near the cutoff: ``rate = converted / sum F(a)``."""
    eligible = reached_from & (entry <= cutoff)
    n = int(eligible.sum())
    if n == 0:
        return None, 0
    converted = float(reached_to[eligible].sum())
    weight = float(n)
    if sorted_gaps is not None and len(sorted_gaps) and math.isfinite(last):
        ages = last - entry[eligible]
        weight = float(np.searchsorted(sorted_gaps, ages, side="right").sum()) / len(sorted_gaps)
    if weight <= 0:
        return None, n
    return min(1.0, converted / weight), n


def _calibrate_leads(
    scan: Scan, table: Table, rows: list[list[Any]], base: Plan, problems: list[Problem], steps: _Progress
) -> Calibration:
    path = scan.path
    mapping = scan.mapping
    first_row = table.header_row  # 0-based index of the first data row
    # the scan for Excel error cells decompresses the sheet's XML (zlib releases the GIL): overlap it
    error_scan = _background(error_cell_problems, path, table)
    statuses_map = dict(mapping.statuses) if mapping else {}
    figures: list[CalibratedFigure] = []
    n = len(rows) - first_row
    cols = {c.role: c for c in table.columns}

    grid = Grid(rows, first_row)
    coded = {cols[r].index: text_codes(grid.column(cols[r].index)) for r in ("channel", "status") if r in cols}
    notes, left_out = _leave_out_summaries(grid, table, problems, path, coded)

    def values(role: str) -> npt.NDArray[Any]:
        return grid.column(cols[role].index)

    def errors_for(role: str) -> CellErrors:
        return CellErrors(path, table.sheet, cols[role].header, hints=scan.hints)

    # the data's stages
    data_names = _data_stages(table, scan, statuses_map)
    matched: list[int | None] = [_stage_match(name, base) for name in data_names]
    matched[0] = 0
    s = len(data_names)
    dates = np.full((n, s), np.nan)
    reached = np.zeros((n, s), dtype=bool)
    blank_row = np.ones(n, dtype=bool)
    cell_errors: list[CellErrors] = []
    created: FloatArray | None = None
    if "created_date" in cols:
        errs = errors_for("created_date")
        created = read_dates(values("created_date"), errs, cols["created_date"].index, first_row)
        cell_errors.append(errs)
        dates[:, 0] = created
        blank_row &= np.isnan(created)
    steps.step(0.2)
    for k, name in enumerate(data_names):
        role = f"date:{name}"
        if role in cols:
            errs = errors_for(role)
            d = read_dates(values(role), errs, cols[role].index, first_row)
            cell_errors.append(errs)
            if k == 0 and created is not None:
                dates[:, 0] = np.where(np.isnan(created), d, created)
            else:
                dates[:, k] = d
            blank_row &= np.isnan(d)
        flag_role = f"stage:{name}"
        if flag_role in cols:
            errs = errors_for(flag_role)
            f = read_flags(values(flag_role), errs, cols[flag_role].index, first_row)
            cell_errors.append(errs)
            reached[:, k] |= f > 0.5
            blank_row &= np.isnan(f)
        steps.step(0.2 + 0.3 * (k + 1) / s)
    unknown_status: list[str] = []
    if "status" in cols:
        codes, distinct = coded[cols["status"].index]
        texts = np.where(left_out, "", distinct[codes])
        stage_of, unknown_status = _status_stage(texts, data_names, statuses_map)
        blank_row &= texts == ""
        for k in range(s):
            reached[:, k] |= stage_of >= k
    channel_texts: npt.NDArray[Any] | None = None
    if "channel" in cols:
        codes, distinct = coded[cols["channel"].index]
        channel_texts = np.where(left_out, "", distinct[codes])
        blank_row &= channel_texts == ""
    amount: FloatArray | None = None
    if "amount" in cols:
        errs = errors_for("amount")
        amount = read_numbers(values("amount"), errs, cols["amount"].index, first_row, "an amount")
        cell_errors.append(errs)
        blank_row &= np.isnan(amount)
    criteria_cols = [c for c in table.columns if c.role.startswith("criterion:")]
    criteria: dict[str, FloatArray] = {}
    for column in criteria_cols:
        errs = CellErrors(path, table.sheet, column.header, hints=scan.hints)
        criteria[column.role.split(":", 1)[1]] = read_flags(grid.column(column.index), errs, column.index, first_row)
        cell_errors.append(errs)
    steps.step(0.6)
    for errs in cell_errors:
        problems += errs.problems
    problems += error_scan.result()
    if any(p.severity == "error" for p in problems):
        return Calibration(None, (), tuple(problems), "leads", n)
    if unknown_status:
        shown = ", ".join(f"'{u}'" for u in unknown_status[:8])
        problems.append(
            Problem(
                cols["status"].header,
                f"Status values {shown} are not stages of the funnel; those leads count as reaching only the stages "
                'their dates show. Name their stage in the mapping file\'s "statuses" if that is wrong.',
                "warning",
                location(path, table.sheet, cols["status"].address),
            )
        )
    keep = ~blank_row
    dates, reached = dates[keep], reached[keep]
    if channel_texts is not None:
        channel_texts = channel_texts[keep]
    if amount is not None:
        amount = amount[keep]
    criteria = {k: v[keep] for k, v in criteria.items()}
    n = int(keep.sum())
    if n == 0:
        problems.append(Problem("file", "The table has no lead rows.", location=location(path, table.sheet)))
        return Calibration(None, (), tuple(problems), "leads", 0)
    reached |= ~np.isnan(dates)
    reached[:, 0] = True
    reached = np.logical_or.accumulate(reached[:, ::-1], axis=1)[:, ::-1]
    last = float(np.nanmax(dates)) if not np.all(np.isnan(dates)) else math.nan
    first = float(np.nanmin(dates)) if not np.all(np.isnan(dates)) else math.nan
    entry0 = dates[:, 0]

    # transitions
    transitions: list[_Transition] = []
    cutoffs: list[float] = []
    lag_cdfs: list[FloatArray] = []
    for k in range(s - 1):
        both = reached[:, k + 1] & ~np.isnan(dates[:, k]) & ~np.isnan(dates[:, k + 1])
        all_gaps = dates[:, k + 1] - dates[:, k]
        backwards = int((both & (all_gaps < 0)).sum())
        both &= all_gaps >= 0
        # recent entries can only show short lags (the long ones have not happened yet): measure the
        # lag on entries older than its own 90th percentile, found by a few fixed-point steps
        gaps = all_gaps[both]
        for _ in range(6):
            if not len(gaps):
                break
            horizon = float(np.quantile(gaps, LAG_QUANTILE))
            old_entries = both & (dates[:, k] <= last - horizon)
            if int(old_entries.sum()) < MIN_SAMPLE:
                break
            narrowed = all_gaps[old_entries]
            if len(narrowed) == len(gaps):
                break
            gaps = narrowed
        lag: float | None = float(np.median(gaps)) if len(gaps) else None
        lag_warning = None
        if backwards:
            lag_warning = f"{backwards} leads have the {data_names[k + 1]} date before the {data_names[k]} date; they were left out."
        if len(gaps):
            p90 = float(np.quantile(gaps, LAG_QUANTILE))
        else:
            a, b = matched[k], matched[k + 1]
            p90 = (
                2.0 * sum((base.stages[i].lag_days or 0.0) for i in range(a, b))
                if a is not None and b is not None and b > a
                else 0.0
            )
        entry = np.where(np.isnan(dates[:, k]), entry0, dates[:, k])
        cutoff = last - p90
        cutoffs.append(cutoff)
        sorted_gaps = np.sort(gaps)
        lag_cdfs.append(sorted_gaps)
        rate, sample = _cohort_rate(reached[:, k], reached[:, k + 1], entry, cutoff, last, sorted_gaps)
        naive_n = int(reached[:, k].sum())
        naive = float(reached[:, k + 1].sum()) / naive_n if naive_n else math.nan
        warning = None
        if rate is None:
            rate, sample = (naive, naive_n) if naive_n else (None, 0)
            warning = "no lead is old enough to have finished this step; the rate counts every lead and may be too low."
        basis = (
            f"cohort: leads entering {data_names[k]} by {_date_text(cutoff)} ({p90:.0f} days before the last date, the "
            f"90th percentile lag), weighted by the share of the lag they have had; all leads would give {naive:.1%}"
            if math.isfinite(cutoff) and naive_n
            else "all leads"
        )
        transitions.append(_Transition(rate, sample, lag, len(gaps), basis, warning, lag_warning))
    steps.step(0.7)
    stages = _apply_transitions(base, matched, data_names, transitions, figures, problems)
    plan = base.with_changes(stages=stages)

    # channels
    if channel_texts is not None:
        plan = _leads_channels(
            scan, plan, base, channel_texts, reached, dates, cutoffs, lag_cdfs, last, matched, figures, problems
        )
    steps.step(0.8)
    # lead spec
    if criteria and base.lead_spec is not None:
        plan = _leads_criteria(scan, table, plan, data_names, matched, reached, criteria, figures, problems)
    elif criteria:
        problems.append(
            Problem(
                "lead_spec",
                "The data has criteria columns but the base plan has no lead spec; they were not used.",
                "warning",
            )
        )
    # deal size and seasonality
    won_k = s - 1 if matched[-1] == len(base.stages) - 1 else None
    if won_k is not None and amount is not None:
        won = reached[:, won_k] & ~np.isnan(amount) & (amount > 0)
        count = int(won.sum())
        if count:
            size = float(amount[won].mean())
            figures.append(
                CalibratedFigure(
                    "avg_deal_size", "Average deal size", size, count, _small(count, "won deals"), base.avg_deal_size,
                    "mean amount of won leads",
                )
            )  # fmt: skip
            plan = plan.with_changes(avg_deal_size=size)
            won_dates = dates[won, won_k]
            known = ~np.isnan(won_dates)
            if known.any():
                months = (
                    won_dates[known].astype(np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
                ) % 12
                plan = _seasonality(
                    plan,
                    base,
                    months,
                    amount[won][known],
                    int(known.sum()),
                    "won revenue by close month",
                    figures,
                    problems,
                )
    steps.step(0.9)
    return replace(_finish(scan, base, plan, figures, problems, "leads", n, first, last, steps), notes=notes)


def _leads_channels(
    scan: Scan,
    plan: Plan,
    base: Plan,
    channel_texts: npt.NDArray[Any],
    reached: npt.NDArray[np.bool_],
    dates: FloatArray,
    cutoffs: list[float],
    lag_cdfs: list[FloatArray],
    last: float,
    matched: list[int | None],
    figures: list[CalibratedFigure],
    problems: list[Problem],
) -> Plan:
    codes, uniques = pd.factorize(pd.Series(channel_texts, dtype=object))
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques)) if len(uniques) else np.zeros(0, dtype=np.int64)
    names = [str(u) for u in uniques]
    free_names = {normalize(f.name): i for i, f in enumerate(base.free_sources)}
    months_span = _months_span(dates[:, 0])
    paid = [(i, name) for i, name in enumerate(names) if name and normalize(name) not in free_names]
    paid.sort(key=lambda t: -counts[t[0]])
    total = int(sum(counts[i] for i, _ in paid))
    if total == 0:
        return plan
    spend = _spend_by_channel(scan, problems)
    lead_months = _month_index(dates[:, 0])
    rate_ok = len(matched) > 1 and matched[1] == 1 and len(cutoffs) > 0
    entry0 = dates[:, 0]
    base_by_name = {normalize(c.name): c for c in base.channels}
    channels: list[Channel] = []
    for j, (code, name) in enumerate(paid):
        share = float(counts[code]) / total
        old = base_by_name.get(normalize(name))
        figures.append(
            CalibratedFigure(
                f"channels[{j}].mix", f"Channel '{name}' mix", share, total, _small(total, "leads with a channel"),
                old.mix if old else None, "share of leads with a paid channel",
            )
        )  # fmt: skip
        mine = codes == code
        rate: float | None = old.rate if old else None
        if rate_ok:
            r, sample = _cohort_rate(mine & reached[:, 0], mine & reached[:, 1], entry0, cutoffs[0], last, lag_cdfs[0])
            if r is not None and r > 0:
                rate = r
                figures.append(
                    CalibratedFigure(
                        f"channels[{j}].rate", f"Channel '{name}' {plan.stages[0].name} → {plan.stages[1].name} rate",
                        r, sample, _small(sample, "leads"), old.rate if old else None, "cohort rate of the channel's leads",
                    )
                )  # fmt: skip
        cpl = old.cost_per_lead if old else 0.0
        key = normalize(name)
        if spend is not None and key in spend[0]:
            spent, months = spend[0][key], spend[1]
            in_months = mine & np.isin(lead_months, list(months)) if months else mine
            leads = int(in_months.sum())
            if leads > 0:
                cpl = spent / leads
                figures.append(
                    CalibratedFigure(
                        f"channels[{j}].cost_per_lead", f"Channel '{name}' cost per lead", cpl, leads,
                        _small(leads, "leads"), old.cost_per_lead if old else None,
                        f"spend {spent:,.0f} / {leads:,} leads in the months of the spend table",
                    )
                )  # fmt: skip
        elif old is None:
            problems.append(
                Problem(
                    f"channels[{j}].cost_per_lead",
                    f"Channel '{name}' is new and the data has no spend for it; its cost per lead is 0. Enter it.",
                    "warning",
                )
            )
        fixed = old.fixed_cost if old else (0.0,) * plan.months
        channels.append(Channel(name, share, cpl, fixed, rate))
    dropped = [c.name for c in base.channels if normalize(c.name) not in {normalize(n) for _, n in paid}]
    if dropped:
        problems.append(
            Problem(
                "channels",
                f"Channels of the base plan not in the data were dropped: {', '.join(dropped)}.",
                "warning",
            )
        )
    # exact sum to 1 for validation
    if channels:
        rest = 1.0 - math.fsum(c.mix for c in channels[1:])
        channels[0] = replace(channels[0], mix=rest)
    free = list(plan.free_sources)
    for i, name in enumerate(names):
        idx = free_names.get(normalize(name))
        if idx is None or months_span <= 0:
            continue
        source = free[idx]
        if plan.stage_index(source.stage) != 0:
            continue
        volume = float(counts[i]) / months_span
        free[idx] = FreeSource(source.name, source.stage, (volume,) * plan.months)
        figures.append(
            CalibratedFigure(
                f"free_sources[{idx}].volume", f"Free source '{source.name}' volume per month", volume, int(counts[i]),
                _small(int(counts[i]), "leads"), source.volume[0] if source.volume else None,
                f"its leads / {months_span:.1f} months",
            )
        )  # fmt: skip
    return plan.with_changes(channels=tuple(channels), free_sources=tuple(free))


def _month_index(days: FloatArray) -> npt.NDArray[np.int64]:
    out = np.full(len(days), -1, dtype=np.int64)
    ok = ~np.isnan(days)
    out[ok] = days[ok].astype(np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + 1970 * 12
    return out


def _months_span(days: FloatArray) -> float:
    ok = days[~np.isnan(days)]
    if len(ok) == 0:
        return 0.0
    return float(ok.max() - ok.min() + 1) / DAYS_PER_MONTH


def _spend_by_channel(scan: Scan, problems: list[Problem]) -> tuple[dict[str, float], set[int]] | None:
    """Total spend per channel (normalized name) and the months it covers,
    from the spend table on another sheet."""
    table = scan.spend_table
    if table is None:
        return None
    rows = _rows_of(scan, table, problems)
    if rows is None:
        return None
    return _monthly_spend(scan, table, rows, problems)


def _monthly_spend(
    scan: Scan, table: Table, rows: list[list[Any]], problems: list[Problem]
) -> tuple[dict[str, float], set[int]] | None:
    first_row = table.header_row
    month_col = table.column("month")
    errs = CellErrors(scan.path, table.sheet, month_col.header if month_col else "month", hints=scan.hints)
    months: set[int] = set()
    keep: npt.NDArray[np.bool_] | None = None
    if month_col is not None:
        keys, skip = month_keys(column_values(rows, month_col.index, first_row), errs, month_col.index, first_row)
        keep = ~skip & ~np.isnan(keys)
        months = {int(k) for k in keys[keep]}
    totals: dict[str, float] = {}
    channel_col = table.column("channel")
    for column in table.columns:
        if column.role != "spend" and not column.role.startswith("spend@"):
            continue
        vals = read_numbers(
            column_values(rows, column.index, first_row), errs, column.index, first_row, "an amount of money"
        )
        if keep is not None:
            vals = np.where(keep, vals, np.nan)
        if column.role.startswith("spend@"):
            totals[normalize(role_channel(column.role) or "")] = float(np.nansum(vals))
        elif channel_col is not None:
            names = read_texts(column_values(rows, channel_col.index, first_row))
            frame = pd.DataFrame({"c": [normalize(x) for x in names], "v": vals})
            for name, value in frame.groupby("c")["v"].sum().items():
                if name:
                    totals[str(name)] = totals.get(str(name), 0.0) + float(value)
    problems += errs.problems
    return totals, months


def _seasonality(
    plan: Plan,
    base: Plan,
    calendar_months: npt.NDArray[np.int64],
    weights: FloatArray,
    sample: int,
    basis: str,
    figures: list[CalibratedFigure],
    problems: list[Problem],
) -> Plan:
    totals = np.bincount(calendar_months, weights=weights, minlength=12)[:12]
    present = np.bincount(calendar_months, minlength=12)[:12] > 0
    if not present.all() or totals.sum() <= 0:
        missing = ", ".join(_MONTH_ABBR[m] for m in range(12) if not present[m])
        problems.append(
            Problem(
                "revenue_target",
                f"Seasonality not calibrated: the data has no revenue in {missing or 'any month'}; "
                "it needs all 12 calendar months. The target's monthly split was kept.",
                "warning",
            )
        )
        return plan
    profile = tuple(float(x) for x in totals / totals.sum())
    figures.append(
        CalibratedFigure(
            "revenue_target", "Seasonality (share of yearly revenue, Jan..Dec)", profile, sample,
            _small(sample, "deals"), None, basis + "; the plan's total target is kept and split by it",
        )
    )  # fmt: skip
    return plan.with_changes(revenue_target=_reseason(base, profile))


def _leads_criteria(
    scan: Scan,
    table: Table,
    plan: Plan,
    data_names: list[str],
    matched: list[int | None],
    reached: npt.NDArray[np.bool_],
    criteria: dict[str, FloatArray],
    figures: list[CalibratedFigure],
    problems: list[Problem],
) -> Plan:
    spec = plan.lead_spec
    assert spec is not None
    gate = plan.stage_index(spec.gate)
    presented_k = next((i for i, m in enumerate(matched) if gate is not None and m == gate - 1), None)
    if presented_k is None:
        problems.append(
            Problem(
                "lead_spec",
                f"The data has no stage matching '{plan.stages[(gate or 1) - 1].name}' (the stage before the gate), "
                "so the criteria shares were not calibrated.",
                "warning",
            )
        )
        return plan
    presented = reached[:, presented_k]
    new_criteria = list(spec.criteria)
    columns_in_spec: dict[int, FloatArray] = {}
    for name, flags in criteria.items():
        index = _criterion_index(spec, name)
        if index is None:
            problems.append(
                Problem(
                    "lead_spec.criteria",
                    f"The column '{name}' looks like a criterion but the plan's lead spec has none by that name; "
                    "add it to the spec (or rename the column) to use it.",
                    "warning",
                    location(scan.path, table.sheet),
                )
            )
            continue
        columns_in_spec[index] = flags
        assessed = presented & ~np.isnan(flags)
        sample = int(assessed.sum())
        if sample == 0:
            continue
        share = float(flags[assessed].mean())
        new_criteria[index] = replace(new_criteria[index], share=share)
        figures.append(
            CalibratedFigure(
                f"lead_spec.criteria[{index}].share", f"Criterion '{spec.criteria[index].name}' share", share, sample,
                _small(sample, "leads"), spec.criteria[index].share,
                f"share of leads reaching {data_names[presented_k]} that meet it",
            )
        )  # fmt: skip
    new_spec = replace(spec, criteria=tuple(new_criteria))
    proposed = plan.proposed_lead_spec
    if len(columns_in_spec) == len(spec.criteria) and spec.criteria:
        met = np.column_stack([columns_in_spec[i] for i in range(len(spec.criteria))])
        assessed = presented & ~np.isnan(met).any(axis=1)
        sample = int(assessed.sum())
        if sample:
            passed = float(_qualifies(new_spec, met[assessed]).mean())
            if passed > 0:
                new_spec = replace(new_spec, empirical=EmpiricalPassRate(passed, sample))
                figures.append(
                    CalibratedFigure(
                        "lead_spec.empirical.pass_rate", "Lead spec pass rate (measured)", passed, sample,
                        _small(sample, "leads"), criteria_pass_rate(spec), "qualifying leads / leads presented to the gate",
                    )
                )  # fmt: skip
            if proposed is not None and [c.name for c in proposed.criteria] == [c.name for c in spec.criteria]:
                p_pass = float(_qualifies(proposed, met[assessed]).mean())
                shares = tuple(replace(c, share=n.share) for c, n in zip(proposed.criteria, new_criteria, strict=True))
                proposed = replace(proposed, criteria=shares)
                if p_pass > 0:
                    proposed = replace(proposed, empirical=EmpiricalPassRate(p_pass, sample))
                    figures.append(
                        CalibratedFigure(
                            "proposed_lead_spec.empirical.pass_rate", "Proposed spec pass rate (measured)", p_pass,
                            sample, _small(sample, "leads"), None, "leads qualifying under the proposed spec / leads presented",
                        )
                    )  # fmt: skip
    elif spec.criteria:
        missing = [c.name for i, c in enumerate(spec.criteria) if i not in columns_in_spec]
        problems.append(
            Problem(
                "lead_spec.empirical",
                f"The measured pass rate needs a column for every criterion; missing: {', '.join(missing)}.",
                "warning",
            )
        )
    if new_spec.pass_rate_source == "criteria" and criteria_pass_rate(new_spec) <= 0 and new_spec.empirical is not None:
        new_spec = replace(new_spec, pass_rate_source="empirical")
    return plan.with_changes(lead_spec=new_spec, proposed_lead_spec=proposed)


# --------------------------------------------------------------------------- monthly


def _calibrate_monthly(
    scan: Scan, table: Table, rows: list[list[Any]], base: Plan, problems: list[Problem], steps: _Progress
) -> Calibration:
    path = scan.path
    first_row = table.header_row
    figures: list[CalibratedFigure] = []
    month_col = table.column("month")
    assert month_col is not None
    grid = Grid(rows, first_row)
    notes, _ = _leave_out_summaries(grid, table, problems, path)
    if notes:
        rows = rows[:first_row] + grid.cells.tolist()
    errs = CellErrors(path, table.sheet, month_col.header, hints=scan.hints)
    keys, skip = month_keys(column_values(rows, month_col.index, first_row), errs, month_col.index, first_row)
    channel_col = table.column("channel")
    channel = read_texts(column_values(rows, channel_col.index, first_row)) if channel_col else None
    numbers: dict[str, FloatArray] = {}
    numeric = [c for c in table.columns if c.role.startswith(("stage:", "spend", "revenue"))]
    for i, column in enumerate(numeric):
        what = "a number" if column.role.startswith("stage:") else "an amount of money"
        numbers[column.role] = read_numbers(
            column_values(rows, column.index, first_row), errs, column.index, first_row, what
        )
        steps.step(0.1 + 0.4 * (i + 1) / max(1, len(numeric)))
    problems += errs.problems
    problems += error_cell_problems(path, table)
    if any(p.severity == "error" for p in problems):
        return Calibration(None, (), tuple(problems), "monthly", len(keys))
    empty = np.isnan(keys) & np.all([np.isnan(v) for v in numbers.values()], axis=0) if numbers else np.isnan(keys)
    missing_month = np.isnan(keys) & ~empty & ~skip
    if missing_month.any():
        r = int(np.flatnonzero(missing_month)[0])
        cell = cell_name(first_row + r, month_col.index)
        problems.append(
            Problem(
                month_col.header, f"{place(table.sheet, cell)}: the row has figures but no month. Enter the month.",
                location=location(path, table.sheet, cell),
            )
        )  # fmt: skip
        return Calibration(None, (), tuple(problems), "monthly", len(keys))
    keep = ~np.isnan(keys) & ~skip
    keys_kept = keys[keep].astype(np.int64)
    frame = pd.DataFrame({role: vals[keep] for role, vals in numbers.items()})
    frame["_month"] = keys_kept
    if channel is not None:
        frame["_channel"] = channel[keep]
    months = np.sort(np.unique(keys_kept))
    n_months = len(months)
    steps.step(0.6)

    # totals per month for each stage (a total column, else the sum of its channels)
    data_names = _data_stages(table, scan, {})
    stage_roles = [c.role for c in table.columns if c.role.startswith("stage:")]
    per_month = frame.groupby("_month").sum(numeric_only=True, min_count=1).reindex(months)
    totals: dict[str, FloatArray] = {}
    for name in data_names:
        plain = f"stage:{name}"
        if plain in per_month:
            totals[name] = per_month[plain].to_numpy(dtype=np.float64)
        else:
            parts = [r for r in stage_roles if r.startswith(plain + "@")]
            if parts:
                totals[name] = per_month[parts].sum(axis=1, min_count=1).to_numpy(dtype=np.float64)
    names_present = [nm for nm in data_names if nm in totals]
    matched = [_stage_match(nm, base) for nm in names_present]
    if names_present and matched[0] is None and names_present[0] == CANONICAL_STAGES[0]:
        matched[0] = 0
    transitions: list[_Transition] = []
    for k in range(len(names_present) - 1):
        a, b = matched[k], matched[k + 1]
        lag = (
            sum((base.stages[i].lag_days or 0.0) for i in range(a, b))
            if a is not None and b is not None and b > a
            else 0.0
        )
        shift = round(lag / DAYS_PER_MONTH)
        src, dst = totals[names_present[k]], totals[names_present[k + 1]]
        if shift >= n_months:
            transitions.append(_Transition(None, 0, None, 0, "too few months for the lag"))
            continue
        x = src[: n_months - shift]
        y = dst[shift:]
        ok = ~np.isnan(x) & ~np.isnan(y)
        denominator = float(x[ok].sum())
        rate = float(y[ok].sum()) / denominator if denominator > 0 else None
        warning = None
        if rate is not None and rate > 1:
            warning = (
                f"more items reached {names_present[k + 1]} than entered {names_present[k]} ({rate:.2f}); capped at 1."
            )
            rate = 1.0
        basis = f"{names_present[k + 1]} / {names_present[k]} over {int(ok.sum())} months"
        basis += f", shifted by the base plan's lag of {shift} month(s)" if shift else ""
        transitions.append(_Transition(rate, round(denominator), None, 0, basis, warning))
    stages = _apply_transitions(base, matched, names_present, transitions, figures, problems)
    plan = base.with_changes(stages=stages)
    steps.step(0.75)

    # channels: first-stage volume per channel, spend per channel
    first_name = names_present[0] if names_present else None
    second_name = names_present[1] if len(names_present) > 1 else None
    leads_by: dict[str, float] = {}
    next_by: dict[str, float] = {}
    spend_by: dict[str, float] = {}
    display: dict[str, str] = {}
    if channel is not None and "_channel" in frame:
        grouped = frame.groupby("_channel").sum(numeric_only=True, min_count=1)
        for group, row in grouped.iterrows():
            key = normalize(str(group))
            if not key:
                continue
            display.setdefault(key, str(group))
            if first_name and f"stage:{first_name}" in row:
                leads_by[key] = float(np.nan_to_num(row[f"stage:{first_name}"]))
            if second_name and f"stage:{second_name}" in row:
                next_by[key] = float(np.nan_to_num(row[f"stage:{second_name}"]))
            if "spend" in row:
                spend_by[key] = float(np.nan_to_num(row["spend"]))
    for role in frame.columns:
        ch = role_channel(str(role))
        if ch is None:
            continue
        key = normalize(ch)
        display.setdefault(key, ch)
        total = float(np.nansum(frame[role].to_numpy(dtype=np.float64)))
        if str(role).startswith("spend@"):
            spend_by[key] = spend_by.get(key, 0.0) + total
        elif first_name and role_stage(str(role)) == first_name:
            leads_by[key] = leads_by.get(key, 0.0) + total
        elif second_name and role_stage(str(role)) == second_name:
            next_by[key] = next_by.get(key, 0.0) + total
    if scan.spend_table is not None:
        extra = _spend_by_channel(scan, problems)
        if extra:
            for key, value in extra[0].items():
                spend_by.setdefault(key, value)
    if leads_by:
        plan = _monthly_channels(plan, base, leads_by, next_by, spend_by, display, matched, n_months, figures, problems)
    elif "spend" in per_month and first_name in totals and plan.channels:
        plan = _blended_cost(plan, float(np.nansum(per_month["spend"])), float(np.nansum(totals[first_name])), figures)
    steps.step(0.85)

    # deal size and seasonality
    won_name = names_present[-1] if names_present and matched[-1] == len(base.stages) - 1 else None
    revenue = per_month["revenue"].to_numpy(dtype=np.float64) if "revenue" in per_month else None
    won = totals.get(won_name) if won_name else None
    if revenue is not None and won is not None:
        ok = ~np.isnan(revenue) & ~np.isnan(won)
        deals = float(won[ok].sum())
        if deals > 0 and float(revenue[ok].sum()) > 0:
            size = float(revenue[ok].sum()) / deals
            sample = round(deals)
            figures.append(
                CalibratedFigure(
                    "avg_deal_size", "Average deal size", size, sample, _small(sample, "won deals"), base.avg_deal_size,
                    "revenue / won deals",
                )
            )  # fmt: skip
            plan = plan.with_changes(avg_deal_size=size)
    season_values = revenue if revenue is not None else won
    if season_values is not None:
        ok = ~np.isnan(season_values)
        cal = (months[ok] % 12).astype(np.int64)
        sample = round(float(np.nansum(won))) if won is not None else int(ok.sum())
        plan = _seasonality(
            plan, base, cal, season_values[ok], sample,
            "revenue per calendar month" if revenue is not None else "won deals per calendar month", figures, problems,
        )  # fmt: skip
    if n_months < 12:
        problems.append(
            Problem("file", f"The summary covers only {n_months} months; a full year gives better figures.", "warning")
        )
    first_day = (
        float((months[0] - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64))
        if n_months and months[0] > 12
        else None
    )
    last_day = (
        float((months[-1] - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64))
        if n_months and months[-1] > 12
        else None
    )
    calibration = _finish(scan, base, plan, figures, problems, "monthly", int(keep.sum()), first_day, last_day, steps)
    return replace(calibration, notes=notes)


def _blended_cost(plan: Plan, spend: float, leads: float, figures: list[CalibratedFigure]) -> Plan:
    """Spend without a channel split: every channel's cost per lead scaled by
    one factor so the mix-weighted cost per lead is spend / leads."""
    blended = math.fsum(c.mix * c.cost_per_lead for c in plan.channels)
    if spend <= 0 or leads <= 0 or blended <= 0:
        return plan
    factor = (spend / leads) / blended
    sample = round(leads)
    warning = _small(sample, "leads") or (
        "the data has no spend per channel: each channel's cost per lead was scaled by the same factor, and every "
        "lead was counted as paid (free leads in the data make it too low)."
    )
    channels = []
    for j, channel in enumerate(plan.channels):
        cpl = channel.cost_per_lead * factor
        channels.append(replace(channel, cost_per_lead=cpl))
        figures.append(
            CalibratedFigure(
                f"channels[{j}].cost_per_lead", f"Channel '{channel.name}' cost per lead", cpl, sample, warning,
                channel.cost_per_lead, f"blended cost per lead {spend:,.0f} / {leads:,.0f} leads = {spend / leads:,.2f}",
            )
        )  # fmt: skip
    return plan.with_changes(channels=tuple(channels))


def _monthly_channels(
    plan: Plan,
    base: Plan,
    leads_by: dict[str, float],
    next_by: dict[str, float],
    spend_by: dict[str, float],
    display: dict[str, str],
    matched: list[int | None],
    n_months: int,
    figures: list[CalibratedFigure],
    problems: list[Problem],
) -> Plan:
    free_names = {normalize(f.name): i for i, f in enumerate(base.free_sources)}
    paid = sorted(((k, v) for k, v in leads_by.items() if k not in free_names and v > 0), key=lambda t: -t[1])
    total = sum(v for _, v in paid)
    if total <= 0:
        return plan
    base_by_name = {normalize(c.name): c for c in base.channels}
    rate_ok = len(matched) > 1 and matched[0] == 0 and matched[1] == 1
    channels: list[Channel] = []
    sample_total = round(total)
    for j, (key, leads) in enumerate(paid):
        name = display.get(key, key)
        old = base_by_name.get(key)
        share = leads / total
        figures.append(
            CalibratedFigure(
                f"channels[{j}].mix", f"Channel '{name}' mix", share, sample_total, _small(sample_total, "leads"),
                old.mix if old else None, "share of paid leads",
            )
        )  # fmt: skip
        rate = old.rate if old else None
        if rate_ok and key in next_by and 0 < next_by[key] <= leads:
            rate = next_by[key] / leads
            figures.append(
                CalibratedFigure(
                    f"channels[{j}].rate", f"Channel '{name}' {plan.stages[0].name} → {plan.stages[1].name} rate", rate,
                    round(leads), _small(round(leads), "leads"), old.rate if old else None,
                    "channel's next-stage volume / its leads",
                )
            )  # fmt: skip
        cpl = old.cost_per_lead if old else 0.0
        if key in spend_by:
            cpl = spend_by[key] / leads
            figures.append(
                CalibratedFigure(
                    f"channels[{j}].cost_per_lead", f"Channel '{name}' cost per lead", cpl, round(leads),
                    _small(round(leads), "leads"), old.cost_per_lead if old else None,
                    f"spend {spend_by[key]:,.0f} / {leads:,.0f} leads",
                )
            )  # fmt: skip
        elif old is None:
            problems.append(
                Problem(
                    f"channels[{j}].cost_per_lead",
                    f"Channel '{name}' is new and the data has no spend for it; its cost per lead is 0. Enter it.",
                    "warning",
                )
            )
        channels.append(Channel(name, share, cpl, old.fixed_cost if old else (0.0,) * plan.months, rate))
    rest = 1.0 - math.fsum(c.mix for c in channels[1:])
    channels[0] = replace(channels[0], mix=rest)
    dropped = [c.name for c in base.channels if normalize(c.name) not in {k for k, _ in paid}]
    if dropped:
        problems.append(
            Problem(
                "channels", f"Channels of the base plan not in the data were dropped: {', '.join(dropped)}.", "warning"
            )
        )
    free = list(plan.free_sources)
    for key, idx in free_names.items():
        if key in leads_by and n_months > 0 and plan.stage_index(free[idx].stage) == 0:
            volume = leads_by[key] / n_months
            free[idx] = FreeSource(free[idx].name, free[idx].stage, (volume,) * plan.months)
            figures.append(
                CalibratedFigure(
                    f"free_sources[{idx}].volume", f"Free source '{free[idx].name}' volume per month", volume,
                    round(leads_by[key]), _small(round(leads_by[key]), "leads"),
                    base.free_sources[idx].volume[0] if base.free_sources[idx].volume else None, f"its leads / {n_months} months",
                )
            )  # fmt: skip
    return plan.with_changes(channels=tuple(channels), free_sources=tuple(free))


__all__ = ["MIN_SAMPLE", "CalibratedFigure", "Calibration", "calibrate"]
