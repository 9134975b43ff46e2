"""The contingency plan's linear program (funnel-math.md, "Contingency plan:
closing a deficit fast", v2), solved by HiGHS through
``scipy.optimize.linprog``.

Variables ``v_i[t] >= 0``: items of source ``i`` entering its stage in month
``t``, zero before ``t0 + lead_i``, at most ``max_i[t]``. One item of source
``i`` bought in month ``s`` brings ``resp_i[t-s]`` gate items in month ``t``.
With the cumulative deficit ``C[t] = sum_{t0<=s<=t} Def[s]`` and shortfalls
``u[t] >= 0``: ``sum_{t0<=s<=t} X[s] + u[t] >= C[t]``. Stage 1 minimises
``U = sum_t u[t]`` ("fastest") or ``U = u[N-1]`` ("cheapest"); stage 2 the
cost, with ``U`` kept at its minimum.

The program is scaled before it is solved (shortfalls in units of the
largest running deficit, each source's items in units of what they bring to
the gate within the plan) so that HiGHS's absolute tolerances mean the same
for a deficit of 10 SQLs and of 10 million raw leads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import linprog

from core.calc.funnel import FloatArray
from core.model.plan import ContingencySource

IntArray = npt.NDArray[np.int64]

OBJECTIVES = ("fastest", "cheapest")
U_RELATIVE = 1e-9
"""Stage 2 keeps ``U`` within this share of its minimum ..."""
U_ABSOLUTE = (1e-9, 1e-7, 1e-5)
"""... plus this much (in units of the largest running deficit), widened in
these steps should HiGHS find the tightest one numerically infeasible."""
COVERED = 1e-6
"""A shortfall below this share of the largest running deficit counts as covered."""
NO_DEFICIT = 1e-9
"""A running deficit below this share of the largest monthly value is rounding, not a deficit."""
EARLY = 1e-3
"""The tie-break's weight on buying a month earlier, against a month's shortfall (1)."""
NEGLIGIBLE = 1e-12
"""A month of a source that can bring at most this share of the largest running deficit is left out."""
FREE_ITEM = 1e-6
"""Stage 2's weight on an item that costs nothing: buy no more of them than needed."""


class ContingencyError(Exception):
    """The solver could not make a contingency plan (never expected: the program always has a solution)."""


@dataclass(frozen=True, eq=False)
class ContingencyPlan:
    """A plan to close a deficit from month ``from_month``: items per source
    and plan month (``N`` long, zero before ``from_month``), cost per source
    and in total; the gate volume the items deliver (``delivered``), the
    shortfall ``max(0, C[t] - sum X)`` per month (zero before
    ``from_month``), what stays uncovered at the plan's end and the first
    plan month from which the shortfall stays 0 (None if never)."""

    from_month: int
    objective: str
    names: tuple[str, ...]
    items: tuple[FloatArray, ...]
    cost: tuple[float, ...]
    cost_total: float
    uncovered: float
    covered_from: int | None
    delivered: FloatArray
    shortfall: FloatArray


@dataclass(frozen=True, eq=False)
class _Program:
    """The scaled program: columns (source, month, scale to items), the
    constraint rows ``-A y - u <= -C/scale`` and the column bounds."""

    source: IntArray
    month: IntArray
    to_items: FloatArray
    a_ub: sparse.csr_array
    b_ub: FloatArray
    upper: FloatArray
    cost: FloatArray
    months: int


def _columns(
    t0: int, n: int, responses: Sequence[FloatArray], sources: Sequence[ContingencySource], scale: float
) -> tuple[list[tuple[int, int, float, float]], list[FloatArray]]:
    """Every month a source can usefully buy in: ``(source, month, capacity,
    weight)`` with the source's weight ``w_i`` (gate items one item brings
    within the plan), and the cumulative responses over ``n - t0`` months."""
    horizon = n - t0
    cols: list[tuple[int, int, float, float]] = []
    cumulative: list[FloatArray] = []
    for i, (resp, source) in enumerate(zip(responses, sources, strict=True)):
        r = np.zeros(horizon)
        m = min(horizon, len(resp))
        r[:m] = np.maximum(0.0, np.asarray(resp[:m], dtype=float))
        cum = np.cumsum(r)
        cumulative.append(cum)
        weight = float(cum[-1])
        cap = np.asarray(source.max_per_month, dtype=float)
        for s in range(t0 + max(0, source.lead_time_months), n):
            # a month whose whole capacity brings (next to) nothing to the gate before the
            # plan ends is never worth buying (and would only make the program ill-conditioned)
            if cap[s] * cum[n - 1 - s] > NEGLIGIBLE * scale:
                cols.append((i, s, float(cap[s]), weight))
    return cols, cumulative


def _program(
    cumulative_deficit: FloatArray,
    t0: int,
    responses: Sequence[FloatArray],
    sources: Sequence[ContingencySource],
    scale: float,
) -> _Program:
    n = len(cumulative_deficit)
    horizon = n - t0
    cols, cumulative = _columns(t0, n, responses, sources, scale)
    source = np.array([c[0] for c in cols], dtype=np.int64)
    month = np.array([c[1] for c in cols], dtype=np.int64)
    capacity = np.array([c[2] for c in cols])
    weight = np.array([c[3] for c in cols])
    to_items = scale / weight if cols else np.zeros(0)
    rows_t = np.arange(t0, n)
    data, rows, columns = [], [], []
    for i, cum in enumerate(cumulative):
        idx = np.flatnonzero(source == i)
        if not idx.size:
            continue
        lag = rows_t[:, None] - month[idx][None, :]
        r, c = np.nonzero(lag >= 0)
        coef = cum[lag[r, c]] / weight[idx[0]]
        keep = coef > 0
        data.append(-coef[keep])
        rows.append(r[keep])
        columns.append(idx[c[keep]])
    v = len(cols)
    data.append(-np.ones(horizon))
    rows.append(np.arange(horizon))
    columns.append(v + np.arange(horizon))
    a_ub = sparse.csr_array(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(columns))), shape=(horizon, v + horizon)
    )
    costs = np.array([sources[i].cost_per_item for i in source], dtype=float) * to_items
    top = float(costs.max()) if costs.size else 0.0
    costs = costs / top if top > 0 else costs
    costs[costs <= 0] = FREE_ITEM
    return _Program(
        source=source,
        month=month,
        to_items=to_items,
        a_ub=a_ub,
        b_ub=-cumulative_deficit[t0:] / scale,
        upper=np.concatenate([capacity / to_items, np.full(horizon, np.inf)]) if cols else np.full(horizon, np.inf),
        cost=costs,
        months=n,
    )


def _highs(c: FloatArray, a_ub: sparse.csr_array, b_ub: FloatArray, bounds: FloatArray) -> FloatArray | None:
    """``min c.x`` s.t. ``a_ub x <= b_ub``, ``bounds[:, 0] <= x <= bounds[:, 1]``
    by HiGHS; None when it finds no optimum."""
    # scipy-stubs list neither sparse constraint matrices nor an (n, 2) array
    # of bounds, both of which linprog(method="highs") takes as documented
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")  # type: ignore[call-overload]
    if res.status != 0 or res.x is None:
        return None
    return np.asarray(res.x, dtype=float)


def _stage_one(p: _Program, objective: str, horizon: int) -> tuple[FloatArray, FloatArray]:
    """Minimise the shortfall ``U``: its weights on the columns and the solution."""
    v = len(p.to_items)
    weights = np.zeros(v + horizon)
    if objective == "fastest":
        weights[v:] = 1.0
    else:
        weights[-1] = 1.0
    bounds = np.column_stack([np.zeros(v + horizon), p.upper])
    solution = _highs(weights, p.a_ub, p.b_ub, bounds)
    if solution is None:
        raise ContingencyError("The contingency plan could not be worked out: the solver found no schedule.")
    return weights, solution


def _keeping(
    p: _Program, kept: list[FloatArray], previous: FloatArray, objective: FloatArray, horizon: int
) -> FloatArray:
    """Minimise ``objective`` keeping each of ``kept`` (weights on the
    columns) at most at its value in ``previous`` (relative tolerance 1e-9
    plus a little); ``previous`` itself if HiGHS finds no better one."""
    v = len(p.to_items)
    if v == 0:
        return previous
    a_ub = sparse.vstack([p.a_ub, sparse.csr_array(np.vstack(kept))], format="csr")
    values = np.array([float(w @ previous) for w in kept])
    bounds = np.column_stack([np.zeros(v + horizon), p.upper])
    for slack in U_ABSOLUTE:
        b_ub = np.concatenate([p.b_ub, values + np.abs(values) * U_RELATIVE + slack])
        solution = _highs(objective, a_ub, b_ub, bounds)
        if solution is not None:
            return solution
    return previous


def _schedule(p: _Program, objective: str, horizon: int) -> FloatArray:
    """Stage 1 (least shortfall ``U``), stage 2 (least cost keeping ``U``),
    then, among the schedules of that shortfall and cost, a tie-break: the
    one covering soonest (least ``sum_t u[t]``, already fixed for
    "fastest"), buying no item earlier than it helps (so "cheapest" does not
    wait for the plan's last month when covering sooner costs the same, and
    neither buys a year's items in the first month)."""
    weights, first = _stage_one(p, objective, horizon)
    cost = np.concatenate([p.cost, np.zeros(horizon)])
    second = _keeping(p, [weights], first, cost, horizon)
    early = np.concatenate([EARLY * (p.months - p.month) / horizon, np.ones(horizon)])
    return _keeping(p, [weights, cost], second, early, horizon)


def _no_contingency(deficit_len: int, t0: int, objective: str, sources: Sequence[ContingencySource]) -> ContingencyPlan:
    return ContingencyPlan(
        from_month=t0,
        objective=objective,
        names=tuple(s.name for s in sources),
        items=tuple(np.zeros(deficit_len) for _ in sources),
        cost=tuple(0.0 for _ in sources),
        cost_total=0.0,
        uncovered=0.0,
        covered_from=t0,
        delivered=np.zeros(deficit_len),
        shortfall=np.zeros(deficit_len),
    )


def _report(
    items: list[FloatArray],
    cumulative_deficit: FloatArray,
    t0: int,
    responses: Sequence[FloatArray],
    sources: Sequence[ContingencySource],
    objective: str,
    scale: float,
) -> ContingencyPlan:
    """The schedule's figures: gate volume, shortfall, uncovered, covered from."""
    n = len(cumulative_deficit)
    delivered = np.zeros(n)
    for v, resp in zip(items, responses, strict=True):
        r = np.asarray(resp, dtype=float)[:n]
        delivered += np.convolve(v, r)[:n]
    shortfall = np.zeros(n)
    shortfall[t0:] = np.maximum(0.0, cumulative_deficit[t0:] - np.cumsum(delivered[t0:]))
    shortfall[shortfall <= COVERED * scale] = 0.0
    short = np.flatnonzero(shortfall > 0)
    if not short.size:
        covered_from: int | None = t0
    else:
        covered_from = int(short[-1]) + 1 if short[-1] < n - 1 else None
    cost = tuple(float(s.cost_per_item * v.sum()) for s, v in zip(sources, items, strict=True))
    return ContingencyPlan(
        from_month=t0,
        objective=objective,
        names=tuple(s.name for s in sources),
        items=tuple(items),
        cost=cost,
        cost_total=float(sum(cost)),
        uncovered=float(shortfall[-1]),
        covered_from=covered_from,
        delivered=delivered,
        shortfall=shortfall,
    )


def solve(
    deficit: FloatArray,
    t0: int,
    responses: Sequence[FloatArray],
    sources: Sequence[ContingencySource],
    objective: str,
) -> ContingencyPlan:
    """The contingency plan for the gate deficit ``deficit`` (one value per
    plan month; months before ``t0`` are ignored) from month ``t0``:
    ``responses[i]`` is the gate volume one item of ``sources[i]`` entering
    its stage in month 0 brings in months 0, 1, ... (see
    :func:`core.calc.contingency.source_response`); ``objective`` is
    ``"fastest"`` or ``"cheapest"``. A deficit whose running total never
    exceeds 0 needs no plan: nothing bought, cost 0, covered from ``t0``."""
    def_arr = np.asarray(deficit, dtype=float)
    n = len(def_arr)
    if not 0 <= t0 < n:
        raise ValueError(f"the contingency plan starts in month {t0}, outside the plan's months 0..{n - 1}")
    if objective not in OBJECTIVES:
        raise ValueError(f"the contingency objective is 'fastest' or 'cheapest', not {objective!r}")
    if len(responses) != len(sources):
        raise ValueError("one response per contingency source")
    cumulative = np.zeros(n)
    cumulative[t0:] = np.cumsum(def_arr[t0:])
    if cumulative[t0:].max() <= NO_DEFICIT * max(1.0, float(np.abs(def_arr[t0:]).max())):
        return _no_contingency(n, t0, objective, sources)
    scale = float(np.abs(cumulative[t0:]).max())
    program = _program(cumulative, t0, responses, sources, scale)
    horizon = n - t0
    best = _schedule(program, objective, horizon)
    items = [np.zeros(n) for _ in sources]
    bought = best[: len(program.to_items)] * program.to_items
    for i, s, amount in zip(program.source, program.month, bought, strict=True):
        cap = float(sources[int(i)].max_per_month[int(s)])
        items[int(i)][int(s)] = min(cap, max(0.0, float(amount)))
    return _report(items, cumulative, t0, responses, sources, objective, scale)
