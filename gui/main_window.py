"""The main window: a sidebar of pages over the document, menus for files,
editing and scenarios, autosave to a recovery file, and prompts before
anything unsaved would be lost."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from core.formats.documents import PlanDocumentData, export_refusal, load_document, load_plan, save_document
from core.formats.recovery import Recovery
from core.model.plan import Plan, Problem, errors_only
from core.paths import example_plan_path
from gui.document import PlanDocument, problem_text
from gui.operations import FileTasks
from gui.recovery import RecoveryKeeper, offer_recoveries
from gui.views.base import Page
from gui.views.capacity import CapacityPage
from gui.views.channels import ChannelsPage
from gui.views.contingency import ContingencyPage
from gui.views.funnel import FunnelPage
from gui.views.help import show_guide
from gui.views.lead_spec import LeadSpecPage
from gui.views.nurture import NurturePage
from gui.views.results import ResultsPage
from gui.views.scenarios import ScenariosPage
from gui.views.targets import TargetsPage
from gui.views.tracking import TrackingPage
from gui.widgets.kpi_strip import KpiStrip
from gui.widgets.window_fit import TYPICAL_FRAME, bounded_minimum, fits, fitted_window_rect

APP_NAME = "Funnel Planner"
PLAN_FILTER = "Plan workbook (*.xlsx);;Plan as JSON (*.json)"
OPEN_FILTER = "Plans (*.xlsx *.json);;Plan workbook (*.xlsx);;Plan as JSON (*.json);;All files (*)"
MAX_RECENT = 8
MIN_SIZE = QSize(960, 600)
DEFAULT_SIZE = QSize(1280, 800)

Ask = Callable[..., Any]


def problems_text(problems: tuple[Problem, ...], limit: int = 12) -> str:
    lines = [problem_text(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more.")
    return "\n".join(lines)


class MainWindow(QMainWindow):
    """The planner's window over one :class:`PlanDocument`."""

    shown = Signal()
    PAGES = (
        "Targets",
        "Funnel",
        "Lead spec",
        "Lead development",
        "Channels & budget",
        "Capacity",
        "Results",
        "Scenarios",
        "Tracking",
        "Contingency",
    )

    def __init__(self, settings: QSettings, recovery_folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._shown_once = False
        plan, _ = load_plan(example_plan_path())
        assert plan is not None, "the bundled example plan must load"
        self.document = PlanDocument(plan, None, self)
        self.setAcceptDrops(True)
        self.setWindowIcon(QIcon(str(Path(__file__).resolve().parent.parent / "resources" / "icons" / "funnel.svg")))
        self.setMinimumSize(bounded_minimum(self.available_geometry(), MIN_SIZE))  # a small screen: smaller

        central = QWidget()
        outer = QHBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(216)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(self.sidebar)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(0)
        self.kpis = KpiStrip(self.document)
        right.addWidget(self.kpis)
        self.stack = QStackedWidget()
        right.addWidget(self.stack, 1)
        outer.addLayout(right, 1)
        self.setCentralWidget(central)

        self.targets = TargetsPage(self.document)
        self.funnel = FunnelPage(self.document)
        self.lead_spec = LeadSpecPage(self.document)
        self.nurture = NurturePage(self.document)
        self.channels = ChannelsPage(self.document)
        self.capacity = CapacityPage(self.document)
        self.results = ResultsPage(self.document)
        self.scenarios = ScenariosPage(self.document)
        self.tracking = TrackingPage(self.document)
        self.contingency = ContingencyPage(self.document)
        self.pages: list[Page] = [
            self.targets,
            self.funnel,
            self.lead_spec,
            self.nurture,
            self.channels,
            self.capacity,
            self.results,
            self.scenarios,
            self.tracking,
            self.contingency,
        ]
        for name, page in zip(self.PAGES, self.pages, strict=True):
            self.stack.addWidget(page)
            self.sidebar.addItem(QListWidgetItem(name))
            page.message.connect(self.show_message)
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.sidebar.setCurrentRow(0)

        self._build_actions()
        file_actions = [self.new_action, self.open_action, self.save_action, self.save_as_action]
        file_actions += [self.import_action, self.export_action, self.recent_menu.menuAction()]
        self.file_tasks = FileTasks(self.statusBar(), file_actions, self)  # open, save, export: off the GUI thread
        self.file_tasks.ended.connect(self._file_task_ended)
        self._close_when_done = False
        self.statusBar().showMessage("Ready. Every figure updates as you type.", 5000)
        self.document.modifiedChanged.connect(self.setWindowModified)
        self.document.pathChanged.connect(self._update_title)
        self.document.scenariosChanged.connect(self._update_scenario_box)
        self.document.scenariosChanged.connect(self._update_title)
        self.document.planChanged.connect(self._update_title)  # the plan's name is the title
        self._update_title()
        self._update_scenario_box()

        self.recovery = RecoveryKeeper(self.document, recovery_folder, parent=self)  # autosave, debounced
        self._restore_settings()

    # ----- building ------------------------------------------------------------------------
    def _action(self, text: str, slot: Callable[[], Any], shortcut: Any = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        key = QKeySequence.StandardKey
        self.new_action = self._action("&New plan", self.new_plan, key.New)
        self.open_action = self._action("&Open…", self.open_dialog, key.Open)
        self.save_action = self._action("&Save", self.save, key.Save)
        self.save_as_action = self._action("Save &As…", self.save_as, key.SaveAs)
        self.import_action = self._action(
            "&Import last year's spreadsheet…", self.import_wizard, "Ctrl+I", "Calibrate rates from last year's data"
        )
        self.export_action = self._action(
            "&Export budget request…", self.export_budget_request, "Ctrl+E", "A workbook for finance"
        )
        self.quit_action = self._action("&Quit", self.close, key.Quit)
        self.undo_action = self.document.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence(key.Undo))
        self.redo_action = self.document.undo_stack.createRedoAction(self, "&Redo")
        # the platform's Redo plus both common ones (Linux's Redo is only Ctrl+Shift+Z)
        redo_keys = [QKeySequence(key.Redo), QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")]
        self.redo_action.setShortcuts(list(dict.fromkeys(k for k in redo_keys if not k.isEmpty())))
        self.new_scenario_action = self._action("&Copy into a new scenario…", self.scenarios.new_scenario)
        self.compare_action = self._action("Co&mpare scenarios", lambda: self.show_page("Scenarios"))

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addActions([self.new_action, self.open_action])
        self.recent_menu = file_menu.addMenu("Open &recent")
        file_menu.addSeparator()
        file_menu.addActions([self.save_action, self.save_as_action])
        file_menu.addSeparator()
        file_menu.addActions([self.import_action, self.export_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = menu.addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        scenario_menu = menu.addMenu("&Scenarios")
        scenario_menu.addActions([self.new_scenario_action, self.compare_action])
        go_menu = menu.addMenu("&Go")
        for i, name in enumerate(self.PAGES):
            # '&&': a literal '&' in a menu ("Channels & budget"), not a mnemonic
            go_menu.addAction(
                self._action(
                    name.replace("&", "&&"), partial(self.sidebar.setCurrentRow, i), f"Ctrl+{i + 1}" if i < 9 else None
                )
            )
        help_menu = menu.addMenu("&Help")
        self.guide_action = self._action(
            "&User guide", lambda: show_guide(self, "user-guide.md"), key.HelpContents, "The pages and the workflow"
        )
        self.math_action = self._action(
            "How the &math works", lambda: show_guide(self, "funnel-math.md"), tip="The formulas behind every figure"
        )
        help_menu.addActions([self.guide_action, self.math_action])
        help_menu.addSeparator()
        help_menu.addAction(self._action("&About Funnel Planner", self.about))
        self._rebuild_recent_menu()

        bar = QToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.addActions([self.open_action, self.save_action])
        bar.addSeparator()
        stack = self.document.undo_stack
        self.undo_button = self._action("Undo", stack.undo)
        self.redo_button = self._action("Redo", stack.redo)
        stack.canUndoChanged.connect(self.undo_button.setEnabled)
        stack.canRedoChanged.connect(self.redo_button.setEnabled)
        stack.undoTextChanged.connect(lambda t: self.undo_button.setToolTip(f"Undo {t}"))
        stack.redoTextChanged.connect(lambda t: self.redo_button.setToolTip(f"Redo {t}"))
        self.undo_button.setEnabled(stack.canUndo())
        self.redo_button.setEnabled(stack.canRedo())
        bar.addActions([self.undo_button, self.redo_button])
        bar.addSeparator()
        bar.addActions([self.import_action, self.export_action])
        spacer = QWidget()
        spacer.setSizePolicy(spacer.sizePolicy().horizontalPolicy().Expanding, spacer.sizePolicy().verticalPolicy())
        bar.addWidget(spacer)
        bar.addWidget(QLabel("Scenario  "))
        self.scenario_box = QComboBox()
        self.scenario_box.setMinimumWidth(200)
        self.scenario_box.activated.connect(self._scenario_chosen)
        bar.addWidget(self.scenario_box)
        self.addToolBar(bar)

    # ----- small helpers ---------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)

    def show_page(self, name: str) -> None:
        self.sidebar.setCurrentRow(self.PAGES.index(name))

    def _update_title(self) -> None:
        """The plan's name, then its file (when saved) and scenario: "FY2027 plan · plan.xlsx (Cut) — Funnel Planner"."""
        scenario = self.document.active_scenario.name if len(self.document.scenarios) > 1 else ""
        suffix = f" ({scenario})" if scenario else ""
        name = self.document.plan.name.strip() or self.document.display_name()
        path = self.document.path
        where = f" · {path.name}" if path is not None and path.name != name else ""
        title = f"{name}{where}[*]{suffix} — {APP_NAME}"
        if title != self.windowTitle():
            self.setWindowTitle(title)
        self.setWindowModified(self.document.is_modified())

    def _update_scenario_box(self) -> None:
        self.scenario_box.blockSignals(True)
        self.scenario_box.clear()
        for scenario in self.document.scenarios:
            self.scenario_box.addItem(scenario.name, scenario.id)
            if scenario.id == self.document.active_id:
                self.scenario_box.setCurrentIndex(self.scenario_box.count() - 1)
        self.scenario_box.blockSignals(False)

    def _scenario_chosen(self, index: int) -> None:
        self.document.switch_scenario(int(self.scenario_box.itemData(index)))

    def about(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            "Funnel Planner works backward from a revenue target to the leads, qualified leads, "
            "budget and sales time it takes, month by month.",
        )

    # ----- files -----------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """Ask before unsaved changes would be lost; False: the user cancelled."""
        if not self.document.is_modified():
            return True
        answer = QMessageBox.question(
            self,
            APP_NAME,
            f"Save the changes to {self.document.display_name()}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_plan(self) -> None:
        if not self.maybe_save():
            return
        plan, _ = load_plan(example_plan_path())
        assert plan is not None
        self.document.reset(plan.with_changes(name="New plan", notes=""), None)
        self.show_message("A new plan, starting from the example figures.")

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        start = str(self.document.path.parent) if self.document.path else str(Path.home())
        name, _ = QFileDialog.getOpenFileName(self, "Open a plan", start, OPEN_FILTER)
        if name:
            self.open_file(Path(name), ask=False)

    def open_file(self, path: Path, ask: bool = True, wait: bool = True) -> bool:
        """Open a plan file, read off the GUI thread; problems are shown, and
        nothing changes when it is refused. ``wait``: return once it is open
        (the window responsive meanwhile), True when it opened; otherwise True
        when the reading started."""
        if ask and not self.maybe_save():
            return False
        opened: list[bool] = []

        def done(read: tuple[PlanDocumentData | None, tuple[Problem, ...]]) -> None:
            opened.append(self._opened(path, *read))

        def failed(error: BaseException) -> None:
            opened.append(self._opened(path, None, (Problem("file", f"{path.name}: {error}", location=path.name),)))

        started = self.file_tasks.run(f"Opening {path.name}…", lambda: load_document(path), done, failed, wait)
        return bool(opened and opened[0]) if wait else started

    def _opened(self, path: Path, data: PlanDocumentData | None, problems: tuple[Problem, ...]) -> bool:
        if data is None:
            self._forget_recent(path)
            box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, f"{path.name} could not be opened.", parent=self)
            box.setInformativeText(problems_text(errors_only(problems) or problems))
            box.exec()
            return False
        self.document.open_document(data, path)
        self._add_recent(path)
        warnings = [p for p in problems if p.severity == "warning"]
        noted = f" ({len(warnings)} warnings: {problem_text(warnings[0])})" if warnings else "."
        self.show_message(f"Opened {path.name}{noted}")
        return True

    def save(self) -> bool:
        path = self.document.path
        if path is None:
            return self.save_as()
        return self._save_to(path)

    def save_as(self) -> bool:
        current = self.document.path
        suggested = current if current is not None else Path.home() / f"{self.document.plan.name or 'plan'}.xlsx"
        name, chosen = QFileDialog.getSaveFileName(self, "Save the plan", str(suggested), PLAN_FILTER)
        if not name:
            return False
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(".json" if "json" in chosen.lower() else ".xlsx")
        return self._save_to(path)

    def _save_to(self, path: Path, wait: bool = True) -> bool:
        """Write every scenario to ``path`` off the GUI thread (the plans are
        immutable: the snapshot taken here is what is written). ``wait``:
        return once written, the window responsive meanwhile (True: saved)."""
        errors = self.document.scenario_errors()
        if errors:
            QMessageBox.warning(
                self,
                APP_NAME,
                "The plan cannot be saved while it has problems (it could not be opened again):\n\n"
                + problems_text(errors)
                + "\n\nYour changes are kept; fix these and save again.",
            )
            return False
        data = self.document.document_data()
        edits = self.document.undo_stack.index()
        saved: list[bool] = []

        def done(_none: None) -> None:
            edited = self.document.undo_stack.index() != edits  # typed on while it was written
            self.document.mark_saved(path)
            if edited:
                self.document.mark_modified()  # what was typed meanwhile is not in the file
            self._add_recent(path)
            count = len(data.scenarios)
            self.show_message(f"Saved {path.name}" + (f" with its {count} scenarios." if count > 1 else "."))
            saved.append(True)

        def failed(exc: BaseException) -> None:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            QMessageBox.critical(
                self,
                APP_NAME,
                f"{path.name} could not be saved: {reason}\n\nYour changes are kept. Try another name or folder.",
            )
            saved.append(False)

        started = self.file_tasks.run(f"Saving {path.name}…", lambda: save_document(data, path), done, failed, wait)
        return bool(saved and saved[0]) if wait else started

    def export_budget_request(self) -> None:
        """Ask where, refuse a plan file (the CLI's rule), then write the
        budget request off the GUI thread; a file it replaces is kept as .bak."""
        try:
            from core.reports.budget_request import write_budget_request
        except ImportError:
            self.show_message("The budget request export is not available in this build.")
            return
        if errors_only(self.document.problems):
            QMessageBox.warning(
                self, APP_NAME, "Fix the plan's problems first:\n\n" + problems_text(self.document.problems)
            )
            return
        folder = self.document.path.parent if self.document.path else Path.home()
        suggested = folder / f"{self.document.plan.name} budget request.xlsx"
        name, _ = QFileDialog.getSaveFileName(self, "Export the budget request", str(suggested), "Workbook (*.xlsx)")
        if not name:
            return
        path = Path(name) if name.lower().endswith(".xlsx") else Path(name + ".xlsx")
        refusal = export_refusal(self.document.path, path)
        if refusal is not None:
            QMessageBox.warning(self, APP_NAME, problem_text(refusal))
            return
        plan = self.document.plan  # immutable: the figures as they are now
        backup = path.with_name(path.name + ".bak")
        kept = f" (the file it replaced is kept as {backup.name})" if path.exists() else ""

        def failed(exc: BaseException) -> None:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            QMessageBox.critical(self, APP_NAME, f"The budget request could not be written: {reason}")

        self.file_tasks.run(
            f"Writing the budget request {path.name}…",
            lambda: write_budget_request(plan, path),
            lambda _none: self.show_message(f"Budget request written to {path}{kept}."),
            failed,
        )

    def import_wizard(self, path: Path | None = None) -> None:
        try:
            from gui.import_wizard import ImportWizard
        except ImportError:
            self.show_message("Importing last year's spreadsheet is not available in this build.")
            return
        wizard = ImportWizard(self.document.plan, self, path)
        if wizard.exec() and wizard.calibrated_plan is not None:
            self.document.replace_plan(wizard.calibrated_plan, "Import last year's figures")
            self.show_message("Imported: rates and lags now come from last year's data. Undo takes it back.")

    # ----- recent files ----------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.settings.value("recentFiles", [])
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value] if isinstance(value, list) else []

    def _add_recent(self, path: Path) -> None:
        text = str(path.resolve())
        files = [text, *[f for f in self.recent_files() if f != text]][:MAX_RECENT]
        self.settings.setValue("recentFiles", files)
        self.settings.setValue("lastFile", text)
        self._rebuild_recent_menu()

    def _forget_recent(self, path: Path) -> None:
        text = str(path.resolve())
        self.settings.setValue("recentFiles", [f for f in self.recent_files() if f != text])
        self._rebuild_recent_menu()

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for text in files:
            self.recent_menu.addAction(self._action(Path(text).name, partial(self.open_file, Path(text))))
            self.recent_menu.actions()[-1].setStatusTip(text)
        self.recent_menu.setEnabled(bool(files))

    # ----- recovery --------------------------------------------------------------------------
    @property
    def recovery_file(self) -> Path:
        """This window's recovery file for the open document (present while it has unsaved changes)."""
        return self.recovery.file

    def write_recovery(self) -> bool:
        """Write the unsaved changes to the recovery file now (autosave does it
        a moment after each edit); False when there are none."""
        return self.recovery.write()

    def offer_recovery(self) -> bool:
        """At start-up: offer the unsaved work of planners that crashed. True: recovered."""
        recovered = offer_recoveries(self.recovery, self._ask_recover, self.show_message)
        if recovered is not None:
            self.show_message("Recovered your unsaved changes. Save them to keep them.")
        return recovered is not None

    def _ask_recover(self, recovery: Recovery, name: str) -> bool:
        when = datetime.fromtimestamp(recovery.written).strftime("%d %b %Y at %H:%M")
        answer = QMessageBox.question(
            self,
            APP_NAME,
            f"The planner did not close properly last time. Recover your unsaved changes to {name} (kept {when})?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        return answer == QMessageBox.StandardButton.Yes

    # ----- window events ---------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("geometry")
        restored = isinstance(geometry, QByteArray) and not geometry.isEmpty() and self.restoreGeometry(geometry)
        if not restored or not (self.isMaximized() or fits(self.available_geometry(), self._frame_rect())):
            self.fit_to_screen()  # the saved place is gone (a smaller screen), or there is none
        state = self.settings.value("windowState")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        page = self.settings.value("page", 0)
        try:
            self.sidebar.setCurrentRow(max(0, min(int(str(page)), len(self.PAGES) - 1)))
        except (TypeError, ValueError):
            self.sidebar.setCurrentRow(0)

    def available_geometry(self) -> QRect:
        """The part of the window's screen free of task bars and docks."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        return screen.availableGeometry()

    def _frame_rect(self) -> QRect:
        """The window with its title bar and borders (estimated before it is first shown)."""
        if self.isVisible() and self.frameGeometry() != self.geometry():
            return self.frameGeometry()
        return self.geometry().marginsAdded(TYPICAL_FRAME)

    def fit_to_screen(self, wanted: QSize = DEFAULT_SIZE) -> None:
        """``wanted`` size, or less: the whole window within the screen's available area."""
        available = self.available_geometry()
        self.setMinimumSize(bounded_minimum(available, MIN_SIZE))
        self.setGeometry(fitted_window_rect(available, wanted, self.minimumSize()))

    def save_settings(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.settings.setValue("page", self.sidebar.currentRow())
        self.settings.sync()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if not self.isMaximized() and not fits(self.available_geometry(), self._frame_rect()):
                self.fit_to_screen(self.size())
            self.shown.emit()

    def _file_task_ended(self) -> None:
        if self._close_when_done:
            self._close_when_done = False
            QTimer.singleShot(0, self.close)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.file_tasks.running():  # a file being written is finished first, never cut short
            self._close_when_done = True
            self.show_message("The planner closes once the file being written is complete.")
            event.ignore()
            return
        if not self.maybe_save():
            event.ignore()
            return
        self.save_settings()
        self.recovery.close()
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_path(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_path(event)
        if path is None:
            return
        event.acceptProposedAction()
        QTimer.singleShot(0, lambda: self.open_dropped(path))

    def open_dropped(self, path: Path) -> None:
        """A dropped plan opens; a workbook that is not a plan is offered to the import wizard."""
        plan, _problems = load_plan(path)
        if plan is not None:
            self.open_file(path)
            return
        if path.suffix.lower() in (".xlsx", ".xlsm", ".csv"):
            answer = QMessageBox.question(
                self,
                APP_NAME,
                f"{path.name} is not a plan workbook. Import it as last year's data?",
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.import_wizard(path)
            return
        self.open_file(path)

    @staticmethod
    def _dropped_path(event: QDragEnterEvent | QDropEvent) -> Path | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        for url in urls:
            if url.isLocalFile():
                path = Path(url.toLocalFile())
                if path.suffix.lower() in (".json", ".xlsx", ".xlsm", ".csv"):
                    return path
        return None

    def current_plan(self) -> Plan:
        return self.document.plan
