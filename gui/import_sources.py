"""The import wizard's lead sources: each source of the data shown as a free
source (its leads per month) or a paid channel, with why; the person can
change it and calibrate again. Below, what came from the data and what was
kept from the base plan, in words."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.importer import Calibration

KINDS = (("free", "Free source (leads per month)"), ("paid", "Paid channel (mix and cost per lead)"))


class SourcesPanel(QWidget):
    """Sources and their kind; ``recalibrate`` carries the person's choices
    ({source: "free" | "paid"}) when they press Calibrate again."""

    recalibrate = Signal(dict)
    edited = Signal()

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("Lead sources in the data (change a kind, then Calibrate again):")
        layout.addWidget(self.title)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Source", "Rows", "Kind", "Why"])
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setMaximumHeight(170)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.again = QPushButton("Calibrate again")
        self.again.setEnabled(False)
        self.again.clicked.connect(self._again)
        self.note = QLabel()
        self.note.setWordWrap(True)
        row.addWidget(self.again)
        row.addWidget(self.note, 1)
        layout.addLayout(row)
        self.provenance = QLabel()
        self.provenance.setWordWrap(True)
        layout.addWidget(self.provenance)
        self.shown: dict[str, str] = {}

    @property
    def changed(self) -> bool:
        return self.choices() != self.shown

    def choices(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for r in range(self.table.rowCount()):
            item, combo = self.table.item(r, 0), self.table.cellWidget(r, 2)
            if item is not None and isinstance(combo, QComboBox):
                out[item.text()] = str(combo.currentData())
        return out

    def show_calibration(self, calibration: Calibration) -> None:
        self.table.setRowCount(0)
        for source in calibration.sources:
            r = self.table.rowCount()
            self.table.insertRow(r)
            self.table.setItem(r, 0, QTableWidgetItem(source.name))
            self.table.setItem(r, 1, QTableWidgetItem(f"{source.leads:,}"))
            combo = QComboBox()
            for kind, words in KINDS:
                combo.addItem(words, kind)
            combo.setCurrentIndex(0 if source.kind == "free" else 1)
            combo.currentIndexChanged.connect(self._changed)
            self.table.setCellWidget(r, 2, combo)
            why = QTableWidgetItem(source.why)
            why.setToolTip(source.why)
            self.table.setItem(r, 3, why)
        self.table.resizeColumnsToContents()
        self.title.setVisible(bool(calibration.sources))
        self.table.setVisible(bool(calibration.sources))
        self.again.setVisible(bool(calibration.sources))
        self.shown = self.choices()
        self._changed()
        came = calibration.from_data
        text = f"<b>From the data:</b> {', '.join(came) if came else 'nothing'}."
        if calibration.kept:
            text += f"<br><b>Kept from the base plan (not in the data):</b> {', '.join(calibration.kept)}."
        if calibration.kept and len(came) < len(calibration.kept):
            text = (
                f"<div style='color:#8a5a00'>Little was recognised: {len(came)} figures came from the data; "
                f"{len(calibration.kept)} are the base plan's and were not calibrated.</div>" + text
            )
        self.provenance.setText(text)

    def _changed(self, *_args: object) -> None:
        self.again.setEnabled(self.changed)
        self.note.setText("Press Calibrate again to use the kinds you chose." if self.changed else "")
        self.edited.emit()

    def _again(self) -> None:
        self.recalibrate.emit(self.choices())
