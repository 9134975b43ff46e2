"""Every kind of bad input in funnel-math.md is refused with a message
naming the field: exit 2, messages on stderr, nothing on stdout, no
traceback, no number computed from it."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import main
from core.formats.documents import load_plan
from core.paths import example_plan_path
from tests.conftest import ROOT

Edit = Callable[[dict[str, Any]], None]


# a plan field path as the JSON names it (``stages[2].rate``, ``lead_spec.gate``)
JSON_PATH = re.compile(
    r"\w\[\d+\]|\b(stages|channels|lead_spec|proposed_lead_spec|targets|capacity|free_sources|budget)\.[a-z_]"
)


def _example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(example_plan_path().read_text(encoding="utf-8"))
    return data


def _set(path: str, value: object) -> Edit:
    """An edit setting a value at a dotted path with [index] parts."""

    def edit(data: dict[str, Any]) -> None:
        target: Any = data
        parts = path.replace("[", ".").replace("]", "").split(".")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        last = parts[-1]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return edit


def _rename_stage(data: dict[str, Any]) -> None:
    data["stages"][2]["name"] = "mql"  # stage 1 is "MQL"


def _drop_channels(data: dict[str, Any]) -> None:
    data["channels"] = []


def _profile(values: list[float]) -> Edit:
    """Opportunity's timing given as a profile instead of days."""

    def edit(data: dict[str, Any]) -> None:
        del data["stages"][3]["lag_days"]
        data["stages"][3]["lag_profile"] = values

    return edit


def _source(**changes: object) -> Edit:
    """One contingency source (an appointment-setting vendor delivering SQLs), changed."""

    def edit(data: dict[str, Any]) -> None:
        source = {"name": "Vendor", "stage": "SQL", "cost_per_item": 450, "max_per_month": 60, "lead_time_months": 1}
        data["contingency"] = {"objective": "fastest", "sources": [{**source, **changes}]}

    return edit


def _no_spec_pool(data: dict[str, Any]) -> None:
    del data["lead_spec"], data["proposed_lead_spec"], data["nurture"]["stage"]


CASES: list[tuple[str, Edit, str]] = [
    ("rate above 1", _set("stages[1].rate", 1.4), "stages[1].rate"),
    ("rate of zero", _set("stages[0].rate", 0), "stages[0].rate"),
    ("negative rate", _set("stages[3].rate", -0.2), "stages[3].rate"),
    ("channel rate above 1", _set("channels[1].rate", 2), "channels[1].rate"),
    ("negative free volume", _set("free_sources[0].volume", -5), "free_sources[0].volume"),
    ("negative cost per lead", _set("channels[0].cost_per_lead", -90), "channels[0].cost_per_lead"),
    ("negative fixed cost", _set("channels[0].fixed_cost", [-1] * 12), "channels[0].fixed_cost"),
    ("negative lag", _set("stages[0].lag_days", -3), "stages[0].lag_days"),
    ("zero deal size", _set("avg_deal_size", 0), "avg_deal_size"),
    ("negative deal size", _set("avg_deal_size", -25000), "avg_deal_size"),
    ("shares not summing to 1", _set("channels[0].mix", 0.3), "channels"),
    ("criterion share above 1", _set("lead_spec.criteria[0].share", 1.2), "lead_spec.criteria[0].share"),
    ("duplicate stage names", _rename_stage, "stages[2].name"),
    ("gate on the first stage", _set("lead_spec.gate", "Inquiry"), "lead_spec.gate"),
    ("gate not a stage", _set("lead_spec.gate", "SAL"), "lead_spec.gate"),
    ("unreachable threshold", _set("lead_spec.threshold", 500), "lead_spec.threshold"),
    ("zero months", _set("months", 0), "months"),
    ("61 months", _set("months", 61), "months"),
    ("NaN rate", _set("stages[0].rate", float("nan")), "stages[0].rate"),
    ("infinite target", _set("revenue_target[3]", float("inf")), "revenue_target[3]"),
    ("infinite cost", _set("channels[2].cost_per_lead", float("inf")), "channels[2].cost_per_lead"),
    ("text in a rate", _set("stages[0].rate", "35%"), "stages[0].rate"),
    ("target list too short", _set("revenue_target", [1000] * 11), "revenue_target"),
    ("negative target", _set("revenue_target[0]", -1), "revenue_target[0]"),
    ("negative budget", _set("approved_budget", -10), "approved_budget"),
    ("zero sales hours", _set("sales_hours_available", 0), "sales_hours_available"),
    ("bad start month", _set("start", "2027-13"), "start"),
    ("missing stages", _set("stages", None), "stages"),
    ("single stage", _set("stages", [{"name": "Won"}]), "stages"),
    ("free source on an unknown stage", _set("free_sources[0].stage", "Nurture"), "free_sources[0].stage"),
    ("no channels while paid leads are needed", _drop_channels, "channels"),
    ("points not whole", _set("lead_spec.criteria[0].points", 2.5), "lead_spec.criteria[0].points"),
    ("required not a flag", _set("lead_spec.criteria[0].required", "yes"), "lead_spec.criteria[0].required"),
    # v2 (funnel-math.md, "Bad input")
    ("empty lag profile", _profile([]), "stages[3].lag_profile"),
    ("lag profile of 38 months", _profile([1] + [0] * 37), "stages[3].lag_profile"),
    ("negative lag profile share", _profile([1.0, -0.2, 0.2]), "stages[3].lag_profile[1]"),
    ("lag profile not summing to 1", _profile([0.5, 0.4]), "stages[3].lag_profile"),
    ("lag profile beside lag days", _set("stages[0].lag_profile", [0.5, 0.5]), "stages[0].lag_profile"),
    ("after-plan mode unknown", _set("after_plan", {"mode": "forever"}), "after_plan.mode"),
    ("after-plan growth of -100%", _set("after_plan.growth", -1), "after_plan.growth"),
    ("after-plan growth above 1000%", _set("after_plan.growth", 10.5), "after_plan.growth"),
    ("nurture pool on the first stage", _set("nurture.stage", "Inquiry"), "nurture.stage"),
    ("nurture pool on the second stage", _set("nurture.stage", "MQL"), "nurture.stage"),
    ("nurture pool without stage or spec", _no_spec_pool, "nurture.stage"),
    ("nurture maturity plus decay above 1", _set("nurture.decay", 0.95), "nurture.decay"),
    ("nurture maturity of zero", _set("nurture.maturity", 0), "nurture.maturity"),
    ("nurture pool of 61 months", _set("nurture.max_months", 61), "nurture.max_months"),
    ("nurture pool of 0 months", _set("nurture.max_months", 0), "nurture.max_months"),
    ("sample of zero", _set("stages[1].rate_sample", 0), "stages[1].rate_sample"),
    ("sample not whole", _set("channels[0].rate_sample", 12.5), "channels[0].rate_sample"),
    ("actuals for more months than the plan", _set("actuals", {"months": 13, "stages": {}}), "actuals.months"),
    ("actuals list of the wrong length", _set("actuals", {"months": 2, "stages": {"SQL": [1]}}), "actuals.stages[0]"),
    ("actuals for an unknown stage", _set("actuals", {"months": 1, "stages": {"SAL": [1]}}), "actuals.stages[0]"),
    ("negative actuals", _set("actuals", {"months": 1, "stages": {"SQL": [-1]}}), "actuals.stages[0][0]"),
    ("contingency source below the gate", _source(stage="Opportunity"), "contingency.sources[0].stage"),
    ("contingency source on the won stage", _source(stage="Won"), "contingency.sources[0].stage"),
    ("contingency source with a negative cost", _source(cost_per_item=-1), "contingency.sources[0].cost_per_item"),
    ("contingency source with negative capacity", _source(max_per_month=-5), "contingency.sources[0].max_per_month"),
    ("contingency lead time beyond the plan", _source(lead_time_months=13), "contingency.sources[0].lead_time_months"),
    ("contingency lead time not whole", _source(lead_time_months=1.5), "contingency.sources[0].lead_time_months"),
    (
        "contingency objective unknown",
        _set("contingency", {"objective": "soon", "sources": []}),
        "contingency.objective",
    ),
    ("draws below 100", _set("uncertainty", {"draws": 99}), "uncertainty.draws"),
    ("draws above 100,000", _set("uncertainty", {"draws": 100_001}), "uncertainty.draws"),
    ("criterion sample of -3", _set("lead_spec.criteria[1].share_sample", -3), "lead_spec.criteria[1].share_sample"),
]


@pytest.mark.parametrize(("label", "edit", "field"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_naming_the_field(
    label: str, edit: Edit, field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = copy.deepcopy(_example())
    edit(data)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(data), encoding="utf-8")  # NaN/Infinity as JSON allows
    status = main.main(["calc", str(plan_file), "--json"])
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    # the problem is kept against its field (the app marks that cell) and
    # said in words, with the file's name: never as the JSON path
    _, problems = load_plan(plan_file)
    named = [p for p in problems if p.field == field]
    assert named, [p.field for p in problems]
    assert all(f"plan.json: {p.message}" in err for p in named), err
    assert not JSON_PATH.search(err), err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"name": "x", "months": 12,', "not valid JSON"),
        ("[1, 2, 3]", "does not hold a plan"),
        ("", "not valid JSON"),
        ("\x00\xff", "not valid JSON"),
    ],
)
def test_malformed_json_is_refused(
    content: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_file = tmp_path / "broken.json"
    plan_file.write_text(content, encoding="utf-8")
    assert main.main(["calc", str(plan_file)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and expected in err and "Traceback" not in err


def test_missing_file_and_unknown_extension_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["calc", str(tmp_path / "nope.json")]) == 2
    assert main.main(["calc", str(tmp_path / "plan.txt")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Cannot read" in err and ".txt" in err


def test_every_problem_is_reported_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _example()
    for edit in (_set("stages[1].rate", 1.4), _set("avg_deal_size", 0), _set("channels[0].mix", 0.3)):
        edit(data)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(data), encoding="utf-8")
    assert main.main(["calc", str(plan_file)]) == 2
    err = capsys.readouterr().err
    said = ("Stage 'MQL': the rate must be more than 0", "Average deal size: must be more than 0", "mix shares")
    assert all(s in err for s in said), err
    assert not JSON_PATH.search(err), err


def test_unknown_keys_warn_but_do_not_refuse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _example()
    data["avg_deal_siz"] = 5
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(data), encoding="utf-8")
    assert main.main(["calc", str(plan_file), "--json"]) == 0
    out, err = capsys.readouterr()
    assert "avg_deal_siz" in err and "warning" in err
    assert json.loads(out)["months"][0] == "2027-01"


def test_refusal_through_the_real_command_line(tmp_path: Path) -> None:
    data = _example()
    data["stages"][1]["rate"] = 1.4
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(data), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "calc", str(plan_file), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "plan.json: Stage 'MQL': the rate must be more than 0" in proc.stderr
    assert not JSON_PATH.search(proc.stderr), proc.stderr
    assert "Traceback" not in proc.stderr
