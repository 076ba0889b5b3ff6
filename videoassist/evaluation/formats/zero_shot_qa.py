"""`msvd_qa`, `msrvtt_qa`, `activitynet_qa`: open-ended video QA in the question/answer file pair that
ActivityNet-QA (MILVLG/activitynet-qa) publishes and Video-ChatGPT / Video-LLaVA ship for all three
(eval/GPT_Zero_Shot_QA/<Set>_Zero_Shot_QA/).

Layout: `test_q.json`, a list of {"video_name", "question_id", "question"}, and `test_a.json`, a list of
{"answer", "type", "question_id"}; answers are joined to questions by "question_id" (ActivityNet-QA's files are
not in the same order), or by position when the answers have no ids. `--data` is the folder holding both files, or
test_q.json (test_a.json beside it). The video is `<video_name>.<mp4|avi|mov|mkv|webm>` under `--video-root`;
ActivityNet's files are named `v_<video_name>` (Video-LLaVA's run_inference_video_qa_act.py). `--video-root`
defaults to the first of videos/all, videos, all_test beside the files that exists, else their folder.

ActivityNet-QA's "type" is a number: 0 motion, 1 spatial, 2 temporal, 3 yes/no, 4 color, 5 object, 6 location,
7 number, 8 other (its dataset README); the report groups by those names. The question is asked as written.
"""

from __future__ import annotations

from pathlib import Path

from videoassist.data.records import load_records
from videoassist.errors import DataError

from ..items import EvalItem
from .registry import OPEN, BenchmarkFormat

ACTIVITYNET_TYPES = ("motion", "spatial", "temporal", "yes/no", "color", "object", "location", "number", "other")
_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm")
_VIDEO_FOLDERS = ("videos/all", "videos", "all_test")


def _pair(data: Path) -> tuple[Path, Path]:
    questions = data / "test_q.json" if data.is_dir() else data
    return questions, questions.with_name(questions.name.replace("_q.json", "_a.json"))


def _answers(questions: list[dict], answers: list, answers_path: Path) -> list[dict]:
    """The answer record of each question, by question_id or else by position."""
    if all(isinstance(r, dict) and "question_id" in r for r in (*questions, *answers)):
        by_id = {str(a["question_id"]): a for a in answers}
        missing = [str(q["question_id"]) for q in questions if str(q["question_id"]) not in by_id]
        if missing:
            raise DataError(answers_path, f"has no answer for question_id {missing[0]!r}"
                                          + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
        return [by_id[str(q["question_id"])] for q in questions]
    if len(answers) != len(questions):
        raise DataError(answers_path, f"has {len(answers)} answers for {len(questions)} questions and no question_id")
    return answers


class ZeroShotQA(BenchmarkFormat):
    kind = OPEN

    def __init__(self, name: str, video_prefix: str = "", type_names: tuple[str, ...] = ()):
        """`video_prefix`: what the video files' names add to "video_name"; `type_names`: the names of numeric
        "type" values."""
        self.name, self.video_prefix, self.type_names = name, video_prefix, type_names

    def _type(self, value) -> str:
        if value is None:
            return "open"
        if self.type_names and isinstance(value, int) and 0 <= value < len(self.type_names):
            return self.type_names[value]
        return str(value)

    def _video(self, root: Path, name: str) -> Path:
        stems = [f"{self.video_prefix}{name}", name] if self.video_prefix else [name]
        for stem in stems:
            for suffix in _SUFFIXES:
                if (root / f"{stem}{suffix}").exists():
                    return root / f"{stem}{suffix}"
        return root / f"{stems[0]}.mp4"  # missing: the item records the error

    def read(self, data: Path, video_root: Path | None) -> list[EvalItem]:
        questions_path, answers_path = _pair(data)
        questions = load_records(questions_path)
        answers = _answers(questions, load_records(answers_path), answers_path)
        folder = questions_path.parent
        videos = video_root or next((folder / f for f in _VIDEO_FOLDERS if (folder / f).is_dir()), folder)
        items = []
        for index, (question, answer) in enumerate(zip(questions, answers)):
            if not isinstance(question, dict) or not all(question.get(k) is not None for k in ("video_name",
                                                                                                 "question")):
                raise DataError(f"{questions_path} record {index}", 'needs "video_name" and "question"')
            if not isinstance(answer, dict) or answer.get("answer") is None:
                raise DataError(f"{answers_path} record {index}", 'needs "answer"')
            items.append(EvalItem(
                key=str(question.get("question_id", index)),
                video=self._video(videos, str(question["video_name"])),
                history=[],
                question=str(question["question"]),
                reference=str(answer["answer"]),
                question_type=self._type(answer.get("type")),
                language="en",
            ))
        return items
