"""Channels & budget: paid channels (mix, cost per lead, lead quality), free
sources, and the approved budget and fixed costs month by month."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from core.model.edits import (
    add_channel,
    add_free_source,
    remove_channel,
    remove_free_source,
    renormalise_mix,
    unique_name,
)
from gui.commands import set_field_edit
from gui.document import PlanDocument
from gui.formatting import percent_text
from gui.models.tables import ChannelsModel, FreeSourcesModel, MonthlyModel, budget_columns
from gui.views.base import Page, button_row, fit_to_columns, selected_row
from gui.widgets.fields import section_label


class ChannelsPage(Page):
    title = "Channels & budget"
    subtitle = (
        "Where leads come from and what they cost. Paid channels share the paid leads by their mix; "
        "free sources add volume at no cost per lead."
    )

    def __init__(self, document: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(document, parent)
        split = QSplitter(Qt.Orientation.Vertical)
        top = QSplitter(Qt.Orientation.Horizontal)

        paid = QWidget()
        paid_layout = QVBoxLayout(paid)
        paid_layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(section_label("Paid channels"))
        head.addStretch(1)
        self.mix_total = QLabel()
        self.mix_total.setObjectName("hint")
        head.addWidget(self.mix_total)
        self.balance = QPushButton("Make it 100%")
        self.balance.setToolTip("Scale every channel's share so the mix adds up to 100%, keeping their proportions.")
        self.balance.clicked.connect(self.balance_mix)
        head.addWidget(self.balance)
        paid_layout.addLayout(head)
        self.channels = ChannelsModel(document, self)
        self.channel_table = self.sheet()
        self.channel_table.setModel(self.channels)
        # the names at their width (the table scrolls sideways when the page is narrow), the last column stretched
        fit_to_columns(self.channel_table, ChannelsModel.SPEND)
        paid_layout.addWidget(self.channel_table, 1)
        add = QPushButton("Add channel")
        remove = QPushButton("Remove channel")
        add.clicked.connect(self.add_channel)
        remove.clicked.connect(self.remove_channel)
        paid_layout.addLayout(button_row(add, remove))
        top.addWidget(paid)

        free = QWidget()
        free_layout = QVBoxLayout(free)
        free_layout.setContentsMargins(0, 0, 0, 0)
        free_layout.addWidget(section_label("Free sources"))
        self.sources = FreeSourcesModel(document, self)
        self.source_table = self.sheet()
        self.source_table.setModel(self.sources)
        fit_to_columns(self.source_table, FreeSourcesModel.NAME)
        free_layout.addWidget(self.source_table, 1)
        add_source = QPushButton("Add source")
        remove_source = QPushButton("Remove source")
        add_source.clicked.connect(self.add_source)
        remove_source.clicked.connect(self.remove_source)
        free_layout.addLayout(button_row(add_source, remove_source))
        top.addWidget(free)
        top.setStretchFactor(0, 2)
        top.setStretchFactor(1, 1)
        top.setChildrenCollapsible(False)
        self.fit_splitter(top, [self.channel_table, self.source_table], [2, 1])
        split.addWidget(top)

        monthly = QWidget()
        monthly_layout = QVBoxLayout(monthly)
        monthly_layout.setContentsMargins(0, 8, 0, 0)
        head = QHBoxLayout()
        head.addWidget(section_label("Budget and fixed costs by month"))
        head.addStretch(1)
        self.has_budget = QCheckBox("Plan against an approved budget")
        self.has_budget.toggled.connect(self._budget_toggled)
        head.addWidget(self.has_budget)
        monthly_layout.addLayout(head)
        self.monthly = MonthlyModel(document, budget_columns, self)
        self.monthly_table = self.sheet()
        self.monthly_table.setModel(self.monthly)
        monthly_layout.addWidget(self.monthly_table, 1)
        split.addWidget(monthly)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        self.layout_.addWidget(split, 1)
        document.planChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        plan = self.document.plan
        total = sum(c.mix for c in plan.channels)
        ok = abs(total - 1.0) <= 1e-6 or not plan.channels
        self.mix_total.setText(
            f"Mix adds up to {percent_text(total)}" + ("" if ok else " — make it 100% to see the results")
        )
        self.mix_total.setProperty("invalid", not ok)
        self.balance.setVisible(not ok)
        self.mix_total.style().unpolish(self.mix_total)
        self.mix_total.style().polish(self.mix_total)
        self.has_budget.blockSignals(True)
        self.has_budget.setChecked(plan.approved_budget is not None)
        self.has_budget.blockSignals(False)

    def _budget_toggled(self, on: bool) -> None:
        plan = self.document.plan
        if on and plan.approved_budget is None:
            result = self.document.result
            start = [float(x) for x in result.spend_total] if result is not None else [0.0] * plan.months
            self.edit_plan(set_field_edit("approved_budget", tuple(start)), "Plan against a budget")
        elif not on and plan.approved_budget is not None:
            self.edit_plan(set_field_edit("approved_budget", None), "Plan without a budget")

    def balance_mix(self) -> None:
        """Every channel's share scaled so the mix adds up to 100%."""
        self.edit_plan(renormalise_mix, "Make the mix 100%")

    def add_channel(self) -> None:
        plan = self.document.plan
        name = unique_name("New channel", [c.name for c in plan.channels])
        if self.edit_plan(partial(add_channel, name=name, cost_per_lead=100.0), f"Add channel '{name}'"):
            self.message.emit("Give the new channel a share of the paid leads; the shares must add up to 100%.")

    def remove_channel(self) -> None:
        plan = self.document.plan
        row = selected_row(self.channel_table)
        if row is None:
            self.message.emit("Select the channel to remove first.")
            return
        name, share = plan.channels[row].name, plan.channels[row].mix
        removed = self.edit_plan(partial(remove_channel, index=row), f"Remove channel '{name}'")
        if removed and share > 0 and self.document.plan.channels:
            self.message.emit(f"'{name}' removed; its share of the paid leads went to the others in proportion.")

    def add_source(self) -> None:
        plan = self.document.plan
        name = unique_name("New source", [s.name for s in plan.free_sources])
        self.edit_plan(partial(add_free_source, name=name), f"Add '{name}'")

    def remove_source(self) -> None:
        plan = self.document.plan
        row = selected_row(self.source_table)
        if row is None:
            self.message.emit("Select the source to remove first.")
            return
        self.edit_plan(partial(remove_free_source, index=row), f"Remove '{plan.free_sources[row].name}'")
