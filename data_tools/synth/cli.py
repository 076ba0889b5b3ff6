"""`python -m data_tools synth`: make a synthetic dataset (see data_tools.synth.generate for the layout)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from data_tools.synth.vocabulary import LANGUAGES
from data_tools.synth.world import WorldSettings
from videoassist.cli import positive

DEFAULT_WORLD = WorldSettings()


def _languages(text: str) -> tuple[str, ...]:
    languages = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = set(languages) - set(LANGUAGES)
    if not languages or unknown:
        raise argparse.ArgumentTypeError(f"expected a comma-separated subset of {','.join(LANGUAGES)}, got {text!r}")
    return languages


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "synth", help="make synthetic clips with ground truth, captions and questions",
        description="Render clips of moving coloured shapes with exact ground truth and write Valley-format "
                    "pretraining, instruction and eval JSON (splits train/val/test/compositional).")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--n", type=positive(int), required=True, help="clips in train+val+test (split 80/10/10)")
    parser.add_argument("--seed", type=int, default=0, help="everything is a function of this (default 0)")
    parser.add_argument("--lang", type=_languages, default=LANGUAGES, help="languages of the records (default en,zh)")
    parser.add_argument("--n-compositional", type=int, default=None,
                        help="clips in the compositional split (default n // 10)")
    parser.add_argument("--min-size", type=int, default=DEFAULT_WORLD.min_size,
                        help=f"smallest frame side in pixels (default {DEFAULT_WORLD.min_size})")
    parser.add_argument("--max-size", type=int, default=DEFAULT_WORLD.max_size,
                        help=f"largest frame side in pixels (default {DEFAULT_WORLD.max_size})")
    parser.add_argument("--renderer", choices=("default", "variant"), default="default",
                        help="how clips are drawn and encoded: default, or variant, an independent renderer for "
                             "evaluation only (data_tools/synth/render_variant.py)")
    parser.add_argument("--phrasing", choices=("default", "variant"), default="default",
                        help="how questions are worded: default, or variant, other templates with the same answers, "
                             "for evaluation only (data_tools/synth/phrasing_variant.py)")
    parser.add_argument("--workers", type=positive(int), default=1, help="processes rendering clips (default 1)")
    parser.add_argument("--overwrite", action="store_true", help="replace a dataset already in --out")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run, usage_error=parser.error)


def run(args: argparse.Namespace) -> int:
    from data_tools.synth.generate import RENDERERS, SynthConfig, generate  # PyAV, PIL, tqdm: only when run

    try:
        world = WorldSettings(min_size=args.min_size, max_size=args.max_size)
        style, encoder = RENDERERS[args.renderer]
        config = SynthConfig(out=args.out, n=args.n, seed=args.seed, languages=args.lang,
                             n_compositional=args.n_compositional, workers=args.workers,
                             overwrite=args.overwrite, world=world, style=style, encoder=encoder,
                             phrasing=args.phrasing)
    except ValueError as error:
        args.usage_error(str(error))  # exits with status 2, like any other bad argument
    start = time.perf_counter()
    manifest = generate(config, progress=not args.quiet)
    splits = ", ".join(f"{name} {counts['clips']}" for name, counts in manifest["splits"].items())
    print(f"wrote {sum(c['clips'] for c in manifest['splits'].values())} clips ({splits}) to {args.out} "
          f"in {time.perf_counter() - start:.1f} s")
    return 0
