"""Loading the plan document from an Excel workbook (``.xlsx``) after
:func:`core.formats.xlsx.safety.check_spreadsheet_file` accepted it.

Every table is found by its title and header labels, so rows inserted above a
table or tables moved sideways still read; every problem is reported at once
with the file, sheet and cell (``plan.xlsx, sheet 'Funnel', cell B5``) and
nothing is guessed: a value that cannot be read refuses the plan."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path

from core.calc.feasibility import validate
from core.formats.plan_json import NamedPlans, merge_problems
from core.formats.xlsx.cells import unreadable_cells
from core.formats.xlsx.limits import SpreadsheetLimits
from core.formats.xlsx.location import location
from core.formats.xlsx.plan_cells import (
    CellReader,
    SheetCells,
    is_blank,
    norm,
    plan_month_labels,
    show,
    show_first,
    with_unreadable,
)
from core.formats.xlsx.plan_layout import (
    ABOUT,
    CALENDAR,
    CAPACITY,
    CHANNELS,
    FREE,
    FUNNEL,
    H_AVAILABLE,
    H_BUDGET,
    H_CHANNEL,
    H_CHANNEL_RATE,
    H_CPL,
    H_CRITERION,
    H_ENTERS,
    H_HOURS,
    H_LAG,
    H_MIX,
    H_MONTH,
    H_PIPELINE,
    H_POINTS,
    H_RATE,
    H_RATE_SAMPLE,
    H_REQUIRED,
    H_SHARE,
    H_SHARE_SAMPLE,
    H_SOURCE,
    H_STAGE,
    H_TARGET,
    L_CURRENCY,
    L_DEAL,
    L_GATE,
    L_MEASURED,
    L_MONTHS,
    L_NAME,
    L_NOTES,
    L_SAMPLE,
    L_SOURCE,
    L_START,
    L_THRESHOLD,
    SPEC,
    T_AFTER,
    T_CHANNELS,
    T_CURRENT,
    T_FIXED,
    T_PROPOSED,
    T_TIMING,
    WORKBOOK_MARKER,
)
from core.formats.xlsx.plan_read_scenarios import read_scenarios
from core.formats.xlsx.plan_read_v2 import alone_title, read_after_plan, read_nurture, read_timing
from core.formats.xlsx.plan_read_year import read_actuals, read_contingency, read_uncertainty
from core.formats.xlsx.reader import SpreadsheetError, read_workbook
from core.formats.xlsx.safety import check_spreadsheet_file
from core.model.plan import (
    AfterPlan,
    Channel,
    Criterion,
    EmpiricalPassRate,
    FreeSource,
    LeadSpec,
    Plan,
    Problem,
    Series,
    Stage,
    errors_only,
)

__all__ = ["is_plan_workbook", "load_document_workbook", "load_plan_workbook"]


def _read_about(r: CellReader) -> bool:
    sheet = r.sheet(ABOUT, "file")
    if sheet is None:
        return False
    for row in sheet.rows[:50]:
        for value in row[:5]:
            if isinstance(value, str) and "funnel-plan/" in value and value.strip().endswith("workbook"):
                if value.strip() == WORKBOOK_MARKER:
                    return True
                r.fail(
                    "format",
                    f"This workbook is in format '{value.strip()}'; this planner reads '{WORKBOOK_MARKER}'.",
                    location(r.file, sheet.name),
                )
                return False
    r.fail(
        "file",
        f"This is not a plan workbook saved by the planner (its '{ABOUT}' sheet lacks '{WORKBOOK_MARKER}'). "
        "To use last year's spreadsheet, import it instead.",
        location(r.file, sheet.name),
    )
    return False


@dataclass
class _Calendar:
    name: str = "Untitled plan"
    currency: str = "USD"
    start: str = ""
    months: int = 0
    deal: float = math.nan
    notes: str = ""
    target: Series = ()
    pipeline: Series = ()
    after_plan: AfterPlan = dataclasses.field(default_factory=AfterPlan)


def _read_start(r: CellReader, sheet: SheetCells, at: tuple[int, int]) -> str:
    r.note("start", sheet, *at)
    value = sheet.get(*at)
    if isinstance(value, (dt.datetime, dt.date)):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        return value.strip()
    if is_blank(value):
        r.fail("start", "The cell is empty: enter the first month as YYYY-MM (e.g. 2027-01).", sheet.where(*at))
        return ""
    r.fail("start", f"{show_first(value)}: enter the first month as YYYY-MM (e.g. 2027-01).", sheet.where(*at))
    return ""


def _read_calendar(r: CellReader) -> _Calendar:
    cal = _Calendar()
    sheet = r.sheet(CALENDAR, "months")
    if sheet is None:
        return cal
    at = r.labelled(sheet, L_NAME, "name")
    if at:
        cal.name = r.text(sheet, *at, "name")
    at = r.labelled(sheet, L_CURRENCY, "currency")
    if at:
        cal.currency = r.text(sheet, *at, "currency")
    at = r.labelled(sheet, L_START, "start")
    if at:
        cal.start = _read_start(r, sheet, at)
    at = r.labelled(sheet, L_MONTHS, "months")
    if at:
        cal.months = r.whole(sheet, *at, "months")
    at = r.labelled(sheet, L_DEAL, "avg_deal_size")
    if at:
        cal.deal = r.number(sheet, *at, "avg_deal_size", "money")
    at = sheet.find_label(L_NOTES)
    if at is not None:
        parts = []
        col = at[1] + 1
        while isinstance(sheet.get(at[0], col), str):
            parts.append(str(sheet.get(at[0], col)))
            col += 1
        cal.notes = "".join(parts)
    r.month_labels = plan_month_labels(cal.start, cal.months)
    after = alone_title(sheet, T_AFTER)
    cal.after_plan = read_after_plan(r, sheet, after)
    table = r.table(sheet, [H_MONTH, H_TARGET, H_PIPELINE], "revenue_target", 0, after)
    rows = None if table is None else r.month_rows(sheet, table, "revenue_target")
    if table is None or rows is None:
        cal.target = (math.nan,) * max(cal.months, 1)
        return cal
    r.cells["pipeline_revenue"] = sheet.where(table.header_row, table.cols[H_PIPELINE])
    r.cells["revenue_target"] = sheet.where(table.header_row, table.cols[H_TARGET])
    cal.target = tuple(
        r.number(sheet, row, table.cols[H_TARGET], f"revenue_target[{t}]", "money") for t, row in enumerate(rows)
    )
    pipe_col = table.cols[H_PIPELINE]
    if all(is_blank(sheet.get(row, pipe_col)) for row in rows):
        cal.pipeline = ()
    else:
        cal.pipeline = tuple(
            r.number(sheet, row, pipe_col, f"pipeline_revenue[{t}]", "money", 0.0) for t, row in enumerate(rows)
        )
    return cal


def _read_stages(r: CellReader) -> tuple[Stage, ...]:
    sheet = r.sheet(FUNNEL, "stages")
    if sheet is None:
        return ()
    timing = alone_title(sheet, T_TIMING)
    table = r.table(sheet, [H_STAGE, H_RATE, H_LAG, H_HOURS], "stages", 0, timing)
    if table is None:
        return ()
    sample_col = r.optional_column(sheet, table, H_RATE_SAMPLE)
    last = len(table.rows) - 1
    names = [r.text(sheet, row, table.cols[H_STAGE], f"stages[{k}].name") for k, row in enumerate(table.rows)]
    profiles = {} if timing is None else read_timing(r, sheet, names, timing)
    stages = []
    for k, row in enumerate(table.rows):
        path = f"stages[{k}]"
        hours = r.number(sheet, row, table.cols[H_HOURS], f"{path}.sales_hours", "hours", 0.0)
        if k == last:
            cols = {"rate": table.cols[H_RATE], "lag_days": table.cols[H_LAG]}
            _ignore_won_deal(
                r, sheet, row, k, names[k], cols | ({} if sample_col is None else {"rate_sample": sample_col})
            )
            stages.append(Stage(name=names[k], sales_hours=hours))
            continue
        profile = profiles.get(k)
        lag_blank = is_blank(sheet.get(row, table.cols[H_LAG]))
        stages.append(
            Stage(
                name=names[k],
                rate=r.number(sheet, row, table.cols[H_RATE], f"{path}.rate", "rate"),
                # a timing profile replaces the days: blank days with one are none (both given is refused)
                lag_days=None
                if profile is not None and lag_blank
                else r.number(sheet, row, table.cols[H_LAG], f"{path}.lag_days", "days", 0.0),
                sales_hours=hours,
                lag_profile=profile,
                rate_sample=r.sample(sheet, row, sample_col, f"{path}.rate_sample"),
            )
        )
    return tuple(stages)


def _ignore_won_deal(r: CellReader, sheet: SheetCells, row: int, k: int, name: str, cols: dict[str, int]) -> None:
    """A warning for each value on the won deal's row, which converts no further."""
    what = {"rate": "rate", "lag_days": "lag", "rate_sample": "measured rate"}
    for field, col in cols.items():
        if not is_blank(sheet.get(row, col)):
            r.fail(
                f"stages[{k}].{field}",
                f"The last stage ('{name}') is the won deal and has no {what[field]}; this value is ignored. "
                "To add a stage after it, add a row below.",
                sheet.where(row, col),
                "warning",
            )


def _read_spec_block(r: CellReader, sheet: SheetCells, path: str, first: int, last: int | None) -> LeadSpec | None:
    gate_at = r.labelled(sheet, L_GATE, f"{path}.gate", first, last)
    threshold_at = r.labelled(sheet, L_THRESHOLD, f"{path}.threshold", first, last)
    source_at = r.labelled(sheet, L_SOURCE, f"{path}.pass_rate_source", first, last)
    measured_at = r.labelled(sheet, L_MEASURED, f"{path}.empirical.pass_rate", first, last)
    sample_at = r.labelled(sheet, L_SAMPLE, f"{path}.empirical.sample", first, last)
    table = r.table(sheet, [H_CRITERION, H_POINTS, H_SHARE, H_REQUIRED], f"{path}.criteria", first, last)
    if gate_at is None or threshold_at is None or table is None:
        return None
    filled = [gate_at, threshold_at, *([measured_at] if measured_at else []), *([sample_at] if sample_at else [])]
    if all(is_blank(sheet.get(*at)) for at in filled) and not table.rows:
        return None
    gate = r.text(sheet, *gate_at, f"{path}.gate")
    if not gate:
        r.problems[-1] = Problem(
            f"{path}.gate",
            "The gate stage is empty: enter the stage the spec qualifies leads into, or clear the whole spec.",
            "error",
            sheet.where(*gate_at),
        )
    threshold = r.number(sheet, *threshold_at, f"{path}.threshold", "points")
    criteria = []
    sample_col = r.optional_column(sheet, table, H_SHARE_SAMPLE)
    for i, row in enumerate(table.rows):
        cpath = f"{path}.criteria[{i}]"
        criteria.append(
            Criterion(
                name=r.text(sheet, row, table.cols[H_CRITERION], f"{cpath}.name"),
                points=r.whole(sheet, row, table.cols[H_POINTS], f"{cpath}.points", "points"),
                share=r.number(sheet, row, table.cols[H_SHARE], f"{cpath}.share", "share"),
                required=r.flag(sheet, row, table.cols[H_REQUIRED], f"{cpath}.required"),
                share_sample=r.sample(sheet, row, sample_col, f"{cpath}.share_sample"),
            )
        )
    empirical = None
    if measured_at and sample_at and not (is_blank(sheet.get(*measured_at)) and is_blank(sheet.get(*sample_at))):
        empirical = EmpiricalPassRate(
            pass_rate=r.number(sheet, *measured_at, f"{path}.empirical.pass_rate", "rate"),
            sample=r.whole(sheet, *sample_at, f"{path}.empirical.sample"),
        )
    source: str = "criteria"
    if source_at:
        r.note(f"{path}.pass_rate_source", sheet, *source_at)
        raw = sheet.get(*source_at)
        said = norm(raw)
        if said in ("measured", "empirical"):
            source = "empirical"
        elif said not in ("criteria", ""):
            r.fail(
                f"{path}.pass_rate_source",
                f"{show_first(raw)}: enter 'criteria' or 'measured'.",
                sheet.where(*source_at),
            )
    return LeadSpec(
        gate=gate,
        threshold=threshold,
        criteria=tuple(criteria),
        empirical=empirical,
        pass_rate_source="empirical" if source == "empirical" else "criteria",
    )


def _read_specs(r: CellReader) -> tuple[LeadSpec | None, LeadSpec | None]:
    sheet = r.sheet(SPEC, "lead_spec")
    if sheet is None:
        return None, None
    current = sheet.find_title(T_CURRENT)
    if current is None:
        r.fail(
            "lead_spec",
            f"The title '{T_CURRENT}' is missing; put it back above the current spec.",
            location(r.file, sheet.name),
        )
        return None, None
    proposed = sheet.find_title(T_PROPOSED, current[0] + 1)
    spec = _read_spec_block(r, sheet, "lead_spec", current[0], proposed[0] if proposed else None)
    if proposed is None:
        return spec, None
    return spec, _read_spec_block(r, sheet, "proposed_lead_spec", proposed[0], None)


def _read_channels(r: CellReader, months: int) -> tuple[Channel, ...]:
    sheet = r.sheet(CHANNELS, "channels")
    if sheet is None:
        return ()
    fixed_title = sheet.find_title(T_FIXED)
    table = r.table(
        sheet, [H_CHANNEL, H_MIX, H_CPL, H_CHANNEL_RATE], "channels", 0, fixed_title[0] if fixed_title else None
    )
    if table is None:
        return ()
    names: list[str] = []
    partial: list[tuple[str, float, float, float | None, int | None]] = []
    sample_col = r.optional_column(sheet, table, H_RATE_SAMPLE)
    for j, row in enumerate(table.rows):
        path = f"channels[{j}]"
        name = r.text(sheet, row, table.cols[H_CHANNEL], f"{path}.name")
        names.append(name)
        partial.append(
            (
                name,
                r.number(sheet, row, table.cols[H_MIX], f"{path}.mix", "share"),
                r.number(sheet, row, table.cols[H_CPL], f"{path}.cost_per_lead", "money"),
                r.optional(sheet, row, table.cols[H_CHANNEL_RATE], f"{path}.rate", "rate"),
                r.sample(sheet, row, sample_col, f"{path}.rate_sample"),
            )
        )
    fixed: dict[int, Series] = {}
    if fixed_title is None:
        if partial:
            r.fail(
                "channels",
                f"The title '{T_FIXED}' is missing; put it back above the fixed-cost table.",
                location(r.file, sheet.name),
            )
    else:
        ftable = r.table(sheet, [H_CHANNEL], "channels", fixed_title[0] + 1, None, months=True)
        if ftable is not None:
            r.month_columns(sheet, ftable, "channels.fixed_cost")
            keys = {norm(n): j for j, n in enumerate(names)}
            for row in ftable.rows:
                where = sheet.where(row, ftable.cols[H_CHANNEL])
                label = sheet.get(row, ftable.cols[H_CHANNEL])
                found = keys.get(norm(label)) if isinstance(label, str) else None
                if found is None:
                    r.fail(
                        "channels",
                        f"The fixed cost row {show(label)} names no channel of the '{T_CHANNELS}' table; "
                        "use the channel's name exactly, or delete the row.",
                        where,
                    )
                    continue
                if found in fixed:
                    r.fail("channels", f"The channel '{names[found]}' has two fixed cost rows; keep one.", where)
                    continue
                fixed[found] = r.monthly(sheet, ftable, row, f"channels[{found}].fixed_cost", "money", 0.0)
                r.cells[f"channels[{found}].fixed_cost"] = where
    return tuple(
        Channel(
            name=n,
            mix=m,
            cost_per_lead=c,
            rate=rate,
            fixed_cost=fixed.get(j, (0.0,) * max(months, 0)),
            rate_sample=sample,
        )
        for j, (n, m, c, rate, sample) in enumerate(partial)
    )


def _read_free(r: CellReader) -> tuple[FreeSource, ...]:
    sheet = r.sheet(FREE, "free_sources")
    if sheet is None:
        return ()
    table = r.table(sheet, [H_SOURCE, H_ENTERS], "free_sources", months=True)
    if table is None:
        return ()
    r.month_columns(sheet, table, "free_sources.volume")
    out = []
    for i, row in enumerate(table.rows):
        path = f"free_sources[{i}]"
        out.append(
            FreeSource(
                name=r.text(sheet, row, table.cols[H_SOURCE], f"{path}.name"),
                stage=r.text(sheet, row, table.cols[H_ENTERS], f"{path}.stage"),
                volume=r.monthly(sheet, table, row, f"{path}.volume", "count", 0.0),
            )
        )
        r.cells[f"{path}.volume"] = sheet.where(row, table.cols[H_SOURCE])
    return tuple(out)


def _read_capacity(r: CellReader) -> tuple[Series | None, Series | None]:
    sheet = r.sheet(CAPACITY, "approved_budget")
    if sheet is None:
        return None, None
    table = r.table(sheet, [H_MONTH, H_BUDGET, H_AVAILABLE], "approved_budget")
    if table is None:
        return None, None
    planned = [table.cols[H_BUDGET], table.cols[H_AVAILABLE]]
    if all(sheet.row_empty(row, planned) for row in table.rows):
        rows: list[int] | None = table.rows  # neither is planned: the month labels do not matter
    else:
        rows = r.month_rows(sheet, table, "approved_budget")
    if rows is None:
        return None, None
    out: list[Series | None] = []
    for header, field, kind in (
        (H_BUDGET, "approved_budget", "money"),
        (H_AVAILABLE, "sales_hours_available", "hours"),
    ):
        col = table.cols[header]
        r.cells[field] = sheet.where(table.header_row, col)
        if all(is_blank(sheet.get(row, col)) for row in rows):
            out.append(None)
            continue
        out.append(tuple(r.number(sheet, row, col, f"{field}[{t}]", kind) for t, row in enumerate(rows)))
    return out[0], out[1]


def _locate(problem: Problem, cells: dict[str, str], fallback: str) -> Problem:
    """The problem with ``location`` set to the cell its field came from
    (or the nearest enclosing table, or the file)."""
    if problem.location:
        return problem
    field = problem.field
    while field:
        if field in cells:
            return Problem(problem.field, problem.message, problem.severity, cells[field])
        trimmed = re.sub(r"(\[\d+\]|\.[A-Za-z_]+)$", "", field)
        if trimmed == field:
            break
        field = trimmed
    return Problem(problem.field, problem.message, problem.severity, fallback)


def is_plan_workbook(path: Path) -> bool:
    """True when ``path`` is a readable workbook carrying the plan marker."""
    path = Path(path)
    book, refused = read_workbook(path)
    if book is None or refused is not None:
        return False
    for name, rows in book.sheets.items():
        if norm(name) == norm(ABOUT):
            return any(isinstance(v, str) and v.strip() == WORKBOOK_MARKER for row in rows[:50] for v in row[:5])
    return False


def load_plan_workbook(path: Path, limits: SpreadsheetLimits | None = None) -> tuple[Plan | None, tuple[Problem, ...]]:
    """The plan in a workbook (None when refused) and every problem found,
    each located as ``"<file>, sheet '<Sheet>', cell <A1>"``. The plan is
    the one on the input sheets; a workbook with a scenario that cannot be
    read is refused all the same (nothing is dropped silently)."""
    scenarios, _active, problems = load_document_workbook(path, limits)
    return (scenarios[0][1] if scenarios else None), problems


def load_document_workbook(
    path: Path, limits: SpreadsheetLimits | None = None
) -> tuple[NamedPlans | None, int, tuple[Problem, ...]]:
    """Every scenario of a plan workbook (None when refused: the main plan
    or any scenario has an error), the index of the active one, and every
    problem, located as :func:`load_plan_workbook` does."""
    path = Path(path)
    refused = check_spreadsheet_file(path) if limits is None else check_spreadsheet_file(path, limits)
    if refused is not None:
        return None, 0, (refused,)
    try:
        book, problem = read_workbook(path) if limits is None else read_workbook(path, limits)
    except SpreadsheetError as exc:
        return None, 0, (exc.problem,)
    if book is None:
        return None, 0, (problem,) if problem is not None else ()
    r = CellReader(path.name, with_unreadable(book.sheets, unreadable_cells(path)))
    if not _read_about(r):
        return None, 0, tuple(r.problems)
    cal = _read_calendar(r)
    stages = _read_stages(r)
    lead_spec, proposed = _read_specs(r)
    channels = _read_channels(r, cal.months)
    free = _read_free(r)
    nurture = read_nurture(r)
    budget, hours = _read_capacity(r)
    plan = Plan(
        name=cal.name,
        currency=cal.currency,
        start=cal.start,
        months=cal.months,
        revenue_target=cal.target,
        avg_deal_size=cal.deal,
        stages=stages,
        pipeline_revenue=cal.pipeline,
        lead_spec=lead_spec,
        proposed_lead_spec=proposed,
        channels=channels,
        free_sources=free,
        approved_budget=budget,
        sales_hours_available=hours,
        notes=cal.notes,
        after_plan=cal.after_plan,
        nurture=nurture,
        actuals=read_actuals(r),
        contingency=read_contingency(r),
        uncertainty=read_uncertainty(r),
    )
    reading = tuple(r.problems)
    checking = tuple(_locate(p, r.cells, path.name) for p in validate(plan))
    if not stages and any(p.field == "stages" and p.severity == "error" for p in reading):
        # without a funnel every reference to a stage fails too: one fault, said once
        checking = tuple(p for p in checking if not re.search(r"(\.gate|\.stage)$|^stages$", p.field))
    problems = merge_problems(reading, checking)
    before = len(r.problems)
    scenarios, active, whole = read_scenarios(r, plan)
    problems += tuple(r.problems[before:])
    if errors_only(problems) or not whole:
        return None, 0, problems
    return scenarios, active, problems
