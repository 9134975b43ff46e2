"""Scenarios are saved with the plan document (.json and .xlsx) and come
back as they were: names, plans, order and which one was active."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from core.formats.documents import PlanDocumentData, SavedScenario, load_document, load_plan, save_document, save_plan
from core.formats.xlsx.plan_layout import CALENDAR, MAX_TEXT, SCENARIOS
from core.model.plan import Plan
from tests.strategies import plans


def three_scenarios(example: Plan) -> PlanDocumentData:
    """Baseline, a stricter proposed spec, and a cut in trade shows."""
    assert example.lead_spec is not None and example.proposed_lead_spec is not None
    proposed = example.with_changes(lead_spec=example.proposed_lead_spec)
    channels = list(example.channels)
    channels[2] = replace(channels[2], cost_per_lead=999.5, fixed_cost=(0.0,) * example.months)
    cut = example.with_changes(channels=tuple(channels), notes="Trade shows: no booth fee, dearer leads.")
    return PlanDocumentData(
        (
            SavedScenario("Baseline", example),
            SavedScenario("Proposed spec", proposed),
            SavedScenario("Cut trade shows", cut),
        ),
        active=2,
    )


def errors(problems: tuple[object, ...]) -> list[str]:
    return [str(p) for p in problems if getattr(p, "severity", "") == "error"]


@pytest.mark.parametrize("suffix", [".json", ".xlsx"])
def test_three_scenarios_round_trip(example_plan: Plan, tmp_path: Path, suffix: str) -> None:
    doc = three_scenarios(example_plan)
    path = tmp_path / f"plan{suffix}"
    save_document(doc, path)
    back, problems = load_document(path)
    assert errors(problems) == []
    assert back == doc
    assert [s.name for s in back.scenarios] == ["Baseline", "Proposed spec", "Cut trade shows"]
    assert back.active == 2


@pytest.mark.parametrize("suffix", [".json", ".xlsx"])
def test_load_plan_gives_the_top_level_plan(example_plan: Plan, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"plan{suffix}"
    save_document(three_scenarios(example_plan), path)
    plan, problems = load_plan(path)
    assert plan == example_plan
    assert problems == () or errors(problems) == []


def test_json_keeps_the_top_level_plan_and_adds_keys(example_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    doc = PlanDocumentData((SavedScenario("Main", example_plan), *three_scenarios(example_plan).scenarios[1:]), 1)
    save_document(doc, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["name"] == example_plan.name and data["stages"][0]["name"] == "Inquiry"
    assert data["scenario_name"] == "Main"
    assert data["active_scenario"] == 1
    assert [s["name"] for s in data["scenarios"]] == ["Proposed spec", "Cut trade shows"]
    assert "scenarios" not in data["scenarios"][0]["plan"]
    back, _ = load_document(path)
    assert back == doc


def test_a_single_plan_file_is_unchanged(example_plan: Plan, tmp_path: Path) -> None:
    save_plan(example_plan, tmp_path / "one.json")
    save_document(PlanDocumentData.single(example_plan), tmp_path / "doc.json")
    assert (tmp_path / "one.json").read_text() == (tmp_path / "doc.json").read_text()
    assert "scenarios" not in json.loads((tmp_path / "one.json").read_text())
    save_plan(example_plan, tmp_path / "one.xlsx")
    assert SCENARIOS not in openpyxl.load_workbook(tmp_path / "one.xlsx").sheetnames
    back, _ = load_document(tmp_path / "one.xlsx")
    assert back == PlanDocumentData.single(example_plan)


def test_a_bad_value_in_a_json_scenario_refuses_the_file_naming_it(example_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    save_document(three_scenarios(example_plan), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["scenarios"][0]["plan"]["stages"][2]["rate"] = 1.7
    path.write_text(json.dumps(data), encoding="utf-8")
    doc, problems = load_document(path)
    assert doc is None
    bad = [p for p in problems if p.severity == "error"]
    assert [p.field for p in bad] == ["scenarios[0].plan.stages[2].rate"]
    assert "Proposed spec" in bad[0].message
    plan, again = load_plan(path)  # calc, export and convert refuse it too: nothing dropped silently
    assert plan is None and errors(again) == errors(problems)


def test_a_scenario_without_a_name_or_plan_is_refused(example_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    save_plan(example_plan, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["scenarios"] = [{"name": "", "plan": data.copy()}, {"name": "Lost", "plan": 3}, "oops"]
    path.write_text(json.dumps(data), encoding="utf-8")
    doc, problems = load_document(path)
    assert doc is None
    fields = [p.field for p in problems if p.severity == "error"]
    assert fields == ["scenarios[0].name", "scenarios[1].plan", "scenarios[2]"]


def test_a_wrong_active_index_is_a_warning(example_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    save_document(three_scenarios(example_plan), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["active_scenario"] = 7
    path.write_text(json.dumps(data), encoding="utf-8")
    doc, problems = load_document(path)
    assert doc is not None and doc.active == 0
    assert [p.field for p in problems] == ["active_scenario"]


def test_a_bad_value_in_a_workbook_scenario_names_it_and_its_cell(example_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    save_document(three_scenarios(example_plan), path)
    book = openpyxl.load_workbook(path)
    sheet = book[SCENARIOS]
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == "Proposed spec").offset(0, 3)
    data = json.loads(cell.value)
    data["stages"][2]["rate"] = -0.5
    cell.value = json.dumps(data)
    book.save(path)
    doc, problems = load_document(path)
    assert doc is None
    bad = [p for p in problems if p.severity == "error"]
    assert [p.field for p in bad] == ["scenarios[0].plan.stages[2].rate"]
    assert "Proposed spec" in bad[0].message
    assert bad[0].location == f"plan.xlsx, sheet 'Scenarios', cell {cell.coordinate}"


def test_damaged_scenario_data_in_a_workbook_is_refused(example_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    save_document(three_scenarios(example_plan), path)
    book = openpyxl.load_workbook(path)
    cell = next(c for row in book[SCENARIOS].iter_rows() for c in row if c.value == "Cut trade shows").offset(0, 3)
    cell.value = cell.value[:-5]
    book.save(path)
    doc, problems = load_document(path)
    assert doc is None
    assert [p.field for p in problems if p.severity == "error"] == ["scenarios[1].plan"]
    assert "Cut trade shows" in problems[-1].message and "damaged" in problems[-1].message


def test_edits_to_the_input_sheets_still_apply_to_the_main_plan(example_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    doc = three_scenarios(example_plan)
    save_document(doc, path)
    book = openpyxl.load_workbook(path)
    calendar = book[CALENDAR]
    cell = next(c for row in calendar.iter_rows() for c in row if c.value == "Plan name").offset(0, 1)
    cell.value = "Edited in Excel"
    book.save(path)
    back, problems = load_document(path)
    assert back is not None, problems
    assert back.plan == example_plan.with_changes(name="Edited in Excel")
    assert back.scenarios[1:] == doc.scenarios[1:]
    assert back.active == 2


def test_long_scenario_notes_are_split_below_the_cell_limit(example_plan: Plan, tmp_path: Path) -> None:
    long_notes = "Ünïcode note. " * 6000  # about 84,000 characters: three cells
    doc = PlanDocumentData(
        (SavedScenario("Baseline", example_plan), SavedScenario("Long", example_plan.with_changes(notes=long_notes)))
    )
    path = tmp_path / "plan.xlsx"
    save_document(doc, path)
    sheet = openpyxl.load_workbook(path)[SCENARIOS]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert max(len(t) for t in texts) <= MAX_TEXT
    back, problems = load_document(path)
    assert back == doc, problems


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=plans(), second=plans())
def test_any_valid_scenarios_round_trip(first: Plan, second: Plan, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("scn")
    doc = PlanDocumentData((SavedScenario("A", first), SavedScenario("=B, a formula?", second)), 1)
    for suffix in (".json", ".xlsx"):
        save_document(doc, folder / f"plan{suffix}")
        back, problems = load_document(folder / f"plan{suffix}")
        assert back is not None, problems
        assert back.scenarios[1] == doc.scenarios[1]
        assert back.active == 1


# -- the desktop app -------------------------------------------------------------


@pytest.mark.gui
def test_scenarios_survive_save_and_reopen_in_a_fresh_window(
    qtbot,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, tmp_path / "recovery" / "recovery.json")
    qtbot.addWidget(window)
    names = iter(["Proposed spec", "Cut trade shows"])
    monkeypatch.setattr("gui.views.scenarios.QInputDialog.getText", lambda *a, **k: (next(names), True))
    doc = window.document
    window.scenarios.copy.click()
    doc.edit("lead_spec.threshold", 70.0)
    window.scenarios.copy.click()
    doc.edit("channels[2].cost_per_lead", 500.0)
    doc.switch_scenario(doc.scenarios[1].id)  # the proposed spec is active when saved
    expected = [(s.name, s.plan) for s in doc.scenarios]
    assert expected[1][1].lead_spec is not None and expected[1][1].lead_spec.threshold == 70.0
    assert expected[2][1].channels[2].cost_per_lead == 500.0

    target = tmp_path / "scenarios.xlsx"
    monkeypatch.setattr("gui.main_window.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    window.save_as_action.trigger()
    assert target.exists() and not window.isWindowModified()

    fresh = MainWindow(settings, tmp_path / "recovery" / "other.json")
    qtbot.addWidget(fresh)
    assert fresh.open_file(target, ask=False)
    assert [(s.name, s.plan) for s in fresh.document.scenarios] == expected
    assert fresh.document.active_scenario.name == "Proposed spec"
    assert fresh.scenario_box.currentText() == "Proposed spec"
    assert fresh.document.plan.lead_spec is not None and fresh.document.plan.lead_spec.threshold == 70.0
    assert not fresh.isWindowModified()
    for win in (window, fresh):
        QApplication.processEvents()
        win.maybe_save = lambda: True  # type: ignore[method-assign]
        win.close()


@pytest.mark.gui
def test_a_scenario_with_errors_blocks_saving_naming_it(
    qtbot,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, tmp_path / "recovery" / "recovery.json")
    qtbot.addWidget(window)
    doc = window.document
    broken = doc.plan.with_changes(channels=doc.plan.channels[:1])  # the mix no longer adds up to 100%
    doc.add_scenario("Half done", broken)
    doc.switch_scenario(doc.scenarios[0].id)
    shown: list[str] = []
    monkeypatch.setattr("gui.main_window.QMessageBox.warning", lambda _p, _t, text: shown.append(text))
    assert not window._save_to(tmp_path / "plan.json")
    assert "Scenario 'Half done'" in shown[0]
    assert not (tmp_path / "plan.json").exists()
    window.maybe_save = lambda: True  # type: ignore[method-assign]
    window.close()
