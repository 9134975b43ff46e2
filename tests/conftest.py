"""Shared test setup: Qt runs offscreen; helpers to load the example plan."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import gui  # noqa: F401 - applies the PySide6 reference-count workaround before any Qt call

# Property tests draw the same examples on every run (a test's examples are
# seeded by its name): CI is repeatable, and a failing example found while
# developing is kept as a test of its own.
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "xlsx"


@pytest.fixture
def example_plan():  # type: ignore[no-untyped-def]
    """The bundled example plan, read and validated."""
    from core.formats.plan_json import load_plan_json
    from core.paths import example_plan_path

    plan, problems = load_plan_json(example_plan_path())
    assert plan is not None, problems
    return plan


@pytest.fixture
def window(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The main window on the example plan at 1280x720 (see :mod:`tests.gui_actions`)."""
    from tests.gui_actions import main_window

    yield from main_window(qtbot, tmp_path)


@pytest.fixture(autouse=True)
def qt_objects_die_between_tests(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """After each test that used Qt, the Qt objects it left to Python
    (documents, their timers, cards made without a parent) are collected and
    their deferred deletions run, here, between tests: collected later,
    inside another test's event loop, a timer of a half-deleted object can
    fire (a crash seen when the GUI test files run in one session)."""
    yield
    from PySide6.QtWidgets import QApplication

    used_qt = "qtbot" in request.fixturenames or request.node.path.name.startswith("test_gui")
    if used_qt and QApplication.instance() is not None:
        import gc

        gc.collect()
        QApplication.processEvents()
