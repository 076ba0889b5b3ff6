"""`python -m data_tools <command>`: dataset tools, one module per command.

Each module in COMMAND_MODULES defines `register(subparsers)`, which adds its sub-parser and sets `func`
(called with the parsed arguments; returns the exit status). A new command is a new module and one line
here. Modules import their heavy dependencies inside `func`, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from videoassist.cli._common import run_command

COMMAND_MODULES = [
    "data_tools.synth.cli",
    "data_tools.validate",
    "data_tools.import_clips",
    "data_tools.shard",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m data_tools", description="Dataset tools for videoassist.")
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser().parse_args(argv), "data_tools")


if __name__ == "__main__":
    sys.exit(main())
