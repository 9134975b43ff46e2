"""The budget-request workbook a marketing manager sends to finance.

:func:`write_budget_request` computes the plan with :func:`core.calc.engine.calculate`
and writes an ``.xlsx`` (xlsxwriter) atomically. Sheets:

- ``Summary``: the one-page case (target, deals, qualified and raw leads,
  budget requested vs approved, gap, cost per SQL and per deal, the
  qualified-lead deficit, the spec change, the pre-plan requirement), charts.
- ``Assumptions``: every input, yellow, with defined names (``AvgDealSize``,
  ``Rate_<stage>``, ``Lag_<stage>``, ``Mix_<channel>``, ``CPL_<channel>``,
  ``PassRate``, ``ApprovedBudget`` ...).
- ``Reverse funnel``, ``Budget by channel``, ``Lead spec & deficit``,
  ``Sales capacity``: the monthly working, months across.

Every number that derives from the inputs is a live formula that refers,
in the end, to the Assumptions sheet, and carries the core's value as its
cached result, so the workbook reads right in a viewer that does not
recalculate. The lag kernel is live too: the whole months ``a`` and the
fraction ``f`` of every lag are formulas on Assumptions and the reverse and
forward passes pick the month ``a`` away with ``INDEX``; the workbook holds
as many pre-plan months as the exported lags need (a check cell says when
longer lags would need more). The lead spec's pass rate is an input value
(the exact dynamic programme over the criteria is not a formula).

Counts in the working sheets are exact expected values shown to one decimal
(they feed further formulas); the Summary shows counts rounded up with
``ROUNDUP(ROUND(x, 6), 0)``, the rule of :func:`core.calc.display.shown_count`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from core.calc.engine import MonthGrid, PlanResult, calculate, free_by_stage, gate_of, plan_lags, require
from core.calc.funnel import FloatArray, Lag, forward_pass
from core.calc.lead_spec import pass_rate
from core.formats.files import atomic_write
from core.formats.xlsx.printing import (
    LANDSCAPE_WIDTH,
    MIN_POINTS,
    column_points,
    month_breaks,
    print_setup,
    table_points,
)
from core.model.plan import LeadSpec, Plan, PlanRefused, errors_only
from core.model.validation import validate

SUMMARY = "Summary"
ASSUMPTIONS = "Assumptions"
REVERSE = "Reverse funnel"
BUDGET = "Budget by channel"
SPEC = "Lead spec & deficit"
CAPACITY = "Sales capacity"
SHEETS = (SUMMARY, ASSUMPTIONS, REVERSE, BUDGET, SPEC, CAPACITY)

BEFORE = "Before the plan"  # the column summing the pre-plan months
FONT_SIZE = 10
SUMMARY_WIDTHS = (34, 13, 42)  # figure, value, how it is computed
LINE_HEIGHT = 13.5  # points, a line of FONT_SIZE text
DAYS_PER_MONTH_FORMULA = "(365.25/12)"
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩"}
_MAX_STRING = 32767


# ---------------------------------------------------------------- helpers


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


def _lines(text: str, width: float) -> int:
    """Lines ``text`` wraps to in a column ``width`` characters wide (an
    estimate on the wide side: about 1.2 characters of text per unit)."""
    if not text:
        return 1
    per_line = max(1, int(width * 1.2))
    lines, length = 1, 0
    for word in text.split():
        if length and length + 1 + len(word) > per_line:
            lines, length = lines + 1, len(word)
        else:
            length += len(word) + (1 if length else 0)
    return lines


def _name_part(text: str, fallback: str) -> str:
    """ASCII letters, digits and underscores of ``text`` (for a defined name)."""
    part = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_")[:60]
    return part or fallback


def _months_before(start: str, count: int) -> tuple[str, ...]:
    """``YYYY-MM`` labels of the ``count`` months before ``start`` (oldest first)."""
    year, month = (int(p) for p in start.split("-"))
    out = []
    for back in range(count, 0, -1):
        y, m = divmod(month - 1 - back, 12)
        out.append(f"{year + y:04d}-{m + 1:02d}")
    return tuple(out)


def _quarters(labels: Sequence[str]) -> list[tuple[str, int, int]]:
    """Calendar quarters of consecutive month labels: ``(label, first, last)``."""
    out: list[tuple[str, int, int]] = []
    for t, label in enumerate(labels):
        year, month = label.split("-")
        q = f"{year} Q{(int(month) - 1) // 3 + 1}"
        if out and out[-1][0] == q:
            out[-1] = (q, out[-1][1], t)
        else:
            out.append((q, t, t))
    return out


def _cell(row: int, col: int, sheet: str | None = None, absolute: bool = False) -> str:
    ref = xl_rowcol_to_cell(row, col, absolute, absolute)
    return f"{quote_sheetname(sheet)}!{ref}" if sheet else ref


def _range(row: int, first: int, last: int, sheet: str | None = None) -> str:
    ref = f"{xl_rowcol_to_cell(row, first, True, True)}:{xl_rowcol_to_cell(row, last, True, True)}"
    return f"{quote_sheetname(sheet)}!{ref}" if sheet else ref


# ---------------------------------------------------------------- the numbers


@dataclass(frozen=True, eq=False)
class _Numbers:
    """Every value the workbook caches, on the engine's month grid
    (``n_pre`` pre-plan months, then the plan's). Plan-month values are the
    engine's; the per-month pre-plan values come from the same core
    functions (:mod:`core.calc.funnel`) the engine runs."""

    result: PlanResult
    lags: tuple[Lag, ...]
    n_pre: int
    free: tuple[FloatArray, ...]
    deals: FloatArray
    gross: tuple[FloatArray, ...]
    net: tuple[FloatArray, ...]
    paid: FloatArray
    funded_bought: FloatArray | None
    funded_volumes: tuple[FloatArray, ...] | None
    proposed_rates: tuple[float, ...] | None
    proposed_rb: float | None
    proposed_flow: tuple[FloatArray, ...] | None
    proposed_gross: tuple[FloatArray, ...] | None
    proposed_net: tuple[FloatArray, ...] | None
    proposed_paid: FloatArray | None


def _numbers(plan: Plan, result: PlanResult) -> _Numbers:
    """The engine's grid-level figures (pre-plan months month by month,
    which PlanResult only totals), from the engine's own passes."""
    lags = plan_lags(plan)
    grid = MonthGrid(plan.months, lags)
    n_pre = grid.offset
    free = free_by_stage(plan, grid)
    deals = grid.spread(result.deals_required)
    req = require(plan, plan.lead_spec, lags, deals, free)
    paid = req.paid

    bought = volumes = None
    if result.funded is not None:
        bought = grid.spread(result.funded.paid_leads)
        volumes = forward_pass(bought, req.rb, req.rates, lags, free)

    p_rates = p_rb = p_flow = p_gross = p_net = p_paid = None
    if plan.proposed_lead_spec is not None:
        p_req = require(plan, plan.proposed_lead_spec, lags, deals, free)
        p_rates, p_rb = p_req.rates, p_req.rb
        p_flow = forward_pass(paid, p_rb, p_rates, lags, free)
        p_gross, p_net, p_paid = p_req.gross, p_req.net, p_req.paid
    return _Numbers(
        result,
        tuple(lags),
        n_pre,
        tuple(free),
        deals,
        req.gross,
        req.net,
        paid,
        bought,
        volumes,
        p_rates,
        p_rb,
        p_flow,
        p_gross,
        p_net,
        p_paid,
    )


def qualified_stage(plan: Plan) -> int:
    """The stage whose volume the summary calls qualified leads: the lead
    spec's gate (current, else proposed); without a spec the stage before
    one named 'Opportunity'; failing that the stage before the won deal."""
    for spec in (plan.lead_spec, plan.proposed_lead_spec):
        gate = gate_of(plan, spec)
        if gate is not None:
            return gate
    opportunity = plan.stage_index("Opportunity")
    if opportunity is not None and opportunity >= 1:
        return opportunity - 1
    return max(0, len(plan.stages) - 2)


# ---------------------------------------------------------------- layout


@dataclass
class _Grid:
    """Columns of a month sheet: A label, B name, C pre-plan total, then the
    pre-plan months, the plan's months, and the plan total."""

    n_pre: int
    n: int
    with_pre: bool = True

    LABEL: ClassVar[int] = 0
    NAME: ClassVar[int] = 1
    PRE: ClassVar[int] = 2

    @property
    def first(self) -> int:
        return 3 if self.with_pre else 2

    @property
    def size(self) -> int:
        return (self.n_pre if self.with_pre else 0) + self.n

    def col(self, i: int) -> int:
        """Column of grid index ``i`` (0 = the first pre-plan month)."""
        return self.first + i

    def month(self, t: int) -> int:
        """Column of plan month ``t``."""
        return self.first + (self.n_pre if self.with_pre else 0) + t

    @property
    def total(self) -> int:
        return self.month(self.n - 1) + 1


@dataclass
class _Styles:
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


def _styles(book: Workbook, currency: str) -> _Styles:
    def f(**props: Any) -> Format:
        return book.add_format({"font_size": FONT_SIZE, **props})

    yellow = "#FFF2CC"
    money = currency_format(currency)
    return _Styles(
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
    )


class _Writer:
    """Writes the workbook; remembers where each figure lives for the
    formulas of later sheets."""

    def __init__(self, book: Workbook, plan: Plan, nums: _Numbers) -> None:
        self.book = book
        self.plan = plan
        self.nums = nums
        self.res = nums.result
        self.st = _styles(book, plan.currency)
        self.grid = _Grid(nums.n_pre, plan.months)
        self.names: set[str] = set()  # every defined name
        self.row_labels: dict[tuple[str, int], tuple[str, str]] = {}  # (sheet, row) -> texts in columns A and B
        self.months = self.res.months
        self.pre_months = _months_before(plan.start, nums.n_pre)
        # filled as sheets are written
        self.a_month: dict[str, int] = {}  # Assumptions column of each monthly input
        self.a_stage_row: list[int] = []
        self.a_channel_row: list[int] = []
        self.a_month_top = 0  # Assumptions row of the first month's inputs
        self.a_month_last_col = 1
        self.a_fixed_col: list[int] = []
        self.a_free_cols: list[list[int]] = [[] for _ in plan.stages]
        self.stage_names: list[str] = []  # defined-name part of each stage
        self.channel_names: list[str] = []
        self.rf: dict[str, int] = {}  # Reverse funnel rows
        self.rf_gross: dict[int, int] = {}
        self.rf_free: dict[int, int] = {}
        self.rf_net: dict[int, int] = {}
        self.bud: dict[str, int] = {}
        self.bud_leads: list[int] = []
        self.bud_spend: list[int] = []
        self.spec_rows: dict[str, int] = {}
        self.cap_rows: dict[str, int] = {}
        self.quarters = _quarters(self.months)
        self.ws = {name: book.add_worksheet(name) for name in SHEETS}

    # ----------------------------------------------------------- primitives

    def text(self, ws: Worksheet, row: int, col: int, value: str, fmt: Format | None = None) -> None:
        """Text from the plan stays text (``=x`` is never a formula)."""
        ws.write_string(row, col, value[:_MAX_STRING], fmt or self.st.label)
        if col <= 1:
            label, name = self.row_labels.get((ws.name, row), ("", ""))
            self.row_labels[(ws.name, row)] = (value, name) if col == 0 else (label, value)

    def formula(self, ws: Worksheet, row: int, col: int, formula: str, value: float | str, fmt: Format) -> None:
        if isinstance(value, str):
            ws.write_formula(row, col, "=" + formula, fmt, value)
        else:
            ws.write_formula(row, col, "=" + formula, fmt, float(value))

    def part(self, text: str, fallback: str, used: list[str]) -> str:
        """A defined-name part for ``text`` unique (case-insensitively) in ``used``."""
        base = _name_part(text, fallback)
        part, k = base, 2
        while part.casefold() in (u.casefold() for u in used):
            part, k = f"{base}_{k}", k + 1
        used.append(part)
        return part

    def name(self, name: str, ref: str) -> None:
        """Define ``name`` for the workbook (``ref`` sheet-qualified)."""
        self.book.define_name(name, "=" + ref)
        self.names.add(name)

    def fixed_sum(self, t: int) -> str:
        """``Fix_1[t] + Fix_2[t] + ...`` (Assumptions cells)."""
        row = self.a_month_row(t)
        return "+".join(_cell(row, c, ASSUMPTIONS, True) for c in self.a_fixed_col) or "0"

    def a_month_row(self, t: int) -> int:
        return self.a_month_top + t

    def a_month_ref(self, key: str, t: int) -> str:
        """Assumptions cell of the monthly input ``key`` in plan month ``t``."""
        return _cell(self.a_month_row(t), self.a_month[key], ASSUMPTIONS, True)

    # ----------------------------------------------------------- Assumptions

    def assumptions(self) -> None:
        plan, st, res = self.plan, self.st, self.res
        ws = self.ws[ASSUMPTIONS]
        ws.set_column(0, 0, 24)
        ws.set_column(1, 11, 8.5)
        self.text(ws, 0, 0, "Assumptions: every input of the plan", st.title)
        self.text(
            ws,
            1,
            0,
            "Yellow cells are inputs. Change one and every other sheet recalculates. "
            "Amounts in " + plan.currency + "; rates as percentages; lags in days.",
            st.note,
        )
        row = 3
        self.text(ws, row, 0, "General", st.header_left)
        self.text(ws, row, 1, "Value", st.header)
        self.text(ws, row, 2, "Note", st.header_left)
        row += 1

        def put_text(label: str, value: str, note: str = "") -> None:
            nonlocal row
            self.text(ws, row, 0, label)
            self.text(ws, row, 1, value)
            if note:
                self.text(ws, row, 2, note, st.note)
            row += 1

        def put_input(label: str, name: str, value: float, fmt: Format, note: str = "") -> None:
            nonlocal row
            self.text(ws, row, 0, label)
            ws.write_number(row, 1, value, fmt)
            ref = _cell(row, 1, ASSUMPTIONS, True)
            self.name(name, ref)
            if note:
                self.text(ws, row, 2, note, st.note)
            row += 1

        put_text("Plan", plan.name)
        put_text("Currency", plan.currency)
        put_text("First month", plan.start)
        put_text("Months", str(plan.months), "Months of the plan (from the first month).")
        put_input("Average deal size", "AvgDealSize", plan.avg_deal_size, st.money_in)
        spec, proposed = plan.lead_spec, plan.proposed_lead_spec
        gate_spec = spec or proposed
        put_text("Lead-spec gate", gate_spec.gate if gate_spec is not None else "none")
        if spec is not None:
            put_input(
                "Pass rate, current lead spec",
                "PassRate",
                pass_rate(spec),
                st.rate_in,
                self._pass_note(spec) + " It replaces the entered rate into the gate.",
            )
        if proposed is not None:
            put_input(
                "Pass rate, proposed lead spec",
                "ProposedPassRate",
                pass_rate(proposed),
                st.rate_in,
                self._pass_note(proposed),
            )
        blended_row = row
        self.text(ws, row, 0, "Blended paid raw-lead rate")
        self.text(ws, row, 2, "Mix-weighted rate of the paid channels' raw leads into the next stage.", st.note)
        row += 1
        blended_cpl_row = row
        self.text(ws, row, 0, "Blended cost per paid raw lead")
        self.text(ws, row, 2, "Mix-weighted cost per lead of the paid channels.", st.note)
        row += 1
        proposed_blended_row = None
        if proposed is not None:
            proposed_blended_row = row
            self.text(ws, row, 0, "Blended rate, proposed spec")
            row += 1
        pre_row = row
        self.text(ws, row, 0, "Months before the plan held")
        ws.write_number(row, 1, self.nums.n_pre, st.whole)
        self.text(
            ws,
            row,
            2,
            "Leads must come in this many months before the plan starts (summed in 'Before the plan').",
            st.note,
        )
        row += 1
        need_row = row
        self.text(ws, row, 0, "Months before the plan the lags need")
        row += 1
        check_row = row
        self.text(ws, row, 0, "Lag check")
        row += 2

        # stages
        heads = [
            "Stage",
            "Rate to next stage, entered",
            "Rate used",
            "Rate with the proposed spec" if proposed is not None else "",
            "Lag to next stage (days)",
            "Lag in months",
            "Lag, whole months",
            "Share moving on a month later",
            "Sales hours per item",
            "Note",
        ]
        for c, h in enumerate(heads):
            self.text(ws, row, c, h, st.header if 0 < c < 9 else st.header_left)
        ws.set_row(row, 54)
        row += 1
        gate = gate_of(plan, spec)
        pgate = gate_of(plan, proposed)
        last = len(plan.stages) - 1
        for k, stage in enumerate(plan.stages):
            self.a_stage_row.append(row)
            part = self.part(stage.name, f"S{k}", self.stage_names)
            self.text(ws, row, 0, stage.name, st.bold)
            if k < last:
                rate_entered = float(stage.rate if stage.rate is not None else 0.0)
                ws.write_number(row, 1, rate_entered, st.rate_in)
                self.name(f"Rate_{part}", _cell(row, 1, ASSUMPTIONS, True))
                in_force = "PassRate" if gate is not None and k == gate - 1 else _cell(row, 1)
                self.formula(ws, row, 2, in_force, res.effective_rates[k], st.rate)
                if self.nums.proposed_rates is not None:
                    p_force = "ProposedPassRate" if pgate is not None and k == pgate - 1 else _cell(row, 1)
                    self.formula(ws, row, 3, p_force, self.nums.proposed_rates[k], st.rate)
                ws.write_number(row, 4, float(stage.lag_days or 0.0), st.days_in)
                self.name(f"Lag_{part}", _cell(row, 4, ASSUMPTIONS, True))
                lag = self.nums.lags[k]
                lam = float(stage.lag_days or 0.0) / (365.25 / 12)
                self.formula(ws, row, 5, f"{_cell(row, 4)}/{DAYS_PER_MONTH_FORMULA}", lam, st.months)
                self.formula(ws, row, 6, f"INT({_cell(row, 5)})", lag.whole, st.whole)
                self.formula(ws, row, 7, f"{_cell(row, 5)}-{_cell(row, 6)}", lag.fraction, st.number)
                if gate is not None and k == gate - 1:
                    self.text(ws, row, 9, "Not used: lead spec", st.note)
            ws.write_number(row, 8, stage.sales_hours, st.number_in)
            self.name(f"Hours_{part}", _cell(row, 8, ASSUMPTIONS, True))
            row += 1
        first_t, last_t = self.a_stage_row[0], self.a_stage_row[-2]
        reach = self.nums.n_pre  # the engine's pre-plan months, as the formula recomputes them
        self.formula(
            ws,
            need_row,
            1,
            f'SUM({_cell(first_t, 6)}:{_cell(last_t, 6)})+COUNTIF({_cell(first_t, 7)}:{_cell(last_t, 7)},">0")+1',
            reach,
            st.whole,
        )
        self.formula(
            ws,
            check_row,
            1,
            f'IF({_cell(need_row, 1)}<={_cell(pre_row, 1)},"OK","Export again")',
            "OK",
            st.label,
        )
        self.text(
            ws,
            check_row,
            2,
            "If longer lags need more months before the plan than this workbook holds, export it again from the planner.",
            st.note,
        )
        row += 1

        # channels
        self.text(ws, row, 0, "Paid channel", st.header_left)
        for c, h in enumerate(
            [
                "Mix",
                "Cost per raw lead",
                "Rate to next stage",
                "Rate with the proposed spec" if proposed else "",
                "Note",
            ],
            start=1,
        ):
            self.text(ws, row, c, h, st.header if c < 5 else st.header_left)
        ws.set_row(row, 54)
        row += 1
        stage0 = self.a_stage_row[0]
        for j, ch in enumerate(plan.channels):
            self.a_channel_row.append(row)
            self.text(ws, row, 0, ch.name, st.bold)
            ws.write_number(row, 1, ch.mix, st.pct_in)
            part = self.part(ch.name, f"C{j + 1}", self.channel_names)
            self.name(f"Mix_{part}", _cell(row, 1, ASSUMPTIONS, True))
            ws.write_number(row, 2, ch.cost_per_lead, st.money_in)
            self.name(f"CPL_{part}", _cell(row, 2, ASSUMPTIONS, True))
            proposed_rates = self.nums.proposed_rates
            if ch.rate is not None:
                ws.write_number(row, 3, ch.rate, st.rate_in)
                if proposed_rates is not None:
                    self.formula(ws, row, 4, _cell(row, 3), ch.rate, st.rate)
            else:
                self.formula(ws, row, 3, _cell(stage0, 2), res.effective_rates[0], st.rate)
                if proposed_rates is not None:
                    self.formula(ws, row, 4, _cell(stage0, 3), proposed_rates[0], st.rate)
                self.text(ws, row, 5, "Not entered: the rate in force out of the first stage.", st.note)
            self.name(f"ChRate_{part}", _cell(row, 3, ASSUMPTIONS, True))
            row += 1
        if not plan.channels:
            self.text(ws, row, 0, "No paid channels: free sources cover the requirement.", st.note)
            row += 1
        if plan.channels:
            first_c, last_c = self.a_channel_row[0], self.a_channel_row[-1]
            mix = f"{_cell(first_c, 1)}:{_cell(last_c, 1)}"
            self.formula(
                ws,
                blended_row,
                1,
                f"SUMPRODUCT({mix},{_cell(first_c, 3)}:{_cell(last_c, 3)})",
                res.blended_paid_rate,
                st.rate,
            )
            blended_cpl = sum(c.mix * c.cost_per_lead for c in plan.channels)
            self.formula(
                ws,
                blended_cpl_row,
                1,
                f"SUMPRODUCT({mix},{_cell(first_c, 2)}:{_cell(last_c, 2)})",
                blended_cpl,
                st.money2,
            )
            if proposed_blended_row is not None and self.nums.proposed_rb is not None:
                self.formula(
                    ws,
                    proposed_blended_row,
                    1,
                    f"SUMPRODUCT({mix},{_cell(first_c, 4)}:{_cell(last_c, 4)})",
                    self.nums.proposed_rb,
                    st.rate,
                )
        else:
            self.formula(ws, blended_row, 1, _cell(stage0, 2), res.blended_paid_rate, st.rate)
            ws.write_number(blended_cpl_row, 1, 0.0, st.money2)
            if proposed_blended_row is not None and self.nums.proposed_rb is not None:
                self.formula(ws, proposed_blended_row, 1, _cell(stage0, 3), self.nums.proposed_rb, st.rate)
        for name, r in (("BlendedRate", blended_row), ("BlendedCPL", blended_cpl_row), ("PrePlanMonths", pre_row)):
            self.name(name, _cell(r, 1, ASSUMPTIONS, True))
        if proposed_blended_row is not None:
            self.name("ProposedBlendedRate", _cell(proposed_blended_row, 1, ASSUMPTIONS, True))
        row += 1

        # monthly inputs: months down, one column per input (fits a page's width)
        ws.set_h_pagebreaks([row])
        self.text(ws, row, 0, "Monthly inputs", st.header_left)
        header = row
        self.a_month_top = row + 1
        n = plan.months
        for t, label in enumerate(self.months):
            self.text(ws, self.a_month_row(t), 0, label, st.bold)
        col = 1

        def series(key: str, label: str, values: Sequence[float], fmt: Format, name: str | None) -> int:
            nonlocal col
            self.text(ws, header, col, label, st.header)
            for t, v in enumerate(values):
                ws.write_number(self.a_month_row(t), col, float(v), fmt)
            if name is not None:
                first, last = (
                    _cell(self.a_month_row(0), col, None, True),
                    _cell(self.a_month_row(n - 1), col, None, True),
                )
                self.name(name, f"{quote_sheetname(ASSUMPTIONS)}!{first}:{last}")
            self.a_month[key] = col
            col += 1
            return col - 1

        series("target", "Revenue target", plan.revenue_target, st.money_in, "RevenueTarget")
        series(
            "pipeline",
            "Pipeline revenue already forecast",
            plan.pipeline_revenue or (0.0,) * n,
            st.money_in,
            "PipelineRevenue",
        )
        if plan.approved_budget is not None:
            series("budget", "Approved budget", plan.approved_budget, st.money_in, "ApprovedBudget")
        if plan.sales_hours_available is not None:
            series("hours", "Sales hours available", plan.sales_hours_available, st.number_in, "SalesHoursAvailable")
        for j, ch in enumerate(plan.channels):
            c = series(
                f"fixed{j}", "Fixed cost: " + ch.name, ch.fixed_cost, st.money_in, f"Fixed_{self.channel_names[j]}"
            )
            self.a_fixed_col.append(c)
        for i, source in enumerate(plan.free_sources):
            into = plan.stage_index(source.stage)
            stage_name = plan.stages[into].name if into is not None else source.stage
            c = series(f"free{i}", f"Free volume into {stage_name}: {source.name}", source.volume, st.count_in, None)
            if into is not None:
                self.a_free_cols[into].append(c)
        ws.set_row(header, LINE_HEIGHT * 5)
        self.a_month_last_col = col - 1
        row = self.a_month_row(n - 1) + 2

        # lead spec criteria (information: the pass rate above is what counts)
        for title, ls in (("Current lead spec", spec), ("Proposed lead spec", proposed)):
            if ls is None:
                continue
            self.text(ws, row, 0, f"{title}: criterion", st.header_left)
            for c, h in enumerate(["Points", "Share meeting it", "Required"], start=1):
                self.text(ws, row, c, h, st.header)
            ws.set_row(row, LINE_HEIGHT * 2)
            row += 1
            for crit in ls.criteria:
                self.text(ws, row, 0, crit.name)
                ws.write_number(row, 1, crit.points, st.whole)
                ws.write_number(row, 2, crit.share, st.pct)
                self.text(ws, row, 3, "yes" if crit.required else "no")
                row += 1
            self.text(ws, row, 0, "Threshold (points)")
            ws.write_number(row, 1, ls.threshold, st.whole)
            self.text(
                ws,
                row,
                2,
                "The pass rate above is computed by the planner from the criteria shares; "
                "it is entered as a value, not a formula.",
                st.note,
            )
            row += 2
        ws.freeze_panes(1, 1)
        columns = max(12, self.a_month_last_col + 1)
        if columns > 12:
            ws.set_column(12, columns - 1, 8.5)
        self.print_sheet(ws, [24] + [8.5] * (columns - 1), None)

    @staticmethod
    def _pass_note(spec: LeadSpec) -> str:
        if spec.pass_rate_source == "empirical" and spec.empirical is not None:
            return f"Measured on {spec.empirical.sample:,} imported leads (input value, not a formula)."
        return "Computed from the criteria shares by the planner (a value, not a formula)."

    # ----------------------------------------------------------- month sheets

    def month_header(self, ws: Worksheet, row: int, grid: _Grid, totals: bool = True) -> None:
        st = self.st
        self.text(ws, row, grid.LABEL, "", st.header_left)
        self.text(ws, row, grid.NAME, "", st.header_left)
        if grid.with_pre:
            self.text(ws, row, grid.PRE, BEFORE, st.header)
            for i, label in enumerate(self.pre_months):
                self.text(ws, row, grid.col(i), label + " (before the plan)", st.header)
        for t, label in enumerate(self.months):
            self.text(ws, row, grid.month(t), label, st.header)
        if totals:
            self.text(ws, row, grid.total, "Plan total", st.header)
        ws.set_row(row, 30)

    def print_sheet(
        self,
        ws: Worksheet,
        widths: Sequence[float],
        header_row: int | None,
        landscape: bool | None = True,
        breaks: Sequence[int] = (),
    ) -> None:
        """Print setup of a sheet whose (widest page's) columns are ``widths``."""
        print_setup(
            ws,
            widths,
            font_size=FONT_SIZE,
            header_rows=None if header_row is None else (header_row, header_row),
            label_columns=(0, 1),
            landscape=landscape,
            title=self.plan.name,
            column_breaks=breaks,
        )

    LABEL_WIDTH, NAME_WIDTH, MONTH_WIDTH = 27, 14, 10

    def page_months(self) -> int:
        """Plan months printed on one page of a month sheet (all of them,
        or as many as stay readable: half-years for a 12-month plan)."""
        labels = [self.LABEL_WIDTH, self.NAME_WIDTH, self.MONTH_WIDTH]
        usable = LANDSCAPE_WIDTH * 0.99 * FONT_SIZE / MIN_POINTS
        month = column_points(self.MONTH_WIDTH)
        breaks = month_breaks(table_points(labels), month, self.plan.months, month, usable)
        return breaks[0] if breaks else self.plan.months

    def subtitle(self, ws: Worksheet, text: str, grid: _Grid | None) -> None:
        """The explanation under a sheet's title, wrapped over the first
        printed page's width (``grid`` None: the Summary's three columns)."""
        last = 2 if grid is None else grid.month(self.page_months() - 1)
        if grid is None:
            width = float(sum(SUMMARY_WIDTHS))
        else:
            months = self.page_months() + (1 if grid.with_pre else 0)
            width = self.LABEL_WIDTH + self.NAME_WIDTH + self.MONTH_WIDTH * months
        ws.merge_range(1, 0, 1, last, "", self.st.note_wrap)
        self.text(ws, 1, 0, text, self.st.note_wrap)
        ws.set_row(1, LINE_HEIGHT * _lines(text, width))

    def setup_month_sheet(self, ws: Worksheet, grid: _Grid, header_row: int) -> None:
        """Label, name and 'Before the plan' columns, the pre-plan months
        grouped and hidden (the 'Before the plan' column sums them), the
        plan's months printed as many to a page as stay readable."""
        label, name, month = self.LABEL_WIDTH, self.NAME_WIDTH, self.MONTH_WIDTH
        ws.set_column(grid.LABEL, grid.LABEL, label)
        ws.set_column(grid.NAME, grid.NAME, name)
        ws.set_column(2, grid.total, month)
        if grid.with_pre:
            ws.set_column(grid.PRE, grid.PRE, month, None, {"collapsed": True})
            if grid.n_pre:
                ws.set_column(grid.col(0), grid.col(grid.n_pre - 1), month, None, {"hidden": True, "level": 1})
            ws.outline_settings(True, True, False, False)  # the group's button beside 'Before the plan'
        ws.freeze_panes(header_row + 1, 2)
        per_page = self.page_months()
        breaks = [grid.month(t) for t in range(per_page, self.plan.months, per_page)]
        labels = [label, name, month] if grid.with_pre else [label, name]
        self.print_sheet(ws, [*labels, *([month] * (per_page + 1))], header_row, breaks=breaks)

    def reverse_cell(self, k: int, i: int, q_range: str, size: int, rates_col: int) -> str:
        """``G_k = ((1-f)*Q[i+a] + f*Q[i+a+1]) / c_k`` with a, f, c on Assumptions."""
        r = self.a_stage_row[k]
        a, f = _cell(r, 6, ASSUMPTIONS, True), _cell(r, 7, ASSUMPTIONS, True)
        c = _cell(r, rates_col, ASSUMPTIONS, True)
        pos = i + 1
        near = f"IF({pos}+{a}<={size},INDEX({q_range},1,{pos}+{a}),0)"
        far = f"IF({pos}+{a}+1<={size},INDEX({q_range},1,{pos}+{a}+1),0)"
        return f"((1-{f})*{near}+{f}*{far})/{c}"

    def forward_cell(self, k: int, i: int, x_range: str, rate: str) -> str:
        """``c*((1-f)*x[i-a] + f*x[i-a-1])`` for the items entering stage k."""
        r = self.a_stage_row[k]
        a, f = _cell(r, 6, ASSUMPTIONS, True), _cell(r, 7, ASSUMPTIONS, True)
        pos = i + 1
        near = f"IF({pos}-{a}>=1,INDEX({x_range},1,{pos}-{a}),0)"
        far = f"IF({pos}-{a}-1>=1,INDEX({x_range},1,{pos}-{a}-1),0)"
        return f"(1-{f})*({rate}*{near})+{f}*({rate}*{far})"

    def totals(self, ws: Worksheet, row: int, grid: _Grid, values: FloatArray, fmt: Format, pre: bool = True) -> None:
        """Pre-plan total and plan total of a grid row (``values`` on the grid)."""
        n_pre = self.nums.n_pre
        if pre and grid.with_pre:
            self.formula(
                ws,
                row,
                grid.PRE,
                f"SUM({_cell(row, grid.col(0))}:{_cell(row, grid.col(n_pre - 1))})",
                float(values[:n_pre].sum()),
                fmt,
            )
        self.formula(
            ws,
            row,
            grid.total,
            f"SUM({_cell(row, grid.month(0))}:{_cell(row, grid.month(self.plan.months - 1))})",
            float(values[n_pre:].sum()),
            fmt,
        )

    def reverse_funnel(self) -> None:
        plan, st, nums, res = self.plan, self.st, self.nums, self.res
        g = self.grid
        ws = self.ws[REVERSE]
        self.text(ws, 0, 0, "Reverse funnel: what the revenue target requires, month by month", st.title)
        self.subtitle(
            ws,
            "Required entering a stage = what the next stage needs, one lag later, divided by the conversion rate; "
            "a lag of 1.5 months splits it between 1 and 2 months later (Assumptions). "
            "Counts are expected values to one decimal (the Summary rounds up).",
            g,
        )
        header = 3
        self.month_header(ws, header, g)
        self.setup_month_sheet(ws, g, header)
        n, n_pre, size = plan.months, nums.n_pre, g.size
        K = len(plan.stages) - 1
        row = header + 1

        def plan_row(label: str, key: str, values: FloatArray, fmt: Format, formula: Callable[[int], str]) -> None:
            nonlocal row
            self.text(ws, row, 0, label)
            for t in range(n):
                self.formula(ws, row, g.month(t), formula(t), float(values[t]), fmt)
            self.formula(
                ws,
                row,
                g.total,
                f"SUM({_cell(row, g.month(0))}:{_cell(row, g.month(n - 1))})",
                float(values.sum()),
                fmt,
            )
            self.rf[key] = row
            row += 1

        plan_row("Revenue target", "target", res.revenue_target, st.money, lambda t: self.a_month_ref("target", t))
        pipeline = np.asarray(plan.pipeline_revenue or (0.0,) * n, dtype=float)
        plan_row(
            "Pipeline revenue already forecast",
            "pipeline",
            pipeline,
            st.money,
            lambda t: self.a_month_ref("pipeline", t),
        )
        # deals: zero before the plan
        self.text(ws, row, 0, "Deals required")
        self.text(ws, row, 1, plan.stages[K].name)
        for i in range(n_pre):
            ws.write_number(row, g.col(i), 0.0, st.count)
        for t in range(n):
            tgt, pipe = _cell(self.rf["target"], g.month(t)), _cell(self.rf["pipeline"], g.month(t))
            self.formula(
                ws, row, g.month(t), f"MAX(0,{tgt}-{pipe})/AvgDealSize", float(res.deals_required[t]), st.count
            )
        self.totals(ws, row, g, nums.deals, st.count)
        self.rf["deals"] = row
        need_row = row  # the net requirement of the stage below
        row += 2
        for k in range(K - 1, -1, -1):
            name = plan.stages[k].name
            q_range = _range(need_row, g.col(0), g.col(size - 1))
            self.text(ws, row, 0, "Required (gross)")
            self.text(ws, row, 1, name)
            for i in range(size):
                self.formula(
                    ws, row, g.col(i), self.reverse_cell(k, i, q_range, size, 2), float(nums.gross[k][i]), st.count
                )
            self.totals(ws, row, g, nums.gross[k], st.count)
            self.rf_gross[k] = row
            gross_row = row
            row += 1
            if self.a_free_cols[k]:
                self.text(ws, row, 0, "Free volume entering")
                self.text(ws, row, 1, name)
                for i in range(n_pre):
                    ws.write_number(row, g.col(i), 0.0, st.count)
                for t in range(n):
                    refs = "+".join(_cell(self.a_month_row(t), c, ASSUMPTIONS, True) for c in self.a_free_cols[k])
                    self.formula(ws, row, g.month(t), refs, float(nums.free[k][n_pre + t]), st.count)
                self.totals(ws, row, g, nums.free[k], st.count)
                self.rf_free[k] = row
                row += 1
                self.text(ws, row, 0, "Net to generate (after free volume)")
                self.text(ws, row, 1, name)
                for i in range(size):
                    gross, free = _cell(gross_row, g.col(i)), _cell(row - 1, g.col(i))
                    self.formula(ws, row, g.col(i), f"MAX(0,{gross}-{free})", float(nums.net[k][i]), st.count)
                self.totals(ws, row, g, nums.net[k], st.count)
                self.rf_net[k] = row
                need_row = row
                row += 1
            else:
                self.rf_net[k] = gross_row
                need_row = gross_row
            row += 1
        self.text(ws, row, 0, "Paid raw leads (all channels)", st.bold)
        self.text(ws, row, 1, plan.stages[0].name)
        c0 = _cell(self.a_stage_row[0], 2, ASSUMPTIONS, True)
        for i in range(size):
            q0 = _cell(self.rf_net[0], g.col(i))
            self.formula(ws, row, g.col(i), f"{q0}*{c0}/BlendedRate", float(nums.paid[i]), st.count)
        self.totals(ws, row, g, nums.paid, st.count)
        self.rf["paid"] = row
        row += 2
        self.text(
            ws,
            row,
            0,
            "Before the plan: what had to enter before the first month for the first months' targets to be met.",
            st.note,
        )

    def budget_by_channel(self) -> None:
        plan, st, nums, res = self.plan, self.st, self.nums, self.res
        g = self.grid
        ws = self.ws[BUDGET]
        self.text(ws, 0, 0, f"Budget by channel ({plan.currency})", st.title)
        self.subtitle(
            ws,
            "Channel leads = mix x paid raw leads; spend = cost per lead x leads + fixed cost. "
            "'Before the plan': leads bought before the first month, for the first months' deals.",
            g,
        )
        header = 3
        self.month_header(ws, header, g)
        self.setup_month_sheet(ws, g, header)
        n, n_pre, size = plan.months, nums.n_pre, g.size
        row = header + 1
        by_quarter: list[tuple[int, FloatArray, Format]] = []  # rows repeated by quarter below the table

        def quarter_cells(r: int, values: FloatArray, fmt: Format) -> None:
            by_quarter.append((r, values, fmt))

        if not plan.channels:
            self.text(ws, row, 0, "No paid channels: free sources cover the requirement; nothing to spend.", st.note)
            return
        paid_row = self.rf["paid"]
        spend_values: list[FloatArray] = []
        for j, ch in enumerate(plan.channels):
            mix = f"Mix_{self.channel_names[j]}"
            leads = ch.mix * nums.paid
            self.text(ws, row, 0, "Leads")
            self.text(ws, row, 1, ch.name)
            for i in range(size):
                self.formula(
                    ws, row, g.col(i), f"{mix}*{_cell(paid_row, g.col(i), REVERSE)}", float(leads[i]), st.count
                )
            self.totals(ws, row, g, leads, st.count)
            self.bud_leads.append(row)
            row += 1
        leads_total = np.sum([ch.mix * nums.paid for ch in plan.channels], axis=0)
        self.text(ws, row, 0, "Paid raw leads, all channels", st.bold)
        for c in [*(g.col(i) for i in range(size)), g.PRE, g.total]:
            top, bottom = _cell(self.bud_leads[0], c), _cell(self.bud_leads[-1], c)
            if c == g.PRE:
                value = float(leads_total[:n_pre].sum())
            elif c == g.total:
                value = float(leads_total[n_pre:].sum())
            else:
                value = float(leads_total[c - g.col(0)])
            self.formula(ws, row, c, f"SUM({top}:{bottom})", value, st.count)
        quarter_cells(row, leads_total[n_pre:], st.count)
        self.bud["leads"] = row
        row += 2
        for j, ch in enumerate(plan.channels):
            cpl = f"CPL_{self.channel_names[j]}"
            variable = ch.cost_per_lead * (ch.mix * nums.paid)
            values = variable.copy()
            values[n_pre:] = res.spend[j]
            self.text(ws, row, 0, "Spend")
            self.text(ws, row, 1, ch.name)
            lead_row = self.bud_leads[j]
            for i in range(n_pre):
                self.formula(ws, row, g.col(i), f"{cpl}*{_cell(lead_row, g.col(i))}", float(variable[i]), st.money)
            for t in range(n):
                fixed = _cell(self.a_month_row(t), self.a_fixed_col[j], ASSUMPTIONS, True)
                self.formula(
                    ws,
                    row,
                    g.month(t),
                    f"{cpl}*{_cell(lead_row, g.month(t))}+{fixed}",
                    float(res.spend[j][t]),
                    st.money,
                )
            self.totals(ws, row, g, values, st.money)
            quarter_cells(row, res.spend[j], st.money)
            self.bud_spend.append(row)
            spend_values.append(values)
            row += 1
        total = np.sum(spend_values, axis=0)
        total[n_pre:] = res.spend_total
        self.text(ws, row, 0, "Budget requested (total spend)", st.bold)
        for c in [*(g.col(i) for i in range(size)), g.PRE, g.total]:
            top, bottom = _cell(self.bud_spend[0], c), _cell(self.bud_spend[-1], c)
            if c == g.PRE:
                value = float(total[:n_pre].sum())
            elif c == g.total:
                value = float(res.spend_total.sum())
            else:
                value = float(total[c - g.col(0)])
            self.formula(ws, row, c, f"SUM({top}:{bottom})", value, st.money_bold)
        quarter_cells(row, res.spend_total, st.money_bold)
        self.bud["spend"] = row
        row += 1
        if res.approved_budget is not None and res.budget_gap is not None:
            self.text(ws, row, 0, "Approved budget")
            for t in range(n):
                self.formula(
                    ws, row, g.month(t), self.a_month_ref("budget", t), float(res.approved_budget[t]), st.money
                )
            self.totals(ws, row, g, np.concatenate([np.zeros(n_pre), res.approved_budget]), st.money, pre=False)
            quarter_cells(row, res.approved_budget, st.money)
            self.bud["budget"] = row
            row += 1
            self.text(ws, row, 0, "Budget gap (positive: to request)", st.bold)
            for t in range(n):
                c = g.month(t)
                self.formula(
                    ws,
                    row,
                    c,
                    f"{_cell(self.bud['spend'], c)}-{_cell(self.bud['budget'], c)}",
                    float(res.budget_gap[t]),
                    st.money_bold,
                )
            self.totals(ws, row, g, np.concatenate([np.zeros(n_pre), res.budget_gap]), st.money_bold, pre=False)
            quarter_cells(row, res.budget_gap, st.money_bold)
            self.bud["gap"] = row
            row += 1
        self.bud["fixed"] = row
        self.text(ws, row, 0, "Fixed cost, all channels")
        fixed_total = np.sum([np.asarray(c.fixed_cost, dtype=float) for c in plan.channels], axis=0)
        for t in range(n):
            self.formula(ws, row, g.month(t), self.fixed_sum(t), float(fixed_total[t]), st.money)
        self.totals(ws, row, g, np.concatenate([np.zeros(n_pre), fixed_total]), st.money, pre=False)
        self.quarter_table(ws, row + 2, by_quarter)

    def quarter_table(self, ws: Worksheet, row: int, rows: Sequence[tuple[int, FloatArray, Format]]) -> None:
        """The rows ``rows`` (row, plan-month values, format) again by
        calendar quarter, from ``row`` down, quarters in the first month columns."""
        g, st = self.grid, self.st
        self.text(ws, row, g.LABEL, "By quarter", st.header_left)
        self.text(ws, row, g.NAME, "", st.header_left)
        for qi, (label, _, _) in enumerate(self.quarters):
            self.text(ws, row, g.month(qi), label, st.header)
        for offset, (source, values, fmt) in enumerate(rows, start=1):
            label, name = self.row_labels[(ws.name, source)]
            self.text(ws, row + offset, g.LABEL, label, st.bold if fmt in (st.money_bold,) else st.label)
            self.text(ws, row + offset, g.NAME, name)
            for qi, (_, a, b) in enumerate(self.quarters):
                self.formula(
                    ws,
                    row + offset,
                    g.month(qi),
                    f"SUM({_cell(source, g.month(a))}:{_cell(source, g.month(b))})",
                    float(values[a : b + 1].sum()),
                    fmt,
                )

    def lead_spec_sheet(self) -> None:
        plan, st, nums, res = self.plan, self.st, self.nums, self.res
        g = self.grid
        ws = self.ws[SPEC]
        self.text(ws, 0, 0, "Lead spec and the qualified-lead deficit", st.title)
        header = 3
        self.month_header(ws, header, g)
        self.setup_month_sheet(ws, g, header)
        n, n_pre, size = plan.months, nums.n_pre, g.size
        K = len(plan.stages) - 1
        row = header + 1
        gate = qualified_stage(plan)
        self.subtitle(
            ws,
            f"Qualified leads are counted entering {plan.stages[gate].name}. Projection: what enters a stage = "
            "conversion rate x what entered the stage before, one lag earlier, plus free volume.",
            g,
        )

        def required_at(k: int, c: int) -> str:
            return _cell(self.rf_gross[k] if k < K else self.rf["deals"], c, REVERSE)

        def required_values(k: int) -> FloatArray:
            return nums.gross[k] if k < K else nums.deals

        def free_term(k: int, i: int) -> str:
            return f"+{_cell(self.rf_free[k], g.col(i), REVERSE)}" if k in self.rf_free else ""

        def section(title: str) -> None:
            nonlocal row
            self.text(ws, row, 0, title, st.header_left)
            row += 1

        # -------- funded projection
        if res.funded is not None and nums.funded_bought is not None and nums.funded_volumes is not None:
            funded = res.funded
            section("Funded projection: what the approved budget buys")
            bought_row = row
            self.text(ws, row, 0, "Paid raw leads the budget buys")
            for i in range(n_pre):
                ws.write_number(row, g.col(i), 0.0, st.count)
            for t in range(n):
                c = g.month(t)
                p = _cell(self.rf["paid"], c, REVERSE)
                budget = self.a_month_ref("budget", t)
                if plan.channels:
                    f = f"IF(BlendedCPL>0,MIN({p},MAX(0,{budget}-({self.fixed_sum(t)}))/BlendedCPL),{p})"
                else:
                    f = "0"
                self.formula(ws, row, c, f, float(funded.paid_leads[t]), st.count)
            self.totals(ws, row, g, nums.funded_bought, st.count, pre=False)
            row += 1
            vol_rows: list[int] = []
            for k in range(K + 1):
                self.text(ws, row, 0, "Funded volume entering")
                self.text(ws, row, 1, plan.stages[k].name)
                for i in range(n_pre):
                    ws.write_number(row, g.col(i), 0.0, st.count)
                for t in range(n):
                    i = n_pre + t
                    if k == 0:
                        f = _cell(bought_row, g.col(i)) + free_term(0, i)
                    elif k == 1:
                        f = self.forward_cell(0, i, _range(bought_row, g.col(0), g.col(size - 1)), "BlendedRate")
                        if 0 in self.rf_free:
                            c0 = _cell(self.a_stage_row[0], 2, ASSUMPTIONS, True)
                            free_range = _range(self.rf_free[0], g.col(0), g.col(size - 1), REVERSE)
                            f += "+" + self.forward_cell(0, i, free_range, c0)
                        f += free_term(1, i)
                    else:
                        ck = _cell(self.a_stage_row[k - 1], 2, ASSUMPTIONS, True)
                        f = self.forward_cell(k - 1, i, _range(vol_rows[k - 1], g.col(0), g.col(size - 1)), ck)
                        f += free_term(k, i)
                    self.formula(ws, row, g.month(t), f, float(nums.funded_volumes[k][i]), st.count)
                self.totals(ws, row, g, nums.funded_volumes[k], st.count, pre=False)
                vol_rows.append(row)
                row += 1
            self.text(ws, row, 0, "Revenue, funded projection")
            for t in range(n):
                c = g.month(t)
                pipe = _cell(self.rf["pipeline"], c, REVERSE)
                self.formula(
                    ws, row, c, f"{_cell(vol_rows[K], c)}*AvgDealSize+{pipe}", float(funded.revenue[t]), st.money
                )
            self.totals(ws, row, g, np.concatenate([np.zeros(n_pre), funded.revenue]), st.money, pre=False)
            revenue_row = row
            row += 1
            self.text(ws, row, 0, "Revenue gap (target - funded)")
            for t in range(n):
                c = g.month(t)
                tgt = _cell(self.rf["target"], c, REVERSE)
                self.formula(ws, row, c, f"{tgt}-{_cell(revenue_row, c)}", float(funded.revenue_gap[t]), st.money)
            self.totals(ws, row, g, np.concatenate([np.zeros(n_pre), funded.revenue_gap]), st.money, pre=False)
            self.spec_rows["revenue_gap"] = row
            row += 1
            self.text(ws, row, 0, "Required, current spec")
            self.text(ws, row, 1, plan.stages[gate].name)
            for t in range(n):
                c = g.month(t)
                self.formula(ws, row, c, required_at(gate, c), float(required_values(gate)[n_pre + t]), st.count)
            self.totals(ws, row, g, required_values(gate), st.count, pre=False)
            req_row = row
            row += 1
            self.text(ws, row, 0, "Shortfall with the budget", st.bold)
            self.text(ws, row, 1, plan.stages[gate].name)
            deficit = required_values(gate)[n_pre:] - nums.funded_volumes[gate][n_pre:]
            for t in range(n):
                c = g.month(t)
                self.formula(ws, row, c, f"{_cell(req_row, c)}-{_cell(vol_rows[gate], c)}", float(deficit[t]), st.count)
            self.totals(ws, row, g, np.concatenate([np.zeros(n_pre), deficit]), st.count, pre=False)
            self.spec_rows["deficit"] = row
            row += 2
        else:
            self.text(
                ws,
                row,
                0,
                "No approved budget entered: the funded projection and its deficit are not computed.",
                st.note,
            )
            row += 2

        # -------- spec change
        sc = res.spec_change
        if sc is None or nums.proposed_flow is None or nums.proposed_gross is None or nums.proposed_paid is None:
            self.text(ws, row, 0, "No proposed lead spec: no spec change to compare.", st.note)
            return
        pgate = plan.stage_index(sc.gate)
        assert pgate is not None
        section("Proposed lead spec: the paid leads planned today, qualified under the proposed spec")
        self.text(ws, row, 0, "Pass rate, current")
        cur_ref = _cell(self.a_stage_row[pgate - 1], 2, ASSUMPTIONS, True)
        self.formula(ws, row, 1, cur_ref, sc.pass_rate_current, st.rate)
        self.spec_rows["pass_current"] = row
        row += 1
        self.text(ws, row, 0, "Pass rate, proposed")
        prop_ref = _cell(self.a_stage_row[pgate - 1], 3, ASSUMPTIONS, True)
        self.formula(ws, row, 1, prop_ref, sc.pass_rate_proposed, st.rate)
        self.spec_rows["pass_proposed"] = row
        row += 1
        paid_range = _range(self.rf["paid"], g.col(0), g.col(size - 1), REVERSE)
        flow_rows: dict[int, int] = {}
        for k in range(1, pgate + 1):
            self.text(ws, row, 0, "Volume entering, proposed spec")
            self.text(ws, row, 1, plan.stages[k].name)
            for i in range(size):
                if k == 1:
                    f = self.forward_cell(0, i, paid_range, "ProposedBlendedRate")
                    if 0 in self.rf_free:
                        c0 = _cell(self.a_stage_row[0], 3, ASSUMPTIONS, True)
                        f += "+" + self.forward_cell(
                            0, i, _range(self.rf_free[0], g.col(0), g.col(size - 1), REVERSE), c0
                        )
                    f += free_term(1, i)
                else:
                    ck = _cell(self.a_stage_row[k - 1], 3, ASSUMPTIONS, True)
                    f = self.forward_cell(
                        k - 1, i, _range(flow_rows[k - 1], g.col(0), g.col(size - 1)), ck
                    ) + free_term(k, i)
                self.formula(ws, row, g.col(i), f, float(nums.proposed_flow[k][i]), st.count)
            self.totals(ws, row, g, nums.proposed_flow[k], st.count)
            flow_rows[k] = row
            row += 1
        self.text(ws, row, 0, "Required, current spec")
        self.text(ws, row, 1, sc.gate)
        for t in range(n):
            c = g.month(t)
            self.formula(ws, row, c, required_at(pgate, c), float(required_values(pgate)[n_pre + t]), st.count)
        self.totals(ws, row, g, required_values(pgate), st.count, pre=False)
        req_row = row
        row += 1
        self.text(ws, row, 0, "Shortfall, proposed spec", st.bold)
        self.text(ws, row, 1, sc.gate)
        for t in range(n):
            c = g.month(t)
            self.formula(
                ws, row, c, f"{_cell(req_row, c)}-{_cell(flow_rows[pgate], c)}", float(sc.gate_deficit[t]), st.count
            )
        self.totals(ws, row, g, np.concatenate([np.zeros(n_pre), sc.gate_deficit]), st.count, pre=False)
        self.spec_rows["spec_deficit"] = row
        row += 2

        section("Reverse funnel under the proposed spec: what closes the deficit")
        need_row = self.rf["deals"]
        need_sheet: str | None = REVERSE
        p_net_row: dict[int, int] = {}
        for k in range(K - 1, -1, -1):
            name = plan.stages[k].name
            q_range = _range(need_row, g.col(0), g.col(size - 1), need_sheet)
            self.text(ws, row, 0, "Required (gross), proposed spec")
            self.text(ws, row, 1, name)
            for i in range(size):
                self.formula(
                    ws,
                    row,
                    g.col(i),
                    self.reverse_cell(k, i, q_range, size, 3),
                    float(nums.proposed_gross[k][i]),
                    st.count,
                )
            self.totals(ws, row, g, nums.proposed_gross[k], st.count)
            gross_row = row
            row += 1
            if k in self.rf_free and nums.proposed_net is not None:
                self.text(ws, row, 0, "Net to generate, proposed spec")
                self.text(ws, row, 1, name)
                for i in range(size):
                    free = _cell(self.rf_free[k], g.col(i), REVERSE)
                    f = f"MAX(0,{_cell(gross_row, g.col(i))}-{free})"
                    self.formula(ws, row, g.col(i), f, float(nums.proposed_net[k][i]), st.count)
                self.totals(ws, row, g, nums.proposed_net[k], st.count)
                need_row = row
                row += 1
            else:
                need_row = gross_row
            need_sheet = None
            p_net_row[k] = need_row
        self.text(ws, row, 0, "Paid raw leads, proposed spec")
        c0p = _cell(self.a_stage_row[0], 3, ASSUMPTIONS, True)
        for i in range(size):
            f = f"{_cell(p_net_row[0], g.col(i))}*{c0p}/ProposedBlendedRate"
            self.formula(ws, row, g.col(i), f, float(nums.proposed_paid[i]), st.count)
        self.totals(ws, row, g, nums.proposed_paid, st.count)
        p_paid_row = row
        row += 1
        self.text(ws, row, 0, "Extra paid raw leads", st.bold)
        extra = nums.proposed_paid - nums.paid
        for i in range(size):
            c = g.col(i)
            self.formula(
                ws, row, c, f"{_cell(p_paid_row, c)}-{_cell(self.rf['paid'], c, REVERSE)}", float(extra[i]), st.count
            )
        self.totals(ws, row, g, extra, st.count)
        self.spec_rows["extra_leads"] = row
        row += 1
        if plan.channels:
            self.text(ws, row, 0, "Spend, proposed spec")
            for t in range(n):
                c = g.month(t)
                fixed = _cell(self.bud["fixed"], c, BUDGET)
                self.formula(
                    ws, row, c, f"BlendedCPL*{_cell(p_paid_row, c)}+{fixed}", float(sc.spend_total[t]), st.money
                )
            self.formula(
                ws,
                row,
                g.PRE,
                f"BlendedCPL*{_cell(p_paid_row, g.PRE)}",
                float(sc.extra_spend_pre_plan + res.spend_pre_plan),
                st.money,
            )
            self.totals(ws, row, g, np.concatenate([np.zeros(n_pre), sc.spend_total]), st.money, pre=False)
            p_spend_row = row
            row += 1
            self.text(ws, row, 0, "Extra budget", st.bold)
            for c, value in [
                (g.PRE, sc.extra_spend_pre_plan),
                *((g.month(t), float(sc.extra_spend[t])) for t in range(n)),
                (g.total, float(sc.extra_spend.sum())),
            ]:
                f = f"{_cell(p_spend_row, c)}-{_cell(self.bud['spend'], c, BUDGET)}"
                self.formula(ws, row, c, f, value, st.money_bold)
            self.spec_rows["extra_spend"] = row
            row += 1

    def capacity(self) -> None:
        plan, st, res = self.plan, self.st, self.res
        g = _Grid(0, plan.months, with_pre=False)
        ws = self.ws[CAPACITY]
        self.text(ws, 0, 0, "Sales capacity: hours the required volume asks of sales", st.title)
        self.subtitle(ws, "Demand = sales hours per item (Assumptions) x items required entering the stage.", g)
        header = 3
        self.month_header(ws, header, g)
        self.text(ws, header, g.total, "Plan total / peak", st.header)
        self.setup_month_sheet(ws, g, header)
        n = plan.months
        K = len(plan.stages) - 1
        row = header + 1
        rows: list[int] = []
        demand = np.zeros(n)
        for k, stage in enumerate(plan.stages):
            if stage.sales_hours <= 0:
                continue
            self.text(ws, row, 0, "Demand hours")
            self.text(ws, row, 1, stage.name)
            values = stage.sales_hours * res.stage_required[k]
            demand = demand + values
            for t in range(n):
                src = _cell(self.rf_gross[k] if k < K else self.rf["deals"], self.grid.month(t), REVERSE)
                self.formula(ws, row, g.month(t), f"Hours_{self.stage_names[k]}*{src}", float(values[t]), st.hours)
            self.formula(
                ws,
                row,
                g.total,
                f"SUM({_cell(row, g.month(0))}:{_cell(row, g.month(n - 1))})",
                float(values.sum()),
                st.hours,
            )
            rows.append(row)
            row += 1
        if not rows:
            self.text(ws, row, 0, "No stage costs sales time (sales hours per item are all 0).", st.note)
            return
        if res.sales_demand is not None:
            demand = res.sales_demand
        self.text(ws, row, 0, "Demand hours, all stages", st.bold)
        for c, value in [*((g.month(t), float(demand[t])) for t in range(n)), (g.total, float(demand.sum()))]:
            self.formula(ws, row, c, f"SUM({_cell(rows[0], c)}:{_cell(rows[-1], c)})", value, st.hours)
        demand_row = row
        self.cap_rows["demand"] = row
        row += 1
        if res.sales_utilization is None or plan.sales_hours_available is None:
            self.text(ws, row + 1, 0, "No sales hours available entered: utilization not computed.", st.note)
            return
        self.text(ws, row, 0, "Sales hours available")
        hours = np.asarray(plan.sales_hours_available, dtype=float)
        for t in range(n):
            self.formula(ws, row, g.month(t), self.a_month_ref("hours", t), float(hours[t]), st.hours)
        self.formula(
            ws,
            row,
            g.total,
            f"SUM({_cell(row, g.month(0))}:{_cell(row, g.month(n - 1))})",
            float(hours.sum()),
            st.hours,
        )
        hours_row = row
        row += 1
        self.text(ws, row, 0, "Utilization (above 100%: more than sales can work)", st.bold)
        for t in range(n):
            c = g.month(t)
            self.formula(
                ws, row, c, f"{_cell(demand_row, c)}/{_cell(hours_row, c)}", float(res.sales_utilization[t]), st.pct
            )
        peak = float(res.sales_utilization.max())
        self.formula(ws, row, g.total, f"MAX({_cell(row, g.month(0))}:{_cell(row, g.month(n - 1))})", peak, st.pct)
        ws.conditional_format(
            row,
            g.month(0),
            row,
            g.month(n - 1),
            {
                "type": "cell",
                "criteria": ">",
                "value": 1,
                "format": self.book.add_format({"font_color": "#C00000", "bold": True}),
            },
        )
        self.cap_rows["utilization"] = row

    # ----------------------------------------------------------- Summary

    def summary(self) -> None:
        plan, st, res = self.plan, self.st, self.res
        g = self.grid
        ws = self.ws[SUMMARY]
        ws.set_column(0, 0, SUMMARY_WIDTHS[0], st.wrap)
        ws.set_column(1, 1, SUMMARY_WIDTHS[1])
        ws.set_column(2, 2, SUMMARY_WIDTHS[2], st.note_wrap)
        self.text(ws, 0, 0, "Budget request: " + plan.name, st.title)
        self.subtitle(
            ws,
            f"{res.months[0]} to {res.months[-1]} ({plan.months} months); amounts in {plan.currency}. "
            "Counts are rounded up to whole items; the working sheets hold exact expected values.",
            None,
        )
        header = 3
        self.text(ws, header, 0, "Figure", st.header_left)
        self.text(ws, header, 1, "Value", st.header)
        self.text(ws, header, 2, "How it is computed", st.header_left)
        row = header + 1
        K = len(plan.stages) - 1
        gate = qualified_stage(plan)

        def rf_total(r: int) -> str:
            return _cell(r, g.total, REVERSE)

        def rf_pre(r: int) -> str:
            return _cell(r, g.PRE, REVERSE)

        def line(label: str, formula: str, value: float | str, fmt: Format, note: str = "") -> None:
            nonlocal row
            self.text(ws, row, 0, label, st.wrap)
            self.formula(ws, row, 1, formula, value, fmt)
            if note:
                self.text(ws, row, 2, note, st.note_wrap)
            fit_row(label, note)
            row += 1

        def fit_row(label: str, note: str) -> None:
            """Row height for the wrapped label and note (no viewer fits it on opening)."""
            lines = max(_lines(label, SUMMARY_WIDTHS[0]), _lines(note, SUMMARY_WIDTHS[2]))
            if lines > 1:
                ws.set_row(row, LINE_HEIGHT * lines)

        def heading(label: str) -> None:
            nonlocal row
            row += 1
            self.text(ws, row, 0, label, st.bold)
            row += 1

        def up(ref: str) -> str:
            return f"ROUNDUP(ROUND({ref},6),0)"

        def ceil_signed(ref: str) -> str:
            return f"-INT(-ROUND({ref},6))"

        def shown(x: float) -> float:
            return float(np.ceil(round(x, 6)))

        heading("Target")
        line("Revenue target", rf_total(self.rf["target"]), float(res.revenue_target.sum()), st.money)
        pipeline = float(np.sum(plan.pipeline_revenue)) if plan.pipeline_revenue else 0.0
        line("Pipeline revenue already forecast", rf_total(self.rf["pipeline"]), pipeline, st.money)
        deals = float(res.deals_required.sum())
        line(
            "Deals required",
            up(rf_total(self.rf["deals"])),
            shown(deals),
            st.count_up,
            "(target - pipeline) / average deal size",
        )

        heading("Leads required")
        gate_name = plan.stages[gate].name
        gate_ref = self.rf_gross[gate] if gate < K else self.rf["deals"]
        qualified = float(res.stage_required[gate].sum())
        why = (
            "where the lead spec qualifies leads"
            if gate_of(plan, plan.lead_spec or plan.proposed_lead_spec) is not None
            else "the stage before Opportunity (no lead spec)"
        )
        self.text(ws, row, 0, "Qualified leads required: " + gate_name, st.wrap)
        self.formula(ws, row, 1, up(rf_total(gate_ref)), shown(qualified), st.count_up)
        self.text(ws, row, 2, "Entering " + gate_name + ", " + why + "; free sources included.", st.note_wrap)
        fit_row(
            "Qualified leads required: " + gate_name, "Entering " + gate_name + ", " + why + "; free sources included."
        )
        row += 1
        raw = float(res.stage_required[0].sum())
        self.text(ws, row, 0, "Raw leads required: " + plan.stages[0].name, st.wrap)
        self.formula(ws, row, 1, up(rf_total(self.rf_gross[0])), shown(raw), st.count_up)
        self.text(ws, row, 2, "All sources, free ones included.", st.note_wrap)
        row += 1
        paid = float(res.paid_leads.sum())
        line(
            "Paid raw leads needed",
            up(rf_total(self.rf["paid"])),
            shown(paid),
            st.count_up,
            "From the paid channels, at their blended rate.",
        )

        heading("Budget")
        has_spend = bool(plan.channels) and "spend" in self.bud
        spend = float(res.spend_total.sum())
        spend_ref = _cell(self.bud["spend"], g.total, BUDGET) if has_spend else "0"
        line(
            "Budget requested (spend needed)",
            spend_ref,
            spend,
            st.money_bold,
            "Cost per lead x channel leads + fixed costs.",
        )
        if res.approved_budget is not None and res.budget_gap is not None:
            line("Approved budget", "SUM(ApprovedBudget)", float(res.approved_budget.sum()), st.money)
            gap_ref = _cell(self.bud["gap"], g.total, BUDGET) if has_spend else f"0-{_cell(row - 1, 1)}"
            line("Budget gap (positive: to request)", gap_ref, float(res.budget_gap.sum()), st.money_bold)
        else:
            self.text(ws, row, 0, "Approved budget")
            self.text(ws, row, 1, "not entered")
            row += 1
        per_sql = spend / qualified if qualified > 0 else "n/a"
        line(
            "Cost per qualified lead (" + gate_name + ")",
            f'IF({rf_total(gate_ref)}>0,{spend_ref}/{rf_total(gate_ref)},"n/a")',
            per_sql,
            st.money2,
            "Budget requested / qualified leads required (exact).",
        )
        per_deal = spend / deals if deals > 0 else "n/a"
        line(
            "Cost per deal",
            f'IF({rf_total(self.rf["deals"])}>0,{spend_ref}/{rf_total(self.rf["deals"])},"n/a")',
            per_deal,
            st.money2,
            "Budget requested / deals required (exact).",
        )

        heading("Qualified-lead shortfall")
        if res.funded is not None and "deficit" in self.spec_rows:
            deficit = float((res.stage_required[gate] - res.funded.stage_volume[gate]).sum())
            line(
                "Shortfall of qualified leads (" + gate_name + ") with the approved budget",
                ceil_signed(_cell(self.spec_rows["deficit"], g.total, SPEC)),
                shown(deficit),
                st.count_up,
                "Required minus what the approved budget's leads deliver (negative: a surplus).",
            )
            gap = float(res.funded.revenue_gap.sum())
            line(
                "Revenue gap with the approved budget",
                _cell(self.spec_rows["revenue_gap"], g.total, SPEC),
                gap,
                st.money,
            )
        else:
            self.text(ws, row, 0, "Shortfall with the approved budget", st.wrap)
            self.text(ws, row, 1, "no budget entered")
            row += 1
        sc = res.spec_change
        if sc is not None and "spec_deficit" in self.spec_rows:
            line(
                "Pass rate into " + sc.gate + ", current spec",
                _cell(self.spec_rows["pass_current"], 1, SPEC),
                sc.pass_rate_current,
                st.rate,
            )
            line(
                "Pass rate, proposed spec",
                _cell(self.spec_rows["pass_proposed"], 1, SPEC),
                sc.pass_rate_proposed,
                st.rate,
            )
            line(
                "Shortfall of qualified leads with the proposed spec and today's leads",
                ceil_signed(_cell(self.spec_rows["spec_deficit"], g.total, SPEC)),
                shown(float(sc.gate_deficit.sum())),
                st.count_up,
                "The paid leads planned today, qualified under the proposed spec.",
            )
            extra_ref = self.spec_rows["extra_leads"]
            extra = float(sc.extra_paid_leads.sum() + sc.extra_paid_leads_pre_plan)
            line(
                "Extra paid raw leads to close it",
                ceil_signed(f"{_cell(extra_ref, g.total, SPEC)}+{_cell(extra_ref, g.PRE, SPEC)}"),
                shown(extra),
                st.count_up,
                "In the plan's months and before the plan.",
            )
            if "extra_spend" in self.spec_rows:
                er = self.spec_rows["extra_spend"]
                line(
                    "Extra budget to close it",
                    f"{_cell(er, g.total, SPEC)}+{_cell(er, g.PRE, SPEC)}",
                    float(sc.extra_spend.sum() + sc.extra_spend_pre_plan),
                    st.money_bold,
                    "In the plan's months and before the plan.",
                )
        else:
            self.text(ws, row, 0, "Proposed lead spec")
            self.text(ws, row, 1, "none entered")
            row += 1

        heading("Before the plan (before " + res.months[0] + ")")
        line(
            "Paid raw leads before the plan starts",
            up(rf_pre(self.rf["paid"])),
            shown(res.paid_leads_pre_plan),
            st.count_up,
            "Needed for the first months' deals; not in the plan months' budget.",
        )
        if has_spend:
            line(
                "Variable spend before the plan starts",
                _cell(self.bud["spend"], g.PRE, BUDGET),
                res.spend_pre_plan,
                st.money,
            )
        if gate < K:
            line(
                "Qualified leads before the plan starts: " + gate_name,
                up(rf_pre(self.rf_gross[gate])),
                shown(res.pre_plan[gate]),
                st.count_up,
            )
        if res.sales_utilization is not None and "utilization" in self.cap_rows:
            heading("Sales capacity")
            line(
                "Peak sales utilization",
                _cell(self.cap_rows["utilization"], 2 + plan.months, CAPACITY),
                float(res.sales_utilization.max()),
                st.pct,
                "Demand hours / hours available, highest month.",
            )
        ws.freeze_panes(header + 1, 0)
        self.print_sheet(ws, SUMMARY_WIDTHS, header, landscape=False)
        ws.repeat_columns(0, 0)
        ws.set_h_pagebreaks([row + 1])  # the charts on a page of their own
        self.charts(ws, row + 1)

    def charts(self, ws: Worksheet, top: int) -> None:
        """The requirement and spend charts, one below the other from row
        ``top``, as wide as the Summary's table."""
        plan = self.plan
        width = round(sum(w * 7 + 5 for w in SUMMARY_WIDTHS))
        g = self.grid
        K = len(plan.stages) - 1
        header = 3
        cats = [REVERSE, header, g.month(0), header, g.month(plan.months - 1)]
        req = self.book.add_chart({"type": "line"})
        for k in [*range(K), K]:
            r = self.rf_gross[k] if k < K else self.rf["deals"]
            req.add_series(
                {
                    "name": [REVERSE, r, g.NAME],
                    "categories": cats,
                    "values": [REVERSE, r, g.month(0), r, g.month(plan.months - 1)],
                }
            )
        req.set_title({"name": "Required entering each stage, by month"})
        req.set_y_axis({"log_base": 10, "num_format": "#,##0"})
        req.set_size({"width": width, "height": 340})
        req.set_legend({"position": "bottom"})
        ws.insert_chart(top, 0, req)
        if plan.channels:
            spend = self.book.add_chart({"type": "column", "subtype": "stacked"})
            bcats = [BUDGET, header, g.month(0), header, g.month(plan.months - 1)]
            for r in self.bud_spend:
                spend.add_series(
                    {
                        "name": [BUDGET, r, g.NAME],
                        "categories": bcats,
                        "values": [BUDGET, r, g.month(0), r, g.month(plan.months - 1)],
                    }
                )
            if "budget" in self.bud:
                line = self.book.add_chart({"type": "line"})
                r = self.bud["budget"]
                line.add_series(
                    {
                        "name": [BUDGET, r, g.LABEL],
                        "categories": bcats,
                        "values": [BUDGET, r, g.month(0), r, g.month(plan.months - 1)],
                    }
                )
                spend.combine(line)
            spend.set_title({"name": f"Spend by month ({plan.currency})"})
            spend.set_y_axis({"num_format": currency_format(plan.currency)})
            spend.set_size({"width": width, "height": 340})
            spend.set_legend({"position": "bottom"})
            ws.insert_chart(top, 0, spend, {"y_offset": 360})

    def write_all(self) -> None:
        self.assumptions()
        self.reverse_funnel()
        self.budget_by_channel()
        self.lead_spec_sheet()
        self.capacity()
        self.summary()
        self.ws[SUMMARY].activate()


def write_budget_request(plan: Plan, path: Path) -> None:
    """Compute ``plan`` (:func:`core.calc.engine.calculate`) and write the
    budget-request workbook to ``path`` atomically.

    Raises :class:`~core.model.plan.PlanRefused` (nothing written) when the plan
    has errors, ``OSError`` when the file cannot be written (the previous
    file, if any, is untouched).
    """
    errors = errors_only(validate(plan))
    if errors:
        raise PlanRefused(errors)
    result = calculate(plan)
    nums = _numbers(plan, result)

    def write(tmp: Path) -> None:
        book = xlsxwriter.Workbook(
            str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
        )
        try:
            _Writer(book, plan, nums).write_all()
        finally:
            book.close()

    atomic_write(Path(path), write, backup=True)  # a file it replaces is kept as <name>.bak
