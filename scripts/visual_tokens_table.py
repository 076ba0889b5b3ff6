"""Write docs/VISUAL_TOKENS.md: visual tokens per video for each token mode and frame count.

Counts come from `VideoAssistConfig.num_visual_tokens`, the same function the processor uses to expand `<video>`,
for Valley's vision tower (CLIP ViT-L/14 at 224 px: a 16×16 patch grid). No weights are needed.

    python scripts/visual_tokens_table.py [--out docs/VISUAL_TOKENS.md]
"""

import argparse
import json
from pathlib import Path

from transformers import CLIPVisionConfig

from videoassist.checkpoints.demo import DEMO_MODEL
from videoassist.models.videoassist import VideoAssistConfig

FRAME_COUNTS = (8, 16, 64, 3600)
MODES = [  # (token mode, its token_builder_config, what the row says about it)
    ("valley_v1", {}, ""),
    ("valley_v2", {}, ""),
    ("valley_v3", {}, ""),
    ("llamavid", {"content_pool": "mean"}, " (mean)"),
    ("llamavid", {"content_pool": "grid:2"}, " (grid:2)"),
    ("llamavid", {"content_pool": "grid:4"}, " (grid:4)"),
    # the released demo's settings, its vocabulary among them (the vocabulary's size does not change the count)
    ("objects", json.loads((DEMO_MODEL / "config.json").read_text())["token_builder_config"], ""),
]


def table() -> str:
    vision = CLIPVisionConfig(
        hidden_size=1024, intermediate_size=4096, num_attention_heads=16, num_hidden_layers=24, image_size=224, patch_size=14
    )
    header = "| token mode | " + " | ".join(f"{n} frames" for n in FRAME_COUNTS) + " |"
    rows = [header, "|---" * (len(FRAME_COUNTS) + 1) + "|"]
    for mode, settings, note in MODES:
        config = VideoAssistConfig(vision_config=vision.to_dict(), token_mode=mode, token_builder_config=settings)
        rows.append(f"| {mode}{note} | " + " | ".join(f"{config.num_visual_tokens(n):,}" for n in FRAME_COUNTS) + " |")
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=Path(__file__).resolve().parent.parent / "docs" / "VISUAL_TOKENS.md")
    args = parser.parse_args()
    text = (
        "# Visual tokens per video\n\n"
        "Written by `python scripts/visual_tokens_table.py`; do not edit by hand.\n\n"
        "Vision tower as in Valley: CLIP ViT-L/14 at 224 px, a 16×16 = 256 patch grid. Valley modes give the 256\n"
        "time-pooled patch tokens plus one CLS token per frame; LLaMA-VID gives per frame one context token and\n"
        "1 (`mean`) or N² (`grid:N`) content tokens, so an hour at 1 fps (3600 frames) fits a long-context LLM.\n"
        "In a multi-turn LLaMA-VID chat every further question adds one context token per frame.\n"
        "`objects` (the demo's) gives a count token and 5 tokens per object slot (3 slots), whatever the frames.\n"
        "Each count is the token builder's own `visual_block_sizes` ([TOKEN_BUILDERS.md](TOKEN_BUILDERS.md)).\n\n"
        f"{table()}\n"
    )
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
