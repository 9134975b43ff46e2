"""Calibrating from a leads report and a deals report that no ID joins.

A workbook may hold a Leads report and an Opportunities report on two
sheets without the ids that follow a lead to its deal ("Converted
Opportunity ID" = "Opportunity ID"). Each report then calibrates what it
covers:

* the leads table, against the base plan: the stages from its first stage
  up to the stage where leads convert (their rates and timing), the lead
  sources (free-source volumes count leads, not deals), the channel mix and
  cost per lead, the lead spec;
* the deals table, against the result: the stages from its first stage
  (the opportunity) on and the average deal size (won deals), as a
  deal-level export alone is calibrated. Its channel, spend and criterion
  columns are not read: the leads say where leads come from.

Where both measure the same figure, the deals' value is kept (they go
further) and its "previous" is the base plan's. What was kept from the
base plan is worked out again from the merged figures.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core.importer.calibrate.common import CalibratedFigure, Calibration, Progress, kept_from_base
from core.importer.calibrate.leads import calibrate_leads
from core.importer.scan import IgnoredColumn, Scan, Table
from core.model.plan import Plan, Problem

_LEADS_ONLY = ("channel", "spend", "criterion:")


def calibrate_two_reports(
    scan: Scan,
    lead_rows: list[list[Any]],
    deal_rows: list[list[Any]],
    base: Plan,
    problems: list[Problem],
    steps: Progress,
) -> Calibration:
    """The calibration from ``scan.table`` (leads) and ``scan.deal_table``
    (deals) as the module docstring says. The leads' calibration alone is
    returned when it was refused; a refused deals' calibration (a bad cell)
    refuses the plan; a deals table with nothing to calibrate leaves the
    leads' calibration with a warning."""
    leads, deals = scan.table, scan.deal_table
    assert leads is not None and deals is not None
    lead_scan = replace(scan, deal_table=None)
    by_leads = calibrate_leads(lead_scan, leads, lead_rows, base, problems, _part(steps, 0.1, 0.55))
    if by_leads.plan is None:
        return by_leads
    deals_part = deals_without_lead_columns(deals, leads.sheet)
    deal_scan = replace(scan, table=deals_part, spend_table=None, deal_table=None)
    by_deals = calibrate_leads(deal_scan, deals_part, deal_rows, by_leads.plan, [], _part(steps, 0.55, 1.0))
    if not by_deals.figures:
        unused = Problem(
            "Sheets",
            f"Nothing on sheet '{deals.sheet}' could be calibrated; the stages from its first stage on and the deal "
            "size are the base plan's.",
            "warning",
        )
        return replace(by_leads, problems=(*by_leads.problems, unused))
    return merged(base, by_leads, by_deals)


def _part(steps: Progress, low: float, high: float) -> Progress:
    """``steps`` reporting a calibration's 0..1 as ``low``..``high``."""
    report = steps.progress
    if report is None:
        return Progress(None, steps.cancelled)
    return Progress(lambda fraction: report(low + (high - low) * fraction), steps.cancelled)


def deals_without_lead_columns(deals: Table, leads_sheet: str) -> Table:
    """The deals table without its channel, spend and criterion columns
    (ignored, saying the leads on ``leads_sheet`` give them)."""
    used = tuple(c for c in deals.columns if not c.role.startswith(_LEADS_ONLY))
    reason = f"the sources, channel mix and lead spec come from the leads on sheet '{leads_sheet}'"
    left = tuple(IgnoredColumn(c.index, c.header, c.address, reason) for c in deals.columns if c not in used)
    return replace(deals, columns=used, ignored=deals.ignored + left)


def _figure_key(field: str) -> str:
    """Figures that set the same thing share a key: a stage's timing is its
    lag in days or its profile by month."""
    return field.replace(".lag_profile", ".lag").replace(".lag_days", ".lag")


def merged_figures(
    by_leads: tuple[CalibratedFigure, ...], by_deals: tuple[CalibratedFigure, ...]
) -> tuple[CalibratedFigure, ...]:
    """The leads' figures and the deals' figures, the deals' replacing the
    leads' for the same thing (the deals' "previous" then the leads'
    "previous", the base plan's value)."""
    leads_by_key = {_figure_key(f.field): f for f in by_leads}
    deal_keys = {_figure_key(f.field) for f in by_deals}
    out = [f for f in by_leads if _figure_key(f.field) not in deal_keys]
    for figure in by_deals:
        earlier = leads_by_key.get(_figure_key(figure.field))
        out.append(replace(figure, previous=earlier.previous) if earlier is not None else figure)
    return tuple(out)


def merged(base: Plan, by_leads: Calibration, by_deals: Calibration) -> Calibration:
    """One calibration from the leads' and the deals' (the deals' plan,
    calibrated on top of the leads'); problems once each, dates spanning
    both, the leads' rows and sources."""
    figures = merged_figures(by_leads.figures, by_deals.figures)
    problems = by_leads.problems + tuple(p for p in by_deals.problems if p not in by_leads.problems)
    firsts = [d for d in (by_leads.first_date, by_deals.first_date) if d]
    lasts = [d for d in (by_leads.last_date, by_deals.last_date) if d]
    plan = by_deals.plan
    return Calibration(
        plan,
        figures,
        problems,
        by_leads.shape,
        by_leads.rows,
        min(firsts, default=None),
        max(lasts, default=None),
        notes=by_leads.notes + by_deals.notes,
        sources=by_leads.sources,
        kept=kept_from_base(base, plan or base, list(figures)),
    )
