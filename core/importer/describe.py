"""A human-readable summary of an import (for the command line and logs)."""

from __future__ import annotations

from core.importer.calibrate import CalibratedFigure, Calibration
from core.importer.joins import rows_are_deals
from core.importer.scan import Scan, Table


def _value(figure: CalibratedFigure) -> str:
    value = figure.value
    if isinstance(value, tuple):
        return " ".join(f"{v:.1%}" for v in value)
    path = figure.field
    if path.endswith((".rate", ".mix", ".share", ".pass_rate")):
        return f"{value:.1%}"
    if path.endswith("lag_days"):
        return f"{value:.1f} days"
    if path.endswith(".volume"):
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def _previous(figure: CalibratedFigure) -> str:
    old = figure.previous
    if old is None or isinstance(old, tuple):
        return ""
    shown = _value(CalibratedFigure(figure.field, figure.label, old, 0))
    return f" (was {shown})"


def _provenance(calibration: Calibration) -> list[str]:
    """What came from the data and what was kept from the base plan, and
    the lead sources told free or paid."""
    lines: list[str] = []
    if calibration.sources:
        lines.append("Lead sources:")
        for source in calibration.sources:
            kind = "free source" if source.kind == "free" else "paid channel"
            lines.append(f"  {source.name}: {kind} ({source.leads:,} rows; {source.why})")
    came = calibration.from_data
    if calibration.kept and len(came) < len(calibration.kept):
        lines.append(
            f"Little was recognised: {len(came)} figures came from the data, {len(calibration.kept)} are the base "
            "plan's, not calibrated."
        )
    lines.append(f"From the data: {', '.join(came) if came else 'nothing'}.")
    if calibration.kept:
        lines.append(f"Kept from the base plan (not in the data): {', '.join(calibration.kept)}.")
    return lines


def row_kind(table: Table | None) -> str:
    """What a row of the table is, in words: 'a row per month', 'a row per
    lead', 'a row per deal' (an export that starts at the deal: Pipedrive,
    an Opportunities report), or 'not recognised'."""
    if table is None or table.shape is None:
        return "not recognised"
    if table.shape == "monthly":
        return "a row per month"
    if rows_are_deals(table):
        return "a row per deal"
    return "a row per lead"


def describe(scan: Scan, calibration: Calibration | None = None) -> str:
    """What was recognised, what was ignored, what was calibrated (with
    sample sizes and warnings) and every problem, as plain text."""
    lines: list[str] = [f"File: {scan.path.name}"]
    if scan.table is None:
        lines.append("No table was recognised.")
    else:
        table = scan.table
        kind = row_kind(table)
        lines.append(
            f"Sheet '{table.sheet}', header row {table.header_row}, {table.data_rows:,} data rows ({table.shape}: {kind})."
        )
        if scan.deal_table is not None:
            deals = scan.deal_table
            lines.append(
                f"Deals from sheet '{deals.sheet}', header row {deals.header_row}, {deals.data_rows:,} data rows "
                f"({row_kind(deals)})."
            )
        lines.append("Recognised columns:")
        for column in table.columns:
            source = " [mapping]" if column.source == "mapping" else ""
            lines.append(f"  {column.address:>6}  {column.header!r} -> {column.role}{source}")
        if table.ignored:
            lines.append("Ignored columns:")
            for ignored in table.ignored:
                lines.append(f"  {ignored.address:>6}  {ignored.header!r}: {ignored.reason}")
        if scan.spend_table is not None:
            spend = scan.spend_table
            lines.append(f"Spend table: sheet '{spend.sheet}', header row {spend.header_row}.")
            for column in spend.columns:
                lines.append(f"  {column.address:>6}  {column.header!r} -> {column.role}")
    if calibration is not None:
        if calibration.first_date and calibration.last_date:
            lines.append(
                f"Data from {calibration.first_date} to {calibration.last_date}, {calibration.rows:,} rows used."
            )
        if calibration.figures:
            lines.append("Calibrated (value, sample size):")
            for figure in calibration.figures:
                lines.append(f"  {figure.label}: {_value(figure)}{_previous(figure)}  n={figure.sample:,}")
                if figure.basis:
                    lines.append(f"      {figure.basis}")
                if figure.warning:
                    lines.append(f"      WARNING: {figure.warning}")
        else:
            lines.append("Nothing was calibrated.")
        lines += _provenance(calibration)
        if calibration.plan is None:
            lines.append("No plan was produced (see the problems below).")
    problems = calibration.problems if calibration is not None else scan.problems
    if problems:
        lines.append("Problems:")
        for problem in problems:
            lines.append(f"  {problem}")
    return "\n".join(lines) + "\n"
