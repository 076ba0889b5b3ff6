"""`videoassist convert valley|llamavid SRC --output DIR`: a released original checkpoint → a VideoAssist one."""


def register(subparsers):
    from videoassist.convert import KINDS

    parser = subparsers.add_parser(
        "convert",
        help="convert a downloaded original checkpoint (Valley v1, LLaMA-VID) into a VideoAssist checkpoint "
        "(safetensors)",
    )
    parser.add_argument("kind", choices=KINDS, help="which original release SRC is")
    parser.add_argument("source", help="the original checkpoint folder (config.json, weights, tokenizer)")
    parser.add_argument("--output", required=True, help="a new or empty folder for the converted checkpoint")
    parser.add_argument("--vision-tower", help="llamavid: LAVIS's eva_vit_g.pth (default: SRC/eva_vit_g.pth)")
    parser.add_argument("--qformer-tokenizer", default="bert-base-uncased",
                        help="llamavid: the Q-Former's tokenizer, a hub id or folder (default: bert-base-uncased)")
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
    options = {}
    if args.kind == "llamavid":
        options = {"vision_tower": args.vision_tower, "qformer_tokenizer": args.qformer_tokenizer}
    elif args.vision_tower:
        raise ModelError(f"--vision-tower is for llamavid; {args.kind} checkpoints hold their tower")
    convert(args.kind, args.source, output, **options)
    print(f"converted {args.kind} checkpoint: {output}")
    return 0
