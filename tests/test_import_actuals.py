"""Import actuals (core/importer/actuals.py): exports built from known
monthly counts, read back to the same counts per stage and month; leads
still in flight at the export date; months after it not elapsed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from core.calc.feasibility import validate
from core.importer.actuals import import_actuals
from core.model.plan import Plan
from core.model.validation import has_errors

# The truth: items entering each stage in Jan..Apr 2027 (the example plan starts 2027-01).
TRUTH = {
    "Inquiry": [40, 35, 50, 45],
    "MQL": [12, 15, 14, 18],
    "SQL": [4, 6, 5, 7],
}
ORDER = ("Inquiry", "MQL", "SQL")
DAY = {"Inquiry": 3, "MQL": 12, "SQL": 20}  # in a month, a lead's stages follow in this order


def _leads() -> list[dict[str, dt.date | None]]:
    """Leads whose stage dates give exactly TRUTH per month, plus: 10 leads
    created in Dec 2026 (last year: their entry is not counted, their MQL in
    January is), leads created in April still in flight (no MQL yet), and
    leads created in May before the export date (May has not ended)."""
    leads: list[dict[str, dt.date | None]] = []
    for i in range(10):
        leads.append({"Inquiry": dt.date(2026, 12, 5 + i), "MQL": None, "SQL": None})
    for t, count in enumerate(TRUTH["Inquiry"]):
        for _ in range(count):
            leads.append({"Inquiry": dt.date(2027, 1 + t, DAY["Inquiry"]), "MQL": None, "SQL": None})
    for stage, before in (("MQL", "Inquiry"), ("SQL", "MQL")):
        for t, count in enumerate(TRUTH[stage]):
            day = dt.date(2027, 1 + t, DAY[stage])
            ready = [lead for lead in leads if _reached(lead, before, day) and lead[stage] is None]
            assert len(ready) >= count
            for lead in ready[:count]:
                lead[stage] = day
    for i in range(7):  # May: after the last full month
        leads.append({"Inquiry": dt.date(2027, 5, 2 + i), "MQL": dt.date(2027, 5, 9) if i < 3 else None, "SQL": None})
    return leads


def _reached(lead: dict[str, dt.date | None], stage: str, day: dt.date) -> bool:
    entered = lead[stage]
    return entered is not None and entered <= day


def _write_leads(path: Path, leads: list[dict[str, dt.date | None]], as_text: bool = False) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Leads"
    sheet.append(["Lead ID", "Created Date", "MQL Date", "SQL Date", "Lead Status", "Lead Source"])
    for i, lead in enumerate(leads):
        dates = [lead[s] for s in ORDER]
        cells = [d.isoformat() if as_text and d is not None else d for d in dates]
        status = next((s for s in reversed(ORDER) if lead[s] is not None), "Inquiry")
        sheet.append([i + 1, *cells, status, "Webinars"])
    book.save(path)
    return path


def test_a_crm_export_counts_entries_per_stage_and_month(tmp_path: Path, example_plan: Plan) -> None:
    path = _write_leads(tmp_path / "crm.xlsx", _leads())
    imported = import_actuals(path, example_plan, export_date=dt.date(2027, 5, 14))
    assert imported.actuals is not None, [str(p) for p in imported.problems]
    assert imported.shape == "leads"
    assert imported.actuals.months == 4  # May has not ended on the 14th: not elapsed
    counts = {name: list(values) for name, values in imported.actuals.stages}
    assert counts == TRUTH  # the December leads' MQLs in January counted, their entry last year not
    plan = example_plan.with_changes(actuals=imported.actuals)
    assert not has_errors(validate(plan))


def test_without_an_export_date_the_latest_date_decides_and_text_dates_read(tmp_path: Path, example_plan: Plan) -> None:
    path = _write_leads(tmp_path / "crm.xlsx", _leads(), as_text=True)
    imported = import_actuals(path, example_plan)
    assert imported.actuals is not None, [str(p) for p in imported.problems]
    assert imported.export_date == dt.date(2027, 5, 9)  # the latest date in the file
    assert imported.actuals.months == 4
    assert dict(imported.actuals.stages)["SQL"] == tuple(TRUTH["SQL"])
    assert "4 months elapsed" in imported.summary


def test_an_export_at_a_month_end_counts_that_month(tmp_path: Path, example_plan: Plan) -> None:
    path = _write_leads(tmp_path / "crm.xlsx", _leads())
    imported = import_actuals(path, example_plan, export_date=dt.date(2027, 3, 31))
    assert imported.actuals is not None
    assert imported.actuals.months == 3
    assert dict(imported.actuals.stages)["Inquiry"] == tuple(TRUTH["Inquiry"][:3])


def test_a_bad_date_is_refused_naming_file_sheet_and_cell(tmp_path: Path, example_plan: Plan) -> None:
    leads = _leads()
    path = _write_leads(tmp_path / "crm.xlsx", leads)
    from openpyxl import load_workbook

    book = load_workbook(path)
    book["Leads"]["C5"] = "soon"
    book.save(path)
    imported = import_actuals(path, example_plan)
    assert imported.actuals is None
    message = " ".join(p.message for p in imported.problems)
    assert "crm.xlsx" in message and "sheet 'Leads'" in message and "C5" in message and "'soon'" in message


def _write_monthly(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Monthly"
    sheet.append(["Month", "Inquiries", "MQLs", "SQLs", "Webinars spend"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_a_monthly_sheet_gives_its_figures_and_blank_months_are_not_elapsed(tmp_path: Path, example_plan: Plan) -> None:
    spend = [24000, 23100, 25800]
    rows: list[list[object]] = [
        [dt.date(2026, 12, 1), 99, 9, 1, 1000],  # last year: not the plan's
        *[[dt.date(2027, 1 + t, 1), TRUTH["Inquiry"][t], TRUTH["MQL"][t], TRUTH["SQL"][t], spend[t]] for t in range(3)],
    ]
    rows += [[f"2027-{m:02d}", None, None, None, None] for m in range(4, 13)]  # the template's months to come
    imported = import_actuals(_write_monthly(tmp_path / "monthly.xlsx", rows), example_plan)
    assert imported.actuals is not None, [str(p) for p in imported.problems]
    assert imported.shape == "monthly" and imported.actuals.months == 3
    assert dict(imported.actuals.stages) == {s: tuple(float(x) for x in TRUTH[s][:3]) for s in ORDER}
    assert imported.actuals.spend == (("Webinars", (24000.0, 23100.0, 25800.0)),)


def test_a_monthly_sheet_with_a_month_missing_is_refused_naming_it(tmp_path: Path, example_plan: Plan) -> None:
    rows: list[list[object]] = [[dt.date(2027, 1, 1), 40, 12, 4, 0], [dt.date(2027, 3, 1), 50, 14, 5, 0]]
    imported = import_actuals(_write_monthly(tmp_path / "gap.xlsx", rows), example_plan)
    assert imported.actuals is None
    assert any("Feb 2027" in p.message for p in imported.problems)


@pytest.mark.parametrize("cut", [dt.date(2027, 2, 27), dt.date(2027, 2, 28)])
def test_a_monthly_sheet_stops_at_the_export_date(tmp_path: Path, example_plan: Plan, cut: dt.date) -> None:
    rows: list[list[object]] = [[dt.date(2027, 1 + t, 1), 40, 12, 4, 0] for t in range(3)]
    imported = import_actuals(_write_monthly(tmp_path / "m.xlsx", rows), example_plan, export_date=cut)
    assert imported.actuals is not None
    assert imported.actuals.months == (2 if cut.day == 28 else 1)
