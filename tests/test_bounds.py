"""Every magnitude a plan can hold is bounded before anything is computed
(issue 8, items 4, 8, 9, 10, 11), through the real command line.

Each hostile file is run as ``python main.py calc FILE [--json]`` in a child
process with an address-space ceiling and a CPU limit: it must be refused (or
computed) with a message in the user's words, never a traceback, within 1 GB
of memory and 5 s of CPU time. CPU time, not wall time, is measured, so a
busy machine does not make the tests flaky.
"""

from __future__ import annotations

import copy
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.calc.engine import calculate
from core.calc.feasibility import validate
from core.formats.json_text import MAX_JSON_BYTES
from core.formats.plan_json import plan_to_dict
from core.formats.result_json import result_to_dict
from core.formats.xlsx.plan_layout import FUNNEL
from core.formats.xlsx.plan_read import load_plan_workbook
from core.formats.xlsx.plan_write import save_plan_workbook
from core.model.plan import (
    MAX_AMOUNT,
    MAX_CHANNELS,
    MAX_CRITERIA,
    MAX_FREE_SOURCES,
    MAX_LAG_DAYS,
    MAX_MONTHS,
    MAX_POINTS,
    MAX_SAMPLE,
    MAX_STAGES,
    MIN_DEAL_SIZE,
    MIN_RATE,
    MIN_SALES_HOURS,
    Channel,
    Criterion,
    EmpiricalPassRate,
    FreeSource,
    LeadSpec,
    Plan,
    Stage,
)
from core.model.validation import has_errors
from core.paths import example_plan_path
from core.reports.text import render_report
from tests.conftest import ROOT

GIB = 1024**3
MEMORY_LIMIT_MB = 1024
CPU_LIMIT_S = 5.0


@dataclass(frozen=True)
class Run:
    status: int
    out: str
    err: str
    peak_mb: float
    cpu_s: float


def _limits() -> None:
    # a ceiling well above what is allowed, so that a regression fails fast
    # instead of taking the machine's memory (today's main needed 11.6 GB)
    resource.setrlimit(resource.RLIMIT_AS, (4 * GIB, 4 * GIB))
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))


def run_main(*args: str) -> Run:
    """``python main.py ARGS`` in a child; its own peak memory and CPU time."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONIOENCODING": "utf-8"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), *args],
            stdout=out,
            stderr=err,
            cwd=ROOT,
            env=env,
            preexec_fn=_limits,  # only sets resource limits
        )
        _, wait_status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(wait_status)
        out.seek(0)
        err.seek(0)
        return Run(
            status=proc.returncode,
            out=out.read().decode("utf-8", "replace"),
            err=err.read().decode("utf-8", "replace"),
            peak_mb=usage.ru_maxrss / 1024,
            cpu_s=usage.ru_utime + usage.ru_stime,
        )


def assert_fast_and_small(run: Run) -> None:
    assert "Traceback" not in run.err, run.err[-2000:]
    assert run.status >= 0, f"killed by signal {-run.status}"
    assert run.peak_mb < MEMORY_LIMIT_MB, f"{run.peak_mb:.0f} MB"
    assert run.cpu_s < CPU_LIMIT_S, f"{run.cpu_s:.1f} s of CPU"


def refused(path: Path, *flags: str) -> str:
    """Run calc on ``path``: refused (exit 2, nothing on stdout); its messages."""
    run = run_main("calc", str(path), *flags)
    assert_fast_and_small(run)
    assert run.status == 2, run.err[-2000:]
    assert run.out == ""
    return run.err


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(example_plan_path().read_text(encoding="utf-8"))
    return data


def plan_file(folder: Path, edit: Callable[[dict[str, Any]], None] | None = None, text: str | None = None) -> Path:
    """The example plan with an edit, or a given JSON text."""
    data = copy.deepcopy(example())
    if edit is not None:
        edit(data)
    path = folder / "plan.json"
    path.write_text(text if text is not None else json.dumps(data), encoding="utf-8")
    return path


def example_text_with(old: str, new: str) -> str:
    """The example plan's JSON text with one piece of text replaced."""
    text = json.dumps(example())
    assert old in text
    return text.replace(old, new, 1)


# -- item 4 and 9: values whose results overflow are refused, in words ----------------

OVERFLOWING: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "lag of 1e308 days",
        lambda d: d["stages"][1].__setitem__("lag_days", 1e308),
        "Stage 'MQL': the days to the next stage must be at most 3,650 (10 years); it is 1e+308.",
    ),
    (
        "lag of 1e9 days",
        lambda d: d["stages"][0].__setitem__("lag_days", 1e9),
        "Stage 'Inquiry': the days to the next stage must be at most 3,650 (10 years); it is 1e+09.",
    ),
    (
        "cost per lead of 1e308",
        lambda d: d["channels"][0].__setitem__("cost_per_lead", 1e308),
        "Channel 'Webinars' cost per lead: must be at most 1,000,000,000,000 currency units (a trillion)",
    ),
    (
        "deal size of 1e-300",
        lambda d: d.__setitem__("avg_deal_size", 1e-300),
        "Average deal size: must be at least 0.01 currency units; it is 1e-300.",
    ),
    (
        "revenue target of 1e308",
        lambda d: d.__setitem__("revenue_target", 1e308),
        "Revenue target (every month): must be at most 1,000,000,000,000 currency units",
    ),
    (
        "rate of 1e-300",
        lambda d: d["stages"][3].__setitem__("rate", 1e-300),
        "Stage 'Opportunity': the rate must be at least 0.000001 (one in a million); it is 1e-300.",
    ),
    (
        "sales hours of 1e-300",
        lambda d: d.__setitem__("sales_hours_available", 1e-300),
        "Sales hours available (every month): must be at least 0.01 hours; it is 1e-300.",
    ),
    (
        "criterion points of 1e9",
        lambda d: d["lead_spec"]["criteria"][0].__setitem__("points", 10**9),
        "points must be between -1,000 and 1,000; it is 1e+09.",
    ),
    (
        "spec passing one lead in 10^30",
        lambda d: d["lead_spec"].update(
            threshold=30, criteria=[{"name": f"Rare {i}", "points": 1, "share": 0.1} for i in range(30)]
        ),
        "The spec passes only 1e-30 of leads, fewer than one in a million",
    ),
]


@pytest.mark.parametrize("flags", [(), ("--json",)], ids=["report", "json"])
@pytest.mark.parametrize(("label", "edit", "message"), OVERFLOWING, ids=[c[0] for c in OVERFLOWING])
def test_values_whose_results_overflow_are_refused_in_words(
    label: str, edit: Callable[[dict[str, Any]], None], message: str, flags: tuple[str, ...], tmp_path: Path
) -> None:
    err = refused(plan_file(tmp_path, edit), *flags)
    assert message in err


def boundary_plan(lag: float = 0.0) -> Plan:
    """A plan at every limit at once, each in the direction that makes the
    results largest: the most stages at the lowest rate, the largest target
    over the smallest deal, the largest costs, the fewest sales hours."""
    months = MAX_MONTHS
    stages = (
        *(Stage(f"S{k}", MIN_RATE, lag, MAX_AMOUNT) for k in range(MAX_STAGES - 1)),
        Stage("Won", None, None, MAX_AMOUNT),
    )
    criteria = tuple(Criterion(f"C{i}", MAX_POINTS if i % 2 else -MAX_POINTS, 0.5, i == 0) for i in range(MAX_CRITERIA))
    current = LeadSpec("S1", 0.0, criteria, EmpiricalPassRate(MIN_RATE, MAX_SAMPLE), "empirical")
    proposed_criteria = tuple(Criterion(f"P{i}", MAX_POINTS, 0.9) for i in range(MAX_CRITERIA))
    proposed = LeadSpec("S1", float(MAX_POINTS * MAX_CRITERIA), proposed_criteria)
    channels = tuple(
        Channel(f"Ch{j}", 1 / MAX_CHANNELS, MAX_AMOUNT, (MAX_AMOUNT,) * months, MIN_RATE) for j in range(MAX_CHANNELS)
    )
    free = tuple(FreeSource(f"F{i}", "S0", (MAX_AMOUNT,) * months) for i in range(MAX_FREE_SOURCES))
    return Plan(
        name="At every limit",
        currency="USD",
        start="2027-01",
        months=months,
        revenue_target=(MAX_AMOUNT,) * months,
        avg_deal_size=MIN_DEAL_SIZE,
        stages=stages,
        pipeline_revenue=(0.0,) * months,
        lead_spec=current,
        proposed_lead_spec=proposed,
        channels=channels,
        free_sources=free,
        approved_budget=(1.0,) * months,
        sales_hours_available=(MIN_SALES_HOURS,) * months,
    )


def _no_constant(name: str) -> float:
    raise AssertionError(f"{name} in the JSON result")


def numbers_in(value: object) -> list[float]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in numbers_in(v)]
    if isinstance(value, list):
        return [x for v in value for x in numbers_in(v)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [float(value)]
    return []


def test_a_plan_at_every_limit_computes_finite_figures(tmp_path: Path) -> None:
    plan = boundary_plan()
    assert not has_errors(validate(plan)), [str(p) for p in validate(plan)]
    path = tmp_path / "limits.json"
    path.write_text(json.dumps(plan_to_dict(plan)), encoding="utf-8")
    run = run_main("calc", str(path), "--json")
    assert_fast_and_small(run)
    assert run.status == 0, run.err[-2000:]
    numbers = numbers_in(json.loads(run.out, parse_constant=_no_constant))
    assert all(math.isfinite(x) for x in numbers)
    assert max(numbers) > 1e150  # the limits were reached: the figures are as large as they get
    report = run_main("calc", str(path))
    assert_fast_and_small(report)
    assert report.status == 0 and "inf" not in report.out.lower() and "nan" not in report.out.lower()


def test_the_budget_request_of_a_plan_at_every_limit_has_finite_cells(tmp_path: Path) -> None:
    path = tmp_path / "limits.json"
    path.write_text(json.dumps(plan_to_dict(boundary_plan())), encoding="utf-8")
    out = tmp_path / "request.xlsx"
    run = run_main("export", str(path), "--out", str(out))
    assert run.status == 0 and "Traceback" not in run.err, run.err[-2000:]
    book = openpyxl.load_workbook(out, read_only=True)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, float):
                    assert math.isfinite(value), sheet.title
                elif isinstance(value, str):
                    assert value.strip().lower() not in ("inf", "-inf", "nan"), sheet.title


@st.composite
def extreme_plans(draw: st.DrawFn) -> Plan:
    """Plans whose every value is at or near a limit (either end)."""
    months = draw(st.sampled_from([1, 2, MAX_MONTHS]))
    count = draw(st.sampled_from([2, 3, MAX_STAGES]))
    money = st.sampled_from([0.0, MIN_DEAL_SIZE, 1.0, MAX_AMOUNT])
    rate = st.sampled_from([MIN_RATE, 0.5, 1.0])
    lag = st.sampled_from([0.0, 15.2, MAX_LAG_DAYS])
    stages = (
        *(Stage(f"S{k}", draw(rate), draw(lag), draw(money)) for k in range(count - 1)),
        Stage("Won", None, None, draw(money)),
    )
    channels = tuple(
        Channel(f"Ch{j}", 0.5, draw(money), (draw(money),) * months, draw(st.none() | rate)) for j in range(2)
    )
    spec = None
    if draw(st.booleans()):
        fit = Criterion("Fit", MAX_POINTS, draw(st.sampled_from([MIN_RATE, 1.0])), True)
        spec = LeadSpec(stages[1].name, 0.0, (fit,))
    return Plan(
        name="Extreme",
        currency="USD",
        start="2027-01",
        months=months,
        revenue_target=tuple(draw(money) for _ in range(months)),
        avg_deal_size=draw(st.sampled_from([MIN_DEAL_SIZE, MAX_AMOUNT])),
        stages=stages,
        pipeline_revenue=(0.0,) * months,
        lead_spec=spec,
        channels=channels,
        free_sources=(FreeSource("Free", "S0", (draw(money),) * months),),
        approved_budget=draw(st.none() | st.just((draw(money),) * months)),
        sales_hours_available=draw(
            st.none() | st.just((draw(st.sampled_from([MIN_SALES_HOURS, MAX_AMOUNT])),) * months)
        ),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extreme_plans())
def test_no_accepted_plan_computes_an_infinite_or_undefined_figure(plan: Plan) -> None:
    assert not has_errors(validate(plan)), [str(p) for p in validate(plan)]
    result = calculate(plan)
    text = json.dumps(result_to_dict(plan, result), allow_nan=False)  # raises on inf or nan
    assert all(math.isfinite(x) for x in numbers_in(json.loads(text)))
    render_report(plan, result)  # rounds every figure for a person: raises on inf


# -- item 8: a key given twice, a name that only looks different -------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '"avg_deal_size": 60000',
            '"avg_deal_size": 60000, "avg_deal_size": 6000',
            "The average deal size is given twice (60000, then 6000); give it once",
        ),
        (
            '"rate": 0.4,',
            '"rate": 0.4, "rate": 0.04,',
            "Stage 'MQL': the rate is given twice (0.4, then 0.04); give it once",
        ),
        (
            '"cost_per_lead": 85',
            '"cost_per_lead": 85, "cost_per_lead": 8.5, "cost_per_lead": 850',
            "Channel 'Webinars': the cost per lead is given 3 times (85, then 8.5, then 850)",
        ),
    ],
    ids=["top level", "in a stage", "three times in a channel"],
)
def test_a_key_given_twice_is_refused_naming_both_values(old: str, new: str, message: str, tmp_path: Path) -> None:
    err = refused(plan_file(tmp_path, text=example_text_with(old, new)), "--json")
    assert message in err


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Web\u200binars", "Web<U+200B>inars"),
        ("\uff37ebinars", "\uff37ebinars"),
        ("WEBINARS\u2060", "WEBINARS<U+2060>"),
    ],
    ids=["zero-width space", "full-width letter", "word joiner"],
)
def test_channel_names_that_only_look_different_are_the_same_name(name: str, shown: str, tmp_path: Path) -> None:
    err = refused(plan_file(tmp_path, lambda d: d["channels"][1].__setitem__("name", name)), "--json")
    assert f"Channel '{shown}': the name looks the same as channel 1's 'Webinars'" in err
    assert "channel names must be unique" in err


def test_stage_names_that_only_look_different_are_the_same_name(tmp_path: Path) -> None:
    err = refused(plan_file(tmp_path, lambda d: d["stages"][3].__setitem__("name", "S\u200bQL")))
    assert "Stage 'S<U+200B>QL': the name looks the same as stage 3's 'SQL'" in err


def test_names_in_other_scripts_with_joiners_stay_distinct(tmp_path: Path) -> None:
    """A zero-width non-joiner is part of Persian spelling: two different
    words that differ by it elsewhere are not refused for it alone."""
    path = plan_file(tmp_path, lambda d: d["channels"][1].__setitem__("name", "می\u200cخواهم"))
    run = run_main("calc", str(path), "--json")
    assert run.status == 0, run.err


# -- item 10: no unbounded work before a refusal ------------------------------------


def _stages(count: int) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["stages"] = [{"name": f"S{k}", "rate": 0.5, "lag_days": 1} for k in range(count - 1)] + [{"name": "Won"}]

    return edit


HUGE: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("10,000 stages", _stages(10_000), "The funnel has 10,000 stages; the planner works with at most 30."),
    ("months of 1e8", lambda d: d.__setitem__("months", 100_000_000), "it says 100,000,000"),
    ("months of 1e9", lambda d: d.__setitem__("months", 1e9), "it says 1,000,000,000"),
    (
        "10,000 channels",
        lambda d: d.__setitem__(
            "channels", [{"name": f"C{j}", "mix": 1e-4, "cost_per_lead": 1} for j in range(10_000)]
        ),
        "The plan has 10,000 paid channels; it can have at most 100.",
    ),
    (
        "20,000 criteria",
        lambda d: d["lead_spec"].__setitem__(
            "criteria", [{"name": "c", "points": 1, "share": 0.5} for _ in range(20_000)]
        ),
        "The lead spec has 20,000 criteria; it can have at most 100.",
    ),
    (
        "a million monthly values",
        lambda d: d.__setitem__("revenue_target", [1] * 1_000_000),
        "has 1,000,000 values; a plan has at most 60 months, one value each.",
    ),
    (
        "10,000 scenarios",
        lambda d: d.__setitem__("scenarios", [{"name": "s", "plan": {}}] * 10_000),
        "The file has 10,000 scenarios besides the main plan; it can have at most 50.",
    ),
]


@pytest.mark.parametrize(("label", "edit", "message"), HUGE, ids=[c[0] for c in HUGE])
def test_huge_plans_are_refused_before_any_work(
    label: str, edit: Callable[[dict[str, Any]], None], message: str, tmp_path: Path
) -> None:
    err = refused(plan_file(tmp_path, edit), "--json")
    assert message in err


def test_a_long_lag_is_refused_quickly_in_the_report_too(tmp_path: Path) -> None:
    err = refused(plan_file(tmp_path, lambda d: d["stages"][2].__setitem__("lag_days", 1e9)))
    assert "Stage 'SQL': the days to the next stage must be at most 3,650" in err


# -- item 11: numbers, texts and files no plan can hold -------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9" * 5000, "The average deal size is a number 5,000 characters long"),
        ("9" * 400, "The average deal size is a number 400 characters long"),
        ("1e400", "The average deal size is 1e400, a number too large for any value in a plan."),
        ("-" + "1" * 320 + ".5", "is a number 323 characters long"),
    ],
    ids=["5,000 digits", "400 digits", "beyond the float range", "long negative decimal"],
)
def test_numbers_no_plan_can_hold_are_refused_naming_the_field(value: str, message: str, tmp_path: Path) -> None:
    err = refused(plan_file(tmp_path, text=example_text_with('"avg_deal_size": 60000', f'"avg_deal_size": {value}')))
    assert message in err


def test_a_lone_surrogate_escape_in_a_name_is_refused(tmp_path: Path) -> None:
    text = example_text_with('"name": "Webinars"', '"name": "Web\\ud800inars"')
    err = refused(plan_file(tmp_path, text=text), "--json")
    assert "'Web\\ud800inars' holds an escape (\\ud800 to \\udfff) that is only half of a character" in err


def test_a_lone_surrogate_escape_in_a_key_is_an_unknown_key(tmp_path: Path) -> None:
    text = example_text_with('"avg_deal_size": 60000', '"avg_deal_size": 60000, "colo\\udc00r": 1')
    run = run_main("calc", str(plan_file(tmp_path, text=text)), "--json")
    assert_fast_and_small(run)
    assert run.status == 0
    assert "Unknown key 'colo\\udc00r' was ignored" in run.err


def test_many_unknown_keys_are_warned_about_in_a_few_lines(tmp_path: Path) -> None:
    data = example()
    keys = 250_000
    stage_keys = {f"colour{k}": "red" for k in range(3)}
    for stage in data["stages"]:
        stage.update(stage_keys)
    data.update({f"x{i:06d}": 0 for i in range(keys)})
    run = run_main("calc", str(plan_file(tmp_path, text=json.dumps(data))), "--json")
    assert_fast_and_small(run)
    assert run.status == 0
    lines = run.err.splitlines()
    assert len(lines) <= 6, lines[:10]
    # a key met in every stage is one warning, counted
    assert (
        "Unknown key 'colour0' (first in Stage 'Inquiry') was ignored (check its spelling). It appears 6 times."
        in run.err
    )
    more = keys + 3 - 5
    assert f"…and {more:,} more unknown keys ({more:,} different names) were ignored." in run.err
    assert json.loads(run.out)["months"][0] == "2027-01"


def test_a_file_larger_than_any_plan_is_refused_unread(tmp_path: Path) -> None:
    data = example()
    text = json.dumps(data)[:-1] + "," + ",".join(f'"k{i:07d}": 0' for i in range(3_000_000)) + "}"
    assert len(text) > MAX_JSON_BYTES
    err = refused(plan_file(tmp_path, text=text), "--json")
    assert "plan.json is larger than 4 MB, far larger than any plan; is it the right file?" in err


def test_a_file_full_of_empty_stages_is_refused_within_the_limits(tmp_path: Path) -> None:
    """The largest structure that fits under the size limit: millions of objects."""
    data = example()
    data["stages"] = "STAGES"
    text = json.dumps(data)
    count = (MAX_JSON_BYTES - len(text)) // 3 - 10
    err = refused(plan_file(tmp_path, text=text.replace('"STAGES"', "[" + ",".join(["{}"] * count) + "]")))
    assert f"The funnel has {count:,} stages; the planner works with at most 30." in err


# -- the workbook reader builds a plan and validates it: the same bounds apply ---------


def test_a_workbook_with_a_lag_of_1e308_is_refused_at_its_cell(example_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    save_plan_workbook(example_plan, path)
    book = openpyxl.load_workbook(path)
    sheet = book[FUNNEL]
    # the stage table's row (the timing table below names the stage again)
    row, column = next((c.row, c.column) for r in sheet.iter_rows() for c in r if c.value == "MQL")
    sheet.cell(row, column + 2, 1e308)
    book.save(path)
    plan, problems = load_plan_workbook(path)
    assert plan is None
    [problem] = [p for p in problems if p.severity == "error"]
    assert problem.location == f"plan.xlsx, sheet 'Funnel', cell {openpyxl.utils.get_column_letter(column + 2)}{row}"
    assert "Stage 'MQL': the days to the next stage must be at most 3,650 (10 years); it is 1e+308." in problem.message
    run = run_main("calc", str(path), "--json")
    assert_fast_and_small(run)
    assert run.status == 2 and "sheet 'Funnel'" in run.err and "at most 3,650" in run.err
