"""The command line (everything but opening the window, which main.py does).

Exit status: 0 done, 2 refused input (messages on standard error, nothing
on standard output).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from core.calc.engine import calculate
from core.calc.outlook import complete
from core.formats.documents import PLAN_SUFFIXES, export_refusal, load_document, load_plan, save_document, save_plan
from core.formats.result_json import result_to_dict
from core.model.plan import Plan, PlanRefused, Problem, errors_only
from core.paths import example_plan_path
from core.reports.text import render_report
from core.version import __version__

REFUSED = 2

DESCRIPTION = """\
Reverse sales-funnel planner: works backward from a revenue target to the
leads, qualified leads and budget it takes, month by month.

Without a command, opens the desktop planner (python main.py [PLAN.xlsx]).
python main.py --selftest checks an installation end to end and exits.
Documentation: README.md, docs/funnel-math.md, docs/plan-format.md."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    calc = commands.add_parser(
        "calc",
        help="compute a plan and print the report (or the JSON result)",
        description="Compute a plan: requirements per stage and month, paid leads and spend per "
        "channel, budget gap, qualified-lead deficit, pre-plan requirement, sales utilization.",
    )
    calc.add_argument(
        "plan", nargs="?", type=Path, help="plan file (.json or .xlsx); default: the bundled example plan"
    )
    calc.add_argument("--json", action="store_true", help="print the unrounded result as JSON (see plan-format.md)")

    imp = commands.add_parser(
        "import",
        help="calibrate a plan from last year's spreadsheet",
        description="Read last year's spreadsheet (a monthly summary or a lead-level CRM export), "
        "recognise its columns, calibrate rates, lags, channel mix, costs, lead-spec shares and seasonality, "
        "and save the calibrated plan. The spreadsheet itself is never changed.",
    )
    imp.add_argument("source", type=Path, help="last year's spreadsheet (.xlsx, .xlsm, .xls, .ods or a .csv export)")
    imp.add_argument("--out", type=Path, required=True, help="the plan to write (.xlsx or .json)")
    imp.add_argument(
        "--mapping", type=Path, help="JSON file naming the sheet, header row and column roles (overrides the guess)"
    )
    imp.add_argument("--base", type=Path, help="plan whose other inputs are kept (default: the bundled example plan)")

    export = commands.add_parser(
        "export",
        help="write the budget-request workbook for finance",
        description="Write the budget-request workbook: summary, assumptions, monthly reverse funnel, "
        "budget by channel, the qualified-lead deficit and spec change, sales capacity; live formulas with their values.",
    )
    export.add_argument("plan", type=Path, help="plan file (.json or .xlsx)")
    export.add_argument("--out", type=Path, required=True, help="the workbook to write (.xlsx)")

    convert = commands.add_parser(
        "convert",
        help="convert a plan between JSON and workbook",
        description="Convert a plan between JSON and workbook (.xlsx), either way, by the extensions given.",
    )
    convert.add_argument("plan", type=Path, help="plan file (.json or .xlsx)")
    convert.add_argument("--out", type=Path, required=True, help="the plan to write (.json or .xlsx)")
    return parser


def _report_problems(problems: Sequence[Problem], err: TextIO) -> None:
    for problem in problems:
        print(str(problem), file=err)


def open_plan(path: Path | None, err: TextIO) -> Plan | None:
    """Load a plan (the example when no path), printing problems to ``err``."""
    plan, problems = load_plan(path if path is not None else example_plan_path())
    _report_problems(problems, err)
    return plan


def run_calc(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    plan = open_plan(args.plan, err)
    if plan is None:
        return REFUSED
    result = complete(plan, calculate(plan))
    if args.json:
        json.dump(result_to_dict(plan, result), out, indent=2, allow_nan=False)
        out.write("\n")
    else:
        out.write(render_report(plan, result))
    return 0


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _save(plan: Plan, path: Path, err: TextIO) -> bool:
    """Save a plan by extension; a failure is reported and nothing is lost."""
    return _write(path, lambda: save_plan(plan, path), err)


def _write(path: Path, write: Callable[[], None], err: TextIO) -> bool:
    """Write a plan document (by extension); a failure is reported and
    nothing is lost (the writers are atomic)."""
    if path.suffix.lower() not in PLAN_SUFFIXES:
        print(f"file: {path.name}: a plan is written as {' or '.join(PLAN_SUFFIXES)}.", file=err)
        return False
    try:
        write()
    except OSError as exc:
        reason = f"cannot write {path}: {exc.strerror}." if exc.strerror else str(exc)
        print(f"file: {reason} Nothing was written.", file=err)
        return False
    return True


def run_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from core.importer import calibrate, describe, load_mapping, scan_workbook

    if _same_file(args.source, args.out):
        print("file: --out names the spreadsheet being imported; an import never overwrites its source.", file=err)
        return REFUSED
    if args.out.suffix.lower() not in PLAN_SUFFIXES:
        print(f"file: {args.out.name}: a plan is written as {' or '.join(PLAN_SUFFIXES)}.", file=err)
        return REFUSED
    base = open_plan(args.base, err)
    if base is None:
        return REFUSED
    mapping = None
    if args.mapping is not None:
        mapping, problems = load_mapping(args.mapping)
        _report_problems(problems, err)
        if mapping is None:
            return REFUSED
    scan = scan_workbook(args.source, mapping)
    if errors_only(scan.problems):
        _report_problems(scan.problems, err)
        return REFUSED
    calibration = calibrate(scan, base)
    if errors_only(calibration.problems) or calibration.plan is None:
        _report_problems(calibration.problems, err)
        return REFUSED
    if not _save(calibration.plan, args.out, err):
        return REFUSED
    out.write(describe(scan, calibration))
    out.write(f"\nCalibrated plan written to {args.out}\n")
    return 0


def run_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from core.reports.budget_request import write_budget_request

    if args.out.suffix.lower() != ".xlsx":
        print(f"file: {args.out.name}: the budget request is written as an .xlsx workbook.", file=err)
        return REFUSED
    refusal = export_refusal(args.plan, args.out)
    if refusal is not None:
        _report_problems((refusal,), err)
        return REFUSED
    plan = open_plan(args.plan, err)
    if plan is None:
        return REFUSED
    replaced = args.out.exists()
    try:
        write_budget_request(plan, args.out)
    except PlanRefused as refused:
        _report_problems(refused.problems, err)
        return REFUSED
    except OSError as exc:
        print(f"file: cannot write {args.out}: {exc.strerror or exc}. Nothing was written.", file=err)
        return REFUSED
    backup = args.out.with_name(args.out.name + ".bak")
    kept = f" (the file it replaced is kept as {backup.name})" if replaced else ""
    out.write(f"Budget request written to {args.out}{kept}\n")
    return 0


def run_convert(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Every scenario of the document is converted, not only the main plan."""
    data, problems = load_document(args.plan)
    _report_problems(problems, err)
    if data is None or not _write(args.out, lambda: save_document(data, args.out), err):
        return REFUSED
    count = len(data.scenarios)
    out.write(f"Plan written to {args.out}" + (f" with its {count} scenarios" if count > 1 else "") + "\n")
    return 0


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run a parsed command; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    commands = {"calc": run_calc, "import": run_import, "export": run_export, "convert": run_convert}
    try:
        return commands[args.command](args, out, err)
    except BrokenPipeError:
        # the reader of our output went away (e.g. `| head`): not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
