"""`videoassist` command: every other public module of videoassist.cli is one sub-command (`_name`: helpers).

Each sub-module defines `register(subparsers)`, which adds its parser and sets `func`. Sub-modules import heavy
libraries (torch, transformers) inside their functions, so `videoassist frames` starts fast.
"""

import argparse
import os
import pkgutil
import sys

# Before torch loads OpenMP: idle OpenMP threads sleep instead of spinning. On a shared CPU this doubled LLM decode
# when another process held one of two cores, and cost nothing on a quiet one (docs/BENCHMARKS.md). A value the
# user set is kept; sub-processes (the Streamlit app, DeepSpeed ranks) inherit it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import videoassist.cli  # noqa: E402
from videoassist.cli._common import command_parser, run_command  # noqa: E402

# The user's surface first, in this order; any other command module after them, alphabetically.
FIRST = ["ask", "caption", "app", "frames", "train", "finetune", "merge", "eval"]


def command_names() -> list[str]:
    found = {m.name for m in pkgutil.iter_modules(videoassist.cli.__path__) if not m.name.startswith("_")} - {"main"}
    return [n for n in FIRST if n in found] + sorted(found - set(FIRST))


def build_parser() -> argparse.ArgumentParser:
    return command_parser("videoassist", "Ask about videos, caption them, fine-tune.",
                          [f"videoassist.cli.{name}" for name in command_names()])


def main(argv=None) -> int:
    return run_command(build_parser().parse_args(argv), "videoassist")


if __name__ == "__main__":
    sys.exit(main())
