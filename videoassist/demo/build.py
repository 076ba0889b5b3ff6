"""The start of stage 1: a VideoAssist model on the stage-0 tower (stored in the checkpoint) and Gemma 3 270M.

`build_from_base_models` makes the model; then the tower's reference is dropped, so every checkpoint of the
demo carries its tower's weights (a few MB) instead of pointing at a folder of this machine, while Gemma stays a
reference (to the converted folder of `gemma_folder()`).

    python -m videoassist.demo.build --tower outputs/demo/vision --out outputs/demo/base [--token-mode valley_v1]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import VideoAssistError
from ..models.videoassist import build_from_base_models
from .gemma import gemma_folder
from .settings import load_settings


def build_demo_model(stage0: Path, **architecture):
    """→ (model, processor) on the stage-0 result folder `stage0` (tower/ + settings.yaml) and Gemma."""
    settings = load_settings(Path(stage0) / "settings.yaml")
    grid = settings.tower.grid(settings.frames.image_size)
    fields = {"select_layer": settings.tower.select_layer, "vision_grid": grid, **architecture}
    model, processor = build_from_base_models(str(Path(stage0) / "tower"), str(gemma_folder()), **fields)
    model.config.vision_name_or_path = None  # stored, not referenced: the tower travels with the checkpoint
    return model, processor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m videoassist.demo.build", description=__doc__.split("\n")[0])
    parser.add_argument("--tower", type=Path, required=True, help="stage-0 result folder (tower/, settings.yaml)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--token-mode", default="valley_v1")
    parser.add_argument("--projector", default="mlp2x_gelu")
    args = parser.parse_args(argv)
    if (args.out / "config.json").is_file():
        print(f"{args.out}: already built")
        return 0
    try:
        model, processor = build_demo_model(args.tower, token_mode=args.token_mode, projector_type=args.projector)
    except VideoAssistError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    partial = args.out.with_name(args.out.name + ".partial")
    model.save_pretrained(partial)
    processor.save_pretrained(partial)
    partial.rename(args.out)
    print(f"{args.out}: {model.config.num_visual_tokens(processor.sampling.num_frames)} visual tokens per video")
    return 0


if __name__ == "__main__":
    sys.exit(main())
