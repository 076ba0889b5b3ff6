"""`python -m data_tools synth`: layout, Valley field names, splits, determinism, and every answer checked
against the ground truth by an independent reading of the question."""

from __future__ import annotations

import json
import re
from pathlib import Path

import av
import numpy as np
import pytest

from data_tools.__main__ import main
from data_tools.synth.generate import SPLITS, SynthConfig, generate, sample_world
from data_tools.synth.scoring import keyword_recall, score_answer
from data_tools.synth.text import QA, candidate_questions, conversation, eval_questions
from data_tools.synth.vocabulary import (ANSWERS, COLOURS, COUNTS, EVENTS, HELD_OUT_PAIRS, MOTIONS, ORDERS,
                                         QUESTION_TYPES, SHAPES)
from data_tools.synth.world import Clip, WorldObject, pairs_shown

SEED = 11
N, N_COMPOSITIONAL = 10, 2  # train 8, val 1, test 1, compositional 2
FILES = {"manifest.json", "ground_truth.jsonl", "answer_vocabulary.json", "synth"} | {
    f"{kind}_{split}.json" for kind in ("pretrain", "instruct", "eval") for split in SPLITS}


def read(folder: Path, name: str):
    text = (folder / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()] if name.endswith(".jsonl") else json.loads(text)


def decode(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "a"
    assert main(["synth", "--out", str(out), "--n", str(N), "--seed", str(SEED),
                 "--n-compositional", str(N_COMPOSITIONAL), "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def ground_truth(dataset) -> list[dict]:
    return read(dataset, "ground_truth.jsonl")


# ---- an independent reading of each question -------------------------------------------------------------

def _mentioned(question: str, lang: str, table: dict) -> list[str]:
    """Keys of the vocabulary terms whose canonical word the question contains."""
    if lang == "en":
        return [key for key, term in table.items() if re.search(rf"\b{term.en}\b", question)]
    return [key for key, term in table.items() if term.zh in question]


def _one(values: list):
    assert len(values) == 1, values
    return values[0]


def _named_object(clip: Clip, question: str, lang: str) -> WorldObject:
    shape = _one(_mentioned(question, lang, SHAPES))
    colours = _mentioned(question, lang, COLOURS)
    if colours:
        return _one([o for o in clip.objects if (o.shape, o.colour) == (shape, _one(colours))])
    return _one([o for o in clip.objects if o.shape == shape])  # a shape alone must name one object


def expected_english(clip: Clip, qa: QA) -> str:
    """The answer the ground truth gives, in English, worked out from the question's words alone."""
    q, lang = qa.question, qa.lang
    if qa.type == "count":
        return COUNTS[str(len(clip.objects))].en
    if qa.type == "exists":
        pair = (_one(_mentioned(q, lang, SHAPES)), _one(_mentioned(q, lang, COLOURS)))
        return ANSWERS["yes" if pair in pairs_shown(clip) else "no"].en
    if qa.type == "colour":
        shape = _one(_mentioned(q, lang, SHAPES))
        obj = _one([o for o in clip.objects if o.shape == shape])
        assert obj.colour_after is None, "a colour question about an object that changes colour"
        return COLOURS[obj.colour].en
    if qa.type == "shape":
        colour = _one(_mentioned(q, lang, COLOURS))
        return SHAPES[_one([o.shape for o in clip.objects if colour in (o.colour, o.colour_after)])].en
    obj = _named_object(clip, q, lang)
    event = clip.event if clip.event is not None and clip.objects[clip.event.object] is obj else None
    if qa.type == "motion":
        return MOTIONS[obj.motion].en
    if qa.type == "order":
        return ORDERS["partway" if event is not None and event.type == "appears" else "start"].en
    assert qa.type == "event"
    if event is None:
        return EVENTS["none"].en
    if event.type == "changes_colour":
        return f"changes colour to {COLOURS[event.to_colour].en}"
    return EVENTS[event.type].en


def canonical_answers(qtype: str, lang: str) -> set[str]:
    tables = {"colour": COLOURS, "shape": SHAPES, "count": COUNTS, "motion": MOTIONS, "order": ORDERS,
              "exists": ANSWERS}
    if qtype != "event":
        return {term.word(lang) for term in tables[qtype].values()}
    change = EVENTS["changes_colour"]
    changes = {f"{change.en} {c.en}" if lang == "en" else f"{change.zh}{c.zh}" for c in COLOURS.values()}
    return changes | {EVENTS[k].word(lang) for k in ("appears", "disappears", "none")}


def check_answer(clip: Clip, qa: QA) -> None:
    assert qa.answer in canonical_answers(qa.type, qa.lang), qa
    assert score_answer(qa.answer, expected_english(clip, qa), qa.type), (qa, clip)
    letters = re.search(r"[A-Za-z]", qa.question + qa.answer) is not None
    assert letters == (qa.lang == "en"), qa  # the question and its answer are in one language


# ---- questions and captions from many sampled clips (no rendering) ---------------------------------------

def test_every_question_is_answered_by_the_ground_truth():
    seen = set()
    for index in range(150):
        for split in ("train", "compositional"):
            clip = sample_world(5, index, split)
            rng = np.random.default_rng(index)
            forbidden = HELD_OUT_PAIRS if split == "train" else frozenset()
            for lang in ("en", "zh"):
                for qas in candidate_questions(clip, lang, rng, forbidden).values():
                    for qa in qas:
                        check_answer(clip, qa)
                        seen.add((qa.type, qa.lang, qa.answer))
            turns = conversation(clip, ("en", "zh"), rng, forbidden)
            assert 2 <= len(turns) <= 4 and len({t.type for t in turns}) == len(turns)
            for qa in eval_questions(clip, ("en", "zh"), rng, forbidden):
                check_answer(clip, qa)
    # Every type, language and answer value occurs.
    for qtype in QUESTION_TYPES:
        for lang in ("en", "zh"):
            answers = {a for t, la, a in seen if (t, la) == (qtype, lang)}
            expected = canonical_answers(qtype, lang)
            assert answers == expected or (qtype == "event" and len(answers) >= 7), (qtype, lang, expected - answers)


def test_exists_questions_say_no_about_absent_pairs_and_never_name_held_out_pairs_in_training():
    for index in range(150):
        clip = sample_world(6, index, "train")
        for lang in ("en", "zh"):
            exists = candidate_questions(clip, lang, np.random.default_rng(index), HELD_OUT_PAIRS)["exists"]
            yes = [q for q in exists if q.answer == ANSWERS["yes"].word(lang)]
            assert len(yes) == len(pairs_shown(clip)) == len(exists) - len(yes)  # balanced
            for qa in exists:
                pair = (_one(_mentioned(qa.question, lang, SHAPES)), _one(_mentioned(qa.question, lang, COLOURS)))
                assert pair not in HELD_OUT_PAIRS


# ---- the files ------------------------------------------------------------------------------------------

def test_layout_and_manifest(dataset, ground_truth):
    assert {p.name for p in dataset.iterdir()} == FILES
    manifest = read(dataset, "manifest.json")
    assert manifest["seed"] == SEED and manifest["n"] == N and manifest["generator_version"]
    sizes = {"train": 8, "val": 1, "test": 1, "compositional": 2}
    assert {s: c["clips"] for s, c in manifest["splits"].items()} == sizes
    for split in SPLITS:
        for kind in ("pretrain", "instruct", "eval"):
            assert len(read(dataset, f"{kind}_{split}.json")) == manifest["splits"][split][kind]
    ids = [r["id"] for r in ground_truth]
    assert ids == [f"synth_{i:06d}" for i in range(12)]
    assert [r["split"] for r in ground_truth] == [s for s, n in sizes.items() for _ in range(n)]
    assert sorted(p.name for p in (dataset / "synth").iterdir()) == [f"{i}.mp4" for i in ids]
    record_keys = {"id", "split", "video", "width", "height", "fps", "num_frames", "duration_s", "background",
                   "objects", "event", "caption_en", "caption_zh"}
    object_keys = {"shape", "colour", "radius_px", "angle_deg", "start_xy", "end_xy", "motion", "visible_from_s",
                   "visible_until_s", "colour_after"}
    for record in ground_truth:
        assert set(record) == record_keys and record["video"] == f"synth/{record['id']}.mp4"
        assert all(set(o) == object_keys for o in record["objects"])
        assert record["event"] is None or set(record["event"]) == {"type", "object", "time_s", "frame", "to_colour"}
        clip = Clip.from_record(record)
        assert len(decode(dataset / record["video"])) == clip.num_frames


def test_valley_field_names(dataset, ground_truth):
    human, gpt = {"from", "value"}, {"from", "value"}
    for split in SPLITS:
        for record in read(dataset, f"pretrain_{split}.json"):
            assert set(record) == {"id", "video", "conversations"}
            first, answer = record["conversations"]
            assert set(first) == human and first["from"] == "human" and first["value"].startswith("<video>\n")
            assert set(answer) == gpt and answer["from"] == "gpt"
        for kind in ("instruct", "eval"):
            for record in read(dataset, f"{kind}_{split}.json"):
                extra = {"question_type", "language"} if kind == "eval" else set()
                assert set(record) == {"id", "video", "source", "v_id", "conversations"} | extra
                assert record["source"] == "synth" and record["video"] == f"synth/{record['v_id']}.mp4"
                turns = record["conversations"]
                assert len(turns) == 2 if kind == "eval" else 4 <= len(turns) <= 8
                for i, turn in enumerate(turns):
                    if i % 2 == 0:
                        assert set(turn) == {"from", "value", "type", "lang"} and turn["from"] == "human"
                        assert turn["type"] in QUESTION_TYPES and turn["lang"] in ("en", "zh")
                        assert turn["value"].startswith("<video>\n") == (i == 0)
                        assert "<video>" not in turn["value"][len("<video>"):]
                    else:
                        assert set(turn) == gpt and turn["from"] == "gpt"
                if kind == "eval":
                    assert (record["question_type"], record["language"]) == (turns[0]["type"], turns[0]["lang"])


def _qas(record: dict) -> list[QA]:
    turns = record["conversations"]
    return [QA(h["type"], h["lang"], h["value"].removeprefix("<video>\n"), g["value"])
            for h, g in zip(turns[::2], turns[1::2], strict=True)]


def test_file_answers_match_the_ground_truth_and_eval_covers_every_type(dataset, ground_truth):
    clips = {r["id"]: Clip.from_record(r) for r in ground_truth}
    covered, chat_languages = set(), []
    for split in SPLITS:
        for kind in ("instruct", "eval"):
            per_clip: dict[str, list[QA]] = {}
            for record in read(dataset, f"{kind}_{split}.json"):
                for qa in _qas(record):
                    check_answer(clips[record["v_id"]], qa)
                    per_clip.setdefault(record["v_id"], []).append(qa)
            if kind == "eval":
                for qas in per_clip.values():
                    for lang in ("en", "zh"):  # the types every clip can answer, and a yes and a no
                        mine = [q for q in qas if q.lang == lang]
                        assert {"count", "motion", "event", "order", "exists"} <= {q.type for q in mine}
                        assert {q.answer for q in mine if q.type == "exists"} == {
                            ANSWERS["yes"].word(lang), ANSWERS["no"].word(lang)}
                covered |= {(q.type, q.lang) for qas in per_clip.values() for q in qas}
            else:
                chat_languages += [{q.lang for q in qas} for qas in per_clip.values()]
    assert covered == {(t, lang) for t in QUESTION_TYPES for lang in ("en", "zh")}
    assert {"en", "zh"} in chat_languages  # some conversations switch language


def test_captions_in_both_languages(dataset, ground_truth):
    pretrain = {r["id"]: r for split in SPLITS for r in read(dataset, f"pretrain_{split}.json")}
    requests = set()
    for record in ground_truth:
        en, zh = record["caption_en"], record["caption_zh"]
        sentences = len(record["objects"]) + (record["event"] is not None)
        assert en.isascii() and en.count(".") == sentences
        assert zh.count("。") == sentences and not re.search(r"[A-Za-z]", zh)
        assert keyword_recall(zh, en) == 1.0 and keyword_recall(en, zh) == 1.0
        for lang, caption in (("en", en), ("zh", zh)):
            turns = pretrain[f"{record['id']}_{lang}"]["conversations"]
            assert turns[1]["value"] == caption
            requests.add(turns[0]["value"])
    assert len(requests) >= 6


def test_compositional_pairs_never_in_train_val_test(dataset, ground_truth):
    for record in ground_truth:
        shown = pairs_shown(Clip.from_record(record))
        assert bool(shown & HELD_OUT_PAIRS) == (record["split"] == "compositional"), record["id"]
    names = [s for shape, colour in HELD_OUT_PAIRS for s in
             (f"{COLOURS[colour].en} {SHAPES[shape].en}", f"{COLOURS[colour].zh}的{SHAPES[shape].zh}")]
    for split in ("train", "val", "test"):
        for kind in ("pretrain", "instruct", "eval"):
            text = (dataset / f"{kind}_{split}.json").read_text(encoding="utf-8")
            assert not any(name in text for name in names), (kind, split)


# ---- determinism and the command line ------------------------------------------------------------------

def test_same_seed_same_bytes_and_pixels_whatever_the_workers(dataset, tmp_path):
    again = tmp_path / "b"
    generate(SynthConfig(out=again, n=N, seed=SEED, n_compositional=N_COMPOSITIONAL, workers=2), progress=False)
    for name in FILES - {"synth"}:
        assert (again / name).read_bytes() == (dataset / name).read_bytes(), name
    for video in sorted((dataset / "synth").iterdir()):
        assert (again / "synth" / video.name).read_bytes() == video.read_bytes(), video.name
        frames = zip(decode(video), decode(again / "synth" / video.name), strict=True)
        assert all(np.array_equal(a, b) for a, b in frames)


def test_another_seed_another_dataset(dataset, ground_truth, tmp_path):
    other = tmp_path / "c"
    generate(SynthConfig(out=other, n=N, seed=SEED + 1, n_compositional=N_COMPOSITIONAL), progress=False)
    theirs = read(other, "ground_truth.jsonl")
    assert all(a["objects"] != b["objects"] for a, b in zip(ground_truth, theirs, strict=True))
    first = "synth/synth_000000.mp4"
    assert not np.array_equal(decode(dataset / first)[0], decode(other / first)[0])


def test_command_line_errors_and_options(dataset, tmp_path, capsys):
    assert main(["synth", "--out", str(dataset), "--n", "3", "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--overwrite" in err and str(dataset) in err

    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    assert main(["synth", "--out", str(not_a_folder), "--n", "2", "--quiet"]) == 1
    assert capsys.readouterr().err.strip() == f"data_tools synth: error: {not_a_folder}: is not a folder"

    out = tmp_path / "en"
    assert main(["synth", "--out", str(out), "--n", "2", "--seed", "3", "--lang", "en", "--quiet"]) == 0
    stale = out / "synth" / "synth_000099.mp4"
    stale.write_bytes(b"old")
    assert main(["synth", "--out", str(out), "--n", "2", "--seed", "3", "--lang", "en", "--quiet",
                 "--max-size", "160", "--overwrite"]) == 0
    assert not stale.exists()
    records = read(out, "instruct_train.json") + read(out, "eval_train.json")
    assert {turn["lang"] for r in records for turn in r["conversations"][::2]} == {"en"}
    assert {r["id"].rsplit("_", 1)[1] for r in read(out, "pretrain_train.json")} == {"en"}
    assert all(max(r["width"], r["height"]) <= 160 for r in read(out, "ground_truth.jsonl"))

    for bad in (["--lang", "fr"], ["--n", "0"], ["--min-size", "300"]):
        with pytest.raises(SystemExit) as exit_info:
            main(["synth", "--out", str(tmp_path / "bad"), "--n", "2", *bad])
        assert exit_info.value.code == 2


def test_committed_samples_are_what_the_documented_command_makes(tmp_path):
    samples = Path(__file__).resolve().parents[1] / "samples"
    command = re.search(r"python -m data_tools (synth .*)", (samples / "README.md").read_text()).group(1)
    args = command.split()[1:]
    args[args.index("--out") + 1] = str(tmp_path / "again")
    assert main(["synth", *args, "--quiet"]) == 0
    json_files = sorted(p.name for p in samples.iterdir() if p.suffix in (".json", ".jsonl"))
    assert set(json_files) == FILES - {"synth"}
    for name in json_files:
        assert (tmp_path / "again" / name).read_bytes() == (samples / name).read_bytes(), name
    records = read(samples, "ground_truth.jsonl")
    assert len(records) == 3
    for record in records:
        video = samples / record["video"]
        assert video.stat().st_size <= 200_000
        assert 128 <= min(record["width"], record["height"]) <= max(record["width"], record["height"]) <= 192
        # Same frames, up to the encoder: a different libx264 may round differently.
        for committed, fresh in zip(decode(video), decode(tmp_path / "again" / record["video"]), strict=True):
            assert np.abs(committed.astype(int) - fresh).mean() < 1.0
