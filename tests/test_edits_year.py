"""The pure plan edits of the year in progress (core/model/edits_year.py):
months elapsed, actuals, the alarm threshold, contingency sources and a plan
buying a contingency schedule."""

from __future__ import annotations

import numpy as np
from pytest import approx

from core.calc.engine import calculate
from core.calc.feasibility import validate
from core.formats.plan_json import load_plan_json
from core.model.edits import (
    Purchase,
    add_contingency_source,
    buy_contingency,
    clear_actuals_row,
    remove_contingency_source,
    rename_stages,
    set_actual_values,
    set_alarm_share,
    set_months,
    set_months_elapsed,
    set_objective,
    set_source_field,
)
from core.model.plan import Plan, Problem
from core.model.validation import has_errors
from core.paths import example_plan_path


def example() -> Plan:
    plan, problems = load_plan_json(example_plan_path())
    assert plan is not None, problems
    return plan


def ok(edited: Plan | Problem) -> Plan:
    assert isinstance(edited, Plan), str(edited)
    assert not has_errors(validate(edited)), [str(p) for p in validate(edited)]
    return edited


def test_months_elapsed_keep_figures_and_pad_new_months_with_zero() -> None:
    plan = ok(set_months_elapsed(example(), 2))
    plan = ok(set_actual_values(plan, "stages", {("SQL", 0): 150.0, ("SQL", 1): 141.0}))
    longer = ok(set_months_elapsed(plan, 3))
    assert longer.actuals is not None and dict(longer.actuals.stages)["SQL"] == (150.0, 141.0, 0.0)
    shorter = ok(set_months_elapsed(longer, 1))
    assert shorter.actuals is not None and dict(shorter.actuals.stages)["SQL"] == (150.0,)
    assert ok(set_months_elapsed(shorter, 0)).actuals is None
    refused = set_months_elapsed(plan, 13)
    assert isinstance(refused, Problem) and "from 0 to the plan's 12" in refused.message


def test_a_first_figure_fills_the_row_and_clearing_every_figure_drops_it() -> None:
    plan = ok(set_months_elapsed(example(), 3))
    plan = ok(set_actual_values(plan, "stages", {("MQL", 1): 500.0, ("Inquiry", 0): 2100.0}))
    assert plan.actuals is not None
    assert plan.actuals.stages == (("Inquiry", (2100.0, 0.0, 0.0)), ("MQL", (0.0, 500.0, 0.0)))  # the plan's order
    cleared = ok(set_actual_values(plan, "stages", {("MQL", 1): None}))
    assert cleared.actuals is not None and [n for n, _ in cleared.actuals.stages] == ["Inquiry"]
    gone = ok(clear_actuals_row(plan, "stages", "Inquiry"))
    assert gone.actuals is not None and [n for n, _ in gone.actuals.stages] == ["MQL"]


def test_bad_figures_are_refused_naming_the_stage_and_month() -> None:
    plan = ok(set_months_elapsed(example(), 2))
    negative = set_actual_values(plan, "stages", {("SQL", 1): -5.0})
    assert isinstance(negative, Problem)
    assert "SQL in Feb 2027" in negative.message and "negative" in negative.message
    later = set_actual_values(plan, "stages", {("SQL", 4): 5.0})
    assert isinstance(later, Problem) and "May 2027 is not among the months elapsed" in later.message
    unknown = set_actual_values(plan, "spend", {("Billboards", 0): 5.0})
    assert isinstance(unknown, Problem) and "'Billboards'" in unknown.message
    assert isinstance(set_actual_values(example(), "stages", {("SQL", 0): 1.0}), Problem)  # no months elapsed


def test_spend_actuals_and_the_alarm_threshold() -> None:
    plan = ok(set_months_elapsed(example(), 1))
    channel = plan.channels[0].name
    plan = ok(set_actual_values(plan, "spend", {(channel, 0): 24000.0}))
    assert plan.actuals is not None and plan.actuals.spend == ((channel, (24000.0,)),)
    plan = ok(set_alarm_share(plan, 0.1))
    assert plan.actuals is not None and plan.actuals.alarm_share == 0.1
    refused = set_alarm_share(plan, 1.5)
    assert isinstance(refused, Problem) and "150%" in refused.message


def test_contingency_sources_add_edit_remove_and_objective() -> None:
    plan = example()
    assert plan.contingency is not None
    count = len(plan.contingency.sources)
    added = ok(add_contingency_source(plan, "Webinar blitz"))
    assert added.contingency is not None and len(added.contingency.sources) == count + 1
    new = added.contingency.sources[-1]
    assert new.stage == "SQL" and new.cost_per_item == 0.0  # the qualified-lead stage, nothing bought yet
    edited = ok(set_source_field(added, count, "max_per_month", 30.0))
    assert edited.contingency is not None and edited.contingency.sources[-1].max_per_month == (30.0,) * plan.months
    edited = ok(set_source_field(edited, count, "lead_time_months", 2.0))
    assert edited.contingency is not None and edited.contingency.sources[-1].lead_time_months == 2
    below = set_source_field(edited, count, "stage", "Opportunity")
    assert isinstance(below, Plan) and has_errors(validate(below))  # judged by validation: below the gate
    removed = ok(remove_contingency_source(edited, 0))
    assert removed.contingency is not None and len(removed.contingency.sources) == count
    cheapest = ok(set_objective(plan, "cheapest"))
    assert cheapest.contingency is not None and cheapest.contingency.objective == "cheapest"
    assert isinstance(set_objective(plan, "soonest"), Problem)


def test_buying_a_schedule_adds_its_volume_at_the_stage_and_its_cost() -> None:
    plan = example()
    assert plan.contingency is not None
    vendor = plan.contingency.sources[0]
    items = (0.0, 10.0, 20.0) + (0.0,) * (plan.months - 3)
    bought = ok(buy_contingency(plan, [Purchase(vendor.name, items)]))
    added = bought.free_sources[-1]
    assert added.stage == vendor.stage and added.volume == items
    channel = bought.channels[-1]
    assert channel.mix == 0.0 and channel.fixed_cost[1] == approx(10 * vendor.cost_per_item)
    before, after = calculate(plan), calculate(bought)
    assert float(np.sum(after.spend[-1])) == approx(30 * vendor.cost_per_item)  # its cost in the spend
    assert float(np.sum(after.paid_leads)) < float(np.sum(before.paid_leads))  # the items bought count
    again = ok(buy_contingency(bought, [Purchase(vendor.name, items)]))
    assert len(again.free_sources) == len(bought.free_sources)  # bought twice: the same source takes it on
    assert again.free_sources[-1].volume[2] == 40.0
    assert isinstance(buy_contingency(plan, [Purchase("Nobody", items)]), Problem)


def test_renaming_a_stage_takes_the_contingency_sources_and_actuals_along() -> None:
    plan = ok(set_months_elapsed(example(), 1))
    plan = ok(set_actual_values(plan, "stages", {("SQL", 0): 150.0}))
    renamed = ok(rename_stages(plan, {2: "Sales qualified"}))
    assert renamed.contingency is not None and renamed.actuals is not None
    assert [s.stage for s in renamed.contingency.sources] == ["Sales qualified", "Inquiry", "Sales qualified"]
    assert renamed.actuals.stages == (("Sales qualified", (150.0,)),)


def test_a_shorter_calendar_cuts_the_months_elapsed_and_the_capacities() -> None:
    plan = ok(set_months_elapsed(example(), 6))
    plan = ok(set_actual_values(plan, "stages", {("SQL", 5): 150.0}))
    shorter = ok(set_months(plan, 4))
    assert shorter.actuals is not None and shorter.actuals.months == 4
    assert shorter.actuals.stages == (("SQL", (0.0, 0.0, 0.0, 0.0)),)
    assert shorter.contingency is not None
    assert all(len(s.max_per_month) == 4 for s in shorter.contingency.sources)
    longer = ok(set_months(shorter, 14))
    assert longer.contingency is not None and all(len(s.max_per_month) == 14 for s in longer.contingency.sources)


def test_a_source_with_its_own_rate_is_bought_as_base_rate_items() -> None:
    """20 syndication leads converting at 0.2 into MQL are 20*0.2/0.35 Inquiries
    at the plan's 35 %: the same MQLs arrive in the same months."""
    from core.calc.engine import calculate, effective_rates
    from core.model.edits_year import Purchase, buy_contingency
    from core.model.plan import Contingency, ContingencySource
    from tests.builders import simple_plan

    source = ContingencySource("Burst", "S0", 75.0, (100.0,) * 3, 0, rate=0.2)
    plan = simple_plan([10, 10, 10], 1, [0.35, 0.5]).with_changes(contingency=Contingency("fastest", (source,)))
    bought = buy_contingency(plan, [Purchase("Burst", (20.0, 0.0, 0.0))], effective_rates(plan, None))
    assert isinstance(bought, type(plan))
    free = next(f for f in bought.free_sources if f.name == "Contingency: Burst")
    assert free.volume[0] == approx(20 * 0.2 / 0.35)
    before = calculate(plan).paid_leads.sum()
    assert calculate(bought).paid_leads.sum() == approx(before - 20 * 0.2 / 0.35)


def test_a_renamed_channel_keeps_its_spend_actuals() -> None:
    """Renaming a channel on the Channels page takes the spend recorded
    under its old name along; channels may swap names in one edit, and an
    empty or taken name is refused without losing anything."""
    from core.model.edits import rename_channels

    plan = ok(set_months_elapsed(example(), 2))
    first, second = plan.channels[0].name, plan.channels[1].name
    plan = ok(set_actual_values(plan, "spend", {(first, 0): 24000.0, (first, 1): 21000.0, (second, 0): 5000.0}))
    renamed = ok(rename_channels(plan, {0: "Online events"}))
    assert renamed.channels[0].name == "Online events"
    assert renamed.actuals is not None
    assert dict(renamed.actuals.spend) == {"Online events": (24000.0, 21000.0), second: (5000.0, 0.0)}
    assert not has_errors(validate(renamed))
    swapped = ok(rename_channels(plan, {0: second, 1: first}))
    assert swapped.actuals is not None and dict(swapped.actuals.spend) == {
        second: (24000.0, 21000.0),
        first: (5000.0, 0.0),
    }
    taken = rename_channels(plan, {0: second.upper()})
    assert isinstance(taken, Problem) and f"already a channel called '{second}'" in taken.message
    empty = rename_channels(plan, {1: "  "})
    assert isinstance(empty, Problem) and empty.field == "channels[1].name"
