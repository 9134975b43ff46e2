"""Full recalculation time: validate + calculate (what every edit costs).

Times, side by side in one run (the plans interleaved run by run, so a busy
machine slows them alike), the large plan (60 months, 12 stages, 40
channels, 30-criterion spec; target: median <= 5 ms on a 2-core machine),
the same with 12-month timing profiles on every transition and a 24-month
nurture pool (issue 11: <= 5 ms), the same with 30 months of actuals
(issue 13: tracking adds <= 2 ms) and the bundled example plan. Prints wall
and CPU medians and the ratios. Run: ``python -m bench.bench_engine [runs]``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.large_plan import large_plan, large_plan_tracked, large_plan_v2
from core.calc.engine import calculate
from core.calc.feasibility import validate
from core.calc.lead_spec import criteria_pass_rate
from core.formats.plan_json import load_plan_json_or_raise
from core.model.plan import Plan
from core.paths import example_plan_path


def recalc(plan: Plan) -> None:
    validate(plan)
    calculate(plan)


def interleaved(cases: dict[str, Callable[[], None]], runs: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU milliseconds of each case, the cases run in turn."""
    for fn in cases.values():
        for _ in range(10):  # warm caches and numpy
            fn()
    wall: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, fn in cases.items():
            w, c = time.perf_counter(), time.process_time()
            fn()
            cpu[name].append((time.process_time() - c) * 1000)
            wall[name].append((time.perf_counter() - w) * 1000)
    return {name: (statistics.median(wall[name]), statistics.median(cpu[name])) for name in cases}


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    big, v2, tracked = large_plan(), large_plan_v2(), large_plan_tracked()
    example = load_plan_json_or_raise(example_plan_path())

    def cold_spec() -> None:
        criteria_pass_rate.cache_clear()  # as after an edit of the lead spec
        recalc(big)

    cases: dict[str, Callable[[], None]] = {
        "large plan (60 m, 12 stages, 40 channels, 30 criteria)": lambda: recalc(big),
        "same, 12-month profiles everywhere + 24-month pool": lambda: recalc(v2),
        "same as the first, 30 months of actuals (tracking)": lambda: recalc(tracked),
        "large plan, lead spec edited (pass-rate cache cold)": cold_spec,
        "example plan": lambda: recalc(example),
    }
    found = interleaved(cases, runs)
    print(f"full recalculation (validate + calculate), {runs} runs, interleaved")
    for name, (wall, cpu) in found.items():
        print(f"  {name:58s} wall {wall:6.2f} ms   cpu {cpu:6.2f} ms")
    names = list(found)
    base, profiles, tracking = (found[n][0] for n in names[:3])
    print(f"  {'profiles + pool / lag days (wall)':58s} {profiles / base:6.2f}x")
    print(f"  {'tracking adds (wall; target <= 2 ms)':58s} {tracking - base:+6.2f} ms")
    print("targets: large plan and profiles + pool median <= 5 ms")


if __name__ == "__main__":
    main()
