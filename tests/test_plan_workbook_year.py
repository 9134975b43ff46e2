"""The plan workbook's inputs for the year in progress and its odds (the
Actuals and Contingency sheets): exact round trips, workbooks saved before
them, figures pasted in Excel, every bad value refused at its sheet and
cell, and the Results sheet's new rows."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from core.calc.engine import calculate
from core.calc.figures import money_in
from core.calc.figures_year import contingency_figures, tracking_figures
from core.calc.outlook import complete
from core.formats.xlsx.plan_layout import (
    ACTUALS,
    CONTINGENCY,
    H_CCOST,
    H_CHANNEL_RATE,
    H_CLEAD,
    H_CMAX,
    H_CSOURCE,
    H_CSTAGE,
    L_ALARM,
    L_DRAWS,
    L_ELAPSED,
    L_OBJECTIVE,
    L_SEED,
    RESULTS,
    T_ACTUAL_SPEND,
    T_ACTUAL_STAGES,
    T_CMAX_MONTHLY,
    T_SOURCES,
)
from core.formats.xlsx.plan_read import load_document_workbook, load_plan_workbook
from core.formats.xlsx.plan_write import save_document_workbook, save_plan_workbook
from core.model.plan import Actuals, Contingency, ContingencySource, Plan, Problem, Uncertainty

# -- helpers -------------------------------------------------------------------


def saved(plan: Plan, folder: Path, name: str = "plan.xlsx") -> Path:
    path = folder / name
    save_plan_workbook(plan, path)
    return path


def find(ws: Worksheet, text: str, below: int = 0) -> tuple[int, int]:
    """(row, column), 1-based, of the first cell holding ``text`` below row ``below``."""
    for row in ws.iter_rows(min_row=below + 1):
        for cell in row:
            if cell.value == text:
                return cell.row, cell.column
    raise AssertionError(f"{text!r} not on sheet {ws.title} below row {below}")


def edit(path: Path, change: Callable[[Workbook], object]) -> Path:
    """Open with openpyxl (as another program would), change, save in place."""
    book = openpyxl.load_workbook(path)
    change(book)
    book.save(path)
    return path


def errors(problems: tuple[Problem, ...]) -> list[str]:
    return [str(p) for p in problems if p.severity == "error"]


def refused(path: Path) -> list[str]:
    """The errors of a workbook that must be refused; none shows a JSON path."""
    plan, problems = load_plan_workbook(path)
    found = errors(problems)
    assert plan is None and found, "the workbook was accepted"
    for message in found:
        assert not re.search(
            r"\w+\[\d+\]|\b(actuals|contingency|uncertainty)\.\w|max_per_month|lead_time_months|alarm_threshold",
            message,
        ), message
    return found


def at(sheet: str, row: int, col: int) -> str:
    """How a message names a cell: ``plan.xlsx, sheet 'Actuals', cell D12``."""
    return f"plan.xlsx, sheet '{sheet}', cell {openpyxl.utils.get_column_letter(col)}{row}"


def labelled(ws: Worksheet, label: str) -> tuple[int, int]:
    row, col = find(ws, label)
    return row, col + 1


def actual_cell(ws: Worksheet, title: str, column: str, month: str) -> tuple[int, int]:
    """The cell of ``column`` (a stage or channel) in the row of ``month`` of the table titled ``title``."""
    top, _ = find(ws, title)
    head, _ = find(ws, "Month", top)
    col = find(ws, column, head - 1)[1]
    row = find(ws, month, head)[0]
    return row, col


def source_cell(ws: Worksheet, source: str, header: str) -> tuple[int, int]:
    top, _ = find(ws, T_SOURCES)
    head, _ = find(ws, H_CSOURCE, top)
    return find(ws, source, head)[0], find(ws, header, head - 1)[1]


INQUIRY = (2100.0, 1980.0, 2230.0, 2050.5)
MQL = (820.0, 790.0, 801.0, 777.0)
SQL = (150.0, 141.0, 122.0, 118.0)


@pytest.fixture
def year_plan(example_plan: Plan) -> Plan:
    """The example after four months: actuals on Inquiry, MQL and SQL and
    spend on two channels, a 7.5 % alarm, the odds' draws and seed, and a
    fourth source whose capacity varies by month, aiming at the cheapest plan."""
    assert example_plan.contingency is not None and len(example_plan.contingency.sources) == 3
    ramp = ContingencySource("Event follow-up agency", "MQL", 95.5, (0.0,) * 3 + (200.0,) * 6 + (350.0,) * 3, 2, 0.4)
    return example_plan.with_changes(
        actuals=Actuals(
            months=4,
            stages=(("Inquiry", INQUIRY), ("MQL", MQL), ("SQL", SQL)),
            spend=(("Webinars", (24000.0, 23100.0, 25800.5, 24990.0)), ("Paid search", (9e3, 9.5e3, 1e4, 0.0))),
            alarm_share=0.075,
        ),
        contingency=Contingency("cheapest", (*example_plan.contingency.sources, ramp)),
        uncertainty=Uncertainty(draws=2500, seed=42),
    )


# -- round trips -----------------------------------------------------------------


def test_the_examples_contingency_sources_survive_the_workbook(example_plan: Plan, tmp_path: Path) -> None:
    back, problems = load_plan_workbook(saved(example_plan, tmp_path))
    assert errors(problems) == []
    assert back is not None and back.contingency == example_plan.contingency
    assert back == example_plan


def test_actuals_sources_and_odds_round_trip_exactly(year_plan: Plan, tmp_path: Path) -> None:
    back, problems = load_plan_workbook(saved(year_plan, tmp_path))
    assert errors(problems) == []
    assert back == year_plan


def test_a_plan_without_them_keeps_its_sheets_blank(example_plan: Plan, tmp_path: Path) -> None:
    plan = example_plan.with_changes(contingency=None)
    path = saved(plan, tmp_path)
    back, problems = load_plan_workbook(path)
    assert errors(problems) == [] and back == plan
    assert back.actuals is None and back.contingency is None and back.uncertainty is None
    book = openpyxl.load_workbook(path)
    for name in (ACTUALS, CONTINGENCY):
        ws = book[name]
        values = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, (int, float))]
        assert values == [], f"{name} holds {values}"


_names = st.text(alphabet="ABCdef -=+@'", min_size=1, max_size=12).filter(lambda s: s.strip() != "")
_counts = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    months=st.integers(1, 12),
    chosen=st.lists(st.sampled_from(["Inquiry", "MQL", "SQL", "Opportunity", "Won"]), unique=True, max_size=5),
    data=st.data(),
)
def test_any_actuals_and_sources_round_trip(
    example_plan: Plan, tmp_path_factory: pytest.TempPathFactory, months: int, chosen: list[str], data: st.DataObject
) -> None:
    stages = tuple((name, tuple(data.draw(st.lists(_counts, min_size=months, max_size=months)))) for name in chosen)
    sources = tuple(
        ContingencySource(
            data.draw(_names) + str(i),
            data.draw(st.sampled_from(["Inquiry", "MQL", "SQL"])),
            data.draw(_counts),
            tuple(data.draw(st.lists(_counts, min_size=12, max_size=12)))
            if data.draw(st.booleans())
            else (data.draw(_counts),) * 12,
            data.draw(st.integers(0, 12)),
            data.draw(st.none() | st.floats(min_value=0.001, max_value=1)),
        )
        for i in range(data.draw(st.integers(0, 4)))
    )
    plan = example_plan.with_changes(
        actuals=Actuals(months, stages, alarm_share=data.draw(st.floats(0, 1))),
        contingency=Contingency(data.draw(st.sampled_from(["fastest", "cheapest"])), sources),
        uncertainty=data.draw(st.none() | st.builds(Uncertainty, st.integers(100, 100_000), st.integers(0, 10**9))),
    )
    back, problems = load_plan_workbook(saved(plan, tmp_path_factory.mktemp("any")))
    assert errors(problems) == []
    assert back == plan


# -- laid out for people -------------------------------------------------------------


def test_actuals_sheet_reads_like_a_monthly_crm_report(year_plan: Plan, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(saved(year_plan, tmp_path))
    ws = book[ACTUALS]
    assert ws.cell(*labelled(ws, L_ELAPSED)).value == 4
    alarm = ws.cell(*labelled(ws, L_ALARM))
    assert alarm.value == 0.075 and "%" in alarm.number_format
    top, _ = find(ws, T_ACTUAL_STAGES)
    head, _ = find(ws, "Month", top)
    assert [ws.cell(head, c).value for c in range(1, 8)] == ["Month", *(s.name for s in year_plan.stages)]
    months = [ws.cell(head + 1 + t, 1).value for t in range(12)]
    assert months == [f"2027-{m:02d}" for m in range(1, 13)]
    assert ws.cell(*actual_cell(ws, T_ACTUAL_STAGES, "SQL", "2027-02")).value == 141
    assert ws.cell(*actual_cell(ws, T_ACTUAL_STAGES, "SQL", "2027-05")).value is None  # not elapsed: blank
    assert ws.cell(*actual_cell(ws, T_ACTUAL_STAGES, "Opportunity", "2027-01")).value is None  # not tracked
    spend = actual_cell(ws, T_ACTUAL_SPEND, "Webinars", "2027-03")
    assert ws.cell(*spend).value == 25800.5 and "USD" in ws.cell(*spend).number_format


def _validation(ws: Worksheet, row: int, col: int) -> list[str]:
    """The list choices offered in a cell ([] for none)."""
    ref = f"{openpyxl.utils.get_column_letter(col)}{row}"
    for dv in ws.data_validations.dataValidation:
        if dv.type == "list" and ref in dv.sqref:
            return [c.strip() for c in str(dv.formula1).strip('"').split(",")]
    return []


def test_contingency_sheet_offers_its_choices(year_plan: Plan, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(saved(year_plan, tmp_path))
    ws = book[CONTINGENCY]
    objective = labelled(ws, L_OBJECTIVE)
    assert ws.cell(*objective).value == "cheapest"
    assert _validation(ws, *objective) == ["fastest", "cheapest"]
    stage = source_cell(ws, "Appointment-setting vendor", H_CSTAGE)
    assert ws.cell(*stage).value == "SQL"
    assert _validation(ws, *stage) == [s.name for s in year_plan.stages[:-1]]
    assert ws.cell(*source_cell(ws, "Content syndication burst", H_CMAX)).value == 1500
    assert ws.cell(*source_cell(ws, "Content syndication burst", H_CHANNEL_RATE)).value == 0.2
    ramp = source_cell(ws, "Event follow-up agency", H_CMAX)
    assert ws.cell(*ramp).value is None  # varies: by month below
    title, _ = find(ws, T_CMAX_MONTHLY)
    row, _ = find(ws, "Event follow-up agency", title)
    assert [ws.cell(row, 2 + t).value for t in range(12)] == [0] * 3 + [200] * 6 + [350] * 3
    assert ws.cell(*labelled(ws, L_DRAWS)).value == 2500 and ws.cell(*labelled(ws, L_SEED)).value == 42


# -- older workbooks and edits in Excel -----------------------------------------------


def test_a_workbook_saved_before_these_sheets_opens_as_before(year_plan: Plan, tmp_path: Path) -> None:
    def drop(book: Workbook) -> None:
        del book[ACTUALS]
        del book[CONTINGENCY]

    path = edit(saved(year_plan, tmp_path), drop)
    back, problems = load_plan_workbook(path)
    assert errors(problems) == []
    assert back == year_plan.with_changes(actuals=None, contingency=None, uncertainty=None)


def test_figures_pasted_into_a_blank_sheet_become_the_actuals(example_plan: Plan, tmp_path: Path) -> None:
    def paste(book: Workbook) -> None:
        ws = book[ACTUALS]
        ws.cell(*labelled(ws, L_ELAPSED)).value = 2
        for month, value in (("2027-01", 160), ("2027-02", 0)):
            ws.cell(*actual_cell(ws, T_ACTUAL_STAGES, "SQL", month)).value = value
        ws.cell(*actual_cell(ws, T_ACTUAL_SPEND, "Trade shows", "2027-01")).value = 50000
        ws.cell(*actual_cell(ws, T_ACTUAL_SPEND, "Trade shows", "2027-02")).value = 51000

    back, problems = load_plan_workbook(edit(saved(example_plan, tmp_path), paste))
    assert errors(problems) == []
    assert back is not None
    assert back.actuals == Actuals(2, (("SQL", (160.0, 0.0)),), (("Trade shows", (50000.0, 51000.0)),))


def test_clearing_the_sheets_removes_actuals_and_sources(year_plan: Plan, tmp_path: Path) -> None:
    def clear(book: Workbook) -> None:
        for name in (ACTUALS, CONTINGENCY):
            ws = book[name]
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, (int, float)) or cell.value in ("cheapest",):
                        cell.value = None
        ws = book[CONTINGENCY]
        top, _ = find(ws, T_SOURCES)
        head, _ = find(ws, H_CSOURCE, top)
        monthly, _ = find(ws, T_CMAX_MONTHLY)
        for row in range(head + 1, monthly):
            for col in range(1, 8):
                ws.cell(row, col).value = None
        row, _ = find(ws, "Event follow-up agency", monthly)
        ws.cell(row, 1).value = None

    back, problems = load_plan_workbook(edit(saved(year_plan, tmp_path), clear))
    assert errors(problems) == []
    assert back is not None and back.actuals is None and back.contingency is None and back.uncertainty is None


# -- bad input, refused at its cell ------------------------------------------------------

Where = Callable[[Worksheet], tuple[int, int]]


def _label(label: str) -> Where:
    return lambda ws: labelled(ws, label)


def _actual(column: str, month: str, title: str = T_ACTUAL_STAGES) -> Where:
    return lambda ws: actual_cell(ws, title, column, month)


def _month_of(column: str, month: str) -> Where:
    """The Month cell of the row where ``column`` is filled in."""
    return lambda ws: (actual_cell(ws, T_ACTUAL_STAGES, column, month)[0], 1)


def _header(column: str) -> Where:
    return lambda ws: (find(ws, "Month", find(ws, T_ACTUAL_STAGES)[0])[0], find(ws, column)[1])


def _source(source: str, header: str) -> Where:
    return lambda ws: source_cell(ws, source, header)


def _by_month(source: str, month: int) -> Where:
    def where(ws: Worksheet) -> tuple[int, int]:
        row, _ = find(ws, source, find(ws, T_CMAX_MONTHLY)[0])
        return row, 2 + month

    return where


RAMP = "Event follow-up agency"
VENDOR = "Appointment-setting vendor"

BAD = [
    # (id, sheet, cell edited, value, cell named (None: the edited one), words of the message)
    ("months elapsed beyond the plan", ACTUALS, _label(L_ELAPSED), 13, None, "from 1 to the plan's 12"),
    ("months elapsed 0", ACTUALS, _label(L_ELAPSED), 0, None, "from 1 to the plan's 12"),
    ("months elapsed not whole", ACTUALS, _label(L_ELAPSED), 3.5, None, "not a whole number"),
    ("months elapsed blank", ACTUALS, _label(L_ELAPSED), None, None, "months of the plan are over"),
    ("a month after those elapsed", ACTUALS, _actual("SQL", "2027-06"), 90, _month_of("SQL", "2027-06"), "2027-06"),
    ("a month not of the plan", ACTUALS, _month_of("SQL", "2027-04"), "2028-04", None, "not a month of the plan"),
    ("an unknown stage", ACTUALS, _header("MQL"), "Lead", None, "no stage of that name"),
    ("a stage twice", ACTUALS, _header("MQL"), "SQL", _header("SQL"), "given twice"),
    ("a negative count", ACTUALS, _actual("SQL", "2027-02"), -5, None, "at least 0"),
    ("a month elapsed left blank", ACTUALS, _actual("MQL", "2027-03"), None, None, "empty"),
    ("a count as text", ACTUALS, _actual("Inquiry", "2027-01"), "lots", None, "'lots'"),
    ("negative spend", ACTUALS, _actual("Webinars", "2027-01", T_ACTUAL_SPEND), -1, None, "at least 0"),
    ("an unknown channel", ACTUALS, lambda ws: find(ws, "Paid search"), "Radio", None, "no channel of that name"),
    ("alarm over 100%", ACTUALS, _label(L_ALARM), 1.5, None, "between 0 and 1"),
    ("objective unknown", CONTINGENCY, _label(L_OBJECTIVE), "quickest", None, "'fastest' or 'cheapest'"),
    ("source below the gate", CONTINGENCY, _source(VENDOR, H_CSTAGE), "Opportunity", None, "below the qualified"),
    ("source on the won stage", CONTINGENCY, _source(VENDOR, H_CSTAGE), "Won", None, "cannot deliver won deals"),
    ("source on no stage", CONTINGENCY, _source(VENDOR, H_CSTAGE), "Lead", None, "not a stage of the funnel"),
    ("negative cost", CONTINGENCY, _source(VENDOR, H_CCOST), -450, None, "at least 0"),
    ("negative capacity", CONTINGENCY, _source(VENDOR, H_CMAX), -40, None, "at least 0"),
    ("capacity blank", CONTINGENCY, _source(VENDOR, H_CMAX), None, None, "empty"),
    ("negative capacity by month", CONTINGENCY, _by_month(RAMP, 5), -200, None, "at least 0"),
    ("lead time beyond the plan", CONTINGENCY, _source(VENDOR, H_CLEAD), 13, None, "from 0 to 12"),
    ("negative lead time", CONTINGENCY, _source(VENDOR, H_CLEAD), -1, None, "from 0 to 12"),
    ("lead time not whole", CONTINGENCY, _source(VENDOR, H_CLEAD), 1.5, None, "not a whole number"),
    ("rate above 1", CONTINGENCY, _source(VENDOR, H_CHANNEL_RATE), 1.2, None, "at most 1"),
    ("source name twice", CONTINGENCY, _source("Content syndication burst", H_CSOURCE), VENDOR, None, "used twice"),
    ("draws too few", CONTINGENCY, _label(L_DRAWS), 50, None, "from 100 to 100,000"),
    ("draws too many", CONTINGENCY, _label(L_DRAWS), 200_000, None, "from 100 to 100,000"),
    ("draws not whole", CONTINGENCY, _label(L_DRAWS), 150.5, None, "not a whole number"),
    ("seed negative", CONTINGENCY, _label(L_SEED), -3, None, "from 0 up"),
]


@pytest.mark.parametrize(
    ("sheet", "where", "value", "named", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD],
)
def test_bad_value_is_refused_at_its_cell(
    year_plan: Plan,
    tmp_path: Path,
    sheet: str,
    where: Where,
    value: object,
    named: Where | None,
    words: str,
) -> None:
    book = openpyxl.load_workbook(saved(year_plan, tmp_path))
    cell = where(book[sheet])
    shown = (named or where)(book[sheet])

    def change(b: Workbook) -> None:
        b[sheet].cell(*cell).value = value

    found = refused(edit(tmp_path / "plan.xlsx", change))
    expected = at(sheet, *shown)
    assert any(m.startswith(expected) and words in m for m in found), (expected, words, found)


def test_a_source_without_a_row_by_month_names_the_blank_month(year_plan: Plan, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(saved(year_plan, tmp_path))
    cell = _by_month(RAMP, 7)(book[CONTINGENCY])

    def change(b: Workbook) -> None:
        b[CONTINGENCY].cell(*cell).value = None

    found = refused(edit(tmp_path / "plan.xlsx", change))
    assert any(m.startswith(at(CONTINGENCY, *cell)) and "blank" in m for m in found), found


def test_a_row_by_month_for_no_source_is_named(year_plan: Plan, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(saved(year_plan, tmp_path))
    row, _ = find(book[CONTINGENCY], RAMP, find(book[CONTINGENCY], T_CMAX_MONTHLY)[0])

    def change(b: Workbook) -> None:
        b[CONTINGENCY].cell(row, 1).value = "Radio burst"

    found = refused(edit(tmp_path / "plan.xlsx", change))
    assert any(m.startswith(at(CONTINGENCY, row, 1)) and "no source" in m for m in found), found


def test_a_missing_month_elapsed_is_named(year_plan: Plan, tmp_path: Path) -> None:
    """Rows deleted in Excel: the months elapsed that have no row are named."""
    book = openpyxl.load_workbook(saved(year_plan, tmp_path))
    ws = book[ACTUALS]
    row, _ = actual_cell(ws, T_ACTUAL_STAGES, "SQL", "2027-03")
    head = find(ws, "Month", find(ws, T_ACTUAL_STAGES)[0])

    def change(b: Workbook) -> None:
        for col in range(1, 8):
            b[ACTUALS].cell(row, col).value = None

    found = refused(edit(tmp_path / "plan.xlsx", change))
    assert any(m.startswith(at(ACTUALS, *head)) and "2027-03" in m for m in found), found


# -- the Results sheet ---------------------------------------------------------------------


def _result_rows(ws: Worksheet) -> dict[str, list[object]]:
    """Each figure's row on the Results sheet: label -> the values beside it."""
    return {
        str(row[0].value): [c.value for c in row[1:]]
        for row in ws.iter_rows()
        if isinstance(row[0].value, str) and row[0].value
    }


def _text(ws: Worksheet) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_results_show_the_kpi_month_by_month_with_its_sentence(year_plan: Plan, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(saved(year_plan, tmp_path))[RESULTS]
    result = calculate(year_plan)
    rows = _result_rows(ws)
    assert rows["SQL actual"][:5] == [150, 141, 122, 118, None]  # the months elapsed, then blank
    assert rows["SQL actual"][13] == sum(SQL)  # the plan total
    t = result.tracking
    assert t is not None and t.gate_required is not None and t.forecast_observed.gate_deficit is not None
    required = rows["SQL required (months elapsed)"]
    assert required[:4] == [math.ceil(v - 1e-9) for v in t.gate_required] and required[4] is None
    short = rows["SQL short, forecast at observed rates"][:12]
    assert all(isinstance(v, (int, float)) for v in short)
    assert sum(short[4:]) == pytest.approx(t.projected_deficit, abs=8)  # each month rounded
    fig = tracking_figures(year_plan, result)
    assert fig is not None
    assert ("ALARM: " if fig.alarm else "") + fig.sentence() in _text(ws)


def test_results_show_the_pool_and_what_the_plan_carries_over(year_plan: Plan, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(saved(year_plan, tmp_path))[RESULTS]
    result = calculate(year_plan)
    rows = _result_rows(ws)
    assert result.nurture is not None
    pool = rows["Nurture pool: leads in it (start of month)"]
    assert pool[:12] == [math.ceil(v - 1e-9) for v in result.nurture.pool]
    assert pool[13] == max(pool[:12])  # a level: the total column shows the highest month
    assert rows["Nurture pool: leads returned to SQL"][13] == math.ceil(result.nurture.matured.sum() - 1e-6)
    carried = rows["Deals after the plan from the plan's leads"][0]
    assert carried == math.ceil(result.after_plan.carried_deals - 1e-6) and carried > 0
    assert rows["Months after the plan the target goes on"][0] == result.after_plan.months


def test_results_without_actuals_have_no_tracking_rows(example_plan: Plan, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(saved(example_plan, tmp_path))[RESULTS]
    labels = _result_rows(ws)
    assert not [label for label in labels if "forecast at" in label or label.startswith("Tracking")]
    assert "Nurture pool: leads recycled into it" in labels


def test_results_print_the_table_and_keep_the_notes_on_screen(year_plan: Plan, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(saved(year_plan, tmp_path))[RESULTS]
    area = str(ws.print_area)
    last_printed = int(re.findall(r"\$(\d+)", area)[-1])
    notes, _ = find(ws, "After the plan")
    figures, _ = find(ws, "SQL short, forecast at observed rates")
    assert figures < last_printed < notes


def test_results_say_each_contingency_plan_for_finance(year_plan: Plan, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(saved(year_plan, tmp_path))[RESULTS]
    result = complete(year_plan, calculate(year_plan))
    plans = contingency_figures(result)
    assert {p.key for p in plans} == {"spec_change", "tracking"}  # the example proposes a stricter spec
    text = _text(ws)
    for cp in plans:
        assert cp.sentence(money_in(year_plan.currency)) in text


def test_a_scenario_keeps_its_actuals_and_draws(example_plan: Plan, year_plan: Plan, tmp_path: Path) -> None:
    """The scenarios beyond the first are kept on the Scenarios sheet, year keys included."""
    scenarios = (("Plan", example_plan), ("After four months", year_plan))
    path = tmp_path / "plan.xlsx"
    save_document_workbook(scenarios, 1, path)
    back, active, problems = load_document_workbook(path)
    assert errors(problems) == []
    assert back == scenarios and active == 1
