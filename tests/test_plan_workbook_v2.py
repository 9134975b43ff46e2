"""The plan workbook's v2 inputs (timing profiles, sample sizes, the far
edge, the nurture pool): round trips, workbooks saved before them, edits
made in Excel, and every bad value refused at its sheet and cell."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from core.formats.xlsx.plan_layout import (
    AFTER_NONE,
    AFTER_REPEAT,
    CALENDAR,
    CHANNELS,
    FUNNEL,
    H_FROM,
    H_RATE_SAMPLE,
    H_SHARE_SAMPLE,
    L_AFTER_MODE,
    L_DECAY,
    L_GROWTH,
    L_MATURITY,
    L_NURTURE_STAGE,
    L_POOL_MONTHS,
    L_RECYCLE,
    NURTURE,
    SPEC,
    T_AFTER,
    T_TIMING,
)
from core.formats.xlsx.plan_read import load_plan_workbook
from core.formats.xlsx.plan_write import save_plan_workbook
from core.model.plan import AfterPlan, Nurture, Plan, Problem

# -- helpers -------------------------------------------------------------------


def saved(plan: Plan, folder: Path, name: str = "plan.xlsx") -> Path:
    path = folder / name
    save_plan_workbook(plan, path)
    return path


def find(ws: Worksheet, text: str) -> tuple[int, int]:
    """(row, column), 1-based, of the first cell holding ``text``."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell.row, cell.column
    raise AssertionError(f"{text!r} not on sheet {ws.title}")


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
        assert not re.search(r"\w+\[\d+\]|\b(after_plan|nurture|lag_profile|rate_sample|share_sample)\b", message), (
            message
        )
    return found


def at(sheet: str, row: int, col: int) -> str:
    """How a message names a cell: ``sheet 'Funnel', cell B14``."""
    return f"plan.xlsx, sheet '{sheet}', cell {openpyxl.utils.get_column_letter(col)}{row}"


def labelled(ws: Worksheet, label: str) -> tuple[int, int]:
    """The value cell right of a label."""
    row, col = find(ws, label)
    return row, col + 1


def timing_cell(ws: Worksheet, stage: str, month: int) -> tuple[int, int]:
    """The cell of ``stage``'s timing share ``month`` months after entering."""
    title_row, _ = find(ws, T_TIMING)
    head, key = find(ws, H_FROM)
    assert head > title_row
    col = find(ws, f"Month {month}")[1]
    for row in range(head + 1, ws.max_row + 1):
        if ws.cell(row, key).value == stage:
            return row, col
    raise AssertionError(f"no timing row for {stage}")


@pytest.fixture
def v2_plan(example_plan: Plan) -> Plan:
    """The example with a timing profile on two stages and every sample size filled."""
    stages = list(example_plan.stages)
    stages[1] = replace(stages[1], lag_days=None, lag_profile=(0.5, 0.5), rate_sample=812)
    stages[3] = replace(stages[3], lag_days=None, lag_profile=(0.1, 0.3, 0.3, 0.2, 0.0, 0.0, 0.0, 0.1), rate_sample=640)
    stages[0] = replace(stages[0], rate_sample=12000)
    spec = example_plan.lead_spec
    assert spec is not None
    criteria = tuple(replace(c, share_sample=300 + i) for i, c in enumerate(spec.criteria))
    return example_plan.with_changes(
        stages=tuple(stages),
        lead_spec=replace(spec, criteria=criteria),
        channels=tuple(replace(c, rate_sample=50 * (j + 1)) for j, c in enumerate(example_plan.channels)),
        after_plan=AfterPlan("none", 0.25),
        nurture=Nurture(0.4, 0.08, 0.03, 18, None, 0.5, tuple(500.0 + t for t in range(12))),
    )


# -- round trips ---------------------------------------------------------------


def test_example_with_nurture_and_far_edge_round_trips(example_plan: Plan, tmp_path: Path) -> None:
    assert example_plan.nurture is not None and example_plan.after_plan.growth == 0.10
    back, problems = load_plan_workbook(saved(example_plan, tmp_path))
    assert errors(problems) == []
    assert back == example_plan


def test_profiles_samples_and_per_month_hours_round_trip(v2_plan: Plan, tmp_path: Path) -> None:
    back, problems = load_plan_workbook(saved(v2_plan, tmp_path))
    assert errors(problems) == []
    assert back == v2_plan
    assert back is not None and back.stages[3].lag_profile == (0.1, 0.3, 0.3, 0.2, 0.0, 0.0, 0.0, 0.1)
    assert back.stages[3].lag_days is None and back.stages[2].lag_days == 30


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    weights=st.lists(st.lists(st.integers(0, 9), min_size=1, max_size=37).filter(any), min_size=5, max_size=5),
    which=st.lists(st.booleans(), min_size=5, max_size=5),
    growth=st.floats(-0.99, 10.0),
    mode=st.sampled_from(["repeat", "none"]),
    sample=st.one_of(st.none(), st.integers(1, 10**9)),
)
def test_any_profile_and_far_edge_round_trip(
    example_plan: Plan,
    tmp_path_factory: pytest.TempPathFactory,
    weights: list[list[int]],
    which: list[bool],
    growth: float,
    mode: str,
    sample: int | None,
) -> None:
    stages = list(example_plan.stages)
    for k, (w, on) in enumerate(zip(weights, which, strict=True)):
        if on:
            profile = tuple(x / sum(w) for x in w)
            stages[k] = replace(stages[k], lag_days=None, lag_profile=profile, rate_sample=sample)
    plan = example_plan.with_changes(stages=tuple(stages), after_plan=AfterPlan(mode, growth))  # type: ignore[arg-type]
    back, problems = load_plan_workbook(saved(plan, tmp_path_factory.mktemp("v2")))
    assert errors(problems) == []
    assert back == plan


def test_new_inputs_are_laid_out_for_people(v2_plan: Plan, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(saved(v2_plan, tmp_path))
    funnel = book[FUNNEL]
    row, col = timing_cell(funnel, "Opportunity", 1)
    assert funnel.cell(row, col).value == 0.3 and "%" in funnel.cell(row, col).number_format
    head, _ = find(funnel, H_FROM)
    assert [c.value for c in funnel[head] if c.value][-1] == "Month 7"  # as many months as the longest profile
    calendar = book[CALENDAR]
    mode = labelled(calendar, L_AFTER_MODE)
    assert calendar.cell(*mode).value == AFTER_NONE
    assert any(AFTER_REPEAT in str(dv.formula1) for dv in calendar.data_validations.dataValidation)
    growth = labelled(calendar, L_GROWTH)
    assert calendar.cell(*growth).value == 0.25 and "%" in calendar.cell(*growth).number_format
    # the block sits below the month table (whose cells stay where they were)
    assert find(calendar, T_AFTER)[0] > find(calendar, "2027-12")[0]
    assert find(calendar, "Month") == (12, 1)
    nurture = book[NURTURE]
    assert nurture.cell(*labelled(nurture, L_RECYCLE)).value == 0.4
    assert nurture.cell(*labelled(nurture, L_POOL_MONTHS)).value == 18
    assert nurture.cell(*labelled(nurture, L_NURTURE_STAGE)).value in (None, "")
    assert book[CHANNELS].cell(*find(book[CHANNELS], H_RATE_SAMPLE)).value == H_RATE_SAMPLE
    assert find(book[SPEC], H_SHARE_SAMPLE)


def test_profile_columns_grow_to_the_longest_profile(v2_plan: Plan, tmp_path: Path) -> None:
    stages = list(v2_plan.stages)
    stages[2] = replace(stages[2], lag_days=None, lag_profile=(0.0,) * 36 + (1.0,))
    book = openpyxl.load_workbook(saved(v2_plan.with_changes(stages=tuple(stages)), tmp_path))
    funnel = book[FUNNEL]
    head, _ = find(funnel, H_FROM)
    headers = [c.value for c in funnel[head] if c.value]
    assert headers == [H_FROM, *(f"Month {j}" for j in range(37))]


# -- workbooks saved before v2, and edits in Excel -----------------------------


def _remove_v2(book: Workbook) -> None:
    """The workbook as the first version wrote it: no timing table, no
    sample columns, no after-plan block, no nurture sheet."""
    del book[NURTURE]
    funnel = book[FUNNEL]
    title, _ = find(funnel, T_TIMING)
    funnel.delete_rows(title, funnel.max_row)
    funnel.delete_cols(find(funnel, H_RATE_SAMPLE)[1])
    channels = book[CHANNELS]
    row, col = find(channels, H_RATE_SAMPLE)  # the column beside the channels, not the fixed costs' month below
    for r in range(row - 1, find(channels, "Fixed cost per month")[0]):
        channels.cell(r, col).value = None
    spec = book[SPEC]
    while True:
        try:
            row, col = find(spec, H_SHARE_SAMPLE)
        except AssertionError:
            break
        for r in range(row - 1, spec.max_row + 1):
            spec.cell(r, col).value = None
    calendar = book[CALENDAR]
    title, _ = find(calendar, T_AFTER)
    calendar.delete_rows(title, 10)


def test_a_workbook_saved_before_v2_opens_with_the_defaults(v2_plan: Plan, tmp_path: Path) -> None:
    path = edit(saved(v2_plan, tmp_path), _remove_v2)
    back, problems = load_plan_workbook(path)
    assert errors(problems) == [], errors(problems)
    assert back is not None
    assert back.after_plan == AfterPlan() and back.nurture is None
    assert all(s.lag_profile is None and s.rate_sample is None for s in back.stages)
    assert back.stages[1].lag_days == 0.0  # the days of a stage that had a profile were blank: 0, as before
    assert all(c.rate_sample is None for c in back.channels)
    assert back.lead_spec is not None and all(c.share_sample is None for c in back.lead_spec.criteria)
    assert back.revenue_target == v2_plan.revenue_target


def test_a_profile_typed_in_excel_replaces_the_lag(example_plan: Plan, tmp_path: Path) -> None:
    def change(book: Workbook) -> None:
        funnel = book[FUNNEL]
        row, _ = find(funnel, "SQL")
        funnel.cell(row, find(funnel, "Lag to next stage (days)")[1]).value = None
        r, c = timing_cell(funnel, "SQL", 0)
        funnel.cell(r, c).value = 0.25
        funnel.cell(r, c + 2).value = 0.75  # Month 1 left blank: 0%

    back, problems = load_plan_workbook(edit(saved(example_plan, tmp_path), change))
    assert errors(problems) == []
    assert back is not None and back.stages[2].lag_profile == (0.25, 0.0, 0.75)
    assert back.stages[2].lag_days is None


def test_clearing_the_nurture_sheet_removes_the_pool(example_plan: Plan, tmp_path: Path) -> None:
    def change(book: Workbook) -> None:
        ws = book[NURTURE]
        for label in (L_NURTURE_STAGE, L_RECYCLE, L_MATURITY, L_DECAY, L_POOL_MONTHS, "Hours per lead a month"):
            ws.cell(*labelled(ws, label)).value = None
        head, col = find(ws, "Lead-development hours available")
        for row in range(head + 1, ws.max_row + 1):
            ws.cell(row, col).value = None

    back, problems = load_plan_workbook(edit(saved(example_plan, tmp_path), change))
    assert errors(problems) == []
    assert back is not None and back.nurture is None


# -- refusals at the cell ------------------------------------------------------


def _set(sheet: str, where: Callable[[Worksheet], tuple[int, int]], value: object) -> Callable[[Workbook], None]:
    def change(book: Workbook) -> None:
        ws = book[sheet]
        ws.cell(*where(ws)).value = value

    return change


def _profile_cell(stage: str, month: int) -> Callable[[Worksheet], tuple[int, int]]:
    return lambda ws: timing_cell(ws, stage, month)


def _label(label: str) -> Callable[[Worksheet], tuple[int, int]]:
    return lambda ws: labelled(ws, label)


def _column(stage: str, header: str) -> Callable[[Worksheet], tuple[int, int]]:
    return lambda ws: (find(ws, stage)[0], find(ws, header)[1])


BAD: list[tuple[str, str, Callable[[Worksheet], tuple[int, int]], object, str]] = [
    # (case, sheet, cell, value, words the message must hold)
    ("negative timing share", FUNNEL, _profile_cell("MQL", 1), -0.5, "between 0 and 1"),
    ("timing share of text", FUNNEL, _profile_cell("MQL", 1), "half", "share"),
    ("after-plan mode unknown", CALENDAR, _label(L_AFTER_MODE), "Forever", AFTER_REPEAT),
    ("after-plan mode as typed", CALENDAR, _label(L_AFTER_MODE), "Forever", "Text 'Forever'"),
    ("growth of -100%", CALENDAR, _label(L_GROWTH), -1.0, "more than -100%"),
    ("growth of 1001%", CALENDAR, _label(L_GROWTH), 10.01, "at most 1,000%"),
    ("nurture on the first stage", NURTURE, _label(L_NURTURE_STAGE), "Inquiry", "first stage"),
    ("nurture on the second stage", NURTURE, _label(L_NURTURE_STAGE), "mql", "second stage"),
    ("nurture on no stage", NURTURE, _label(L_NURTURE_STAGE), "Deal", "not a stage"),
    ("maturity 0", NURTURE, _label(L_MATURITY), 0, "more than 0"),
    ("maturity plus decay over 1", NURTURE, _label(L_DECAY), 0.95, "add up to more than 1"),
    ("recycle blank", NURTURE, _label(L_RECYCLE), None, "empty"),
    ("months in pool 0", NURTURE, _label(L_POOL_MONTHS), 0, "1 to 60"),
    ("months in pool 61", NURTURE, _label(L_POOL_MONTHS), 61, "1 to 60"),
    ("months in pool 2.5", NURTURE, _label(L_POOL_MONTHS), 2.5, "not a whole number"),
    ("hours per lead negative", NURTURE, _label("Hours per lead a month"), -1, "at least 0"),
    ("stage sample 0", FUNNEL, _column("SQL", H_RATE_SAMPLE), 0, "whole number from 1"),
    ("stage sample 2.5", FUNNEL, _column("SQL", H_RATE_SAMPLE), 2.5, "not a whole number"),
    ("channel sample 0", CHANNELS, _column("Webinars", H_RATE_SAMPLE), 0, "whole number from 1"),
    ("channel sample 2.5", CHANNELS, _column("Webinars", H_RATE_SAMPLE), 2.5, "not a whole number"),
    ("criterion sample 0", SPEC, _column("Budget confirmed", H_SHARE_SAMPLE), 0, "whole number from 1"),
    ("criterion sample 2.5", SPEC, _column("Budget confirmed", H_SHARE_SAMPLE), 2.5, "not a whole number"),
]


@pytest.mark.parametrize(("case", "sheet", "where", "value", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_v2_value_is_refused_at_its_cell(
    v2_plan: Plan,
    tmp_path: Path,
    case: str,
    sheet: str,
    where: Callable[[Worksheet], tuple[int, int]],
    value: object,
    words: str,
) -> None:
    path = saved(v2_plan.with_changes(after_plan=AfterPlan("repeat", 0.1)), tmp_path)
    cell = where(openpyxl.load_workbook(path)[sheet])
    found = refused(edit(path, _set(sheet, where, value)))
    named = [m for m in found if m.startswith(at(sheet, *cell) + ":")]
    assert named, f"{case}: no message names {at(sheet, *cell)}: {found}"
    assert any(words.casefold() in m.casefold() for m in named), f"{case}: {named}"


def _profile_row(stage: str, shares: list[float | None]) -> Callable[[Workbook], None]:
    def change(book: Workbook) -> None:
        ws = book[FUNNEL]
        row, col = timing_cell(ws, stage, 0)
        for j, share in enumerate(shares):
            ws.cell(row, col + j).value = share

    return change


def test_profile_not_adding_up_to_one_names_its_row(v2_plan: Plan, tmp_path: Path) -> None:
    path = saved(v2_plan, tmp_path)
    row, col = timing_cell(openpyxl.load_workbook(path)[FUNNEL], "MQL", 0)
    found = refused(edit(path, _profile_row("MQL", [0.5, 0.4])))
    assert any(m.startswith(at(FUNNEL, row, col)) and "add up to 0.9" in m for m in found), found


def test_profile_given_with_lag_days_names_its_row(v2_plan: Plan, tmp_path: Path) -> None:
    path = saved(v2_plan, tmp_path)
    row, col = timing_cell(openpyxl.load_workbook(path)[FUNNEL], "MQL", 0)
    found = refused(edit(path, _set(FUNNEL, _column("MQL", "Lag to next stage (days)"), 21)))
    assert any(m.startswith(at(FUNNEL, row, col)) and "not both" in m for m in found), found


def test_profile_longer_than_37_months_is_refused(v2_plan: Plan, tmp_path: Path) -> None:
    def change(book: Workbook) -> None:
        ws = book[FUNNEL]
        head, key = find(ws, H_FROM)
        row, _ = timing_cell(ws, "MQL", 0)
        for j in range(38):
            ws.cell(head, key + 1 + j).value = f"Month {j}"
            ws.cell(row, key + 1 + j).value = 1 / 38
        ws.cell(row, key + 1).value = 1 - 37 * (1 / 38)

    path = saved(v2_plan, tmp_path)
    row, col = timing_cell(openpyxl.load_workbook(path)[FUNNEL], "MQL", 0)
    found = refused(edit(path, change))
    assert any(m.startswith(at(FUNNEL, row, col)) and "38 months" in m and "at most 37" in m for m in found), found


def test_a_bad_timing_header_is_named(v2_plan: Plan, tmp_path: Path) -> None:
    path = saved(v2_plan, tmp_path)
    header = find(openpyxl.load_workbook(path)[FUNNEL], "Month 2")
    found = refused(edit(path, _set(FUNNEL, lambda ws: header, "Later")))
    assert any(m.startswith(at(FUNNEL, *header)) and "'Month 0'" in m for m in found), found


def test_unknown_timing_stage_is_named(v2_plan: Plan, tmp_path: Path) -> None:
    path = saved(v2_plan, tmp_path)
    row, _ = timing_cell(openpyxl.load_workbook(path)[FUNNEL], "MQL", 0)
    found = refused(edit(path, _set(FUNNEL, lambda ws: (row, 1), "Marketing qualified")))
    assert any(m.startswith(at(FUNNEL, row, 1)) and "names no stage" in m for m in found), found


def test_lead_development_hours_per_month_are_named(v2_plan: Plan, tmp_path: Path) -> None:
    def where(ws: Worksheet) -> tuple[int, int]:
        return find(ws, "2027-05")[0], find(ws, "Lead-development hours available")[1]

    path = saved(v2_plan, tmp_path)
    cell = where(openpyxl.load_workbook(path)[NURTURE])
    found = refused(edit(path, _set(NURTURE, where, 0)))
    assert any(m.startswith(at(NURTURE, *cell)) for m in found), found
