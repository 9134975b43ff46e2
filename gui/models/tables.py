"""The tables of the planner, each a :class:`PlanTableModel` over one part of the plan."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import Qt

from core.calc.engine import PlanResult, month_labels
from core.model.edits import (
    PlanEdit,
    SpecPath,
    mean_lag_days,
    rename_channels,
    rename_stages,
    set_channel_sample,
    set_criterion_sample,
    set_stage_sample,
    timing_shares,
)
from core.model.plan import Plan, Problem
from gui.commands import push_edit, set_fields
from gui.document import PlanDocument
from gui.formatting import number_text
from gui.models.base import Cell, PlanTableModel, series_value
from gui.models.paths import get_value
from gui.models.values import Kind

DASH = "—"
_STAGE_NAME = re.compile(r"stages\[(\d+)\]\.name")
_CHANNEL_NAME = re.compile(r"channels\[(\d+)\]\.name")
_STAGE_LAG = re.compile(r"stages\[(\d+)\]\.lag_days")
_SAMPLE = re.compile(
    r"(?:(?P<table>stages|channels)\[(?P<row>\d+)\]\.rate_sample)"
    r"|(?:(?P<spec>lead_spec|proposed_lead_spec)\.criteria\[(?P<criterion>\d+)\]\.share_sample)"
)
SAMPLE_HEADER = "Measured on (leads)"
SAMPLE_HEADER_SHOWN = "Measured on\n(leads)"
"""On two lines in the table's header: the column stays as narrow as its numbers."""


def sample_tip(what: str) -> str:
    """The "Measured on" column's words: how sure the person is of ``what`` (this rate, this share)."""
    return (
        f"How sure are you of {what}: measured on about N leads; leave empty if it is an estimate. "
        "With a number here the Results page shows the chance to hit the target."
    )


def sample_steps(edits: Sequence[tuple[str, Any]]) -> tuple[list[PlanEdit], list[tuple[str, Any]]]:
    """The "Measured on" cells among ``edits`` as the core's pure edits, and the other edits."""
    steps: list[PlanEdit] = []
    rest: list[tuple[str, Any]] = []
    for path, value in edits:
        match = _SAMPLE.fullmatch(path)
        if match is None:
            rest.append((path, value))
        elif match["table"] == "stages":
            steps.append(partial(set_stage_sample, index=int(match["row"]), sample=value))
        elif match["table"] == "channels":
            steps.append(partial(set_channel_sample, index=int(match["row"]), sample=value))
        else:
            spec: SpecPath = "lead_spec" if match["spec"] == "lead_spec" else "proposed_lead_spec"
            steps.append(partial(set_criterion_sample, spec_path=spec, index=int(match["criterion"]), sample=value))
    return steps, rest


class SampleTableModel(PlanTableModel):
    """A table with a "Measured on (leads)" column: its header on two lines."""

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        value = super().headerData(section, orientation, role)
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal and value == SAMPLE_HEADER:
            return SAMPLE_HEADER_SHOWN
        return value


def edits_with_samples(model: PlanTableModel, edits: list[tuple[str, Any]], text: str) -> tuple[Problem, ...]:
    """Cell edits as one undo step: the "Measured on" cells through the core's pure edits."""
    samples, rest = sample_steps(edits)
    if not samples:
        return model.document.edit_many(edits, text)
    steps = ([set_fields(rest)] if rest else []) + samples
    return push_edit(model.document, text, steps, [path for path, _ in edits])


def split_names(
    edits: list[tuple[str, Any]], name_path: re.Pattern[str]
) -> tuple[dict[int, str], list[tuple[str, Any]]]:
    """The renames among ``edits`` (paths matching ``name_path``, whose group 1
    is the row) as ``{row: new name}``, for the core's rename, and the other edits."""
    names: dict[int, str] = {}
    rest: list[tuple[str, Any]] = []
    for path, value in edits:
        match = name_path.fullmatch(path)
        if match is not None:
            names[int(match.group(1))] = str(value)
        else:
            rest.append((path, value))
    return names, rest


class StagesModel(SampleTableModel):
    """The funnel: one row per stage, top (raw lead) to bottom (won deal)."""

    headers = (
        "Stage",
        "Converts to next stage",
        "Days to next stage",
        "Sales hours per item",
        SAMPLE_HEADER,
        "Needed in plan",
    )
    header_tips = (
        "Stage names, top of the funnel first; the last stage is the won deal.",
        "Share of items in this stage that reach the next one.",
        "Average days an item takes to reach the next stage, or its timing profile by month "
        "(Set timing... to enter the share converting in each month).",
        "Sales time one item entering this stage costs (0 when marketing or lead development handles it).",
        sample_tip("this stage's rate"),
        "Items that must enter this stage during the plan (from the results).",
    )
    NAME, RATE, LAG, HOURS, SAMPLE, NEEDED = range(6)

    def row_total(self) -> int:
        return len(self.plan.stages)

    def row_header(self, row: int) -> str:
        return str(row + 1)

    def make_edits(self, edits: list[tuple[str, Any]], text: str) -> tuple[Problem, ...]:
        """Values as cells; names through the core's rename, which takes the lead
        spec's gate and the free sources along (a pasted column: all at once,
        so stages may swap names), in the same undo step; "Measured on" through its pure edit."""
        samples, cells = sample_steps(edits)
        names, cells = split_names(cells, _STAGE_NAME)
        values = []
        for path, value in cells:
            lag = _STAGE_LAG.fullmatch(path)
            if lag is not None and self.plan.stages[int(lag.group(1))].lag_profile is not None:
                if value is not None:  # days typed over a profile: the mean lag replaces it
                    values += [(path, value), (f"stages[{lag.group(1)}].lag_profile", None)]
            else:
                values.append((path, value))
        if not names and not samples and len(values) == len(edits):
            return super().make_edits(edits, text)
        steps: list[PlanEdit] = [set_fields(values)] if values else []
        if names:
            steps.append(partial(rename_stages, names=names))
        steps += samples
        return push_edit(self.document, text, steps, [path for path, _ in edits]) if steps else ()

    def cell(self, row: int, column: int) -> Cell:
        stage = self.plan.stages[row]
        last = row == len(self.plan.stages) - 1
        base = f"stages[{row}]"
        if column == self.NAME:
            return Cell(Kind.TEXT, stage.name, f"{base}.name")
        if column == self.RATE:
            if last:
                return Cell(Kind.PERCENT, None, empty=DASH, tooltip="The won deal is the end of the funnel.")
            spec = self.plan.lead_spec
            gate = self.plan.stage_index(spec.gate) if spec is not None else None
            tip = ""
            if gate is not None and gate == row + 1:
                tip = "The lead spec's pass rate replaces this rate (see Lead spec)."
            return Cell(Kind.PERCENT, stage.rate, f"{base}.rate", tooltip=tip)
        if column == self.LAG:
            if last:
                return Cell(Kind.NUMBER, None, empty=DASH)
            if stage.lag_profile is not None:
                return Cell(
                    Kind.NUMBER,
                    None,
                    f"{base}.lag_days",
                    optional=True,
                    empty=profile_text(stage.lag_profile, self._mean_lag(row)),
                    tooltip="Timing by month; change it with Set timing..., or type days to use a mean lag instead.",
                )
            return Cell(Kind.NUMBER, stage.lag_days or 0.0, f"{base}.lag_days")
        if column == self.HOURS:
            return Cell(Kind.NUMBER, stage.sales_hours, f"{base}.sales_hours")
        if column == self.SAMPLE:
            return self._sample_cell(row)
        result = self.result
        needed = None if result is None else float(result.stage_required[row].sum())
        return Cell(Kind.COUNT, needed)

    def _sample_cell(self, row: int) -> Cell:
        """What the stage's rate was measured on (none for the won deal; unused where the spec's pass rate rules)."""
        if row == len(self.plan.stages) - 1:
            return Cell(Kind.COUNT, None, empty=DASH, tooltip="The won deal is the end of the funnel.")
        spec = self.plan.lead_spec
        tip = ""
        if spec is not None and self.plan.stage_index(spec.gate) == row + 1:
            tip = "The lead spec's pass rate replaces this rate: the criteria's samples say how sure it is."
        stage = self.plan.stages[row]
        return Cell(Kind.COUNT, stage.rate_sample, f"stages[{row}].rate_sample", optional=True, tooltip=tip)

    def _mean_lag(self, row: int) -> float:
        """The lag shown for a stage's timing: the result's mean lag (the plan's own without a result)."""
        result = self.result
        if result is not None and row < len(result.lag_days) and result.stage_names[row] == self.plan.stages[row].name:
            return float(result.lag_days[row])
        return mean_lag_days(timing_shares(self.plan.stages[row]))


def profile_text(shares: Sequence[float], mean_days: float) -> str:
    """A timing profile as a cell reads: ``45 days · profile 10/30/30/20/10 %``."""
    parts = "/".join(f"{round(p * 100, 1):g}" for p in shares)
    return f"{number_text(mean_days, 0)} days \u00b7 profile {parts} %"


class CriteriaModel(SampleTableModel):
    """The criteria of a lead spec (``lead_spec`` or ``proposed_lead_spec``)."""

    headers = ("Criterion", "Points", "Share of leads", "Required", SAMPLE_HEADER)
    header_tips = (
        "What a lead is scored on.",
        "Points a lead gets for meeting it (negative for a disqualifying trait).",
        "Share of the leads reaching the gate that meet it.",
        "A lead must meet it to qualify at all.",
        sample_tip("this share"),
    )
    NAME, POINTS, SHARE, REQUIRED, SAMPLE = range(5)

    def __init__(self, document: PlanDocument, spec_path: str = "lead_spec", parent: Any = None) -> None:
        self.spec_path = spec_path
        super().__init__(document, parent)

    def spec(self) -> Any:
        return getattr(self.plan, self.spec_path)

    def row_total(self) -> int:
        spec = self.spec()
        return 0 if spec is None else len(spec.criteria)

    def cell(self, row: int, column: int) -> Cell:
        criterion = self.spec().criteria[row]
        base = f"{self.spec_path}.criteria[{row}]"
        if column == self.NAME:
            return Cell(Kind.TEXT, criterion.name, f"{base}.name")
        if column == self.POINTS:
            return Cell(Kind.WHOLE, criterion.points, f"{base}.points")
        if column == self.SHARE:
            return Cell(Kind.PERCENT, criterion.share, f"{base}.share")
        if column == self.SAMPLE:
            return Cell(Kind.COUNT, criterion.share_sample, f"{base}.share_sample", optional=True)
        return Cell(Kind.FLAG, criterion.required, f"{base}.required")

    def make_edits(self, edits: list[tuple[str, Any]], text: str) -> tuple[Problem, ...]:
        return edits_with_samples(self, edits, text)


class ChannelsModel(SampleTableModel):
    """Paid channels: mix, cost per lead, lead quality."""

    headers = ("Channel", "Mix", "Cost per lead", "To next stage", SAMPLE_HEADER, "Leads needed", "Spend")
    header_tips = (
        "A paid lead source.",
        "Share of the paid raw leads bought from this channel (the shares add up to 100%).",
        "What one raw lead from this channel costs.",
        "Share of this channel's raw leads reaching the next stage; empty: the funnel's first rate.",
        sample_tip("this channel's rate"),
        "Raw leads to buy from this channel during the plan (from the results).",
        "Spend on this channel during the plan, fixed costs included (from the results).",
    )
    NAME, MIX, CPL, RATE, SAMPLE, LEADS, SPEND = range(7)

    def row_total(self) -> int:
        return len(self.plan.channels)

    def cell(self, row: int, column: int) -> Cell:
        channel = self.plan.channels[row]
        base = f"channels[{row}]"
        if column == self.NAME:
            return Cell(Kind.TEXT, channel.name, f"{base}.name")
        if column == self.MIX:
            return Cell(Kind.PERCENT, channel.mix, f"{base}.mix")
        if column == self.CPL:
            return Cell(Kind.MONEY, channel.cost_per_lead, f"{base}.cost_per_lead")
        if column == self.RATE:
            return Cell(Kind.PERCENT, channel.rate, f"{base}.rate", optional=True, empty="funnel rate")
        if column == self.SAMPLE:
            tip = "" if channel.rate is not None else "Used once the channel has a rate of its own."
            return Cell(Kind.COUNT, channel.rate_sample, f"{base}.rate_sample", optional=True, tooltip=tip)
        result = self.result
        if result is None or row >= len(result.channel_leads):
            return Cell(Kind.COUNT if column == self.LEADS else Kind.MONEY, None)
        if column == self.LEADS:
            return Cell(Kind.COUNT, float(result.channel_leads[row].sum()))
        return Cell(Kind.MONEY, float(result.spend[row].sum()))

    def make_edits(self, edits: list[tuple[str, Any]], text: str) -> tuple[Problem, ...]:
        """Names through the core's rename, which takes the channel's spend
        actuals along (a pasted column: all at once), in the same undo step."""
        names, rest = split_names(edits, _CHANNEL_NAME)
        if not names:
            return edits_with_samples(self, edits, text)
        samples, cells = sample_steps(rest)
        steps: list[PlanEdit] = [set_fields(cells)] if cells else []
        steps += [partial(rename_channels, names=names), *samples]
        return push_edit(self.document, text, steps, [path for path, _ in edits])


class FreeSourcesModel(PlanTableModel):
    """Free sources: volume entering a stage each month at no cost per item."""

    headers = ("Source", "Enters at", "Per month")
    header_tips = (
        "Organic inbound, a nurture database, referrals...",
        "The stage its items enter (a stage name of the funnel).",
        "Items entering each month; editing sets every month (edit months in the monthly table).",
    )
    NAME, STAGE, VOLUME = range(3)

    def row_total(self) -> int:
        return len(self.plan.free_sources)

    def cell(self, row: int, column: int) -> Cell:
        source = self.plan.free_sources[row]
        base = f"free_sources[{row}]"
        if column == self.NAME:
            return Cell(Kind.TEXT, source.name, f"{base}.name")
        if column == self.STAGE:
            return Cell(Kind.TEXT, source.stage, f"{base}.stage")
        uniform = len(set(source.volume)) <= 1
        value = source.volume[0] if source.volume else 0.0
        tip = "" if uniform else "Varies by month; this is the first month. Entering a value sets every month."
        return Cell(Kind.NUMBER, value, f"{base}.volume", tooltip=tip)

    def whole_value_edit(self, cell: Cell, value: Any) -> tuple[str, Any] | None:
        if cell.path is not None and cell.path.endswith(".volume"):
            return cell.path, (float(value),) * self.plan.months
        return None


@dataclass(frozen=True)
class SeriesColumn:
    """One column of a month-by-month table.

    ``path`` names a series of the plan (editable; ``optional`` when the plan
    may have none yet: the first value entered then fills every month);
    ``computed`` instead reads a figure from the result (read-only)."""

    header: str
    kind: Kind
    path: str | None = None
    optional: bool = False
    computed: Callable[[PlanResult, int], float | None] | None = None
    tooltip: str = ""


class MonthlyModel(PlanTableModel):
    """Months down, series across: the shape of last year's spreadsheet."""

    def __init__(
        self,
        document: PlanDocument,
        columns: Callable[[Plan], Sequence[SeriesColumn]],
        parent: Any = None,
    ) -> None:
        self._column_source = columns
        self._spec: Sequence[SeriesColumn] = columns(document.plan)
        super().__init__(document, parent)

    @property
    def headers(self) -> Sequence[str]:  # type: ignore[override]
        return [c.header for c in self._spec]

    @property
    def header_tips(self) -> Sequence[str]:  # type: ignore[override]
        return [c.tooltip for c in self._spec]

    def column_total(self) -> int:
        self._spec = self._column_source(self.plan)
        return len(self._spec)

    def row_total(self) -> int:
        return self.plan.months

    def row_header(self, row: int) -> str:
        return month_labels(self.plan.start, self.plan.months)[row]

    def cell(self, row: int, column: int) -> Cell:
        spec = self._spec[column]
        if spec.computed is not None:
            result = self.result
            return Cell(spec.kind, None if result is None else spec.computed(result, row))
        assert spec.path is not None
        series = _series(self.plan, spec.path)
        return Cell(spec.kind, series_value(series, row), f"{spec.path}[{row}]", tooltip=spec.tooltip)

    def whole_value_edit(self, cell: Cell, value: Any) -> tuple[str, Any] | None:
        assert cell.path is not None
        series_path = cell.path.rsplit("[", 1)[0]
        if _series(self.plan, series_path):
            return None
        return series_path, (float(value),) * self.plan.months

    def edit_text(self, row: int, column: int) -> str:
        return f"Edit {self._spec[column].header.lower()} ({self.row_header(row)})"

    def _plan_changed(self) -> None:
        old = [c.header for c in self._spec]
        new = [c.header for c in self._column_source(self.plan)]
        if old != new:
            self.beginResetModel()
            self._spec = self._column_source(self.plan)
            self._columns = len(self._spec)
            self._rows = self.row_total()
            self._refused.clear()
            self.endResetModel()
            return
        super()._plan_changed()


def _series(plan: Plan, path: str) -> Sequence[float] | None:
    value = get_value(plan, path)
    return value if value else None


# ----- the monthly tables of the pages ------------------------------------------------------


def target_columns(plan: Plan) -> list[SeriesColumn]:
    return [
        SeriesColumn(
            "Revenue target", Kind.MONEY, "revenue_target", tooltip="New-business revenue to close this month."
        ),
        SeriesColumn(
            "Pipeline already forecast",
            Kind.MONEY,
            "pipeline_revenue",
            optional=True,
            tooltip="Revenue the open pipeline is expected to close this month.",
        ),
        SeriesColumn("Deals needed", Kind.COUNT, computed=lambda r, t: float(r.deals_required[t])),
    ]


def budget_columns(plan: Plan) -> list[SeriesColumn]:
    columns = [
        SeriesColumn(
            "Approved budget",
            Kind.MONEY,
            "approved_budget",
            optional=True,
            tooltip="Marketing budget approved for this month (leave empty when none is set yet).",
        ),
        SeriesColumn("Planned spend", Kind.MONEY, computed=lambda r, t: float(r.spend_total[t])),
        SeriesColumn(
            "Budget gap",
            Kind.MONEY,
            computed=lambda r, t: None if r.budget_gap is None else float(r.budget_gap[t]),
        ),
    ]
    for j, channel in enumerate(plan.channels):
        columns.append(SeriesColumn(f"{channel.name}: fixed cost", Kind.MONEY, f"channels[{j}].fixed_cost"))
    for i, source in enumerate(plan.free_sources):
        columns.append(SeriesColumn(f"{source.name}: items", Kind.NUMBER, f"free_sources[{i}].volume"))
    return columns


def capacity_columns(plan: Plan) -> list[SeriesColumn]:
    return [
        SeriesColumn(
            "Sales hours available",
            Kind.NUMBER,
            "sales_hours_available",
            optional=True,
            tooltip="Selling hours the sales team has this month (reps x hours per rep).",
        ),
        SeriesColumn(
            "Sales hours needed",
            Kind.COUNT,
            computed=lambda r, t: None if r.sales_demand is None else float(r.sales_demand[t]),
        ),
        SeriesColumn(
            "Utilization",
            Kind.PERCENT,
            computed=lambda r, t: None if r.sales_utilization is None else float(r.sales_utilization[t]),
        ),
    ]


def nurture_columns(plan: Plan) -> list[SeriesColumn]:
    """The nurture pool month by month: the team's hours (editable) and what the pool does (from the results)."""
    if plan.nurture is None:
        return []

    def pool_figure(name: str) -> Callable[[PlanResult, int], float | None]:
        def value(result: PlanResult, t: int) -> float | None:
            pool = result.nurture
            series = None if pool is None else getattr(pool, name)
            return None if series is None or t >= len(series) else float(series[t])

        return value

    index = plan.nurture_stage()
    stage = plan.stages[index].name if index is not None else "the stage"
    return [
        SeriesColumn(
            "Lead-development hours",
            Kind.NUMBER,
            "nurture.hours_available",
            optional=True,
            tooltip="Hours the lead development team has this month (leave empty to plan without them).",
        ),
        SeriesColumn("Recycled into the pool", Kind.COUNT, computed=pool_figure("recycled")),
        SeriesColumn("In the pool", Kind.COUNT, computed=pool_figure("pool")),
        SeriesColumn(f"Returned to {stage}", Kind.COUNT, computed=pool_figure("matured")),
        SeriesColumn("Team utilization", Kind.PERCENT, computed=pool_figure("utilization")),
    ]
