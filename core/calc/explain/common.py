"""What every explanation is made of: the :class:`Step` s of a chain, the
:class:`Explanation` they form, the :class:`NumberFormat` their sentences use
and the :class:`Context` (plan, result and the derived series the chains need).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from core.calc.calendar import DAYS_PER_MONTH, month_label, short_month
from core.calc.display import format_count, format_money, format_percent
from core.calc.engine import PlanResult, basis, run_forward
from core.calc.figures import free_volume, net_required, plural
from core.calc.funnel import FloatArray, Kernel
from core.model.plan import Plan

Unit = Literal["count", "money", "rate", "hours", "number"]
Op = Literal["", "/", "*", "-", "+"]

# how many items a list in a sentence names before "and N more"
_LIST_LIMIT = 6


@dataclass(frozen=True)
class Step:
    """One link of the chain: a sentence and the value it arrives at.

    ``op``/``operand``, when ``op`` is set, state the arithmetic:
    ``value = previous value <op> operand``.
    """

    text: str
    value: float
    unit: Unit = "count"
    op: Op = ""
    operand: float | None = None


@dataclass(frozen=True)
class Explanation:
    """A figure explained: ``title`` names it (and the month), ``steps``
    lead to it; the last step's value is the figure itself."""

    title: str
    steps: tuple[Step, ...]
    figure: str = ""
    month: int | None = None

    @property
    def value(self) -> float:
        """The figure explained (the last step's value)."""
        return self.steps[-1].value


def _default_number(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class NumberFormat:
    """How numbers read in the sentences (counts rounded up, money whole)."""

    count: Callable[[float], str] = format_count
    money: Callable[[float, str], str] = format_money
    percent: Callable[[float], str] = format_percent
    number: Callable[[float], str] = field(default=_default_number)


class Context:
    """The plan and result with the derived series the chains need.

    Series on the whole month grid (pre-plan, plan, after the plan) come from
    the engine's own reverse pass (:func:`core.calc.engine.basis`); month
    ``t`` is a plan month index (negative: before the plan; ``>= n``: after)."""

    def __init__(self, plan: Plan, result: PlanResult, fmt: NumberFormat) -> None:
        self.plan = plan
        self.result = result
        self.fmt = fmt
        self.n = plan.months
        self.k = len(plan.stages) - 1
        self.basis, _, _ = basis(plan)
        self.grid = self.basis.grid
        self.kernels: tuple[Kernel, ...] = self.basis.req.funnel.kernels
        self.nurture_stage = plan.nurture_stage()
        self.free: list[FloatArray] = [free_volume(plan, k) for k in range(len(plan.stages))]
        self.free_names: list[list[str]] = [
            [s.name for s in plan.free_sources if plan.stage_index(s.stage) == k] for k in range(len(plan.stages))
        ]

    @cached_property
    def required_flow(self) -> tuple[FloatArray, ...]:
        """The required paid flow and the free sources run forward on the grid."""
        b = self.basis
        return run_forward(b.req.funnel, b.req.paid, b.free)

    # --- formatting -------------------------------------------------------
    def count(self, value: float) -> str:
        return self.fmt.count(value)

    def money(self, value: float) -> str:
        return self.fmt.money(value, self.plan.currency)

    def pct(self, value: float) -> str:
        return self.fmt.percent(value)

    def number(self, value: float) -> str:
        return self.fmt.number(value)

    def month(self, t: int) -> str:
        return short_month(self.result.months[t] if 0 <= t < self.n else month_label(self.plan.start, t))

    def noun(self, k: int) -> str:
        return "deals" if k == self.k else plural(self.plan.stages[k].name)

    # --- series -----------------------------------------------------------
    def gross(self, k: int) -> FloatArray:
        """Stage requirement in plan months (``G_k``; ``W`` for the last)."""
        return self.result.stage_required[k]

    def net(self, k: int) -> FloatArray:
        """``Q_k = max(0, G_k - Free_k)`` in plan months (``W`` for the last)."""
        return net_required(self.plan, self.result, k)

    def gross_grid(self, k: int) -> FloatArray:
        """``G_k`` on the whole grid (``W`` for the won stage)."""
        return self.basis.deals if k == self.k else self.basis.req.gross[k]

    def net_grid(self, k: int) -> FloatArray:
        """``Q_k`` on the whole grid (``W`` for the won stage)."""
        return self.basis.deals if k == self.k else self.basis.req.net[k]

    def at(self, series: FloatArray, t: int) -> float:
        i = self.grid.offset + t
        return float(series[i]) if 0 <= i < len(series) else 0.0

    def gross_at(self, k: int, t: int) -> float:
        """``G_k[t]`` in any month of the grid (0 beyond it)."""
        return self.at(self.gross_grid(k), t)

    def net_at(self, k: int, t: int) -> float:
        """``Q_k[t]`` in any month of the grid (0 beyond it)."""
        return self.at(self.net_grid(k), t)

    def pre(self, k: int) -> float:
        return 0.0 if k == self.k else float(self.result.pre_plan[k])

    def after(self, k: int) -> float:
        """Total entering ``S_k`` after the plan (for the deals after it, far edge)."""
        return float(self.grid.beyond(self.gross_grid(k)).sum())

    def gross_all(self, k: int) -> float:
        """Total entering ``S_k`` over all months, before, in and after the plan."""
        return float(self.gross_grid(k).sum())

    def net_all(self, k: int) -> float:
        return float(self.net_grid(k).sum())

    def rate(self, k: int) -> float:
        """``R_k``: the share of items entering ``S_k`` that ever enter ``S_k+1`` (the nurture path included)."""
        return self.kernels[k].total

    def rate_text(self, k: int) -> str:
        """The rate of transition ``k`` and where it comes from."""
        rate = self.result.effective_rates[k]
        step = f"{self.plan.stages[k].name} \u2192 {self.plan.stages[k + 1].name}"
        spec = self.plan.lead_spec
        shown = f"{step}: " if self.nurture_stage == k + 1 else ""
        if spec is not None and self.result.gate_index == k + 1:
            entered = self.plan.stages[k].rate
            replaced = f", replacing the entered {self.pct(entered)}" if entered is not None else ""
            step += f": lead spec pass rate{replaced}"
            shown = f"{self.plan.stages[k].name} \u2192 {self.plan.stages[k + 1].name}: lead spec pass rate "
            shown += f"{self.pct(rate)}{replaced}"
        elif shown:
            shown += self.pct(rate)
        if self.nurture_stage == k + 1:
            total = self.rate(k)
            return f"{self.pct(total)} ({shown}; + {self.pct(total - rate)} later from the nurture pool)"
        return f"{self.pct(rate)} ({step})"

    def shares(self, k: int) -> list[tuple[int, float]]:
        """``(j, K[j]/R)`` for every month offset ``j`` the transition reaches."""
        kernel = self.kernels[k]
        total = kernel.total
        return [(j, float(w) / total) for j, w in enumerate(kernel.weights) if w > 0]

    def same_month(self, k: int) -> bool:
        """Whether every item of transition ``k`` arrives in the month it entered."""
        return self.shares(k) == [(0, 1.0)] or self.kernels[k].reach == 0

    def lag_text(self, k: int) -> str:
        """``MQL -> SQL takes 21 days (0.69 months) on average: 31% arrive in the same month, 69% one month later``."""
        upper, lower = self.plan.stages[k].name, self.plan.stages[k + 1].name
        days = self.result.lag_days[k]
        head = f"{upper} \u2192 {lower} takes {self.number(days)} days ({self.number(days / DAYS_PER_MONTH)} months)"
        head += " on average"
        shares = self.shares(k)
        parts = [f"{self.pct(w)} {later(j)}" for j, w in shares[:_LIST_LIMIT]]
        if parts:
            first, _, rest = parts[0].partition(" ")
            parts[0] = f"{first} arrive {rest}"
        if len(shares) > _LIST_LIMIT:
            parts.append(f"the other {self.pct(sum(w for _, w in shares[_LIST_LIMIT:]))} up to {later(shares[-1][0])}")
        if self.nurture_stage == k + 1:
            head += "; with the leads the nurture pool returns later, of those that arrive"
        return f"{head}: {', '.join(parts)}"

    def free_text(self, k: int) -> str:
        names = self.free_names[k]
        return ", ".join(names) if names else "free sources"


def later(j: int) -> str:
    """``in the same month``, ``one month later``, ``3 months later``."""
    return "in the same month" if j == 0 else ("one month later" if j == 1 else f"{j} months later")


def listing(parts: list[str]) -> str:
    if len(parts) <= _LIST_LIMIT:
        return " + ".join(parts)
    return " + ".join(parts[:_LIST_LIMIT]) + f" + {len(parts) - _LIST_LIMIT} more"


def gate(c: Context) -> int:
    if c.result.gate_index is None or c.plan.lead_spec is None:
        raise ValueError("The plan has no lead spec: set one on a gate stage to see the qualified-lead figures.")
    return c.result.gate_index
