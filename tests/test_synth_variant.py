"""The evaluation-only renderer and phrasings (`synth --renderer variant --phrasing variant`): the same world and
answers as the default, drawn and asked another way; the default's output stays as it was."""

from __future__ import annotations

import json
import string
from pathlib import Path

import av
import numpy as np
import pytest

from data_tools.synth.phrasing_variant import VARIANT_CAPTION_REQUESTS, VARIANT_QUESTION_TEMPLATES
from data_tools.synth.render import render_background, render_frame
from data_tools.synth.render_variant import VariantStyle, render_variant_frame, variant_background
from data_tools.synth.text import CAPTION_REQUESTS, QUESTION_TEMPLATES
from data_tools.synth.vocabulary import ATTRIBUTES, COLOUR_RGB
from data_tools.synth.world import Clip
from data_tools.__main__ import main
from videoassist.evaluation import find_vocabulary, load_scorer
from videoassist.evaluation.formats import get_format
from videoassist.video import sample_frames

SEED, N, N_COMPOSITIONAL = 303, 10, 2
PALETTE_NAMES = list(COLOUR_RGB)
PALETTE = np.array([COLOUR_RGB[name] for name in PALETTE_NAMES], np.float32)


def make_world(out: Path, *variant: str) -> Path:
    assert main(["synth", "--out", str(out), "--n", str(N), "--n-compositional", str(N_COMPOSITIONAL),
                 "--seed", str(SEED), "--max-size", "160", "--quiet", *variant]) == 0
    return out


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    root = tmp_path_factory.mktemp("variant")
    return {"default": make_world(root / "default"),
            "variant": make_world(root / "variant", "--renderer", "variant", "--phrasing", "variant")}


def read_json(path: Path):
    return json.loads(path.read_text())


def clips(world: Path) -> list[tuple[dict, Clip]]:
    records = [json.loads(line) for line in (world / "ground_truth.jsonl").read_text().splitlines()]
    return [(record, Clip.from_record(record)) for record in records]


def nearest_colour(pixel: np.ndarray) -> tuple[str, float]:
    distance = np.linalg.norm(PALETTE - pixel.astype(np.float32), axis=1)
    return PALETTE_NAMES[int(distance.argmin())], float(distance.min())


def test_same_world_and_answers_drawn_and_asked_another_way(worlds):
    default, variant = worlds["default"], worlds["variant"]
    assert (default / "ground_truth.jsonl").read_bytes() == (variant / "ground_truth.jsonl").read_bytes()
    for split in ("train", "test", "compositional"):
        ours, theirs = read_json(variant / f"eval_{split}.json"), read_json(default / f"eval_{split}.json")
        assert ours and [(r["question_type"], r["language"], r["conversations"][1]["value"]) for r in ours] == \
            [(r["question_type"], r["language"], r["conversations"][1]["value"]) for r in theirs]
        assert all(a["conversations"][0]["value"] != b["conversations"][0]["value"] for a, b in zip(ours, theirs))
    manifest = read_json(variant / "manifest.json")
    assert (manifest["renderer"], manifest["phrasing"], manifest["encoder"]["pix_fmt"]) == ("variant", "variant",
                                                                                            "yuv444p")
    assert read_json(default / "manifest.json")["renderer"] == "default"
    for record, _ in clips(variant):
        assert (variant / record["video"]).read_bytes() != (default / record["video"]).read_bytes()


def test_variant_templates_are_new_wordings_with_the_same_slots():
    fields = lambda template: {name for _, name, _, _ in string.Formatter().parse(template) if name}  # noqa: E731
    assert VARIANT_QUESTION_TEMPLATES.keys() == QUESTION_TEMPLATES.keys()
    for qtype, by_lang in QUESTION_TEMPLATES.items():
        for lang, templates in by_lang.items():
            ours = VARIANT_QUESTION_TEMPLATES[qtype][lang]
            assert ours and not set(ours) & set(templates), (qtype, lang)
            assert {frozenset(fields(t)) for t in ours} == {frozenset(fields(t)) for t in templates}, (qtype, lang)
    # each template's natural answer is its type's word: only `exists` asks yes or no ("Does the circle change?"
    # was answered "yes", which names no event); `order` offers its two answers ("... at the start or partway ...")
    for qtype, by_lang in VARIANT_QUESTION_TEMPLATES.items():
        for template in by_lang["en"] if qtype != "exists" else ():
            assert template.split()[0] not in ("Does", "Do", "Is", "Are", "Can", "Was") or " or " in template, template
        for template in by_lang["zh"] if qtype != "exists" else ():
            assert not template.endswith("吗？") or "还是" in template, template
    for lang, requests in CAPTION_REQUESTS.items():
        assert VARIANT_CAPTION_REQUESTS[lang] and not set(VARIANT_CAPTION_REQUESTS[lang]) & set(requests)


def test_variant_questions_are_scored_as_eval_reads_them(worlds):
    """Through eval's own reader and the world's scorer: each reference answer is right, another value of the
    same attribute in the same language is wrong."""
    data = worlds["variant"] / "eval_train.json"
    scorer = load_scorer(find_vocabulary(data))
    items = get_format("valley").read(data, None)
    assert len(items) == len(read_json(data)) and {item.language for item in items} == {"en", "zh"}
    attribute = {"colour": "colour", "shape": "shape", "motion": "motion", "count": "count", "exists": "answer",
                 "order": "order"}
    checked = 0
    for item in items:
        assert scorer.score(item.question_type, item.reference, item.reference) == 1.0, item
        if item.question_type in attribute:
            terms = ATTRIBUTES[attribute[item.question_type]].values()
            wrong = next(t.word(item.language) for t in terms if t.word(item.language) != item.reference)
            assert scorer.score(item.question_type, wrong, item.reference) == 0.0, (item, wrong)
            checked += 1
    assert checked > len(items) // 2


def test_objects_are_drawn_where_and_in_the_colour_the_ground_truth_says(worlds):
    seen = 0
    for record, clip in clips(worlds["variant"]):
        decoded = sample_frames(worlds["variant"] / record["video"], num_frames=clip.num_frames)
        for index in (0, clip.num_frames // 2, clip.num_frames - 1):
            frames = {"drawn": render_variant_frame(clip, index), "decoded": decoded.frames[index]}
            for obj in clip.objects:
                x, y = (int(v) for v in clip.position(obj, index))
                for name, frame in frames.items():
                    colour, distance = nearest_colour(frame[y, x])
                    if clip.is_visible(obj, index):
                        assert colour == clip.colour_at(obj, index) and distance < 60, (name, record["id"], obj)
                        seen += 1
                    else:
                        assert distance > 90, (name, record["id"], obj)  # the background shows through
    assert seen > 20


def test_the_background_and_the_edges_are_the_variants_own(worlds):
    for _, clip in clips(worlds["variant"]):
        ours, theirs = variant_background(clip, VariantStyle()), render_background(clip.background, clip.width,
                                                                                    clip.height)
        assert np.abs(ours - theirs).mean() > 2.0
        assert ours.std(axis=(0, 1)).min() > 2.0  # never flat: a gradient and ripples even on a "solid" one
        assert ours.max() < 140  # still dark, far from every object colour
        index = clip.num_frames // 2
        assert not np.array_equal(render_variant_frame(clip, index), render_frame(clip, index))
        # per-frame grain: two frames of a still background differ
        assert not np.array_equal(render_variant_frame(clip, 0)[:4, :4], render_variant_frame(clip, 1)[:4, :4])


def test_variant_clips_decode_with_our_sampler_at_the_ground_truth_size(worlds):
    for record, clip in clips(worlds["variant"]):
        path = worlds["variant"] / record["video"]
        sampled = sample_frames(path, num_frames=8)
        assert sampled.frames.shape == (8, clip.height, clip.width, 3)
        assert sampled.timestamps == sorted(sampled.timestamps) and sampled.timestamps[-1] < clip.duration_s
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            assert (stream.codec_context.pix_fmt, stream.frames) == ("yuv444p", clip.num_frames)


def test_unknown_renderer_or_phrasing_is_a_usage_error(tmp_path):
    for bad in (["--renderer", "fancy"], ["--phrasing", "poetic"]):
        with pytest.raises(SystemExit) as exit_info:
            main(["synth", "--out", str(tmp_path / "bad"), "--n", "2", *bad])
        assert exit_info.value.code == 2
