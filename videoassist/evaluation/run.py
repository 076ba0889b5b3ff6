"""Run an evaluation: ask, score, append each prediction as it comes (resumable), then report.

An item that cannot be scored (a question type or reference the scorer cannot judge, a video that cannot be
read) is written with an `error` field and no score, and the run goes on: it is counted in the report's
`errors`, never in an accuracy. An item about one segment of its video, or whose video is a folder of frames, is
sampled here (only that segment, by the model's sampling) and handed to the assistant as encoded features.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from tqdm import tqdm

from ..errors import VideoAssistError
from ..video import sample_frame_folder, sample_frames
from .items import EvalItem
from .report import summarize, write_chart
from .scoring import Scorer, ScoringError


def read_done(path: Path) -> dict[str, dict]:
    """Predictions already written (a line cut short by a crash is ignored; a later line for a key wins)."""
    done = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            done[record["key"]] = record
    return done


def item_video(assistant, item: EvalItem, num_frames=None, fps=None):
    """What to ask `assistant` about: the video file, or, for an item with a window or a folder of frames, the
    features of the frames the model's sampling takes from that window or folder."""
    if item.window is None and item.frame_rate is None:
        return item.video
    settings = assistant.sampling_settings(num_frames=num_frames, fps=fps)
    if item.frame_rate is not None:
        clip = sample_frame_folder(item.video, item.frame_rate, window=item.window, **settings)
    else:
        clip = sample_frames(item.video, window=item.window, **settings)
    return assistant.encode(clip.frames, clip.timestamps, keep_frames=False)


def evaluate(assistant, items: list[EvalItem], scorer: Scorer, predictions_path: Path, max_new_tokens: int = 32,
             resume: bool = False, num_frames: int | None = None, fps: float | None = None) -> list[dict]:
    """Ask every item (grouped by video, so the feature cache serves the questions after the first) and append
    each scored prediction to `predictions_path` at once. An item the scorer cannot judge is not asked. With
    `resume`, scored predictions already in the file are kept and the rest (errors included) asked again.
    → all predictions, in item order."""
    done = read_done(predictions_path) if resume else {}
    done = {key: record for key, record in done.items() if "error" not in record}
    if not resume:
        predictions_path.write_text("")
    pending = sorted((i for i in items if i.key not in done), key=lambda i: str(i.video))
    with predictions_path.open("a", encoding="utf-8") as out:
        for item in tqdm(pending, desc="eval", unit="question"):
            started = time.perf_counter()
            record = {"key": item.key, "video": str(item.video), "question": item.question,
                      "reference": item.reference, "question_type": item.question_type, "language": item.language,
                      **item.groups}
            try:
                scorer.check_item(item)
                video = item_video(assistant, item, num_frames, fps)
                record["prediction"] = assistant.ask(video, item.question, history=item.history,
                                                     max_new_tokens=max_new_tokens, num_frames=num_frames,
                                                     fps=fps).text
                record.update(scorer.score_item(item, record["prediction"]))
            except (ScoringError, VideoAssistError) as error:
                record["error"] = str(error)
            record["seconds"] = round(time.perf_counter() - started, 3)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
            done[item.key] = record
    return [done[i.key] for i in items]


def write_report(predictions: list[dict], output: Path, title: str, extra: dict, groups: tuple[str, ...] = ()
                 ) -> dict:
    """The report JSON and its chart (per type, and per the first of `groups`, else per language)."""
    report = {**summarize(predictions, groups), **extra}
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_chart(report, output.with_suffix(".png"), title, second=groups[0] if groups else "language")
    return report
