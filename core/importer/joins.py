"""A Leads report and an Opportunities report in one workbook, joined.

Salesforce exports leads and opportunities as two reports; a lead that
became an opportunity carries its ``Converted Opportunity ID``, the
Opportunities report its ``Opportunity ID`` (both the role ``link``).
:func:`join_deals` appends the deal's columns that the leads lack (amount,
close date, won flag, stage) to each converted lead's row, so the lead's
whole way (created, converted, won or lost) is one row. The deals' stage
replaces the leads' status (it goes further: "Closed Won").

Without the ids (the reports exported without those columns) the two
cannot be joined row by row; :func:`report_pair` still finds the pair so
that each report calibrates what it covers (:mod:`core.importer.calibrate.two_reports`),
and :func:`two_reports_note` says so in words.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core.importer.cell_values import cell_text
from core.importer.columns import CANONICAL_STAGES, role_stage
from core.importer.crm import is_deal_level
from core.importer.scan import Column, IgnoredColumn, Table

_BROUGHT = ("amount", "close_date", "lost_date", "stage:Won", "date:Won", "status")


def join_deals(
    leads: Table, deals: Table, lead_rows: list[list[Any]], deal_rows: list[list[Any]]
) -> tuple[Table, list[list[Any]], str] | None:
    """The leads table with the deals' columns appended (rows joined by the
    link ids), its rows and a note in words; None when they cannot be joined."""
    lead_link, deal_link = leads.column("link"), deals.column("link")
    if lead_link is None or deal_link is None or leads.column("created_date") is None:
        return None
    lead_roles = set(leads.roles())
    brought = [c for c in deals.columns if c.role in _BROUGHT and (c.role not in lead_roles or c.role == "status")]
    if not brought:
        return None
    by_id: dict[str, int] = {}
    for r in range(deals.header_row, len(deal_rows)):
        key = cell_text(deal_rows[r][deal_link.index] if deal_link.index < len(deal_rows[r]) else "").strip()
        if key:
            by_id.setdefault(key, r)
    width = max(len(row) for row in lead_rows[: leads.header_row + 1])
    width = max([width, *(len(row) for row in lead_rows)])
    rows: list[list[Any]] = []
    matched = linked = 0
    for r, row in enumerate(lead_rows):
        out = list(row) + [""] * (width - len(row))
        extra: list[Any] = [""] * len(brought)
        if r == leads.header_row - 1:
            extra = [c.header for c in brought]
        elif r >= leads.header_row:
            key = cell_text(row[lead_link.index] if lead_link.index < len(row) else "").strip()
            linked += bool(key)
            found = by_id.get(key) if key else None
            if found is not None:
                matched += 1
                deal = deal_rows[found]
                extra = [deal[c.index] if c.index < len(deal) else "" for c in brought]
        rows.append(out + extra)
    if matched == 0:  # ids that never meet (another format, another export): nothing joins, say so instead
        return None
    columns = [c for c in leads.columns if not (c.role == "status" and any(b.role == "status" for b in brought))]
    ignored = list(leads.ignored)
    if len(columns) < len(leads.columns):
        status = leads.column("status")
        assert status is not None
        reason = f"the deals' '{next(b.header for b in brought if b.role == 'status')}' on sheet '{deals.sheet}' tells how far they got"
        ignored.append(IgnoredColumn(status.index, status.header, status.address, reason))
    for i, c in enumerate(brought):
        columns.append(Column(width + i, c.header, c.role, f"{deals.sheet}!{c.address}", c.source))
    table = replace(leads, columns=tuple(columns), ignored=tuple(ignored))
    note = (
        f"Sheet '{leads.sheet}' joined with sheet '{deals.sheet}' by '{lead_link.header}' = '{deal_link.header}': "
        f"{matched:,} of {linked:,} converted leads found among the deals."
    )
    return table, rows, note


def report_pair(tables: list[Table]) -> tuple[Table, Table] | None:
    """(leads table, deals table) on two sheets, the first of each in
    ``tables``' order; None when the workbook lacks either.

    A leads table is lead-level with a created date (its rows start at the
    raw lead); a deals table is lead-level, has no created date, looks like
    deals (:func:`core.importer.crm.is_deal_level`: "Opportunity Name",
    "Deal - ...") and carries what a deal adds (amount, close date, outcome
    or stage)."""
    leads = [t for t in tables if t.shape == "leads" and t.column("created_date") is not None]
    deals = [t for t in tables if _is_deals(t)]
    for lead in leads:
        for deal in deals:
            if deal.sheet != lead.sheet:
                return lead, deal
    return None


def rows_are_deals(table: Table) -> bool:
    """True when a lead-level table's rows are deals (Pipedrive, an
    Opportunities report, Dynamics opportunities): no created date, and
    headers that read as deals (:func:`core.importer.crm.is_deal_level`)."""
    if table.shape != "leads" or table.column("created_date") is not None:
        return False
    headers = [c.header for c in table.columns] + [c.header for c in table.ignored]
    return is_deal_level(headers, table.roles())


def _is_deals(table: Table) -> bool:
    """True for a deals table to pair with a leads report (see :func:`report_pair`)."""
    return rows_are_deals(table) and any(r in _BROUGHT for r in table.roles())


def first_stage(table: Table) -> str | None:
    """The earliest stage a table has a date or a count for (canonical
    order; a stage of another name comes after them); None when none."""
    named = [s for s in (role_stage(r) for r in table.roles()) if s]
    order = {name: i for i, name in enumerate(CANONICAL_STAGES)}
    return min(named, key=lambda s: order.get(s, len(order)), default=None)


def two_reports_note(leads: Table, deals: Table) -> str:
    """The warning that the two reports are not joined and what each
    calibrates, in the user's words (both sheets named; when both have ID
    columns, that none of the leads' IDs is among the deals')."""
    start = first_stage(deals) or "the deals' first stage"
    from_leads = f"the stages up to {start}"
    if leads.column("channel") is not None:
        from_leads += ", the sources and the channel mix"
    from_deals = f"the stages from {start} on"
    if deals.column("amount") is not None:
        from_deals += " and the deal size"
    lead_link, deal_link = leads.column("link"), deals.column("link")
    if lead_link is not None and deal_link is not None:
        why = (
            f"none of the IDs in '{lead_link.header}' on '{leads.sheet}' is among '{deal_link.header}' on "
            f"'{deals.sheet}'"
        )
    else:
        why = (
            f"sheets '{leads.sheet}' and '{deals.sheet}' have no ID to join them by (such as 'Converted Opportunity "
            "ID' = 'Opportunity ID')"
        )
    return (
        f"{why[0].upper()}{why[1:]}, so a lead cannot be followed to its deal: {from_leads} were calibrated from "
        f"'{leads.sheet}', {from_deals} from '{deals.sheet}'."
    )
