"""Starting the desktop planner: the application object, its look, the first
document (the file given, else the last one, else the bundled example), the
crash dialog and the offer to recover after a crash.

Hidden options for tools: ``--exit-after-show`` prints the seconds from start
to the first shown window and quits (the cold-start bench);
``--screenshots DIR`` saves a PNG of every page and quits.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from core.model.plan import Plan
from core.paths import resource
from gui.crash import CrashHandler
from gui.main_window import APP_NAME, MainWindow

ORGANIZATION = "FunnelPlanner"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", add_help=False)
    parser.add_argument("plan", nargs="?", type=Path)
    parser.add_argument("--exit-after-show", action="store_true")
    parser.add_argument("--screenshots", type=Path)
    return parser


def style_sheet() -> str:
    path = resource("style.qss")
    return path.read_text(encoding="utf-8") if path.exists() else ""


def recovery_folder() -> Path:
    """The recovery files (one per running planner and document), in the
    per-user application data folder."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder) / "recovery"


def configure(app: QApplication) -> None:
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setWindowIcon(QIcon(str(resource("icons", "funnel.svg"))))
    app.setStyle("Fusion")
    app.setStyleSheet(style_sheet())


def create_window(settings: QSettings, recovery: Path, plan_path: Path | None) -> MainWindow:
    """The window with its first document (recovery is offered after it shows);
    ``recovery`` is the folder of recovery files."""
    window = MainWindow(settings, recovery)
    if plan_path is not None:
        window.open_file(plan_path, ask=False)
    else:
        last = settings.value("lastFile")
        if isinstance(last, str) and last and Path(last).exists():
            window.open_file(Path(last), ask=False)
    return window


def save_screenshots(app: QApplication, window: MainWindow, folder: Path) -> None:
    """A PNG of the window on every page, named after the page."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {
        "Targets": "targets",
        "Funnel": "funnel",
        "Lead spec": "lead_spec",
        "Channels & budget": "channels_budget",
        "Capacity": "capacity",
        "Results": "results",
        "Scenarios": "scenarios",
    }
    if len(window.document.scenarios) < 2:
        from core.model.edits import adopt_proposed_lead_spec, remove_channel

        plan = window.document.plan
        baseline = window.document.active_id
        stricter = adopt_proposed_lead_spec(plan)
        if isinstance(stricter, Plan):
            window.document.add_scenario("Stricter spec (70 points)", stricter)
        trade_shows = [j for j, c in enumerate(plan.channels) if c.name == "Trade shows"]
        cut = remove_channel(plan, trade_shows[0]) if trade_shows and len(plan.channels) > 1 else None
        if isinstance(cut, Plan):
            window.document.add_scenario("Cut trade shows", cut)
        window.document.switch_scenario(baseline)
        window.document.undo_stack.setClean()
    for page, name in names.items():
        window.show_page(page)
        for _ in range(5):
            app.processEvents()
        window.grab().save(str(folder / f"{name}.png"))
    print(f"saved {len(names)} screenshots to {folder}")


def run(argv: list[str], started: float | None = None) -> int:
    """Open the planner (``argv`` without the program name); returns the exit status."""
    started = time.perf_counter() if started is None else started
    args = build_parser().parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure(app)
    settings = QSettings()
    offer = not args.exit_after_show and args.screenshots is None
    window = create_window(settings, recovery_folder(), args.plan)
    crash = CrashHandler(lambda: window, window.write_recovery)
    crash.install()
    if args.exit_after_show:

        def report() -> None:
            print(f"shown {time.perf_counter() - started:.3f}", flush=True)
            QTimer.singleShot(0, app.quit)

        window.shown.connect(report)
    if args.screenshots is not None:
        window.fit_to_screen()  # the default size, within the screen
        folder = args.screenshots

        def shoot() -> None:
            save_screenshots(app, window, folder)
            app.quit()

        window.shown.connect(lambda: QTimer.singleShot(200, shoot))
    window.show()
    if offer:
        QTimer.singleShot(0, window.offer_recovery)  # the work of planners that crashed, if any
    try:
        return app.exec()
    finally:
        crash.uninstall()
