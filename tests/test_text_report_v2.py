"""The `calc` text report's v2 blocks: what the plan assumes after its end and
carries over, the nurture pool month by month, the funded deficit split into
timing and budget, and the pool's share of a spec change. Each number the
report prints is the figures module's (one home); the small plans' numbers are
worked by hand from funnel-math.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import main
from core.calc.display import format_count, format_percent
from core.calc.engine import calculate
from core.calc.figures import Figures, figures, money_in
from core.formats.plan_json import save_plan_json
from core.model.plan import AfterPlan, Criterion, LeadSpec, Nurture, Plan
from core.paths import example_plan_path
from tests.builders import simple_plan
from tests.conftest import ROOT
from tests.test_figures import example


def report_of(plan: Plan, folder: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """What `main.py calc PLAN` prints for ``plan`` (saved as JSON)."""
    path = folder / "plan.json"
    save_plan_json(plan, path)
    assert main.main(["calc", str(path)]) == 0
    return capsys.readouterr().out


def block(report: str, heading: str) -> list[str]:
    """The lines of the report from the one starting with ``heading`` to the next blank line."""
    lines = report.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


def row(lines: list[str], month: str) -> list[str]:
    """The cells of a table row (cells are separated by two or more spaces)."""
    line = next(line for line in lines if line.startswith(month + " "))
    return [cell.strip() for cell in line.split("  ") if cell.strip() and cell.strip() != month]


def expected_nurture_cells(fig: Figures, t: int) -> list[str]:
    pool = fig.nurture
    assert pool is not None
    cells = [format_count(pool.recycled[t]), format_count(pool.pool[t]), format_count(pool.matured[t])]
    if pool.utilization is not None:
        cells.append(format_percent(pool.utilization[t], 0))
    return cells


def test_example_report_prints_the_figures_of_the_v2_blocks() -> None:
    done = subprocess.run(
        [sys.executable, "main.py", "calc", str(example_plan_path())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = done.stdout
    plan = example()
    fig = figures(plan, calculate(plan))
    money = money_in(plan.currency)
    edge = block(report, "After the plan:")
    assert edge[0] == "After the plan: mode repeat, 30 months, growth 10 % a year"
    carried = f"{format_count(fig.after_plan.carried_deals)} deals, {money(fig.after_plan.carried_revenue)}."
    assert f"  Carried over by the plan's own leads: {carried}" in edge
    assert "  " + fig.after_plan.sentence(money) in edge
    pool = block(report, "Nurture pool on SQL")
    for t, month in enumerate(fig.months):
        assert row(pool, month) == expected_nurture_cells(fig, t)
    assert fig.nurture is not None and fig.nurture.sentence() in pool
    assert fig.deficit_split is not None and f"  Why: {fig.deficit_split.sentence()}" in report
    assert fig.spec_change is not None and fig.spec_change.won_back is not None
    assert "  " + fig.spec_change.won_back.sentence() in report


def test_far_edge_block_of_a_hand_worked_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Lead -> Won at 50 %, half in the month, half a month later; 10 and 20 deals; the target goes on one month
    # (the reach) at T[0] * 1.1 = USD 1,100 (11 deals). Leads needed in the plan: 30, 31; of the last month's
    # 31, a quarter (7.75 deals, USD 775) are won after the plan.
    plan = simple_plan([1000, 2000], 100, [0.5], profiles=[[0.5, 0.5]], after=AfterPlan("repeat", 0.1))
    edge = block(report_of(plan, tmp_path, capsys), "After the plan:")
    assert edge[:3] == [
        "After the plan: mode repeat, 1 month, growth 10 % every 2 months",
        "  Target assumed after the plan USD 1,100: 11 deals, whose leads enter during the plan.",
        "  Carried over by the plan's own leads: 8 deals, USD 775.",
    ]


def test_mode_none_says_nothing_is_required_after_the_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # nothing after the plan: leads 30, 20; a quarter of February's 20 arrive in March: 5 deals, USD 500
    plan = simple_plan([1000, 2000], 100, [0.5], profiles=[[0.5, 0.5]])
    report = report_of(plan, tmp_path, capsys)
    edge = block(report, "After the plan:")
    assert edge[0] == "After the plan: mode none (nothing is required after the plan), 0 months"
    assert "  Carried over by the plan's own leads: 5 deals, USD 500." in edge
    assert "Nurture pool" not in report  # no pool, no pool block


def test_nurture_block_of_a_hand_worked_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Lead -> MQL 100 %, MQL -> SQL 50 %, SQL -> Won 100 %, no lags, 10 deals a month; half the failing MQLs
    # are recycled, half the pool matures each month, one month at most. K = [0.5, 0.125], R = 0.625:
    # MQLs [3.2 | 16, 12.8]; recycled a quarter [0.8 | 4, 3.2]; pool = last month's recycled [0.8, 4];
    # returned half of it [0.4, 2]; 0.5 h per lead of 1 h a month: 40 %, 200 %.
    nurture = Nurture(0.5, 0.5, 0.0, 1, stage="SQL", hours_per_lead=0.5, hours_available=(1.0, 1.0))
    plan = simple_plan([1000, 1000], 100, [1.0, 0.5, 1.0], stage_names=["Lead", "MQL", "SQL", "Won"], nurture=nurture)
    pool = block(report_of(plan, tmp_path, capsys), "Nurture pool on SQL")
    assert row(pool, "2027-01") == ["4", "1", "1", "40%"]
    assert row(pool, "2027-02") == ["4", "4", "2", "200%"]
    assert row(pool, "Total") == ["8", "3"]
    assert pool[-1].startswith("50 % of the leads failing SQL go to the nurture pool (8 over the plan)")


def test_deficit_split_of_a_hand_worked_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Lead -> SQL at the spec's 50 %, half in the month, half a month later; 10 SQLs a month needed; leads
    # needed [10 | 20, 10] at USD 100. Fully funded: SQLs 0.25*P[t] + 0.25*P[t-1] = 7.5 a month, 5 short from
    # timing; USD 1,000 a month buys 10 leads: SQLs 5 a month, 10 short, 5 of them the budget's doing.
    spec = LeadSpec("SQL", 0, (Criterion("Target industry", 0, 0.5, required=True),))
    plan = simple_plan(
        [1000, 1000], 100, [0.5, 1.0], stage_names=["Lead", "SQL", "Won"], spec=spec, budget=[1000, 1000],
        profiles=[[0.5, 0.5], None],
    )  # fmt: skip
    report = report_of(plan, tmp_path, capsys)
    assert "Qualified-lead deficit at SQL with the approved budget: 10 SQLs short over the plan (net)." in report
    assert (
        "  Why: Of the 10 SQLs short over the plan (net), 5 short are the budget's doing and 5 short the funnel's"
        " timing" in report
    )
