"""`mvbench`: MVBench (OpenGVLab/MVBench on the Hugging Face hub), 20 multiple-choice tasks of 200 questions.

Layout (the dataset's `json/` and `video/` folders, as OpenGVLab/Ask-Anything's video_chat2/mvbench.ipynb reads
them): `json/<task>.json` is a list of {"video", "question", "candidates", "answer", and "start"/"end" in seconds
for the tasks that ask about one segment}; the video is `video/<task's folder>/<video>`. Episodic Reasoning's
"video" is a folder of TVQA frames at 3 fps. `--data` is the dataset folder (or its json/ folder, or one task's
JSON); `--video-root` is its video/ folder (default: video/ beside json/).

Asked as the notebook's `qa_template` lays a question out, with lmms-eval's instruction after the options:
"Question: ...\nOptions:\n(A) ...\n(B) ...\nAnswer with the option's letter from the given choices directly."
"""

from __future__ import annotations

from pathlib import Path

from videoassist.data.records import load_records
from videoassist.errors import DataError

from ..choices import LETTERS, letter_prompt
from ..items import EvalItem
from .registry import CHOICE, BenchmarkFormat

FRAME_RATE = 3.0  # the TVQA frames of Episodic Reasoning
INSTRUCTION = "Answer with the option's letter from the given choices directly."

# task → (its JSON file, its videos' folder under video/, "video" or "frame", asks about a start-end segment):
# the notebook's data_list.
TASKS = {
    "Action Sequence": ("action_sequence.json", "star/Charades_v1_480", "video", True),
    "Action Prediction": ("action_prediction.json", "star/Charades_v1_480", "video", True),
    "Action Antonym": ("action_antonym.json", "ssv2_video", "video", False),
    "Fine-grained Action": ("fine_grained_action.json", "Moments_in_Time_Raw/videos", "video", False),
    "Unexpected Action": ("unexpected_action.json", "FunQA_test/test", "video", False),
    "Object Existence": ("object_existence.json", "clevrer/video_validation", "video", False),
    "Object Interaction": ("object_interaction.json", "star/Charades_v1_480", "video", True),
    "Object Shuffle": ("object_shuffle.json", "perception/videos", "video", False),
    "Moving Direction": ("moving_direction.json", "clevrer/video_validation", "video", False),
    "Action Localization": ("action_localization.json", "sta/sta_video", "video", True),
    "Scene Transition": ("scene_transition.json", "scene_qa/video", "video", False),
    "Action Count": ("action_count.json", "perception/videos", "video", False),
    "Moving Count": ("moving_count.json", "clevrer/video_validation", "video", False),
    "Moving Attribute": ("moving_attribute.json", "clevrer/video_validation", "video", False),
    "State Change": ("state_change.json", "perception/videos", "video", False),
    "Fine-grained Pose": ("fine_grained_pose.json", "nturgbd", "video", False),
    "Character Order": ("character_order.json", "perception/videos", "video", False),
    "Egocentric Navigation": ("egocentric_navigation.json", "vlnqa", "video", False),
    "Episodic Reasoning": ("episodic_reasoning.json", "tvqa/frames_fps3_hq", "frame", True),
    "Counterfactual Inference": ("counterfactual_inference.json", "clevrer/video_validation", "video", False),
}
_BY_FILE = {spec[0]: task for task, spec in TASKS.items()}


def _task_files(data: Path) -> tuple[list[tuple[str, Path]], Path]:
    """[(task, its JSON)] and the json/ folder they are in."""
    if data.is_file():
        if data.name not in _BY_FILE:
            raise DataError(data, f"is not an MVBench task file (those are {', '.join(sorted(_BY_FILE))})")
        return [(_BY_FILE[data.name], data)], data.parent
    folder = data / "json" if (data / "json").is_dir() else data
    found = [(task, folder / spec[0]) for task, spec in TASKS.items() if (folder / spec[0]).is_file()]
    if not found:
        raise DataError(data, "holds no MVBench task file (json/action_sequence.json, ...)")
    return found, folder


def _window(record: dict, where: str) -> tuple[float, float]:
    try:
        return float(record["start"]), float(record["end"])
    except (KeyError, TypeError, ValueError):
        raise DataError(where, 'asks about a segment but has no numeric "start" and "end"') from None


class MVBench(BenchmarkFormat):
    name = "mvbench"
    kind = CHOICE

    def read(self, data: Path, video_root: Path | None) -> list[EvalItem]:
        files, json_folder = _task_files(data)
        videos = video_root or json_folder.parent / "video"
        items = []
        for task, path in files:
            _, folder, data_type, bounded = TASKS[task]
            for index, record in enumerate(load_records(path)):
                where = f"{path} record {index}"
                if not isinstance(record, dict) or not all(k in record for k in ("video", "question", "candidates",
                                                                                  "answer")):
                    raise DataError(where, 'needs "video", "question", "candidates" and "answer"')
                options = tuple(str(c) for c in record["candidates"])
                answer = str(record["answer"])
                items.append(EvalItem(
                    key=f"{path.stem}#{index}",
                    video=videos / folder / str(record["video"]),
                    history=[],
                    question=f"Question: {record['question']}\nOptions:\n{letter_prompt(options)}\n{INSTRUCTION}",
                    reference=LETTERS[options.index(answer)] if answer in options else answer,
                    question_type=task,
                    language="en",
                    options=options,
                    window=_window(record, where) if bounded else None,
                    frame_rate=FRAME_RATE if data_type == "frame" else None,
                ))
        return items
