"""What every sheet of the budget request shares: sheet names, formats,
cell and range references, the month grid (its columns), the writing of
text and formulas, and the print setup (:mod:`core.formats.xlsx.printing`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from core.calc.calendar import month_labels
from core.calc.engine import PlanResult
from core.calc.funnel import FloatArray
from core.formats.xlsx.printing import (
    LANDSCAPE_WIDTH,
    MIN_POINTS,
    column_points,
    month_breaks,
    print_setup,
    table_points,
)
from core.model.plan import Plan
from core.reports.budget_request.numbers import Numbers

SUMMARY = "Summary"
ASSUMPTIONS = "Assumptions"
REVERSE = "Reverse funnel"
BUDGET = "Budget by channel"
SPEC = "Lead spec & deficit"
CAPACITY = "Sales capacity"
TIMING = "Timing"
TRACKING = "Tracking"
CONTINGENCY = "Contingency"
SHEETS = (SUMMARY, ASSUMPTIONS, TIMING, REVERSE, BUDGET, SPEC, CAPACITY, TRACKING, CONTINGENCY)
"""Every sheet a budget request can hold, in the order finance reads them
(:func:`sheets_of`: the ones a given plan's request holds)."""
AFTER = "(after plan)"  # the header of a month after the plan

BEFORE = "Before the plan"  # the column summing the pre-plan months
FONT_SIZE = 10
SUMMARY_WIDTHS = (34, 13, 42)  # figure, value, how it is computed
LINE_HEIGHT = 13.5  # points, a line of FONT_SIZE text
DAYS_PER_MONTH_FORMULA = "(365.25/12)"
LABEL_WIDTH, NAME_WIDTH, MONTH_WIDTH = 27, 14, 10  # columns of a month sheet
HEADER_ROW = 3  # the month headers of a month sheet (0-based)
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩"}
_MAX_STRING = 32767


# ---------------------------------------------------------------- texts and references


def currency_format(code: str, decimals: int = 0) -> str:
    """Excel number format for money in ``code``: a symbol for common codes
    (``"$"#,##0``), ``[$CHF] #,##0`` for other alphabetic codes, a quoted
    literal otherwise; negative amounts with a leading minus."""
    number = "#,##0" + ("." + "0" * decimals if decimals else "")
    clean = code.strip().upper()
    symbol = _SYMBOLS.get(clean)
    if symbol is not None:
        prefix = f'"{symbol}"'
    elif re.fullmatch(r"[A-Z]{1,8}", clean):
        prefix = f"[${clean}] "
    else:
        literal = re.sub(r"[^0-9A-Za-z ]", "", clean)[:12].strip()
        prefix = f'"{literal} "' if literal else ""
    return f"{prefix}{number};-{prefix}{number}"


def lines(text: str, width: float) -> int:
    """Lines ``text`` wraps to in a column ``width`` characters wide (an
    estimate on the wide side: about 1.2 characters of text per unit)."""
    if not text:
        return 1
    per_line = max(1, int(width * 1.2))
    count, length = 1, 0
    for word in text.split():
        if length and length + 1 + len(word) > per_line:
            count, length = count + 1, len(word)
        else:
            length += len(word) + (1 if length else 0)
    return count


def name_part(text: str, fallback: str) -> str:
    """ASCII letters, digits and underscores of ``text`` (for a defined name)."""
    part = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_")[:60]
    return part or fallback


def unique_part(text: str, fallback: str, used: list[str]) -> str:
    """A defined-name part for ``text`` unique (case-insensitively) in ``used``
    (and added to it)."""
    base = name_part(text, fallback)
    part, k = base, 2
    while part.casefold() in (u.casefold() for u in used):
        part, k = f"{base}_{k}", k + 1
    used.append(part)
    return part


def months_before(start: str, count: int) -> tuple[str, ...]:
    """``YYYY-MM`` labels of the ``count`` months before ``start`` (oldest first)."""
    year, month = (int(p) for p in start.split("-"))
    out = []
    for back in range(count, 0, -1):
        y, m = divmod(month - 1 - back, 12)
        out.append(f"{year + y:04d}-{m + 1:02d}")
    return tuple(out)


def quarters(labels: Sequence[str]) -> tuple[tuple[str, int, int], ...]:
    """Calendar quarters of consecutive month labels: ``(label, first, last)``."""
    out: list[tuple[str, int, int]] = []
    for t, label in enumerate(labels):
        year, month = label.split("-")
        q = f"{year} Q{(int(month) - 1) // 3 + 1}"
        if out and out[-1][0] == q:
            out[-1] = (q, out[-1][1], t)
        else:
            out.append((q, t, t))
    return tuple(out)


def cell(row: int, col: int, sheet: str | None = None, absolute: bool = False) -> str:
    """``B5`` (``$B$5`` when ``absolute``), sheet-qualified when ``sheet`` is given."""
    ref = xl_rowcol_to_cell(row, col, absolute, absolute)
    return f"{quote_sheetname(sheet)}!{ref}" if sheet else ref


def cell_range(row: int, first: int, last: int, sheet: str | None = None) -> str:
    """``$C$5:$H$5``: columns ``first`` to ``last`` of ``row`` (absolute)."""
    ref = f"{xl_rowcol_to_cell(row, first, True, True)}:{xl_rowcol_to_cell(row, last, True, True)}"
    return f"{quote_sheetname(sheet)}!{ref}" if sheet else ref


def up(ref: str) -> str:
    """A count rounded up as the planner shows it (:func:`core.calc.display.shown_count`)."""
    return f"ROUNDUP(ROUND({ref},6),0)"


# ---------------------------------------------------------------- the month grid


@dataclass(frozen=True)
class Grid:
    """Columns of a month sheet: A label, B name, C pre-plan total, then the
    pre-plan months, the plan's months, the plan total, and the ``n_after``
    months after the plan (the far edge, greyed)."""

    n_pre: int
    n: int
    with_pre: bool = True
    n_after: int = 0

    LABEL = 0
    NAME = 1
    PRE = 2

    @property
    def first(self) -> int:
        return 3 if self.with_pre else 2

    @property
    def held_pre(self) -> int:
        return self.n_pre if self.with_pre else 0

    @property
    def size(self) -> int:
        """Grid months the sheet holds: before, in and after the plan."""
        return self.held_pre + self.n + self.n_after

    @property
    def upto_plan(self) -> int:
        """Grid months before and in the plan (the grid index of the first month after it)."""
        return self.held_pre + self.n

    def col(self, i: int) -> int:
        """Column of grid index ``i`` (0 = the first pre-plan month; after the
        plan's months, the plan total column is skipped)."""
        if i < self.upto_plan:
            return self.first + i
        return self.total + 2 + (i - self.upto_plan)

    def month(self, t: int) -> int:
        """Column of plan month ``t``."""
        return self.first + self.held_pre + t

    def is_after(self, i: int) -> bool:
        return i >= self.upto_plan

    @property
    def total(self) -> int:
        return self.month(self.n - 1) + 1

    @property
    def after_total(self) -> int:
        """The column summing the months after the plan (with ``n_after``)."""
        return self.total + 1

    @property
    def last_col(self) -> int:
        return self.col(self.size - 1) if self.n_after else self.total

    def segments(self, first: int, last: int) -> list[tuple[int, int, int]]:
        """Grid indices ``first..last`` as runs of adjacent columns: ``(first column,
        last column, index of the run's first month counted from first)``."""
        runs: list[tuple[int, int, int]] = []
        i = first
        while i <= last:
            end = min(last, self.upto_plan - 1) if i < self.upto_plan else last
            runs.append((self.col(i), self.col(end), i - first))
            i = end + 1
        return runs

    def row_range(self, row: int, sheet: str | None = None) -> str:
        """The pre-plan and plan months of ``row``."""
        return cell_range(row, self.col(0), self.col(self.upto_plan - 1), sheet)


# ---------------------------------------------------------------- formats


@dataclass(frozen=True)
class Styles:
    title: Format
    header: Format
    header_left: Format
    label: Format
    wrap: Format
    bold: Format
    note: Format
    note_wrap: Format
    money: Format
    money_in: Format
    money2: Format
    money_bold: Format
    count: Format
    count_in: Format
    count_up: Format
    pct: Format
    pct_in: Format
    rate: Format
    rate_in: Format
    number: Format
    number_in: Format
    days_in: Format
    hours: Format
    months: Format
    whole: Format
    whole_in: Format
    twins: Mapping[int, Format] = field(default_factory=dict)

    def grey(self, fmt: Format) -> Format:
        """The greyed twin of ``fmt`` (months after the plan)."""
        return self.twins.get(id(fmt), fmt)


def make_styles(book: Workbook, currency: str) -> Styles:
    def f(**props: Any) -> Format:
        return book.add_format({"font_size": FONT_SIZE, **props})

    yellow = "#FFF2CC"
    money = currency_format(currency)
    st = Styles(
        title=f(bold=True, font_size=14),
        header=f(bold=True, bg_color="#D9E1F2", bottom=1, text_wrap=True, align="center", valign="vcenter"),
        header_left=f(bold=True, bg_color="#D9E1F2", bottom=1, valign="vcenter"),
        label=f(),
        wrap=f(text_wrap=True),
        bold=f(bold=True),
        note=f(italic=True, font_color="#595959"),
        note_wrap=f(italic=True, font_color="#595959", text_wrap=True),
        money=f(num_format=money),
        money_in=f(num_format=money, bg_color=yellow),
        money2=f(num_format=currency_format(currency, 2)),
        money_bold=f(num_format=money, bold=True),
        count=f(num_format="#,##0.0"),
        count_in=f(num_format="#,##0.0", bg_color=yellow),
        count_up=f(num_format="#,##0"),
        pct=f(num_format="0.0%"),
        pct_in=f(num_format="0.0%", bg_color=yellow),
        rate=f(num_format="0.00%"),
        rate_in=f(num_format="0.00%", bg_color=yellow),
        number=f(num_format="0.000"),
        number_in=f(num_format="#,##0.##", bg_color=yellow),
        days_in=f(num_format="0.0", bg_color=yellow),
        hours=f(num_format="#,##0.0"),
        months=f(num_format="0.000"),
        whole=f(num_format="0"),
        whole_in=f(num_format="0", bg_color=yellow),
    )
    grey = {"font_color": "#7F7F7F", "bg_color": "#F2F2F2"}
    twins = {
        id(st.count): f(num_format="#,##0.0", **grey),
        id(st.money): f(num_format=money, **grey),
        id(st.header): f(bold=True, text_wrap=True, align="center", valign="vcenter", bottom=1, **grey),
    }
    return replace(st, twins=twins)


# ---------------------------------------------------------------- writing cells


@dataclass(eq=False)
class Sheet:
    """A worksheet being written; remembers the texts of its own columns A
    and B (the labels a table repeated further down shows again)."""

    ws: Worksheet
    st: Styles
    labels: dict[int, tuple[str, str]] = field(default_factory=dict)
    after_from: int | None = None  # first column after the plan total: the months after the plan (greyed)
    after_rows: set[int] = field(default_factory=set)  # rows with figures after the plan

    @property
    def name(self) -> str:
        return str(self.ws.name)

    def text(self, row: int, col: int, value: str, fmt: Format | None = None) -> None:
        """Text from the plan stays text (``=x`` is never a formula)."""
        self.ws.write_string(row, col, value[:_MAX_STRING], fmt or self.st.label)
        if col <= 1:
            label, name = self.labels.get(row, ("", ""))
            self.labels[row] = (value, name) if col == 0 else (label, value)

    def formula(self, row: int, col: int, formula: str, value: float | str, fmt: Format) -> None:
        """A live formula carrying the core's ``value`` as its cached result
        (greyed in the months after the plan)."""
        if self.after_from is not None and col >= self.after_from:
            fmt = self.st.grey(fmt)
            self.after_rows.add(row)
        if isinstance(value, str):
            self.ws.write_formula(row, col, "=" + formula, fmt, value)
        else:
            self.ws.write_formula(row, col, "=" + formula, fmt, float(value))

    def zeros(self, row: int, grid: Grid) -> None:
        """0 in the pre-plan months of ``row``."""
        for i in range(grid.n_pre):
            self.ws.write_number(row, grid.col(i), 0.0, self.st.count)

    def totals(self, row: int, grid: Grid, values: FloatArray, fmt: Format, pre: bool = True) -> None:
        """Pre-plan total and plan total of a grid row (``values`` on the grid)."""
        n_pre = grid.n_pre
        if pre and grid.with_pre:
            first, last = cell(row, grid.col(0)), cell(row, grid.col(n_pre - 1))
            self.formula(row, grid.PRE, f"SUM({first}:{last})", float(values[:n_pre].sum()), fmt)
        first, last = cell(row, grid.month(0)), cell(row, grid.month(grid.n - 1))
        in_plan = values[grid.held_pre : grid.held_pre + grid.n]
        self.formula(row, grid.total, f"SUM({first}:{last})", float(in_plan.sum()), fmt)
        if grid.n_after and row in self.after_rows:
            first, last = cell(row, grid.col(grid.upto_plan)), cell(row, grid.col(grid.size - 1))
            after = values[grid.upto_plan : grid.size]
            self.formula(row, grid.after_total, f"SUM({first}:{last})", float(after.sum()), fmt)


def define_name(book: Workbook, name: str, ref: str) -> None:
    """Define ``name`` for the workbook (``ref`` sheet-qualified)."""
    book.define_name(name, "=" + ref)


@dataclass(frozen=True, eq=False)
class Context:
    """What every sheet writer reads: the plan, its numbers, the formats,
    the month grid and the worksheets (created up front, in ``SHEETS`` order)."""

    book: Workbook
    plan: Plan
    nums: Numbers
    st: Styles
    grid: Grid
    sheets: Mapping[str, Sheet]
    months: tuple[str, ...]
    pre_months: tuple[str, ...]
    after_months: tuple[str, ...] = ()

    @property
    def res(self) -> PlanResult:
        return self.nums.result

    @property
    def plan_grid(self) -> Grid:
        """The grid without the months after the plan (sheets of money spent in the plan)."""
        return Grid(self.grid.n_pre, self.grid.n)


def sheets_of(result: PlanResult) -> tuple[str, ...]:
    """The sheets of the request for ``result``, in ``SHEETS`` order:
    Tracking only when the plan has actuals, Contingency only when the
    result holds a contingency plan (:func:`core.calc.contingency.with_contingency`)."""
    absent = set()
    if result.tracking is None:
        absent.add(TRACKING)
    if not result.contingency:
        absent.add(CONTINGENCY)
    return tuple(name for name in SHEETS if name not in absent)


def make_context(book: Workbook, plan: Plan, nums: Numbers) -> Context:
    st = make_styles(book, plan.currency)
    sheets = {name: Sheet(book.add_worksheet(name), st) for name in sheets_of(nums.result)}
    return Context(
        book=book,
        plan=plan,
        nums=nums,
        st=st,
        grid=Grid(nums.n_pre, plan.months, True, nums.n_after),
        sheets=sheets,
        months=tuple(nums.result.months),
        pre_months=months_before(plan.start, nums.n_pre),
        after_months=month_labels(plan.start, plan.months + nums.n_after)[plan.months :],
    )


# ---------------------------------------------------------------- layout and printing


def print_sheet(
    ctx: Context,
    sheet: Sheet,
    widths: Sequence[float],
    header_row: int | None,
    landscape: bool | None = True,
    breaks: Sequence[int] = (),
) -> None:
    """Print setup of a sheet whose (widest page's) columns are ``widths``."""
    print_setup(
        sheet.ws,
        widths,
        font_size=FONT_SIZE,
        header_rows=None if header_row is None else (header_row, header_row),
        label_columns=(0, 1),
        landscape=landscape,
        title=ctx.plan.name,
        column_breaks=breaks,
    )


def page_months(months: int) -> int:
    """Plan months printed on one page of a month sheet (all of them,
    or as many as stay readable: half-years for a 12-month plan)."""
    labels = [LABEL_WIDTH, NAME_WIDTH, MONTH_WIDTH]
    usable = LANDSCAPE_WIDTH * 0.99 * FONT_SIZE / MIN_POINTS
    month = column_points(MONTH_WIDTH)
    breaks = month_breaks(table_points(labels), month, months, month, usable)
    return breaks[0] if breaks else months


def subtitle(ctx: Context, sheet: Sheet, text: str, grid: Grid | None) -> None:
    """The explanation under a sheet's title, wrapped over the first
    printed page's width (``grid`` None: the Summary's three columns)."""
    per_page = page_months(ctx.plan.months)
    if grid is None:
        last, width = 2, float(sum(SUMMARY_WIDTHS))
    else:
        last = grid.month(per_page - 1)
        width = LABEL_WIDTH + NAME_WIDTH + MONTH_WIDTH * (per_page + (1 if grid.with_pre else 0))
    sheet.ws.merge_range(1, 0, 1, last, "", ctx.st.note_wrap)
    sheet.text(1, 0, text, ctx.st.note_wrap)
    sheet.ws.set_row(1, LINE_HEIGHT * lines(text, width))


def month_header(ctx: Context, sheet: Sheet, row: int, grid: Grid, totals: bool = True) -> None:
    st = ctx.st
    sheet.text(row, grid.LABEL, "", st.header_left)
    sheet.text(row, grid.NAME, "", st.header_left)
    if grid.with_pre:
        sheet.text(row, grid.PRE, BEFORE, st.header)
        for i, label in enumerate(ctx.pre_months):
            sheet.text(row, grid.col(i), label + " (before the plan)", st.header)
    for t, label in enumerate(ctx.months):
        sheet.text(row, grid.month(t), label, st.header)
    if totals:
        sheet.text(row, grid.total, "Plan total", st.header)
    if grid.n_after:
        sheet.text(row, grid.after_total, "After the plan", st.grey(st.header))
    for i, label in enumerate(ctx.after_months[: grid.n_after]):
        sheet.text(row, grid.col(grid.upto_plan + i), f"{label} {AFTER}", st.grey(st.header))
    sheet.ws.set_row(row, 30)


def setup_month_sheet(ctx: Context, sheet: Sheet, grid: Grid, header_row: int) -> None:
    """Label, name and 'Before the plan' columns, the pre-plan months
    grouped and hidden (the 'Before the plan' column sums them), the
    plan's months printed as many to a page as stay readable."""
    ws = sheet.ws
    ws.set_column(grid.LABEL, grid.LABEL, LABEL_WIDTH)
    ws.set_column(grid.NAME, grid.NAME, NAME_WIDTH)
    ws.set_column(2, grid.total, MONTH_WIDTH)
    if grid.with_pre:
        ws.set_column(grid.PRE, grid.PRE, MONTH_WIDTH, None, {"collapsed": True})
        if grid.n_pre:
            ws.set_column(grid.col(0), grid.col(grid.n_pre - 1), MONTH_WIDTH, None, {"hidden": True, "level": 1})
        ws.outline_settings(True, True, False, False)  # the group's button beside 'Before the plan'
    if grid.n_after:
        first = grid.col(grid.upto_plan)
        ws.set_column(first, grid.last_col, MONTH_WIDTH, None, {"level": 1})
        sheet.after_from = grid.after_total
    ws.freeze_panes(header_row + 1, 2)
    per_page = page_months(ctx.plan.months)
    breaks = [grid.month(t) for t in range(per_page, ctx.plan.months, per_page)]
    labels = [LABEL_WIDTH, NAME_WIDTH, MONTH_WIDTH] if grid.with_pre else [LABEL_WIDTH, NAME_WIDTH]
    tail = 2 if grid.n_after else 1  # the plan total (and 'After the plan') on the last page
    print_sheet(ctx, sheet, [*labels, *([MONTH_WIDTH] * (per_page + tail))], header_row, breaks=breaks)


def print_plan_months_only(ctx: Context) -> None:
    """The months after the plan are on screen only (greyed, grouped): every
    sheet that holds them prints up to their total, 'After the plan' (call when written)."""
    for sheet in ctx.sheets.values():
        if sheet.after_from is not None:
            sheet.ws.print_area(0, 0, sheet.ws.dim_rowmax or 0, sheet.after_from)
