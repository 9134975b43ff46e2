"""The command line (everything but opening the window, which main.py does).

Exit status: 0 done, 2 refused input (messages on standard error, nothing
on standard output).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from core.documents import load_plan
from core.engine import calculate
from core.paths import example_plan_path
from core.plan import Plan, Problem
from core.report import render_report
from core.result_json import result_to_dict

REFUSED = 2

DESCRIPTION = """\
Reverse sales-funnel planner: works backward from a revenue target to the
leads, qualified leads and budget it takes, month by month.

Without a command, opens the desktop planner."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    calc = commands.add_parser(
        "calc",
        help="compute a plan and print the report (or the JSON result)",
        description="Compute a plan: requirements per stage and month, paid leads and spend per "
        "channel, budget gap, qualified-lead deficit, pre-plan requirement, sales utilization.",
    )
    calc.add_argument("plan", nargs="?", type=Path, help="plan file (.json); default: the bundled example plan")
    calc.add_argument("--json", action="store_true", help="print the unrounded result as JSON (see plan-format.md)")
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
    result = calculate(plan)
    if args.json:
        json.dump(result_to_dict(plan, result), out, indent=2, allow_nan=False)
        out.write("\n")
    else:
        out.write(render_report(plan, result))
    return 0


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run a parsed command; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    if args.command == "calc":
        return run_calc(args, out, err)
    raise AssertionError(f"unhandled command {args.command}")
