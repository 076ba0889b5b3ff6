"""`videoassist train CONFIG.yaml`: stage 1 (pretrain) or stage 2 (instruct, full or LoRA) with the HF Trainer.

Resuming is automatic: when output_dir holds a complete checkpoint-N from an earlier run, training continues
from the last one (optimizer, scheduler, data position, global step). `--resume PATH` picks a checkpoint,
`--resume never` refuses to start over in a folder that has checkpoints. Several processes: run this command under
`deepspeed` or `torchrun` (scripts/pretrain.sh, scripts/instruct.sh).
"""

import argparse


def register(subparsers):
    parser = subparsers.add_parser(
        "train",
        help="train a model from a YAML config (stage 1 pretrain / stage 2 instruct)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("config", help="YAML training config (see configs/)")
    parser.add_argument("--deepspeed", help="DeepSpeed JSON config (scripts/zero2.json, …); overrides the config's")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a setting, e.g. --set training.max_steps=100 --set output_dir=runs/x (repeatable)",
    )
    parser.add_argument("--video-root", help="folder the video paths of the config's JSON datasets are relative to "
                        "(overrides their video_root; default: each JSON file's folder)")
    parser.add_argument(
        "--resume",
        default="auto",
        metavar="auto|never|PATH",
        help="auto (default): continue from the last checkpoint in output_dir; never; or a checkpoint folder",
    )
    parser.set_defaults(func=run)


def run(args) -> int:
    import logging

    from videoassist.training.config import load_config
    from videoassist.training.trainer import train

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    overrides = [*args.overrides, *([f"deepspeed={args.deepspeed}"] if args.deepspeed else [])]
    config = load_config(args.config, overrides)
    if args.video_root:
        for spec in config.data:
            spec.video_root = args.video_root
    train(config, resume=None if args.resume == "never" else args.resume)
    return 0
