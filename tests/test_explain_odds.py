""" "Why this number?" for the chance to hit the target: what the odds rest on
(each measured rate and the items it was measured on), the quantiles, and the
chance itself, every number the UncertaintyResult's own. And the pure edits a
person makes to say what a rate was measured on."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from core.calc.engine import calculate
from core.calc.explain import explain
from core.calc.explain.odds import spread
from core.calc.feasibility import validate
from core.calc.figures_year import odds_figures
from core.calc.outlook import with_uncertainty
from core.calc.uncertainty_draws import UncertainRate
from core.model.edits import set_channel_sample, set_criterion_sample, set_draws, set_seed, set_stage_sample
from core.model.plan import EmpiricalPassRate, Plan, Problem, Uncertainty, errors_only
from tests.test_uncertainty import small_plan, with_samples


def drawn(plan: Plan):  # type: ignore[no-untyped-def]
    return with_uncertainty(plan, calculate(plan))


def test_the_chain_ends_at_the_chance_and_names_every_measured_rate() -> None:
    plan = with_samples(small_plan(), 150).with_changes(uncertainty=Uncertainty(draws=1000, seed=2))
    result = drawn(plan)
    u = result.uncertainty
    assert u is not None and u.funded_hit_probability is not None
    e = explain(plan, result, "odds")
    assert e.title == "Chance to hit the target (plan total)"
    assert e.value == u.funded_hit_probability
    text = "\n".join(s.text for s in e.steps)
    for source in u.sources:
        assert source.name in text
    assert text.count("measured on 150 items") == len(u.sources)
    assert "1,000 draws (seed 2)" in text
    fig = odds_figures(result)
    assert fig is not None
    leads = next(s for s in e.steps if s.text.startswith("Paid leads needed"))
    spend = next(s for s in e.steps if s.text.startswith("Budget needed"))
    assert leads.value == fig.leads["p80"] and spend.value == fig.spend["p80"]
    assert "P50" in leads.text and "P90" in leads.text


def test_without_a_budget_the_chain_ends_at_what_to_request_to_be_80_percent_sure() -> None:
    plan = with_samples(small_plan(budget_share=None), 80).with_changes(uncertainty=Uncertainty(draws=500))
    result = drawn(plan)
    u = result.uncertainty
    assert u is not None and u.funded_hit_probability is None
    e = explain(plan, result, "odds")
    assert e.value == u.spend_total["p80"]
    assert "No approved budget" in e.steps[-1].text


def test_a_plan_without_samples_is_told_how_to_add_one_in_its_own_words() -> None:
    plan = small_plan()
    result = drawn(plan)
    assert result.uncertainty is None
    with pytest.raises(ValueError, match="Measured on") as caught:
        explain(plan, result, "odds")
    assert "rate_sample" not in str(caught.value) and "stages[" not in str(caught.value)


def test_samples_not_in_force_are_said_to_be_unused() -> None:
    plan = with_samples(small_plan(), 100)
    spec = plan.lead_spec
    assert spec is not None
    measured = replace(spec, empirical=EmpiricalPassRate(0.3, 400), pass_rate_source="empirical")
    plan = plan.with_changes(lead_spec=measured, uncertainty=Uncertainty(draws=300))
    result = drawn(plan)
    text = "\n".join(s.text for s in explain(plan, result, "odds").steps)
    assert "Not used: " in text and "the criteria shares' samples: the measured pass rate is in force" in text
    assert "measured on 400 items" in text


def test_the_spread_is_the_beta_distributions_standard_deviation() -> None:
    rate = UncertainRate("stage", "S0 to S1", 0.3, 200)
    a, b = 0.3 * 200, 0.7 * 200
    assert spread(rate) == pytest.approx(np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))))
    draws = np.random.default_rng(0).beta(a, b, 200_000)
    assert spread(rate) == pytest.approx(float(draws.std()), rel=0.02)


# ----- the pure edits ----------------------------------------------------------------


def test_sample_edits_set_clear_and_leave_everything_else() -> None:
    plan = small_plan()
    edited = set_stage_sample(plan, 1, 420.0)
    assert isinstance(edited, Plan)
    assert edited.stages[1].rate_sample == 420 and isinstance(edited.stages[1].rate_sample, int)
    assert edited.stages[0] == plan.stages[0] and edited.channels == plan.channels
    cleared = set_stage_sample(edited, 1, None)
    assert cleared == plan
    channel = set_channel_sample(plan, 0, 90)
    assert isinstance(channel, Plan) and channel.channels[0].rate_sample == 90
    criterion = set_criterion_sample(plan, "lead_spec", 2, 1000)
    assert isinstance(criterion, Plan) and criterion.lead_spec is not None
    assert criterion.lead_spec.criteria[2].share_sample == 1000
    for edited_plan in (edited, channel, criterion):
        assert not errors_only(validate(edited_plan))


@pytest.mark.parametrize("value", [0, -5, 12.5, float("nan"), float("inf"), 10**10, True])
def test_a_sample_that_is_not_a_whole_number_of_items_is_refused_naming_the_rate(value: object) -> None:
    plan = small_plan()
    refused = set_stage_sample(plan, 0, value)  # type: ignore[arg-type]
    assert isinstance(refused, Problem)
    assert refused.field == "stages[0].rate_sample"
    assert "S0 to S1" in refused.message and "rate_sample" not in refused.message
    refused = set_channel_sample(plan, 1, value)  # type: ignore[arg-type]
    assert isinstance(refused, Problem) and "Search" in refused.message


def test_the_won_deal_and_missing_rows_are_refused() -> None:
    plan = small_plan()
    assert isinstance(set_stage_sample(plan, len(plan.stages) - 1, 100), Problem)
    assert isinstance(set_channel_sample(plan, 9, 100), Problem)
    assert isinstance(set_criterion_sample(plan, "proposed_lead_spec", 0, 100), Problem)


def test_draws_and_seed() -> None:
    plan = small_plan()
    edited = set_seed(set_draws(plan, 2000), 7)  # type: ignore[arg-type]
    assert isinstance(edited, Plan) and edited.uncertainty == Uncertainty(draws=2000, seed=7)
    for bad in (99, 100_001, 150.5):
        refused = set_draws(plan, bad)
        assert isinstance(refused, Problem) and "100 to 100,000" in refused.message
    assert isinstance(set_seed(plan, -1), Problem)
