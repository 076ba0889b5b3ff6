"""What every command line of the project shares: `videoassist`, `python -m data_tools` and the demo recipe's
`python -m recipes.demo` are each `command_parser` over their command modules, run by `run_command`, the one
place an error is printed."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable

from videoassist.cli._quiet import quiet_libraries
from videoassist.errors import VideoAssistError
from videoassist.precisions import DEFAULT_PRECISION, PRECISIONS


def positive(kind: type):
    """argparse type: a number of `kind` (int or float) greater than zero."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    return parse


PRECISION_HELP = (
    "the LLM's weights for answering: fp32, bf16, int8 or int4 (CPU only: packed low-bit kernels for every "
    "linear layer of the LLM and its LM head, bf16 activations), or auto: on a CPU int8 (else int4) where its "
    "kernel runs, elsewhere the checkpoint's own dtype (default: %(default)s; docs/BENCHMARKS.md, issue 16)"
)


def add_precision_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--precision", choices=PRECISIONS, default=DEFAULT_PRECISION, help=PRECISION_HELP)


def add_device_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", help="where the model runs, e.g. cuda (default: cpu)")


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """--model, --device and --precision: the commands that load a model for answers (ask, caption, eval)."""
    parser.add_argument("--model", default="demo", help="demo, a checkpoint folder or a Hugging Face hub id")
    add_device_argument(parser)
    add_precision_argument(parser)


def command_parser(prog: str, description: str, modules: Iterable[str]) -> argparse.ArgumentParser:
    """The parser of a command with sub-commands: --debug, and one sub-command per module of `modules`, added by
    the module's `register(subparsers)` (which sets `func`, called with the parsed arguments, returning the exit
    status). Modules import heavy libraries inside `func`, so `--help` stays fast."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback on errors, and every library warning and notice")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in modules:
        importlib.import_module(name).register(subparsers)
    return parser


def run_command(args: argparse.Namespace, prog: str) -> int:
    """Run the chosen sub-command: a VideoAssistError is one line on stderr and exit 1. --debug: libraries'
    notices and warnings are shown, and the traceback of an error."""
    if not args.debug:
        quiet_libraries()
    try:
        return args.func(args) or 0
    except VideoAssistError as error:
        if args.debug:
            raise
        print(f"{prog} {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
