"""The planner's tables: every Qt model passes the model tester; edits are
validated, undoable and refused with the core's message; blocks paste as one step."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.model.plan import FreeSource, Plan, Problem
from gui.document import PlanDocument
from gui.models.paths import concerns, get_value, problems_by_path, set_value
from gui.models.tables import (
    ChannelsModel,
    CriteriaModel,
    FreeSourcesModel,
    MonthlyModel,
    StagesModel,
    budget_columns,
    capacity_columns,
    target_columns,
)
from gui.models.values import EntryError, Kind, parse_number, to_plan_value

pytestmark = pytest.mark.gui


@pytest.fixture
def document(qapp: QApplication, example_plan: Plan) -> PlanDocument:
    return PlanDocument(example_plan)


def all_models(document: PlanDocument) -> list:
    return [
        StagesModel(document),
        CriteriaModel(document, "lead_spec"),
        CriteriaModel(document, "proposed_lead_spec"),
        ChannelsModel(document),
        FreeSourcesModel(document),
        MonthlyModel(document, target_columns),
        MonthlyModel(document, budget_columns),
        MonthlyModel(document, capacity_columns),
    ]


def test_every_model_passes_the_model_tester(qtmodeltester, document: PlanDocument) -> None:
    for model in all_models(document):
        qtmodeltester.check(model, force_py=True)


def test_models_stay_sound_through_structural_edits(qtmodeltester, document: PlanDocument) -> None:
    models = all_models(document)
    plan = document.plan
    document.replace_plan(plan.with_changes(stages=plan.stages[1:]), "drop first stage")
    document.replace_plan(document.plan.with_changes(channels=(), proposed_lead_spec=None, months=12), "no channels")
    document.undo_stack.undo()
    document.undo_stack.undo()
    for model in models:
        qtmodeltester.check(model, force_py=True)


def test_paths_read_and_replace_values(example_plan: Plan) -> None:
    assert get_value(example_plan, "stages[2].rate") == 0.55
    changed = set_value(example_plan, "channels[2].fixed_cost[8]", 1.0)
    assert changed.channels[2].fixed_cost[8] == 1.0
    assert example_plan.channels[2].fixed_cost[8] == 30000  # the plan itself never changes
    assert concerns("channels[0].fixed_cost[3]", "channels[0].fixed_cost")
    assert not concerns("stages[10].rate", "stages[1]")


def test_numbers_read_like_a_person_types_them() -> None:
    assert parse_number("1,234.5") == 1234.5
    assert parse_number("$1 200") == 1200
    assert parse_number("35%") == 35
    assert to_plan_value(Kind.PERCENT, "35%") == pytest.approx(0.35)
    assert to_plan_value(Kind.PERCENT, 40.0) == pytest.approx(0.40)
    with pytest.raises(EntryError):
        to_plan_value(Kind.WHOLE, "2.5")
    with pytest.raises(EntryError):
        parse_number("lots")


def test_rate_shown_as_percent_and_edited_as_number(document: PlanDocument) -> None:
    model = StagesModel(document)
    index = model.index(0, StagesModel.RATE)
    assert model.data(index, Qt.ItemDataRole.DisplayRole) == "35.0%"
    assert model.data(index, Qt.ItemDataRole.EditRole) == pytest.approx(35.0)
    assert model.setData(index, "30")
    assert document.plan.stages[0].rate == pytest.approx(0.30)


def test_editing_a_rate_changes_the_required_leads_and_undoes(document: PlanDocument) -> None:
    model = StagesModel(document)
    before = document.result.stage_required[0].sum()
    assert model.setData(model.index(0, StagesModel.RATE), 20.0)  # Inquiry -> MQL from 35% to 20%
    after = document.result.stage_required[0].sum()
    assert after > before
    assert document.is_modified()
    document.undo_stack.undo()
    assert document.plan.stages[0].rate == pytest.approx(0.35)
    assert document.result.stage_required[0].sum() == pytest.approx(before)
    document.undo_stack.redo()
    assert document.plan.stages[0].rate == pytest.approx(0.20)


def test_invalid_rate_is_refused_with_the_core_message(document: PlanDocument) -> None:
    model = StagesModel(document)
    plan = document.plan
    messages: list[str] = []
    model.editRefused.connect(messages.append)
    index = model.index(1, StagesModel.RATE)
    assert not model.setData(index, "150")
    assert document.plan == plan
    assert document.undo_stack.count() == 0
    assert "rate must be more than 0% and at most 100%; it is 150%" in messages[0]
    assert "at most 100%" in model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert model.data(index, Qt.ItemDataRole.BackgroundRole) is not None
    assert not model.setData(index, "lots")
    assert document.plan == plan


def test_pasted_block_is_one_undoable_step(document: PlanDocument) -> None:
    model = MonthlyModel(document, target_columns)
    old = document.plan.revenue_target
    count, refused = model.paste_text(0, 0, "1,000,000\t10\n2000000\t20\n3000000\t30\n")
    assert refused is None and count == 6
    assert document.plan.revenue_target[:3] == (1_000_000, 2_000_000, 3_000_000)
    assert document.plan.pipeline_revenue[:3] == (10, 20, 30)
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.plan.revenue_target == old


def test_a_block_with_one_bad_value_is_refused_whole(document: PlanDocument) -> None:
    model = StagesModel(document)
    plan = document.plan
    count, refused = model.paste_text(0, StagesModel.RATE, "30%\t5\n-10%\t7\n")
    assert count == 0 and refused is not None and "rate" in refused
    assert document.plan == plan
    assert model.refused_message(1, StagesModel.RATE)


def test_copy_gives_tab_separated_text_excel_reads(document: PlanDocument) -> None:
    model = StagesModel(document)
    text = model.copy_text([0, 1], [StagesModel.NAME, StagesModel.RATE, StagesModel.LAG])
    assert text == "Inquiry\t35%\t10\nMQL\t40%\t21\n"


def test_renaming_a_stage_keeps_the_spec_and_sources_on_it(document: PlanDocument) -> None:
    model = StagesModel(document)
    assert model.setData(model.index(2, StagesModel.NAME), "Sales qualified")
    assert document.plan.lead_spec.gate == "Sales qualified"
    assert document.plan.proposed_lead_spec.gate == "Sales qualified"
    assert document.result is not None
    document.undo_stack.undo()
    assert document.plan.lead_spec.gate == "SQL"


def test_mix_can_be_rebalanced_one_cell_at_a_time(document: PlanDocument) -> None:
    model = ChannelsModel(document)
    assert model.setData(model.index(0, ChannelsModel.MIX), "35")
    assert document.result is None  # shares add up to 110%: shown, results wait
    assert model.data(model.index(0, ChannelsModel.NAME), Qt.ItemDataRole.DisplayRole) == "Webinars"
    assert model.setData(model.index(1, ChannelsModel.MIX), "20")
    assert document.result is not None


def test_optional_series_filled_by_first_entry(document: PlanDocument) -> None:
    document.replace_plan(document.plan.with_changes(sales_hours_available=None), "no capacity")
    model = MonthlyModel(document, capacity_columns)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.DisplayRole) == ""
    assert model.setData(model.index(3, 0), "2000")
    assert document.plan.sales_hours_available == (2000.0,) * 12


def test_criteria_required_flag_toggles(document: PlanDocument) -> None:
    model = CriteriaModel(document, "lead_spec")
    index = model.index(0, CriteriaModel.REQUIRED)
    assert model.data(index, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert model.setData(index, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert document.plan.lead_spec.criteria[0].required


def test_pasted_stage_names_may_swap_and_take_their_sources_along(example_plan: Plan) -> None:
    nurture_db = FreeSource("Nurture database", "MQL", (60.0,) * example_plan.months)
    document = PlanDocument(example_plan.with_changes(free_sources=(*example_plan.free_sources, nurture_db)))
    model = StagesModel(document)
    count, refused = model.paste_text(0, StagesModel.NAME, "MQL\t20%\nInquiry\n")
    assert refused is None and count == 3
    plan = document.plan
    assert [s.name for s in plan.stages][:2] == ["MQL", "Inquiry"]
    assert plan.stages[0].rate == pytest.approx(0.20)
    assert [s.stage for s in plan.free_sources] == ["MQL", "Inquiry"]  # each source stays on its stage
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert [s.stage for s in document.plan.free_sources] == ["Inquiry", "MQL"]
    assert document.plan.stages[0].rate == pytest.approx(0.35)


def test_a_stage_name_already_used_is_refused_in_words(document: PlanDocument) -> None:
    model = StagesModel(document)
    plan = document.plan
    assert not model.setData(model.index(0, StagesModel.NAME), "won")
    assert document.plan == plan
    message = model.refused_message(0, StagesModel.NAME)
    assert message is not None and "already a stage called 'Won'" in message and "stages[" not in message


_PARTS = st.sampled_from(["stages", "channels", "fixed_cost", "rate", "lead_spec", "criteria", "mix"])
_PATHS = st.lists(st.one_of(_PARTS, st.integers(0, 3)), min_size=1, max_size=4).map(
    lambda parts: "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".")
)


@given(fields=st.lists(_PATHS, max_size=8), path=_PATHS)
def test_a_cell_finds_its_problems_in_the_index_as_by_comparing_every_one(fields: list[str], path: str) -> None:
    """The index the tables look a cell's problems up in gives exactly the
    problems :func:`concerns` says are about it, in the same order."""
    problems = [Problem(field, f"problem {i}") for i, field in enumerate(fields)]
    assert problems_by_path(problems).get(path, []) == [p for p in problems if concerns(p.field, path)]
