"""Calibrating from monthly summaries (one row per month, or per month and
channel): volumes, rates between the stage columns, spend and cost per lead."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from core.formats.xlsx.location import cell_name, location, place
from core.importer.calibrate.common import (
    DAYS_PER_MONTH,
    CalibratedFigure,
    Calibration,
    Progress,
    Transition,
    apply_transitions,
    data_stages,
    finish,
    leave_out_summaries,
    small,
    stage_match,
)
from core.importer.calibrate.leads import seasonality
from core.importer.calibrate.leads_channels import spend_by_channel
from core.importer.columns import CANONICAL_STAGES, normalize, role_channel, role_stage
from core.importer.scan import Scan, Table
from core.importer.typed_columns import (
    CellErrors,
    FloatArray,
    Grid,
    column_values,
    error_cell_problems,
    month_keys,
    read_numbers,
    read_texts,
)
from core.model.plan import Channel, FreeSource, Plan, Problem

# --------------------------------------------------------------------------- monthly


@dataclass(frozen=True)
class _MonthlyColumns:
    """The summary's columns read as values: month keys (``year*12 +
    month-1``), the rows to skip (total rows), the channel per row, the
    numbers per role, and the notes on summary rows left out."""

    keys: FloatArray
    skip: npt.NDArray[np.bool_]
    channel: npt.NDArray[Any] | None
    numbers: dict[str, FloatArray]
    notes: tuple[str, ...]


def _read_monthly(
    scan: Scan, table: Table, rows: list[list[Any]], problems: list[Problem], steps: Progress
) -> _MonthlyColumns:
    """The month, channel and number columns (bad cells added to ``problems``)."""
    path = scan.path
    first_row = table.header_row
    month_col = table.column("month")
    assert month_col is not None
    grid = Grid(rows, first_row)
    notes, _ = leave_out_summaries(grid, table, problems, path)
    if notes:
        rows = rows[:first_row] + grid.rows()
    headers = {c.index: c.header for c in table.columns}
    errs = CellErrors(path, table.sheet, month_col.header, hints=scan.hints, headers=headers)
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
    return _MonthlyColumns(keys, skip, channel, numbers, notes)


def _missing_month(scan: Scan, table: Table, data: _MonthlyColumns) -> Problem | None:
    """The first row with figures but no month, if any."""
    month_col = table.column("month")
    assert month_col is not None
    keys, numbers = data.keys, data.numbers
    empty = np.isnan(keys) & np.all([np.isnan(v) for v in numbers.values()], axis=0) if numbers else np.isnan(keys)
    missing_month = np.isnan(keys) & ~empty & ~data.skip
    if not missing_month.any():
        return None
    r = int(np.flatnonzero(missing_month)[0])
    cell = cell_name(table.header_row + r, month_col.index)
    return Problem(
        month_col.header,
        f"{place(table.sheet, cell)}: the row has figures but no month. Enter the month.",
        location=location(scan.path, table.sheet, cell),
    )


def _stage_totals(per_month: pd.DataFrame, data_names: list[str], stage_roles: list[str]) -> dict[str, FloatArray]:
    """Totals per month for each stage (a total column, else the sum of its channels)."""
    totals: dict[str, FloatArray] = {}
    for name in data_names:
        plain = f"stage:{name}"
        if plain in per_month:
            totals[name] = per_month[plain].to_numpy(dtype=np.float64)
        else:
            parts = [r for r in stage_roles if r.startswith(plain + "@")]
            if parts:
                totals[name] = per_month[parts].sum(axis=1, min_count=1).to_numpy(dtype=np.float64)
    return totals


def _monthly_transition(
    k: int,
    names_present: list[str],
    matched: list[int | None],
    totals: dict[str, FloatArray],
    base: Plan,
    n_months: int,
) -> Transition:
    """The rate from stage ``k`` to ``k + 1``: the next stage's volume over
    this one's, shifted by the base plan's lag in months."""
    a, b = matched[k], matched[k + 1]
    lag = (
        sum((base.stages[i].lag_days or 0.0) for i in range(a, b)) if a is not None and b is not None and b > a else 0.0
    )
    shift = round(lag / DAYS_PER_MONTH)
    src, dst = totals[names_present[k]], totals[names_present[k + 1]]
    if shift >= n_months:
        return Transition(None, 0, None, 0, "too few months for the lag")
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
    return Transition(rate, round(denominator), None, 0, basis, warning)


def calibrate_monthly(
    scan: Scan, table: Table, rows: list[list[Any]], base: Plan, problems: list[Problem], steps: Progress
) -> Calibration:
    figures: list[CalibratedFigure] = []
    data = _read_monthly(scan, table, rows, problems, steps)
    keys = data.keys
    if any(p.severity == "error" for p in problems):
        return Calibration(None, (), tuple(problems), "monthly", len(keys))
    missing = _missing_month(scan, table, data)
    if missing is not None:
        problems.append(missing)
        return Calibration(None, (), tuple(problems), "monthly", len(keys))
    keep = ~np.isnan(keys) & ~data.skip
    keys_kept = keys[keep].astype(np.int64)
    frame = pd.DataFrame({role: vals[keep] for role, vals in data.numbers.items()})
    frame["_month"] = keys_kept
    if data.channel is not None:
        frame["_channel"] = data.channel[keep]
    months = np.sort(np.unique(keys_kept))
    n_months = len(months)
    steps.step(0.6)

    data_names = data_stages(table, scan, {})
    stage_roles = [c.role for c in table.columns if c.role.startswith("stage:")]
    per_month = frame.groupby("_month").sum(numeric_only=True, min_count=1).reindex(months)
    totals = _stage_totals(per_month, data_names, stage_roles)
    names_present = [nm for nm in data_names if nm in totals]
    matched = [stage_match(nm, base) for nm in names_present]
    if names_present and matched[0] is None and names_present[0] == CANONICAL_STAGES[0]:
        matched[0] = 0
    transitions = [
        _monthly_transition(k, names_present, matched, totals, base, n_months) for k in range(len(names_present) - 1)
    ]
    stages = apply_transitions(base, matched, names_present, transitions, figures, problems)
    plan = base.with_changes(stages=stages)
    steps.step(0.75)
    sums = _ChannelSums.of(scan, frame, names_present, data.channel is not None, problems)
    first_name = names_present[0] if names_present else None
    if sums.leads_by:
        plan = _monthly_channels(plan, base, sums, matched, n_months, figures, problems)
    elif "spend" in per_month and first_name in totals and plan.channels:
        plan = _blended_cost(plan, float(np.nansum(per_month["spend"])), float(np.nansum(totals[first_name])), figures)
    steps.step(0.85)
    plan = _monthly_deals_and_seasonality(
        plan, base, per_month, totals, names_present, matched, months, figures, problems
    )
    if n_months < 12:
        problems.append(
            Problem("file", f"The summary covers only {n_months} months; a full year gives better figures.", "warning")
        )
    first_day = _month_first_day(months[0]) if n_months else None
    last_day = _month_first_day(months[-1]) if n_months else None
    calibration = finish(scan, base, plan, figures, problems, "monthly", int(keep.sum()), first_day, last_day, steps)
    return replace(calibration, notes=data.notes)


def _month_first_day(key: np.int64) -> float | None:
    """Days since 1970 of the month's first day; None for a bare month name (no year)."""
    if key <= 12:
        return None
    return float((key - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64))


@dataclass
class _ChannelSums:
    """Per channel (normalized name): first-stage volume, next-stage volume,
    spend, and the name as the data writes it."""

    leads_by: dict[str, float] = field(default_factory=dict)
    next_by: dict[str, float] = field(default_factory=dict)
    spend_by: dict[str, float] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls, scan: Scan, frame: pd.DataFrame, names_present: list[str], long_format: bool, problems: list[Problem]
    ) -> _ChannelSums:
        """From a channel column (long format), '<channel> ...' columns, and a
        spend table on another sheet (for channels the summary has no spend of)."""
        sums = cls()
        first_name = names_present[0] if names_present else None
        second_name = names_present[1] if len(names_present) > 1 else None
        if long_format and "_channel" in frame:
            grouped = frame.groupby("_channel").sum(numeric_only=True, min_count=1)
            for group, row in grouped.iterrows():
                key = normalize(str(group))
                if not key:
                    continue
                sums.display.setdefault(key, str(group))
                if first_name and f"stage:{first_name}" in row:
                    sums.leads_by[key] = float(np.nan_to_num(row[f"stage:{first_name}"]))
                if second_name and f"stage:{second_name}" in row:
                    sums.next_by[key] = float(np.nan_to_num(row[f"stage:{second_name}"]))
                if "spend" in row:
                    sums.spend_by[key] = float(np.nan_to_num(row["spend"]))
        for role in frame.columns:
            ch = role_channel(str(role))
            if ch is None:
                continue
            key = normalize(ch)
            sums.display.setdefault(key, ch)
            total = float(np.nansum(frame[role].to_numpy(dtype=np.float64)))
            if str(role).startswith("spend@"):
                sums.spend_by[key] = sums.spend_by.get(key, 0.0) + total
            elif first_name and role_stage(str(role)) == first_name:
                sums.leads_by[key] = sums.leads_by.get(key, 0.0) + total
            elif second_name and role_stage(str(role)) == second_name:
                sums.next_by[key] = sums.next_by.get(key, 0.0) + total
        if scan.spend_table is not None:
            extra = spend_by_channel(scan, problems)
            if extra:
                for key, value in extra[0].items():
                    sums.spend_by.setdefault(key, value)
        return sums


def _monthly_deals_and_seasonality(
    plan: Plan,
    base: Plan,
    per_month: pd.DataFrame,
    totals: dict[str, FloatArray],
    names_present: list[str],
    matched: list[int | None],
    months: npt.NDArray[np.int64],
    figures: list[CalibratedFigure],
    problems: list[Problem],
) -> Plan:
    """Average deal size (revenue / won deals) and seasonality (revenue, else
    won deals, per calendar month)."""
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
                    "avg_deal_size", "Average deal size", size, sample, small(sample, "won deals"), base.avg_deal_size,
                    "revenue / won deals",
                )
            )  # fmt: skip
            plan = plan.with_changes(avg_deal_size=size)
    season_values = revenue if revenue is not None else won
    if season_values is not None:
        ok = ~np.isnan(season_values)
        cal = (months[ok] % 12).astype(np.int64)
        sample = round(float(np.nansum(won))) if won is not None else int(ok.sum())
        plan = seasonality(
            plan, base, cal, season_values[ok], sample,
            "revenue per calendar month" if revenue is not None else "won deals per calendar month", figures, problems,
        )  # fmt: skip
    return plan


def _blended_cost(plan: Plan, spend: float, leads: float, figures: list[CalibratedFigure]) -> Plan:
    """Spend without a channel split: every channel's cost per lead scaled by
    one factor so the mix-weighted cost per lead is spend / leads."""
    blended = math.fsum(c.mix * c.cost_per_lead for c in plan.channels)
    if spend <= 0 or leads <= 0 or blended <= 0:
        return plan
    factor = (spend / leads) / blended
    sample = round(leads)
    warning = small(sample, "leads") or (
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
    sums: _ChannelSums,
    matched: list[int | None],
    n_months: int,
    figures: list[CalibratedFigure],
    problems: list[Problem],
) -> Plan:
    """Each paid channel's mix, first-step rate and cost per lead from its
    summed volumes and spend; free sources' volumes per month."""
    leads_by, next_by, spend_by, display = sums.leads_by, sums.next_by, sums.spend_by, sums.display
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
                f"channels[{j}].mix", f"Channel '{name}' mix", share, sample_total, small(sample_total, "leads"),
                old.mix if old else None, "share of paid leads",
            )
        )  # fmt: skip
        rate = old.rate if old else None
        if rate_ok and key in next_by and 0 < next_by[key] <= leads:
            rate = next_by[key] / leads
            figures.append(
                CalibratedFigure(
                    f"channels[{j}].rate", f"Channel '{name}' {plan.stages[0].name} → {plan.stages[1].name} rate", rate,
                    round(leads), small(round(leads), "leads"), old.rate if old else None,
                    "channel's next-stage volume / its leads",
                )
            )  # fmt: skip
        cpl = old.cost_per_lead if old else 0.0
        if key in spend_by:
            cpl = spend_by[key] / leads
            figures.append(
                CalibratedFigure(
                    f"channels[{j}].cost_per_lead", f"Channel '{name}' cost per lead", cpl, round(leads),
                    small(round(leads), "leads"), old.cost_per_lead if old else None,
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
    free = _monthly_free_volumes(plan, base, leads_by, free_names, n_months, figures)
    return plan.with_changes(channels=tuple(channels), free_sources=tuple(free))


def _monthly_free_volumes(
    plan: Plan,
    base: Plan,
    leads_by: dict[str, float],
    free_names: dict[str, int],
    n_months: int,
    figures: list[CalibratedFigure],
) -> list[FreeSource]:
    """The plan's free sources, those at the first stage with their leads per month in the data."""
    free = list(plan.free_sources)
    for key, idx in free_names.items():
        if key in leads_by and n_months > 0 and plan.stage_index(free[idx].stage) == 0:
            volume = leads_by[key] / n_months
            free[idx] = FreeSource(free[idx].name, free[idx].stage, (volume,) * plan.months)
            figures.append(
                CalibratedFigure(
                    f"free_sources[{idx}].volume", f"Free source '{free[idx].name}' volume per month", volume,
                    round(leads_by[key]), small(round(leads_by[key]), "leads"),
                    base.free_sources[idx].volume[0] if base.free_sources[idx].volume else None, f"its leads / {n_months} months",
                )
            )  # fmt: skip
    return free
