"""``main.py --selftest``: prove an installation (source or frozen bundle)
works end to end without showing anything.

Builds the real main window (not shown), checks it loaded the bundled
example plan and computed it as the core does, visits every page, saves and
reopens the plan through the window (its background file work), exports a
budget-request workbook to a temporary folder and reads it back, and saves
and reopens the plan as a workbook. Exit status 0 when all is well; 1 with a
message naming the failed step otherwise.
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from core.calc.engine import calculate
from core.formats.documents import load_plan, save_plan
from core.model.plan import Plan
from core.paths import example_plan_path, is_frozen
from core.reports.budget_request import write_budget_request


class SelfTestFailed(Exception):
    """A step of the self-test did not give what it should."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise SelfTestFailed(message)


def _example() -> Plan:
    plan, problems = load_plan(example_plan_path())
    _check(plan is not None, f"the bundled example plan does not load: {'; '.join(map(str, problems))}")
    assert plan is not None
    return plan


def _window_step(folder: Path, plan: Plan) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui.app import configure
    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure(app)
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, folder / "recovery.json")
    try:
        document = window.document
        _check(document.plan == plan, "the window did not open the bundled example plan")
        result = document.result
        _check(result is not None, "the window computed no result for the example plan")
        assert result is not None
        expected = calculate(plan)
        _check(
            math.isclose(float(result.paid_leads.sum()), float(expected.paid_leads.sum()), rel_tol=1e-12),
            "the window's result differs from the engine's",
        )
        for page in ("Targets", "Funnel", "Lead spec", "Channels & budget", "Capacity", "Results", "Scenarios"):
            window.show_page(page)
            app.processEvents()
        saved = folder / "window-plan.json"  # saved and reopened off the GUI thread, as Save and Open do
        _check(window._save_to(saved), "the window could not save the plan")
        _check(window.open_file(saved, ask=False), "the window could not reopen the plan it saved")
        _check(window.document.plan == plan, "the plan the window saved reads back differently")
    finally:
        window.document.undo_stack.setClean()
        window.close()
        window.deleteLater()
        app.processEvents()


def _export_step(folder: Path, plan: Plan) -> None:
    from python_calamine import CalamineWorkbook

    target = folder / "budget-request.xlsx"
    write_budget_request(plan, target)
    workbook = CalamineWorkbook.from_path(str(target))
    _check("Summary" in workbook.sheet_names, f"the budget request has no Summary sheet ({workbook.sheet_names})")
    cells = [c for row in workbook.get_sheet_by_name("Summary").to_python() for c in row]
    target_total = float(sum(plan.revenue_target))
    _check(
        any(isinstance(c, float) and math.isclose(c, target_total) for c in cells),
        "the budget request's summary does not show the revenue target",
    )


def _plan_workbook_step(folder: Path, plan: Plan) -> None:
    target = folder / "plan.xlsx"
    save_plan(plan, target)
    again, problems = load_plan(target)
    _check(again == plan, f"the plan saved as a workbook reads back differently: {'; '.join(map(str, problems))}")


def _solver_step(folder: Path, plan: Plan) -> None:
    """The parts that need scipy in the bundle: the contingency plan (HiGHS),
    the odds (Beta draws) and a cohort estimate (Kaplan-Meier)."""
    from dataclasses import replace
    from datetime import date, timedelta

    from core.calc.outlook import complete
    from core.importer.calibrate.cohorts import cohort_transition

    measured = replace(
        plan, stages=tuple(replace(s, rate_sample=500) if s.rate is not None else s for s in plan.stages)
    )
    result = complete(measured, calculate(measured))
    _check(bool(result.contingency), "no contingency plan was worked out for the example's stricter spec")
    _check(result.uncertainty is not None, "the odds were not drawn for rates measured on 500 leads")
    start = date(2025, 1, 1)
    entered = [start + timedelta(days=7 * i) for i in range(60)]
    converted = [d + timedelta(days=40) if i % 3 == 0 else None for i, d in enumerate(entered)]
    estimate = cohort_transition(entered, converted, date(2026, 6, 30))
    _check(estimate.problem is None and 0 < estimate.rate < 1, f"the cohort estimate failed: {estimate.problem}")


def run_selftest(out: Callable[[str], None] = print) -> int:
    """Run every step; returns the exit status."""
    started = time.perf_counter()
    steps: list[tuple[str, Callable[[Path, Plan], None]]] = [
        ("main window on the example plan", _window_step),
        ("budget-request export and read-back", _export_step),
        ("plan workbook save and reopen", _plan_workbook_step),
        ("contingency plan, odds and cohort timing (scipy)", _solver_step),
    ]
    out(f"self-test ({'bundle' if is_frozen() else 'source'}, Python {sys.version.split()[0]})")
    try:
        plan = _example()
        with tempfile.TemporaryDirectory(prefix="funnel-selftest-") as tmp:
            for label, step in steps:
                step(Path(tmp), plan)
                out(f"  ok  {label}")
    except Exception as exc:  # every failure is reported, none escapes as a traceback
        out(f"  FAILED: {exc}")
        if not isinstance(exc, SelfTestFailed):
            out(traceback.format_exc())
        return 1
    out(f"self-test passed in {time.perf_counter() - started:.2f} s")
    return 0
