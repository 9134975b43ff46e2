"""GUI speed on the large plan (60 months, 12 stages, 40 channels, a
30-criterion spec): edit-to-repaint latency and cold start.

* edit -> results repainted: an undoable rate change through the document,
  then the dashboard (Results page shown) repainted; median of 30 edits
  (target <= 50 ms). The same with the Funnel page shown (tables and the
  figures strip repainted).
* open a plan: ``document.open_document`` on the GUI thread until every
  page's tables are filled, the large plan beside the example (median of 5).
* cold start: ``python main.py --exit-after-show`` in a fresh process, from
  launch to the first shown window; median of 5 runs (target <= 1.5 s).

Run: ``python bench/bench_gui.py`` (offscreen unless DISPLAY is set).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

EDITS = 30
STARTS = 5


def edit_latency(page: str) -> list[float]:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from bench.large_plan import large_plan
    from gui.app import configure
    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    configure(app)
    folder = Path(tempfile.mkdtemp(prefix="bench_gui_"))
    window = MainWindow(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat), folder / "recovery.json")
    window.document.reset(large_plan(), None)
    window.resize(1280, 800)
    window.show()
    window.show_page(page)
    for _ in range(10):
        app.processEvents()
    target = window.results.dashboard if page == "Results" and window.results.dashboard is not None else window
    times = []
    for i in range(EDITS):
        rate = 0.50 + 0.01 * (i % 10)
        start = time.perf_counter()
        refused = window.document.edit("stages[5].rate", rate, "bench edit")
        assert not refused, refused
        app.processEvents()
        target.repaint()
        window.kpis.repaint()
        times.append(time.perf_counter() - start)
    window.maybe_save = lambda: True  # type: ignore[method-assign]
    window.close()
    return times


def open_time(plan_name: str, runs: int = 5) -> list[float]:
    """Seconds from a plan read (off the GUI thread, not timed) to every
    page's tables filled for it, on the GUI thread: ``document.open_document``
    and the events it posts, in a window showing the example (the Targets
    page), as File > Open does; a fresh window each run."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from bench.large_plan import large_plan
    from core.formats.documents import load_document
    from core.formats.plan_json import save_plan_json
    from core.paths import example_plan_path
    from gui.app import configure
    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    configure(app)
    folder = Path(tempfile.mkdtemp(prefix="bench_gui_"))
    path = example_plan_path()
    if plan_name == "large":
        path = folder / "large.json"
        save_plan_json(large_plan(), path)
    times = []
    for run in range(runs):
        window = MainWindow(QSettings(str(folder / f"s{run}.ini"), QSettings.Format.IniFormat), folder / f"r{run}.json")
        window.resize(1280, 800)
        window.show()
        for _ in range(5):
            app.processEvents()
        data, problems = load_document(path)
        assert data is not None, problems
        start = time.perf_counter()
        window.document.open_document(data, path)
        app.processEvents()
        window.repaint()
        times.append(time.perf_counter() - start)
        window.maybe_save = lambda: True  # type: ignore[method-assign]
        window.close()
        window.deleteLater()
        app.processEvents()
    return times


def cold_start() -> list[float]:
    times = []
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as home:
        env["XDG_CONFIG_HOME"] = str(Path(home) / "config")  # a first start: no last file, no recovery
        env["XDG_DATA_HOME"] = str(Path(home) / "data")
        for _ in range(STARTS):
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, str(ROOT / "main.py"), "--exit-after-show"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            elapsed = time.perf_counter() - start
            if proc.returncode != 0 or "shown" not in proc.stdout:
                raise SystemExit(f"cold start failed: {proc.stdout}{proc.stderr}")
            times.append(elapsed)
    return times


def main() -> None:
    for page in ("Results", "Funnel"):
        times = edit_latency(page)
        print(
            f"edit -> repaint ({page} page shown), large plan: median {statistics.median(times) * 1000:.1f} ms, "
            f"max {max(times) * 1000:.1f} ms over {len(times)} edits (target <= 50 ms)"
        )
    example, large = open_time("example"), open_time("large")
    print(
        f"open a plan -> every page filled: large plan median {statistics.median(large) * 1000:.0f} ms, "
        f"the example {statistics.median(example) * 1000:.0f} ms (x{statistics.median(large) / statistics.median(example):.1f})"
    )
    starts = cold_start()
    print(
        f"cold start to shown window: median {statistics.median(starts):.2f} s over {len(starts)} runs "
        f"(min {min(starts):.2f}, max {max(starts):.2f}; target <= 1.5 s)"
    )


if __name__ == "__main__":
    main()
