"""What every page shares: a title, margins, a way to report messages, and a
bar under the title that keeps a refused entry's message in view until the
cell holds a valid value."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.model.edits import PlanEdit
from gui.commands import push_edit
from gui.document import PlanDocument
from gui.widgets.fields import title_label
from gui.widgets.message_bar import MessageBar
from gui.widgets.sheet import SheetView


class Page(QWidget):
    """A page of the main window over the document. Its content scrolls when
    the window is smaller than the content can be (a small screen), rather
    than being squeezed until widgets overlap."""

    message = Signal(str)
    title = ""
    subtitle = ""

    def __init__(self, document: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("pageScroll")
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.body = QWidget()
        self.body.setObjectName("pageBody")
        self.scroll_area.setWidget(self.body)
        outer.addWidget(self.scroll_area)
        self.layout_ = QVBoxLayout(self.body)
        self.layout_.setContentsMargins(28, 20, 28, 20)
        self.layout_.setSpacing(12)
        self.layout_.addWidget(title_label(self.title, self.subtitle))
        self.message_bar = MessageBar()
        self.layout_.addWidget(self.message_bar)
        self._fitted: list[tuple[QSplitter, tuple[QTableView | None, ...], tuple[int, ...]]] = []
        self._moved: set[int] = set()

    def edit_plan(self, edit: PlanEdit, text: str) -> bool:
        """Make a core plan edit (:mod:`core.model.edits`) as one undo step;
        a refusal is said in the status bar. True when it was made."""
        refused = push_edit(self.document, text, [edit])
        if refused:
            self.message.emit(str(refused[0]))
        return not refused

    def sheet(self) -> SheetView:
        view = SheetView()
        view.message.connect(self.message)
        view.refusedChanged.connect(self.show_refusals)
        return view

    def show_refusals(self) -> None:
        """The message bar shows why the latest entry on this page was refused, while any cell is marked."""
        messages: list[str] = []
        for view in self.findChildren(SheetView):
            model = view.plan_model()
            if model is not None:
                messages += model.refused_messages()
        self.message_bar.show_messages(messages)

    def fit_splitter(self, splitter: QSplitter, tables: Sequence[QTableView | None], weights: Sequence[int]) -> None:
        """Size the parts of a horizontal ``splitter`` so each table shows all
        its columns (a part without a table: None, takes no minimum), the room
        left over shared by ``weights``; refitted on resize and edits until the
        user drags the divider."""
        self._fitted.append((splitter, tuple(tables), tuple(weights)))
        splitter.splitterMoved.connect(lambda *_: self._moved.add(id(splitter)))
        self.document.planChanged.connect(self.fit_splitters)

    def fit_splitters(self) -> None:
        if not self.isVisible():
            return
        for splitter, tables, weights in self._fitted:
            total = sum(splitter.sizes())
            if id(splitter) in self._moved or total <= 0:
                continue
            needs = [0 if t is None else table_width(t) for t in tables]
            splitter.setSizes(share_width(total, needs, weights))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.fit_splitters()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.fit_splitters()


def table_width(view: QTableView) -> int:
    """The width ``view`` needs to show every visible column without a
    horizontal scroll bar: stretched and fitted columns at their content
    width, the others at their current width, plus row header, frame and a
    vertical scroll bar when the rows overflow."""
    header = view.horizontalHeader()
    rows = view.verticalHeader()
    width = 2 * view.frameWidth() + (0 if rows.isHidden() else rows.sizeHint().width())
    for column in range(header.count()):
        if header.isSectionHidden(column):
            continue
        if header.sectionResizeMode(column) in (
            QHeaderView.ResizeMode.Stretch,
            QHeaderView.ResizeMode.ResizeToContents,
        ):
            width += max(header.sectionSizeHint(column), view.sizeHintForColumn(column))
        else:
            width += header.sectionSize(column)
    if header.height() + rows.length() > view.height() - 2 * view.frameWidth():
        width += view.verticalScrollBar().sizeHint().width()
    return width


def share_width(total: int, needs: Sequence[int], weights: Sequence[int]) -> list[int]:
    """Split ``total`` pixels: every part its need and the rest by weight;
    when the needs do not fit, every part in proportion to its need."""
    need = sum(needs)
    if need <= 0:
        need, needs = len(needs), [1] * len(needs)
    if need >= total:
        sizes = [total * n // need for n in needs]
    else:
        spare, weight = total - need, sum(weights) or 1
        sizes = [n + spare * w // weight for n, w in zip(needs, weights, strict=True)]
    sizes[-1] += total - sum(sizes)
    return sizes


def fit_to_columns(view: QTableView, stretch: int) -> None:
    """Columns sized to their contents, ``stretch`` (the name) taking the room left.

    Sized when rows come or go and when the view is shown, not in
    ResizeToContents mode: that mode measures every row of every such table
    (hidden pages too) on each edit, which made an edit of a large plan
    several times slower."""
    header = view.horizontalHeader()

    def fit(*_: object) -> None:
        for column in range(header.count()):
            if column != stretch and not header.isSectionHidden(column):
                view.resizeColumnToContents(column)

    for column in range(header.count()):
        mode = QHeaderView.ResizeMode.Stretch if column == stretch else QHeaderView.ResizeMode.Interactive
        header.setSectionResizeMode(column, mode)
    model = view.model()
    if model is not None:
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.layoutChanged):
            signal.connect(fit)
    fit()


def button_row(*buttons: QPushButton, stretch: bool = True) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(8)
    for button in buttons:
        row.addWidget(button)
    if stretch:
        row.addStretch(1)
    return row


def selected_row(view: SheetView) -> int | None:
    index = view.currentIndex()
    return index.row() if index.isValid() else None
