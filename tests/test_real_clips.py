"""`python -m data_tools real-clips`: clips panned and zoomed over package photographs, with the main object's
names in English and Chinese, the cut time of clips that change, and questions eval judges by those names."""

import json

import numpy as np
import pytest

from data_tools.__main__ import build_parser
from data_tools.real_clips import CLIPS, FPS, OBJECTS, SIDE, run, vocabulary, write_real_clips
from videoassist.evaluation.scoring import VocabularyScorer
from videoassist.evaluation.vocabulary import AnswerVocabulary, read_vocabulary
from videoassist.video import probe, sample_frames

pytest.importorskip("skimage.data")


def test_at_least_30_clips_over_distinct_objects_and_some_that_change():
    single = [spec for spec in CLIPS if spec.cut_s is None]
    assert len(single) >= 30 and len({spec.shots[0].object for spec in single}) >= 12
    assert sum(spec.cut_s is not None for spec in CLIPS) >= 3
    assert set(OBJECTS) == {shot.object for spec in CLIPS for shot in spec.shots}


def test_names_are_judged_in_both_languages():
    scorer = VocabularyScorer(AnswerVocabulary.from_json(vocabulary()))  # refuses a writing shared by two objects
    assert scorer.score_answer("It shows a kitten sitting.", "cat", "object")
    assert scorer.score_answer("视频里有一只小猫。", "猫", "object")
    assert not scorer.score_answer("A dog.", "cat", "object")
    assert not scorer.score_answer("A cat and a cup of coffee.", "cat", "object")
    assert scorer.score_answer("First a cat, then an espresso.", "cat, then coffee", "object")
    assert not scorer.score_answer("A cat.", "cat, then coffee", "object")


def test_clips_records_and_questions_are_written(tmp_path):
    change = next(i for i, spec in enumerate(CLIPS) if spec.cut_s is not None)
    args = build_parser().parse_args(["real-clips", "--out", str(tmp_path)])  # the command is registered
    assert args.func is run
    assert write_real_clips(tmp_path, only=[0, change]) == 2
    truths = [json.loads(line) for line in (tmp_path / "ground_truth.jsonl").read_text().splitlines()]
    assert [t["change_s"] for t in truths] == [None, CLIPS[change].cut_s]
    assert truths[0]["names"]["zh"][0][0] == OBJECTS[truths[0]["objects"][0]]["zh"][0]
    assert all(shot["licence"] for t in truths for shot in t["shots"])
    for truth in truths:
        info = probe(tmp_path / truth["video"])
        assert (info.width, info.height) == (SIDE, SIDE)
        assert info.num_frames == round(truth["duration_s"] * FPS)
    # the cut is where the ground truth says: the frames on either side of it differ far more than neighbours do
    cut = round(truths[1]["change_s"] * FPS)
    frames = sample_frames(tmp_path / truths[1]["video"], num_frames=round(truths[1]["duration_s"] * FPS)).frames
    jumps = np.abs(np.diff(frames.astype(np.int16), axis=0)).mean(axis=(1, 2, 3))
    assert int(jumps.argmax()) + 1 == cut
    questions = json.loads((tmp_path / "eval_real.json").read_text())
    asked = {(q["language"], q["conversations"][0]["value"].split("\n")[1]) for q in questions}
    assert asked == {("en", "What is in the video?"), ("en", "What is the main object?"),
                     ("zh", "视频里有什么？"), ("zh", "视频中的主要物体是什么？")}
    scorer = VocabularyScorer(read_vocabulary(tmp_path / "answer_vocabulary.json"))
    for question in questions:
        reference = question["conversations"][1]["value"]
        assert scorer.score_answer(reference, reference, question["question_type"])
