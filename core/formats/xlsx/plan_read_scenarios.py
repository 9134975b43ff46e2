"""Reading the *Scenarios* sheet of a plan workbook: each scenario other than
the one on the input sheets is stored there as the planner's JSON text."""

from __future__ import annotations

import json

from core.formats.plan_json import MAIN_SCENARIO, NamedPlans, plan_from_dict, scenario_problems
from core.formats.xlsx.plan_cells import CellReader, SheetCells, is_blank, norm, show
from core.formats.xlsx.plan_layout import H_ACTIVE, H_DATA, H_SCENARIO, SCENARIOS
from core.model.plan import Plan, Problem, errors_only

__all__ = ["read_scenarios"]


def _read_scenario_row(
    r: CellReader, sheet: SheetCells, row: int, col: int, index: int, name: str
) -> tuple[Plan | None, tuple[Problem, ...]]:
    """The plan stored as JSON text from ``col`` rightwards on ``row``."""
    where = sheet.where(row, col)
    parts: list[str] = []
    c = col
    while isinstance(sheet.get(row, c), str) and sheet.get(row, c) != "":
        parts.append(str(sheet.get(row, c)))
        c += 1
    field = f"scenarios[{index}].plan"
    todo = "Save it again from the planner, or delete the scenario's row to drop the scenario."
    try:
        data = json.loads("".join(parts))
    except (ValueError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        return None, (
            Problem(field, f"Scenario '{name}': its plan data is damaged ({reason}). {todo}", "error", where),
        )
    plan, problems = plan_from_dict(data, top_level=False)
    located = tuple(
        p if p.location else Problem(p.field, p.message, p.severity, where)
        for p in scenario_problems(problems, index, name)
    )
    return plan, located


def read_scenarios(r: CellReader, main: Plan) -> tuple[NamedPlans, int, bool]:
    """The document's scenarios from the *Scenarios* sheet (just the main
    plan, named "Baseline", when there is none), the active index, and
    whether every scenario was read."""
    found = [(actual, rows) for actual, rows in r.raw.items() if norm(actual) == norm(SCENARIOS)]
    if not found:
        return ((MAIN_SCENARIO, main),), 0, True
    sheet = SheetCells(r.file, found[0][0], found[0][1])
    table = r.table(sheet, [H_SCENARIO, H_ACTIVE, H_DATA], "scenarios")
    if table is None:
        return ((MAIN_SCENARIO, main),), 0, False
    name_col, active_col, data_col = table.cols[H_SCENARIO], table.cols[H_ACTIVE], table.cols[H_DATA]
    main_name: str | None = None
    others: list[tuple[str, Plan]] = []
    order: list[int] = []  # the row of each scenario, main first
    whole = True
    for row in table.rows:
        if is_blank(sheet.get(row, data_col)):
            if main_name is None:
                main_name = r.text(sheet, row, name_col, "scenario_name") or MAIN_SCENARIO
                order.insert(0, row)
                continue
            r.fail(
                "scenarios",
                f"The scenario {show(sheet.get(row, name_col))} has no plan data; only the first scenario is on "
                "the input sheets. Delete the row, or save the scenario again from the planner.",
                sheet.where(row, data_col),
            )
            whole = False
            continue
        index = len(order) - (1 if main_name is not None else 0)
        name = r.text(sheet, row, name_col, f"scenarios[{index}].name")
        plan, problems = _read_scenario_row(r, sheet, row, data_col, index, name or f"number {index + 2}")
        r.problems.extend(problems)
        if plan is None or errors_only(problems) or not name:
            whole = False
        else:
            others.append((name, plan))
        order.append(row)
    if main_name is None:
        order.insert(0, -1)
    active_rows = [row for row in table.rows if norm(sheet.get(row, active_col)) in ("yes", "y", "true")]
    active = order.index(active_rows[0]) if active_rows and active_rows[0] in order else 0
    if len(active_rows) > 1:
        r.fail(
            "active_scenario",
            "More than one scenario is marked active; the first of them is shown.",
            sheet.where(active_rows[1], active_col),
            "warning",
        )
    scenarios = ((main_name or MAIN_SCENARIO, main), *others)
    if active >= len(scenarios):
        active = 0
    return scenarios, active, whole
