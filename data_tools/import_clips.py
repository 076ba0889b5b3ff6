"""`python -m data_tools import-clips DIR --captions FILE --out FILE.json`: a folder of clips → Valley JSON.

The captions file is a CSV with columns `video,caption`, or JSON Lines with `video` and either `caption` or
`conversations` (Valley turns `{"from", "value"}` or messages `{"role", "content"}`). Video paths are relative to
DIR, or absolute. A caption becomes a Valley pretraining record: a caption request ("Describe this video.", or
its Chinese form when the caption is Chinese; see --prompt-lang) answered by the caption. The output's video
paths are relative to DIR, so DIR is the video root when training. A clip that does not exist, or a row that
cannot be used, is reported on stderr (one line each, naming the file) and skipped.
Exit status: 0 when every row was imported, 1 when any was skipped (the output is written all the same).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import sys
from pathlib import Path

CAPTION_REQUESTS = {"en": "Describe this video.", "zh": "描述这个视频。"}
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "import-clips", help="turn a folder of clips and their captions into Valley-format JSON",
        description=__doc__.split("\n", 2)[2], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="folder of video clips (the video root)")
    parser.add_argument("--captions", type=Path, required=True, help="captions.csv (video,caption) or a .jsonl")
    parser.add_argument("--out", type=Path, required=True, help="Valley JSON file to write")
    parser.add_argument("--prompt-lang", choices=("en", "zh", "auto"), default="auto",
                        help="language of the caption request (auto: Chinese for a Chinese caption)")
    parser.set_defaults(func=run)


def caption_language(caption: str) -> str:
    return "zh" if CJK.search(caption) else "en"


def read_rows(captions: Path) -> list[tuple[str, dict]]:
    """(where, row) for every row of the captions file, where = "line N" (or "record N" in a JSON list);
    DataError if the file as a whole is unusable."""
    from videoassist.data.records import load_records
    from videoassist.errors import DataError

    try:
        text = captions.read_text(encoding="utf-8-sig")  # -sig: spreadsheets save CSV with a byte-order mark
    except FileNotFoundError:
        raise DataError(captions, "no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(captions, f"cannot be read ({error})") from None
    suffix = captions.suffix.lower()
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))  # quoted captions may span lines
        missing = {"video", "caption"} - set(reader.fieldnames or [])
        if missing:
            raise DataError(captions, f"has no {' or '.join(sorted(missing))} column "
                                      "(expected a header: video,caption)")
        return [(f"line {reader.line_num}", row) for row in reader]
    if suffix in (".jsonl", ".json") and text.lstrip().startswith("["):
        return [(f"record {number}", row) for number, row in enumerate(load_records(captions))]
    if suffix in (".jsonl", ".json"):
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append((f"line {number}", json.loads(line)))
                except json.JSONDecodeError as error:  # one bad line: report and skip it, keep the rest
                    rows.append((f"line {number}", {"__error__": f"is not valid JSON ({error.msg})"}))
        return rows
    raise DataError(captions, "must be a .csv (video,caption) or .jsonl file")


def make_record(row: dict, folder: Path, prompt_lang: str) -> dict:
    """The Valley record for one captions row; ValueError saying why the row cannot be used."""
    from videoassist.data.records import VIDEO_MARKER, messages_from_turns, turns_from_messages

    if not isinstance(row, dict):
        raise ValueError("is not a JSON object")
    if "__error__" in row:
        raise ValueError(row["__error__"])
    if not isinstance(row.get("video"), str) or not row["video"].strip():
        raise ValueError("has no video path")
    path = Path(row["video"].strip())
    full = path if path.is_absolute() else folder / path
    if not full.is_file():
        raise FileNotFoundError(full)
    if row.get("conversations") is not None:
        messages = messages_from_turns(row["conversations"])
    elif isinstance(row.get("caption"), str) and row["caption"].strip():
        caption = row["caption"].strip()
        language = caption_language(caption) if prompt_lang == "auto" else prompt_lang
        messages = [{"role": "user", "content": CAPTION_REQUESTS[language]},
                    {"role": "assistant", "content": caption}]
    else:
        raise ValueError("has neither a caption nor conversations")
    first_user = next((m for m in messages if m["role"] == "user"), None)
    if first_user is None or not any(m["role"] == "assistant" for m in messages):
        raise ValueError("needs a user turn and an assistant reply")
    if VIDEO_MARKER not in first_user["content"]:
        first_user["content"] = f"{VIDEO_MARKER}\n{first_user['content']}"
    try:
        video = full.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:  # outside the folder: keep it absolute (joining a root to an absolute path keeps it)
        video = str(full.resolve())
    return {"video": video, "conversations": turns_from_messages(messages)}


def unique_id(wanted: str | None, video: str, taken: set[str]) -> str:
    """`wanted` (the row's own id) or the video's path without extension, made unique with _2, _3, ..."""
    base = str(wanted) if wanted else Path(video).with_suffix("").as_posix().replace("/", "_").lstrip("_")
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}_{number}"
    taken.add(name)
    return name


def import_clips(folder: Path, captions: Path, out: Path, prompt_lang: str = "auto") -> int:
    """Write the Valley JSON `out` for the clips in `folder` that `captions` lists; → 0, or 1 if rows were skipped."""
    from videoassist.errors import DataError

    if not folder.is_dir():
        raise DataError(folder, "is not a folder")
    records, taken, skipped = [], set(), 0
    for where, row in read_rows(captions):
        try:
            record = make_record(row, folder, prompt_lang)
        except FileNotFoundError as missing:
            skipped += 1
            print(f"import-clips: skipped {missing.args[0]}: no such file ({captions} {where})",
                  file=sys.stderr)
            continue
        except ValueError as error:
            skipped += 1
            print(f"import-clips: skipped {captions} {where}: {error}", file=sys.stderr)
            continue
        records.append({"id": unique_id(row.get("id"), record["video"], taken), **record})
    if not records:
        raise DataError(captions, f"no usable clips ({skipped} rows skipped); nothing written")
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".partial")
    temporary.write_text("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n",
                         encoding="utf-8")
    os.replace(temporary, out)
    print(f"wrote {len(records)} records to {out} (video root: {folder})"
          + (f"; skipped {skipped} rows" if skipped else ""))
    return 1 if skipped else 0


def run(args: argparse.Namespace) -> int:
    return import_clips(args.folder, args.captions, args.out, args.prompt_lang)
