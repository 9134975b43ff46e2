"""Calibrating from lead-level exports (one row per lead): stage rates from
statuses or stage dates, lags, deal size, seasonality and the lead spec's criteria."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from core.calc.lead_spec import criteria_pass_rate
from core.formats.xlsx.location import location
from core.importer.calibrate.common import (
    _MONTH_ABBR,
    _NO_STAGE_STATUSES,
    LAG_QUANTILE,
    MIN_SAMPLE,
    CalibratedFigure,
    Calibration,
    _apply_transitions,
    _background,
    _criterion_index,
    _data_stages,
    _date_text,
    _finish,
    _leave_out_summaries,
    _Progress,
    _qualifies,
    _reseason,
    _small,
    _stage_match,
    _Transition,
)
from core.importer.calibrate.leads_channels import _cohort_rate, _leads_channels
from core.importer.columns import normalize, stage_key
from core.importer.scan import Scan, Table
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
from core.model.plan import EmpiricalPassRate, Plan, Problem

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
