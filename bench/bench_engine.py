"""Full recalculation time: validate + calculate (what every edit costs).

Prints the median over many runs for the large plan (60 months, 12 stages,
40 channels, 30-criterion spec; target: median <= 5 ms on a 2-core machine)
and for the bundled example plan. Run: ``python -m bench.bench_engine``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.large_plan import large_plan, large_plan_v2
from core.calc.engine import calculate
from core.calc.feasibility import validate
from core.calc.lead_spec import criteria_pass_rate
from core.formats.plan_json import load_plan_json_or_raise
from core.model.plan import Plan
from core.paths import example_plan_path


def recalc(plan: Plan) -> None:
    validate(plan)
    calculate(plan)


def median_ms(fn: Callable[[], None], runs: int) -> tuple[float, float]:
    for _ in range(20):  # warm caches and numpy
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=10)[-1]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    big = large_plan()
    example = load_plan_json_or_raise(example_plan_path())
    print(f"full recalculation (validate + calculate), {runs} runs")
    medians = {}
    for label, plan in (
        ("large plan (60 m, 12 stages, 40 channels, 30 criteria)", big),
        ("same, 12-month profiles everywhere + 24-month pool", large_plan_v2()),
        ("example plan", example),
    ):
        med, p90 = median_ms(lambda plan=plan: recalc(plan), runs)
        medians[label] = med
        print(f"  {label:58s} median {med:6.2f} ms   p90 {p90:6.2f} ms")
    first, second = list(medians.values())[:2]
    print(f"  {'ratio profiles+pool / lag days':58s} {second / first:6.2f}x")
    med, _ = median_ms(lambda: calculate(big) and None, runs)
    print(f"  {'large plan, calculate only':58s} median {med:6.2f} ms")

    def recalc_new_spec() -> None:
        criteria_pass_rate.cache_clear()  # as after an edit of the lead spec
        recalc(big)

    med, _ = median_ms(recalc_new_spec, runs)
    print(f"  {'large plan, lead spec edited (pass-rate cache cold)':58s} median {med:6.2f} ms")
    print("target: large plan median <= 5 ms")


if __name__ == "__main__":
    main()
