"""How long the plan's odds take: 10,000 draws (funnel-math.md, "Uncertainty").

Every stage rate, channel rate and criterion share measured on 500 items.
Prints the median over several runs for the large plan (60 months, 12
stages, 40 channels, 30 criteria; target: median <= 300 ms), the large plan
with 12-month profiles and a nurture pool, and the bundled example plan
(target: median <= 30 ms), and where the time goes on the large plan.
Run: ``python -m bench.bench_uncertainty [runs]``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.large_plan import large_plan, large_plan_v2
from core.calc.engine import calculate
from core.calc.uncertainty import _context, _effective, uncertainty
from core.calc.uncertainty_draws import draw_rates, rate_sources
from core.formats.plan_json import load_plan_json_or_raise
from core.model.plan import Plan, Uncertainty
from core.paths import example_plan_path

SAMPLE = 500
DRAWS = 10_000


def with_samples(plan: Plan, n: int = SAMPLE) -> Plan:
    """Every stage rate, channel rate and criterion share measured on ``n`` items."""
    stages = tuple(replace(s, rate_sample=n) if s.rate is not None else s for s in plan.stages)
    channels = tuple(replace(c, rate_sample=n) for c in plan.channels)
    spec = plan.lead_spec
    if spec is not None:
        spec = replace(spec, criteria=tuple(replace(c, share_sample=n) for c in spec.criteria))
    return plan.with_changes(stages=stages, channels=channels, lead_spec=spec, uncertainty=Uncertainty(DRAWS, 0))


def median_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time of this process (ms): on a
    shared machine the wall time includes the time others held the cores."""
    for _ in range(2):  # warm caches and numpy
        fn()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def breakdown(plan: Plan, runs: int) -> None:
    """The large plan's time by part: the draws, the pass rates, the passes."""
    sources = rate_sources(plan)
    ctx = _context(plan)
    chunks = list(draw_rates(plan, sources, DRAWS, 0))
    rates = [_effective(plan, d) for d in chunks]
    parts: dict[str, Callable[[], object]] = {
        "draws (Beta)": lambda: list(draw_rates(plan, sources, DRAWS, 0)),
        "pass rates (exact DP) and blended rate": lambda: [_effective(plan, d) for d in chunks],
        "reverse pass (paid leads)": lambda: [ctx.required_paid(c, rb) for c, rb in rates],
        "forward pass (funded revenue)": lambda: [ctx.funded_deals(c, rb) for c, rb in rates],
    }
    for label, fn in parts.items():
        wall, cpu = median_ms(fn, runs)
        print(f"    {label:54s} median {wall:7.1f} ms   cpu {cpu:7.1f} ms")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    print(f"uncertainty, {DRAWS:,} draws, every rate measured on {SAMPLE} items, {runs} runs")
    plans = (
        ("large plan (60 m, 12 stages, 40 channels, 30 criteria)", with_samples(large_plan()), 300.0),
        ("same, 12-month profiles everywhere + 24-month pool", with_samples(large_plan_v2()), None),
        ("example plan", with_samples(load_plan_json_or_raise(example_plan_path())), 30.0),
    )
    for label, plan, target in plans:
        result = calculate(plan)
        wall, cpu = median_ms(partial(uncertainty, plan, result), runs)
        goal = "" if target is None else f"   (target <= {target:.0f} ms)"
        print(f"  {label:58s} median {wall:7.1f} ms   cpu {cpu:7.1f} ms{goal}")
    for label, plan, _ in plans[::2]:
        print(f"  {label.split(' (')[0]}, by part:")
        breakdown(plan, runs)


if __name__ == "__main__":
    main()
