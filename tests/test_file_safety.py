"""Saving safely and reading the plan workbook's cells for what they hold
(issue 8, items 1, 3, 5, 6 and the file-mode part of 12), through the
command line as a user runs it wherever that applies."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

import main
from core.formats.files import atomic_write, atomic_write_text
from core.formats.plan_json import save_plan_json
from core.formats.xlsx.plan_read import load_plan_workbook
from core.formats.xlsx.plan_write import save_plan_workbook
from core.model.plan import Plan
from tests.conftest import ROOT
from tests.libreoffice import recalculate, soffice_path


def cli(*args: str, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    preexec = (lambda: os.umask(umask) and None) if umask is not None else None
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        preexec_fn=preexec,  # only sets the umask
    )


def varied(plan: Plan) -> Plan:
    """The example plan with a different value in every month of every
    monthly series, so that a month read in the wrong place changes the plan."""
    months = range(plan.months)
    return plan.with_changes(
        pipeline_revenue=tuple(100_000.0 + 1_000 * t for t in months),
        channels=tuple(
            replace(c, fixed_cost=tuple(500.0 * (j + 1) + 10 * t for t in months)) for j, c in enumerate(plan.channels)
        ),
        free_sources=tuple(
            replace(f, volume=tuple(50.0 * (i + 1) + t for t in months)) for i, f in enumerate(plan.free_sources)
        ),
        approved_budget=tuple(180_000.0 + 1_000 * t for t in months),
        sales_hours_available=tuple(1_700.0 + 10 * t for t in months),
    )


def find(ws: Worksheet, text: str, after: int = 0) -> tuple[int, int]:
    """(row, column), 1-based, of the first cell holding ``text`` below row ``after``."""
    for row in ws.iter_rows(min_row=after + 1):
        for cell in row:
            if cell.value == text:
                return cell.row, cell.column
    raise AssertionError(f"{text!r} not on sheet {ws.title}")


def edit(path: Path, change: Callable[[openpyxl.Workbook], None]) -> Path:
    book = openpyxl.load_workbook(path)
    change(book)
    book.save(path)
    return path


def swap_rows(ws: Worksheet, a: int, b: int) -> None:
    for col in range(1, ws.max_column + 1):
        x, y = ws.cell(a, col), ws.cell(b, col)
        x.value, y.value = y.value, x.value


def swap_columns(ws: Worksheet, a: int, b: int, first_row: int) -> None:
    for row in range(first_row, ws.max_row + 1):
        x, y = ws.cell(row, a), ws.cell(row, b)
        x.value, y.value = y.value, x.value


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture
def plan_xlsx(example_plan: Plan, tmp_path: Path) -> Path:
    path = tmp_path / "PLAN.xlsx"
    save_plan_workbook(varied(example_plan), path)
    return path


@pytest.fixture
def crm_export(tmp_path: Path) -> Path:
    """A workbook that is not a plan (last year's CRM export)."""
    path = tmp_path / "last-year-crm.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Lead id", "Created", "Stage"])
    for i in range(50):
        ws.append([i, f"2026-{1 + i % 12:02d}-01", "MQL"])
    book.save(path)
    return path


# -- item 1: export never replaces a plan, and keeps a .bak of what it replaces ----------------------


def test_export_refuses_to_replace_the_plan_it_is_computed_from(plan_xlsx: Path) -> None:
    before = plan_xlsx.read_bytes()
    same_file = plan_xlsx.with_name("same-plan.xlsx")
    os.link(plan_xlsx, same_file)  # the same file under another name
    for out in (plan_xlsx, same_file):
        proc = cli("export", str(plan_xlsx), "--out", str(out))
        assert proc.returncode == 2
        assert out.name in proc.stderr and "the plan being exported" in proc.stderr
        assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert plan_xlsx.read_bytes() == before
    assert sorted(p.name for p in plan_xlsx.parent.iterdir()) == ["PLAN.xlsx", "same-plan.xlsx"]


def test_export_refuses_to_replace_another_plan(plan_xlsx: Path, example_plan: Plan) -> None:
    other = plan_xlsx.with_name("other plan.xlsx")
    save_plan_workbook(example_plan.with_changes(name="Another plan"), other)
    before = other.read_bytes()
    proc = cli("export", str(plan_xlsx), "--out", str(other))
    assert proc.returncode == 2
    assert "other plan.xlsx" in proc.stderr and "never replaces a plan" in proc.stderr
    assert other.read_bytes() == before
    assert not other.with_name("other plan.xlsx.bak").exists()


def test_export_over_another_file_keeps_it_as_bak(plan_xlsx: Path, crm_export: Path) -> None:
    before = crm_export.read_bytes()
    proc = cli("export", str(plan_xlsx), "--out", str(crm_export))
    assert proc.returncode == 0, proc.stderr
    assert "last-year-crm.xlsx.bak" in proc.stdout
    backup = crm_export.with_name("last-year-crm.xlsx.bak")
    assert backup.read_bytes() == before
    assert "Lead id" not in str(openpyxl.load_workbook(crm_export).worksheets[0]["A1"].value)
    assert temporaries(crm_export.parent) == []


# -- item 3: a save that cannot complete leaves the target and its .bak as they were ------------------


def full_disk_part_way(written: int = 1000) -> Callable[..., object]:
    """A shutil.copyfile that writes the first bytes, then finds the disk full."""

    def copy(src: str | Path, dst: str | Path, **kwargs: object) -> object:
        Path(dst).write_bytes(Path(src).read_bytes()[:written])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))

    return copy


def test_full_disk_while_copying_the_backup_keeps_target_and_backup(
    plan_xlsx: Path, crm_export: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = crm_export.with_name(crm_export.name + ".bak")
    backup.write_bytes(b"last week's export " * 2000)
    target_before, backup_before = crm_export.read_bytes(), backup.read_bytes()
    monkeypatch.setattr(shutil, "copyfile", full_disk_part_way())
    assert main.main(["export", str(plan_xlsx), "--out", str(crm_export)]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Nothing was written" in err
    assert crm_export.read_bytes() == target_before
    assert backup.read_bytes() == backup_before
    assert temporaries(crm_export.parent) == []


def test_full_disk_while_saving_a_plan_keeps_plan_and_backup(
    example_plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "plan.json"
    save_plan_json(example_plan.with_changes(name="Newer"), source)
    target = tmp_path / "plan.xlsx"
    save_plan_workbook(example_plan, target)
    save_plan_workbook(example_plan.with_changes(name="Older"), target)  # plan.xlsx.bak: the example
    backup = tmp_path / "plan.xlsx.bak"
    target_before, backup_before = target.read_bytes(), backup.read_bytes()
    monkeypatch.setattr(shutil, "copyfile", full_disk_part_way())
    assert main.main(["convert", str(source), "--out", str(target)]) == 2
    assert "Nothing was written" in capsys.readouterr().err
    assert target.read_bytes() == target_before and backup.read_bytes() == backup_before
    plan, _ = load_plan_workbook(backup)
    assert plan is not None and plan.name == example_plan.name
    assert temporaries(tmp_path) == []


def test_full_disk_while_writing_the_export_is_reported_not_a_crash(
    plan_xlsx: Path, crm_export: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import xlsxwriter.workbook

    before = crm_export.read_bytes()

    def disk_full(self: xlsxwriter.workbook.Workbook) -> None:
        Path(self.filename).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(xlsxwriter.workbook.Workbook, "_store_workbook", disk_full)
    assert main.main(["export", str(plan_xlsx), "--out", str(crm_export)]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Nothing was written" in err
    assert crm_export.read_bytes() == before
    assert sorted(p.name for p in crm_export.parent.iterdir()) == ["PLAN.xlsx", "last-year-crm.xlsx"]


def test_failed_final_rename_puts_the_old_backup_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("current")
    backup = tmp_path / "notes.txt.bak"
    backup.write_text("older")
    real_replace = os.replace

    def refuse_target(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst) == target:
            raise OSError(errno.EIO, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", refuse_target)
    with pytest.raises(OSError, match="Input/output"):
        atomic_write(target, lambda tmp: tmp.write_text("new"), backup=True)
    assert target.read_text() == "current" and backup.read_text() == "older"
    assert temporaries(tmp_path) == []


def test_a_killed_save_leaves_the_target_whole_and_the_next_save_sweeps_its_leftover(
    example_plan: Plan, tmp_path: Path
) -> None:
    target = tmp_path / "plan.xlsx"
    save_plan_workbook(example_plan, target)
    before = target.read_bytes()
    slow_save = (
        "import sys, time; from pathlib import Path; from core.formats.files import atomic_write; "
        "atomic_write(Path(sys.argv[1]), lambda tmp: (tmp.write_bytes(b'half'), time.sleep(60)), backup=True)"
    )
    proc = subprocess.Popen([sys.executable, "-c", slow_save, str(target)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while not temporaries(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    leftovers = temporaries(tmp_path)
    assert len(leftovers) == 1 and leftovers[0].startswith(".plan.xlsx.") and leftovers[0].endswith(".tmp")
    assert target.read_bytes() == before
    old = tmp_path / leftovers[0]
    os.utime(old, (time.time() - 120, time.time() - 120))  # killed two minutes ago
    young = tmp_path / ".plan.xlsx.0123456789abcdef.tmp"  # a save still running elsewhere
    young.write_bytes(b"busy")
    unrelated = [tmp_path / ".other.xlsx.0123456789abcdef.tmp", tmp_path / ".plan.xlsx.mine.tmp"]
    for path in unrelated:
        path.write_bytes(b"not ours")
        os.utime(path, (time.time() - 120, time.time() - 120))
    source = tmp_path / "plan.json"
    save_plan_json(example_plan, source)
    proc_done = cli("convert", str(source), "--out", str(target))
    assert proc_done.returncode == 0, proc_done.stderr
    assert not old.exists()
    assert young.exists() and all(path.exists() for path in unrelated)


# -- item 12 (part): a save keeps the file's mode; a new file gets the umask's -----------------------


def test_saves_keep_the_mode_and_new_files_follow_the_umask(plan_xlsx: Path, crm_export: Path) -> None:
    folder = plan_xlsx.parent
    fresh = cli("convert", str(plan_xlsx), "--out", str(folder / "new.json"), umask=0o027)
    assert fresh.returncode == 0, fresh.stderr
    assert stat.S_IMODE((folder / "new.json").stat().st_mode) == 0o640
    fresh = cli("export", str(plan_xlsx), "--out", str(folder / "request.xlsx"), umask=0o022)
    assert fresh.returncode == 0, fresh.stderr
    assert stat.S_IMODE((folder / "request.xlsx").stat().st_mode) == 0o644
    os.chmod(plan_xlsx, 0o664)
    os.chmod(crm_export, 0o604)
    assert cli("convert", str(folder / "new.json"), "--out", str(plan_xlsx)).returncode == 0
    assert cli("export", str(plan_xlsx), "--out", str(crm_export)).returncode == 0
    assert stat.S_IMODE(plan_xlsx.stat().st_mode) == 0o664
    assert stat.S_IMODE(crm_export.stat().st_mode) == 0o604
    assert stat.S_IMODE(crm_export.with_name(crm_export.name + ".bak").stat().st_mode) == 0o604


def test_atomic_text_save_keeps_an_existing_mode(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("{}")
    os.chmod(path, 0o640)
    atomic_write_text(path, '{"a": 1}')
    assert stat.S_IMODE(path.stat().st_mode) == 0o640 and json.loads(path.read_text()) == {"a": 1}


# -- item 5: Excel errors and formulas without a value are refused, naming the cell ------------------


def _cell(book: openpyxl.Workbook, sheet: str, row_label: str, col_label: str, occurrence: int = 1) -> Cell:
    ws = book[sheet]
    row = 0
    for _ in range(occurrence):
        row, _col = find(ws, row_label, row)
    header_row = max(r for r in range(1, row) if any(c.value == col_label for c in ws[r]))
    col = next(c.column for c in ws[header_row] if c.value == col_label)
    return ws.cell(row, col)


ERROR_CELLS = [
    # (sheet, row label, column label, which occurrence of the row label, the cell, the error)
    ("Funnel", "MQL", "Lag to next stage (days)", 1, "C6", "#REF!"),
    ("Funnel", "SQL", "Sales hours per item", 1, "D7", "#N/A"),
    ("Calendar & targets", "2027-01", "Pipeline revenue", 2, "C13", "#VALUE!"),  # 1st: the start month
    ("Channels", "Webinars", "2027-03", 2, "D15", "#DIV/0!"),
    ("Free sources", "Organic inbound", "2027-02", 1, "D5", "#REF!"),
    ("Funnel", "Inquiry", "Rate to next stage", 1, "B5", "#N/A"),
]


@pytest.mark.parametrize(("sheet", "row_label", "col_label", "occurrence", "cell", "error"), ERROR_CELLS)
def test_excel_error_cells_are_refused_naming_the_cell(
    plan_xlsx: Path, sheet: str, row_label: str, col_label: str, occurrence: int, cell: str, error: str
) -> None:
    def change(book: openpyxl.Workbook) -> None:
        target = _cell(book, sheet, row_label, col_label, occurrence)
        assert target.coordinate == cell
        target.value = error  # openpyxl stores an error value (t="e")

    proc = cli("calc", str(edit(plan_xlsx, change)))
    assert proc.returncode == 2, proc.stdout
    assert f"PLAN.xlsx, sheet '{sheet}', cell {cell}" in proc.stderr
    assert f"shows {error} (an Excel error)" in proc.stderr
    assert "The cell is empty" not in proc.stderr and "Traceback" not in proc.stderr


def test_formula_without_a_saved_value_is_refused(plan_xlsx: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        _cell(book, "Funnel", "Opportunity", "Lag to next stage (days)").value = "=20+25"

    proc = cli("calc", str(edit(plan_xlsx, change)))
    assert proc.returncode == 2
    assert "PLAN.xlsx, sheet 'Funnel', cell C8" in proc.stderr
    assert "formula with no saved value (it was never calculated)" in proc.stderr
    assert "LibreOffice, let it calculate and save it again" in proc.stderr


@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice is not installed")
def test_the_same_formula_once_calculated_is_read(plan_xlsx: Path, tmp_path: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        _cell(book, "Funnel", "Opportunity", "Lag to next stage (days)").value = "=20+25"

    calculated = recalculate([edit(plan_xlsx, change)], tmp_path / "calculated")[0]
    plan, problems = load_plan_workbook(calculated)
    assert plan is not None, [str(p) for p in problems]
    assert [s.lag_days for s in plan.stages if s.name == "Opportunity"] == [45.0]


# -- item 6: month rows and columns are matched by their labels -----------------------------------


def test_reordered_months_follow_their_labels(plan_xlsx: Path, example_plan: Plan) -> None:
    original = cli("calc", str(plan_xlsx), "--json")
    assert original.returncode == 0, original.stderr

    def shuffle(book: openpyxl.Workbook) -> None:
        calendar = book["Calendar & targets"]
        swap_rows(calendar, find(calendar, "2027-02")[0], find(calendar, "2027-05")[0])
        capacity = book["Budget & capacity"]
        swap_rows(capacity, find(capacity, "2027-03")[0], find(capacity, "2027-10")[0])
        channels = book["Channels"]
        head = find(channels, "2027-03")[0]
        swap_columns(channels, find(channels, "2027-03")[1], find(channels, "2027-09")[1], head)
        free = book["Free sources"]
        swap_columns(free, find(free, "2027-01")[1], find(free, "2027-06")[1], find(free, "2027-01")[0])

    shuffled = cli("calc", str(edit(plan_xlsx, shuffle)), "--json")
    assert shuffled.returncode == 0, shuffled.stderr
    assert json.loads(shuffled.stdout) == json.loads(original.stdout)
    plan, _ = load_plan_workbook(plan_xlsx)
    assert plan == varied(example_plan)


def test_month_labels_written_as_names_or_dates_are_read(plan_xlsx: Path, example_plan: Plan) -> None:
    import datetime as dt

    def relabel(book: openpyxl.Workbook) -> None:
        calendar = book["Calendar & targets"]
        table = find(calendar, "Month")[0]
        for month in range(1, 13):
            row = find(calendar, f"2027-{month:02d}", table)[0]
            calendar.cell(row, 1).value = dt.date(2027, month, 1).strftime("%b %Y")
        capacity = book["Budget & capacity"]
        swap_rows(capacity, find(capacity, "2027-01")[0], find(capacity, "2027-12")[0])
        for month in range(1, 13):
            capacity.cell(find(capacity, f"2027-{month:02d}")[0], 1).value = dt.datetime(2027, month, 1)

    plan, problems = load_plan_workbook(edit(plan_xlsx, relabel))
    assert plan == varied(example_plan), [str(p) for p in problems]


@pytest.mark.parametrize(
    ("label", "cell", "says"),
    [
        ("2027-01", "A14", "The month 2027-01 has two rows (also cell A13)"),
        ("2031-07", "A14", "2031-07 is not a month of this plan"),
        ("next month", "A14", "Text 'next month' is not a month"),
        (None, "A14", "The month label is empty"),
    ],
)
def test_a_wrong_month_label_is_refused_naming_its_cell(
    plan_xlsx: Path, label: str | None, cell: str, says: str
) -> None:
    def change(book: openpyxl.Workbook) -> None:
        book["Calendar & targets"][cell].value = label

    proc = cli("calc", str(edit(plan_xlsx, change)))
    assert proc.returncode == 2
    line = next(line for line in proc.stderr.splitlines() if f"cell {cell}" in line)
    assert "sheet 'Calendar & targets'" in line and says in line


def test_a_missing_month_row_is_refused_naming_the_table(plan_xlsx: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        capacity = book["Budget & capacity"]
        capacity.delete_rows(find(capacity, "2027-04")[0])

    proc = cli("calc", str(edit(plan_xlsx, change)))
    assert proc.returncode == 2
    assert "PLAN.xlsx, sheet 'Budget & capacity', cell A4" in proc.stderr
    assert "No row is labelled with the month 2027-04" in proc.stderr
