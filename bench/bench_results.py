"""Results dashboard update time: ``ResultsDashboard.show_result`` on the
large plan (60 months, 12 stages, 40 channels, 30-criterion spec).

Alternates two plans (the second with a lower rate) so every call really
changes the figures; prints the median and 90th percentile of the call
itself, and of the call plus the repaint that follows it.
Run: ``QT_QPA_PLATFORM=offscreen python -m bench.bench_results``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from bench.large_plan import large_plan
from core.calc.engine import calculate
from gui.results.dashboard import ResultsDashboard


def main(runs: int = 60) -> None:
    app = QApplication.instance() or QApplication([])
    plan = large_plan()
    stages = list(plan.stages)
    stages[5] = replace(stages[5], rate=(stages[5].rate or 0.5) * 0.8)
    lower = plan.with_changes(stages=tuple(stages))
    pairs = [(plan, calculate(plan)), (lower, calculate(lower))]
    dashboard = ResultsDashboard()
    dashboard.resize(1440, 900)
    dashboard.show()
    dashboard.show_result(*pairs[0])
    app.processEvents()
    call, painted = [], []
    for i in range(runs):
        p, r = pairs[(i + 1) % 2]
        start = time.perf_counter()
        dashboard.show_result(p, r)
        mid = time.perf_counter()
        dashboard.repaint()
        app.processEvents()
        end = time.perf_counter()
        call.append((mid - start) * 1000)
        painted.append((end - start) * 1000)
    for name, times in (("show_result", call), ("show_result + repaint", painted)):
        print(
            f"{name:24s} median {statistics.median(times):6.1f} ms"
            f"   p90 {statistics.quantiles(times, n=10)[-1]:6.1f} ms  ({runs} runs, large plan)"
        )


if __name__ == "__main__":
    main()
