"""`videoassist finetune --data DIR|FILE --output DIR`: your clips → a LoRA fine-tuned checkpoint.

DATA is a folder of clips with captions.csv (video,caption) or captions.jsonl (or its only .csv/.jsonl file),
such a captions file, or a Valley JSON file (such as `python -m data_tools import-clips` writes). Video paths in
DATA are relative to its folder unless --video-root says otherwise. The result loads with `videoassist ask
--model OUTPUT`. --base may also be one of transformers' video LLMs (a hub id or folder: Qwen2-VL, LLaVA-OneVision,
SmolVLM, ...): LoRA adapters train on its LLM (vision frozen) and OUTPUT holds them with its processor. Running it again with the same --output continues from its last checkpoint.
"""

import argparse

from videoassist.cli._common import positive


def register(subparsers):
    parser = subparsers.add_parser(
        "finetune",
        help="fine-tune a model on your own clips (LoRA)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", required=True, help="folder of clips with captions.csv/.jsonl, or a data file")
    parser.add_argument("--output", required=True, help="folder for the fine-tuned checkpoint")
    parser.add_argument("--video-root", help="folder the video paths in DATA are relative to (default: the folder "
                        "of the data file; give it for a Valley JSON made elsewhere)")
    parser.add_argument("--base", default="demo", help="model to start from: demo, a checkpoint folder, or a transformers video LLM "
                        "(hub id or folder)")
    parser.add_argument("--epochs", type=positive(float), default=3.0, help="passes over the data (default 3)")
    parser.add_argument("--lr", type=positive(float), default=2e-4, help="learning rate (default 2e-4)")
    parser.add_argument("--batch-size", type=positive(int), default=4, help="clips per step (default 4)")
    parser.add_argument("--max-steps", type=positive(int), help="stop after this many steps (overrides --epochs)")
    parser.add_argument("--frames", type=positive(int), help="frames sampled per clip (default: the base's)")
    parser.add_argument("--full", action="store_true", help="train the whole LLM instead of LoRA adapters")
    parser.set_defaults(func=run)


def run(args) -> int:
    import logging

    from videoassist.training.finetune import finetune

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    finetune(
        args.data,
        args.output,
        base=args.base,
        video_root=args.video_root,
        epochs=args.epochs,
        learning_rate=args.lr,
        batch_size=args.batch_size,
        max_steps=args.max_steps or -1,
        lora=not args.full,
        num_frames=args.frames,
    )
    print(f"fine-tuned model: {args.output}  (try: videoassist ask VIDEO \"question\" --model {args.output})")
    return 0
