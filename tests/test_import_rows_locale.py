"""Issue 8 item 7: total and summary rows left out with a note; numbers and
dates written as text read by one locale rule per column, ambiguity warned
about; import messages in the user's words (issue 9).

End-to-end tests go through the command line, as the tester did:
``python main.py import FILE --out PLAN.xlsx``.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.formats.documents import load_plan
from core.importer.dates import decide_order, format_date, parse_dates
from core.importer.numbers import decide_separators, format_number, parse_numbers
from core.importer.summaries import find_summary_rows, is_summary_label, left_out_note
from core.importer.wording import field_words
from core.model.plan import Plan
from tests.data_builders import LeadData, lead_text_rows, make_leads, summary_block, write_table

ROOT = Path(__file__).resolve().parent.parent


def _import(source: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "import", str(source), "--out", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=180,
    )


def _plan(out: Path) -> Plan:
    plan, problems = load_plan(out)
    assert plan is not None, problems
    return plan


def _eu_amount(value: float) -> str:
    return format_number(value, ",", ".")


def _fr_amount(value: float) -> str:
    return format_number(value, ",", "\u00a0")


def _day_first(day: np.datetime64) -> str:
    return format_date(day.astype(object), day_first=True)


def _won_mean(data: LeadData) -> float:
    return float(np.nanmean(np.round(data.amount, 2)))


@pytest.fixture(scope="module")
def leads() -> LeadData:
    return make_leads(2500, seed=21)


# --------------------------------------------------------------------------- the command line, as the tester


def test_total_row_and_closed_won_block_are_left_out_with_a_note(tmp_path: Path, leads: LeadData) -> None:
    rows = lead_text_rows(leads) + summary_block(leads)
    source = write_table(tmp_path / "crm.xlsx", {"Leads": rows})
    done = _import(source, tmp_path / "plan.xlsx")
    assert done.returncode == 0, done.stderr
    plan = _plan(tmp_path / "plan.xlsx")
    assert "Total" not in {c.name for c in plan.channels}
    assert {c.name for c in plan.channels} == set(leads.truth.channels)
    assert plan.avg_deal_size == pytest.approx(_won_mean(leads), abs=0.01)  # not doubled by the block
    last = len(rows)
    lead_rows = len(leads.created) + 1
    note = (
        f"Left out 6 summary rows at the bottom of sheet 'Leads' (rows {lead_rows + 1:,}, "
        f"{lead_rows + 3:,}–{last:,}): 'Total'"
    )
    assert note in done.stdout


def test_subtotal_rows_between_groups_are_left_out(tmp_path: Path, leads: LeadData) -> None:
    rows = lead_text_rows(leads)
    rows.insert(100, ["", "Webinars Total", "", "", "", "", "", "999999"])
    source = write_table(tmp_path / "grouped.xlsx", {"Leads": rows})
    done = _import(source, tmp_path / "plan.json")
    assert done.returncode == 0, done.stderr
    assert "Left out 1 summary row on sheet 'Leads' (row 101): 'Webinars Total'" in done.stdout
    assert _plan(tmp_path / "plan.json").avg_deal_size == pytest.approx(_won_mean(leads), abs=0.01)


@pytest.mark.parametrize("amount_text", [_eu_amount, _fr_amount], ids=["12.345,67", "12 345,67"])
def test_european_text_amounts_give_the_same_plan_as_numbers(
    tmp_path: Path, leads: LeadData, amount_text: Callable[[float], str]
) -> None:
    plain = write_table(tmp_path / "plain.xlsx", {"Leads": lead_text_rows(leads)})
    local = write_table(tmp_path / "local.xlsx", {"Leads": lead_text_rows(leads, amount_text=amount_text)})
    assert _import(plain, tmp_path / "plain.json").returncode == 0
    done = _import(local, tmp_path / "local.json")
    assert done.returncode == 0, done.stderr
    assert _plan(tmp_path / "local.json").avg_deal_size == pytest.approx(_won_mean(leads), abs=0.01)
    assert _plan(tmp_path / "local.json") == _plan(tmp_path / "plain.json").with_changes(
        notes=_plan(tmp_path / "local.json").notes
    )


def test_day_first_text_dates_give_the_same_lags_as_date_cells(tmp_path: Path, leads: LeadData) -> None:
    iso = write_table(tmp_path / "iso.xlsx", {"Leads": lead_text_rows(leads)})
    local = write_table(tmp_path / "dmy.xlsx", {"Leads": lead_text_rows(leads, date_text=_day_first)})
    assert _import(iso, tmp_path / "iso.json").returncode == 0
    done = _import(local, tmp_path / "dmy.json")
    assert done.returncode == 0, done.stderr
    want = [s.lag_days for s in _plan(tmp_path / "iso.json").stages]
    assert [s.lag_days for s in _plan(tmp_path / "dmy.json").stages] == want
    assert "day-first or month-first" not in done.stdout  # the 13th and later decide: nothing to warn about


def test_all_ambiguous_dates_are_read_month_first_with_a_warning_naming_the_column(tmp_path: Path) -> None:
    rows = [["Created Date", "Lead Source", "Status", "MQL Date"]]
    for i in range(60):
        month, day = 1 + i % 12, 1 + (i * 5) % 12  # both numbers at most 12
        rows.append([f"{month:02d}/{day:02d}/2025", "Webinars", "MQL", f"{month:02d}/{day:02d}/2025"])
    source = write_table(tmp_path / "ambiguous.xlsx", {"Leads": rows})
    done = _import(source, tmp_path / "plan.json")
    assert done.returncode == 0, done.stderr
    assert (
        "sheet 'Leads', column A ('Created Date'): no date in the column shows whether it is written day-first or "
        "month-first (e.g. '02/06/2025'); read as month-first (the US convention), so '02/06/2025' is 6 February."
    ) in done.stdout


def test_a_column_mixing_day_first_and_month_first_dates_is_refused(tmp_path: Path, leads: LeadData) -> None:
    rows = lead_text_rows(leads, date_text=_day_first)
    rows[5][0] = "03/25/2025"  # month-first, among day-first dates such as 25/03/2025
    source = write_table(tmp_path / "mixed.xlsx", {"Leads": rows})
    done = _import(source, tmp_path / "plan.json")
    assert done.returncode != 0
    assert "column A ('Created Date'): the dates are written both day-first" in done.stderr
    assert "and month-first ('03/25/2025')" in done.stderr
    assert not (tmp_path / "plan.json").exists()


def test_import_messages_name_fields_in_words_not_json_paths(tmp_path: Path, leads: LeadData) -> None:
    source = write_table(tmp_path / "crm.xlsx", {"Leads": lead_text_rows(leads)})
    done = _import(source, tmp_path / "plan.json")
    assert done.returncode == 0, done.stderr
    problems = done.stdout.split("Problems:")[-1]
    assert "warning: Channels of the base plan not in the data were dropped" in problems
    for path_like in ("channels[", "stages[", "revenue_target", "lead_spec", "mapping."):
        assert path_like not in problems


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("texts", "decimal", "guessed"),
    [
        (["12.345,67", "1.234"], ",", False),
        (["12 345,67", "7,5"], ",", False),
        (["1,234.50", "1.234"], ".", False),
        (["1.234.567"], ",", False),
        (["0.125"], ".", False),
        (["1.234", "45.000"], ".", True),
        (["1,234", "99"], ".", True),
        (["1200", "99"], ".", False),
    ],
)
def test_separator_decision_from_the_whole_column(texts: list[str], decimal: str, guessed: bool) -> None:
    rule = decide_separators(texts)
    assert (rule.decimal, rule.guessed, rule.conflict) == (decimal, guessed, ())


def test_separator_hint_decides_only_when_the_column_does_not() -> None:
    assert decide_separators(["1.234", "45.000"], hint=",").decimal == ","
    assert decide_separators(["1.234,5"], hint=".").decimal == ","
    assert decide_separators(["1,234.50", "12,5"]).conflict == ("1,234.50", "12,5")


def test_parse_numbers_reads_currency_spaces_and_accounting_negatives() -> None:
    rule = decide_separators(["€ 1.234,50", "(2.000,00)", "12\u202f345,67", "USD 7"])
    got = parse_numbers(pd.Series(["€ 1.234,50", "(2.000,00)", "12\u202f345,67", "USD 7", "lots"]), rule)
    assert got[:4].tolist() == [1234.5, -2000.0, 12345.67, 7.0]
    assert np.isnan(got[4])


_GROUPS = st.sampled_from([(".", ","), (",", "."), (",", " "), (",", "\u00a0"), (".", "'"), (".", "")])


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), min_size=1, max_size=20),
    style=_GROUPS,
)
def test_numbers_round_trip_through_any_locale_style(values: list[float], style: tuple[str, str]) -> None:
    decimal, group = style
    values = [round(v, 2) for v in values] + [1234567.25]  # one value that shows the decimal mark
    texts = [format_number(v, decimal, group) for v in values]  # type: ignore[arg-type]
    rule = decide_separators(texts)
    assert not rule.conflict and rule.decimal == decimal
    assert parse_numbers(pd.Series(texts), rule).tolist() == pytest.approx(values, abs=1e-6)


# --------------------------------------------------------------------------- dates


def test_date_order_decision() -> None:
    assert decide_order(["25/03/2026", "01/02/2026"]).day_first
    assert not decide_order(["03/25/2026", "01/02/2026"]).day_first
    assert decide_order(["25/03/2026", "03/25/2026"]).conflict == ("25/03/2026", "03/25/2026")
    guess = decide_order(["01/02/2026", "05.06.2026"])
    assert guess.guessed and not guess.day_first and guess.ambiguous_example == "01/02/2026"
    assert decide_order(["01/02/2026"], hint=True).day_first
    assert not decide_order(["01/01/2026", "2026-03-05"]).guessed  # reads the same either way


@settings(max_examples=60, deadline=None)
@given(
    days=st.lists(st.dates(min_value=dt.date(1971, 1, 1), max_value=dt.date(2068, 12, 31)), min_size=1, max_size=30),
    day_first=st.booleans(),
    sep=st.sampled_from(["/", ".", "-"]),
    short=st.booleans(),
)
def test_dates_round_trip_through_either_order(days: list[dt.date], day_first: bool, sep: str, short: bool) -> None:
    days = [*days, dt.date(2026, 3, 25)]  # the 25th shows the order
    texts = [format_date(d, day_first, sep, short) for d in days]
    order = decide_order(texts)
    assert order.day_first == day_first and not order.conflict
    got = parse_dates(pd.Series(texts), order)
    want = [(d - dt.date(1970, 1, 1)).days for d in days]
    assert got.tolist() == want


def test_impossible_dates_are_not_read() -> None:
    order = decide_order(["31/02/2026", "25/03/2026"])
    assert np.isnan(parse_dates(pd.Series(["31/02/2026"]), order)[0])


# --------------------------------------------------------------------------- summaries and wording


@pytest.mark.parametrize(
    "text", ["Total", "Grand Totals", "Webinars Total", "Subtotal:", "Sum", "Count", "Average", "Grand Total"]
)
def test_summary_labels(text: str) -> None:
    assert is_summary_label(text)
    assert is_summary_label("Confidential Information - Do Not Distribute")


@pytest.mark.parametrize("text", ["Webinars", "Closed Won", "Totally Events", "Summit 2025", ""])
def test_ordinary_values_are_not_summary_labels(text: str) -> None:
    assert not is_summary_label(text)


def test_trailing_block_goes_only_when_small_and_summary_like() -> None:
    n = 100
    blank = np.zeros(n, dtype=bool)
    blank[90] = True
    labels = np.zeros(n, dtype=bool)
    labels[95] = True
    assert np.flatnonzero(find_summary_rows(labels, None, None, blank)).tolist() == list(range(91, 100))
    assert not find_summary_rows(np.zeros(n, dtype=bool), None, None, blank).any()  # leads after a blank row stay
    big_blank = np.zeros(n, dtype=bool)
    big_blank[10] = True
    labels = np.zeros(n, dtype=bool)
    labels[99] = True
    assert np.flatnonzero(find_summary_rows(labels, None, None, big_blank)).tolist() == [99]


def test_left_out_note_wording() -> None:
    note = left_out_note("Leads", [1204, 1205, 1206], ["Total", "Webinars", "Total"], at_bottom=True)
    assert note.startswith("Left out 3 summary rows at the bottom of sheet 'Leads' (rows 1,204–1,206): 'Total', ")


def test_field_paths_in_words(example_plan: Plan) -> None:
    assert field_words("channels[0].cost_per_lead", example_plan) == (
        f"Channel '{example_plan.channels[0].name}' cost per lead"
    )
    first, second = example_plan.stages[0].name, example_plan.stages[1].name
    assert field_words("stages[0].lag_days", example_plan) == f"{first} → {second} lag (days)"
    assert field_words("revenue_target[2]", example_plan) == "Revenue target, month 3"
    assert field_words("Created Date", example_plan) == "Created Date"


def test_a_lead_without_created_date_but_with_stage_dates_is_kept(tmp_path: Path, leads: LeadData) -> None:
    from core.importer import calibrate, scan_workbook

    rows = lead_text_rows(leads)
    won = next(i for i, row in enumerate(rows) if i and row[7])  # a won lead: it has an amount
    rows[won][0] = ""
    source = write_table(tmp_path / "no created.xlsx", {"Leads": rows})
    scan = scan_workbook(source)
    calibration = calibrate(scan, _plan_of_example())
    assert calibration.rows == len(leads.created)
    assert not any("Left out" in p.message for p in calibration.problems)


def _plan_of_example() -> Plan:
    from core.paths import example_plan_path

    return _plan(example_plan_path())


def test_total_channel_rows_of_a_long_monthly_summary_are_left_out(tmp_path: Path) -> None:
    from core.importer import calibrate, scan_workbook

    rows: list[list[object]] = [["Month", "Channel", "Inquiries", "MQLs", "Spend"]]
    for month in range(1, 13):
        webinars, search = (
            [f"2025-{month:02d}", "Webinars", 300.0, 90.0, 24000.0],
            [
                f"2025-{month:02d}",
                "Paid search",
                100.0,
                20.0,
                15000.0,
            ],
        )
        rows += [webinars, search, [f"2025-{month:02d}", "Total", 400.0, 110.0, 39000.0]]
    source = write_table(tmp_path / "long.xlsx", {"Funnel": rows})
    calibration = calibrate(scan_workbook(source), _plan_of_example())
    assert calibration.plan is not None, calibration.problems
    mix = {c.name: c.mix for c in calibration.plan.channels}
    assert mix == pytest.approx({"Webinars": 0.75, "Paid search": 0.25})
    assert any(p.message.startswith("Left out 12 summary rows on sheet 'Funnel'") for p in calibration.problems)


def test_a_monthly_figure_column_s_warning_names_that_column(tmp_path: Path) -> None:
    # a monthly summary whose spend column has only thousands-like text ('1,200'): the
    # guess is warned about against that column and its header, not the month column
    rows = [["Month", "Inquiries", "MQLs", "SQLs", "Webinars spend"]]
    for m in range(1, 13):
        rows.append([f"2025-{m:02d}", 300 + m, 120 + m, 40 + m, f"{m},200"])
    source = write_table(tmp_path / "monthly.xlsx", {"Summary": rows})
    done = _import(source, tmp_path / "plan.json")
    assert done.returncode == 0, done.stderr
    assert "column E ('Webinars spend'): no number in the column shows which mark separates decimals" in done.stdout
    assert "('Month'): no number" not in done.stdout
