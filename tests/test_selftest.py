"""`main.py --selftest` passes on a working installation and fails loudly
on a broken one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _selftest(env_extra: dict[str, str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(home), "XDG_CONFIG_HOME": str(home), **env_extra}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--selftest"], capture_output=True, text=True, timeout=120, env=env
    )


@pytest.mark.gui
def test_selftest_passes_on_this_installation(tmp_path: Path) -> None:
    proc = _selftest({}, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok  main window on the example plan" in proc.stdout
    assert "ok  budget-request export and read-back" in proc.stdout
    assert "self-test passed" in proc.stdout


@pytest.mark.gui
def test_selftest_reports_a_failed_step(monkeypatch: pytest.MonkeyPatch) -> None:
    import gui.selftest

    def broken_export(plan: object, path: Path) -> None:
        path.write_bytes(b"")  # an export that writes an empty file

    monkeypatch.setattr(gui.selftest, "write_budget_request", broken_export)
    lines: list[str] = []
    assert gui.selftest.run_selftest(lines.append) == 1
    assert any(line.startswith("  ok  main window") for line in lines)
    assert any("FAILED" in line for line in lines)
    assert not any("self-test passed" in line for line in lines)
