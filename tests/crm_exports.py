"""Synthetic CRM exports laid out as HubSpot, Salesforce, Pipedrive and
Dynamics 365 write them, drawn from known true rates, lags and deal sizes.

:func:`simulate` draws leads created over a year before the export date;
each moves on to the next stage with the true rate after a gamma lag (shape
2, the true mean); a move that would happen after the export date has not
happened yet (the lead is in flight, as in a real export). The writers lay
the same records out in each CRM's columns and values.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from openpyxl import Workbook

EXPORT_DATE = dt.date(2025, 12, 31)
FREE = ("Organic Search", "Direct Traffic", "Referrals", "Offline Sources")
PAID = ("Paid Search", "Paid Social", "Other Campaigns")


@dataclass(frozen=True)
class Truth:
    """True funnel: stage names, rate and mean lag (days) of each transition,
    mean won deal size (lost deals are twice as large, so mixing them in
    shows), sources with their weights."""

    stages: tuple[str, ...] = ("Lead", "MQL", "SQL", "Opportunity", "Won")
    rates: tuple[float, ...] = (0.45, 0.5, 0.6, 0.35)
    lags: tuple[float, ...] = (30.0, 40.0, 30.0, 90.0)
    deal_size: float = 24_000.0
    sources: tuple[str, ...] = FREE + PAID
    weights: tuple[float, ...] = (0.25, 0.1, 0.1, 0.05, 0.25, 0.15, 0.1)
    days: int = 365

    def total_rate(self, a: int, b: int) -> float:
        return float(np.prod(self.rates[a:b]))


@dataclass
class Records:
    """One row per lead: created day, the day each later stage was reached
    (None: not reached by the export date), whether the last transition was
    lost (decided before the export date), source, amount."""

    truth: Truth
    created: list[dt.date] = field(default_factory=list)
    reached: list[list[dt.date | None]] = field(default_factory=list)
    lost: list[dt.date | None] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    amount: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.created)

    def stage_of(self, i: int) -> int:
        """The furthest stage index lead ``i`` reached."""
        k = 0
        for j, day in enumerate(self.reached[i]):
            if day is not None:
                k = j + 1
        return k


def simulate(truth: Truth, n: int, seed: int = 1) -> Records:
    rng = np.random.default_rng(seed)
    out = Records(truth)
    for _ in range(n):
        created = EXPORT_DATE - dt.timedelta(days=int(rng.integers(0, truth.days)))
        days: list[dt.date | None] = []
        at: dt.date | None = created
        lost: dt.date | None = None
        for k, (rate, lag) in enumerate(zip(truth.rates, truth.lags, strict=True)):
            if at is None:
                days.append(None)
                continue
            step = dt.timedelta(days=float(rng.gamma(2.0, lag / 2.0)))
            if rng.random() < rate:
                nxt = at + step
                at = nxt if nxt <= EXPORT_DATE else None
            else:
                if k == len(truth.rates) - 1 and at + step <= EXPORT_DATE:
                    lost = at + step
                at = None
            days.append(at)
        out.created.append(created)
        out.reached.append(days)
        out.lost.append(lost)
        out.source.append(str(rng.choice(truth.sources, p=np.array(truth.weights) / sum(truth.weights))))
        won = days[-1] is not None
        size = truth.deal_size * (1.0 if won else 2.0)
        out.amount.append(round(float(size * rng.lognormal(-0.045, 0.3)), 2))
    return out


def _stamp(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime(day.year, day.month, day.day, 10, 30) if day else None


def _text_date(day: dt.date | None, day_first: bool) -> str:
    if day is None:
        return ""
    return f"{day.day:02d}/{day.month:02d}/{day.year}" if day_first else f"{day.month}/{day.day}/{day.year}"


# --------------------------------------------------------------------------- HubSpot

HUBSPOT_LIFECYCLE = ("lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer")
HUBSPOT_STAGE_NAMES = ("Lead", "Marketing Qualified Lead", "Sales Qualified Lead", "Opportunity", "Customer")


def hubspot_rows(records: Records, style: str = "became") -> list[list[object]]:
    """A HubSpot contacts export: "became" (Became a ... Date) or "entered"
    (Date entered "... (Lifecycle Stage Pipeline)" / Date exited)."""
    header: list[object] = ["Record ID", "First Name", "Last Name", "Email", "Create Date", "Lifecycle Stage"]
    header += ["Original Source", "Recent Deal Amount"]
    for name in HUBSPOT_STAGE_NAMES:
        if style == "became":
            article = "an" if name[0] in "AEIOU" else "a"
            header.append(f"Became {article} {name} Date")
        else:
            header.append(f'Date entered "{name} (Lifecycle Stage Pipeline)"')
            header.append(f'Date exited "{name} (Lifecycle Stage Pipeline)"')
    rows = [header]
    for i in range(len(records)):
        k = records.stage_of(i)
        days = [records.created[i], *records.reached[i]]
        won = records.reached[i][-1] is not None
        row: list[object] = [100000 + i, f"First{i}", f"Last{i}", f"p{i}@example.com", _stamp(records.created[i])]
        row += [HUBSPOT_LIFECYCLE[k], records.source[i], records.amount[i] if won else None]
        for j in range(len(HUBSPOT_STAGE_NAMES)):
            row.append(_stamp(days[j]))
            if style != "became":
                row.append(_stamp(days[j + 1]) if j + 1 < len(days) else None)
        rows.append(row)
    return rows


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def write_csv_rows(path: Path, rows: list[list[object]], encoding: str = "utf-8-sig", delimiter: str = ",") -> Path:
    def text(v: object) -> str:
        if v is None:
            return ""
        if isinstance(v, dt.datetime):
            return v.strftime("%Y-%m-%d %H:%M")
        return str(v)

    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        for row in rows:
            writer.writerow([text(v) for v in row])
    return path


# --------------------------------------------------------------------------- Salesforce

SF_TRUTH = Truth(
    stages=("Lead", "Opportunity", "Won"),
    rates=(0.3, 0.35),
    lags=(45.0, 90.0),
    sources=("Web", "web", "Partner Referral", "Paid Search", "Trade Show", "Word of mouth"),
    weights=(0.2, 0.1, 0.15, 0.25, 0.2, 0.1),
)
SF_FOOTER = [["Grand Totals (records)"], [], ["Confidential Information - Do Not Distribute"]]


def salesforce_sheets(records: Records, day_first: bool, ids: bool = True) -> dict[str, list[list[object]]]:
    """A Leads report and an Opportunities report (text dates, US or UK),
    joined by Converted Opportunity ID; ``ids`` False leaves out the two ID
    columns ('Converted Opportunity ID', 'Opportunity ID'), as a report
    exported without them, so nothing joins a lead to its deal."""
    leads: list[list[object]] = [
        ["Lead Owner", "First Name", "Last Name", "Company / Account", "Lead Source", "Lead Status", "Create Date",
         "Converted", "Converted Date", "Converted Opportunity ID"],
    ]  # fmt: skip
    opps: list[list[object]] = [
        ["Opportunity Owner", "Opportunity Name", "Opportunity ID", "Stage", "Amount", "Created Date", "Close Date",
         "Lead Source", "Closed", "Won"],
    ]  # fmt: skip
    for i in range(len(records)):
        converted = records.reached[i][0]
        opp_id = f"006{i:09d}" if converted else ""
        status = "Closed - Converted" if converted else ("Working - Contacted" if i % 3 else "Closed - Not Converted")
        leads.append(
            ["Ann Owner", f"F{i}", f"L{i}", f"Co {i}", records.source[i], status, _text_date(records.created[i], day_first),
             1 if converted else 0, _text_date(converted, day_first), opp_id]
        )  # fmt: skip
        if converted is None:
            continue
        won, lost = records.reached[i][1], records.lost[i]
        stage = "Closed Won" if won else ("Closed Lost" if lost else "Proposal/Price Quote")
        close = won or lost or (EXPORT_DATE + dt.timedelta(days=30))
        opps.append(
            ["Ann Owner", f"Deal {i}", opp_id, stage, records.amount[i], _text_date(converted, day_first),
             _text_date(close, day_first), records.source[i], 1 if (won or lost) else 0, 1 if won else 0]
        )  # fmt: skip
    if not ids:
        leads, opps = _without(leads, "Converted Opportunity ID"), _without(opps, "Opportunity ID")
    return {"Leads": leads + SF_FOOTER, "Opportunities": opps + SF_FOOTER}


def _without(rows: list[list[object]], header: str) -> list[list[object]]:
    """The rows without the column headed ``header``."""
    index = rows[0].index(header)
    return [row[:index] + row[index + 1 :] for row in rows]


# --------------------------------------------------------------------------- Pipedrive

DEAL_TRUTH = Truth(
    stages=("Opportunity", "Won"),
    rates=(0.3,),
    lags=(75.0,),
    sources=("Organic search", "Direct traffic", "Paid search", "Paid social", "Events"),
    weights=(0.3, 0.1, 0.3, 0.2, 0.1),
)


def pipedrive_rows(records: Records) -> list[list[object]]:
    header: list[object] = ["Deal - ID", "Deal - Title", "Deal - Value", "Deal - Currency", "Deal - Stage",
                            "Deal - Status", "Deal - Deal created", "Deal - Won time", "Deal - Lost time",
                            "Deal - Source channel", "Deal - Owner"]  # fmt: skip
    rows = [header]
    stages = ("Qualified", "Contact Made", "Demo Scheduled", "Proposal Made", "Negotiations Started")
    for i in range(len(records)):
        won, lost = records.reached[i][0], records.lost[i]
        status = "Won" if won else ("Lost" if lost else "Open")
        rows.append(
            [i + 1, f"Deal {i}", records.amount[i], "EUR", stages[i % 5], status, _stamp(records.created[i]),
             _stamp(won), _stamp(lost), records.source[i], "Bo Seller"]
        )  # fmt: skip
    return rows


# --------------------------------------------------------------------------- Dynamics 365

DYNAMICS_TRUTH = Truth(
    stages=("Opportunity", "Won"),
    rates=(0.3,),
    lags=(75.0,),
    sources=("Web", "Word of Mouth", "External Referral", "Advertisement", "Trade Show"),
    weights=(0.25, 0.15, 0.1, 0.3, 0.2),
)


def write_dynamics(path: Path, records: Records) -> Path:
    """An "Export to Excel" of opportunities: three hidden "(Do Not Modify)"
    columns (one of them a date), a very hidden sheet with a table of its own."""
    book = Workbook()
    sheet = book.active
    sheet.title = "My Open Opportunities"
    sheet.append(["(Do Not Modify) Opportunity", "(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On",
                  "Topic", "Potential Customer", "Lead Source", "Est. Revenue", "Actual Revenue", "Status",
                  "Status Reason", "Created On", "Actual Close Date", "Est. Close Date"])  # fmt: skip
    for i in range(len(records)):
        won, lost = records.reached[i][0], records.lost[i]
        status, reason = ("Won", "Won") if won else (("Lost", "Out-Sold") if lost else ("Open", "In Progress"))
        sheet.append(
            [f"{i:08d}-aaaa-bbbb-cccc-000000000000", f"chk{i}", _stamp(EXPORT_DATE), f"Topic {i}", f"Customer {i}",
             records.source[i], records.amount[i], records.amount[i] if won else None, status, reason,
             _stamp(records.created[i]), _stamp(won or lost), _stamp(EXPORT_DATE + dt.timedelta(days=60))]
        )  # fmt: skip
    for letter in "ABC":
        sheet.column_dimensions[letter].hidden = True
    hidden = book.create_sheet("hiddenSheet")
    hidden.append(["Created On", "Status", "Opportunity Date", "Won Date", "Lead Source"])
    for _ in range(40):
        hidden.append([_stamp(EXPORT_DATE), "Won", _stamp(EXPORT_DATE), _stamp(EXPORT_DATE), "Nowhere"])
    hidden.sheet_state = "veryHidden"
    book.save(path)
    return path
