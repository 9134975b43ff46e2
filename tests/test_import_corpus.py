"""Every workbook of the real-world corpus either imports or is refused
with a clear Problem: never a crash, a hang or a memory blow-up.

Each file runs in its own subprocess with a 10 s timeout and a 1 GB
address-space limit (``RLIMIT_AS``), so a hang or a blow-up fails this test
instead of taking the test run down. The corpus lives outside the
repository (``../shared/corpus/xlsx``); the tests skip when it is absent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "xlsx"
SKIP = {"README.md", "MANIFEST.tsv"}
TIMEOUT_S = 10
MEMORY_LIMIT = 1 << 30

FILES = sorted(p.name for p in CORPUS.iterdir() if p.is_file() and p.name not in SKIP) if CORPUS.is_dir() else []

_RUNNER = """
import json, resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
sys.path.insert(0, {root!r})
from core.importer import calibrate, describe, scan_workbook
from core.paths import example_plan_path
from core.formats.plan_json import load_plan_json

base, _ = load_plan_json(example_plan_path())
scan = scan_workbook(Path(sys.argv[1]))
result = {{"scan_ok": scan.ok, "problems": [str(p) for p in scan.problems], "severities": [p.severity for p in scan.problems]}}
if scan.ok:
    calibration = calibrate(scan, base)
    result["plan"] = calibration.plan is not None
    result["problems"] = [str(p) for p in calibration.problems]
    result["severities"] = [p.severity for p in calibration.problems]
describe(scan)
print(json.dumps(result))
"""


def _run(name: str) -> tuple[str, subprocess.CompletedProcess[str] | None]:
    """Import one file in a subprocess; None when it timed out."""
    code = _RUNNER.format(limit=MEMORY_LIMIT, root=str(ROOT))
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(CORPUS / name)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        return name, None
    return name, done


@pytest.fixture(scope="module")
def outcomes() -> dict[str, subprocess.CompletedProcess[str] | None]:
    """Every corpus file imported, a few subprocesses at a time (each with its own limits)."""
    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool:
        return dict(pool.map(_run, FILES))


@pytest.mark.skipif(not FILES, reason="the shared corpus (../shared/corpus/xlsx) is not here")
@pytest.mark.parametrize("name", FILES)
def test_corpus_file_loads_or_is_refused_clearly(
    name: str, outcomes: dict[str, subprocess.CompletedProcess[str] | None]
) -> None:
    done = outcomes[name]
    if done is None:
        pytest.fail(f"{name}: the import did not finish within {TIMEOUT_S} s")
    assert done.returncode == 0, f"{name}: crashed (status {done.returncode})\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["scan_ok"] and result.get("plan"):
        return  # loaded and calibrated
    # refused: at least one error that names the file and says something
    errors = [p for p, s in zip(result["problems"], result["severities"], strict=True) if s == "error"]
    assert errors, f"{name}: neither loaded nor refused with a problem: {result}"
    assert all(name in p and len(p) > len(name) + 20 for p in errors), errors
