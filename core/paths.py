"""Where the bundled resources are: the one module that knows PyInstaller's
frozen layout (``sys._MEIPASS``) as well as the source checkout's."""

from __future__ import annotations

import sys
from pathlib import Path


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def app_root() -> Path:
    """The folder holding ``resources/`` (bundle dir, or the checkout)."""
    if is_frozen():
        return Path(sys._MEIPASS)  # type: ignore[attr-defined]
    return Path(__file__).resolve().parent.parent


def resource(*parts: str) -> Path:
    """Path of a bundled resource, e.g. ``resource("example_plan.json")``."""
    return app_root().joinpath("resources", *parts)


def example_plan_path() -> Path:
    """The embedded default plan every command uses when given none."""
    return resource("example_plan.json")
