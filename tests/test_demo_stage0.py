"""Stage 0 of the demo model: targets from the ground truth, augmentation, the training loop and its resume,
and the probe-only question answering, on a tiny synthetic world made once per session (a few seconds)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from data_tools.synth.generate import SynthConfig, generate
from data_tools.synth.scoring import score_answer
from data_tools.synth.vocabulary import COLOUR_RGB
from data_tools.synth.world import Clip
from recipes.demo.augment import augment
from recipes.demo.check import check_tower
from recipes.demo.frame_cache import build_cache, ground_truth, load_split
from recipes.demo.pretrain import train_vision
from recipes.demo.scene import ClipScene, answer, scene_from_cells
from recipes.demo.settings import AugmentSettings, FrameSettings, load_settings
from recipes.demo.targets import COLOUR_KEYS, PAIR_INDEX, SHAPE_KEYS, cell_targets, pair_tables

GRID = 8


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo_world")
    generate(SynthConfig(out=out, n=20, seed=7, n_compositional=0), progress=False)
    return out


@pytest.fixture(scope="session")
def cache(world, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo_cache")
    assert build_cache(world, folder, FrameSettings(), progress=False) == 20
    return folder


def _clips(world: Path) -> list[tuple[dict, Clip]]:
    return [(record, Clip.from_record(record)) for record in ground_truth(world)]


def test_every_event_kind_is_in_the_tiny_world(world):
    kinds = {clip.event.type for _, clip in _clips(world) if clip.event is not None}
    assert kinds == {"appears", "disappears", "changes_colour"}


def test_cache_is_resumable_and_holds_inference_frames(world, cache):
    assert build_cache(world, cache, FrameSettings(), progress=False) == 0  # nothing left to do
    split = load_split(world, cache, "train", progress=False)
    assert split.frames.shape == (16, 8, 128, 128, 3) and split.frames.dtype == np.uint8
    record, clip = _clips(world)[0]
    expected = [((2 * k + 1) * clip.num_frames) // 16 for k in range(8)]  # centres of 8 equal segments
    assert split.indices[0].tolist() == expected


def test_pair_tables_follow_visibility_and_colour_changes(world):
    for _, clip in _clips(world):
        frames = list(range(clip.num_frames))
        tables = pair_tables(clip, frames)
        for obj in clip.objects:
            for frame in frames:
                shown = {k for k in range(24) if tables[frame, k, 0] > 0}
                pair = PAIR_INDEX[(obj.shape, clip.colour_at(obj, frame))]
                assert (pair in shown) == clip.is_visible(obj, frame)
            if clip.event is not None and clip.objects[clip.event.object] == obj:
                before, after = clip.event.frame - 1, clip.event.frame
                if clip.event.type == "appears":
                    assert tables[before, PAIR_INDEX[(obj.shape, obj.colour)], 0] == 0
                    assert tables[after, PAIR_INDEX[(obj.shape, obj.colour)], 0] == 1
                if clip.event.type == "changes_colour":
                    assert tables[after, PAIR_INDEX[(obj.shape, obj.colour)], 0] == 0
                    assert tables[after, PAIR_INDEX[(obj.shape, obj.colour_after)], 0] == 1


def _pixel(frame: np.ndarray, x: float, y: float) -> np.ndarray:
    size = frame.shape[0]
    return frame[min(int(y * size), size - 1), min(int(x * size), size - 1)].astype(float)


def test_cached_frames_show_each_target_at_its_place(world, cache):
    """The centre pixel of every visible pair, in the cached (decoded, resized) frame, is the pair's colour."""
    split = load_split(world, cache, "train", progress=False)
    checked = 0
    for frames, tables in zip(split.frames, split.tables):
        for t in range(frames.shape[0]):
            for (shape, colour), k in PAIR_INDEX.items():
                if tables[t, k, 0] > 0 and tables[t, k, 3] * 128 >= 4:
                    seen = _pixel(frames[t], tables[t, k, 1], tables[t, k, 2])
                    assert np.abs(seen - COLOUR_RGB[colour]).max() < 60, (shape, colour, seen)
                    checked += 1
    assert checked > 100


def test_cell_of_each_centre_has_its_shape_and_colour(world):
    for _, clip in _clips(world):
        frames = [0, clip.num_frames // 2, clip.num_frames - 1]
        cells = cell_targets(torch.from_numpy(pair_tables(clip, frames)), GRID)
        for t, frame in enumerate(frames):
            expected = {}
            for obj in clip.objects:
                if clip.is_visible(obj, frame):
                    x, y = clip.position(obj, frame)
                    cell = int(y / clip.height * GRID) * GRID + int(x / clip.width * GRID)
                    expected[cell] = (SHAPE_KEYS.index(obj.shape) + 1,
                                      COLOUR_KEYS.index(clip.colour_at(obj, frame)) + 1)
            occupied = {c: (int(cells.shape[t, c]), int(cells.colour[t, c]))
                        for c in range(GRID * GRID) if cells.shape[t, c] > 0}
            assert occupied == expected
            for cell in expected:
                assert 0 <= cells.offset[t, cell].min() and cells.offset[t, cell].max() < 1


def test_augmentation_moves_targets_with_the_pixels(world, cache):
    split = load_split(world, cache, "train", progress=False)
    pixels = torch.from_numpy(split.frames).flatten(0, 1).permute(0, 3, 1, 2).float() / 255
    tables = torch.from_numpy(split.tables).flatten(0, 1)
    geometry_only = AugmentSettings(flip=0.5, scale=(0.7, 1.4), brightness=0, contrast=(1, 1), channel_gain=0,
                                    noise=0)
    moved, new = augment(pixels, tables, geometry_only, torch.Generator().manual_seed(0))
    assert not torch.equal(new, tables)
    visible = new[..., 0] > 0
    assert torch.equal(visible, tables[..., 0] > 0)
    assert ((new[..., 1:3] - new[..., 3:5] >= -1e-4) & (new[..., 1:3] + new[..., 3:5] <= 1 + 1e-4))[visible].all()
    for i, k in visible.nonzero().tolist():
        colour = next(c for (_, c), index in PAIR_INDEX.items() if index == k)
        if new[i, k, 3] * 128 >= 4:
            seen = _pixel(moved[i].permute(1, 2, 0).numpy() * 255, float(new[i, k, 1]), float(new[i, k, 2]))
            assert np.abs(seen - COLOUR_RGB[colour]).max() < 70


def test_scene_reader_answers_every_question_from_perfect_probes(world):
    """Given exact probes (the pair tables, or the cell targets, of the 8 sampled frames), the probe-only answers
    score 100% on the world's eval questions: the reader's logic (and its use of the scorer) is right; errors in a
    real check are the tower's."""
    questions = [q for split in ("train", "val", "test")
                 for q in json.loads((world / f"eval_{split}.json").read_text())]
    by_clip = {}
    for q in questions:
        by_clip.setdefault(q["v_id"], []).append(q)
    wrong = []
    for record, clip in _clips(world):
        indices = [((2 * k + 1) * clip.num_frames) // 16 for k in range(8)]
        tables = pair_tables(clip, indices)
        times = np.asarray(indices) / (clip.num_frames - 1)
        cells = cell_targets(torch.from_numpy(tables), GRID)
        scenes = {"global": ClipScene(tables[..., 0] > 0, tables[..., 1:3], times),
                  "cells": scene_from_cells(np.eye(5)[cells.shape.numpy()], np.eye(7)[cells.colour.numpy()],
                                            cells.offset.numpy(), times)}
        for q in by_clip[record["id"]]:
            turns = q["conversations"]
            for source, scene in scenes.items():
                predicted = answer(scene, q["question_type"], turns[0]["value"], q["language"])
                if not score_answer(predicted, turns[1]["value"], q["question_type"]):
                    wrong.append((source, q["id"], turns[0]["value"], predicted, turns[1]["value"]))
    assert len(questions) > 200 and not wrong


def _tiny(**extra):
    overrides = {"tower.width": 32, "tower.layers": 2, "tower.heads": 2, "train.steps": 4, "train.batch_size": 8,
                 "train.warmup_steps": 1, "train.checkpoint_every": 2, "train.eval_every": 2, "train.eval_frames": 16}
    return load_settings(None, [f"{key}={value}" for key, value in {**overrides, **extra}.items()])


def test_tiny_stage0_runs_checkpoints_and_resumes_exactly(world, cache, tmp_path):
    straight = tmp_path / "straight"
    assert train_vision(world, cache, straight, _tiny(), progress=False)
    for name in ("tower/config.json", "tower/model.safetensors", "tower/preprocessor_config.json",
                 "probes.safetensors", "settings.yaml", "checkpoint/state.json", "checkpoint/optimizer.safetensors"):
        assert (straight / name).is_file(), name
    steps = [json.loads(line) for line in (straight / "log.jsonl").read_text().splitlines()]
    assert [e["step"] for e in steps if "eval" not in e] == [1, 2, 3, 4]
    assert [e["step"] for e in steps if "eval" in e] == [2, 4]

    resumed = tmp_path / "resumed"
    assert not train_vision(world, cache, resumed, _tiny(**{"train.time_limit_s": 0}), progress=False)
    assert json.loads((resumed / "checkpoint/state.json").read_text())["step"] == 0
    assert not train_vision(world, cache, resumed, _tiny(**{"train.session_steps": 3}), progress=False)
    assert json.loads((resumed / "checkpoint/state.json").read_text())["step"] == 3
    assert not (resumed / "tower").exists()
    assert train_vision(world, cache, resumed, _tiny(), progress=False)
    a, b = load_file(str(straight / "tower/model.safetensors")), load_file(str(resumed / "tower/model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert train_vision(world, cache, resumed, _tiny(), progress=False)  # finished: nothing to do


def test_tiny_resnet_tower_trains_and_is_checked_on_mp4_clips(world, cache, tmp_path):
    settings = _tiny(**{"tower.kind": "resnet", "tower.embedding_size": 8, "tower.hidden_sizes": [8, 8, 16],
                        "tower.depths": [1, 1, 1], "train.steps": 2})
    assert train_vision(world, cache, tmp_path, settings, progress=False)
    report = check_tower(tmp_path, world, ("val", "test"), progress=False)
    questions = [q for split in ("val", "test") for q in json.loads((world / f"eval_{split}.json").read_text())]
    assert report["clips"] == 4 and report["frames"] == 32
    for source in ("questions_from_global_tokens", "questions_from_cells"):
        assert report[source]["overall"]["n"] == len(questions)
        assert 0 <= report[source]["overall"]["accuracy"] <= 1
    assert set(report["frame_metrics"]) >= {"cell_shape_acc", "cell_colour_acc", "pair_visible_acc",
                                            "pair_xy_error_px"}


def test_teacher_forced_counts_only_answer_tokens_and_every_question(world):
    from recipes.demo.teacher_forced import answer_positions, teacher_forced_accuracy
    from videoassist.testing import build_tiny_model

    model, processor = build_tiny_model("valley_v1")
    records = json.loads((world / "eval_val.json").read_text())[:6]
    conversation = [{"role": "user", "content": "<video>\nWhat colour is the circle?"},
                    {"role": "assistant", "content": "red"}]
    ids, labels, _ = processor.encode_conversation(conversation, 8, False)
    shifted = torch.tensor(labels[1:])
    answer = [processor.tokenizer.decode([int(ids[1:][i])]) for i in answer_positions(shifted, processor.tokenizer)]
    assert "".join(answer).strip() == "red"
    report = teacher_forced_accuracy(model.eval(), processor, records, world, progress=False)
    assert report["overall"]["n"] == len(records)
    assert sum(v["n"] for k, v in report.items() if k in ("en", "zh")) == len(records)


def test_align_trains_the_read_out_through_the_loop_and_writes_the_frozen_model(world, cache, tmp_path):
    """Stage 1 on a tiny stage-0 ResNet and a tiny LLM: the read-out learns (the cell classifier stays), the run is
    checkpointed by the loop, the model is written with `freeze` set and loads; a finished run is skipped."""
    from recipes.demo.align import train_readout
    from recipes.demo.settings import AlignSettings
    from recipes.demo.visual_words import ARCHITECTURE
    from videoassist.checkpoints.sources import load_model
    from videoassist import build
    from videoassist.testing import save_tiny_model

    settings = _tiny(**{"tower.kind": "resnet", "tower.embedding_size": 8, "tower.hidden_sizes": [8, 8, 16],
                        "tower.depths": [1, 1, 1], "train.steps": 1})
    assert train_vision(world, cache, tmp_path / "vision", settings, progress=False)
    llm = save_tiny_model(tmp_path / "tiny") / "base_llm"
    model, processor = build(str(tmp_path / "vision" / "tower"), str(llm), select_layer=-1,
                             vision_grid=settings.tower.grid(128), **ARCHITECTURE)
    model.save_pretrained(tmp_path / "base")
    processor.save_pretrained(tmp_path / "base")
    before = {k: v.clone() for k, v in model.token_builder.state_dict().items()}

    align = AlignSettings(steps=4, batch_size=4, warmup_steps=1, eval_every=2, checkpoint_every=2)
    metrics = train_readout(tmp_path / "base", world, cache, tmp_path / "align", align, progress=False)
    assert metrics["step"] == 4 and 0 <= metrics["count_acc"] <= 1
    logged = [json.loads(line) for line in (tmp_path / "align" / "readout_log.jsonl").read_text().splitlines()]
    assert [entry["step"] for entry in logged] == [2, 4]
    assert json.loads((tmp_path / "align" / "checkpoint" / "state.json").read_text())["step"] == 4
    aligned, _ = load_model(str(tmp_path / "align"))
    assert aligned.config.token_builder_config.freeze
    after = aligned.token_builder.state_dict()
    assert torch.equal(after["cell_class.weight"], before["cell_class.weight"])  # the stage-0 classifier stays
    assert not torch.equal(after["count.weight"], before["count.weight"])  # the read-out learned
    assert train_readout(tmp_path / "base", world, cache, tmp_path / "align", align, progress=False) == metrics
