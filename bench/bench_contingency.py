"""The contingency plan's linear program on the large plan: 60 months, the
spec change's deficit at the gate, 10 sources on four stages with mixed
lead times and capacities (target: median <= 50 ms for the LP on a 2-core
machine). Prints medians for both objectives, for the LP alone (``solve``)
and with the sources' responses built (``spec_change_contingency``).
Run: ``python -m bench.bench_contingency``.
"""

from __future__ import annotations

import functools
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.large_plan import MONTHS, large_plan, large_plan_v2
from core.calc.contingency import responses_of, solve, spec_change_contingency
from core.calc.engine import basis, calculate
from core.calc.feasibility import validate
from core.model.plan import Contingency, ContingencySource, Plan

SOURCES = 10


def _capacity(i: int) -> tuple[float, ...]:
    """Monthly capacity: a base by stage, some sources ramping up, one seasonal."""
    base = (2500.0, 900.0, 250.0, 40.0)[i % 4]
    if i % 3 == 1:
        return tuple(base * min(1.0, (t + 1) / 6) for t in range(MONTHS))
    if i % 3 == 2:
        return tuple(base * (1 + 0.5 * math.sin(t * math.pi / 6)) for t in range(MONTHS))
    return (base,) * MONTHS


def sources() -> tuple[ContingencySource, ...]:
    """Ten sources on Stage 1..4 (the gate), lead times 0..4 months, costs by stage."""
    return tuple(
        ContingencySource(
            name=f"Source {i + 1}",
            stage=f"Stage {i % 4 + 1}",
            cost_per_item=(60.0, 140.0, 300.0, 520.0)[i % 4] * (1 + 0.1 * (i // 4)),
            max_per_month=_capacity(i),
            lead_time_months=i % 5,
            rate=0.3 if i % 4 == 0 and i > 0 else None,
        )
        for i in range(SOURCES)
    )


def with_sources(plan: Plan, objective: str) -> Plan:
    out = plan.with_changes(contingency=Contingency(objective, sources()))  # type: ignore[arg-type]
    problems = [p for p in validate(out) if p.severity == "error"]
    assert not problems, problems
    return out


def median_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall-clock and median CPU time of this process (ms): on a
    shared, loaded machine the CPU time is what the work itself costs."""
    for _ in range(5):
        fn()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def measure(label: str, plan: Plan, objective: str, runs: int) -> float:
    """Print the medians for one plan and objective; return the LP's median (ms)."""
    b, _, _ = basis(plan)
    result = calculate(plan)
    assert result.spec_change is not None and b.proposed is not None and plan.proposed_lead_spec is not None
    gate = plan.stage_index(plan.proposed_lead_spec.gate)
    assert gate is not None
    chosen = sources()
    responses = responses_of(plan, b.proposed, gate, chosen)
    deficit = result.spec_change.gate_deficit
    cp = solve(deficit, 0, responses, chosen, objective)
    med, cpu = median_ms(functools.partial(solve, deficit, 0, responses, chosen, objective), runs)
    whole, whole_cpu = median_ms(functools.partial(spec_change_contingency, plan, b, result), runs)
    print(
        f"  {label:32s} {objective:9s} solve median {med:6.2f} ms (cpu {cpu:6.2f})  "
        f"with responses {whole:6.2f} ms (cpu {whole_cpu:6.2f})   cost {cp.cost_total:,.0f}, "
        f"uncovered {cp.uncovered:,.1f}, covered from {cp.covered_from}"
    )
    return med


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    print(f"contingency LP, 60 months, {SOURCES} sources, {runs} runs")
    for label, make in (("large plan", large_plan), ("large plan v2 (profiles, pool)", large_plan_v2)):
        for objective in ("fastest", "cheapest"):
            measure(label, with_sources(make(), objective), objective, runs)


if __name__ == "__main__":
    main()
