"""Recalculate workbooks with LibreOffice headless (for tests).

``recalculate(paths, outdir)`` converts each ``.xlsx`` to ``.xlsx`` in a
fresh, throw-away LibreOffice profile in which "recalculate on load" is
forced for OOXML and ODF files, so every formula is computed by LibreOffice
and the cached values in the output are LibreOffice's, not the writer's.
Several files go through one LibreOffice start (it is slow to start).

Use ``soffice_path()`` to skip a test when LibreOffice is not installed.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

# /org.openoffice.Office.Calc/Formula/Load: 0 = always recalculate, 1 = never, 2 = ask
_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice_path() -> str | None:
    """The LibreOffice executable on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(paths: Sequence[Path], outdir: Path, timeout: float = 180.0) -> list[Path]:
    """Open each workbook in LibreOffice, recalculate every formula, save
    it as ``outdir/<same name>``; returns the output paths.

    ``outdir`` must not be the folder of an input (LibreOffice would write
    over it). Raises ``RuntimeError`` with LibreOffice's output when a file
    was not produced.
    """
    exe = soffice_path()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not on PATH")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    inputs = [Path(p).resolve() for p in paths]
    if any(p.parent == outdir.resolve() for p in inputs):
        raise ValueError("outdir must differ from the folders of the inputs")
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE, encoding="utf-8")
        command = [
            exe,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(outdir),
            *(str(p) for p in inputs),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    outputs = [outdir / p.name for p in inputs]
    missing = [p for p in outputs if not p.exists()]
    if missing:
        raise RuntimeError(
            f"LibreOffice did not write {', '.join(map(str, missing))} (exit {done.returncode}):\n"
            f"{done.stdout}\n{done.stderr}"
        )
    return outputs
