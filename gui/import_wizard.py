"""Importing last year's spreadsheet, step by step: pick the file, check the
sheet and columns the importer recognised (and fix the mapping), see the
calibrated figures with the number of rows each rests on, and accept them
into the plan as one undoable step. Reading and calibrating run off the GUI
thread with a progress bar and Cancel, so the window stays responsive."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from core.importer import (
    Calibration,
    ColumnMapping,
    ImportCancelled,
    Scan,
    calibrate,
    load_mapping,
    scan_workbook,
)
from core.importer.describe import row_kind
from core.importer.role_names import reason_words, role_label, roles_for
from core.model.plan import Plan, Problem
from gui.document import problem_text
from gui.formatting import number_text, percent_text
from gui.import_sources import SourcesPanel
from gui.operations import Operation

SPREADSHEETS = "Spreadsheets (*.xlsx *.xlsm *.xls *.ods *.csv);;All files (*)"


def role_choices(plan: Plan, shape: str | None = None) -> list[str]:
    """The roles a column of this shape of data may take (internal ids), named
    after the plan's stages, channels and lead criteria."""
    criteria = [c.name for c in plan.lead_spec.criteria] if plan.lead_spec is not None else []
    return roles_for(shape, [s.name for s in plan.stages], [c.name for c in plan.channels], criteria)


def problems_html(problems: tuple[Problem, ...] | list[Problem], limit: int = 8) -> str:
    """The problems in the person's words (file, sheet and cell, then what is
    wrong), errors in red and warnings in amber."""
    lines = []
    for p in list(problems)[:limit]:
        colour = "#b3261e" if p.severity == "error" else "#8a5a00"
        text = problem_text(p)
        if p.severity != "error":  # 'Note:' says it once, in front, rather than 'warning:' inside the sentence
            text = "Note: " + text.replace("warning: ", "", 1)
        lines.append(f"<div style='color:{colour}'>• {_escape(text)}</div>")
    if len(problems) > limit:
        lines.append(f"<div>… and {len(problems) - limit} more.</div>")
    return "".join(lines)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def figure_text(value: Any, field: str) -> str:
    """A calibrated value as a person reads it (rates as percentages)."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        if not value:
            return ""
        return f"{number_text(min(value))} – {number_text(max(value))} ({len(value)} months)"
    if field.endswith((".rate", ".share", ".mix")) or "pass_rate" in field:
        return percent_text(float(value))
    return number_text(float(value))


class Busy(QWidget):
    """A progress bar with a Cancel button for one running operation;
    ``done`` fires once it has ended and ``running()`` is False again."""

    done = Signal()

    def __init__(self) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.cancel = QPushButton("Cancel")
        layout.addWidget(self.label)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel)
        self.operation: Operation | None = None
        self.cancel.clicked.connect(self._cancel)
        self.hide()

    def run(self, operation: Operation, text: str) -> None:
        if self.operation is not None:
            self.operation.cancel()  # its results are no longer wanted
        self.operation = operation
        self.label.setText(text)
        self.bar.setValue(0)
        operation.progressed.connect(lambda f, _t: self.bar.setValue(int(1000 * max(0.0, min(1.0, f)))))
        operation.finished.connect(lambda: self._finished(operation))
        self.show()
        operation.start()

    def _cancel(self) -> None:
        if self.operation is not None:
            self.operation.cancel()
            self.label.setText("Cancelling…")

    def _finished(self, operation: Operation) -> None:
        if operation is not self.operation:
            return  # an operation replaced by a newer one
        self.hide()
        self.operation = None
        self.done.emit()

    def current(self, operation: Operation) -> bool:
        """True while ``operation`` is the one this bar shows (not replaced)."""
        return operation is self.operation

    def running(self) -> bool:
        return self.operation is not None


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.setTitle("Last year's spreadsheet")
        self.setSubTitle(
            "A monthly summary (a row per month) or a CRM export (a row per lead). The file is only read, never changed."
        )
        self.wiz = wizard
        form = QFormLayout(self)
        self.path = QLineEdit()
        self.path.textChanged.connect(self.completeChanged)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow("File", row)
        self.mapping = QLineEdit()
        self.mapping.setPlaceholderText("optional: a saved column mapping (.json)")
        browse_mapping = QPushButton("Browse…")
        browse_mapping.clicked.connect(self.browse_mapping)
        row2 = QHBoxLayout()
        row2.addWidget(self.mapping, 1)
        row2.addWidget(browse_mapping)
        form.addRow("Mapping", row2)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setObjectName("fieldError")
        form.addRow("", self.error)

    def browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Last year's spreadsheet", self.path.text(), SPREADSHEETS)
        if name:
            self.path.setText(name)

    def browse_mapping(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Column mapping", self.mapping.text(), "Mapping (*.json)")
        if name:
            self.mapping.setText(name)

    def isComplete(self) -> bool:
        return bool(self.path.text().strip())

    def validatePage(self) -> bool:
        path = Path(self.path.text().strip())
        if not path.is_file():
            self.error.setText(f"There is no file {path}.")
            return False
        mapping = None
        if self.mapping.text().strip():
            mapping, problems = load_mapping(Path(self.mapping.text().strip()))
            if mapping is None:
                self.error.setText("\n".join(problem_text(p) for p in problems))
                return False
        self.error.clear()
        self.wiz.source = path
        self.wiz.mapping = mapping
        return True


class ColumnsPage(QWizardPage):
    """What the importer recognised: sheet, header row, shape, each column's role.

    Next is enabled once the file has been read and can be calibrated; a
    changed choice (sheet, header row, data shape, a column's meaning) waits
    for Read again, and the page says so. Whatever keeps Next disabled is
    said in words under the tables."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.setTitle("Sheet and columns")
        self.setSubTitle(
            "Check what each column means. Change a meaning and press Read again; 'Ignore this column' skips it."
        )
        self.wiz = wizard
        self.changed = False  # a choice differs from what was last read
        self.chosen = False  # the columns were read with the choices made on this page
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.sheet = QComboBox()
        self.header_row = QSpinBox()
        self.header_row.setRange(1, 1000)
        self.shape = QComboBox()
        self.shape.addItem("guess", None)
        self.shape.addItem("a row per month", "monthly")
        self.shape.addItem("a row per lead", "leads")
        self.reread = QPushButton("Read again")
        self.reread.clicked.connect(self.rescan)
        for label, widget in (("Sheet", self.sheet), ("Header row", self.header_row), ("Data", self.shape)):
            top.addWidget(QLabel(label))
            top.addWidget(widget)
        top.addWidget(self.reread)
        top.addStretch(1)
        layout.addLayout(top)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.columns = QTableWidget(0, 4)
        self.columns.setHorizontalHeaderLabels(["Column", "Cell", "Means", "Note"])
        self.columns.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.columns.verticalHeader().hide()
        self.columns.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.columns, 2)
        layout.addWidget(QLabel("First rows of the sheet"))
        self.preview = QTableWidget(0, 0)
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.preview, 2)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.problems)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("fieldError")
        layout.addWidget(self.note)
        self.busy = Busy()
        self.busy.done.connect(self.read_done)
        layout.addWidget(self.busy)
        self.sheet.currentIndexChanged.connect(self.choices_changed)
        self.header_row.valueChanged.connect(self.choices_changed)
        self.shape.currentIndexChanged.connect(self.choices_changed)

    def initializePage(self) -> None:
        self.chosen = False
        self.scan_with(self.wiz.mapping)

    def scan_with(self, mapping: ColumnMapping | None) -> None:
        source = self.wiz.source
        assert source is not None
        self.wiz.scan = None
        self.changed = False
        self.problems.clear()
        self.set_choices_enabled(False)
        operation = Operation(lambda _progress, _cancelled: scan_workbook(source, mapping))
        operation.succeeded.connect(lambda scan: self.show_scan(scan) if self.busy.current(operation) else None)
        operation.failed.connect(lambda error: self.failed(error) if self.busy.current(operation) else None)
        self.wiz.operations.append(operation)
        self.busy.run(operation, f"Reading {source.name}…")
        self.update_note()
        self.completeChanged.emit()

    def read_done(self) -> None:
        """The read has ended (read, failed or cancelled): Next may follow."""
        self.set_choices_enabled(True)
        self.update_note()
        self.completeChanged.emit()

    def set_choices_enabled(self, enabled: bool) -> None:
        for widget in (self.sheet, self.header_row, self.shape, self.reread, self.columns):
            widget.setEnabled(enabled)

    def failed(self, error: BaseException) -> None:
        self.wiz.scan = None
        if isinstance(error, ImportCancelled):
            self.problems.setText("Reading was cancelled. Press Read again, or Back to choose another file.")
        else:
            self.problems.setText(problems_html([Problem("file", f"The file could not be read: {error}")]))
        self.completeChanged.emit()

    def show_scan(self, scan: Scan) -> None:
        self.wiz.scan = scan
        with QSignalBlocker(self.sheet), QSignalBlocker(self.header_row):
            self.sheet.clear()
            self.sheet.addItems(list(scan.sheet_names))
            if scan.sheet:
                self.sheet.setCurrentText(scan.sheet)
            self.header_row.setValue(scan.header_row or 1)
        table = scan.table
        rows = table.data_rows if table is not None else 0
        shape = row_kind(table)
        self.summary.setText(
            f"Sheet <b>{_escape(scan.sheet or '—')}</b>, headers in row {scan.header_row or '—'}: "
            f"{shape}, {rows:,} rows."
            + (f" Spend from sheet '{_escape(scan.spend_table.sheet)}'." if scan.spend_table is not None else "")
            + (
                f" Deals from sheet '{_escape(scan.deal_table.sheet)}' ({scan.deal_table.data_rows:,} rows)."
                if scan.deal_table is not None
                else ""
            )
        )
        self.show_columns(scan)
        preview = scan.preview
        width = max((len(r) for r in preview), default=0)
        self.preview.setColumnCount(width)
        self.preview.setRowCount(len(preview))
        for r, row in enumerate(preview):
            for c, text in enumerate(row):
                self.preview.setItem(r, c, QTableWidgetItem(text))
        self.problems.setText(problems_html(scan.problems))
        self.update_note()
        self.completeChanged.emit()

    def show_columns(self, scan: Scan) -> None:
        """A row per column: header, cell, a choice of meaning in words (the
        role id is the choice's data, never shown), and a note."""
        shape = scan.shape
        roles = role_choices(self.wiz.base, shape)
        self.columns.setRowCount(0)
        entries: list[tuple[str, str, str, str]] = [(c.header, c.address, c.role, c.source) for c in scan.columns]
        entries += [(c.header, c.address, "ignore", c.reason) for c in scan.ignored]
        for header, address, role, note in entries:
            r = self.columns.rowCount()
            self.columns.insertRow(r)
            self.columns.setItem(r, 0, QTableWidgetItem(header))
            self.columns.setItem(r, 1, QTableWidgetItem(address))
            combo = QComboBox()
            for choice in roles if role in roles else [role, *roles]:
                combo.addItem(role_label(choice, shape), choice)
            combo.setCurrentIndex(combo.findData(role))
            combo.currentIndexChanged.connect(self.choices_changed)
            self.columns.setCellWidget(r, 2, combo)
            item = QTableWidgetItem(self.note_words(note, shape))
            item.setToolTip(item.text())
            self.columns.setItem(r, 3, item)
        self.columns.resizeColumnsToContents()

    def note_words(self, note: str, shape: str | None) -> str:
        """Why a column is read as it is, or ignored: the person's own choice
        (made on this page, or in the mapping file they gave) or the reason."""
        chosen = "as you chose" if self.chosen else "as the mapping file says"
        if note in ("mapping", "ignored by the mapping file"):
            return chosen if note == "mapping" else f"ignored {chosen}"
        return "" if note == "guess" else reason_words(note, shape)

    def choices_changed(self, *_args: object) -> None:
        """The person changed the sheet, header row, shape or a column's
        meaning: what was read no longer matches until Read again."""
        if self.busy.running():
            return  # being filled in by a read
        if not self.changed:
            self.changed = True
            self.update_note()
            self.completeChanged.emit()

    def update_note(self) -> None:
        """Say in words what keeps Next disabled (nothing when it is enabled)."""
        self.note.setText(self.blocked_reason())

    def blocked_reason(self) -> str:
        scan = self.wiz.scan
        if self.busy.running():
            return ""
        if self.changed:
            return "You changed the sheet or the columns: press Read again to use your choices, then Next."
        if scan is None or scan.ok:
            return ""
        if scan.table is None:
            return "No table was recognised: choose the sheet and the header row, then press Read again."
        if scan.shape is None:
            return "Say whether the data has a row per month or a row per lead (Data), then press Read again."
        return "The file cannot be imported as it is (see above): change the sheet or columns and press Read again."

    def mapping(self) -> ColumnMapping:
        """The choices on this page over the mapping file's (its statuses,
        stages, decimal mark and date order are kept: this page has no place
        for them)."""
        columns = {}
        for r in range(self.columns.rowCount()):
            item = self.columns.item(r, 0)
            header = item.text() if item is not None else ""
            combo = self.columns.cellWidget(r, 2)
            assert isinstance(combo, QComboBox)
            columns[header] = str(combo.currentData() or "ignore")
        base = self.wiz.mapping or ColumnMapping()
        return ColumnMapping(
            sheet=self.sheet.currentText() or None,
            header_row=self.header_row.value(),
            columns=columns,
            stages=base.stages,
            criteria={},
            statuses=dict(base.statuses),
            shape=self.shape.currentData() or base.shape,
            decimal=base.decimal,  # how the mapping file said numbers and dates written as text read
            date_order=base.date_order,
            sources=dict(base.sources),
        )

    def rescan(self) -> None:
        self.wiz.mapping = self.mapping()
        self.chosen = True
        self.scan_with(self.wiz.mapping)

    def isComplete(self) -> bool:
        scan = self.wiz.scan
        return scan is not None and scan.ok and not self.changed and not self.busy.running()


class FiguresPage(QWizardPage):
    """The calibrated figures, their sample sizes and any warnings. Finish
    is enabled once calibration has ended with a plan."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.setTitle("Calibrated figures")
        self.setSubTitle(
            "What last year's data says, and how many rows each figure rests on. Finish puts them into the plan "
            "(Undo takes them back)."
        )
        self.wiz = wizard
        layout = QVBoxLayout(self)
        self.busy = Busy()
        self.busy.done.connect(self.completeChanged)
        layout.addWidget(self.busy)
        self.figures = QTableWidget(0, 5)
        self.figures.setHorizontalHeaderLabels(["Figure", "From the data", "In the plan now", "Rows", "Note"])
        self.figures.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.figures.verticalHeader().hide()
        self.figures.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.figures, 1)
        self.sources = SourcesPanel()
        self.sources.recalibrate.connect(self.recalibrate)
        self.sources.edited.connect(self.completeChanged)
        layout.addWidget(self.sources)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.problems)

    def initializePage(self) -> None:
        scan = self.wiz.scan
        assert scan is not None
        base = self.wiz.base
        self.wiz.calibration = None
        self.figures.setRowCount(0)
        self.problems.clear()

        def work(progress: Any, cancelled: Any) -> Calibration:
            return calibrate(scan, base, lambda f: progress(f, ""), cancelled)

        operation = Operation(work)
        operation.succeeded.connect(lambda c: self.show_calibration(c) if self.busy.current(operation) else None)
        operation.failed.connect(lambda error: self.failed(error) if self.busy.current(operation) else None)
        self.wiz.operations.append(operation)
        self.busy.run(operation, "Calibrating…")
        self.completeChanged.emit()

    def recalibrate(self, choices: dict[str, str]) -> None:
        """Calibrate again with the person's free/paid choice of each source."""
        mapping = self.wiz.mapping or ColumnMapping()
        self.wiz.mapping = replace(mapping, sources=choices)
        if self.wiz.scan is not None:
            self.wiz.scan = replace(self.wiz.scan, mapping=self.wiz.mapping)
        self.initializePage()

    def cleanupPage(self) -> None:
        """Back: a calibration still running is no longer wanted."""
        if self.busy.operation is not None:
            self.busy.operation.cancel()
        super().cleanupPage()

    def failed(self, error: BaseException) -> None:
        if isinstance(error, ImportCancelled):
            self.problems.setText("Cancelled. Go Back to change the columns, or Cancel the import.")
        else:
            self.problems.setText(problems_html([Problem("file", f"The data could not be calibrated: {error}")]))
        self.completeChanged.emit()

    def show_calibration(self, calibration: Calibration) -> None:
        self.wiz.calibration = calibration
        for figure in calibration.figures:
            r = self.figures.rowCount()
            self.figures.insertRow(r)
            values = [
                figure.label,
                figure_text(figure.value, figure.field),
                figure_text(figure.previous, figure.field),
                f"{figure.sample:,}",
                figure.warning or figure.basis,
            ]
            for c, text in enumerate(values):
                item = QTableWidgetItem(text)
                if c in (1, 2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if c == 4:
                    item.setToolTip(text)
                if c == 4 and figure.warning:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.figures.setItem(r, c, item)
        self.figures.resizeColumnsToContents()
        self.sources.show_calibration(calibration)
        text = problems_html(calibration.problems)
        if calibration.plan is None:
            text += (
                "<div style='color:#b3261e'>Nothing can be put into the plan from these figures: "
                "go Back to change the sheet or the columns.</div>"
            )
        self.problems.setText(text)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        calibration = self.wiz.calibration
        ready = calibration is not None and calibration.plan is not None and not self.busy.running()
        return ready and not self.sources.changed


class ImportWizard(QWizard):
    """Calibrate the plan from last year's spreadsheet; ``calibrated_plan`` is
    set when the person finishes."""

    def __init__(self, base: Plan, parent: QWidget | None = None, path: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import last year's spreadsheet")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.resize(960, 680)
        self.base = base
        self.source: Path | None = None
        self.mapping: ColumnMapping | None = None
        self.scan: Scan | None = None
        self.calibration: Calibration | None = None
        self.calibrated_plan: Plan | None = None
        self.operations: list[Operation] = []
        self.file_page = FilePage(self)
        self.columns_page = ColumnsPage(self)
        self.figures_page = FiguresPage(self)
        for page in (self.file_page, self.columns_page, self.figures_page):
            self.addPage(page)
        if path is not None:
            self.file_page.path.setText(str(path))

    def accept(self) -> None:
        if self.calibration is not None:
            self.calibrated_plan = self.calibration.plan
        super().accept()

    def reject(self) -> None:
        for operation in self.operations:
            operation.cancel()
        super().reject()

    def done(self, result: int) -> None:
        for operation in self.operations:
            operation.cancel()
        super().done(result)
