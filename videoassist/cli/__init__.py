"""`videoassist` command: every other public module of videoassist.cli is one sub-command (`_name`: helpers).

Each sub-module defines `register(subparsers)`, which adds its parser and sets `func`. Sub-modules import heavy
libraries (torch, transformers) inside their functions, so `videoassist frames` starts fast.

The command machinery is shared with the commands outside the library (`python -m data_tools`, the demo recipe's
`python -m recipes.demo`), which import it from here: `command_parser` builds a command from its modules,
`run_command` runs it and prints a VideoAssistError as one line, `positive` is an argparse type.
"""

from videoassist.cli._common import command_parser, positive, run_command

__all__ = ["command_parser", "positive", "run_command"]
