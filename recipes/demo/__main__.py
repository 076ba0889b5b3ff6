"""`python -m recipes.demo STEP`: the demo model's recipe, step by step (train_demo.sh runs them in order).

    data            the synthetic worlds and the cached training frames
    vision          stage 0: the vision tower and its probes
    check           the stage-0 tower on held-out clips
    build           the VideoAssist model on the stage-0 tower and Gemma
    align           stage 1: the `objects` read-out
    release         stage 2's checkpoint (videoassist train recipes/demo/configs/instruct.yaml) → the shipped folder
    teacher-forced  a cheap accuracy of a checkpoint;   bench: stage-0 step timing
Commands of the project's own machinery (videoassist.cli): an error is one line, `--debug` shows the traceback.
"""

from __future__ import annotations

import sys

from videoassist.cli import command_parser, run_command

COMMAND_MODULES = [
    "recipes.demo.steps",  # data, vision, check, align
    "recipes.demo.build",
    "recipes.demo.release",
    "recipes.demo.teacher_forced",
    "recipes.demo.bench",
]


def main(argv: list[str] | None = None) -> int:
    parser = command_parser("python -m recipes.demo", __doc__.split("\n")[0], COMMAND_MODULES)
    return run_command(parser.parse_args(argv), "recipes.demo")


if __name__ == "__main__":
    sys.exit(main())
