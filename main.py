"""Funnel planner: ``python main.py`` opens the desktop app (optionally on a
plan file); commands (``calc``, ``import``, ``export``, ``convert``) run on
the command line; ``--selftest`` checks an installation end to end.
``python main.py --help`` lists everything."""

from __future__ import annotations

import sys
import time

_STARTED = time.perf_counter()
_COMMANDS = ("calc", "import", "export", "convert")
_CLI_OPTIONS = ("-h", "--help", "--version")


def main(argv: list[str]) -> int:
    first = argv[0] if argv else ""
    if first == "--selftest":
        import gui  # noqa: F401 - the PySide6 workaround, before any Qt call
        from gui.selftest import run_selftest

        return run_selftest()
    if first in _COMMANDS or first in _CLI_OPTIONS:
        from cli.commands import build_parser, run

        return run(build_parser().parse_args(argv))
    # no command: the desktop planner, optionally opening a plan file
    from gui.app import run as run_app

    return run_app(argv, _STARTED)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
