"""Benchmark: importing and calibrating a 100,000-row lead-level workbook.

Times, side by side in one run (interleaved, several repetitions):

  (a)  scan_workbook + calibrate (the whole import, safety check included)
  (a') the same without the safety check (core.formats.xlsx.safety), for reference
  (b)  pandas.read_excel(path, engine="openpyxl") alone
  (c)  python-calamine's raw read of the same sheet (open, parse, to_python)

and prints medians, the ratios (targets: (b)/(a) >= 10, (a)/(c) <= 1.5) and
the peak memory of each, measured in a fresh subprocess (ru_maxrss) and,
for (a), the peak of Python allocations (tracemalloc).

Usage: python bench/bench_import.py [--rows 100000] [--repeat 3] [--layout hubspot|leads]
``--layout hubspot`` (the default): a HubSpot-style contacts export (Record
ID, names, email, Create Date, Lifecycle Stage, Original Source, Recent Deal
Amount, "Became a ... Date" for five lifecycle stages; leads in flight at
the export date), timing (a) against (c) only (pandas is left out).
``--layout leads``: the planner's own lead-level layout, with (b) as well.
The workbook is cached in the temp folder (built once, ~20 s).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def workbook_path(rows: int) -> Path:
    """The cached benchmark workbook (built when missing)."""
    from tests.data_builders import make_leads, write_leads

    folder = Path(tempfile.gettempdir()) / "funnel_bench"
    folder.mkdir(exist_ok=True)
    path = folder / f"leads_{rows}.xlsx"
    if not path.exists():
        started = time.perf_counter()
        data = make_leads(rows, seed=2026, start="2024-01-01", days=731)
        tmp = path.with_suffix(".tmp.xlsx")
        write_leads(data, tmp)
        tmp.replace(path)
        print(f"built {path} in {time.perf_counter() - started:.1f} s")
    return path


def hubspot_path(rows: int) -> Path:
    """The cached HubSpot-style contacts export (built when missing, write-only openpyxl)."""
    from openpyxl import Workbook

    from tests.crm_exports import Truth, hubspot_rows, simulate

    folder = Path(tempfile.gettempdir()) / "funnel_bench"
    folder.mkdir(exist_ok=True)
    path = folder / f"hubspot_{rows}.xlsx"
    if not path.exists():
        started = time.perf_counter()
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Contacts")
        for row in hubspot_rows(simulate(Truth(), rows, seed=2026)):
            sheet.append(row)
        tmp = path.with_suffix(".tmp.xlsx")
        book.save(tmp)
        tmp.replace(path)
        print(f"built {path} in {time.perf_counter() - started:.1f} s")
    return path


SHEET = {"name": "Leads"}


def run_import(path: Path, safety: bool = True) -> None:
    import core.importer.scan as readers
    from core.formats.plan_json import load_plan_json
    from core.formats.xlsx.safety import SpreadsheetCheck
    from core.importer import calibrate, scan_workbook
    from core.paths import example_plan_path

    base, _ = load_plan_json(example_plan_path())
    assert base is not None
    original = readers._safety_check
    if not safety:
        readers._safety_check = lambda p: SpreadsheetCheck(None)
    try:
        scan = scan_workbook(path)
        calibration = calibrate(scan, base)
    finally:
        readers._safety_check = original
    assert calibration.plan is not None, calibration.problems


def run_pandas(path: Path) -> None:
    import pandas as pd

    pd.read_excel(path, sheet_name="Leads", header=2, engine="openpyxl")


def run_calamine(path: Path) -> None:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    workbook.get_sheet_by_name(SHEET["name"]).to_python()
    workbook.close()


KINDS: dict[str, Callable[[Path], None]] = {
    "a": run_import,
    "a_nosafety": lambda p: run_import(p, safety=False),
    "b": run_pandas,
    "c": run_calamine,
}


def child(kind: str, path: Path) -> None:
    """Run one kind once in this (fresh) process; print its peak memory."""
    tracemalloc.start()
    KINDS[kind](path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"maxrss_mb": maxrss_kb / 1024, "tracemalloc_mb": peak / 2**20}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--layout", choices=("hubspot", "leads"), default="hubspot")
    parser.add_argument("--child", choices=sorted(KINDS), help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.layout == "hubspot":
        SHEET["name"] = "Contacts"
        del KINDS["b"]
    if args.child:
        child(args.child, args.path)
        return
    path = hubspot_path(args.rows) if args.layout == "hubspot" else workbook_path(args.rows)
    print(f"workbook: {path} ({path.stat().st_size / 2**20:.1f} MB, {args.rows:,} lead rows)")
    # warm up imports and the file cache
    run_calamine(path)
    run_import(path, safety=False)
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for rep in range(args.repeat):
        for kind, fn in KINDS.items():
            started = time.perf_counter()
            fn(path)
            times[kind].append(time.perf_counter() - started)
        print(f"  repetition {rep + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()))
    med = {kind: statistics.median(v) for kind, v in times.items()}
    memory: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        out = subprocess.run(
            [sys.executable, __file__, "--child", kind, "--path", str(path), "--layout", args.layout],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        memory[kind] = json.loads(out.strip().splitlines()[-1])
    labels = {
        "a": "(a)  import + calibration",
        "a_nosafety": "(a') same, without the safety check",
        "b": "(b)  pandas.read_excel(openpyxl)",
        "c": "(c)  calamine raw read",
    }
    print()
    print(f"{'':40} {'median s':>9} {'peak RSS MB':>12} {'py alloc MB':>12}")
    for kind, label in labels.items():
        if kind in KINDS:
            print(
                f"{label:40} {med[kind]:9.2f} {memory[kind]['maxrss_mb']:12.0f} {memory[kind]['tracemalloc_mb']:12.0f}"
            )
    print()
    if "b" in KINDS:
        print(f"(b)/(a)  = {med['b'] / med['a']:.1f}   (target >= 10)")
    print(f"(a)/(c)  = {med['a'] / med['c']:.2f}  (target <= 1.5)")
    if "b" in KINDS:
        print(f"(b)/(a') = {med['b'] / med['a_nosafety']:.1f}")
    print(f"(a')/(c) = {med['a_nosafety'] / med['c']:.2f}")


if __name__ == "__main__":
    main()
