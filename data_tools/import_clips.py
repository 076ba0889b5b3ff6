"""`python -m data_tools import-clips DIR --captions FILE --out FILE.json`: a folder of clips → Valley JSON.

The captions file is a CSV with columns `video,caption`, or JSON Lines with `video` and either `caption` or
`conversations` (Valley turns `{"from", "value"}` or messages `{"role", "content"}`). Video paths are relative to
DIR, or absolute. A caption becomes a Valley pretraining record: a caption request ("Describe this video.", or
its Chinese form when the caption is Chinese; see --prompt-lang) answered by the caption. The output's video
paths are relative to the output file's own folder (e.g. ../clips/a.mp4), so `videoassist finetune`, `train` and
`python -m data_tools validate` read it as it is, with no video root. A clip that does not exist, or a row that
cannot be used, is reported on stderr (one line each, naming the file) and skipped.
Exit status: 0 when every row was imported, 1 when any was skipped (the output is written all the same).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers) -> None:
    from videoassist.data.captions import PROMPT_LANGUAGES

    parser = subparsers.add_parser(
        "import-clips", help="turn a folder of clips and their captions into Valley-format JSON",
        description=__doc__.split("\n", 2)[2], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="folder of video clips")
    parser.add_argument("--captions", type=Path, required=True, help="captions.csv (video,caption) or a .jsonl")
    parser.add_argument("--out", type=Path, required=True, help="Valley JSON file to write")
    parser.add_argument("--prompt-lang", choices=PROMPT_LANGUAGES, default="auto",
                        help="language of the caption request (auto: Chinese for a Chinese caption)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from videoassist.data.captions import import_captions

    def report_skip(line: str) -> None:
        print(f"import-clips: skipped {line}", file=sys.stderr)

    result = import_captions(args.folder, args.captions, args.out, args.prompt_lang, on_skip=report_skip)
    print(f"wrote {result.records} records to {args.out} (video paths relative to {args.out.parent})"
          + (f"; skipped {len(result.skipped)} rows" if result.skipped else ""))
    return 1 if result.skipped else 0
