"""`videoassist convert valley|llamavid SRC --output DIR`: a released original checkpoint → a VideoAssist one."""


def register(subparsers):
    from videoassist.convert import KINDS

    parser = subparsers.add_parser(
        "convert",
        help="convert a downloaded original checkpoint (Valley v1) into a VideoAssist checkpoint (safetensors)",
    )
    parser.add_argument("kind", choices=KINDS, help="which original release SRC is")
    parser.add_argument("source", help="the original checkpoint folder (config.json, weights, tokenizer)")
    parser.add_argument("--output", required=True, help="a new or empty folder for the converted checkpoint")
    parser.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path

    from videoassist.convert import convert
    from videoassist.errors import ModelError

    output = Path(args.output)
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise ModelError(f"{output}: exists and is not an empty folder")
    if not Path(args.source).is_dir():
        raise ModelError(f"{args.source}: not a folder")
    convert(args.kind, args.source, output)
    print(f"converted {args.kind} checkpoint: {output}")
    return 0
