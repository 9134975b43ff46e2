"""What calibrating both data shapes shares: the calibrated figures, stage
alignment between the data and the plan, progress and the summary rows left out."""

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

from core.calc.feasibility import validate
from core.calc.lead_spec import passing_score
from core.formats.xlsx.location import location
from core.importer.columns import CANONICAL_STAGES, normalize, role_stage, stage_key
from core.importer.scan import ImportCancelled, Scan, Table, open_workbook, read_sheet
from core.importer.summaries import left_out_note, table_summary_rows
from core.importer.typed_columns import Grid, blank_mask
from core.model.plan import LeadSpec, Plan, Problem, Stage

MIN_SAMPLE = 30
DAYS_PER_MONTH = 365.25 / 12
LAG_QUANTILE = 0.90
NO_STAGE_STATUSES = {
    "lost", "closed lost", "disqualified", "unqualified", "junk", "spam", "nurture", "recycled", "open", "new",
    "bad data", "duplicate", "not interested", "dead", "rejected", "closed", "cold", "working", "contacted",
}  # fmt: skip
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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
class SourceClass:
    """How a lead source of the data was classified: ``kind`` "free" or
    "paid", ``leads`` its rows, ``why`` in words (the name, the base plan,
    the user's choice)."""

    name: str
    kind: str
    leads: int
    why: str


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
    sources: tuple[SourceClass, ...] = ()
    kept: tuple[str, ...] = ()
    """What was kept from the base plan, in words (nothing in the data for it)."""

    @property
    def from_data(self) -> tuple[str, ...]:
        """The labels of the figures taken from the data."""
        return tuple(dict.fromkeys(f.label for f in self.figures))

    @property
    def warnings(self) -> tuple[str, ...]:
        """Every figure's warning, prefixed by its label."""
        return tuple(f"{f.label}: {f.warning}" for f in self.figures if f.warning)

    def figure(self, field_path: str) -> CalibratedFigure | None:
        """The figure for a field path, if calibrated."""
        return next((f for f in self.figures if f.field == field_path), None)


def small(sample: int, what: str) -> str | None:
    if sample < MIN_SAMPLE:
        return f"rests on only {sample} {what} (fewer than {MIN_SAMPLE}); check it before trusting it."
    return None


def both_warnings(first: str | None, second: str | None) -> str | None:
    """Two reasons not to trust a figure, as one (None when neither)."""
    return " ".join(w for w in (first, second) if w) or None


def date_text(days: float) -> str:
    return str(np.datetime64(int(days), "D"))


def background(fn: Callable[..., list[Problem]], *args: Any) -> Future[list[Problem]]:
    """Run ``fn`` in a short-lived thread; the future gives its result."""
    future: Future[list[Problem]] = Future()

    def run() -> None:
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # delivered to the caller by result()
            future.set_exception(exc)

    threading.Thread(target=run, name="import-error-cells", daemon=True).start()
    return future


class Progress:
    def __init__(self, progress: Callable[[float], None] | None, cancelled: Callable[[], bool] | None) -> None:
        self.progress = progress
        self.cancelled = cancelled

    def step(self, fraction: float) -> None:
        if self.cancelled is not None and self.cancelled():
            raise ImportCancelled("The import was cancelled.")
        if self.progress is not None:
            self.progress(min(1.0, max(0.0, fraction)))


# --------------------------------------------------------------------------- stage alignment


def stage_match(name: str, base: Plan) -> int | None:
    key = stage_key(name)
    for index, stage in enumerate(base.stages):
        if normalize(stage.name) == normalize(name):
            return index
    if key is not None:
        for index, stage in enumerate(base.stages):
            if stage_key(stage.name) == key:
                return index
    return None


def data_stages(table: Table, scan: Scan, statuses: dict[str, str | None]) -> list[str]:
    """The data's stages top to bottom (the first is the raw lead)."""
    mapping = scan.mapping
    named = [role_stage(c.role) for c in table.columns if c.role.startswith(("stage:", "date:"))]
    names = {n for n in named if n}
    names |= {s for s in statuses.values() if s}
    roles = table.roles()
    if "close_date" in roles and ("status" in roles or "stage:Won" in roles):
        names.add("Won")  # the close date of a won deal is its won date
    if mapping and mapping.stages:
        order = list(mapping.stages)
        extra = [n for n in names if n.casefold() not in {o.casefold() for o in order}]
        return order + sorted(extra)
    has_first = "created_date" in roles or not names
    canonical = [s for s in CANONICAL_STAGES if s in names or (s == CANONICAL_STAGES[0] and has_first)]
    others = sorted(n for n in names if n not in CANONICAL_STAGES)
    return canonical + others


@dataclass
class Transition:
    """A measured data transition between data stages ``a`` and ``b``."""

    rate: float | None
    rate_sample: int
    lag: float | None
    lag_sample: int
    basis: str
    rate_warning: str | None = None
    lag_warning: str | None = None
    profile: tuple[float, ...] | None = None  # monthly timing from cohorts (plan lag_profile)


def apply_transitions(
    base: Plan,
    matched: list[int | None],
    data_names: list[str],
    transitions: list[Transition],
    figures: list[CalibratedFigure],
    problems: list[Problem],
) -> tuple[Stage, ...]:
    """The base plan's stages with each measured transition's rate and lag
    (a transition spanning several plan stages scales them alike)."""
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
        spanned = ""
        if len(span) > 1:
            spanned = (
                f" (spans {', '.join(base.stages[k].name for k in span[1:])}: each rate scaled by the same factor)"
            )
        _apply_rate(stages, base, span, spanned, measured, figures)
        if measured.lag is not None:
            _apply_lag(stages, base, span, spanned, measured, figures)
    return tuple(stages)


def _apply_rate(
    stages: list[Stage],
    base: Plan,
    span: list[int],
    spanned: str,
    measured: Transition,
    figures: list[CalibratedFigure],
) -> None:
    """Set the rates of the plan stages ``span`` from the measured rate (a
    rate of 0 keeps the base plan's rate, with a warning)."""
    a, b = span[0], span[-1] + 1
    label = f"{base.stages[a].name} → {base.stages[b].name}"
    if measured.rate is not None and measured.rate > 0:
        old = [stages[k].rate or 0.0 for k in span]
        product = math.prod(old)
        if len(span) == 1 or product <= 0:
            new = [measured.rate ** (1 / len(span))] * len(span) if product <= 0 else [measured.rate]
        else:
            factor = (measured.rate / product) ** (1 / len(span))
            new = [min(1.0, r * factor) for r in old]
        for k, rate in zip(span, new, strict=True):
            stages[k] = replace(stages[k], rate=rate, rate_sample=measured.rate_sample)
            figures.append(
                CalibratedFigure(
                    f"stages[{k}].rate",
                    f"{stages[k].name} → {stages[k + 1].name} rate" if len(span) > 1 else f"{label} rate",
                    rate,
                    measured.rate_sample,
                    both_warnings(measured.rate_warning, small(measured.rate_sample, "leads")),
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


def _apply_lag(
    stages: list[Stage],
    base: Plan,
    span: list[int],
    spanned: str,
    measured: Transition,
    figures: list[CalibratedFigure],
) -> None:
    """Set the lags of the plan stages ``span`` from the measured lag, split
    in proportion to the base plan's lags."""
    assert measured.lag is not None
    if measured.profile is not None and len(span) == 1:
        k = span[0]
        stages[k] = replace(stages[k], lag_days=None, lag_profile=measured.profile)
        figures.append(
            CalibratedFigure(
                f"stages[{k}].lag_profile",
                f"{stages[k].name} → {stages[k + 1].name} timing by month",
                measured.profile,
                measured.lag_sample,
                measured.lag_warning or small(measured.lag_sample, "leads"),
                base.stages[k].lag_profile,
                f"cohorts with leads still in flight censored (Kaplan-Meier); mean lag {measured.lag:.0f} days",
            )
        )
        return
    old_lags = [stages[k].lag_days or 0.0 for k in span]
    total = sum(old_lags)
    new_lags = [measured.lag * lag / total for lag in old_lags] if total > 0 else [measured.lag / len(span)] * len(span)
    for k, lag in zip(span, new_lags, strict=True):
        stages[k] = replace(stages[k], lag_days=lag, lag_profile=None)
        figures.append(
            CalibratedFigure(
                f"stages[{k}].lag_days",
                f"{stages[k].name} → {stages[k + 1].name} lag (days)",
                lag,
                measured.lag_sample,
                measured.lag_warning or small(measured.lag_sample, "leads with both dates"),
                base.stages[k].lag_days,
                (
                    "mean lag of the cohorts' timing by month"
                    if measured.profile
                    else "median days between the stage dates"
                )
                + spanned,
            )
        )


# --------------------------------------------------------------------------- helpers


def reseason(base: Plan, profile: tuple[float, ...]) -> tuple[float, ...]:
    """The base plan's total target, split over its months by the profile."""
    start_month = int(base.start[5:7]) - 1
    weights = np.array([profile[(start_month + t) % 12] for t in range(base.months)], dtype=np.float64)
    total = float(sum(base.revenue_target))
    if weights.sum() <= 0:
        return base.revenue_target
    return tuple(float(x) for x in total * weights / weights.sum())


def criterion_index(spec: LeadSpec, name: str) -> int | None:
    wanted = normalize(name)
    for index, criterion in enumerate(spec.criteria):
        if normalize(criterion.name) == wanted:
            return index
    return None


def qualifies(spec: LeadSpec, met: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Rows (criteria in spec order as columns, 0/1) that pass the spec."""
    points = np.array([c.points for c in spec.criteria], dtype=np.float64)
    required = np.array([c.required for c in spec.criteria], dtype=bool)
    score = met @ points
    ok = np.all(met[:, required] > 0.5, axis=1) if required.any() else np.ones(len(met), dtype=bool)
    return np.asarray(ok & (score >= passing_score(spec.threshold)), dtype=bool)


def rows_of(scan: Scan, table: Table, problems: list[Problem]) -> list[list[Any]] | None:
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


def leave_out_summaries(
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
    grid.blank_rows(mask)
    rows = np.flatnonzero(mask)
    first = int(rows[0])
    at_bottom = all(bool(blank_mask(grid.column(c)[first:]).all()) for c in range(grid.width))
    excel_rows = [table.header_row + int(r) + 1 for r in rows]
    note = left_out_note(table.sheet, excel_rows, labels, at_bottom)
    problems.append(Problem("Summary rows", note, "warning", location(path, table.sheet)))
    return (note,), mask


def finish(
    scan: Scan,
    base: Plan,
    plan: Plan,
    figures: list[CalibratedFigure],
    problems: list[Problem],
    shape: str,
    rows: int,
    first: float | None,
    last: float | None,
    steps: Progress,
) -> Calibration:
    steps.step(0.95)
    kept = kept_from_base(base, plan, figures)
    first_text = date_text(first) if first is not None and math.isfinite(first) else None
    last_text = date_text(last) if last is not None and math.isfinite(last) else None
    note = f"Calibrated from {Path(scan.path).name} (sheet '{scan.sheet}', {rows:,} rows"
    note += f", {first_text} to {last_text})." if first_text and last_text else ")."
    plan = plan.with_changes(notes=(base.notes + "\n" if base.notes else "") + note)
    if not figures:
        problems.append(
            Problem(
                "file",
                "Nothing in the data could be calibrated: every figure would be the base plan's, so no plan was "
                "made. Check the columns the importer recognised (or name them in a mapping file).",
                location=location(scan.path, scan.sheet),
            )
        )
    if any(p.severity == "error" for p in problems):
        steps.step(1.0)
        return Calibration(None, tuple(figures), tuple(problems), shape, rows, first_text, last_text, kept=kept)
    checked = validate(plan)
    if any(p.severity == "error" for p in checked):
        problems += [
            Problem(p.field, f"The calibrated plan is not valid: {p.message}", p.severity, location(scan.path))
            for p in checked
        ]
        steps.step(1.0)
        return Calibration(None, tuple(figures), tuple(problems), shape, rows, first_text, last_text, kept=kept)
    problems += [p for p in checked if p.severity == "warning"]
    steps.step(1.0)
    return Calibration(plan, tuple(figures), tuple(problems), shape, rows, first_text, last_text, kept=kept)


def kept_from_base(base: Plan, plan: Plan, figures: list[CalibratedFigure]) -> tuple[str, ...]:
    """The base plan's figures the data did not replace, in words."""
    done = {f.field for f in figures}
    kept: list[str] = []
    for k, stage in enumerate(plan.stages[:-1]):
        step = f"{stage.name} → {plan.stages[k + 1].name}"
        if f"stages[{k}].rate" not in done:
            kept.append(f"{step} rate")
        if f"stages[{k}].lag_days" not in done and f"stages[{k}].lag_profile" not in done:
            kept.append(f"{step} timing")
    if "avg_deal_size" not in done:
        kept.append("Average deal size")
    if not any(f.startswith("channels[") and f.endswith(".mix") for f in done):
        kept.append("Channel mix")
    for j, channel in enumerate(plan.channels):
        if f"channels[{j}].cost_per_lead" not in done:
            kept.append(f"Channel '{channel.name}' cost per lead")
    for i, source in enumerate(plan.free_sources):
        if f"free_sources[{i}].volume" not in done:
            kept.append(f"Free source '{source.name}' volume")
    if "revenue_target" not in done:
        kept.append("Seasonality of the revenue target")
    if base.lead_spec is not None and not any(f.startswith("lead_spec") for f in done):
        kept.append("Lead spec criteria and pass rate")
    return tuple(kept)
