"""`python -m data_tools <command>`: dataset tools, one module per command.

Each module in COMMAND_MODULES defines `register(subparsers)`, which adds its sub-parser and sets `func`
(called with the parsed arguments; returns the exit status): the `videoassist` command's machinery
(videoassist.cli.command_parser), whose `run_command` prints errors as every command does. A new command is a
new module and one line here. Modules import their heavy dependencies inside `func`, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import sys

from videoassist.cli import command_parser, run_command

COMMAND_MODULES = [
    "data_tools.synth.cli",
    "data_tools.validate",
    "data_tools.import_clips",
    "data_tools.shard",
    "data_tools.real_clips",
]


def build_parser() -> argparse.ArgumentParser:
    return command_parser("python -m data_tools", "Dataset tools for videoassist.", COMMAND_MODULES)


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser().parse_args(argv), "data_tools")


if __name__ == "__main__":
    sys.exit(main())
