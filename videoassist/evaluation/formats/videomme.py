"""`videomme`: Video-MME (lmms-lab/Video-MME on the Hugging Face hub), 2,700 multiple-choice questions on 900
videos, short (< 2 min), medium (4-15 min) and long (30-60 min).

Layout: `videomme/test-00000-of-00001.parquet` (or the same rows as JSON / JSON Lines), one row per question with
"video_id", "duration" (short/medium/long), "domain", "sub_category", "url", "videoID", "question_id",
"task_type", "question", "options" (["A. ...", "B. ...", "C. ...", "D. ..."]) and "answer" (a letter); the videos
are `data/<videoID>.mp4` (.MP4 and .mkv too, as lmms-eval looks them up). `--video-root` defaults to the data/
folder beside the parquet's folder.

Asked with the Video-MME paper's prompt for frames without subtitles (lmms-eval's too): "Select the best answer to
the following multiple-choice question based on the video. Respond with only the letter (A, B, C, or D) of the
correct option.\n<question>\n<options>\nThe best answer is:".
"""

from __future__ import annotations

import re
from pathlib import Path

from videoassist.data.records import load_records
from videoassist.errors import DataError

from ..items import EvalItem
from .registry import CHOICE, BenchmarkFormat

PROMPT = ("Select the best answer to the following multiple-choice question based on the video. Respond with only "
          "the letter (A, B, C, or D) of the correct option.\n{question}\n{options}\nThe best answer is:")
FIELDS = ("duration", "domain", "sub_category", "videoID", "question_id", "task_type", "question", "options", "answer")
_OPTION = re.compile(r"^\s*\(?([A-Z])[.)]\s*(.*)$", re.DOTALL)
_SUFFIXES = (".mp4", ".MP4", ".mkv")


def _rows(data: Path) -> list[dict]:
    if data.suffix != ".parquet":
        return load_records(data)
    import pyarrow.parquet  # streamlit's dependency: always installed with videoassist

    try:
        rows = pyarrow.parquet.read_table(data).to_pylist()
    except FileNotFoundError:
        raise DataError(data, "no such file") from None
    except (OSError, pyarrow.ArrowException) as error:
        raise DataError(data, f"is not a readable parquet file ({error})") from None
    if not rows:
        raise DataError(data, "holds no records")
    return rows


def _option_texts(options: list, where: str) -> tuple[str, ...]:
    """The texts of "A. text" options, checked to be lettered A, B, C, ... in order."""
    texts = []
    for position, option in enumerate(options):
        match = _OPTION.match(str(option))
        if match is None or match.group(1) != chr(ord("A") + position):
            raise DataError(where, f'option {position + 1} {option!r} is not "{chr(ord("A") + position)}. text"')
        texts.append(match.group(2).strip())
    return tuple(texts)


def _video(root: Path, video_id: str) -> Path:
    for suffix in _SUFFIXES:
        if (root / f"{video_id}{suffix}").exists():
            return root / f"{video_id}{suffix}"
    return root / f"{video_id}.mp4"  # missing: the item records the error


class VideoMME(BenchmarkFormat):
    name = "videomme"
    kind = CHOICE

    def read(self, data: Path, video_root: Path | None) -> list[EvalItem]:
        videos = video_root or data.parent.parent / "data"
        items = []
        for index, row in enumerate(_rows(data)):
            where = f"{data} record {index}"
            missing = [name for name in FIELDS if not isinstance(row, dict) or row.get(name) is None]
            if missing:
                raise DataError(where, f"has no {', '.join(repr(m) for m in missing)}")
            options = list(row["options"])
            items.append(EvalItem(
                key=str(row["question_id"]),
                video=_video(videos, str(row["videoID"])),
                history=[],
                question=PROMPT.format(question=row["question"], options="\n".join(map(str, options))),
                reference=str(row["answer"]).strip(),
                question_type=str(row["task_type"]),
                language="en",
                options=_option_texts(options, where),
                groups={"duration": str(row["duration"]), "domain": str(row["domain"]),
                        "sub_category": str(row["sub_category"])},
            ))
        return items
