"""Generators of test workbooks with known answers (tests and bench).

:func:`make_leads` simulates a CRM export: leads created uniformly over a
period, each converting stage to stage with known rates (the first rate
per channel) after exponential lags with known medians; events after the
export date have not happened yet (leads in flight). :func:`write_leads`
writes it with xlsxwriter (dates as date cells, a title above the header,
on a non-first sheet, optionally a spend sheet). :func:`write_monthly`
writes a monthly summary whose stage volumes follow known rates exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xlsxwriter

STAGES = ("Inquiry", "MQL", "SQL", "Opportunity", "Won")
EXCEL_EPOCH = np.datetime64("1899-12-30", "D")


@dataclass
class LeadTruth:
    """The true figures behind generated lead data."""

    rates: tuple[float, ...] = (0.35, 0.5, 0.6, 0.4)  # Inquiry->MQL (overall), MQL->SQL, SQL->Opp, Opp->Won
    lags: tuple[float, ...] = (10.0, 20.0, 30.0, 45.0)  # median days
    channels: dict[str, tuple[float, float]] = field(
        default_factory=lambda: {"Webinars": (0.5, 0.4), "Paid search": (0.3, 0.3), "Trade shows": (0.2, 0.32)}
    )  # name -> (mix, Inquiry->MQL rate)
    criteria: dict[str, float] = field(
        default_factory=lambda: {"Budget confirmed": 0.45, "Decision maker engaged": 0.5, "Target industry": 0.85}
    )
    deal_size: float = 50_000.0
    spend_cpl: dict[str, float] = field(
        default_factory=lambda: {"Webinars": 80.0, "Paid search": 120.0, "Trade shows": 300.0}
    )

    def first_rate(self) -> float:
        return sum(m * r for m, r in self.channels.values())


@dataclass
class LeadData:
    created: np.ndarray  # datetime64[D]
    channel: np.ndarray  # object
    stage_dates: np.ndarray  # (n, 4) float serial days (NaN: not reached), for MQL..Won
    amount: np.ndarray  # float, NaN when not won
    criteria: dict[str, np.ndarray]  # bool per lead
    end: np.datetime64
    truth: LeadTruth


def make_leads(
    n: int, seed: int = 1, truth: LeadTruth | None = None, start: str = "2025-01-01", days: int = 365
) -> LeadData:
    """Simulate ``n`` leads created over ``days`` days from ``start``."""
    truth = truth or LeadTruth()
    rng = np.random.default_rng(seed)
    start_d = np.datetime64(start, "D")
    end = start_d + np.timedelta64(days - 1, "D")
    created_off = rng.integers(0, days, n).astype(np.float64)
    names = list(truth.channels)
    mix = np.array([truth.channels[c][0] for c in names])
    first_rates = np.array([truth.channels[c][1] for c in names])
    ch = rng.choice(len(names), size=n, p=mix / mix.sum())
    channel = np.array(names, dtype=object)[ch]
    # scale channel rates so the mix-weighted first rate is truth.rates[0]
    scale = truth.rates[0] / float((mix * first_rates).sum())
    rates = [first_rates[ch] * scale] + [np.full(n, r) for r in truth.rates[1:]]
    t = created_off.copy()
    alive = np.ones(n, dtype=bool)
    stage_dates = np.full((n, len(truth.lags)), np.nan)
    for k, lag in enumerate(truth.lags):
        converts = alive & (rng.random(n) < rates[k])
        t = t + rng.exponential(lag / math.log(2), n)
        happened = converts & (t <= days - 1)
        stage_dates[happened, k] = np.floor(t[happened])
        alive = happened
    base_serial = float((start_d - EXCEL_EPOCH).astype(np.int64))
    stage_dates = stage_dates + base_serial
    won = ~np.isnan(stage_dates[:, -1])
    amount = np.where(won, rng.normal(truth.deal_size, truth.deal_size * 0.2, n).clip(1000), np.nan)
    criteria = {name: rng.random(n) < share for name, share in truth.criteria.items()}
    created = start_d + created_off.astype("timedelta64[D]")
    return LeadData(created, channel, stage_dates, amount, criteria, end, truth)


HEADERS_ODD = (
    "  created_DATE ",
    "lead source",
    "STATUS",
    "mql date",
    "Sql_Date",
    "Opportunity Created Date",
    "Closed Won Date",
    " Amount ",
)


def write_leads(
    data: LeadData,
    path: Path,
    headers: tuple[str, ...] = HEADERS_ODD,
    title_rows: int = 2,
    with_criteria: bool = True,
    with_spend: bool = True,
    cells: dict[tuple[int, int], Any] | None = None,
) -> Path:
    """Write the leads on sheet 'Leads' (second sheet, header below a title).

    ``cells`` overrides single data cells: (data row 0-based, column) -> value.
    """
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    notes = workbook.add_worksheet("Read me")
    notes.write(0, 0, "Export of last year's leads")
    sheet = workbook.add_worksheet("Leads")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.set_column(0, 0, 12, date_format)
    sheet.set_column(3, 6, 12, date_format)
    row = 0
    sheet.write(row, 0, "CRM export FY2025")
    row = title_rows
    criteria_names = list(data.criteria) if with_criteria else []
    sheet.write_row(row, 0, [*headers, *criteria_names, "Notes"])
    created = (data.created - EXCEL_EPOCH).astype(np.int64).astype(np.float64)
    reached = ~np.isnan(data.stage_dates)
    furthest = reached.sum(axis=1)
    status_names = np.array(["Open", "MQL", "SQL", "Opportunity", "Closed Won"], dtype=object)
    status = status_names[furthest]
    cells = cells or {}
    for i in range(len(created)):
        values: list[Any] = [created[i], data.channel[i], status[i]]
        values += [None if math.isnan(x) else float(x) for x in data.stage_dates[i]]
        values.append(None if math.isnan(data.amount[i]) else round(float(data.amount[i]), 2))
        values += ["Yes" if data.criteria[c][i] else "No" for c in criteria_names]
        values.append("")
        for (r, c), v in cells.items():
            if r == i:
                values[c] = v
        row += 1
        for c, v in enumerate(values):
            if v is None or v == "":
                continue
            if isinstance(v, str):
                sheet.write_string(row, c, v)
            else:
                sheet.write_number(row, c, v)
    if with_spend:
        spend = workbook.add_worksheet("Spend")
        spend.write_row(0, 0, ["Month", "Channel", "Spend"])
        months = data.created.astype("datetime64[M]")
        r = 1
        for month in np.unique(months):
            for name, cpl in data.truth.spend_cpl.items():
                count = int(((months == month) & (data.channel == name)).sum())
                spend.write_row(r, 0, [str(month), name, count * cpl])
                r += 1
    workbook.close()
    return path


MONTHLY_SHIFTS = (0, 1, 1, 2)  # base example plan lags in whole months: Inquiry->MQL, MQL->SQL, SQL->Opp, Opp->Won


@dataclass
class MonthlyTruth:
    rates: tuple[float, ...] = (0.3, 0.45, 0.5, 0.25)
    mix: dict[str, float] = field(default_factory=lambda: {"Webinars": 0.5, "Paid search": 0.3, "Events": 0.2})
    cpl: dict[str, float] = field(default_factory=lambda: {"Webinars": 90.0, "Paid search": 150.0, "Events": 400.0})
    deal_size: float = 40_000.0
    season: tuple[float, ...] = (0.6, 0.7, 1.2, 0.9, 0.9, 1.2, 0.6, 0.5, 1.2, 1.0, 1.1, 2.1)
    months: int = 24
    leads_per_month: float = 2000.0


def write_monthly(
    path: Path, truth: MonthlyTruth | None = None, sheet_name: str = "Summary", long: bool = False
) -> Path:
    """A monthly summary from January 2024 whose volumes follow the rates
    exactly with the example plan's whole-month shifts; revenue follows the
    seasonality profile (so does the won count)."""
    truth = truth or MonthlyTruth()
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet("Cover").write(0, 0, "Marketing results")
    sheet = workbook.add_worksheet(sheet_name)
    n = truth.months
    season = np.array([truth.season[t % 12] for t in range(n + 6)])
    # work backward from won deals so the seasonality is exact
    won = 30.0 * season
    volumes = [won]
    for k in range(3, -1, -1):
        shift = MONTHLY_SHIFTS[k]
        nxt = volumes[0]
        prev = np.zeros(n + 6)
        prev[: n + 6 - shift] = nxt[shift:] / truth.rates[k]
        prev[n + 6 - shift :] = nxt[-1] / truth.rates[k]
        volumes.insert(0, prev)
    volumes = [v[:n] for v in volumes]
    revenue = volumes[-1] * truth.deal_size
    names = list(truth.mix)
    sheet.write(0, 0, "Funnel by month")
    if not long:
        headers = [
            "MONTH",
            *[f"{c} Leads" for c in names],
            "Marketing Qualified Leads",
            "sqls",
            "Opportunities",
            "Deals",
            "Revenue",
            *[f"{c} spend" for c in names],
        ]
        sheet.write_row(2, 0, headers)
        for t in range(n):
            month = f"{2024 + t // 12}-{t % 12 + 1:02d}"
            leads = [volumes[0][t] * truth.mix[c] for c in names]
            row = [month, *leads, volumes[1][t], volumes[2][t], volumes[3][t], volumes[4][t], revenue[t]]
            row += [leads[j] * truth.cpl[c] for j, c in enumerate(names)]
            sheet.write_row(3 + t, 0, row)
        sheet.write_row(3 + n, 0, ["Total", *[float(volumes[0].sum() * truth.mix[c]) for c in names]])
    else:
        sheet.write_row(
            2, 0, ["Month", "Channel", "Inquiries", "MQLs", "SQLs", "Opportunities", "Won", "Revenue", "Spend"]
        )
        r = 3
        for t in range(n):
            month = f"{2024 + t // 12}-{t % 12 + 1:02d}"
            for c in names:
                m = truth.mix[c]
                sheet.write_row(
                    r, 0,
                    [month, c, *[float(v[t] * m) for v in volumes], float(revenue[t] * m), float(volumes[0][t] * m * truth.cpl[c])],
                )  # fmt: skip
                r += 1
    workbook.close()
    return path


def write_table(
    path: Path, sheets: dict[str, list[list[Any]]], date_columns: dict[str, list[int]] | None = None
) -> Path:
    """A workbook with the given cells (row lists) per sheet; numbers in
    ``date_columns`` are shown as dates."""
    workbook = xlsxwriter.Workbook(str(path))
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for col in (date_columns or {}).get(name, []):
            sheet.set_column(col, col, 12, date_format)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                elif isinstance(value, np.datetime64):
                    sheet.write_number(r, c, float((value.astype("datetime64[D]") - EXCEL_EPOCH).astype(np.int64)))
                else:
                    sheet.write(r, c, value)
    workbook.close()
    return path


def _serial_date(serial: float) -> np.datetime64:
    return EXCEL_EPOCH + np.timedelta64(int(serial), "D")


def lead_text_rows(
    data: LeadData,
    date_text: Any = None,
    amount_text: Any = None,
) -> list[list[str]]:
    """The leads as text cells, header first: ``date_text(datetime64[D]) -> str``
    and ``amount_text(float) -> str`` write dates and amounts (ISO dates and
    plain amounts by default). Columns: Created Date, Lead Source, Status,
    MQL Date, SQL Date, Opportunity Created Date, Closed Won Date, Amount."""
    date_text = date_text or (lambda d: str(d))
    amount_text = amount_text or (lambda x: f"{x:.2f}")
    headers = ["Created Date", "Lead Source", "Status", "MQL Date", "SQL Date", "Opportunity Created Date"]
    rows: list[list[str]] = [[*headers, "Closed Won Date", "Amount"]]
    reached = ~np.isnan(data.stage_dates)
    furthest = reached.sum(axis=1)
    status_names = ("Open", "MQL", "SQL", "Opportunity", "Closed Won")
    for i in range(len(data.created)):
        row = [date_text(data.created[i]), str(data.channel[i]), status_names[int(furthest[i])]]
        row += ["" if math.isnan(x) else date_text(_serial_date(x)) for x in data.stage_dates[i]]
        row.append("" if math.isnan(data.amount[i]) else amount_text(round(float(data.amount[i]), 2)))
        rows.append(row)
    return rows


def summary_block(data: LeadData, amount_text: Any = None) -> list[list[str]]:
    """What a CRM report puts below the leads: a "Total" row (lead count and
    amount sum), a blank row, a per-channel "Closed Won" block without ids
    or dates, and a confidentiality footer (8 columns, as lead_text_rows)."""
    amount_text = amount_text or (lambda x: f"{x:.2f}")
    won = ~np.isnan(data.amount)
    rows = [["", "Total", str(len(data.created)), "", "", "", "", amount_text(float(np.nansum(data.amount)))]]
    rows.append([""] * 8)
    rows.append(["", "Lead Source", "Status", "", "", "", "", "Amount"])
    for name in data.truth.channels:
        total = float(np.nansum(data.amount[won & (data.channel == name)]))
        rows.append(["", name, "Closed Won", "", "", "", "", amount_text(total)])
    rows.append(["Confidential Information - Do Not Distribute", "", "", "", "", "", "", ""])
    return rows


def write_csv(
    path: Path, rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8", newline: str = "\r\n"
) -> Path:
    """Rows written as a CSV export (quoted where needed)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path
