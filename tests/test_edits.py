"""The plan edits of core.model.edits: known answers on the example plan,
refusals as Problems in words, and properties over any valid plan."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.calc.engine import calculate
from core.calc.feasibility import validate
from core.model import edits
from core.model.plan import FreeSource, Plan, Problem, errors_only
from tests.strategies import plans

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def new_plan(result: edits.Edited) -> Plan:
    assert isinstance(result, Plan), result
    return result


def refusal(result: edits.Edited) -> str:
    assert isinstance(result, Problem), "the edit should have been refused"
    return str(result)


def stage_names(plan: Plan) -> list[str]:
    return [s.name for s in plan.stages]


# ----- known answers on the example plan -----------------------------------------------------


def test_add_stage_passes_everything_on_until_given_a_rate(example_plan: Plan) -> None:
    plan = new_plan(edits.add_stage(example_plan, 4, "Demo"))
    assert stage_names(plan) == ["Inquiry", "MQL", "SQL", "Opportunity", "Demo", "Proposal", "Won"]
    assert (plan.stages[4].rate, plan.stages[4].lag_days) == (1.0, 0.0)
    assert plan.stages[3] == example_plan.stages[3]  # Opportunity now leads into Demo, at its old rate
    before, after = calculate(example_plan), calculate(plan)
    assert sum(x.sum() for x in after.channel_leads) == pytest.approx(sum(x.sum() for x in before.channel_leads))
    assert after.spend_total.sum() == pytest.approx(before.spend_total.sum())


def test_add_stage_refuses_after_the_won_deal_and_a_taken_name(example_plan: Plan) -> None:
    assert "won deal stays the last stage" in refusal(edits.add_stage(example_plan, 6, "After"))
    assert "already a stage called 'SQL'" in refusal(edits.add_stage(example_plan, 1, " sql "))
    assert "Give the stage a name" in refusal(edits.add_stage(example_plan, 1, "  "))


def test_remove_stage_merges_the_steps_around_it(example_plan: Plan) -> None:
    plan = new_plan(edits.remove_stage(example_plan, 3))  # Opportunity
    assert stage_names(plan) == ["Inquiry", "MQL", "SQL", "Proposal", "Won"]
    assert plan.stages[2].rate == pytest.approx(0.55 * 0.6)
    assert plan.stages[2].lag_days == 30.0 + 45.0
    assert plan.lead_spec == example_plan.lead_spec
    assert not errors_only(validate(plan))


def test_remove_stage_refusals_say_why_in_words(example_plan: Plan) -> None:
    assert "won deal is the end of the funnel" in refusal(edits.remove_stage(example_plan, 5))
    assert "lead spec sits on 'SQL'" in refusal(edits.remove_stage(example_plan, 2))
    assert "'Organic inbound'" in refusal(edits.remove_stage(example_plan, 0))
    two = example_plan.with_changes(
        stages=(example_plan.stages[0], example_plan.stages[-1]),
        lead_spec=None,
        proposed_lead_spec=None,
        free_sources=(),
    )
    text = refusal(edits.remove_stage(two, 0))
    assert "at least a raw lead and a won deal" in text
    assert "stages[" not in text


def test_move_stage_keeps_rates_with_their_stage_and_the_won_deal_last(example_plan: Plan) -> None:
    plan = new_plan(edits.move_stage(example_plan, 3, 4))
    assert stage_names(plan) == ["Inquiry", "MQL", "SQL", "Proposal", "Opportunity", "Won"]
    assert plan.stages[4] == example_plan.stages[3]
    assert "won deal stays last" in refusal(edits.move_stage(example_plan, 4, 5))
    assert "cannot be the first stage" in refusal(edits.move_stage(example_plan, 2, 0))


def test_rename_stage_takes_the_specs_and_sources_along(example_plan: Plan) -> None:
    plan = new_plan(edits.rename_stage(example_plan, 2, "Sales qualified"))
    assert plan.stages[2].name == "Sales qualified"
    assert plan.lead_spec is not None and plan.lead_spec.gate == "Sales qualified"
    assert plan.proposed_lead_spec is not None and plan.proposed_lead_spec.gate == "Sales qualified"
    assert plan.nurture is not None and plan.nurture.stage == "Sales qualified"  # the pool returns leads there still
    plan = new_plan(edits.rename_stage(example_plan, 0, "Raw lead"))
    assert [s.stage for s in plan.free_sources] == ["Raw lead"]
    assert "already a stage called 'Won'" in refusal(edits.rename_stage(example_plan, 0, "won"))


def test_stages_can_swap_names_in_one_edit(example_plan: Plan) -> None:
    nurture_db = FreeSource("Nurture database", "MQL", (60.0,) * example_plan.months)
    example_plan = example_plan.with_changes(free_sources=(*example_plan.free_sources, nurture_db))
    plan = new_plan(edits.rename_stages(example_plan, {0: "MQL", 1: "Inquiry"}))
    assert stage_names(plan)[:2] == ["MQL", "Inquiry"]
    assert [s.stage for s in plan.free_sources] == ["MQL", "Inquiry"]  # each source stays on its stage


def test_renormalise_mix_keeps_proportions(example_plan: Plan) -> None:
    plan = example_plan
    halved = plan.with_changes(channels=tuple(edits.set_field(c, "mix", c.mix / 2) for c in plan.channels))
    fixed = new_plan(edits.renormalise_mix(halved))
    assert [c.mix for c in fixed.channels] == pytest.approx([c.mix for c in example_plan.channels])
    zeros = plan.with_changes(channels=tuple(edits.set_field(c, "mix", 0.0) for c in plan.channels))
    assert [c.mix for c in new_plan(edits.renormalise_mix(zeros)).channels] == pytest.approx([0.2] * 5)
    bad = edits.set_field(plan, "channels[1].mix", -0.5)
    assert "mix must be a share" in refusal(edits.renormalise_mix(bad))


def test_add_channel_with_no_share_or_a_share_taken_from_the_others(example_plan: Plan) -> None:
    plan = new_plan(edits.add_channel(example_plan, "Podcasts", cost_per_lead=80.0))
    assert plan.channels[:5] == example_plan.channels
    assert (plan.channels[5].name, plan.channels[5].mix, plan.channels[5].cost_per_lead) == ("Podcasts", 0.0, 80.0)
    assert plan.channels[5].fixed_cost == (0.0,) * 12
    plan = new_plan(edits.add_channel(example_plan, "Podcasts", share=0.5))
    assert [c.mix for c in plan.channels] == pytest.approx([0.125, 0.15, 0.075, 0.1, 0.05, 0.5])
    first = new_plan(edits.add_channel(example_plan.with_changes(channels=()), "Only"))
    assert first.channels[0].mix == 1.0
    assert "already a channel called 'Webinars'" in refusal(edits.add_channel(example_plan, "WEBINARS"))


def test_remove_channel_spreads_its_share_over_the_rest(example_plan: Plan) -> None:
    plan = new_plan(edits.remove_channel(example_plan, 2))  # Trade shows, 15%
    assert [c.name for c in plan.channels] == ["Webinars", "Paid search", "Content syndication", "LinkedIn ads"]
    assert [c.mix for c in plan.channels] == pytest.approx([0.25 / 0.85, 0.3 / 0.85, 0.2 / 0.85, 0.1 / 0.85])
    assert not errors_only(validate(plan))


def test_set_months_cuts_or_repeats_the_last_month(example_plan: Plan) -> None:
    short = new_plan(edits.set_months(example_plan, 3))
    assert short.revenue_target == example_plan.revenue_target[:3]
    longer = new_plan(edits.set_months(short, 5))
    assert longer.revenue_target == (
        *example_plan.revenue_target[:3],
        example_plan.revenue_target[2],
        example_plan.revenue_target[2],
    )
    assert all(len(c.fixed_cost) == 5 for c in longer.channels)
    assert not errors_only(validate(longer))


def test_lead_spec_edits(example_plan: Plan) -> None:
    plan = new_plan(edits.set_gate(example_plan, "opportunity"))
    assert plan.lead_spec is not None and plan.lead_spec.gate == "Opportunity"
    assert plan.proposed_lead_spec is not None and plan.proposed_lead_spec.gate == "Opportunity"
    assert "cannot sit on the first stage" in refusal(edits.set_gate(example_plan, "Inquiry"))
    adopted = new_plan(edits.adopt_proposed_lead_spec(example_plan))
    assert adopted.lead_spec == example_plan.proposed_lead_spec and adopted.proposed_lead_spec is None
    assert "no proposed spec" in refusal(edits.adopt_proposed_lead_spec(adopted))
    bare = example_plan.with_changes(lead_spec=None, proposed_lead_spec=None)
    added = new_plan(edits.add_lead_spec(bare))
    assert added.lead_spec is not None and added.lead_spec.gate == "SQL"
    assert not errors_only(validate(added))


def test_set_field_replaces_one_value_only(example_plan: Plan) -> None:
    plan = edits.set_field(example_plan, "channels[2].cost_per_lead", 340.0)
    assert plan.channels[2].cost_per_lead == 340.0
    assert plan.with_changes(channels=example_plan.channels) == example_plan
    assert edits.field_value(plan, "stages[2].rate") == 0.55


# ----- properties ------------------------------------------------------------------------------


def valid(plan: Plan) -> bool:
    return not errors_only(validate(plan))


@SETTINGS
@given(plan=plans(), data=st.data())
def test_rename_then_rename_back_is_the_same_plan(plan: Plan, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(plan.stages) - 1))
    renamed = edits.rename_stage(plan, index, "Renamed stage \u2116 1")
    if isinstance(renamed, Problem):  # only when a stage already has that name
        assert plan.stage_index("Renamed stage \u2116 1") is not None
        return
    assert valid(renamed) == valid(plan)
    assert edits.rename_stage(renamed, index, plan.stages[index].name) == plan


@SETTINGS
@given(plan=plans(), data=st.data())
def test_move_then_move_back_is_the_same_plan(plan: Plan, data: st.DataObject) -> None:
    last = len(plan.stages) - 1
    index = data.draw(st.integers(0, last - 1))
    to = data.draw(st.integers(0, last - 1))
    moved = edits.move_stage(plan, index, to)
    if isinstance(moved, Problem):
        assert "first stage" in moved.message
        return
    assert moved.stages[-1] == plan.stages[-1]
    assert valid(moved)
    assert edits.move_stage(moved, to, index) == plan


@SETTINGS
@given(plan=plans(), data=st.data())
def test_add_then_remove_is_the_same_plan(plan: Plan, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(plan.stages) - 1))
    name = edits.unique_name("New stage", stage_names(plan))
    added = new_plan(edits.add_stage(plan, index, name))
    assert valid(added)
    assert edits.remove_stage(added, index) == plan


@SETTINGS
@given(plan=plans(), data=st.data())
def test_removing_a_stage_keeps_a_valid_plan_valid(plan: Plan, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(plan.stages) - 1))
    removed = edits.remove_stage(plan, index)
    if isinstance(removed, Problem):
        assert removed.message and "[" not in str(removed)
        return
    assert len(removed.stages) == len(plan.stages) - 1
    assert valid(removed)


@SETTINGS
@given(plan=plans(), weights=st.lists(st.floats(0, 1), min_size=1, max_size=8))
def test_renormalised_mix_adds_up_to_one_and_keeps_ratios(plan: Plan, weights: list[float]) -> None:
    base = plan.channels[0]
    channels = tuple(edits.set_field(base, "name", f"C{j}") for j in range(len(weights)))
    channels = tuple(edits.set_field(c, "mix", w) for c, w in zip(channels, weights, strict=True))
    fixed = new_plan(edits.renormalise_mix(plan.with_changes(channels=channels)))
    mixes = [c.mix for c in fixed.channels]
    assert math.fsum(mixes) == pytest.approx(1.0, abs=1e-9)
    total = math.fsum(weights)
    for w, m in zip(weights, mixes, strict=True):
        assert m == pytest.approx(w / total if total > 0 else 1 / len(weights), abs=1e-12)
    assert valid(fixed)


@SETTINGS
@given(plan=plans(), data=st.data())
def test_channel_edits_keep_a_valid_plan_valid(plan: Plan, data: st.DataObject) -> None:
    share = data.draw(st.sampled_from([0.0, 0.3, 1.0]))
    added = new_plan(edits.add_channel(plan, edits.unique_name("New", [c.name for c in plan.channels]), share))
    assert valid(added)
    if share == 0.0:
        assert edits.remove_channel(added, len(plan.channels)) == plan
    if len(plan.channels) > 1:
        index = data.draw(st.integers(0, len(plan.channels) - 1))
        assert valid(new_plan(edits.remove_channel(plan, index)))


@SETTINGS
@given(plan=plans(), months=st.integers(1, 36))
def test_a_resized_plan_stays_valid(plan: Plan, months: int) -> None:
    resized = new_plan(edits.set_months(plan, months))
    assert resized.months == months and len(resized.revenue_target) == months
    assert valid(resized)


# ----- v2: timing, after the plan, nurture pool -------------------------------------------------


def test_stage_timing_switches_between_days_and_a_profile(example_plan: Plan) -> None:
    plan = new_plan(edits.set_stage_timing(example_plan, 3, profile=[0.1, 0.3, 0.3, 0.2, 0.1, 0.0]))
    assert plan.stages[3].lag_profile == (0.1, 0.3, 0.3, 0.2, 0.1)  # trailing empty months dropped
    assert plan.stages[3].lag_days is None
    assert calculate(plan).lag_days[3] == pytest.approx(edits.mean_lag_days((0.1, 0.3, 0.3, 0.2, 0.1)))
    back = new_plan(edits.set_stage_timing(plan, 3, lag_days=40.0))
    assert (back.stages[3].lag_days, back.stages[3].lag_profile) == (40.0, None)
    assert not errors_only(validate(plan)) and not errors_only(validate(back))


def test_stage_timing_refuses_shares_not_adding_up_in_words(example_plan: Plan) -> None:
    text = refusal(edits.set_stage_timing(example_plan, 3, profile=[0.1, 0.3, 0.3]))
    assert "Opportunity" in text and "add up to 0.7" in text and "stages[" not in text
    assert "won deal" in refusal(edits.set_stage_timing(example_plan, 5, lag_days=10.0))
    assert "days to the next stage" in refusal(edits.set_stage_timing(example_plan, 1, lag_days=-3.0))


def test_removing_a_stage_convolves_the_timings(example_plan: Plan) -> None:
    plan = new_plan(edits.set_stage_timing(example_plan, 2, profile=[0.5, 0.5]))
    plan = new_plan(edits.set_stage_timing(plan, 3, profile=[0.2, 0.8]))
    merged = new_plan(edits.remove_stage(plan, 3))
    assert merged.stages[2].lag_profile == pytest.approx((0.1, 0.5, 0.4))
    assert merged.stages[2].lag_days is None
    # every item arrives when it would have: the paid leads and spend the target takes are unchanged
    before, after = calculate(plan), calculate(merged)
    assert after.spend_total == pytest.approx(before.spend_total)
    assert after.after_plan.carried_revenue == pytest.approx(before.after_plan.carried_revenue)


def test_removing_a_stage_with_days_above_a_profile(example_plan: Plan) -> None:
    month = 365.25 / 12
    plan = new_plan(edits.set_stage_timing(example_plan, 2, lag_days=1.5 * month))
    plan = new_plan(edits.set_stage_timing(plan, 3, profile=[0.0, 1.0]))
    merged = new_plan(edits.remove_stage(plan, 3))
    assert merged.stages[2].lag_profile == pytest.approx((0.0, 0.0, 0.5, 0.5))
    assert edits.mean_lag_days(merged.stages[2].lag_profile or ()) == pytest.approx(2.5 * month)


def test_after_plan_mode_and_growth(example_plan: Plan) -> None:
    plan = new_plan(edits.set_after_plan(example_plan, "none"))
    assert plan.after_plan.mode == "none" and plan.after_plan.growth == example_plan.after_plan.growth
    assert calculate(plan).after_plan.carried_deals >= 0.0
    grown = new_plan(edits.set_after_plan(plan, "repeat", 0.25))
    assert (grown.after_plan.mode, grown.after_plan.growth) == ("repeat", 0.25)
    assert "more than -100%" in refusal(edits.set_after_plan(plan, "repeat", -1.0))


def test_nurture_pool_on_off_and_fields(example_plan: Plan) -> None:
    off = new_plan(edits.set_nurture(example_plan, False))
    assert off.nurture is None
    on = new_plan(edits.set_nurture(off, True))
    assert on.nurture is not None and on.nurture.stage is None and on.nurture.maturity == 0.1
    assert on.nurture_stage() == on.stage_index("SQL")  # the lead spec's gate
    matured = new_plan(edits.set_nurture_field(on, "maturity", 0.2))
    assert matured.nurture is not None and matured.nurture.maturity == 0.2
    hours = new_plan(edits.set_nurture_field(matured, "hours_available", 500.0))
    assert hours.nurture is not None and hours.nurture.hours_available == (500.0,) * example_plan.months
    gate = new_plan(edits.set_nurture_field(on, "stage", "sql"))
    assert gate.nurture is not None and gate.nurture.stage is None  # the gate: follows the spec
    assert "Turn the nurture pool on" in refusal(edits.set_nurture_field(off, "maturity", 0.2))
    assert "Lead development" in refusal(
        edits.remove_stage(example_plan.with_changes(lead_spec=None, proposed_lead_spec=None), 2)
    )
