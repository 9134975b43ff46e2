"""The ``calc --json`` result (plan-format.md): unrounded numbers under the
contract's keys, plus a few added keys (``spec_pass_rate_source``,
``capacity_limited``, ``spec_change.nurture_won_back``) the contract allows."""

from __future__ import annotations

from typing import Any

from core.calc.contingency import plan_to_dict as contingency_to_dict
from core.calc.engine import PlanResult
from core.calc.funnel import FloatArray
from core.calc.results import Forecast
from core.calc.uncertainty import uncertainty_to_dict
from core.model.plan import Plan


def _list(values: FloatArray) -> list[float]:
    return [float(v) for v in values]


def result_to_dict(plan: Plan, result: PlanResult) -> dict[str, Any]:
    """The contract's keys, in its order; optional parts only when the plan
    has what they need."""
    names = result.stage_names
    out: dict[str, Any] = {
        "months": list(result.months),
        "deals_required": _list(result.deals_required),
        "stage_required": {name: _list(v) for name, v in zip(names, result.stage_required, strict=True)},
        "pre_plan": {name: float(v) for name, v in zip(names[:-1], result.pre_plan, strict=True)},
        "paid_leads": _list(result.paid_leads),
        "paid_leads_pre_plan": float(result.paid_leads_pre_plan),
        "channel_leads": {n: _list(v) for n, v in zip(result.channel_names, result.channel_leads, strict=True)},
        "spend": {n: _list(v) for n, v in zip(result.channel_names, result.spend, strict=True)},
        "spend_total": _list(result.spend_total),
        "spend_pre_plan": float(result.spend_pre_plan),
    }
    if result.budget_gap is not None:
        out["budget_gap"] = _list(result.budget_gap)
    if result.spec_pass_rate is not None and plan.lead_spec is not None:
        out["spec_pass_rate"] = float(result.spec_pass_rate)
        source = plan.lead_spec.pass_rate_source if plan.lead_spec.empirical is not None else "criteria"
        out["spec_pass_rate_source"] = source
    if result.sales_utilization is not None:
        out["sales_utilization"] = _list(result.sales_utilization)
    if result.funded is not None:
        funded = result.funded
        section: dict[str, Any] = {
            "paid_leads": _list(funded.paid_leads),
            "stage_volume": {n: _list(v) for n, v in zip(names, funded.stage_volume, strict=True)},
            "revenue": _list(funded.revenue),
            "revenue_gap": _list(funded.revenue_gap),
        }
        if funded.gate_deficit is not None:
            section["gate_deficit"] = _list(funded.gate_deficit)
        out["funded"] = section
    if result.spec_change is not None:
        change = result.spec_change
        out["spec_change"] = {
            "gate": change.gate,
            "pass_rate_current": change.pass_rate_current,
            "pass_rate_proposed": change.pass_rate_proposed,
            "gate_volume_current": _list(change.gate_volume_current),
            "gate_volume_proposed": _list(change.gate_volume_proposed),
            "gate_deficit": _list(change.gate_deficit),
            "paid_leads": _list(change.paid_leads),
            "paid_leads_pre_plan": change.paid_leads_pre_plan,
            "extra_paid_leads": _list(change.extra_paid_leads),
            "extra_paid_leads_pre_plan": change.extra_paid_leads_pre_plan,
            "spend_total": _list(change.spend_total),
            "extra_spend": _list(change.extra_spend),
            "extra_spend_pre_plan": change.extra_spend_pre_plan,
        }
        if change.nurture_won_back is not None:
            out["spec_change"]["nurture_won_back"] = _list(change.nurture_won_back)
    if result.capacity_limited is not None:
        cap = result.capacity_limited
        out["capacity_limited"] = {
            "absorbed_share": _list(cap.absorbed_share),
            "revenue": _list(cap.revenue),
            "revenue_gap": _list(cap.revenue_gap),
        }
    out.update(_v2_sections(result))
    return out


def _v2_sections(result: PlanResult) -> dict[str, Any]:
    """``after_plan`` (always) and ``nurture`` (with a pool)."""
    after = result.after_plan
    out: dict[str, Any] = {
        "after_plan": {
            "mode": after.mode,
            "months": after.months,
            "revenue_target": _list(after.revenue_target),
            "deals_required": _list(after.deals_required),
            "carried_deals": float(after.carried_deals),
            "carried_revenue": float(after.carried_revenue),
        }
    }
    pool = result.nurture
    if pool is not None:
        section: dict[str, Any] = {
            "stage": pool.stage,
            "recycled": _list(pool.recycled),
            "pool": _list(pool.pool),
            "matured": _list(pool.matured),
        }
        if pool.utilization is not None:
            section["utilization"] = _list(pool.utilization)
        out["nurture"] = section
    if result.tracking is not None:
        out["tracking"] = _tracking(result)
    if result.contingency:
        out["contingency"] = {key: contingency_to_dict(cp) for key, cp in result.contingency.items()}
    if result.uncertainty is not None:
        out["uncertainty"] = uncertainty_to_dict(result.uncertainty)
    return out


def _forecast(names: tuple[str, ...], f: Forecast) -> dict[str, Any]:
    out: dict[str, Any] = {
        "stage_volume": {n: _list(v) for n, v in zip(names, f.stage_volume, strict=True)},
        "revenue": _list(f.revenue),
        "revenue_gap": _list(f.revenue_gap),
    }
    if f.gate_deficit is not None:
        out["gate_deficit"] = _list(f.gate_deficit)
    return out


def _tracking(result: PlanResult) -> dict[str, Any]:
    """``tracking``: the gate against its requirement in the months elapsed,
    the observed rates (keyed by the upper stage), both forecasts and the
    projected deficit; plus ``alarm`` and ``remaining_requirement`` (added)."""
    t = result.tracking
    assert t is not None
    out: dict[str, Any] = {"months_elapsed": t.months_elapsed}
    optional = {
        "gate_required": t.gate_required,
        "gate_actual": t.gate_actual,
        "gate_variance": t.gate_variance,
        "gate_variance_cumulative": t.gate_variance_cumulative,
    }
    out.update({key: _list(values) for key, values in optional.items() if values is not None})
    out["observed_rates"] = dict(t.observed_rates)
    out["forecast"] = _forecast(result.stage_names, t.forecast)
    out["forecast_observed"] = _forecast(result.stage_names, t.forecast_observed)
    out["projected_deficit"] = t.projected_deficit
    out["remaining_requirement"] = t.remaining_requirement
    out["alarm"] = t.alarm
    if t.spend_actual is not None:
        out["spend_actual"] = _list(t.spend_actual)
    return out
