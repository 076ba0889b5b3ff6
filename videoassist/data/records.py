"""Dataset records → `Sample`s: the Valley and LLaVA JSON formats, read exactly as released.

One reader for every format; what a record is follows from its fields, record by record:

* Valley pretraining (`Valley-webvid2M-Pretrain-703K`): `{"id", "video": "<dir>/<id>.mp4", "conversations"}`,
  the video at `video_root/video`.
* Valley instruction (`Valley-Instruct-73k` / `-65k`): the same plus `"source"` (`jukinmedia` | `VATEX`) and
  `"v_id"`. The videos are not in the release: the dataset card gives a script that fetches the Jukinmedia
  videos (their URLs expire) and says the VATEX clips are to be downloaded from YouTube and cut by the user, the
  clip id being `<youtube id>_<start s>_<end s>`. Valley's own loader opens `video_folder/source/video` when a
  record has a `source` and `video_folder/video` otherwise. Self-downloaded copies are often one flat folder, or
  named after `v_id`; so the video is the first of `root/video`, `root/source/video`, `root/source/<v_id>.mp4`
  that exists, and `root/source/video` (Valley's layout) when none does.
* LLaVA image data: `"image"` instead of `"video"` and an `<image>` marker: an image is a one-frame video, and
  `<image>` becomes `<video>`.
* No `"video"` or `"image"`: a text-only conversation (LLaVA's mixes have them).

Turns are Valley's `{"from": "human"|"gpt"|"system", "value"}` (or already `{"role", "content"}`); they become
messages `{"role": "user"|"assistant"|"system", "content", ...}` keeping every other key of the turn ("type",
"lang", ...). A file is a JSON list of records, or JSON Lines.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videoassist.errors import DataError

VIDEO_MARKER = "<video>"
IMAGE_MARKER = "<image>"
ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "system": "system"}
VALLEY_SPEAKERS = {"user": "human", "assistant": "gpt", "system": "system"}
# Record keys that become Sample fields; every other key is kept in Sample.extra.
_SAMPLE_KEYS = {"id", "video", "image", "conversations"}


@dataclass
class Sample:
    """One training conversation: `messages` as the processor takes them, `video` an absolute-or-root-joined path
    (an image is a one-frame video), None for text only. `extra`: the record's other fields (source, v_id,
    question_type, language, ...)."""

    id: str
    messages: list[dict]
    video: Path | None
    extra: dict[str, Any] = field(default_factory=dict)


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """A data file's text; DataError naming it when it is missing, a folder, unreadable or not text."""
    try:
        return path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise DataError(path, "no such file") from None
    except IsADirectoryError:
        raise DataError(path, "is a folder, not a file") from None
    except UnicodeDecodeError as error:
        raise DataError(path, f"is not UTF-8 text (byte {error.start}): not a data file") from None
    except OSError as error:
        raise DataError(path, f"cannot be read ({error.strerror or error})") from None


def load_records(json_path: str | os.PathLike) -> list[dict]:
    """The raw records of a JSON list or JSON Lines file; DataError naming the file (and line) when unreadable or
    empty."""
    path = Path(json_path)
    text = read_text(path)
    try:
        records = json.loads(text)
    except json.JSONDecodeError as error:
        if text.lstrip().startswith("["):
            raise DataError(path, f"is not valid JSON (line {error.lineno}: {error.msg})") from None
        records = None  # JSON Lines: one record per line
    if records is None:
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise DataError(path, f"line {number} is not valid JSON ({error.msg})") from None
    elif isinstance(records, dict) and "conversations" in records:
        records = [records]  # JSON Lines with a single record
    if not isinstance(records, list):
        raise DataError(path, "must hold a JSON list of records (or one JSON record per line)")
    if not records:  # an empty file, or [ ]: nothing to train on, validate, shard or evaluate
        raise DataError(path, "holds no records")
    return records


def read_records(json_path: str | os.PathLike, video_root: str | os.PathLike | None = None) -> list[Sample]:
    """Every record of a Valley / LLaVA JSON (or JSONL) file as a Sample. Relative video paths are joined to
    `video_root` (default: the JSON file's folder). A malformed record raises DataError naming the file, the
    record's index and the problem; missing videos are not an error here (the dataset records them)."""
    path = Path(json_path)
    root = Path(video_root) if video_root is not None else path.parent
    return [sample_from_record(record, index, root, path) for index, record in enumerate(load_records(path))]


def sample_from_record(record: Any, index: int, video_root: Path | None, json_path: str | os.PathLike) -> Sample:
    """Record `index` of `json_path` as a Sample; `video_root` None leaves the media path as written."""
    try:
        if not isinstance(record, dict):
            raise ValueError("is not a JSON object")
        if "conversations" not in record:
            raise ValueError('has no "conversations"')
        messages = messages_from_turns(record["conversations"])
        media = _media_path(record, video_root)
        if "image" in record:
            messages = [{**m, "content": m["content"].replace(IMAGE_MARKER, VIDEO_MARKER)} for m in messages]
    except ValueError as error:
        raise DataError(json_path, f"record {index}{_id_note(record)} {error}") from None
    sample_id = str(record.get("id", record.get("v_id", f"{Path(json_path).stem}_{index}")))
    extra = {key: value for key, value in record.items() if key not in _SAMPLE_KEYS}
    return Sample(id=sample_id, messages=messages, video=media, extra=extra)


def messages_from_turns(turns: Any) -> list[dict]:
    """Valley turns (`from`/`value`) or messages (`role`/`content`) → messages; ValueError saying what is wrong."""
    if not isinstance(turns, list) or not turns:
        raise ValueError('has no turns: "conversations" must be a non-empty list')
    messages = []
    for number, turn in enumerate(turns):
        if not isinstance(turn, dict):
            raise ValueError(f"turn {number} is not a JSON object")
        speaker_key, text_key = ("from", "value") if "from" in turn else ("role", "content")
        speaker, text = turn.get(speaker_key), turn.get(text_key)
        if speaker not in ROLES:
            raise ValueError(f"turn {number} has speaker {speaker!r}, expected one of {', '.join(ROLES)}")
        if not isinstance(text, str):
            raise ValueError(f'turn {number} has no text ("{text_key}" must be a string)')
        rest = {key: value for key, value in turn.items() if key not in (speaker_key, text_key)}
        messages.append({"role": ROLES[speaker], "content": text, **rest})
    return messages


def turns_from_messages(messages: list[dict]) -> list[dict]:
    """Messages → Valley turns (`from`: human/gpt/system, `value`), other keys kept."""
    return [
        {"from": VALLEY_SPEAKERS[m["role"]], "value": m["content"],
         **{key: value for key, value in m.items() if key not in ("role", "content")}}
        for m in messages
    ]


def resolve_video(video_root: Path, video: str, source: str | None = None, v_id: str | None = None) -> Path:
    """Where a Valley record's video lies (see the module notes): the first candidate that exists, else Valley's
    own layout, so a missing video is reported at the path Valley would have used."""
    if not source:
        return video_root / video
    candidates = [video_root / video, video_root / source / video]
    if v_id:
        candidates.append(video_root / source / f"{v_id}.mp4")
    return next((path for path in candidates if path.exists()), video_root / source / video)


def _media_path(record: dict, video_root: Path | None) -> Path | None:
    if "video" in record and "image" in record:
        raise ValueError('has both "video" and "image"')
    key = "video" if "video" in record else "image" if "image" in record else None
    if key is None:
        return None
    value = record[key]
    if not isinstance(value, str) or not value:
        kind = "a list (several images per record are not supported)" if isinstance(value, list) else repr(value)
        raise ValueError(f'has "{key}": {kind}; expected a file path')
    if video_root is None:
        return Path(value)
    if key == "image":
        return video_root / value
    source, v_id = record.get("source"), record.get("v_id")
    return resolve_video(video_root, value, str(source) if source else None, str(v_id) if v_id else None)


def _id_note(record: Any) -> str:
    return f" (id {record['id']})" if isinstance(record, dict) and "id" in record else ""
