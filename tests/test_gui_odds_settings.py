"""How the odds are drawn, set on the Targets page as a person does (offscreen):
the number of draws and the seed typed into their spin boxes, each entry one
undo step, Undo putting the plan and the boxes back, a number out of range
not taken, and a plan file's own draws and seed shown when it is opened."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from core.formats.plan_json import plan_to_dict
from core.model.plan import Uncertainty
from gui.main_window import MainWindow
from tests.gui_actions import type_in_spin

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def on_targets(window: MainWindow) -> None:
    """Every test starts on the Targets page, where the two boxes are."""
    window.show_page("Targets")
    QApplication.processEvents()


def test_the_example_without_settings_shows_the_defaults_with_tips(window: MainWindow) -> None:
    page = window.targets
    assert window.document.plan.uncertainty is None
    assert page.draws.text() == "10,000"  # grouped, the default draws
    assert page.seed.value() == 0
    assert "steadier" in page.draws.toolTip() and "slower" in page.draws.toolTip()
    assert "same seed gives the same odds" in page.seed.toolTip()


def test_typed_draws_are_one_undo_step_and_undo_puts_the_plan_back(window: MainWindow) -> None:
    page, document = window.targets, window.document
    before_plan, before_count = document.plan, document.undo_stack.count()
    type_in_spin(page.draws, "20000")
    assert document.plan.uncertainty == Uncertainty(draws=20_000, seed=0)
    assert document.undo_stack.count() == before_count + 1
    assert page.draws.text() == "20,000"
    document.undo_stack.undo()
    QApplication.processEvents()
    assert document.plan == before_plan and document.plan.uncertainty is None
    assert page.draws.value() == 10_000  # the box follows the plan back


def test_a_typed_seed_is_set_and_undo_shows_the_plans_values_again(window: MainWindow) -> None:
    page, document = window.targets, window.document
    type_in_spin(page.draws, "500")
    count = document.undo_stack.count()
    type_in_spin(page.seed, "42")
    assert document.plan.uncertainty == Uncertainty(draws=500, seed=42)
    assert document.undo_stack.count() == count + 1
    document.undo_stack.undo()
    QApplication.processEvents()
    assert document.plan.uncertainty == Uncertainty(draws=500, seed=0)
    assert (page.draws.value(), page.seed.value()) == (500, 0)
    document.undo_stack.undo()
    QApplication.processEvents()
    assert document.plan.uncertainty is None
    assert (page.draws.value(), page.seed.value()) == (10_000, 0)


def test_the_largest_seed_is_taken_and_too_few_draws_are_not(window: MainWindow) -> None:
    page, document = window.targets, window.document
    type_in_spin(page.seed, "2147483647")
    assert document.plan.uncertainty == Uncertainty(draws=10_000, seed=2_147_483_647)
    count = document.undo_stack.count()
    type_in_spin(page.draws, "50")  # below 100: the box keeps the plan's value, no edit
    assert document.plan.uncertainty == Uncertainty(draws=10_000, seed=2_147_483_647)
    assert document.undo_stack.count() == count
    page.draws.clearFocus()
    QApplication.processEvents()
    assert page.draws.value() == 10_000


def test_an_opened_plan_shows_its_own_draws_and_seed(window: MainWindow, tmp_path: Path) -> None:
    data = plan_to_dict(window.document.plan)
    data["uncertainty"] = {"draws": 500, "seed": 7}
    path = tmp_path / "odds.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    count = window.document.undo_stack.count()
    assert window.open_file(path, ask=False)
    QApplication.processEvents()
    page = window.targets
    assert window.document.plan.uncertainty == Uncertainty(draws=500, seed=7)
    assert (page.draws.text(), page.seed.text()) == ("500", "7")
    assert window.document.undo_stack.count() <= count  # showing them pushed no edit
    assert not window.isWindowModified()
