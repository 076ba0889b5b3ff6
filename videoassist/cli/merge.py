"""`videoassist merge CKPT --output DIR`: fold LoRA adapters into the LLM and write a standalone checkpoint."""


def register(subparsers):
    parser = subparsers.add_parser(
        "merge",
        help="write a standalone checkpoint: LoRA folded in, every weight included, no base-model references",
    )
    parser.add_argument("checkpoint", help="checkpoint folder (with or without a LoRA adapter)")
    parser.add_argument("--output", required=True, help="folder for the standalone checkpoint")
    parser.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path

    from videoassist.checkpoints.merge import merge_checkpoint
    from videoassist.errors import ModelError

    if Path(args.output).resolve() == Path(args.checkpoint).resolve():
        raise ModelError(f"{args.output}: the output must be another folder than the checkpoint")
    merge_checkpoint(args.checkpoint, args.output)
    print(f"standalone checkpoint: {args.output}")
    return 0
