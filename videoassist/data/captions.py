"""Captions of a folder of clips → a Valley JSON file: what `python -m data_tools import-clips` and
`videoassist finetune` do with a user's own clips.

The captions file is a CSV with columns `video,caption`, or JSON Lines with `video` and either `caption` or
`conversations` (Valley turns `{"from", "value"}` or messages `{"role", "content"}`); its video paths are relative
to the clips folder, or absolute. A caption becomes a Valley pretraining record: a caption request ("Describe this
video.", or its Chinese form when the caption is Chinese) answered by the caption.

The JSON written is a plain Valley list whose video paths are relative to the JSON file's own folder (e.g.
`../clips/a.mp4`), as every reader takes them by default, so the file trains and validates with no video root
given; a clip outside the clips folder keeps its absolute path.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from videoassist.checkpoints.atomic import open_atomic
from videoassist.errors import DataError
from videoassist.language import language_of

from .records import VIDEO_MARKER, load_records, messages_from_turns, read_text, turns_from_messages

CAPTION_REQUESTS = {"en": "Describe this video.", "zh": "描述这个视频。"}
PROMPT_LANGUAGES = ("en", "zh", "auto")  # auto: Chinese for a Chinese caption


@dataclass
class CaptionImport:
    records: int = 0  # records written
    skipped: list[str] = field(default_factory=list)  # one line per row skipped: "WHAT: PROBLEM"


def read_rows(captions: Path) -> list[tuple[str, dict]]:
    """(where, row) for every row of the captions file, where = "line N" (or "record N" in a JSON list);
    DataError if the file as a whole is unusable."""
    text = read_text(captions, encoding="utf-8-sig")  # -sig: spreadsheets save CSV with a byte-order mark
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


def clip_path(row: dict, folder: Path) -> Path:
    """The clip a row names (relative to `folder`, or absolute); ValueError without one, FileNotFoundError
    when it does not exist."""
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
    return full


def row_messages(row: dict, prompt_lang: str) -> list[dict]:
    """The conversation of one captions row, its first user turn holding the <video> marker; ValueError saying
    why the row cannot be used."""
    if row.get("conversations") is not None:
        messages = messages_from_turns(row["conversations"])
    elif isinstance(row.get("caption"), str) and row["caption"].strip():
        caption = row["caption"].strip()
        language = language_of(caption) if prompt_lang == "auto" else prompt_lang
        messages = [{"role": "user", "content": CAPTION_REQUESTS[language]},
                    {"role": "assistant", "content": caption}]
    else:
        raise ValueError("has neither a caption nor conversations")
    first_user = next((m for m in messages if m["role"] == "user"), None)
    if first_user is None or not any(m["role"] == "assistant" for m in messages):
        raise ValueError("needs a user turn and an assistant reply")
    if VIDEO_MARKER not in first_user["content"]:
        first_user["content"] = f"{VIDEO_MARKER}\n{first_user['content']}"
    return messages


def stored_path(clip: Path, folder: Path, data_folder: Path) -> tuple[str, str]:
    """(the clip's path as the JSON in `data_folder` stores it, its name for an id). Inside `folder`: relative to
    `data_folder`, named by its path in `folder`; outside it: absolute, named by that."""
    clip = clip.parent.resolve() / clip.name  # resolve the folders, not a clip that is itself a link
    try:
        name = clip.relative_to(folder.resolve()).as_posix()
    except ValueError:
        return str(clip), str(clip)
    return Path(os.path.relpath(clip, data_folder.resolve())).as_posix(), name


def unique_id(wanted: str | None, name: str, taken: set[str]) -> str:
    """`wanted` (the row's own id) or the clip's name without extension, made unique with _2, _3, ..."""
    base = str(wanted) if wanted else Path(name).with_suffix("").as_posix().replace("/", "_").lstrip("_")
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}_{number}"
    taken.add(candidate)
    return candidate


def no_clips_reason(skipped: list[str]) -> str:
    if not skipped:
        return "no rows"
    if len(skipped) == 1:
        return f"1 row skipped: {skipped[0]}"
    return f"{len(skipped)} rows skipped, the first: {skipped[0]}"


def import_captions(folder: str | os.PathLike, captions: str | os.PathLike, out: str | os.PathLike,
                    prompt_lang: str = "auto", on_skip: Callable[[str], None] | None = None) -> CaptionImport:
    """Write the Valley JSON `out` (atomically) for the clips in `folder` that `captions` lists.

    A row that cannot be used (its clip missing, no caption, bad JSON) is skipped: it is listed in the result, and
    `on_skip(line)` is called with "WHAT: PROBLEM" naming the clip or the captions file and row. DataError when the
    captions file is unusable or no row is: then nothing is written, and the one error line gives the first reason
    (on_skip is not called)."""
    folder, captions, out = Path(folder), Path(captions), Path(out)
    if not folder.is_dir():
        raise DataError(folder, "is not a folder")
    result, records, taken = CaptionImport(), [], set()
    for where, row in read_rows(captions):
        try:
            clip = clip_path(row, folder)
            messages = row_messages(row, prompt_lang)
        except (FileNotFoundError, ValueError) as error:
            missing = isinstance(error, FileNotFoundError)
            skip = f"{error.args[0]}: no such file ({captions} {where})" if missing else f"{captions} {where}: {error}"
            result.skipped.append(skip)
            continue
        video, name = stored_path(clip, folder, out.parent)
        records.append({"id": unique_id(row.get("id"), name, taken), "video": video,
                        "conversations": turns_from_messages(messages)})
    if not records:
        raise DataError(captions, f"no usable clips, nothing written ({no_clips_reason(result.skipped)})")
    for skip in result.skipped if on_skip is not None else []:
        on_skip(skip)
    with open_atomic(out) as file:
        file.write("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n")
    result.records = len(records)
    return result


__all__ = ["CaptionImport", "import_captions"]
