"""The plan as an .xlsx workbook: round trips, edits made in Excel, refusals."""

from __future__ import annotations

import os
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from openpyxl.worksheet.worksheet import Worksheet

from core.formats.documents import PLAN_SUFFIXES, load_plan, save_plan
from core.formats.xlsx.plan_layout import CHANNELS, FUNNEL, RESULTS, WORKBOOK_MARKER
from core.formats.xlsx.plan_read import is_plan_workbook, load_plan_workbook
from core.formats.xlsx.plan_write import PlanSaveError, save_plan_workbook
from core.model.plan import (
    Actuals,
    Channel,
    Contingency,
    ContingencySource,
    Criterion,
    EmpiricalPassRate,
    FreeSource,
    LeadSpec,
    Plan,
    Stage,
    Uncertainty,
)
from tests.libreoffice import recalculate, soffice_path
from tests.strategies import plans


def saved(plan: Plan, folder: Path, name: str = "plan.xlsx") -> Path:
    path = folder / name
    save_plan_workbook(plan, path)
    return path


def loaded(path: Path) -> Plan:
    plan, problems = load_plan_workbook(path)
    assert plan is not None, [str(p) for p in problems]
    return plan


def find(ws: Worksheet, text: str) -> tuple[int, int]:
    """(row, column), 1-based, of the first cell holding ``text``."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell.row, cell.column
    raise AssertionError(f"{text!r} not on sheet {ws.title}")


def edit(path: Path, change: object) -> Path:
    """Open with openpyxl (as another program would), change, save in place."""
    book = openpyxl.load_workbook(path)
    change(book)  # type: ignore[operator]
    book.save(path)
    return path


def errors(problems: tuple[object, ...]) -> list[str]:
    return [str(p) for p in problems if getattr(p, "severity", "") == "error"]


# -- round trips ---------------------------------------------------------------


def test_example_plan_round_trips_exactly(example_plan: Plan, tmp_path: Path) -> None:
    path = saved(example_plan, tmp_path)
    plan, problems = load_plan_workbook(path)
    assert plan == example_plan
    assert errors(problems) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=plans())
def test_any_valid_plan_round_trips(plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("rt")
    back, problems = load_plan_workbook(saved(plan, folder))
    assert errors(problems) == []
    assert back == plan


def test_awkward_values_round_trip(example_plan: Plan, tmp_path: Path) -> None:
    """Formula-like names stay text; floats keep every bit; optional parts
    absent stay absent; the measured pass rate and long notes survive."""
    spec = example_plan.lead_spec
    assert spec is not None
    plan = example_plan.with_changes(
        name='=HYPERLINK("http://evil")',
        notes="  leading spaces, a tab\tand\nnew lines " + "x" * 40000,
        avg_deal_size=0.1 + 0.2,
        stages=(
            Stage("+Inquiry ", 1 / 3, 10.123456789012345, 0.0),
            Stage("-MQL", 0.4, 21, 0.5),
            Stage("@SQL", 0.55, 30, 1.0),
            Stage("Opportunity", 0.6, 45, 6),
            Stage("Proposal", 0.4, 30, 10),
            Stage("Won", None, None, 0.0),
        ),
        lead_spec=replace(
            spec,
            gate="@SQL",
            empirical=EmpiricalPassRate(0.123456789, 412),
            pass_rate_source="empirical",
            criteria=(*spec.criteria, Criterion("=1+1", -3, 1e-9, False)),
        ),
        proposed_lead_spec=None,
        free_sources=(FreeSource("Organic", "+Inquiry ", tuple(float(t) * 1.1 for t in range(12))),),
        pipeline_revenue=(),
        approved_budget=None,
        sales_hours_available=None,
        nurture=None if example_plan.nurture is None else replace(example_plan.nurture, stage="@SQL"),
        contingency=None
        if example_plan.contingency is None
        else replace(
            example_plan.contingency,
            sources=tuple(
                replace(s, stage={"SQL": "@SQL", "Inquiry": "+Inquiry "}[s.stage])
                for s in example_plan.contingency.sources
            ),
        ),
    )
    path = saved(plan, tmp_path)
    back, problems = load_plan_workbook(path)
    assert errors(problems) == []
    assert back == plan
    book = openpyxl.load_workbook(path)
    calendar = book["Calendar & targets"]
    row, col = find(calendar, "Plan name")
    assert calendar.cell(row, col + 1).data_type == "s"  # text, never a formula


def test_saving_keeps_the_previous_version(example_plan: Plan, tmp_path: Path) -> None:
    path = saved(example_plan, tmp_path)
    save_plan_workbook(example_plan.with_changes(name="Second"), path)
    assert loaded(path).name == "Second"
    assert loaded(tmp_path / "plan.xlsx.bak").name == example_plan.name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx", "plan.xlsx.bak"]


def test_workbook_is_laid_out_for_people(example_plan: Plan, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(saved(example_plan, tmp_path))
    assert book.sheetnames == [
        "About",
        "Calendar & targets",
        "Funnel",
        "Lead spec",
        "Channels",
        "Free sources",
        "Nurture pool",
        "Budget & capacity",
        "Actuals",
        "Contingency",
        "Results",
    ]
    assert book["About"]["A1"].value == WORKBOOK_MARKER
    funnel = book[FUNNEL]
    row, col = find(funnel, "Rate to next stage")
    rate = funnel.cell(row + 1, col)
    assert rate.value == 0.35 and "%" in rate.number_format
    assert "more than 0, at most 1" in str(funnel.cell(row - 1, col).value)
    assert funnel.freeze_panes == f"A{row + 1}"
    assert any("B" in str(dv.sqref) for dv in funnel.data_validations.dataValidation)
    results = book[RESULTS]
    assert "not read back" in str(results["A1"].value)
    headers = [c.value for c in next(results.iter_rows(min_row=4, max_row=4))]
    assert headers[:2] == ["Figure", "2027-01"] and headers[-2:] == ["Before the plan", "Plan total"]
    figures = [row[0].value for row in results.iter_rows(min_row=5)]
    assert "Paid leads" in figures and "Sales utilization" in figures
    # the deficit is called a deficit, as the app calls it, never a shortfall
    assert "Qualified-lead deficit with the budget" in figures
    assert "Qualified-lead deficit under the proposed spec" in figures
    assert not [f for f in figures if "shortfall" in str(f).lower()]


def test_results_sheet_is_not_read_back(example_plan: Plan, tmp_path: Path) -> None:
    path = saved(example_plan, tmp_path)
    edit(path, lambda b: b[RESULTS].cell(5, 2, 123456789))
    assert loaded(path) == example_plan


def test_documents_dispatch_xlsx(example_plan: Plan, tmp_path: Path) -> None:
    assert ".xlsx" in PLAN_SUFFIXES
    path = tmp_path / "via-documents.xlsx"
    save_plan(example_plan, path)
    plan, _ = load_plan(path)
    assert plan == example_plan
    assert is_plan_workbook(path)
    plan, problems = load_plan(tmp_path / "plan.ods")
    assert plan is None and "import" in problems[0].message


# -- edited in Excel -------------------------------------------------------------


def test_changed_rate_is_picked_up(example_plan: Plan, tmp_path: Path) -> None:
    path = saved(example_plan, tmp_path)

    def change(book: openpyxl.Workbook) -> None:
        ws = book[FUNNEL]
        row, col = find(ws, "MQL")
        ws.cell(row, col + 1, 0.5)

    plan = loaded(edit(path, change))
    assert plan.stages[1].rate == 0.5
    assert plan.stages[0] == example_plan.stages[0]


def test_added_channel_row_is_picked_up(example_plan: Plan, tmp_path: Path) -> None:
    path = saved(example_plan, tmp_path)

    def change(book: openpyxl.Workbook) -> None:
        ws = book[CHANNELS]
        row, col = find(ws, "LinkedIn ads")
        ws.cell(row, col + 1, 0.05)
        ws.cell(row + 1, col, "Podcasts")
        ws.cell(row + 1, col + 1, 0.05)
        ws.cell(row + 1, col + 2, 200)

    plan = loaded(edit(path, change))
    assert plan.channels[-1] == Channel("Podcasts", 0.05, 200.0, (0.0,) * 12, None)
    assert plan.channels[-2].mix == 0.05


def test_rows_and_columns_inserted_above_and_beside_tables(example_plan: Plan, tmp_path: Path) -> None:
    path = saved(example_plan, tmp_path)

    def change(book: openpyxl.Workbook) -> None:
        for name in book.sheetnames:
            book[name].insert_rows(1, 2)
        book[FUNNEL].insert_cols(1)  # the funnel table moves one column right
        book["Lead spec"].insert_rows(12)  # a blank row inside the current spec block

    assert loaded(edit(path, change)) == example_plan


def test_text_in_a_rate_cell_names_the_cell(example_plan: Plan, tmp_path: Path) -> None:
    path = saved(example_plan, tmp_path)

    def change(book: openpyxl.Workbook) -> None:
        ws = book[FUNNEL]
        row, col = find(ws, "Inquiry")
        ws.cell(row, col + 1, "abc")

    plan, problems = load_plan_workbook(edit(path, change))
    assert plan is None
    assert len(errors(problems)) == 1
    problem = problems[0]
    assert problem.field == "stages[0].rate"
    assert problem.location == "plan.xlsx, sheet 'Funnel', cell B5"
    assert "Text 'abc' in a rate cell" in problem.message and "more than 0 and at most 1" in problem.message


def test_rate_of_140_percent_is_refused_at_its_cell(example_plan: Plan, tmp_path: Path) -> None:
    path = saved(example_plan, tmp_path)

    def change(book: openpyxl.Workbook) -> None:
        ws = book[FUNNEL]
        row, col = find(ws, "SQL")
        ws.cell(row, col + 1, 1.4)

    plan, problems = load_plan_workbook(edit(path, change))
    assert plan is None
    [problem] = [p for p in problems if p.severity == "error"]
    assert problem.field == "stages[2].rate"
    assert problem.location == "plan.xlsx, sheet 'Funnel', cell B7"
    assert "1.4" in problem.message


def test_deleted_column_names_the_missing_header(example_plan: Plan, tmp_path: Path) -> None:
    path = saved(example_plan, tmp_path)
    plan, problems = load_plan_workbook(edit(path, lambda b: b[FUNNEL].delete_cols(3)))
    assert plan is None
    assert any(
        "'Lag to next stage (days)' is missing" in p.message and "sheet 'Funnel'" in p.location for p in problems
    )


def test_renamed_sheet_names_expected_and_found(example_plan: Plan, tmp_path: Path) -> None:
    path = saved(example_plan, tmp_path)

    def change(book: openpyxl.Workbook) -> None:
        book[FUNNEL].title = "Stages"

    plan, problems = load_plan_workbook(edit(path, change))
    assert plan is None
    message = next(p.message for p in problems if "sheet 'Funnel'" in p.location)
    assert "'Funnel' is missing" in message and "'Stages'" in message


def test_every_problem_is_reported_at_once(example_plan: Plan, tmp_path: Path) -> None:
    path = saved(example_plan, tmp_path)

    def change(book: openpyxl.Workbook) -> None:
        funnel = book[FUNNEL]
        row, col = find(funnel, "Inquiry")
        funnel.cell(row, col + 1, "35 percent")
        row, col = find(funnel, "Proposal")
        funnel.cell(row, col + 1, 0)
        channels = book[CHANNELS]
        row, col = find(channels, "Webinars")
        channels.cell(row, col + 2, -5)
        calendar = book["Calendar & targets"]
        row, col = find(calendar, "Average deal size")
        calendar.cell(row, col + 1).value = None

    plan, problems = load_plan_workbook(edit(path, change))
    assert plan is None
    fields = {p.field for p in problems if p.severity == "error"}
    assert {"stages[0].rate", "stages[4].rate", "channels[0].cost_per_lead", "avg_deal_size"} <= fields
    assert all(p.location.startswith("plan.xlsx, sheet '") and ", cell " in p.location for p in problems)


def test_validation_problems_point_to_their_cells(example_plan: Plan, tmp_path: Path) -> None:
    """Mix not adding to 100%: the channel table; an unknown gate: its cell."""
    path = saved(example_plan, tmp_path)

    def change(book: openpyxl.Workbook) -> None:
        channels = book[CHANNELS]
        row, col = find(channels, "Webinars")
        channels.cell(row, col + 1, 0.5)
        spec = book["Lead spec"]
        row, col = find(spec, "Gate stage")
        spec.cell(row, col + 1, "Nope")

    _, problems = load_plan_workbook(edit(path, change))
    by_field = {p.field: p for p in problems}
    assert by_field["channels"].location == "plan.xlsx, sheet 'Channels', cell A4"
    assert by_field["lead_spec.gate"].location == "plan.xlsx, sheet 'Lead spec', cell B3"


def test_month_count_change_is_explained(example_plan: Plan, tmp_path: Path) -> None:
    path = saved(example_plan, tmp_path)

    def change(book: openpyxl.Workbook) -> None:
        ws = book["Calendar & targets"]
        row, col = find(ws, "Months")
        ws.cell(row, col + 1, 13)

    plan, problems = load_plan_workbook(edit(path, change))
    assert plan is None
    assert any(p.field == "revenue_target" and "2028-01" in p.message and "13 months" in p.message for p in problems)


def test_start_month_typed_as_a_date(example_plan: Plan, tmp_path: Path) -> None:
    import datetime as dt

    path = saved(example_plan, tmp_path)

    def change(book: openpyxl.Workbook) -> None:
        ws = book["Calendar & targets"]
        row, col = find(ws, "Start month")
        ws.cell(row, col + 1, dt.datetime(2027, 1, 1))  # the month the table's rows are labelled from

    assert loaded(edit(path, change)).start == "2027-01"


def test_blank_budget_column_means_not_planned(example_plan: Plan, tmp_path: Path) -> None:
    path = saved(example_plan, tmp_path)

    def change(book: openpyxl.Workbook) -> None:
        ws = book["Budget & capacity"]
        row, col = find(ws, "Approved budget")
        for r in range(row + 1, row + 13):
            ws.cell(r, col).value = None

    assert loaded(edit(path, change)).approved_budget is None


def test_partly_blank_budget_is_refused(example_plan: Plan, tmp_path: Path) -> None:
    path = saved(example_plan, tmp_path)

    def change(book: openpyxl.Workbook) -> None:
        ws = book["Budget & capacity"]
        row, col = find(ws, "Approved budget")
        ws.cell(row + 3, col).value = None

    plan, problems = load_plan_workbook(edit(path, change))
    assert plan is None
    assert problems[0].field == "approved_budget[2]" and "empty" in problems[0].message


def test_not_a_plan_workbook(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    book = openpyxl.Workbook()
    book.save(path)
    plan, problems = load_plan_workbook(path)
    assert plan is None and "About" in problems[0].message
    book = openpyxl.Workbook()
    assert book.active is not None
    book.active.title = "About"
    book.active["A1"] = "something else"
    book.save(path)
    plan, problems = load_plan_workbook(path)
    assert plan is None and "not a plan workbook" in problems[0].message and "import" in problems[0].message


def test_hostile_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    plan, problems = load_plan_workbook(path)
    assert plan is None and problems[0].location == "plan.xlsx" and "not a spreadsheet" in problems[0].message


@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice not installed")
def test_libreoffice_round_trip_still_opens(example_plan: Plan, tmp_path: Path) -> None:
    source = saved(example_plan, tmp_path)
    [converted] = recalculate([source], tmp_path / "out")
    with zipfile.ZipFile(converted) as zf:
        assert "xl/workbook.xml" in zf.namelist()
    assert loaded(converted) == example_plan


# -- saving that cannot happen -------------------------------------------------


def test_saving_into_a_path_whose_folder_is_a_file(example_plan: Plan, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(PlanSaveError) as caught:
        save_plan_workbook(example_plan, blocker / "plan.xlsx")
    assert "Cannot save plan.xlsx" in str(caught.value)
    assert blocker.read_text(encoding="utf-8") == "x"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores file permissions")
def test_saving_onto_a_read_only_file_leaves_it_unchanged(example_plan: Plan, tmp_path: Path) -> None:
    path = saved(example_plan, tmp_path)
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        with pytest.raises(PlanSaveError) as caught:
            save_plan_workbook(example_plan.with_changes(name="changed"), path)
        assert "read-only" in str(caught.value)
        assert path.read_bytes() == before
    finally:
        path.chmod(0o644)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores folder permissions")
def test_saving_into_a_read_only_folder_leaves_it_unchanged(example_plan: Plan, tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    path = saved(example_plan, folder)
    before = path.read_bytes()
    folder.chmod(0o555)
    try:
        with pytest.raises(PlanSaveError):
            save_plan_workbook(example_plan.with_changes(name="changed"), path)
        assert path.read_bytes() == before
        assert sorted(p.name for p in folder.iterdir()) == ["plan.xlsx"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_saving_a_plan_with_problems_still_writes_it(example_plan: Plan, tmp_path: Path) -> None:
    """A plan mid-edit (mix not 100%) is saved; Results says why it is empty."""
    bad = example_plan.with_changes(channels=(replace(example_plan.channels[0], mix=0.9), *example_plan.channels[1:]))
    path = saved(bad, tmp_path)
    book = openpyxl.load_workbook(path)
    assert "Not computed" in str(book[RESULTS]["A3"].value)
    plan, problems = load_plan_workbook(path)
    assert plan is None and problems[0].field == "channels"


def test_no_lead_spec_and_no_channels_round_trip(tmp_path: Path) -> None:
    plan = Plan(
        name="Free only",
        currency="EUR",
        start="2030-12",
        months=2,
        revenue_target=(0.0, 0.0),
        avg_deal_size=1000.0,
        stages=(Stage("Lead", 0.5, 0.0, 0.0), Stage("Won")),
        pipeline_revenue=(0.0, 0.0),
        free_sources=(FreeSource("Word of mouth", "Lead", (10.0, 0.0)),),
    )
    assert loaded(saved(plan, tmp_path)) == plan
    spec_plan = plan.with_changes(lead_spec=LeadSpec("Won", 0.0, ()))
    back, _ = load_plan_workbook(saved(spec_plan, tmp_path, "spec.xlsx"))
    assert back == spec_plan


def test_names_that_read_like_labels_titles_and_headers(example_plan: Plan, tmp_path: Path) -> None:
    """Every name set to a label, title or header the reader looks for."""
    spec = example_plan.lead_spec
    assert spec is not None
    stages = (
        Stage("Stage", 0.35, 10, 0),
        Stage("Gate stage", 0.4, 21, 0),
        Stage("Current lead spec", 0.55, 30, 1),
        Stage("Months", 0.6, 45, 6),
        Stage("Notes", 0.4, 30, 10),
        Stage("Won"),
    )
    criteria = (
        Criterion("Proposed lead spec", 30, 0.45),
        Criterion("Threshold (points)", 25, 0.5),
        Criterion("Criterion", 0, 0.85, True),
    )
    plan = example_plan.with_changes(
        name="Months",
        currency="Plan name",
        stages=stages,
        lead_spec=replace(spec, gate="Current lead spec", criteria=criteria, threshold=30),
        proposed_lead_spec=replace(spec, gate="Current lead spec", criteria=criteria[::-1], threshold=50),
        channels=tuple(
            replace(c, name=n)
            for c, n in zip(
                example_plan.channels,
                ["Fixed cost per month", "Channel", "Paid channels", "Cost per lead", "Month"],
                strict=True,
            )
        ),
        free_sources=(
            FreeSource("Free source", "Stage", (1.0,) * 12),
            FreeSource("Enters at stage", "Notes", (2.0,) * 12),
        ),
        nurture=None if example_plan.nurture is None else replace(example_plan.nurture, stage="Current lead spec"),
        actuals=Actuals(2, (("Months", (1.0, 2.0)), ("Stage", (3.0, 4.0))), (("Month", (5.0, 6.0)),)),
        contingency=Contingency(
            "cheapest",
            (
                ContingencySource("Contingency sources", "Current lead spec", 450.0, (40.0,) * 12, 1),
                ContingencySource(
                    "Items a month at most, by month (where it varies)", "Stage", 75.0, tuple(range(12)), 0, 0.2
                ),
                ContingencySource("Draws", "Gate stage", 1.0, (1.0,) * 12, 0),
                ContingencySource("Months elapsed", "Stage", 2.0, (3.0,) * 12, 2),
            ),
        ),
        uncertainty=Uncertainty(100, 1),
    )
    back, problems = load_plan_workbook(saved(plan, tmp_path))
    assert errors(problems) == []
    assert back == plan


def test_read_only_file_is_refused_even_when_permissions_are_simulated(
    example_plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs as root too: the planner asks the OS whether the file is writable."""
    path = saved(example_plan, tmp_path)
    before = path.read_bytes()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == path else real_access(p, mode))
    with pytest.raises(PlanSaveError, match="read-only"):
        save_plan_workbook(example_plan.with_changes(name="changed"), path)
    assert path.read_bytes() == before


def test_unwritable_folder_is_reported_when_simulated(
    example_plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import core.formats.files

    path = saved(example_plan, tmp_path)
    before = path.read_bytes()

    def refuse(*args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(core.formats.files, "_new_file", refuse)
    with pytest.raises(PlanSaveError) as caught:
        save_plan_workbook(example_plan.with_changes(name="changed"), path)
    assert "Permission denied" in str(caught.value) and "save elsewhere" in str(caught.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_text_too_long_for_a_cell_is_refused_not_cut(example_plan: Plan, tmp_path: Path) -> None:
    path = saved(example_plan, tmp_path)
    before = path.read_bytes()
    with pytest.raises(PlanSaveError, match="at most 32,767"):
        save_plan_workbook(example_plan.with_changes(name="x" * 40000), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]
