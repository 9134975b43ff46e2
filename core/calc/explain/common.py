"""What every explanation is made of: the :class:`Step` s of a chain, the
:class:`Explanation` they form, the :class:`NumberFormat` their sentences use
and the :class:`Context` (plan, result and the derived series the chains need).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from core.calc.calendar import DAYS_PER_MONTH, month_label, short_month
from core.calc.display import format_count, format_money, format_percent
from core.calc.engine import PlanResult
from core.calc.figures import free_volume, net_required, plural
from core.calc.funnel import FloatArray
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
    """The plan and result with the derived series the chains need."""

    def __init__(self, plan: Plan, result: PlanResult, fmt: NumberFormat) -> None:
        self.plan = plan
        self.result = result
        self.fmt = fmt
        self.n = plan.months
        self.k = len(plan.stages) - 1
        self.lags: list = []  # TODO timing kernels
        self.free: list[FloatArray] = [free_volume(plan, k) for k in range(len(plan.stages))]
        self.free_names: list[list[str]] = [
            [s.name for s in plan.free_sources if plan.stage_index(s.stage) == k] for k in range(len(plan.stages))
        ]

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

    def pre(self, k: int) -> float:
        return 0.0 if k == self.k else float(self.result.pre_plan[k])

    def gross_all(self, k: int) -> float:
        """Total entering ``S_k`` over all months, pre-plan included."""
        return float(self.gross(k).sum()) + self.pre(k)

    def net_all(self, k: int) -> float:
        # before the plan there are no free sources: net equals gross there
        return float(self.net(k).sum()) + self.pre(k)

    def net_at(self, k: int, s: int) -> float:
        """``Q_k[s]``; zero after the plan (nothing is required there)."""
        if s >= self.n:
            return 0.0
        return float(self.net(k)[s])

    def rate_text(self, k: int) -> str:
        """The rate of transition ``k`` and where it comes from."""
        rate = self.result.effective_rates[k]
        step = f"{self.plan.stages[k].name} \u2192 {self.plan.stages[k + 1].name}"
        spec = self.plan.lead_spec
        if spec is not None and self.result.gate_index == k + 1:
            entered = self.plan.stages[k].rate
            replaced = f", replacing the entered {self.pct(entered)}" if entered is not None else ""
            return f"{self.pct(rate)} ({step}: lead spec pass rate{replaced})"
        return f"{self.pct(rate)} ({step})"

    def lag_text(self, k: int) -> str:
        """``MQL -> SQL takes 21 days (0.69 months): 31% in the same month, 69% one month later``."""
        lag = self.lags[k]
        days = float(self.plan.stages[k].lag_days or 0.0)
        months = days / DAYS_PER_MONTH
        head = f"{self.plan.stages[k].name} \u2192 {self.plan.stages[k + 1].name} takes {self.fmt.number(days)} days"
        head += f" ({self.fmt.number(months)} months)"

        def later(a: int) -> str:
            return "in the same month" if a == 0 else ("one month later" if a == 1 else f"{a} months later")

        if lag.fraction <= 0:
            return f"{head}: all arrive {later(lag.whole)}"
        return (
            f"{head}: {self.pct(1 - lag.fraction)} arrive {later(lag.whole)},"
            f" {self.pct(lag.fraction)} {later(lag.whole + 1)}"
        )

    def free_text(self, k: int) -> str:
        names = self.free_names[k]
        return ", ".join(names) if names else "free sources"


def listing(parts: list[str]) -> str:
    if len(parts) <= _LIST_LIMIT:
        return " + ".join(parts)
    return " + ".join(parts[:_LIST_LIMIT]) + f" + {len(parts) - _LIST_LIMIT} more"


def gate(c: Context) -> int:
    if c.result.gate_index is None or c.plan.lead_spec is None:
        raise ValueError("The plan has no lead spec: set one on a gate stage to see the qualified-lead figures.")
    return c.result.gate_index
