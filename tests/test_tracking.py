"""Tracking the qualified-lead KPI against actuals (funnel-math.md,
"Tracking", v2): known answers worked out by hand from the spec."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from pytest import approx

from core.calc.engine import calculate
from core.calc.feasibility import validate
from core.formats.plan_json import plan_to_dict
from core.formats.result_json import result_to_dict
from core.model.plan import Actuals, Criterion, LeadSpec, Plan
from core.model.validation import has_errors
from tests.builders import simple_plan

ROOT = Path(__file__).resolve().parent.parent
# a spec on S1 passing half the leads: the gate is S1, its rate 0.5
HALF = LeadSpec("S1", 1, (Criterion("Fit", 1, 0.5),))


def _plan(profile0: list[float], actuals: Actuals) -> Plan:
    plan = simple_plan([10, 10, 10, 10], 1, [0.5, 0.5], profiles=[profile0, None], spec=HALF)
    plan = plan.with_changes(actuals=actuals)
    assert not has_errors(validate(plan)), [str(p) for p in validate(plan)]
    return plan


def test_same_month_conversion_observed_rate_and_both_forecasts() -> None:
    # W = 10 a month; G_1 = 20, G_0 = P = 40 a month; no lags.
    # Actuals: S0 40, 30; S1 20, 12 (the spec passes fewer than planned in month 1).
    plan = _plan([1.0], Actuals(2, (("S0", (40.0, 30.0)), ("S1", (20.0, 12.0)))))
    t = calculate(plan).tracking
    assert t is not None and t.gate == 1
    assert list(t.gate_required) == approx([20, 20])  # type: ignore[arg-type]
    assert list(t.gate_actual) == approx([20, 12])  # type: ignore[arg-type]
    assert list(t.gate_variance_cumulative) == approx([0, -8])  # type: ignore[arg-type]
    # At plan rates: E_1 = 0.5*E_0 from month 2 (E_0 = P = 40); deals E_2 = 0.5*E_1.
    assert list(t.forecast.stage_volume[1]) == approx([20, 12, 20, 20])
    assert list(t.forecast.revenue) == approx([10, 6, 10, 10])
    assert list(t.forecast.gate_deficit) == approx([0, 8, 0, 0])  # type: ignore[arg-type]
    # Observed: 32 entered S1 of 70 that would have arrived at rate 1.
    assert t.observed_rates == {"S0": approx(32 / 70)}
    at_obs = 40 * 32 / 70
    assert list(t.forecast_observed.stage_volume[1]) == approx([20, 12, at_obs, at_obs])
    assert list(t.forecast_observed.revenue_gap) == approx([0, 4, 10 - at_obs / 2, 10 - at_obs / 2])
    assert t.projected_deficit == approx(2 * (20 - at_obs))
    assert t.remaining_requirement == approx(40)
    assert t.alarm  # 3.43 > 5 % of 40


def test_a_two_month_lag_brings_inflow_from_every_earlier_month() -> None:
    # p_0 = [0.5, 0.5]: G_0 = 20 in month -1, 40 in months 0..2, 20 in month 3 (P = G_0).
    plan = _plan([0.5, 0.5], Actuals(2, (("S0", (40.0, 30.0)), ("S1", (20.0, 12.0)))))
    t = calculate(plan).tracking
    assert t is not None
    # S1 at plan rates: 0.25*E_0[t] + 0.25*E_0[t-1] = 17.5 (t=2, from 40 and the actual 30), 15 (t=3).
    assert list(t.forecast.stage_volume[1]) == approx([20, 12, 17.5, 15])
    # observed: 32 / ((0.5*40 + 0.5*20) + (0.5*30 + 0.5*40)) = 32/65
    obs = 32 / 65
    assert t.observed_rates["S0"] == approx(obs)
    assert list(t.forecast_observed.stage_volume[1]) == approx([20, 12, obs * 35, obs * 30])
    assert t.projected_deficit == approx(40 - obs * 65)


def test_without_actuals_at_the_gate_the_gate_is_still_forecast() -> None:
    plan = _plan([1.0], Actuals(1, (("S0", (20.0,)),)))
    t = calculate(plan).tracking
    assert t is not None and t.gate_actual is None and t.observed_rates == {}
    # raw leads 20 (actual) then P = 40: the gate gets 10, then 20
    assert list(t.forecast.stage_volume[1]) == approx([10, 20, 20, 20])
    np.testing.assert_allclose(t.forecast.stage_volume[1], t.forecast_observed.stage_volume[1])
    assert not t.alarm or t.projected_deficit > 0


def test_calc_json_has_the_tracking_keys(tmp_path: Path) -> None:
    plan = _plan([1.0], Actuals(2, (("S0", (40.0, 30.0)), ("S1", (20.0, 12.0)))))
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_to_dict(plan)), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "calc", str(path), "--json"], capture_output=True, text=True, check=True
    )
    out = json.loads(done.stdout)["tracking"]
    assert out == result_to_dict(plan, calculate(plan))["tracking"]
    assert {"months_elapsed", "gate_required", "gate_actual", "gate_variance", "gate_variance_cumulative"} <= out.keys()
    assert {"observed_rates", "forecast", "forecast_observed", "projected_deficit"} <= out.keys()
    assert out["observed_rates"] == {"S0": approx(32 / 70)}
    assert set(out["forecast"]) == {"stage_volume", "revenue", "revenue_gap", "gate_deficit"}


def test_calc_prints_and_reports_both_contingency_plans(tmp_path: Path) -> None:
    """The example plan (three sources kept ready, a stricter spec proposed) with
    four months of actuals: calc --json has both plans under the spec's keys,
    and the text report says each in a sentence for finance."""
    data = json.loads((ROOT / "resources" / "example_plan.json").read_text(encoding="utf-8"))
    data["actuals"] = {"months": 4, "stages": {"Inquiry": [1600, 1550, 1500, 1580], "SQL": [190, 200, 170, 160]}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    run = [sys.executable, str(ROOT / "main.py"), "calc", str(path)]
    out = json.loads(subprocess.run([*run, "--json"], capture_output=True, text=True, check=True).stdout)
    plans = out["contingency"]
    assert set(plans) == {"spec_change", "tracking"}
    for key, start in (("spec_change", 0), ("tracking", 4)):
        cp = plans[key]
        assert set(cp) == {"from_month", "objective", "cost_total", "uncovered", "covered_from", "sources"}
        assert cp["from_month"] == start and cp["objective"] == "fastest"
        names = {s["name"] for s in data["contingency"]["sources"]}
        assert set(cp["sources"]) == names
        for source in cp["sources"].values():
            assert len(source["items"]) == 12 and all(x == 0 for x in source["items"][:start])
        by_name = {s["name"]: s["cost_per_item"] for s in data["contingency"]["sources"]}
        costs = sum(by_name[n] * sum(s["items"]) for n, s in cp["sources"].items())
        assert cp["cost_total"] == approx(costs)
    text = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert "Contingency plan for the spec change (fastest)" in text and "Contingency plan for tracking" in text
    assert "The fastest way to close the stricter spec's qualified-lead deficit: fund USD" in text
