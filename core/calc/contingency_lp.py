"""The contingency plan's linear program (funnel-math.md, "Contingency plan:
closing a deficit fast", v2), solved by HiGHS through
``scipy.optimize.linprog``.

Variables ``v_i[t] >= 0``: items of source ``i`` entering its stage in month
``t``, zero before ``t0 + lead_i``, at most ``max_i[t]``. One item of source
``i`` bought in month ``s`` brings ``resp_i[t-s]`` gate items in month ``t``.
With the cumulative deficit ``C[t] = sum_{t0<=s<=t} Def[s]`` and shortfalls
``u[t] >= 0``: ``sum_{t0<=s<=t} X[s] + u[t] >= C[t]``. Stage 1 minimises
``U = sum_t u[t]`` ("fastest") or ``U = u[N-1]`` ("cheapest"); stage 2 the
cost, with ``U`` kept at its minimum (relative tolerance 1e-9).

Stage 1 needs no solver: an item only ever adds to the gate, so buying every
capacity makes every ``u[t]`` least at once (:func:`_least_shortfall`).
Stage 2 is solved by HiGHS, then a tie-break among the schedules of that
shortfall and cost (HiGHS again, the cost kept): no item bought earlier than
it helps, and for "cheapest" the schedule covering soonest, so that a plan
costing the same either way does not wait for the plan's last month.

The program is scaled before it is solved (shortfalls in units of the
largest running deficit, each source's items in units of what they bring to
the gate within the plan) so that HiGHS's absolute tolerances mean the same
for a deficit of 10 SQLs and of 10 million raw leads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
"""For "cheapest", the tie-break's weight on buying early against a month's shortfall (1)."""
HIGHS_OPTIONS = {"presolve": False}
"""HiGHS's presolve costs more than it saves on these small, dense programs (about 3x on the large plan)."""
NEGLIGIBLE = 1e-12
"""A month of a source that can bring at most this share of the largest running deficit is left out."""
FREE_ITEM = 1e-6
"""Stage 2's weight on an item that costs nothing: buy no more of them than needed."""


RESIDUE_SHARE = 1e-6
"""A purchase below this share of the source's largest monthly capacity is the solver's tolerance."""


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
    """The scaled program. Rows: the months ``t0 .. N-1``; columns ``y``: the
    months a source can usefully buy in (``source``, ``month``), ``y`` times
    ``to_items`` being the items. ``a[t, c]``: the gate items one unit of
    column ``c`` has brought by month ``t`` (cumulative), ``need[t] = C[t]``,
    both in units of the largest running deficit; ``upper`` the capacities,
    ``cost`` the costs (the largest 1), ``early`` how early a column buys
    (1 in month 0, down to ``1/horizon`` in the last month)."""

    source: IntArray
    month: IntArray
    to_items: FloatArray
    a: sparse.csr_array
    need: FloatArray
    upper: FloatArray
    cost: FloatArray
    early: FloatArray


def _columns(
    t0: int, n: int, responses: Sequence[FloatArray], sources: Sequence[ContingencySource], scale: float
) -> tuple[IntArray, IntArray, FloatArray, FloatArray, list[FloatArray]]:
    """Every month a source can usefully buy in (its index and the month),
    that month's capacity and the source's weight ``w_i`` (gate items one
    item brings within the plan), and the cumulative responses over
    ``n - t0`` months."""
    horizon = n - t0
    parts: list[tuple[IntArray, IntArray, FloatArray, FloatArray]] = []
    cumulative: list[FloatArray] = []
    for i, (resp, source) in enumerate(zip(responses, sources, strict=True)):
        r = np.zeros(horizon)
        m = min(horizon, len(resp))
        r[:m] = np.maximum(0.0, np.asarray(resp[:m], dtype=float))
        cum = np.cumsum(r)
        cumulative.append(cum)
        months = np.arange(t0 + max(0, source.lead_time_months), n, dtype=np.int64)
        cap = np.asarray(source.max_per_month, dtype=float)[months]
        # a month whose whole capacity brings (next to) nothing to the gate before the
        # plan ends is never worth buying (and would only make the program ill-conditioned)
        useful = cap * cum[n - 1 - months] > NEGLIGIBLE * scale
        count = int(useful.sum())
        parts.append((np.full(count, i, dtype=np.int64), months[useful], cap[useful], np.full(count, cum[-1])))
    if not parts:
        empty = np.zeros(0)
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), empty, empty, cumulative
    source_of, month, capacity, weight = (np.concatenate(x) for x in zip(*parts, strict=True))
    return source_of, month, capacity, weight, cumulative


def _program(
    cumulative_deficit: FloatArray,
    t0: int,
    responses: Sequence[FloatArray],
    sources: Sequence[ContingencySource],
    scale: float,
) -> _Program:
    n = len(cumulative_deficit)
    horizon = n - t0
    source, month, capacity, weight, cumulative = _columns(t0, n, responses, sources, scale)
    to_items = scale / weight
    rows_t = np.arange(t0, n)
    data, rows, columns = [np.zeros(0)], [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for i, cum in enumerate(cumulative):
        idx = np.flatnonzero(source == i)
        if not idx.size:
            continue
        lag = rows_t[:, None] - month[idx][None, :]
        r, c = np.nonzero(lag >= 0)
        coef = cum[lag[r, c]] / weight[idx[0]]
        keep = coef > 0
        data.append(coef[keep])
        rows.append(r[keep])
        columns.append(idx[c[keep]])
    a = sparse.csr_array(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(columns))), shape=(horizon, len(source))
    )
    costs = np.array([sources[i].cost_per_item for i in source], dtype=float) * to_items
    top = float(costs.max()) if costs.size else 0.0
    costs = costs / top if top > 0 else costs
    costs[costs <= 0] = FREE_ITEM
    return _Program(
        source=source,
        month=month,
        to_items=to_items,
        a=a,
        need=cumulative_deficit[t0:] / scale,
        upper=capacity / to_items,
        cost=costs,
        early=(n - month) / horizon,
    )


def _highs(c: FloatArray, a_ub: sparse.csr_array, b_ub: FloatArray, upper: FloatArray) -> FloatArray | None:
    """``min c.x`` s.t. ``a_ub x <= b_ub``, ``0 <= x <= upper`` by HiGHS;
    None when it finds no optimum."""
    bounds = np.column_stack([np.zeros(len(c)), upper])
    # scipy-stubs list neither sparse constraint matrices nor an (n, 2) array
    # of bounds, both of which linprog(method="highs") takes as documented
    res = linprog(  # type: ignore[call-overload]
        c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs", options=HIGHS_OPTIONS
    )
    if res.status != 0 or res.x is None:
        return None
    return np.asarray(res.x, dtype=float)


def _first_solved(
    c: FloatArray, make: Callable[[float], tuple[sparse.csr_array, FloatArray]], upper: FloatArray
) -> tuple[FloatArray, float] | None:
    """Solve with the tightest slack HiGHS finds feasible (see ``U_ABSOLUTE``)."""
    for slack in U_ABSOLUTE:
        a_ub, b_ub = make(slack)
        x = _highs(c, a_ub, b_ub, upper)
        if x is not None:
            return x, slack
    return None


def _least_shortfall(p: _Program) -> FloatArray:
    """Stage 1 without a solver: an item only ever adds to the gate, so every
    ``u[t]`` is least, all at once, when every source buys its capacity:
    ``u*[t] = max(0, C[t] - sum X_max)``. That minimises ``sum_t u[t]`` and
    ``u[N-1]`` alike, and any schedule keeping ``U`` at its minimum keeps
    each ``u[t]`` (for "fastest") or ``u[N-1]`` (for "cheapest") at it."""
    delivered = p.a @ p.upper if p.upper.size else np.zeros(len(p.need))
    return np.maximum(0.0, p.need - delivered)


def _fastest(p: _Program, least: FloatArray) -> FloatArray:
    """Least cost with every month's shortfall at its least, ``sum X >=
    C - u*`` (within the tolerance); then, at that cost, no item bought
    earlier than it helps."""
    floor = p.need - least * (1.0 + U_RELATIVE)
    if not (floor - U_ABSOLUTE[0] > 0).any():
        return np.zeros(len(p.upper))  # nothing left to cover

    def covering(slack: float) -> tuple[sparse.csr_array, FloatArray]:
        rows = np.flatnonzero(floor - slack > 0)
        return -p.a[rows, :], -(floor[rows] - slack)

    cheapest = _first_solved(p.cost, covering, p.upper)
    if cheapest is None:
        return p.upper.copy()  # every capacity bought: the least shortfall, whatever it costs
    y, slack = cheapest
    spent = float(p.cost @ y)

    def covering_at_cost(extra: float) -> tuple[sparse.csr_array, FloatArray]:
        a_ub, b_ub = covering(slack)
        kept = sparse.vstack([a_ub, sparse.csr_array(p.cost[None, :])], format="csr")
        return kept, np.append(b_ub, spent * (1.0 + U_RELATIVE) + extra)

    latest = _first_solved(p.early, covering_at_cost, p.upper)
    return y if latest is None else latest[0]


def _cheapest(p: _Program, least: FloatArray) -> FloatArray:
    """Least cost with the shortfall at the plan's end at its least; then, at
    that cost, the schedule covering soonest (least ``sum_t u[t]``) that buys
    no item earlier than it helps."""
    horizon = len(p.need)
    v = len(p.upper)
    floor = p.need[-1] - least[-1] * (1.0 + U_RELATIVE)
    last = p.a[[horizon - 1], :]

    def by_the_end(slack: float) -> tuple[sparse.csr_array, FloatArray]:
        return -last, np.array([-(floor - slack)])

    cheapest = _first_solved(p.cost, by_the_end, p.upper)
    if cheapest is None:
        return p.upper.copy()
    y, slack = cheapest
    spent = float(p.cost @ y)
    # columns y then the shortfalls u[t]: -A y - u <= -C, the end kept, the cost kept
    with_u = sparse.hstack([-p.a, -sparse.eye_array(horizon, format="csr")], format="csr")
    end = sparse.hstack([-last, sparse.csr_array((1, horizon))], format="csr")
    price = sparse.csr_array(np.concatenate([p.cost, np.zeros(horizon)])[None, :])
    upper = np.concatenate([p.upper, np.full(horizon, np.inf)])
    objective = np.concatenate([EARLY * p.early, np.ones(horizon)])

    def soonest(extra: float) -> tuple[sparse.csr_array, FloatArray]:
        a_ub = sparse.vstack([with_u, end, price], format="csr")
        return a_ub, np.concatenate([-p.need, [-(floor - slack), spent * (1.0 + U_RELATIVE) + extra]])

    best = _first_solved(objective, soonest, upper)
    return y if best is None else best[0][:v]


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


def _without_residue(items: FloatArray, source: ContingencySource) -> FloatArray:
    """``items`` with the solver's residue (below a millionth of the largest capacity) set to 0."""
    largest = max((float(c) for c in source.max_per_month), default=0.0)
    cleaned: FloatArray = np.where(items < RESIDUE_SHARE * largest, 0.0, items)
    return cleaned


def _report(
    items: list[FloatArray],
    cumulative_deficit: FloatArray,
    t0: int,
    responses: Sequence[FloatArray],
    sources: Sequence[ContingencySource],
    objective: str,
    scale: float,
) -> ContingencyPlan:
    """The schedule's figures: gate volume, shortfall, uncovered, covered from.

    Purchases below a millionth of the source's largest monthly capacity are
    the solver's tolerance, not a decision: the schedule and its cost leave
    them out (a schedule shows no "1 item" for 0.0001); the shortfall is the
    solver's schedule's, so the figures keep the LP's guarantees."""
    solved = items
    items = [_without_residue(v, s) for v, s in zip(items, sources, strict=True)]
    n = len(cumulative_deficit)
    delivered = np.zeros(n)
    for v, resp in zip(solved, responses, strict=True):
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
    if any(len(s.max_per_month) != n for s in sources):
        raise ValueError(f"a contingency source's capacity has one value per plan month ({n})")
    cumulative = np.zeros(n)
    cumulative[t0:] = np.cumsum(def_arr[t0:])
    if cumulative[t0:].max() <= NO_DEFICIT * max(1.0, float(np.abs(def_arr[t0:]).max())):
        return _no_contingency(n, t0, objective, sources)
    scale = float(np.abs(cumulative[t0:]).max())
    program = _program(cumulative, t0, responses, sources, scale)
    least = _least_shortfall(program)
    if not program.upper.size:
        best = np.zeros(0)  # nothing any source can deliver in time
    elif objective == "fastest":
        best = _fastest(program, least)
    else:
        best = _cheapest(program, least)
    items = [np.zeros(n) for _ in sources]
    bought = best[: len(program.to_items)] * program.to_items
    for i, s, amount in zip(program.source, program.month, bought, strict=True):
        cap = float(sources[int(i)].max_per_month[int(s)])
        items[int(i)][int(s)] = min(cap, max(0.0, float(amount)))
    return _report(items, cumulative, t0, responses, sources, objective, scale)
