"""Recovery files: the unsaved work of one running planner on one document,
kept so that it can be offered again after a crash.

Every running planner (an *instance*) has an id made of its process id and a
random part; its recovery file for a document is named
``<instance>-<document key>.json`` in the recovery folder, so two planners
never write over each other's work. A recovery file records the document's
path, how the document file looked on disk when it was last opened or saved
(its :class:`FileStamp`), the instance and when it was written. Whether the
instance that wrote a file is still running is decided by the desktop app
(a lock file per instance); this module only names, writes, reads and judges
the files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.formats.plan_json import read_plan_dict, scenario_to_dict
from core.model.plan import Plan

RECOVERY_FORMAT = "funnel-planner-recovery/2"
TEMPORARY_PREFIX = ".writing-"
_FILE_NAME = re.compile(r"^(?P<instance>\d+-[0-9a-f]{8})-(?P<key>[0-9a-f]{12}|untitled)\.json$")


def new_instance_id(pid: int | None = None) -> str:
    """A running planner's id: its process id and 8 random hex digits."""
    return f"{os.getpid() if pid is None else pid}-{secrets.token_hex(4)}"


def document_key(document: Path | None) -> str:
    """A short name for a document's path (``untitled`` for a new plan)."""
    if document is None:
        return "untitled"
    text = os.path.normcase(str(Path(document).absolute()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def recovery_file_name(instance: str, document: Path | None) -> str:
    return f"{instance}-{document_key(document)}.json"


def lock_file_name(instance: str) -> str:
    return f"{instance}.lock"


def instance_of(file: Path) -> str | None:
    """The instance that wrote a recovery file (None: not a recovery file's name)."""
    match = _FILE_NAME.match(Path(file).name)
    return match.group("instance") if match else None


@dataclass(frozen=True)
class FileStamp:
    """How a file looked on disk: changed when it is saved again."""

    mtime_ns: int
    size: int

    @classmethod
    def of(cls, path: Path | None) -> FileStamp | None:
        """The file's stamp now (None when there is no such file)."""
        if path is None:
            return None
        try:
            info = Path(path).stat()
        except OSError:
            return None
        return cls(info.st_mtime_ns, info.st_size)


@dataclass(frozen=True)
class Recovery:
    """The unsaved document of one instance, as written to its recovery file."""

    document: Path | None
    scenarios: tuple[tuple[str, Plan], ...]
    active: int
    base: FileStamp | None
    instance: str
    written: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": RECOVERY_FORMAT,
            "document": str(self.document) if self.document is not None else None,
            "base": None if self.base is None else {"mtime_ns": self.base.mtime_ns, "size": self.base.size},
            "instance": self.instance,
            "pid": int(self.instance.split("-", 1)[0]),
            "written": self.written,
            "active": self.active,
            "scenarios": [scenario_to_dict(name, plan) for name, plan in self.scenarios],
        }


def make_recovery(
    document: Path | None,
    scenarios: tuple[tuple[str, Plan], ...],
    active: int,
    base: FileStamp | None,
    instance: str,
) -> Recovery:
    """A recovery of the document as it is now."""
    return Recovery(document, scenarios, active, base, instance, time.time())


def write_recovery(folder: Path, recovery: Recovery) -> Path:
    """Write the instance's recovery file for the document; its path.

    Written to a temporary file renamed over the last one, so a crash while
    writing leaves the previous version whole. Not fsynced, unlike a saved
    plan (:func:`core.formats.files.atomic_write`): the file is a net for a crash of
    the planner, which the system's cache survives, and syncing the disk a
    few seconds after every pause in typing would stall the window for tens
    of milliseconds."""
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / recovery_file_name(recovery.instance, recovery.document)
    temporary = folder / f"{TEMPORARY_PREFIX}{file.name}.{secrets.token_hex(4)}.tmp"
    try:
        temporary.write_text(json.dumps(recovery.to_dict(), allow_nan=False), encoding="utf-8")
        os.replace(temporary, file)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return file


def remove_stale_temporaries(folder: Path, older_than: float = 60.0) -> None:
    """Remove the temporary files of writes cut short by a crash."""
    now = time.time()
    try:
        for file in Path(folder).glob(f"{TEMPORARY_PREFIX}*.tmp"):
            if now - file.stat().st_mtime > older_than:
                file.unlink(missing_ok=True)
    except OSError:
        pass


def _stamp(raw: object) -> FileStamp | None:
    if not isinstance(raw, dict):
        return None
    return FileStamp(int(raw["mtime_ns"]), int(raw["size"]))


def read_recovery(file: Path) -> Recovery | None:
    """The recovery in a file (None when it is unreadable or not one)."""
    try:
        data = json.loads(Path(file).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != RECOVERY_FORMAT:
            return None
        scenarios: list[tuple[str, Plan]] = []
        for item in data["scenarios"]:
            plan, _ = read_plan_dict(item["plan"])
            if plan is not None:
                scenarios.append((str(item["name"]), plan))
        if not scenarios:
            return None
        document = Path(data["document"]) if data.get("document") else None
        active = int(data.get("active", 0))
        return Recovery(
            document,
            tuple(scenarios),
            active if 0 <= active < len(scenarios) else 0,
            _stamp(data.get("base")),
            str(data["instance"]),
            float(data["written"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def recovery_files(folder: Path) -> list[Path]:
    """Every recovery file in the folder, the most recently written first."""
    try:
        found = [f for f in Path(folder).iterdir() if instance_of(f) is not None and f.is_file()]
    except OSError:
        return []

    def written(file: Path) -> float:
        try:
            return file.stat().st_mtime
        except OSError:
            return 0.0

    return sorted(found, key=written, reverse=True)


def saved_since(recovery: Recovery) -> bool:
    """Whether the document file was saved after the recovered changes were
    made: it no longer looks as it did when the changes started from it (or,
    when it did not exist then, it was written after the recovery). Such a
    recovery is older than the file and must not be offered."""
    if recovery.document is None:
        return False
    now = FileStamp.of(recovery.document)
    if now is None:
        return False  # the file is gone: the recovered work is all there is
    if recovery.base is None:
        return now.mtime_ns > int(recovery.written * 1e9)
    return now != recovery.base
