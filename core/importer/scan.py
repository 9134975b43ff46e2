"""Finding the table to import: opening the file, the sheet, header row and columns.

:func:`scan_workbook` opens the file with python-calamine, looks at the
first :data:`HEADER_SCAN_ROWS` rows of every worksheet for the row with the
most recognised headers, decides the shape ("monthly" or "leads") and keeps
the chosen sheet's cells for :func:`core.importer.calibrate.calibrate`.
Reading the cells of a column as numbers, dates or text is
:mod:`core.importer.typed_columns`. Text from the file is only ever data:
it is never evaluated and never written as a formula.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from core.formats.xlsx.location import cell_name, location
from core.formats.xlsx.safety import SpreadsheetCheck, inspect_spreadsheet_file
from core.importer.bulk import bulk_reading
from core.importer.cell_values import cell_text, flag_like, is_blank
from core.importer.columns import guess_role, role_stage
from core.importer.crm import crm_role, hidden_columns, is_deal_level
from core.importer.csv_reader import CsvWorkbook, is_csv_path, open_csv
from core.importer.mapping import ColumnMapping, key_words
from core.importer.numbers import Decimal
from core.model.plan import Problem
from core.model.validation import has_errors

Shape = Literal["monthly", "leads"]
HEADER_SCAN_ROWS = 30
PREVIEW_ROWS = 20


@dataclass(frozen=True)
class ReadingHints:
    """How the file writes numbers and dates when its text does not say:
    ``decimal`` mark ("." or ","), ``day_first`` dates. None: no hint (the
    English reading is used, with a warning where it matters). Set by the
    mapping file ("decimal", "date_order") or guessed from a CSV file's
    delimiter (a semicolon is the European convention)."""

    decimal: Decimal | None = None
    day_first: bool | None = None


class ImportCancelled(Exception):
    """The user cancelled an import (``cancelled()`` returned True)."""


@dataclass(frozen=True)
class Column:
    """A recognised column: 0-based ``index``, the header as written, its
    role, the header cell's address (``C4``) and whether the role came from
    the mapping file or was guessed."""

    index: int
    header: str
    role: str
    address: str
    source: Literal["guess", "mapping"] = "guess"


@dataclass(frozen=True)
class IgnoredColumn:
    """A column the importer does not use, and why."""

    index: int
    header: str
    address: str
    reason: str


@dataclass(frozen=True)
class Table:
    """A table found on a sheet: header row (1-based, as Excel shows it),
    shape, recognised and ignored columns, number of data rows."""

    sheet: str
    header_row: int
    shape: Shape | None
    columns: tuple[Column, ...]
    ignored: tuple[IgnoredColumn, ...]
    data_rows: int

    def column(self, role: str) -> Column | None:
        """The first column with this role."""
        return next((c for c in self.columns if c.role == role), None)

    def roles(self) -> tuple[str, ...]:
        return tuple(c.role for c in self.columns)


class _Cells:
    """The cells of the sheets read during the scan, kept so that
    calibration does not parse the workbook a second time."""

    def __init__(self) -> None:
        self.sheets: dict[str, list[list[Any]]] = {}


@dataclass(frozen=True)
class Scan:
    """What :func:`scan_workbook` found.

    ``table`` is the main table (None when nothing was recognised);
    ``spend_table`` a monthly spend table on another sheet (lead-level
    workbooks keep spend apart). ``deal_table`` is a deals table on another
    sheet that no ID joins to the main leads table (Salesforce's
    Opportunities report beside its Leads report): it calibrates the stages
    from its first stage on and the deal size (None: there is none, or it
    was joined). ``preview`` is the header row and the first rows of the
    main table as text. ``problems`` with an error mean the file cannot be
    imported as it is.
    """

    path: Path
    table: Table | None
    spend_table: Table | None
    preview: tuple[tuple[str, ...], ...]
    problems: tuple[Problem, ...]
    mapping: ColumnMapping | None = None
    sheet_names: tuple[str, ...] = ()
    cells: _Cells = field(default_factory=_Cells, repr=False, compare=False)
    hints: ReadingHints = field(default_factory=lambda: ReadingHints())
    # the worksheet parts the safety scan saw an error mark in (None: not known)
    error_parts: frozenset[str] | None = None
    deal_table: Table | None = None

    @property
    def ok(self) -> bool:
        """True when the file can be calibrated."""
        return self.table is not None and self.table.shape is not None and not has_errors(self.problems)

    @property
    def sheet(self) -> str | None:
        return self.table.sheet if self.table else None

    @property
    def header_row(self) -> int | None:
        return self.table.header_row if self.table else None

    @property
    def shape(self) -> Shape | None:
        return self.table.shape if self.table else None

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.table.columns if self.table else ()

    @property
    def ignored(self) -> tuple[IgnoredColumn, ...]:
        return self.table.ignored if self.table else ()

    @property
    def recognised(self) -> dict[str, str]:
        """Header -> role of the main table."""
        return {c.header: c.role for c in self.columns}


# --------------------------------------------------------------------------- opening


def _safety_check(path: Path) -> SpreadsheetCheck:
    """The one place the file is checked before any reader touches it
    (encrypted, corrupt, empty, not a spreadsheet, zip/XML bombs, too many
    cells): :func:`core.formats.xlsx.safety.inspect_spreadsheet_file`."""
    return inspect_spreadsheet_file(path)


def _reader_failure(path: Path, exc: BaseException) -> Problem:
    text = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
    return Problem(
        "file",
        f"The file cannot be read as a spreadsheet ({text}). Open it in Excel or LibreOffice and save it again as .xlsx, "
        "then import that copy.",
        location=location(path),
    )


def _reraise_if_control(exc: BaseException) -> None:
    if isinstance(exc, (KeyboardInterrupt, SystemExit, ImportCancelled, MemoryError)):
        raise exc


def open_workbook(path: Path) -> tuple[Any | None, tuple[Problem, ...]]:
    """A python-calamine workbook (a :class:`~core.importer.csv_reader.CsvWorkbook`
    for a CSV file), or None with the problem."""
    workbook, problems, _ = _open_checked(Path(path))
    return workbook, problems


def _open_checked(path: Path) -> tuple[Any | None, tuple[Problem, ...], frozenset[str] | None]:
    """:func:`open_workbook`, with the worksheet parts that may hold Excel
    error cells (None: not known; a CSV file has none)."""
    if not path.exists():
        return (
            None,
            (Problem("file", "The file does not exist; check the name and folder.", location=location(path)),),
            None,
        )
    if path.is_dir():
        return None, (Problem("file", "This is a folder, not a spreadsheet file.", location=location(path)),), None
    if is_csv_path(path):
        csv_book, refused = open_csv(path)
        return csv_book, ((refused,) if refused is not None else ()), frozenset()
    try:
        check = _safety_check(path)
    except BaseException as exc:  # the checker must never let a traceback through
        _reraise_if_control(exc)
        return None, (_reader_failure(path, exc),), None
    problem = check.problem
    if problem is not None:
        if not problem.location:
            problem = Problem(problem.field, problem.message, problem.severity, location(path))
        if problem.severity == "error":
            return None, (problem,), None
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except BaseException as exc:  # calamine raises CalamineError, or a Rust panic (BaseException)
        _reraise_if_control(exc)
        return None, (_reader_failure(path, exc),), None
    return workbook, ((problem,) if problem is not None else ()), check.error_parts


def worksheet_names(workbook: Any) -> list[str]:
    """Names of the worksheets (chart sheets skipped), in workbook order."""
    names: list[str] = []
    try:
        for meta in workbook.sheets_metadata:
            kind = str(meta.typ).lower()
            hidden = "hidden" in str(getattr(meta, "visible", "")).lower()  # hidden or very hidden: not the user's data
            if "chart" not in kind and "dialog" not in kind and not hidden:
                names.append(str(meta.name))
    except BaseException as exc:
        _reraise_if_control(exc)
        names = [str(n) for n in workbook.sheet_names]
    return names


def read_sheet(workbook: Any, name: str, nrows: int | None = None) -> list[list[Any]]:
    """The sheet's cells from A1 (rectangular list of rows; '' for empty)."""
    sheet = workbook.get_sheet_by_name(name)
    if nrows is None:
        rows: list[list[Any]] = sheet.to_python(skip_empty_area=False)
    else:
        rows = sheet.to_python(skip_empty_area=False, nrows=nrows)
    return rows


# --------------------------------------------------------------------------- header detection


def _roles_of_row(row: list[Any], mapping: ColumnMapping | None) -> list[tuple[int, str, str | None, bool]]:
    """(index, header, role or None, from mapping) for every non-blank cell."""
    stages = mapping.stages if mapping else ()
    found: list[tuple[int, str, str | None, bool]] = []
    for index, value in enumerate(row):
        if is_blank(value) or not isinstance(value, str):
            continue
        header = value.strip()
        mapped = mapping.role_for(header) if mapping else None
        if mapped is not None:
            found.append((index, header, mapped, True))
        else:
            found.append((index, header, guess_role(header, stages), False))
    return found


def _score(roles: list[tuple[int, str, str | None, bool]]) -> int:
    return sum(1 for _, _, role, _ in roles if role is not None and role != "ignore")


def decide_shape(roles: list[str]) -> Shape | None:
    """``leads`` when rows are leads (stage dates, a status, or a created date
    without monthly volumes); "monthly" when rows are months with volumes,
    revenue or spend; None when neither."""
    kinds = {r.split(":", 1)[0] if ":" in r else r.split("@", 1)[0] for r in roles}
    has_stage_dates = any(r.startswith("date:") for r in roles)
    has_volumes = any(r.startswith("stage:") for r in roles)
    has_money = "revenue" in kinds or "spend" in kinds
    lead_like = has_stage_dates or "status" in kinds or not (has_volumes or has_money)
    if lead_like and ("created_date" in kinds or has_stage_dates):
        return "leads"
    if ("month" in kinds or "created_date" in kinds) and (has_volumes or has_money):
        return "monthly"
    return None


def _build_table(
    sheet: str,
    rows: list[list[Any]],
    header_index: int,
    mapping: ColumnMapping | None,
    total_rows: int,
    forced_shape: Shape | None,
    hidden: set[int] | None = None,
) -> Table:
    found = _roles_of_row(rows[header_index], mapping) if header_index < len(rows) else []
    found = [(i, h, None if i in (hidden or ()) and not m else r, m) for i, h, r, m in found]
    roles = [r for _, _, r, _ in found if r is not None and r != "ignore"]
    shape = forced_shape or decide_shape(roles)
    deal_level = shape == "leads" and is_deal_level([h for _, h, _, _ in found], roles)
    columns: list[Column] = []
    ignored: list[IgnoredColumn] = []
    seen: set[str] = set()
    for index, header, role, from_mapping in found:
        address = cell_name(header_index, index)
        if index in (hidden or ()) and not from_mapping:
            ignored.append(IgnoredColumn(index, header, address, "hidden in the workbook"))
            continue
        if deal_level and role == "created_date" and not from_mapping:
            role = "date:Opportunity"  # a deal's creation: the rows start at the opportunity
        if role is not None and shape == "monthly" and role == "created_date":
            role = "month"
        if role is not None and shape == "leads" and role == "month":
            role = "created_date"
        if role is None:
            reason = "header not recognised (name it in a mapping file to use it)"
            if shape == "leads":
                # an unrecognised column in lead-level data may be a lead-spec criterion (yes/no)
                sample = [r[index] for r in rows[header_index + 1 : header_index + 1 + 50] if index < len(r)]
                if sample and any(not is_blank(v) for v in sample) and all(flag_like(v) for v in sample):
                    role = f"criterion:{header}"
            if role is None:
                ignored.append(IgnoredColumn(index, header, address, reason))
                continue
        if role == "ignore":
            crm = crm_role(header)
            reason = crm[1] if crm is not None and not from_mapping else "ignored by the mapping file"
            ignored.append(IgnoredColumn(index, header, address, reason or "not used"))
            continue
        if role in seen and not role.startswith("criterion:"):
            ignored.append(
                IgnoredColumn(index, header, address, f"a second column for '{role}' (the first one is used)")
            )
            continue
        if shape == "monthly" and (role.startswith("date:") or role in ("status", "amount")):
            ignored.append(
                IgnoredColumn(index, header, address, f"'{role}' belongs to lead-level data, not a monthly summary")
            )
            continue
        seen.add(role)
        columns.append(Column(index, header, role, address, "mapping" if from_mapping else "guess"))
    data_rows = max(0, total_rows - header_index - 1)
    return Table(sheet, header_index + 1, shape, tuple(columns), tuple(ignored), data_rows)


def _last_nonblank_row(rows: list[list[Any]]) -> int:
    for index in range(len(rows) - 1, -1, -1):
        if any(not is_blank(v) for v in rows[index]):
            return index + 1
    return 0


def scan_workbook(path: Path, mapping: ColumnMapping | None = None) -> Scan:
    """Find the table to import: sheet, header row, shape, columns.

    Every worksheet's first 30 rows are searched for the row with the most
    recognised headers (at least two); the mapping's ``sheet`` and
    ``header_row`` override the search and its ``columns`` the guesses. A
    lead-level table is preferred to a monthly one; another sheet with a
    monthly spend table is kept as ``spend_table``. Never raises for a bad
    file: the reason is in ``problems``.
    """
    with bulk_reading():
        return _scan_workbook(Path(path), mapping)


def _scan_workbook(path: Path, mapping: ColumnMapping | None) -> Scan:
    workbook, problems_t, error_parts = _open_checked(path)
    problems = list(problems_t)
    if workbook is None:
        return Scan(path, None, None, (), tuple(problems), mapping)
    try:
        scan = _scan_open(path, workbook, mapping, problems)
        return replace(scan, hints=reading_hints(mapping, workbook), error_parts=error_parts)
    except BaseException as exc:
        _reraise_if_control(exc)
        problems.append(_reader_failure(path, exc))
        return Scan(path, None, None, (), tuple(problems), mapping)
    finally:
        try:
            workbook.close()
        except BaseException as exc:
            _reraise_if_control(exc)


def reading_hints(mapping: ColumnMapping | None, workbook: Any) -> ReadingHints:
    """How to read numbers and dates whose text does not say: the mapping
    file's word, else a semicolon CSV's European convention, else none."""
    decimal: Decimal | None = None
    day_first: bool | None = None
    if isinstance(workbook, CsvWorkbook) and workbook.semicolon_convention:
        decimal, day_first = ",", True
    if mapping is not None and mapping.decimal in (".", ","):
        decimal = "." if mapping.decimal == "." else ","
    if mapping is not None and mapping.date_order is not None:
        day_first = mapping.date_order == "day-first"
    return ReadingHints(decimal, day_first)


def _candidate_sheets(
    path: Path, names: list[str], mapping: ColumnMapping | None, problems: list[Problem]
) -> list[str] | None:
    """The sheets the table may be on: the mapping's sheet, else every sheet.
    None (the problem added) when the mapping names a sheet the file lacks."""
    if mapping is None or mapping.sheet is None:
        return names
    wanted = mapping.sheet.strip().casefold()
    match = [n for n in names if n.strip().casefold() == wanted]
    if not match:
        problems.append(
            Problem(
                key_words("sheet"),
                f"The mapping names sheet '{mapping.sheet}', which is not in the file (sheets: {', '.join(names)}).",
                location=location(path),
            )
        )
        return None
    return match


def _best_header(head: list[list[Any]], header_indexes: list[int], mapping: ColumnMapping | None) -> tuple[int, int]:
    """(0-based index, score) of the row with the most recognised headers; (-1, 0) when none."""
    best_index, best_score = -1, 0
    for index in header_indexes:
        if index >= len(head):
            continue
        score = _score(_roles_of_row(head[index], mapping))
        if score > best_score:
            best_index, best_score = index, score
    return best_index, best_score


@dataclass(frozen=True)
class _SheetSearch:
    """What the search of one sheet needs: the file (for problems), the
    mapping, the shape it forces and the sheets it allows."""

    path: Path
    mapping: ColumnMapping | None
    forced: Shape | None
    candidates: list[str]


def _sheet_table(
    search: _SheetSearch, workbook: Any, name: str, problems: list[Problem], cells: _Cells
) -> tuple[int, Table] | None:
    """(header score, table) on sheet ``name``, its cells kept in ``cells``;
    None when the sheet has no table of a known shape."""
    mapping = search.mapping
    candidate = name in search.candidates
    sheet = workbook.get_sheet_by_name(name)
    head: list[list[Any]] = sheet.to_python(skip_empty_area=False, nrows=HEADER_SCAN_ROWS)
    if not head:
        return None
    if mapping and mapping.header_row is not None and candidate:
        header_indexes = [mapping.header_row - 1]
    else:
        header_indexes = list(range(len(head)))
    best_index, best_score = _best_header(head, header_indexes, mapping)
    if best_index < 0 or best_score < 2:
        if candidate and mapping and mapping.header_row is not None:
            problems.append(
                Problem(
                    key_words("header_row"),
                    f"Row {mapping.header_row} has fewer than two recognised headers; check the row number.",
                    location=location(search.path, name),
                )
            )
        return None
    all_rows: list[list[Any]] = sheet.to_python(skip_empty_area=False)
    total = _last_nonblank_row(all_rows)
    hidden = hidden_columns(search.path, name)
    table = _build_table(name, all_rows, best_index, mapping, total, search.forced if candidate else None, hidden)
    if table.shape is None:
        return None
    cells.sheets[name] = all_rows[:total]
    return best_score, table


def _no_table_problem(path: Path, names: list[str]) -> Problem:
    return Problem(
        "file",
        "No sheet has a table this planner can read (looked for headers in the first 30 rows of "
        f"{', '.join(repr(n) for n in names) or 'no sheets'}). Use headers such as 'Month, Inquiries, MQLs, SQLs, "
        "Won, Revenue' (a monthly summary) or 'Created Date, Lead Source, Status, MQL Date, Amount' (one row "
        "per lead), or give a mapping file naming the sheet, header row and columns.",
        location=location(path),
    )


def _spend_table(others: list[Table]) -> Table | None:
    """The first monthly table with a spend column among the tables not chosen."""
    for table in others:
        roles = table.roles()
        if table.shape == "monthly" and any(r == "spend" or r.startswith("spend@") for r in roles):
            return table
    return None


def _preview(rows: list[list[Any]], header_row: int) -> tuple[tuple[str, ...], ...]:
    """The header row and the first :data:`PREVIEW_ROWS` data rows as text."""
    preview = [tuple(cell_text(v) for v in rows[header_row - 1])]
    for row in rows[header_row : header_row + PREVIEW_ROWS]:
        preview.append(tuple(cell_text(v) for v in row))
    return tuple(preview)


def _scan_open(path: Path, workbook: Any, mapping: ColumnMapping | None, problems: list[Problem]) -> Scan:
    names = worksheet_names(workbook)
    cells = _Cells()
    forced: Shape | None = mapping.shape if mapping and mapping.shape in ("monthly", "leads") else None  # type: ignore[assignment]
    candidates = _candidate_sheets(path, names, mapping, problems)
    if candidates is None:
        return Scan(path, None, None, (), tuple(problems), mapping, tuple(names), cells)
    search = _SheetSearch(path, mapping, forced, candidates)
    tables: list[tuple[int, int, Table]] = []  # (priority, order, table)
    for order, name in enumerate(names):
        found = _sheet_table(search, workbook, name, problems, cells)
        if found is None:
            continue
        score, table = found
        priority = (0 if name in candidates else 10) + (0 if table.shape == "leads" else 1)
        tables.append((priority * 1000 - score, order, table))
    if not tables:
        problems.append(_no_table_problem(path, names))
        return Scan(path, None, None, (), tuple(problems), mapping, tuple(names), cells)
    tables.sort(key=lambda t: (t[0], t[1]))
    main = tables[0][2]
    named = mapping is not None and mapping.sheet is not None
    main, deals = _joined(path, [t for _, _, t in tables], main, cells, problems, named)
    used = {main.sheet} | ({deals.sheet} if deals is not None else set())
    spend = _spend_table([table for _, _, table in tables if table.sheet not in used])
    for name in list(cells.sheets):
        if name not in used and (spend is None or name != spend.sheet):
            del cells.sheets[name]
    preview = _preview(cells.sheets[main.sheet], main.header_row)
    problems += _table_problems(path, main)
    if deals is not None:
        problems += _table_problems(path, deals)
    return Scan(path, main, spend, preview, tuple(problems), mapping, tuple(names), cells, deal_table=deals)


def _joined(
    path: Path, tables: list[Table], main: Table, cells: _Cells, problems: list[Problem], named: bool = False
) -> tuple[Table, Table | None]:
    """(main table, deals table not joined to it).

    A leads table joined by ID with a deals table of another sheet
    (Salesforce's Leads and Opportunities reports) is the main table, with
    no deals table apart. When no ID joins them (no link columns, or
    nothing to bring) and ``main`` is one of the two, the leads table is
    the main table and the deals table is returned apart, with a warning
    naming both sheets; when the mapping ``named`` the main table's sheet,
    only if that is the leads table (a deals sheet named is read alone).
    Otherwise ``main`` alone."""
    from core.importer.joins import join_deals, report_pair, two_reports_note

    leads = [t for t in tables if t.shape == "leads" and t.column("link") and t.column("created_date")]
    deals = [t for t in tables if t.shape == "leads" and t.column("link") and t not in leads]
    if leads and deals:
        lead, deal = leads[0], deals[0]
        joined = join_deals(lead, deal, cells.sheets[lead.sheet], cells.sheets[deal.sheet])
        if joined is not None:
            table, rows, note = joined
            cells.sheets[lead.sheet] = rows
            problems.append(Problem("Sheets", note, "warning", location(path)))
            return table, None
    pair = report_pair(tables)
    if pair is None or main.sheet not in (pair[0].sheet, *(() if named else (pair[1].sheet,))):
        return main, None
    problems.append(Problem("Sheets", two_reports_note(*pair), "warning", location(path)))
    return pair


def _table_problems(path: Path, table: Table) -> list[Problem]:
    problems: list[Problem] = []
    roles = table.roles()
    loc = location(path, table.sheet)
    if table.data_rows == 0:
        problems.append(Problem("file", "The table has headers but no data rows below them.", location=loc))
    if table.shape == "leads":
        if "created_date" not in roles and not any(r.startswith("date:") for r in roles):
            problems.append(
                Problem("file", "Lead-level data needs a created-date column (e.g. 'Created Date').", location=loc)
            )
        stages = {role_stage(r) for r in roles if r.startswith(("date:", "stage:"))}
        if "status" not in roles and len(stages - {None}) < 1:
            problems.append(
                Problem(
                    "file",
                    "Lead-level data needs a status column or stage dates (e.g. 'MQL Date') to show how far leads got.",
                    location=loc,
                )
            )
    if table.shape == "monthly" and "month" not in roles:
        problems.append(Problem("file", "A monthly summary needs a month column (e.g. 'Month').", location=loc))
    return problems


def role_columns(table: Table, prefix: str) -> list[Column]:
    """Columns whose role starts with ``prefix``."""
    return [c for c in table.columns if c.role.startswith(prefix)]
