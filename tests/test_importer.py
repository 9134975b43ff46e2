"""Importing last year's spreadsheet and calibrating a plan from it.

Known-answer tests: workbooks generated with known rates, lags, mix, cost
per lead, criteria shares and seasonality; the calibration must recover
them (within sampling tolerance for simulated leads, exactly for monthly
summaries built without noise).
"""

from __future__ import annotations

import datetime
import itertools
import json
import math
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.calc.feasibility import validate
from core.importer import (
    ColumnMapping,
    ImportCancelled,
    calibrate,
    describe,
    load_mapping,
    scan_workbook,
)
from core.importer.columns import guess_role, normalize
from core.model.plan import Criterion, LeadSpec, Plan, Stage
from tests.data_builders import (
    LeadTruth,
    MonthlyTruth,
    make_leads,
    write_leads,
    write_monthly,
    write_table,
)


def _errors(problems: tuple[object, ...]) -> list[object]:
    return [p for p in problems if getattr(p, "severity", "") == "error"]


def _spec_plan(example: Plan) -> Plan:
    """The example plan with a lead spec whose criteria are the generated ones:
    Budget (30) or nothing; Target industry required; threshold 30."""
    spec = LeadSpec(
        gate="SQL",
        threshold=30,
        criteria=(
            Criterion("Budget confirmed", 30, 0.3),
            Criterion("Decision maker engaged", 25, 0.3),
            Criterion("Target industry", 0, 0.5, required=True),
        ),
    )
    return example.with_changes(lead_spec=spec, proposed_lead_spec=replace(spec, threshold=55))


@pytest.fixture(scope="module")
def leads_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    data = make_leads(20_000, seed=11, start="2024-01-01", days=731)
    path = write_leads(data, tmp_path_factory.mktemp("leads") / "crm export.xlsx")
    return path, data


@pytest.fixture(scope="module")
def leads_result(leads_file, example_plan_module):  # type: ignore[no-untyped-def]
    path, data = leads_file
    scan = scan_workbook(path)
    base = _spec_plan(example_plan_module)
    return scan, calibrate(scan, base), data, base


@pytest.fixture(scope="module")
def example_plan_module() -> Plan:
    from core.formats.plan_json import load_plan_json
    from core.paths import example_plan_path

    plan, problems = load_plan_json(example_plan_path())
    assert plan is not None, problems
    return plan


# --------------------------------------------------------------------------- recognising


def test_leads_scan_finds_second_sheet_header_below_title_and_odd_headers(leads_result) -> None:  # type: ignore[no-untyped-def]
    scan, _, _, _ = leads_result
    assert scan.ok, scan.problems
    assert scan.sheet == "Leads"
    assert scan.header_row == 3
    assert scan.shape == "leads"
    roles = scan.recognised
    assert roles["created_DATE"] == "created_date"
    assert roles["lead source"] == "channel"
    assert roles["STATUS"] == "status"
    assert roles["mql date"] == "date:MQL"
    assert roles["Sql_Date"] == "date:SQL"
    assert roles["Opportunity Created Date"] == "date:Opportunity"
    assert roles["Closed Won Date"] == "date:Won"
    assert roles["Amount"] == "amount"
    assert roles["Budget confirmed"] == "criterion:Budget confirmed"
    assert [c.address for c in scan.columns][:2] == ["A3", "B3"]
    assert [i.header for i in scan.ignored] == ["Notes"]
    assert scan.spend_table is not None and scan.spend_table.sheet == "Spend"
    assert len(scan.preview) == 21 and scan.preview[0][0].strip() == "created_DATE"


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("MQLs", "stage:MQL"),
        ("Marketing Qualified Leads", "stage:MQL"),
        ("  marketing_qualified_LEADS ", "stage:MQL"),
        ("# of SQLs", "stage:SQL"),
        ("Lead Source", "channel"),
        ("Created Date", "created_date"),
        ("Create Date", "created_date"),
        ("Amount", "amount"),
        ("Deal Value", "amount"),
        ("Deals", "stage:Won"),
        ("Closed Won Date", "date:Won"),
        ("Opportunity Created Date", "date:Opportunity"),
        ("Webinars leads", "stage:Inquiry@Webinars"),
        ("Paid search spend", "spend@Paid search"),
        ("Marketing spend", "spend"),
        ("Revenue", "revenue"),
        ("Favourite colour", None),
    ],
)
def test_synonyms(header: str, role: str | None) -> None:
    assert guess_role(header) == role


@given(
    st.sampled_from(["MQLs", "Lead Source", "Created Date", "Deal Value", "Opportunities", "Closed Won Date"]),
    st.lists(st.sampled_from([" ", "_", "  "]), min_size=2, max_size=2),
    st.sampled_from([str.upper, str.lower, str.title, lambda s: s]),
)
@settings(max_examples=60, deadline=None)
def test_recognition_ignores_case_and_stray_spaces(header: str, pads: list[str], case) -> None:  # type: ignore[no-untyped-def]
    odd = pads[0] + case(header).replace(" ", "_") + pads[1]
    assert guess_role(odd) == guess_role(header) is not None
    assert normalize(odd) == normalize(header)


# --------------------------------------------------------------------------- lead-level known answers


def mean_lag(stage: Stage) -> float:
    """A stage's mean lag in days, from its lag or its timing profile."""
    if stage.lag_profile is not None:
        return 365.25 / 12 * sum(j * p for j, p in enumerate(stage.lag_profile))
    return stage.lag_days or 0.0


def test_leads_calibration_recovers_known_rates_lags_and_mix(leads_result) -> None:  # type: ignore[no-untyped-def]
    _, calibration, data, _base = leads_result
    truth: LeadTruth = data.truth
    plan = calibration.plan
    assert plan is not None, calibration.problems
    assert not _errors(validate(plan))
    rates = [s.rate for s in plan.stages[:-1]]
    assert rates[0] == pytest.approx(truth.rates[0], rel=0.04)
    assert rates[1] == pytest.approx(truth.rates[1], rel=0.05)
    assert rates[2] == pytest.approx(truth.rates[2], rel=0.06)
    # the data has no Proposal stage: Opportunity -> Won is the product of the two plan rates
    assert rates[3] * rates[4] == pytest.approx(truth.rates[3], rel=0.08)
    # timing from cohorts: a profile by month whose mean lag is the true mean (lags are exponential: median / ln 2)
    lags = [mean_lag(s) for s in plan.stages[:-1]]
    means = [lag / math.log(2) for lag in truth.lags]
    assert lags[0] == pytest.approx(means[0], rel=0.2)
    assert lags[1] == pytest.approx(means[1], rel=0.2)
    assert lags[2] == pytest.approx(means[2], rel=0.2)
    assert lags[3] + lags[4] == pytest.approx(means[3], rel=0.2)
    mix = {c.name: c.mix for c in plan.channels}
    assert math.fsum(mix.values()) == pytest.approx(1.0, abs=1e-12)
    for name, (share, _) in truth.channels.items():
        assert mix[name] == pytest.approx(share, abs=0.015)
    scale = truth.rates[0] / truth.first_rate()
    for channel in plan.channels:
        assert channel.rate == pytest.approx(truth.channels[channel.name][1] * scale, rel=0.08)
        assert channel.cost_per_lead == pytest.approx(truth.spend_cpl[channel.name], rel=1e-9)
    assert plan.avg_deal_size == pytest.approx(truth.deal_size, rel=0.03)


def test_leads_criteria_shares_and_empirical_pass_rate(leads_result) -> None:  # type: ignore[no-untyped-def]
    _, calibration, data, _ = leads_result
    plan = calibration.plan
    assert plan is not None and plan.lead_spec is not None
    shares = {c.name: c.share for c in plan.lead_spec.criteria}
    for name, share in data.truth.criteria.items():
        assert shares[name] == pytest.approx(share, abs=0.03)
    # each share carries the number of assessed leads it rests on
    figure_samples = {f.field: f.sample for f in calibration.figures}
    for i, criterion in enumerate(plan.lead_spec.criteria):
        if criterion.name in data.truth.criteria:
            assert criterion.share_sample == figure_samples[f"lead_spec.criteria[{i}].share"] > 0
    empirical = plan.lead_spec.empirical
    assert empirical is not None
    presented = int((~np.isnan(data.stage_dates[:, 0])).sum())  # leads reaching MQL, the stage before the gate
    assert empirical.sample == presented
    expected = data.truth.criteria["Target industry"] * data.truth.criteria["Budget confirmed"]
    assert empirical.pass_rate == pytest.approx(expected, abs=0.03)
    proposed = plan.proposed_lead_spec
    assert proposed is not None and proposed.empirical is not None
    assert proposed.empirical.pass_rate == pytest.approx(
        data.truth.criteria["Target industry"]
        * data.truth.criteria["Budget confirmed"]
        * data.truth.criteria["Decision maker engaged"],
        abs=0.03,
    )


def test_leads_seasonality_profile_sums_to_one_and_keeps_the_target_total(leads_result) -> None:  # type: ignore[no-untyped-def]
    _, calibration, _, base = leads_result
    figure = calibration.figure("revenue_target")
    assert figure is not None and isinstance(figure.value, tuple) and len(figure.value) == 12
    assert math.fsum(figure.value) == pytest.approx(1.0)
    plan = calibration.plan
    assert plan is not None
    assert math.fsum(plan.revenue_target) == pytest.approx(math.fsum(base.revenue_target))
    start = int(plan.start[5:7]) - 1
    ratio = plan.revenue_target[0] / plan.revenue_target[1]
    assert ratio == pytest.approx(figure.value[start] / figure.value[start + 1])


def test_every_figure_has_a_sample_size_and_a_field(leads_result) -> None:  # type: ignore[no-untyped-def]
    _, calibration, _, _ = leads_result
    fields = {f.field for f in calibration.figures}
    assert {
        "stages[0].rate",
        "stages[0].lag_profile",
        "channels[0].mix",
        "avg_deal_size",
        "lead_spec.empirical.pass_rate",
    } <= fields
    for figure in calibration.figures:
        assert figure.sample > 0
        assert (figure.warning is None) == (figure.sample >= 30) or figure.warning is not None


def test_in_flight_cohorts_do_not_bias_rates_down(tmp_path: Path, example_plan: Plan) -> None:
    truth = LeadTruth(lags=(20.0, 30.0, 45.0, 90.0))
    data = make_leads(12_000, seed=4, truth=truth, start="2025-01-01", days=365)
    path = write_leads(data, tmp_path / "inflight.xlsx", with_criteria=False, with_spend=False)
    calibration = calibrate(scan_workbook(path), example_plan)
    plan = calibration.plan
    assert plan is not None, calibration.problems
    reached = ~np.isnan(data.stage_dates)
    naive_sql_opp = reached[:, 2].sum() / reached[:, 1].sum()
    naive_opp_won = reached[:, 3].sum() / reached[:, 2].sum()
    # the naive rates (every lead counted, in flight or not) are visibly low
    assert naive_sql_opp < 0.9 * truth.rates[2]
    assert naive_opp_won < 0.75 * truth.rates[3]
    assert plan.stages[2].rate == pytest.approx(truth.rates[2], rel=0.07)
    assert plan.stages[3].rate * plan.stages[4].rate == pytest.approx(truth.rates[3], rel=0.15)
    figure = calibration.figure("stages[2].rate")
    assert figure is not None and "cohort" in figure.basis


def test_small_samples_are_flagged(tmp_path: Path, example_plan: Plan) -> None:
    data = make_leads(150, seed=2, start="2025-01-01", days=365)
    path = write_leads(data, tmp_path / "small.xlsx")
    calibration = calibrate(scan_workbook(path), example_plan)
    assert calibration.plan is not None, calibration.problems
    small = [f for f in calibration.figures if f.sample < 30]
    assert small, "a 150-lead file has figures resting on fewer than 30 items"
    for figure in small:
        assert figure.warning is not None and str(figure.sample) in figure.warning
    assert any(f.sample >= 30 and f.warning is None for f in calibration.figures)
    assert calibration.warnings


# --------------------------------------------------------------------------- monthly known answers


def test_monthly_wide_summary_recovers_exact_figures(tmp_path: Path, example_plan: Plan) -> None:
    truth = MonthlyTruth()
    path = write_monthly(tmp_path / "summary.xlsx", truth)
    scan = scan_workbook(path)
    assert scan.ok and scan.shape == "monthly" and scan.sheet == "Summary" and scan.header_row == 3
    assert scan.recognised["Webinars Leads"] == "stage:Inquiry@Webinars"
    calibration = calibrate(scan, example_plan)
    plan = calibration.plan
    assert plan is not None, calibration.problems
    assert not _errors(validate(plan))
    assert calibration.rows == truth.months  # the "Total" row is skipped
    assert plan.stages[0].rate == pytest.approx(truth.rates[0])
    assert plan.stages[1].rate == pytest.approx(truth.rates[1])
    assert plan.stages[2].rate == pytest.approx(truth.rates[2])
    assert plan.stages[3].rate * plan.stages[4].rate == pytest.approx(truth.rates[3])
    assert [s.lag_days for s in plan.stages] == [s.lag_days for s in example_plan.stages]
    mix = {c.name: c.mix for c in plan.channels}
    cpl = {c.name: c.cost_per_lead for c in plan.channels}
    for name, share in truth.mix.items():
        assert mix[name] == pytest.approx(share)
        assert cpl[name] == pytest.approx(truth.cpl[name])
    assert plan.avg_deal_size == pytest.approx(truth.deal_size)
    figure = calibration.figure("revenue_target")
    assert figure is not None
    season = np.array(truth.season) / sum(truth.season)
    assert np.allclose(figure.value, season)
    assert math.fsum(plan.revenue_target) == pytest.approx(math.fsum(example_plan.revenue_target))


def test_monthly_long_format_gives_channel_rates(tmp_path: Path, example_plan: Plan) -> None:
    truth = MonthlyTruth()
    path = write_monthly(tmp_path / "long.xlsx", truth, long=True)
    calibration = calibrate(scan_workbook(path), example_plan)
    plan = calibration.plan
    assert plan is not None, calibration.problems
    assert plan.stages[1].rate == pytest.approx(truth.rates[1])
    for channel in plan.channels:
        assert channel.mix == pytest.approx(truth.mix[channel.name])
        assert channel.cost_per_lead == pytest.approx(truth.cpl[channel.name])
        assert channel.rate == pytest.approx(truth.rates[0])


# --------------------------------------------------------------------------- mapping


def test_mapping_overrides_the_guess(tmp_path: Path, example_plan: Plan) -> None:
    rows: list[list[object]] = [["Export"], ["Src", "Dt", "Became MQL", "Opp", "Stage", "Comment"]]
    rng = np.random.default_rng(3)
    base = np.datetime64("2025-01-01")
    for i in range(400):
        created = base + np.timedelta64(int(rng.integers(0, 200)), "D")
        mql = created + np.timedelta64(7, "D") if i % 2 == 0 else None
        rows.append(["Webinars" if i % 4 else "Paid search", created, mql, None, "Working", "call back"])
    path = write_table(tmp_path / "odd.xlsx", {"Data": rows}, {"Data": [1, 2]})
    mapping_path = tmp_path / "map.json"
    mapping_path.write_text(
        json.dumps(
            {
                "sheet": "data",
                "header_row": 2,
                "columns": {
                    "Src": "channel",
                    "Dt": "created_date",
                    "Became MQL": "date:MQL",
                    "Opp": "ignore",
                    "Stage": "status",
                },
                "statuses": {"Working": None},
            }
        )
    )
    mapping, problems = load_mapping(mapping_path)
    assert mapping is not None and not problems
    scan = scan_workbook(path, mapping)
    assert scan.ok, scan.problems
    assert scan.header_row == 2 and scan.shape == "leads"
    assert scan.recognised == {"Src": "channel", "Dt": "created_date", "Became MQL": "date:MQL", "Stage": "status"}
    assert all(c.source == "mapping" for c in scan.columns)
    assert {i.header for i in scan.ignored} == {"Opp", "Comment"}
    calibration = calibrate(scan, example_plan)
    assert calibration.plan is not None, calibration.problems
    # half the leads move on after 7 days: by cohorts, within the sampling error of 400 leads
    assert calibration.plan.stages[0].rate == pytest.approx(0.5, abs=0.03)
    assert mean_lag(calibration.plan.stages[0]) == pytest.approx(7, rel=0.2)
    # without the mapping, 'Src' and 'Dt' are not recognised and 'Opp' is taken for a stage
    guessed = scan_workbook(path).recognised
    assert "Src" not in guessed and "Dt" not in guessed and guessed["Opp"] == "stage:Opportunity"


def test_bad_mapping_files_are_problems(tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"sheet": "Leads",')
    mapping, problems = load_mapping(bad_json)
    assert mapping is None and "not valid JSON" in problems[0].message and problems[0].location == "bad.json"
    bad_role = tmp_path / "role.json"
    bad_role.write_text(json.dumps({"columns": {"Src": "favourite"}, "header_row": 0}))
    mapping, problems = load_mapping(bad_role)
    assert mapping is None
    assert {p.field for p in problems} == {"mapping file, \"columns\" entry 'Src'", 'mapping file, "header_row"'}
    mapping, problems = load_mapping(tmp_path / "missing.json")
    assert mapping is None and "does not exist" in problems[0].message


def test_mapping_naming_a_missing_sheet_is_a_problem(leads_file) -> None:  # type: ignore[no-untyped-def]
    path, _ = leads_file
    scan = scan_workbook(path, ColumnMapping(sheet="Nope"))
    assert not scan.ok
    assert "Nope" in scan.problems[0].message and "Leads" in scan.problems[0].message


# --------------------------------------------------------------------------- bad files and cells


def test_text_in_a_date_cell_is_refused_with_sheet_and_cell(tmp_path: Path, example_plan: Plan) -> None:
    data = make_leads(300, seed=8)
    # data row 53 is Excel row 57 (header on row 3); column D is "mql date"
    path = write_leads(data, tmp_path / "bad date.xlsx", cells={(53, 3): "n/a"})
    scan = scan_workbook(path)
    assert scan.ok
    calibration = calibrate(scan, example_plan)
    assert calibration.plan is None
    messages = [str(p) for p in calibration.problems if p.severity == "error"]
    assert any("sheet 'Leads', cell D57: 'n/a' is not a date" in m for m in messages), messages
    problem = next(p for p in calibration.problems if p.severity == "error")
    assert problem.location == "bad date.xlsx, sheet 'Leads', cell D57"


def test_text_in_an_amount_cell_is_refused(tmp_path: Path, example_plan: Plan) -> None:
    data = make_leads(300, seed=8)
    path = write_leads(data, tmp_path / "bad amount.xlsx", cells={(9, 7): "lots"})
    calibration = calibrate(scan_workbook(path), example_plan)
    assert calibration.plan is None
    assert any("cell H13: 'lots' is not an amount" in p.message for p in calibration.problems)


def test_month_text_in_a_volume_cell_of_a_monthly_summary(tmp_path: Path, example_plan: Plan) -> None:
    rows = [["Month", "Inquiries", "MQLs", "Won", "Revenue"]]
    for m in range(12):
        rows.append([f"2025-{m + 1:02d}", 100.0, "tbd" if m == 4 else 30.0, 3.0, 30000.0])
    path = write_table(tmp_path / "m.xlsx", {"Funnel": rows})
    calibration = calibrate(scan_workbook(path), example_plan)
    assert calibration.plan is None
    assert any("sheet 'Funnel', cell C6: 'tbd' is not a number" in p.message for p in calibration.problems)


@pytest.mark.parametrize(
    ("name", "content"),
    [("notes.xlsx", b"just some text, not a workbook"), ("empty.xlsx", b""), ("zip.xlsx", b"PK\x05\x06" + b"\0" * 18)],
)
def test_files_that_are_not_workbooks_are_problems(
    tmp_path: Path, example_plan: Plan, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    scan = scan_workbook(path)
    assert not scan.ok and scan.problems
    assert name in scan.problems[0].location
    calibration = calibrate(scan, example_plan)
    assert calibration.plan is None and calibration.problems


def test_a_workbook_without_a_recognisable_table(tmp_path: Path, example_plan: Plan) -> None:
    path = write_table(tmp_path / "other.xlsx", {"Sheet1": [["Name", "Colour"], ["a", "red"]]})
    scan = scan_workbook(path)
    assert not scan.ok
    assert "No sheet has a table" in scan.problems[0].message


def test_formula_like_text_stays_data(tmp_path: Path, example_plan: Plan) -> None:
    rows: list[list[object]] = [["Created Date", "Lead Source", "MQL Date"]]
    for i in range(60):
        day = np.datetime64("2025-01-01") + np.timedelta64(i, "D")
        rows.append(
            [day, '=HYPERLINK("http://x")' if i % 2 else "Webinars", day + np.timedelta64(3, "D") if i % 3 else None]
        )
    path = write_table(tmp_path / "f.xlsx", {"Leads": rows}, {"Leads": [0, 2]})
    calibration = calibrate(scan_workbook(path), example_plan)
    assert calibration.plan is not None, calibration.problems
    assert '=HYPERLINK("http://x")' in {c.name for c in calibration.plan.channels}


# --------------------------------------------------------------------------- progress, cancel, describe


def test_progress_runs_from_0_to_1_and_cancel_stops(leads_file, example_plan: Plan) -> None:  # type: ignore[no-untyped-def]
    path, _ = leads_file
    scan = scan_workbook(path)
    seen: list[float] = []
    calibrate(scan, example_plan, progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert all(0.0 <= a <= b <= 1.0 for a, b in itertools.pairwise(seen))
    calls = {"n": 0}

    def cancelled() -> bool:
        calls["n"] += 1
        return calls["n"] > 2

    with pytest.raises(ImportCancelled):
        calibrate(scan, example_plan, cancelled=cancelled)


def test_describe_says_what_was_recognised_ignored_and_calibrated(leads_result) -> None:  # type: ignore[no-untyped-def]
    scan, calibration, _, _ = leads_result
    text = describe(scan, calibration)
    assert "Sheet 'Leads', header row 3" in text
    assert "'mql date' -> date:MQL" in text
    assert "'Notes': header not recognised" in text
    assert "Inquiry → MQL rate" in text and "n=" in text
    assert describe(scan).startswith("File: crm export.xlsx")


# --------------------------------------------------------------------------- never a traceback

_cells = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.sampled_from(["yes", "no", "n/a", "Closed Won", "MQL", "Lost", "2025-02-30", "2025-03-01", "=1+1", " "]),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    st.integers(min_value=-5, max_value=60000),
    st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2040, 1, 1)).map(
        lambda d: np.datetime64(d, "D")
    ),
)


@given(
    st.sampled_from(
        [
            ["Created Date", "Lead Source", "Status", "MQL Date", "SQL Date", "Amount", "Budget confirmed"],
            ["Month", "Inquiries", "MQLs", "SQLs", "Won", "Revenue", "Webinars spend", "Webinars leads"],
            ["Month", "Channel", "Leads", "MQLs", "Spend"],
        ]
    ),
    st.lists(st.lists(_cells, min_size=0, max_size=8), min_size=0, max_size=25),
)
@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")), deadline=None)
def test_arbitrary_cells_never_raise(
    tmp_path_factory: pytest.TempPathFactory, headers: list[str], rows: list[list[object]]
) -> None:
    from core.formats.plan_json import load_plan_json
    from core.paths import example_plan_path

    base, _ = load_plan_json(example_plan_path())
    assert base is not None
    path = write_table(tmp_path_factory.mktemp("fuzz") / "f.xlsx", {"Data": [headers, *rows]})
    scan = scan_workbook(path)
    calibration = calibrate(scan, base)
    assert calibration.plan is not None or _errors(calibration.problems)
    assert not any("Please report this" in p.message for p in calibration.problems), calibration.problems
    if calibration.plan is not None:
        assert not _errors(validate(calibration.plan))
    describe(scan, calibration)


def test_excel_error_cells_are_named_not_read_as_empty(tmp_path: Path, example_plan: Plan) -> None:
    import xlsxwriter

    path = tmp_path / "errors.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Leads")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["Created Date", "Lead Source", "MQL Date"])
    for r in range(1, 80):
        sheet.write_number(r, 0, 45600 + r, date_format)
        sheet.write_string(r, 1, "Webinars")
        if r == 7:
            sheet.write_formula(r, 2, "=NA()", None, "#N/A")
        elif r % 2:
            sheet.write_number(r, 2, 45605 + r, date_format)
    workbook.close()
    calibration = calibrate(scan_workbook(path), example_plan)
    assert calibration.plan is None
    assert any("cell C8 holds the Excel error #N/A" in p.message for p in calibration.problems), calibration.problems


def test_an_excel_error_cell_deep_in_a_large_lead_table_is_named(tmp_path: Path, example_plan: Plan) -> None:
    """A sheet too large for the exact safety parse (several MB of XML) is
    vouched for by the fast scan, which tells the importer where to look for
    error cells: one #N/A among 30,000 leads is still found and named."""
    import xlsxwriter

    path = tmp_path / "large-errors.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Leads")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["Created Date", "Lead Source", "MQL Date"])
    for r in range(1, 30_001):
        sheet.write_number(r, 0, 45000 + r % 600, date_format)
        sheet.write_string(r, 1, "Webinars")
        if r == 25_000:
            sheet.write_formula(r, 2, "=NA()", None, "#N/A")
        elif r % 2:
            sheet.write_number(r, 2, 45010 + r % 600, date_format)
    workbook.close()
    calibration = calibrate(scan_workbook(path), example_plan)
    assert calibration.plan is None
    assert any("cell C25001 holds the Excel error #N/A" in p.message for p in calibration.problems), (
        calibration.problems
    )


def test_the_garbage_collector_is_off_while_reading_and_back_on_after(
    tmp_path: Path, example_plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import reads and calibrates with the cyclic collector off (it
    would walk the million objects of a large export again and again), and
    turns it back on afterwards, also when reading fails; a collector the
    application had turned off stays off."""
    import gc

    import core.importer.scan as scan_module

    path = write_leads(make_leads(300, seed=3, start="2025-01-01", days=200), tmp_path / "leads.xlsx")
    seen: list[bool] = []
    real = scan_module._scan_open

    def watching(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scan_module, "_scan_open", watching)
    assert gc.isenabled()
    scan = scan_workbook(path)
    assert seen == [False] and gc.isenabled()
    assert calibrate(scan, example_plan).plan is not None and gc.isenabled()

    def failing(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a reader bug")

    monkeypatch.setattr(scan_module, "_scan_open", failing)
    assert not scan_workbook(path).ok and gc.isenabled()
    gc.disable()
    try:
        scan_workbook(path)
        assert not gc.isenabled()
    finally:
        gc.enable()
