"""Per-channel figures from lead-level exports: each channel's share of leads,
cost per lead from a spend table, and its own stage rate where the sample allows."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from core.importer.calibrate.common import DAYS_PER_MONTH, CalibratedFigure, SourceClass, rows_of, small
from core.importer.columns import normalize, role_channel
from core.importer.scan import Scan, Table
from core.importer.sources import classify, loose_match
from core.importer.typed_columns import CellErrors, FloatArray, column_values, month_keys, read_numbers, read_texts
from core.model.plan import Channel, FreeSource, Plan, Problem


def cohort_rate(
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


def _distinct_sources(channel_texts: npt.NDArray[Any]) -> tuple[npt.NDArray[np.intp], list[str], npt.NDArray[np.int64]]:
    """Codes, names and counts of the sources, spellings differing only in
    case or spaces ("web", "Web ") taken as one (named as most rows write it)."""
    raw_codes, raw = pd.factorize(pd.Series(channel_texts, dtype=object).fillna("").astype(str))
    raw_counts = np.bincount(raw_codes[raw_codes >= 0], minlength=len(raw))
    keys = [" ".join(str(text).split()).casefold() for text in raw]
    key_codes, uniques = pd.factorize(pd.Series(keys, dtype=object))
    codes = np.where(raw_codes >= 0, np.asarray(key_codes)[raw_codes], -1)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques)) if len(uniques) else np.zeros(0, dtype=np.int64)
    names: list[str] = []
    for code in range(len(uniques)):
        spellings = [(int(raw_counts[i]), str(raw[i]).strip()) for i in range(len(raw)) if key_codes[i] == code]
        names.append(max(spellings)[1] if spellings else "")
    return np.asarray(codes), names, counts


def classify_sources(
    names: list[str], counts: npt.NDArray[np.int64], base: Plan, chosen: dict[str, str]
) -> list[SourceClass]:
    """Each named source free or paid: the user's choice, else the base plan
    (a free source or a channel by that name), else the name, else paid."""
    out: list[SourceClass] = []
    free_names = [f.name for f in base.free_sources]
    channel_names = [c.name for c in base.channels]
    picked = {k.strip().casefold(): v for k, v in chosen.items()}
    for name, count in zip(names, counts, strict=True):
        if not name:
            continue
        kind, why = picked.get(name.casefold()), "your choice"
        if kind not in ("free", "paid"):
            named = classify(name)
            if normalize(name) in {normalize(f) for f in free_names}:
                kind, why = "free", "a free source of the base plan"
            elif loose_match(name, channel_names) is not None and named != "free":
                kind, why = "paid", f"the base plan's channel '{channel_names[loose_match(name, channel_names) or 0]}'"
            elif named is not None:
                kind, why = named, f"'{name}' reads as {'a free source' if named == 'free' else 'a paid channel'}"
            else:
                kind, why = "paid", "not known; taken as a paid channel"
        out.append(SourceClass(name, str(kind), int(count), why))
    return out


def leads_channels(
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
    classified: list[SourceClass] | None = None,
) -> Plan:
    codes, names, counts = _distinct_sources(channel_texts)
    chosen = dict(scan.mapping.sources) if scan.mapping is not None else {}
    sources = classify_sources(names, counts, base, chosen)
    if classified is not None:
        classified += sources
    kinds = {s.name: s.kind for s in sources}
    months_span = _months_span(dates[:, 0])
    paid = [(i, name) for i, name in enumerate(names) if kinds.get(name) == "paid"]
    paid.sort(key=lambda t: -counts[t[0]])
    total = int(sum(counts[i] for i, _ in paid))
    first_stage = plan.stages[matched[0] or 0].name
    items = "leads" if (matched[0] or 0) == 0 else f"{first_stage} rows"
    free = _free_volumes(plan, names, counts, kinds, first_stage, months_span, figures, items)
    if total == 0:
        return plan.with_changes(free_sources=tuple(free))
    spend = spend_by_channel(scan, problems)
    lead_months = _month_index(dates[:, 0])
    rate_ok = len(matched) > 1 and matched[0] == 0 and matched[1] == 1 and len(cutoffs) > 0
    entry0 = dates[:, 0]
    channels: list[Channel] = []
    used: set[int] = set()
    # a deal-level export (its rows start at a later stage) counts deals by channel: their shares stand in
    # for the leads' (as if the channels converted alike up to that stage), and the wizard says so
    basis = (
        "share of leads with a paid channel"
        if items == "leads"
        else f"share of {first_stage} rows with a paid channel, taken as the share of leads (the export starts at "
        f"{first_stage}, so the channels are taken to convert alike before it)"
    )
    for j, (code, name) in enumerate(paid):
        share = float(counts[code]) / total
        at = loose_match(name, [c.name for c in base.channels])
        old = base.channels[at] if at is not None else None
        if at is not None:
            used.add(at)
        figures.append(
            CalibratedFigure(
                f"channels[{j}].mix", f"Channel '{name}' mix", share, total, small(total, f"{items} with a paid channel"),
                old.mix if old else None, basis,
            )
        )  # fmt: skip
        mine = codes == code
        rate: float | None = old.rate if old else None
        if rate_ok:
            rate = _channel_rate(j, name, mine, old, plan, reached, entry0, cutoffs[0], last, lag_cdfs[0], figures)
        cpl = _channel_cost_per_lead(j, name, mine, old, spend, lead_months, figures, problems)
        fixed = old.fixed_cost if old else (0.0,) * plan.months
        channels.append(Channel(name, share, cpl, fixed, rate, rate_sample=_sample_of(figures, f"channels[{j}].rate")))
    dropped = [c.name for i, c in enumerate(base.channels) if i not in used]
    if dropped:
        problems.append(
            Problem(
                "channels",
                f"Channels of the base plan not in the data were dropped: {', '.join(dropped)}.",
                "warning",
            )
        )
    # exact sum to 1 for validation
    rest = 1.0 - math.fsum(c.mix for c in channels[1:])
    channels[0] = replace(channels[0], mix=rest)
    return plan.with_changes(channels=tuple(channels), free_sources=tuple(free))


def _sample_of(figures: list[CalibratedFigure], field_path: str) -> int | None:
    return next((f.sample for f in figures if f.field == field_path), None)


def _channel_rate(
    j: int,
    name: str,
    mine: npt.NDArray[np.bool_],
    old: Channel | None,
    plan: Plan,
    reached: npt.NDArray[np.bool_],
    entry0: FloatArray,
    cutoff: float,
    last: float,
    lag_cdf: FloatArray,
    figures: list[CalibratedFigure],
) -> float | None:
    """The channel's own first-step rate by cohort (``mine``: its leads),
    else the base plan's."""
    rate: float | None = old.rate if old else None
    r, sample = cohort_rate(mine & reached[:, 0], mine & reached[:, 1], entry0, cutoff, last, lag_cdf)
    if r is not None and r > 0:
        rate = r
        figures.append(
            CalibratedFigure(
                f"channels[{j}].rate", f"Channel '{name}' {plan.stages[0].name} → {plan.stages[1].name} rate",
                r, sample, small(sample, "leads"), old.rate if old else None, "cohort rate of the channel's leads",
            )
        )  # fmt: skip
    return rate


def _channel_cost_per_lead(
    j: int,
    name: str,
    mine: npt.NDArray[np.bool_],
    old: Channel | None,
    spend: tuple[dict[str, float], set[int]] | None,
    lead_months: npt.NDArray[np.int64],
    figures: list[CalibratedFigure],
    problems: list[Problem],
) -> float:
    """The channel's spend over its leads in the spend table's months, else
    the base plan's cost per lead (0 for a new channel, with a warning)."""
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
                    small(leads, "leads"), old.cost_per_lead if old else None,
                    f"spend {spent:,.0f} / {leads:,} leads in the months of the spend table",
                )
            )  # fmt: skip
    elif old is None:
        problems.append(
            Problem(
                f"Channel '{name}' cost per lead",
                f"'{name}' is a paid channel in the data, with no spend there and no channel of the base plan by "
                "that name: it needs a cost per lead. Enter it on the Channels page (it is 0 until then).",
                "warning",
            )
        )
    return cpl


def _free_volumes(
    plan: Plan,
    names: list[str],
    counts: npt.NDArray[np.int64],
    kinds: dict[str, str],
    first_stage: str,
    months_span: float,
    figures: list[CalibratedFigure],
    items: str = "leads",
) -> list[FreeSource]:
    """The plan's free sources with the data's free sources' leads per month
    (a source of the base plan by that name keeps its stage; a new one enters
    at the data's first stage). ``items``: what a row is, in words."""
    free = list(plan.free_sources)
    if months_span <= 0:
        return free
    in_data = [n for n in names if kinds.get(n) == "free"]
    free = [f for f in free if f.stage != first_stage or loose_match(f.name, in_data) is not None]
    for i, name in enumerate(names):
        if kinds.get(name) != "free":
            continue
        idx = loose_match(name, [f.name for f in free])
        stage = free[idx].stage if idx is not None else first_stage
        volume = float(counts[i]) / months_span
        previous = free[idx].volume[0] if idx is not None and free[idx].volume else None
        source = FreeSource(free[idx].name if idx is not None else name, stage, (volume,) * plan.months)
        if idx is None:
            free.append(source)
            idx = len(free) - 1
        else:
            free[idx] = source
        figures.append(
            CalibratedFigure(
                f"free_sources[{idx}].volume", f"Free source '{source.name}' volume per month", volume, int(counts[i]),
                small(int(counts[i]), items), previous,
                f"its {items} / {months_span:.1f} months" + (f", entering at {stage}" if items != "leads" else ""),
            )
        )  # fmt: skip
    return free


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


def spend_by_channel(scan: Scan, problems: list[Problem]) -> tuple[dict[str, float], set[int]] | None:
    """Total spend per channel (normalized name) and the months it covers,
    from the spend table on another sheet."""
    table = scan.spend_table
    if table is None:
        return None
    rows = rows_of(scan, table, problems)
    if rows is None:
        return None
    return _monthly_spend(scan, table, rows, problems)


def _monthly_spend(
    scan: Scan, table: Table, rows: list[list[Any]], problems: list[Problem]
) -> tuple[dict[str, float], set[int]] | None:
    first_row = table.header_row
    month_col = table.column("month")
    headers = {c.index: c.header for c in table.columns}
    errs = CellErrors(
        scan.path, table.sheet, month_col.header if month_col else "month", hints=scan.hints, headers=headers
    )
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
