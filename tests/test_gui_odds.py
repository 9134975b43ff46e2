"""How sure the plan is, as a person sees it: a sample typed into a table's
"Measured on (leads)" cell makes the Results page's odds card show the chance
to hit the target (worked out off the GUI thread, the same as the core's);
Undo takes it back to the hint; the scenario comparison shows each scenario's
chance. The outlook drops a run made stale by a newer edit."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from core.calc.engine import calculate
from core.calc.figures_year import odds_figures
from core.calc.outlook import complete, with_uncertainty
from core.calc.results import PlanResult
from core.model.edits import set_stage_sample
from core.model.plan import Plan
from gui.document import PlanDocument
from gui.formatting import percent_text, user_locale
from gui.main_window import MainWindow
from gui.models.tables import SAMPLE_HEADER, ChannelsModel, CriteriaModel, StagesModel
from gui.outlook import Outlook
from gui.results.compare import ODDS_ROW, PENDING, ScenarioComparison
from gui.results.odds import HINT, OddsCard, histogram
from tests.test_gui_window import type_into
from tests.test_uncertainty import small_plan, with_samples

pytestmark = pytest.mark.gui


def card(window: MainWindow) -> OddsCard:
    return window.results.dashboard.odds_card  # type: ignore[no-any-return]


def core_odds(plan: Plan) -> str:
    fig = odds_figures(complete(plan, calculate(plan)))
    assert fig is not None
    return fig.headline()


def test_a_sample_typed_into_the_funnel_shows_the_core_odds_and_undo_clears_them(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.show_page("Results")
    odds = card(window)
    qtbot.waitUntil(lambda: odds.state == "hint")  # no rate of the example plan has a sample yet
    assert odds.isVisible() and odds.status.text() == HINT

    window.show_page("Funnel")
    header = window.funnel.model.headerData(StagesModel.SAMPLE, Qt.Orientation.Horizontal)
    assert header.replace("\n", " ") == SAMPLE_HEADER
    tip = window.funnel.model.headerData(StagesModel.SAMPLE, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "leave empty if it is an estimate" in tip
    type_into(qtbot, window.funnel.table, 0, StagesModel.SAMPLE, "400")
    assert window.document.plan.stages[0].rate_sample == 400
    assert window.funnel.model.index(0, StagesModel.SAMPLE).data() == "400"

    window.show_page("Results")
    qtbot.waitUntil(lambda: odds.state == "odds", timeout=10_000)
    expected = core_odds(window.document.plan)
    assert odds.headline.text() == expected and expected.startswith("Chance to hit the target with this budget: ")
    assert odds.chart.isVisible() and odds.quantiles.isVisible()
    dialog = odds.explain()
    assert dialog is not None and "Inquiry to MQL" in dialog.text() and "measured on 400 items" in dialog.text()

    window.undo_action.trigger()
    assert window.document.plan.stages[0].rate_sample is None
    qtbot.waitUntil(lambda: odds.state == "hint")
    assert not odds.chart.isVisible()


def test_the_card_says_computing_while_the_draws_run(qtbot) -> None:  # type: ignore[no-untyped-def]
    gate = threading.Event()

    def slow(plan: Plan, result: PlanResult) -> PlanResult:
        gate.wait(10)
        return with_uncertainty(plan, result)

    plan = set_stage_sample(_example(), 0, 300)
    assert isinstance(plan, Plan)
    document = PlanDocument(plan)
    outlook = Outlook(document, slow, delay_ms=0)
    odds = OddsCard(user_locale())
    odds.follow(outlook)
    odds.show_for(document.plan, document.result)
    odds.show()
    assert odds.state == "computing" and "computing" in odds.headline.text()
    gate.set()
    qtbot.waitUntil(lambda: odds.state == "odds", timeout=10_000)
    fig = odds_figures(with_uncertainty(plan, calculate(plan)))
    assert fig is not None and odds.headline.text() == fig.headline()


def _example() -> Plan:
    from core.formats.plan_json import load_plan_json
    from core.paths import example_plan_path

    plan, _ = load_plan_json(example_plan_path())
    assert plan is not None
    return plan


def test_a_stale_run_is_dropped_and_only_the_newest_result_is_published(qtbot) -> None:  # type: ignore[no-untyped-def]
    plan = set_stage_sample(_example(), 0, 300)
    assert isinstance(plan, Plan)
    document = PlanDocument(plan)
    gate = threading.Event()
    seen: list[PlanResult] = []

    def slow(p: Plan, r: PlanResult) -> PlanResult:
        gate.wait(10)
        return with_uncertainty(p, r)

    outlook = Outlook(document, slow, delay_ms=0)
    outlook.outlook_ready.connect(seen.append)
    qtbot.waitUntil(outlook.running)
    first = document.result
    document.edit("stages[0].rate_sample", 900)  # a newer edit while the first run is still drawing
    newest = document.result
    assert newest is not first and outlook.pending_for(newest)
    gate.set()
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    QTest.qWait(50)
    assert len(seen) == 1 and outlook.completed_for(newest) is seen[0]
    assert outlook.completed_for(first) is None
    u = seen[0].uncertainty
    assert u is not None and u.sources[0].sample == 900


def test_samples_on_channels_and_criteria_are_entered_and_refused_in_the_users_words(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.show_page("Channels & budget")
    type_into(qtbot, window.channels.channel_table, 1, ChannelsModel.SAMPLE, "1,250")
    assert window.document.plan.channels[1].rate_sample == 1250
    QTest.qWait(20)  # the first editor goes
    type_into(qtbot, window.channels.channel_table, 1, ChannelsModel.SAMPLE, "12.5")
    assert window.document.plan.channels[1].rate_sample == 1250  # refused: not whole
    message = window.channels.channels.refused_message(1, ChannelsModel.SAMPLE)
    assert message is not None and "Paid search" in message and "whole number" in message
    assert "rate_sample" not in message and "channels[" not in message

    model = CriteriaModel(window.document, "lead_spec")
    assert model.setData(model.index(0, CriteriaModel.SAMPLE), "800")
    assert window.document.plan.lead_spec is not None
    assert window.document.plan.lead_spec.criteria[0].share_sample == 800
    assert model.setData(model.index(0, CriteriaModel.SAMPLE), "")  # empty: an estimate again
    assert window.document.plan.lead_spec.criteria[0].share_sample is None
    window.undo_action.trigger()
    assert window.document.plan.lead_spec.criteria[0].share_sample == 800


def test_changed_models_pass_the_model_tester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    plan = set_stage_sample(_example(), 1, 500)
    assert isinstance(plan, Plan)
    document = PlanDocument(plan)
    for model in (StagesModel(document), ChannelsModel(document), CriteriaModel(document, "lead_spec")):
        qtmodeltester.check(model, force_py=True)


def test_the_comparison_shows_each_scenarios_chance_once_drawn(qtbot, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    base = small_plan(budget_share=0.9)
    measured = with_samples(base, 150)
    bigger = with_samples(small_plan(budget_share=1.2), 150)
    rows = [("Baseline", base, calculate(base)), ("Measured", measured, calculate(measured))]
    rows.append(("More budget", bigger, calculate(bigger)))
    widget = ScenarioComparison()
    widget.show_scenarios(rows)
    model = widget.model
    assert model.index(ODDS_ROW, 1).data() == PENDING  # still drawing
    qtbot.waitUntil(lambda: not widget.drawing(), timeout=15_000)
    assert model.index(ODDS_ROW, 0).data() == "n/a"  # no rate of the baseline has a sample
    assert "measured on" in model.index(ODDS_ROW, 0).data(Qt.ItemDataRole.ToolTipRole)
    for column, (_, plan, result) in ((1, rows[1]), (3, rows[2])):
        fig = odds_figures(with_uncertainty(plan, result))
        assert fig is not None and fig.hit is not None
        assert model.value(ODDS_ROW, column) == pytest.approx(fig.hit)
        assert model.index(ODDS_ROW, column).data() == percent_text(fig.hit, 0)
    assert 0 < model.value(ODDS_ROW, 1) < model.value(ODDS_ROW, 3)  # more budget: a better chance
    assert model.index(ODDS_ROW, 4).data() == "n/a"  # no change against a baseline without a chance
    widget._explain(model.index(ODDS_ROW, 3))
    assert widget.dialog is not None and "measured on 150 items" in widget.dialog.text()
    model.setParent(None)  # the tester keeps it after the widget has gone
    qtmodeltester.check(model, force_py=True)


def test_the_histogram_counts_every_draw_once_and_splits_at_the_target() -> None:
    revenue = np.array([90.0, 95.0, 99.0, 100.0, 101.0, 120.0])
    low, width, short, hit = histogram(revenue, 100.0, bins=6)
    edges = (100.0 - low) / width
    assert edges == pytest.approx(round(edges))  # the target sits on an edge between two bins
    assert low <= revenue.min() and low + 6 * width >= revenue.max()
    assert short.sum() == pytest.approx(3 / 6) and hit.sum() == pytest.approx(3 / 6)
    assert not np.any((short > 0) & (hit > 0))  # a bin is all short or all reaching the target
