"""A Salesforce workbook with a Leads report and an Opportunities report but
without the IDs that join them ('Converted Opportunity ID', 'Opportunity
ID'): each report calibrates what it covers. The leads give the stages up
to Opportunity, the sources and the channel mix (counting leads, not
deals); the opportunities give the stages from Opportunity on and the won
deals' size; a warning names both sheets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from core.importer import Calibration, calibrate, mapping_from_dict, scan_workbook
from core.importer.scan import Scan
from core.model.plan import Plan
from tests.crm_exports import SF_TRUTH, Records, salesforce_sheets, simulate, write_xlsx
from tests.test_crm_exports import LAG_TOL, RATE_TOL, check_deal_size, check_funnel, check_sources, step

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Imported:
    records: Records
    path: Path
    scan: Scan
    calibration: Calibration


@pytest.fixture(scope="module")
def two_reports(tmp_path_factory: pytest.TempPathFactory, example_plan: Plan) -> Imported:
    records = simulate(SF_TRUTH, 5000, seed=7)
    sheets = salesforce_sheets(records, day_first=False, ids=False)
    path = write_xlsx(tmp_path_factory.mktemp("sf") / "salesforce-no-ids.xlsx", sheets)
    scan = scan_workbook(path)
    assert scan.ok, scan.problems
    return Imported(records, path, scan, calibrate(scan, example_plan))


@pytest.fixture(scope="module")
def example_plan() -> Plan:
    from core.formats.plan_json import load_plan_json
    from core.paths import example_plan_path

    plan, problems = load_plan_json(example_plan_path())
    assert plan is not None, problems
    return plan


def test_the_export_has_no_ids() -> None:
    sheets = salesforce_sheets(simulate(SF_TRUTH, 20, seed=1), day_first=False, ids=False)
    assert "Converted Opportunity ID" not in sheets["Leads"][0] and "Opportunity ID" not in sheets["Opportunities"][0]
    assert len(sheets["Leads"][1]) == len(sheets["Leads"][0])


def test_the_leads_are_the_main_table_and_the_opportunities_are_kept_apart(two_reports: Imported) -> None:
    scan = two_reports.scan
    assert scan.sheet == "Leads"
    assert scan.deal_table is not None and scan.deal_table.sheet == "Opportunities"


def test_each_report_calibrates_the_stages_it_covers(two_reports: Imported, example_plan: Plan) -> None:
    calibration = two_reports.calibration
    plan = calibration.plan
    assert plan is not None, calibration.problems
    rate, lag = step(plan, "Inquiry", "Opportunity")
    assert rate == pytest.approx(SF_TRUTH.rates[0], rel=RATE_TOL)
    assert lag == pytest.approx(SF_TRUTH.lags[0], rel=LAG_TOL)
    # Inquiry -> Opportunity from the leads, Opportunity -> Won from the opportunities
    check_funnel(calibration, two_reports.records, ("Inquiry", "Opportunity", "Won"), example_plan)
    check_deal_size(calibration, SF_TRUTH)
    assert not any(p.severity == "error" for p in calibration.problems)
    assert "Inquiry → MQL rate" not in calibration.kept and "Average deal size" not in calibration.kept


def test_the_stages_from_opportunity_on_are_the_opportunities_sheets(two_reports: Imported, example_plan: Plan) -> None:
    """The same figures as the Opportunities sheet read alone (a mapping naming it)."""
    alone = scan_workbook(two_reports.path, mapping_from_dict({"sheet": "Opportunities"})[0])
    assert alone.sheet == "Opportunities" and alone.deal_table is None
    assert not any(p.field == "Sheets" for p in alone.problems)
    by_deals = calibrate(alone, example_plan)
    assert by_deals.plan is not None and two_reports.calibration.plan is not None
    got, want = two_reports.calibration.plan.stages, by_deals.plan.stages
    opportunity = example_plan.stage_index("Opportunity")
    assert opportunity is not None
    timing = [[(s.rate, s.lag_days, s.lag_profile) for s in stages[opportunity:-1]] for stages in (got, want)]
    assert timing[0] == timing[1]
    assert two_reports.calibration.plan.avg_deal_size == by_deals.plan.avg_deal_size
    # ... and the deals cannot tell the stages before: the sheet alone keeps the base plan's
    assert by_deals.plan.stages[0].rate == example_plan.stages[0].rate
    assert got[0].rate != example_plan.stages[0].rate


def test_a_warning_names_both_sheets(two_reports: Imported) -> None:
    said = [p for p in two_reports.calibration.problems if p.field == "Sheets"]
    assert len(said) == 1 and said[0].severity == "warning"
    message = said[0].message
    assert "'Leads'" in message and "'Opportunities'" in message and "no ID" in message
    assert "stages up to Opportunity, the sources and the channel mix were calibrated from 'Leads'" in message
    assert "the stages from Opportunity on and the deal size from 'Opportunities'" in message


def test_sources_and_channel_mix_count_leads_not_deals(two_reports: Imported) -> None:
    records, calibration = two_reports.records, two_reports.calibration
    plan = calibration.plan
    assert plan is not None
    check_sources(calibration, SF_TRUTH)
    created = records.created
    months = ((max(created) - min(created)).days + 1) / DAYS_PER_MONTH
    leads = records.source.count("Partner Referral")
    deals = sum(1 for s, r in zip(records.source, records.reached, strict=True) if s == "Partner Referral" and r[0])
    referral = next(f for f in plan.free_sources if f.name == "Partner Referral")
    assert referral.volume[0] == pytest.approx(leads / months)
    assert deals < 0.4 * leads  # counting deals would be far off
    # the mix is the paid leads' split (the Opportunities sheet's 'Lead Source' is not read)
    paid = {name: records.source.count(name) for name in ("Paid Search", "Trade Show")}
    mix = {c.name: c.mix for c in plan.channels}
    assert mix == pytest.approx({name: n / sum(paid.values()) for name, n in paid.items()})


def test_a_mapping_naming_the_leads_sheet_keeps_both_reports(two_reports: Imported) -> None:
    """As the import wizard's "Read again" does (its mapping names the sheet shown)."""
    scan = scan_workbook(two_reports.path, mapping_from_dict({"sheet": "Leads"})[0])
    assert scan.sheet == "Leads" and scan.deal_table is not None and scan.deal_table.sheet == "Opportunities"


def test_ids_that_never_meet_are_read_as_two_reports(tmp_path: Path, example_plan: Plan) -> None:
    """Both reports carry IDs, but written differently ('006000000012' on
    the leads, 'OPP-006000000012' on the opportunities): nothing joins, so
    the reports are used each for what it covers, and the warning says that
    no lead's ID was found among the deals rather than joining nobody."""
    records = simulate(SF_TRUTH, 5000, seed=7)
    sheets = salesforce_sheets(records, day_first=False)
    opps = sheets["Opportunities"]
    at = opps[0].index("Opportunity ID")
    for row in opps[1:]:
        if len(row) > at and row[at]:
            row[at] = f"OPP-{row[at]}"
    calibration = calibrate(scan_workbook(write_xlsx(tmp_path / "salesforce-ids-apart.xlsx", sheets)), example_plan)
    assert calibration.plan is not None, calibration.problems
    said = [p.message for p in calibration.problems if p.field == "Sheets"]
    assert any(
        "None of the IDs in 'Converted Opportunity ID' on 'Leads' is among 'Opportunity ID' on 'Opportunities'" in m
        for m in said
    ), said
    assert not any("joined" in m for m in said)
    check_funnel(calibration, records, ("Inquiry", "Opportunity", "Won"), example_plan)
    check_deal_size(calibration, SF_TRUTH)
