"""`main.py calc`: the report for a person and the JSON contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import main
from core.calc.engine import calculate
from core.calc.outlook import complete
from core.formats.plan_json import load_plan_json_or_raise, save_plan_json
from core.formats.result_json import result_to_dict
from core.model.plan import Plan
from core.paths import example_plan_path
from tests.conftest import ROOT

CONTRACT_KEYS = {
    "months", "deals_required", "stage_required", "pre_plan", "paid_leads", "paid_leads_pre_plan",
    "channel_leads", "spend", "spend_total", "spend_pre_plan", "budget_gap", "spec_pass_rate",
    "sales_utilization", "funded",
}  # fmt: skip
FUNDED_KEYS = {"paid_leads", "stage_volume", "revenue", "revenue_gap", "gate_deficit"}


def test_json_result_has_the_contract_keys_for_the_example(
    capsys: pytest.CaptureFixture[str], example_plan: Plan
) -> None:
    assert main.main(["calc", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= CONTRACT_KEYS
    assert set(out["funded"]) >= FUNDED_KEYS
    names = [s.name for s in example_plan.stages]
    assert list(out["stage_required"]) == names
    assert list(out["pre_plan"]) == names[:-1]
    assert list(out["funded"]["stage_volume"]) == names
    assert list(out["channel_leads"]) == [c.name for c in example_plan.channels]
    assert len(out["months"]) == example_plan.months == len(out["deals_required"]) == len(out["sales_utilization"])


def test_json_numbers_are_the_engines_unrounded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], example_plan: Plan
) -> None:
    plan_file = tmp_path / "plan.json"
    save_plan_json(example_plan, plan_file)
    assert main.main(["calc", str(plan_file), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # the contingency plans and the odds included, as calc computes them
    expected = result_to_dict(example_plan, complete(example_plan, calculate(example_plan)))
    assert out == expected
    assert any(not float(x).is_integer() for x in out["deals_required"])  # unrounded


def test_optional_parts_only_when_the_plan_has_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], example_plan: Plan
) -> None:
    bare = example_plan.with_changes(
        approved_budget=None, lead_spec=None, proposed_lead_spec=None, sales_hours_available=None
    )
    plan_file = tmp_path / "bare.json"
    save_plan_json(bare, plan_file)
    assert main.main(["calc", str(plan_file), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert not {"budget_gap", "funded", "spec_pass_rate", "sales_utilization"} & set(out)


def test_report_rounds_counts_up_and_names_every_section(
    capsys: pytest.CaptureFixture[str], example_plan: Plan
) -> None:
    assert main.main(["calc"]) == 0
    report = capsys.readouterr().out
    result = calculate(example_plan)
    for heading in (
        "Required entering each stage",
        "Pre-plan requirement",
        "Spend per channel",
        "Budget gap",
        "Sales util.",
        "Lead spec at SQL",
        "Spec change at SQL",
    ):
        assert heading in report
    total_deals = float(result.deals_required.sum())
    assert f"{int(-(-total_deals // 1)):,} deals required" in report
    first_month = next(line for line in report.splitlines() if line.startswith("2027-01"))
    shown_inquiries = first_month.split()[2]
    assert shown_inquiries == f"{int(-(-float(result.stage_required[0][0]) // 1)):,}"


def test_help_explains_every_command() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert "calc" in proc.stdout and "desktop planner" in proc.stdout
    calc_help = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "calc", "--help"], capture_output=True, text=True, timeout=60
    )
    assert "--json" in calc_help.stdout


def test_json_plan_round_trips(tmp_path: Path, example_plan: Plan) -> None:
    path = tmp_path / "again.json"
    save_plan_json(example_plan, path)
    assert load_plan_json_or_raise(path) == example_plan


def test_convert_between_json_and_workbook_both_ways(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], example_plan: Plan
) -> None:
    workbook = tmp_path / "plan.xlsx"
    again = tmp_path / "again.json"
    assert main.main(["convert", str(example_plan_path()), "--out", str(workbook)]) == 0
    assert main.main(["convert", str(workbook), "--out", str(again)]) == 0
    assert load_plan_json_or_raise(again) == example_plan
    capsys.readouterr()
    assert main.main(["calc", str(workbook), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == result_to_dict(
        example_plan, complete(example_plan, calculate(example_plan))
    )


def test_convert_refuses_an_unknown_format_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "plan.txt"
    assert main.main(["convert", str(example_plan_path()), "--out", str(target)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and ".json or .xlsx" in err and not target.exists()
    unwritable = tmp_path / "missing-folder" / "plan.xlsx"
    assert main.main(["convert", str(example_plan_path()), "--out", str(unwritable)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Nothing was written" in err and "Traceback" not in err


def test_export_writes_the_budget_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from python_calamine import CalamineWorkbook

    target = tmp_path / "request.xlsx"
    assert main.main(["export", str(example_plan_path()), "--out", str(target)]) == 0
    assert "Budget request written" in capsys.readouterr().out
    assert "Summary" in CalamineWorkbook.from_path(str(target)).sheet_names


def test_export_of_a_refused_plan_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(example_plan_path().read_text(encoding="utf-8"))
    data["avg_deal_size"] = 0
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(data), encoding="utf-8")
    target = tmp_path / "request.xlsx"
    assert main.main(["export", str(plan_file), "--out", str(target)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "plan.json: Average deal size: must be more than 0" in err and not target.exists()


def test_import_calibrates_and_never_touches_the_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.data_builders import make_leads, write_leads

    source = write_leads(make_leads(3000, seed=7), tmp_path / "last_year.xlsx")
    before = source.read_bytes()
    plan_out = tmp_path / "plan.xlsx"
    assert main.main(["import", str(source), "--out", str(plan_out)]) == 0
    out = capsys.readouterr().out
    assert "Calibrated plan written" in out and "Leads" in out
    assert source.read_bytes() == before
    capsys.readouterr()
    assert main.main(["calc", str(plan_out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["months"]
    assert main.main(["import", str(source), "--out", str(source)]) == 2
    assert "never overwrites" in capsys.readouterr().err
    assert source.read_bytes() == before


def test_import_of_a_non_spreadsheet_is_refused_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "notes.xlsx"
    source.write_text("this is not a workbook", encoding="utf-8")
    plan_out = tmp_path / "plan.json"
    assert main.main(["import", str(source), "--out", str(plan_out)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "notes.xlsx" in err and not plan_out.exists() and "Traceback" not in err


def test_convert_keeps_every_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str], example_plan: Plan) -> None:
    from core.formats.documents import PlanDocumentData, SavedScenario, load_document, save_document

    data = PlanDocumentData(
        (
            SavedScenario("Baseline", example_plan),
            SavedScenario("Cut budget", example_plan.with_changes(approved_budget=(1.0,) * 12)),
        ),
        active=1,
    )
    source = tmp_path / "plan.json"
    save_document(data, source)
    workbook = tmp_path / "plan.xlsx"
    assert main.main(["convert", str(source), "--out", str(workbook)]) == 0
    assert "with its 2 scenarios" in capsys.readouterr().out
    again, problems = load_document(workbook)
    assert again == data, problems
