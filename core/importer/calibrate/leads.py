"""Calibrating from lead-level exports (one row per lead): stage rates from
statuses or stage dates, lags, deal size, seasonality and the lead spec's criteria."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from core.calc.lead_spec import criteria_pass_rate
from core.formats.xlsx.location import location
from core.importer.calibrate.cohort_step import cohort_step
from core.importer.calibrate.common import (
    LAG_QUANTILE,
    MIN_SAMPLE,
    MONTH_ABBR,
    NO_STAGE_STATUSES,
    CalibratedFigure,
    Calibration,
    Progress,
    SourceClass,
    Transition,
    apply_transitions,
    background,
    criterion_index,
    data_stages,
    date_text,
    finish,
    leave_out_summaries,
    qualifies,
    reseason,
    small,
    stage_match,
)
from core.importer.calibrate.leads_channels import cohort_rate, leads_channels
from core.importer.columns import normalize, stage_key
from core.importer.crm import crm_status_stage
from core.importer.scan import Column, Scan, Table
from core.importer.typed_columns import (
    CellErrors,
    FloatArray,
    Grid,
    error_cell_problems,
    read_dates,
    read_flags,
    read_numbers,
    text_codes,
)
from core.model.plan import EmpiricalPassRate, LeadSpec, Plan, Problem

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
        elif crm_status_stage(text)[0]:
            lookup[code] = keyed.get(crm_status_stage(text)[1] or "", -1)
        elif norm in NO_STAGE_STATUSES or norm.startswith(("closed lost", "lost", "disqualified", "unqualified")):
            lookup[code] = -1
        else:
            unknown.append(text)
    return lookup[codes], unknown


@dataclass
class _LeadColumns:
    """The lead table's used columns read as values, one row per lead
    (``data_names`` the data's stages, ``coded`` the channel and status
    columns as text codes, ``left_out`` the summary rows)."""

    scan: Scan
    table: Table
    grid: Grid
    cols: dict[str, Column]
    coded: dict[int, tuple[npt.NDArray[np.intp], npt.NDArray[Any]]]
    left_out: npt.NDArray[np.bool_]
    data_names: list[str]
    statuses_map: dict[str, str | None]
    dates: FloatArray = field(init=False)  # (lead, data stage): day the stage was entered, NaN when unknown
    reached: npt.NDArray[np.bool_] = field(init=False)  # (lead, data stage): the lead got that far
    blank_row: npt.NDArray[np.bool_] = field(init=False)
    channel_texts: npt.NDArray[Any] | None = None
    amount: FloatArray | None = None
    criteria: dict[str, FloatArray] = field(default_factory=dict)
    unknown_status: list[str] = field(default_factory=list)
    cell_errors: list[CellErrors] = field(default_factory=list)

    def __post_init__(self) -> None:
        n, s = self.grid.n, len(self.data_names)
        self.dates = np.full((n, s), np.nan)
        self.reached = np.zeros((n, s), dtype=bool)
        self.blank_row = np.ones(n, dtype=bool)

    @property
    def first_row(self) -> int:
        """0-based index of the first data row."""
        return self.table.header_row

    def values(self, role: str) -> npt.NDArray[Any]:
        return self.grid.column(self.cols[role].index)

    def errors_for(self, header: str) -> CellErrors:
        errs = CellErrors(self.scan.path, self.table.sheet, header, hints=self.scan.hints)
        self.cell_errors.append(errs)
        return errs

    def read_dates(self, role: str) -> FloatArray:
        errs = self.errors_for(self.cols[role].header)
        return read_dates(self.values(role), errs, self.cols[role].index, self.first_row)

    def read_flags(self, column: Column) -> FloatArray:
        errs = self.errors_for(column.header)
        return read_flags(self.grid.column(column.index), errs, column.index, self.first_row)

    def keep(self, rows: npt.NDArray[np.bool_]) -> None:
        """Keep only ``rows`` (the non-blank leads)."""
        self.dates, self.reached = self.dates[rows], self.reached[rows]
        if self.channel_texts is not None:
            self.channel_texts = self.channel_texts[rows]
        if self.amount is not None:
            self.amount = self.amount[rows]
        self.criteria = {k: v[rows] for k, v in self.criteria.items()}


def _read_stage_columns(data: _LeadColumns, steps: Progress) -> None:
    """The created date and each stage's date or yes/no column."""
    created: FloatArray | None = None
    if "created_date" in data.cols:
        created = data.read_dates("created_date")
        data.dates[:, 0] = created
        data.blank_row &= np.isnan(created)
    steps.step(0.2)
    s = len(data.data_names)
    for k, name in enumerate(data.data_names):
        role = f"date:{name}"
        if role in data.cols:
            d = data.read_dates(role)
            if k == 0 and created is not None:
                data.dates[:, 0] = np.where(np.isnan(created), d, created)
            else:
                data.dates[:, k] = d
            data.blank_row &= np.isnan(d)
        flag_role = f"stage:{name}"
        if flag_role in data.cols:
            f = data.read_flags(data.cols[flag_role])
            data.reached[:, k] |= f > 0.5
            data.blank_row &= np.isnan(f)
        steps.step(0.2 + 0.3 * (k + 1) / s)


def _read_other_columns(data: _LeadColumns) -> None:
    """Status (how far each lead got), channel, amount and criteria columns."""
    cols = data.cols
    if "status" in cols:
        codes, distinct = data.coded[cols["status"].index]
        texts = np.where(data.left_out, "", distinct[codes])
        stage_of, data.unknown_status = _status_stage(texts, data.data_names, data.statuses_map)
        data.blank_row &= texts == ""
        for k in range(len(data.data_names)):
            data.reached[:, k] |= stage_of >= k
    if "channel" in cols:
        codes, distinct = data.coded[cols["channel"].index]
        data.channel_texts = np.where(data.left_out, "", distinct[codes])
        data.blank_row &= data.channel_texts == ""
    if "amount" in cols:
        errs = data.errors_for(cols["amount"].header)
        data.amount = read_numbers(data.values("amount"), errs, cols["amount"].index, data.first_row, "an amount")
        data.blank_row &= np.isnan(data.amount)
    if "close_date" in cols and "Won" in data.data_names:
        won_k = data.data_names.index("Won")
        close = data.read_dates("close_date")
        missing = data.reached[:, won_k] & np.isnan(data.dates[:, won_k])
        data.dates[:, won_k] = np.where(missing, close, data.dates[:, won_k])
    for column in data.table.columns:
        if column.role.startswith("criterion:"):
            data.criteria[column.role.split(":", 1)[1]] = data.read_flags(column)


def _unknown_status_warning(data: _LeadColumns) -> Problem:
    status = data.cols["status"]
    shown = ", ".join(f"'{u}'" for u in data.unknown_status[:8])
    return Problem(
        status.header,
        f"Status values {shown} are not stages of the funnel; those leads count as reaching only the stages "
        'their dates show. Name their stage in the mapping file\'s "statuses" if that is wrong.',
        "warning",
        location(data.scan.path, data.table.sheet, status.address),
    )


def _read_leads(
    scan: Scan, table: Table, rows: list[list[Any]], problems: list[Problem], steps: Progress
) -> tuple[_LeadColumns, tuple[str, ...]]:
    """The table's columns read as values (bad cells added to ``problems``)
    and the notes on summary rows left out."""
    mapping = scan.mapping
    # the scan for Excel error cells decompresses the sheet's XML (zlib releases the GIL): overlap it
    error_scan = background(error_cell_problems, scan.path, table, scan.error_parts)
    statuses_map = dict(mapping.statuses) if mapping else {}
    cols = {c.role: c for c in table.columns}
    grid = Grid(rows, table.header_row)
    coded = {cols[r].index: text_codes(grid.column(cols[r].index)) for r in ("channel", "status") if r in cols}
    notes, left_out = leave_out_summaries(grid, table, problems, scan.path, coded)
    data_names = data_stages(table, scan, statuses_map)
    data = _LeadColumns(scan, table, grid, cols, coded, left_out, data_names, statuses_map)
    _read_stage_columns(data, steps)
    _read_other_columns(data)
    steps.step(0.6)
    for errs in data.cell_errors:
        problems += errs.problems
    problems += error_scan.result()
    return data, notes


def calibrate_leads(
    scan: Scan, table: Table, rows: list[list[Any]], base: Plan, problems: list[Problem], steps: Progress
) -> Calibration:
    figures: list[CalibratedFigure] = []
    n = len(rows) - table.header_row
    data, notes = _read_leads(scan, table, rows, problems, steps)
    data_names = data.data_names
    matched: list[int | None] = [stage_match(name, base) for name in data_names]
    if matched[0] is None:
        matched[0] = 0
    if any(p.severity == "error" for p in problems):
        return Calibration(None, (), tuple(problems), "leads", n)
    if data.unknown_status:
        problems.append(_unknown_status_warning(data))
    keep = ~data.blank_row
    data.keep(keep)
    n = int(keep.sum())
    if n == 0:
        problems.append(Problem("file", "The table has no lead rows.", location=location(scan.path, table.sheet)))
        return Calibration(None, (), tuple(problems), "leads", 0)
    dates = data.dates
    reached = data.reached | ~np.isnan(dates)
    reached[:, 0] = True
    reached = np.logical_or.accumulate(reached[:, ::-1], axis=1)[:, ::-1]
    data.reached = reached
    last = float(np.nanmax(dates)) if not np.all(np.isnan(dates)) else math.nan
    first = float(np.nanmin(dates)) if not np.all(np.isnan(dates)) else math.nan
    transitions: list[Transition] = []
    cutoffs: list[float] = []
    lag_cdfs: list[FloatArray] = []
    for k in range(len(data_names) - 1):
        transition, cutoff, sorted_gaps = _lead_transition(data, k, matched, base, last)
        transitions.append(transition)
        cutoffs.append(cutoff)
        lag_cdfs.append(sorted_gaps)
    steps.step(0.7)
    stages = apply_transitions(base, matched, data_names, transitions, figures, problems)
    plan = base.with_changes(stages=stages)
    classified: list[SourceClass] = []
    if data.channel_texts is not None:
        plan = leads_channels(
            scan, plan, base, data.channel_texts, reached, dates, cutoffs, lag_cdfs, last, matched, figures, problems,
            classified,
        )  # fmt: skip
    steps.step(0.8)
    if data.criteria and base.lead_spec is not None:
        plan = _leads_criteria(scan, table, plan, data_names, matched, reached, data.criteria, figures, problems)
    elif data.criteria:
        problems.append(
            Problem(
                "lead_spec",
                "The data has criteria columns but the base plan has no lead spec; they were not used.",
                "warning",
            )
        )
    plan = _deal_size_and_seasonality(plan, base, data, matched, figures, problems)
    steps.step(0.9)
    result = finish(scan, base, plan, figures, problems, "leads", n, first, last, steps)
    return replace(result, notes=notes, sources=tuple(classified))


def _settled_gaps(all_gaps: FloatArray, both: npt.NDArray[np.bool_], entered: FloatArray, last: float) -> FloatArray:
    """The stage-to-stage gaps measured on entries old enough to show long
    lags: recent entries can only show short lags (the long ones have not
    happened yet), so the lag is measured on entries older than its own
    90th percentile, found by a few fixed-point steps."""
    gaps = all_gaps[both]
    for _ in range(6):
        if not len(gaps):
            break
        horizon = float(np.quantile(gaps, LAG_QUANTILE))
        old_entries = both & (entered <= last - horizon)
        if int(old_entries.sum()) < MIN_SAMPLE:
            break
        narrowed = all_gaps[old_entries]
        if len(narrowed) == len(gaps):
            break
        gaps = narrowed
    return gaps


def _lead_transition(
    data: _LeadColumns, k: int, matched: list[int | None], base: Plan, last: float
) -> tuple[Transition, float, FloatArray]:
    """The measured step from data stage ``k`` to ``k + 1`` (rate by cohort,
    median lag), its cohort cutoff day and the sorted lags."""
    dates, reached, data_names = data.dates, data.reached, data.data_names
    rows = "leads" if (matched[0] or 0) == 0 else "deals"  # a deal export's rows start at the deal
    both = reached[:, k + 1] & ~np.isnan(dates[:, k]) & ~np.isnan(dates[:, k + 1])
    all_gaps = dates[:, k + 1] - dates[:, k]
    backwards = int((both & (all_gaps < 0)).sum())
    both &= all_gaps >= 0
    gaps = _settled_gaps(all_gaps, both, dates[:, k], last)
    lag: float | None = float(np.median(gaps)) if len(gaps) else None
    lag_warning = None
    if backwards:
        lag_warning = (
            f"{backwards} {rows} have the {data_names[k + 1]} date before the {data_names[k]} date; they were left out."
        )
    if len(gaps):
        p90 = float(np.quantile(gaps, LAG_QUANTILE))
    else:
        a, b = matched[k], matched[k + 1]
        p90 = (
            2.0 * sum((base.stages[i].lag_days or 0.0) for i in range(a, b))
            if a is not None and b is not None and b > a
            else 0.0
        )
    entry = np.where(np.isnan(dates[:, k]), dates[:, 0], dates[:, k])
    cutoff = last - p90
    sorted_gaps = np.sort(gaps)
    rate, sample = cohort_rate(reached[:, k], reached[:, k + 1], entry, cutoff, last, sorted_gaps)
    naive_n = int(reached[:, k].sum())
    naive = float(reached[:, k + 1].sum()) / naive_n if naive_n else math.nan
    warning = None
    if rate is None:
        rate, sample = (naive, naive_n) if naive_n else (None, 0)
        warning = "no lead is old enough to have finished this step; the rate counts every lead and may be too low."
    basis = (
        f"cohort: {rows} entering {data_names[k]} by {date_text(cutoff)} ({p90:.0f} days before the last date, the "
        f"90th percentile lag), weighted by the share of the lag they have had; all {rows} would give {naive:.1%}"
        if math.isfinite(cutoff) and naive_n
        else f"all {rows}"
    )
    transition = Transition(rate, sample, lag, len(gaps), basis, warning, lag_warning)
    estimate = cohort_step(entry, dates[:, k + 1], reached[:, k], reached[:, k + 1], last)
    if estimate is not None:
        transition = Transition(
            estimate.rate, estimate.sample, estimate.mean_lag_days, int(reached[:, k + 1].sum()),
            f"cohorts by month of entering {data_names[k]}, {estimate.censored:,} {rows} still in flight censored "
            f"(Kaplan-Meier over {estimate.horizon_months} months); all {rows} would give {estimate.naive_rate:.1%}",
            estimate.warning, lag_warning, estimate.profile,
        )  # fmt: skip
    return transition, cutoff, sorted_gaps


def _deal_size_and_seasonality(
    plan: Plan,
    base: Plan,
    data: _LeadColumns,
    matched: list[int | None],
    figures: list[CalibratedFigure],
    problems: list[Problem],
) -> Plan:
    """The average deal size from won leads' amounts, and the seasonality
    from their close months (when the last data stage is the plan's last)."""
    amount, reached, dates = data.amount, data.reached, data.dates
    won_k = len(data.data_names) - 1 if matched[-1] == len(base.stages) - 1 else None
    if won_k is None or amount is None:
        return plan
    won = reached[:, won_k] & ~np.isnan(amount) & (amount > 0)
    count = int(won.sum())
    if not count:
        return plan
    size = float(amount[won].mean())
    figures.append(
        CalibratedFigure(
            "avg_deal_size", "Average deal size", size, count, small(count, "won deals"), base.avg_deal_size,
            "mean amount of won deals",
        )
    )  # fmt: skip
    plan = plan.with_changes(avg_deal_size=size)
    won_dates = dates[won, won_k]
    known = ~np.isnan(won_dates)
    if not known.any():
        return plan
    months = (won_dates[known].astype(np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)) % 12
    return seasonality(
        plan, base, months, amount[won][known], int(known.sum()), "won revenue by close month", figures, problems
    )


def seasonality(
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
        missing = ", ".join(MONTH_ABBR[m] for m in range(12) if not present[m])
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
            small(sample, "deals"), None, basis + "; the plan's total target is kept and split by it",
        )
    )  # fmt: skip
    return plan.with_changes(revenue_target=reseason(base, profile))


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
    """The lead spec's criteria shares and measured pass rates, from the
    yes/no columns of the leads presented to the gate."""
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
        index = criterion_index(spec, name)
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
        new_criteria[index] = replace(new_criteria[index], share=share, share_sample=sample)
        figures.append(
            CalibratedFigure(
                f"lead_spec.criteria[{index}].share", f"Criterion '{spec.criteria[index].name}' share", share, sample,
                small(sample, "leads"), spec.criteria[index].share,
                f"share of leads reaching {data_names[presented_k]} that meet it",
            )
        )  # fmt: skip
    new_spec = replace(spec, criteria=tuple(new_criteria))
    proposed = plan.proposed_lead_spec
    if len(columns_in_spec) == len(spec.criteria) and spec.criteria:
        new_spec, proposed = _measured_pass_rates(spec, new_spec, proposed, presented, columns_in_spec, figures)
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


def _measured_pass_rates(
    spec: LeadSpec,
    new_spec: LeadSpec,
    proposed: LeadSpec | None,
    presented: npt.NDArray[np.bool_],
    columns_in_spec: dict[int, FloatArray],
    figures: list[CalibratedFigure],
) -> tuple[LeadSpec, LeadSpec | None]:
    """The spec (and a proposed spec with the same criteria) with the pass
    rate measured on the leads presented with every criterion assessed."""
    met = np.column_stack([columns_in_spec[i] for i in range(len(spec.criteria))])
    assessed = presented & ~np.isnan(met).any(axis=1)
    sample = int(assessed.sum())
    if not sample:
        return new_spec, proposed
    passed = float(qualifies(new_spec, met[assessed]).mean())
    if passed > 0:
        new_spec = replace(new_spec, empirical=EmpiricalPassRate(passed, sample))
        figures.append(
            CalibratedFigure(
                "lead_spec.empirical.pass_rate", "Lead spec pass rate (measured)", passed, sample,
                small(sample, "leads"), criteria_pass_rate(spec), "qualifying leads / leads presented to the gate",
            )
        )  # fmt: skip
    if proposed is not None and [c.name for c in proposed.criteria] == [c.name for c in spec.criteria]:
        p_pass = float(qualifies(proposed, met[assessed]).mean())
        shares = tuple(
            replace(c, share=n.share, share_sample=n.share_sample)
            for c, n in zip(proposed.criteria, new_spec.criteria, strict=True)
        )
        proposed = replace(proposed, criteria=shares)
        if p_pass > 0:
            proposed = replace(proposed, empirical=EmpiricalPassRate(p_pass, sample))
            figures.append(
                CalibratedFigure(
                    "proposed_lead_spec.empirical.pass_rate", "Proposed spec pass rate (measured)", p_pass,
                    sample, small(sample, "leads"), None, "leads qualifying under the proposed spec / leads presented",
                )
            )  # fmt: skip
    return new_spec, proposed
