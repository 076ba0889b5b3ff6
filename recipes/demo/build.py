"""The start of stage 1: a VideoAssist model on the stage-0 tower (stored in the checkpoint) and Gemma 3 270M.

`videoassist.build` makes the model; then the tower's reference is dropped, so every checkpoint of the demo carries
its tower's weights (a few MB) instead of pointing at a folder of this machine, while Gemma stays a reference (to
the converted folder of `gemma_folder()`).

The `objects` token mode starts from what is known: its cell classifier is the stage-0 cell probe of the
(shape, colour) pair and of the centre's offset, and its projector maps each visual word of the model's stored
vocabulary (visual_words.VOCABULARY) to Gemma's embedding of that English word, so its tokens begin as soft text.

    python -m recipes.demo build --tower outputs/demo/vision --out outputs/demo/base [--token-mode objects]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from safetensors.torch import load_file

from videoassist.checkpoints.atomic import atomic_write
from videoassist.checkpoints.gemma import gemma_folder
from videoassist.errors import ModelError
from videoassist.models.videoassist import build
from .settings import load_settings
from .visual_words import ARCHITECTURE


def build_demo_model(stage0: Path, **architecture):
    """→ (model, processor) on the stage-0 result folder `stage0` (tower/ + settings.yaml) and Gemma."""
    settings = load_settings(Path(stage0) / "settings.yaml")
    grid = settings.tower.grid(settings.frames.image_size)
    fields = {"select_layer": settings.tower.select_layer, "vision_grid": grid, **architecture}
    model, processor = build(str(Path(stage0) / "tower"), str(gemma_folder()), **fields)
    model.config.vision_name_or_path = None  # stored, not referenced: the tower travels with the checkpoint
    if model.config.token_mode == "objects":
        init_object_tokens(model, processor.tokenizer, Path(stage0) / "probes.safetensors")
    return model, processor


@torch.no_grad()
def init_object_tokens(model, tokenizer, probes_file: Path) -> None:
    """The cell classifier from the stage-0 probes; the projector from Gemma's embeddings of the visual words (each
    with its leading space, as the word reads inside a sentence)."""
    probes = load_file(str(probes_file))
    builder = model.token_builder
    for name, probe in (("cell_class", "cell_pair"), ("cell_offset", "cell_offset")):
        getattr(builder, name).weight.copy_(probes[f"{probe}.weight"])
        getattr(builder, name).bias.copy_(probes[f"{probe}.bias"])
    words = [f" {word}" for word in model.config.token_builder_config.words]
    ids = [tokenizer.convert_tokens_to_ids(tokenizer.tokenize(word)) for word in words]
    split = [word for word, piece in zip(words, ids) if len(piece) != 1]
    if split:
        raise ModelError(f"{tokenizer.name_or_path}: visual words that are not one token of this LLM: {split}")
    embeddings = model.get_input_embeddings()(torch.tensor([piece[0] for piece in ids]))  # scaled as Gemma scales
    model.projector.weight.copy_(embeddings.T)
    model.projector.bias.zero_()


def register(subparsers) -> None:
    parser = subparsers.add_parser("build", help="the VideoAssist model on the stage-0 tower and Gemma",
                                   description=__doc__.split("\n")[0])
    parser.add_argument("--tower", type=Path, required=True, help="stage-0 result folder (tower/, settings.yaml)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--token-mode", default="objects",
                        help="objects (the demo's), or valley_v1 / valley_v2 / valley_v3 / llamavid for ablations")
    parser.add_argument("--projector", default="mlp2x_gelu", help="projector of the other token modes")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if (args.out / "config.json").is_file():
        print(f"{args.out}: already built")
        return 0
    architecture = (ARCHITECTURE if args.token_mode == "objects"
                    else {"token_mode": args.token_mode, "projector_type": args.projector})
    model, processor = build_demo_model(args.tower, **architecture)
    with atomic_write(args.out) as partial:
        model.save_pretrained(partial)
        processor.save_pretrained(partial)
    print(f"{args.out}: {model.config.num_visual_tokens(processor.sampling.num_frames)} visual tokens per video")
    return 0
