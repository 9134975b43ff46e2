"""Printouts a CFO reads: the budget request and a saved plan workbook, as
LibreOffice prints them to PDF, fit each sheet on at most two pages with
no text smaller than 8 points (a squeezed table is not a fix).

Pages are told apart by the sheet name every page's header carries; text
sizes come from ``pdftotext -bbox``: a word's box height is proportional to
its font size, the ratio measured on a reference sheet printed at exactly
8 points in the same LibreOffice run (so fonts substituted on this machine
count as they print). Skipped without LibreOffice or poppler.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import xlsxwriter

from core.formats.xlsx import plan_layout
from core.reports import budget_request
from tests.libreoffice import soffice_path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "resources" / "example_plan.json"
REFERENCE = "Reference eight points"
TOLERANCE = 0.95

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(
        soffice_path() is None or shutil.which("pdftotext") is None,
        reason="LibreOffice (soffice) or pdftotext is not installed",
    ),
]


def _reference(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Reference").write_string(0, 0, REFERENCE, book.add_format({"font_size": 8}))
    book.close()
    return path


def _to_pdf(paths: list[Path], outdir: Path) -> list[Path]:
    exe = soffice_path()
    assert exe is not None
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        command = [
            exe,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *map(str, paths),
        ]
        subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
    pdfs = [outdir / (p.stem + ".pdf") for p in paths]
    assert all(p.exists() for p in pdfs), f"LibreOffice wrote {sorted(outdir.iterdir())}"
    return pdfs


Word = tuple[float, float, float, str]  # yMin, yMax, height, text


def _pages(pdf: Path) -> list[list[Word]]:
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in xml.split("<page ")[1:]:
        words = [
            (float(y0), float(y1), float(y1) - float(y0), text)
            for y0, y1, text in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', page)
        ]
        pages.append(words)
    return pages


def _sheet_of(words: list[Word], sheets: tuple[str, ...]) -> str:
    """The sheet a page belongs to: its header's first line names it."""
    top = min(y0 for y0, _, _, _ in words)
    first_line = " ".join(text for y0, _, _, text in words if y0 < top + 2)
    names = [s for s in sorted(sheets, key=len, reverse=True) if first_line.startswith(s.replace("&", "&amp;"))]
    assert names, f"a page without a sheet name in its header: {first_line!r}"
    return names[0]


@pytest.fixture(scope="module")
def printed() -> Iterator[dict[str, list[list[Word]]]]:
    """The example's budget request and plan workbook, written by the
    command line as a user would, printed to PDF: name -> pages' words."""
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        request, plan = base / "request.xlsx", base / "plan.xlsx"
        for command, out in (("export", request), ("convert", plan)):
            done = subprocess.run(
                [sys.executable, "main.py", command, str(EXAMPLE), "--out", str(out)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert done.returncode == 0, done.stderr
        outdir = base / "pdf"
        outdir.mkdir()
        pdfs = _to_pdf([request, plan, _reference(base / "reference.xlsx")], outdir)
        yield {pdf.stem: _pages(pdf) for pdf in pdfs}


def _eight_points(printed: dict[str, list[list[Word]]]) -> float:
    [page] = printed["reference"]
    heights = {h for _, _, h, text in page if text in REFERENCE.split()}
    assert heights, "the reference text is not in its PDF"
    return max(heights)


@pytest.mark.parametrize(
    ("name", "sheets"),
    [
        ("request", tuple(s for s in budget_request.SHEETS if s != budget_request.TRACKING)),  # no actuals
        ("plan", plan_layout.SHEETS),
    ],
)
def test_every_sheet_prints_on_at_most_two_readable_pages(
    printed: dict[str, list[list[Word]]], name: str, sheets: tuple[str, ...]
) -> None:
    eight = _eight_points(printed)
    pages = printed[name]
    per_sheet = Counter(_sheet_of(words, sheets) for words in pages)
    assert set(per_sheet) == set(sheets), f"{name}: sheets printed {dict(per_sheet)}"
    assert max(per_sheet.values()) <= 2, f"{name}: pages per sheet {dict(per_sheet)}"
    for number, words in enumerate(pages, start=1):
        smallest = min(words, key=lambda w: w[2])
        assert smallest[2] >= TOLERANCE * eight, (
            f"{name}, page {number} ({_sheet_of(words, sheets)}): '{smallest[3]}' prints at "
            f"{8 * smallest[2] / eight:.1f} points"
        )


def test_the_months_before_the_plan_print_as_one_column(printed: dict[str, list[list[Word]]]) -> None:
    """The budget request's working sheets show 'Before the plan', not a
    column per month before the plan (they are grouped and hidden)."""
    text = " ".join(w[3] for page in printed["request"] for w in page)
    assert "(before the plan)" not in text  # the hidden months' headers
    assert "2026-06" not in text  # the earliest month before the example's plan
    assert text.count("Before the plan") >= 4  # Reverse funnel, Budget, Lead spec (and the Summary's heading)


def test_no_jargon_in_the_printouts(printed: dict[str, list[list[Word]]]) -> None:
    text = " ".join(w[3] for name in ("request", "plan") for page in printed[name] for w in page).lower()
    for jargon in ("dynamic programming", "fraction f", "whole months a", "(1-f)", "pre-plan total", "forward pass"):
        assert jargon not in text, jargon
