"""The tables of the contingency plan: the sources the user keeps ready
(edited like the other tables) and a contingency plan's schedule, a row per
plan month and a column per source (read-only, from the result)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from core.model.plan import Problem
from gui.document import PlanDocument
from gui.formatting import count_text, money_text
from gui.models.actuals import ResultTableModel
from gui.models.base import Cell, PlanTableModel
from gui.models.values import EntryError, Kind

SITUATIONS = ("spec_change", "tracking")
"""The deficits a contingency plan is made for (the keys of ``result.contingency``)."""


class SourcesModel(PlanTableModel):
    """The contingency sources: name, the stage it delivers, cost per item,
    items a month at most, lead time in months, optional rate."""

    headers = ("Source", "Delivers", "Cost per item", "A month at most", "Lead time (months)", "To next stage")
    header_tips = (
        "An appointment-setting vendor, a content-syndication burst, tele-qualification of the nurture pool...",
        "The stage its items enter (from the first stage down to the qualified-lead stage).",
        "What one item costs.",
        "The most it can deliver in a month; entering a number sets every month.",
        "Months from the decision to buy before it delivers.",
        "Share of its items reaching the next stage; empty: the funnel's rate.",
    )
    NAME, STAGE, COST, CAPACITY, LEAD, RATE = range(6)

    def row_total(self) -> int:
        contingency = self.plan.contingency
        return 0 if contingency is None else len(contingency.sources)

    def cell(self, row: int, column: int) -> Cell:
        contingency = self.plan.contingency
        assert contingency is not None
        source = contingency.sources[row]
        base = f"contingency.sources[{row}]"
        if column == self.NAME:
            return Cell(Kind.TEXT, source.name, f"{base}.name")
        if column == self.STAGE:
            return Cell(Kind.TEXT, source.stage, f"{base}.stage")
        if column == self.COST:
            return Cell(Kind.MONEY, source.cost_per_item, f"{base}.cost_per_item")
        if column == self.CAPACITY:
            uniform = len(set(source.max_per_month)) <= 1
            value = source.max_per_month[0] if source.max_per_month else 0.0
            tip = "" if uniform else "Varies by month; this is the first month. Entering a value sets every month."
            return Cell(Kind.NUMBER, value, f"{base}.max_per_month", tooltip=tip)
        if column == self.LEAD:
            return Cell(Kind.NUMBER, float(source.lead_time_months), f"{base}.lead_time_months")
        return Cell(Kind.PERCENT, source.rate, f"{base}.rate", optional=True, empty="funnel rate")

    def plan_edit(self, cell: Cell, value: Any) -> tuple[str, Any]:
        path, new = super().plan_edit(cell, value)
        if path.endswith(".max_per_month") and not isinstance(new, tuple):
            return path, (float(new),) * self.plan.months
        if path.endswith(".lead_time_months"):
            if not float(new).is_integer():
                raise EntryError(f"The lead time is a whole number of months; {float(new):g} is not.")
            return path, int(new)
        return path, new

    def make_edits(self, edits: list[tuple[str, Any]], text: str) -> tuple[Problem, ...]:
        return self.document.edit_many(edits, text)


def plan_of(result: Any, situation: str) -> Any:
    """The contingency plan of ``situation`` in a result (None: none made, or
    a result without contingency plans)."""
    plans = getattr(result, "contingency", None) if result is not None else None
    if plans is None:
        return None
    try:
        return plans[situation]
    except (KeyError, TypeError, IndexError):
        return getattr(plans, situation, None)


class ScheduleModel(ResultTableModel):
    """A contingency plan month by month: the items bought of each source,
    their cost, and what stays short (in qualified leads, running total)."""

    def __init__(
        self, document: PlanDocument, situation: str, plans: Callable[[], Any] | None = None, parent: Any = None
    ) -> None:
        self.situation = situation
        self.headers = ()
        self._plans = plans  # where the contingency plans come from (None: the result's own)
        super().__init__(document, parent)

    def refresh(self) -> None:
        """Show the contingency plans as they are now."""
        self._result_changed()

    def refill(self) -> None:
        self.rows = []
        result = self.document.result
        plans = self._plans() if self._plans is not None else getattr(result, "contingency", None)
        cp = None if plans is None else plans.get(self.situation)
        if cp is None or result is None:
            self.headers = ()
            return
        names = tuple(cp.names)
        self.headers = (*(two_lines(n) for n in names), "Cost", "Qualified leads\ndelivered", "Still short\n(to date)")
        plan = self.document.plan
        costs = _costs_per_item(plan, names)
        items = [np.asarray(x, dtype=float) for x in cp.items]
        delivered = np.asarray(getattr(cp, "delivered", np.zeros(len(result.months))), dtype=float)
        shortfall = np.asarray(getattr(cp, "shortfall", np.zeros(len(result.months))), dtype=float)
        for t, label in enumerate(result.months):
            if t < cp.from_month:
                continue
            bought = [float(x[t]) if t < len(x) else 0.0 for x in items]
            cost = sum(b * c for b, c in zip(bought, costs, strict=True))
            texts = [count_text(b) if b > 1e-9 else "" for b in bought]
            texts += [
                money_text(cost, plan.currency) if cost > 1e-9 else "",
                count_text(float(delivered[t])) if t < len(delivered) and delivered[t] > 1e-9 else "",
                count_text(float(shortfall[t])) if t < len(shortfall) and shortfall[t] > 1e-9 else "",
            ]
            bad = [False] * (len(texts) - 1) + [bool(t < len(shortfall) and shortfall[t] > 0.5)]
            self.rows.append((label, texts, bad))


def two_lines(name: str, width: int = 16) -> str:
    """A long name split at the space nearest its middle, for a column header."""
    if len(name) <= width or " " not in name:
        return name
    middle = len(name) // 2
    spaces = [i for i, ch in enumerate(name) if ch == " "]
    cut = min(spaces, key=lambda i: abs(i - middle))
    return name[:cut] + "\n" + name[cut + 1 :]


def _costs_per_item(plan: Any, names: tuple[str, ...]) -> list[float]:
    contingency = plan.contingency
    by_name = {s.name: s.cost_per_item for s in (contingency.sources if contingency is not None else ())}
    return [float(by_name.get(name, 0.0)) for name in names]
