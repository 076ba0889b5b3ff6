"""Public benchmarks in their own layouts (`videoassist eval --format ...`): tiny fixture files with the real field
names and nesting, read into items and scored; multiple-choice answers read exactly; segments and frame folders
sampled; --limit and --shard."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import FPS, read_index, write_image, write_video

from videoassist.errors import DataError, VideoError
from videoassist.evaluation import evaluate, summarize
from videoassist.evaluation.choices import ChoiceScorer, read_choice
from videoassist.evaluation.formats import get_format
from videoassist.evaluation.scoring import MatchScorer
from videoassist.testing import save_tiny_model
from videoassist.video import sample_frame_folder, sample_frames

SAMPLE_VIDEO = Path(__file__).resolve().parent.parent / "samples" / "synth" / "synth_000000.mp4"


def write_json(path: Path, value) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value))
    return path


def place_video(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE_VIDEO, path)
    return path


class ScriptedAssistant:
    """Answers each question from `answers` (by question text, "" otherwise), never looking at the video."""

    def __init__(self, answers: dict[str, str]):
        self.answers, self.asked = answers, []

    def ask(self, video, question, history=None, **_):
        self.asked.append(question)
        return type("Answer", (), {"text": self.answers.get(question, "")})()


@pytest.fixture
def mvbench(tmp_path) -> Path:
    """An MVBench folder: two tasks of the real data_list, one asking about segments, one a frame folder."""
    root = tmp_path / "MVBench"
    write_json(root / "json" / "action_sequence.json", [
        {"video": "AB12C.mp4", "question": "What happened after the person took the food?",
         "candidates": ["Ate the medicine.", "Tidied up the blanket.", "Put down the cup/glass/bottle.",
                        "Took the box."], "answer": "Took the box.", "start": 0.5, "end": 2.5},
        {"video": "AB12C.mp4", "question": "What did the person do first?",
         "candidates": ["Opened the door.", "Sat on the sofa."], "answer": "Opened the door.", "start": 1, "end": 3},
    ])
    write_json(root / "json" / "action_antonym.json", [
        {"video": "1234.webm", "question": "What is the action performed by the person in the video?",
         "candidates": ["pushing something", "pulling something", "not sure"], "answer": "pulling something"},
    ])
    write_json(root / "json" / "episodic_reasoning.json", [
        {"video": "s01e02_seg02_clip_00", "question": "Why did Ross leave?", "candidates": ["He was late.",
         "He was sick."], "answer": "He was sick.", "start": 0.0, "end": 2.0},
    ])
    place_video(root / "video" / "star" / "Charades_v1_480" / "AB12C.mp4")
    place_video(root / "video" / "ssv2_video" / "1234.webm")
    frames = root / "video" / "tvqa" / "frames_fps3_hq" / "s01e02_seg02_clip_00"
    frames.mkdir(parents=True)
    for index in range(1, 13):  # 4 s at 3 fps, named as the TVQA frames are
        write_image(frames / f"{index:05d}.jpg", index)
    return root


@pytest.fixture
def videomme(tmp_path) -> Path:
    """Video-MME: the parquet with the hub dataset's columns, videos in data/ beside its folder."""
    import pyarrow
    import pyarrow.parquet

    rows = [
        {"video_id": "001", "duration": "short", "domain": "Knowledge", "sub_category": "Humanity & History",
         "url": "https://www.youtube.com/watch?v=fFjv93ACGo8", "videoID": "fFjv93ACGo8", "question_id": "001-1",
         "task_type": "Counting Problem", "question": "How many people appear?",
         "options": ["A. One.", "B. Two.", "C. Three.", "D. Four."], "answer": "C"},
        {"video_id": "001", "duration": "short", "domain": "Knowledge", "sub_category": "Humanity & History",
         "url": "https://www.youtube.com/watch?v=fFjv93ACGo8", "videoID": "fFjv93ACGo8", "question_id": "001-2",
         "task_type": "Object Recognition", "question": "What is on the table?",
         "options": ["A. A red apple.", "B. A book.", "C. A cup.", "D. Nothing."], "answer": "A"},
        {"video_id": "601", "duration": "long", "domain": "Sports Competition", "sub_category": "Football",
         "url": "https://www.youtube.com/watch?v=xyz", "videoID": "xyz", "question_id": "601-1",
         "task_type": "Action Reasoning", "question": "Why does the crowd cheer?",
         "options": ["A. A goal.", "B. A foul.", "C. Half time.", "D. A song."], "answer": "A"},
    ]
    path = tmp_path / "Video-MME" / "videomme" / "test-00000-of-00001.parquet"
    path.parent.mkdir(parents=True)
    pyarrow.parquet.write_table(pyarrow.Table.from_pylist(rows), path)
    place_video(tmp_path / "Video-MME" / "data" / "fFjv93ACGo8.mp4")
    place_video(tmp_path / "Video-MME" / "data" / "xyz.MP4")
    return path


def test_mvbench_items_follow_the_data_list(mvbench):
    items = get_format("mvbench").read(mvbench, None)
    by_key = {item.key: item for item in items}
    assert set(by_key) == {"action_sequence#0", "action_sequence#1", "action_antonym#0", "episodic_reasoning#0"}
    first = by_key["action_sequence#0"]
    assert first.video == mvbench / "video" / "star" / "Charades_v1_480" / "AB12C.mp4"
    assert first.question_type == "Action Sequence" and first.reference == "D" and first.window == (0.5, 2.5)
    assert first.question == ("Question: What happened after the person took the food?\nOptions:\n"
                              "(A) Ate the medicine.\n(B) Tidied up the blanket.\n(C) Put down the cup/glass/bottle.\n"
                              "(D) Took the box.\nAnswer with the option's letter from the given choices directly.")
    antonym = by_key["action_antonym#0"]
    assert antonym.window is None and antonym.reference == "B" and antonym.options[1] == "pulling something"
    assert by_key["episodic_reasoning#0"].frame_rate == 3.0
    one_task = get_format("mvbench").read(mvbench / "json" / "action_antonym.json", None)
    assert [i.key for i in one_task] == ["action_antonym#0"] and one_task[0].video.is_file()


def test_mvbench_bad_files_are_one_line_errors(mvbench, tmp_path):
    with pytest.raises(DataError, match="holds no MVBench task file"):
        get_format("mvbench").read(tmp_path / "nothing", None)
    write_json(mvbench / "json" / "action_count.json", [{"video": "x.mp4", "question": "How many?"}])
    with pytest.raises(DataError, match=r"action_count.json record 0: needs \"video\", \"question\""):
        get_format("mvbench").read(mvbench, None)


def test_videomme_items_carry_duration_domain_and_task(videomme):
    items = get_format("videomme").read(videomme, None)
    assert [i.key for i in items] == ["001-1", "001-2", "601-1"]
    first = items[0]
    assert first.reference == "C" and first.options == ("One.", "Two.", "Three.", "Four.")
    assert first.question_type == "Counting Problem"
    assert first.groups == {"duration": "short", "domain": "Knowledge", "sub_category": "Humanity & History"}
    assert first.question.startswith("Select the best answer to the following multiple-choice question based on "
                                     "the video.") and "\nHow many people appear?\nA. One.\nB. Two." in first.question
    assert first.question.endswith("\nThe best answer is:")
    assert first.video == videomme.parent.parent / "data" / "fFjv93ACGo8.mp4"
    assert items[2].video.name == "xyz.MP4"  # looked up as lmms-eval does


def test_videomme_from_json_lines_and_bad_options(tmp_path):
    row = {"duration": "medium", "domain": "Life Record", "sub_category": "Travel", "videoID": "abc",
           "question_id": "300-1", "task_type": "OCR Problems", "question": "What does the sign say?",
           "options": ["A. Stop.", "B. Go."], "answer": "B"}
    data = tmp_path / "videomme.jsonl"
    data.write_text(json.dumps(row) + "\n" + json.dumps({**row, "question_id": "300-2"}) + "\n")
    assert get_format("videomme").read(data, tmp_path)[0].video == tmp_path / "abc.mp4"
    data.write_text(json.dumps({**row, "options": ["Stop.", "B. Go."]}) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(DataError, match=r"record 0: option 1 'Stop.' is not \"A. text\""):
        get_format("videomme").read(data, tmp_path)


@pytest.mark.parametrize("name, prefix", [("msvd_qa", ""), ("msrvtt_qa", ""), ("activitynet_qa", "v_")])
def test_zero_shot_qa_joins_answers_by_question_id(tmp_path, name, prefix):
    folder = tmp_path / "Zero_Shot_QA"
    write_json(folder / "test_q.json", [
        {"video_name": "vid1", "question_id": "v_vid1_0", "question": "what is the man doing"},
        {"video_name": "vid2", "question_id": "v_vid2_3", "question": "is the woman outdoors"},
    ])
    write_json(folder / "test_a.json", [  # not in the questions' order, as ActivityNet-QA's files are not
        {"answer": "no", "type": 3, "question_id": "v_vid2_3"},
        {"answer": "cook", "type": 0, "question_id": "v_vid1_0"},
    ])
    place_video(folder / "videos" / f"{prefix}vid1.mp4")
    place_video(folder / "videos" / f"{prefix}vid2.mkv")
    items = get_format(name).read(folder, None)
    assert [(i.key, i.reference, i.question) for i in items] == [
        ("v_vid1_0", "cook", "what is the man doing"), ("v_vid2_3", "no", "is the woman outdoors")]
    assert [i.video.name for i in items] == [f"{prefix}vid1.mp4", f"{prefix}vid2.mkv"]
    assert [i.question_type for i in items] == (["motion", "yes/no"] if name == "activitynet_qa" else ["0", "3"])


def test_zero_shot_qa_without_ids_joins_by_position_and_checks_counts(tmp_path):
    write_json(tmp_path / "test_q.json", [{"video_name": "a", "question": "who sings"}])
    write_json(tmp_path / "test_a.json", [{"answer": "a girl"}])
    items = get_format("msvd_qa").read(tmp_path / "test_q.json", None)
    assert items[0].reference == "a girl" and items[0].question_type == "open"
    write_json(tmp_path / "test_a.json", [{"answer": "a girl"}, {"answer": "a boy"}])
    with pytest.raises(DataError, match="test_a.json: has 2 answers for 1 questions"):
        get_format("msvd_qa").read(tmp_path, None)
    write_json(tmp_path / "test_q.json", [{"video_name": "a", "question": "who sings", "question_id": "q1"}])
    write_json(tmp_path / "test_a.json", [{"answer": "x", "question_id": "elsewhere"}])
    with pytest.raises(DataError, match="test_a.json: has no answer for question_id 'q1'"):
        get_format("msvd_qa").read(tmp_path, None)


@pytest.mark.parametrize("prediction, choice", [
    ("D", "D"), ("(D) Took the box.", "D"), ("D. Took the box", "D"), ("The best answer is: D", "D"),
    ("Answer: (B)", "B"), ("took the box", "D"), ("He took the box.", "D"),
    ("A man took the box.", "D"),          # the article is not option A
    ("D\nBecause he took it.", "D"), ("C is correct.", "C"), ("I think the answer is (B).", "B"),
    ("I took the box.", "D"),              # nor is the pronoun option I
    ("E", None),                           # no option E
    ("He ate the medicine and took the box.", None),  # two options: no choice
    ("I do not know.", None),
])
def test_the_option_an_answer_picks(prediction, choice):
    options = ("Ate the medicine.", "Tidied up the blanket.", "Put down the cup/glass/bottle.", "Took the box.")
    assert read_choice(prediction, options) == choice


def test_an_option_inside_another_does_not_make_the_answer_ambiguous():
    assert read_choice("a red car", ("red", "red car", "blue car")) == "B"


def test_multiple_choice_scoring_and_the_report(videomme, tmp_path):
    items = get_format("videomme").read(videomme, None)
    assistant = ScriptedAssistant({items[0].question: "C", items[1].question: "It is a red apple.",
                                   items[2].question: "B. A foul."})
    predictions = evaluate(assistant, items, ChoiceScorer(), tmp_path / "p.jsonl")
    assert [(p["score"], p["choice"]) for p in predictions] == [(1.0, "C"), (1.0, "A"), (0.0, "B")]
    report = summarize(predictions, groups=("duration", "domain"))
    assert report["headline"] == {"accuracy": 66.67}
    assert report["by_duration"] == {"long": {"score": 0.0, "n": 1}, "short": {"score": 1.0, "n": 2}}
    assert report["by_type"]["Counting Problem"] == {"score": 1.0, "n": 1}
    assert json.loads((tmp_path / "p.jsonl").read_text().splitlines()[0])["duration"] == "short"


def test_an_answer_not_among_the_options_is_not_scored(mvbench, tmp_path):
    items = get_format("mvbench").read(mvbench / "json" / "action_antonym.json", None)
    items[0].reference = "jumping"  # the set's answer is none of its candidates
    assistant = ScriptedAssistant({})
    predictions = evaluate(assistant, items, ChoiceScorer(), tmp_path / "p.jsonl")
    assert predictions[0]["error"] == "the answer 'jumping' is not one of the options A, B, C"
    assert assistant.asked == []


def test_open_answers_without_a_judge_get_normalised_and_exact_match(tmp_path):
    write_json(tmp_path / "test_q.json", [{"video_name": "a", "question_id": "1", "question": "what is he doing"},
                                          {"video_name": "b", "question_id": "2", "question": "what color is it"}])
    write_json(tmp_path / "test_a.json", [{"answer": "cook", "type": 0, "question_id": "1"},
                                          {"answer": "red", "type": 4, "question_id": "2"}])
    items = get_format("activitynet_qa").read(tmp_path, None)
    assistant = ScriptedAssistant({"what is he doing": "He is going to cook.", "what color is it": "Red"})
    predictions = evaluate(assistant, items, MatchScorer(), tmp_path / "p.jsonl")
    assert [(p["score"], p["exact"]) for p in predictions] == [(1.0, 0.0), (1.0, 1.0)]
    assert summarize(predictions)["headline"] == {"accuracy": 100.0, "exact_match_accuracy": 50.0}


def test_a_window_samples_only_the_frames_shown_in_it(tmp_path):
    video = write_video(tmp_path / "clip.mp4", num_frames=72)  # 3 s at 24 fps, each frame showing its index
    clip = sample_frames(video, num_frames=4, window=(1.0, 2.0))
    shown = [read_index(frame) for frame in clip.frames]
    assert shown == clip.indices and all(FPS <= i <= 2 * FPS for i in shown)
    assert clip.timestamps == pytest.approx([i / FPS for i in shown])  # times stay the whole video's
    with pytest.raises(VideoError, match="has no frame from 5 s to 6 s"):
        sample_frames(video, num_frames=4, window=(5.0, 6.0))


def test_a_folder_of_frames_is_sampled_as_a_video(tmp_path):
    for index in range(1, 13):
        write_image(tmp_path / f"{index:05d}.jpg", index)
    clip = sample_frame_folder(tmp_path, frame_rate=3, num_frames=2, window=(1.0, 2.0))
    # 00004.jpg to 00007.jpg are shown from 1 s to 2 s (the first file at 0 s); the centres of their two halves
    assert [read_index(frame) for frame in clip.frames] == [5, 7]
    assert clip.timestamps == [pytest.approx(4 / 3), 2.0]
    with pytest.raises(VideoError, match="nothing: no such folder of frames"):
        sample_frame_folder(tmp_path / "nothing", frame_rate=3, num_frames=2)
    (tmp_path / "empty").mkdir()
    with pytest.raises(VideoError, match="empty: holds no image frames"):
        sample_frame_folder(tmp_path / "empty", frame_rate=3, num_frames=2)


def test_eval_command_on_mvbench_with_a_tiny_model_limit_and_shards(mvbench, tmp_path):
    checkpoint = save_tiny_model(tmp_path / "tiny", "valley_v1")
    reports = []
    for shard in ("0/2", "1/2"):
        output = tmp_path / f"shard{shard[0]}" / "report.json"
        result = subprocess.run(
            [sys.executable, "-m", "videoassist", "eval", "--format", "mvbench", "--data", str(mvbench),
             "--model", str(checkpoint), "--output", str(output), "--shard", shard, "--frames", "4",
             "--max-new-tokens", "3"],
            capture_output=True, text=True, timeout=300,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        reports.append(json.loads(output.read_text()))
    keys = [json.loads(line)["key"] for r in range(2)
            for line in (tmp_path / f"shard{r}" / "report.predictions.jsonl").read_text().splitlines()]
    assert sorted(keys) == ["action_antonym#0", "action_sequence#0", "action_sequence#1", "episodic_reasoning#0"]
    for report in reports:  # segments, a webm and a folder of frames all went through the model
        assert report["errors"] == 0 and report["n"] == 2 and report["format"] == "mvbench"
        assert 0 <= report["headline"]["accuracy"] <= 100 and report["scorer"].startswith("multiple choice")
    assert (tmp_path / "shard0" / "report.png").is_file()

    limited = subprocess.run(
        [sys.executable, "-m", "videoassist", "eval", "--format", "mvbench", "--data", str(mvbench), "--model",
         str(checkpoint), "--output", str(tmp_path / "one.json"), "--limit", "1", "--frames", "4",
         "--max-new-tokens", "2"], capture_output=True, text=True, timeout=300)
    assert limited.returncode == 0 and json.loads((tmp_path / "one.json").read_text())["n"] == 1


def test_an_unknown_format_is_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "videoassist", "eval", "--format", "nope", "--data",
                             str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "videoassist eval: error: --format: unknown format 'nope'; known: valley, mvbench, videomme, msvd_qa, "
        "msrvtt_qa, activitynet_qa"]


def test_frame_times_of_a_window_stay_in_order():
    from videoassist.video import sample_indices

    times = np.arange(100) / 10
    assert sample_indices(times, num_frames=4, window=(2.0, 4.0)) == [22, 27, 33, 38]
    assert sample_indices(times, sample_fps=1, window=(2.05, 5.0)) == [20, 30, 40, 50]
    assert sample_indices(times, num_frames=4, window=(20.0, 24.0)) == []
