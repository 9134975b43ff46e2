"""Funnel planner: ``python main.py`` opens the desktop app; commands
(``calc`` ...) run on the command line. ``python main.py --help`` lists them."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from core.cli import build_parser, run

    args = build_parser().parse_args(argv)
    if args.command is not None:
        return run(args)
    print("The desktop planner is not built yet; use `python main.py calc` for now.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
