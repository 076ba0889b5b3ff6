"""VideoConversationDataset (bad videos skipped and counted, never a crash), FailureLog, MixedDataset weights,
and build_dataset's choices."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
import torch

from test_data_fixtures import caption_record, flawed_folder, synth_folder, write_json  # noqa: F401 (fixtures)
from videoassist.data import (DataSpec, FailureLog, MixedDataset, ShardDataset, VideoConversationDataset,
                              build_dataset, read_records, write_shards)
from videoassist.errors import DataError
from videoassist.video import SamplingConfig, sample_frames

GOOD = ["good_0", "good_1", "good_2"]


def flawed_dataset(flawed_folder, log_path=None, **sampling):
    samples = read_records(flawed_folder / "flawed.json", flawed_folder / "videos")
    return VideoConversationDataset(samples, SamplingConfig(**sampling) if sampling else None, FailureLog(log_path))


def test_items_hold_messages_and_sampled_frames(synth_folder):
    samples = read_records(synth_folder / "instruct_train.json")
    dataset = VideoConversationDataset(samples, SamplingConfig(num_frames=4))
    assert len(dataset) == len(samples)
    item = dataset[2]
    assert item["id"] == samples[2].id and item["messages"] == samples[2].messages
    expected = sample_frames(samples[2].video, num_frames=4).frames
    assert item["frames"].dtype == np.uint8 and item["frames"].shape == (4, 64, 64, 3)
    assert np.array_equal(item["frames"], expected)


def test_rate_sampling_follows_the_sampling_config(synth_folder):
    samples = read_records(synth_folder / "pretrain_train.json")
    dataset = VideoConversationDataset(samples, SamplingConfig(num_frames=None, fps=1.0, max_frames=2))
    assert len(dataset[0]["frames"]) == 2  # clips last 2-4 s: 3-5 frames at 1 fps, capped at 2


def test_missing_and_corrupt_videos_are_skipped_counted_and_logged(flawed_folder, tmp_path):
    log_path = tmp_path / "failures.jsonl"
    dataset = flawed_dataset(flawed_folder, log_path, num_frames=2)
    ids = [dataset[i]["id"] for i in range(len(dataset))]
    # every index yields a readable sample: a bad one is replaced by the next good one
    assert ids == ["good_0", "good_1", "good_1", "good_2", "good_2", "good_2"]
    assert dataset.failure_log.counts == {"missing": 1, "unreadable": 2}
    assert dataset.failure_log.total == 3
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert {(e["id"], e["reason"]) for e in lines} == {("missing", "missing"), ("corrupt", "unreadable"),
                                                        ("text", "unreadable")}
    assert all(e["video"].endswith(f"{e['id']}.mp4") and e["detail"] for e in lines)
    # a bad sample is tried once per process, however often it is asked for
    for _ in range(3):
        dataset[1]
    assert len(log_path.read_text().splitlines()) == 3


def test_dataloader_workers_share_one_failure_file(flawed_folder, tmp_path):
    log_path = tmp_path / "failures.jsonl"
    dataset = flawed_dataset(flawed_folder, log_path, num_frames=2)
    loader = torch.utils.data.DataLoader(dataset, batch_size=2, num_workers=2, collate_fn=list)
    seen = [item["id"] for batch in loader for item in batch]
    assert len(seen) == len(dataset) and set(seen) <= set(GOOD)
    summary = FailureLog.read(log_path)
    assert summary.counts == {"missing": 1, "unreadable": 2}
    assert summary.summary() == "3 samples skipped (missing 1, unreadable 2)"


def test_failure_log_read_ignores_a_line_cut_short(tmp_path):
    path = tmp_path / "log.jsonl"
    log = FailureLog(path)
    log.record("a", "a.mp4", "missing")
    log.record("a", "a.mp4", "missing")  # the same sample again (another epoch): counted once
    log.record("b", "b.mp4", "unreadable", "is not a video")
    with open(path, "a") as handle:
        handle.write('{"id": "c", "vid')
    read = FailureLog.read(path)
    assert read.counts == {"missing": 1, "unreadable": 1} and len(read.entries) == 3
    assert FailureLog.read(tmp_path / "absent.jsonl").summary() == "no samples skipped"


def test_a_dataset_without_a_readable_video_says_so(tmp_path):
    path = write_json(tmp_path / "all_missing.json", [caption_record(f"m{k}", f"m{k}.mp4") for k in range(3)])
    dataset = VideoConversationDataset(read_records(path))
    with pytest.raises(DataError, match="none of the 3 samples has a readable video .*missing 3.*video root"):
        dataset[0]


def test_text_only_samples_have_no_frames(tmp_path):
    path = write_json(tmp_path / "text.json", [{"id": "t", "conversations": [
        {"from": "human", "value": "Hello?"}, {"from": "gpt", "value": "Hello."}]}])
    assert VideoConversationDataset(read_records(path))[0] == {
        "id": "t", "messages": [{"role": "user", "content": "Hello?"}, {"role": "assistant", "content": "Hello."}],
        "frames": None, "timestamps": None}


# ---- MixedDataset ----------------------------------------------------------------------------------------------

def test_mixed_dataset_draws_by_weight():
    big, small = [("big", i) for i in range(100)], [("small", i) for i in range(10)]
    mixed = MixedDataset([big, small], weights=[3, 1], seed=1, length=4000)
    names = Counter(mixed[i][0] for i in range(len(mixed)))
    assert len(mixed) == 4000
    assert abs(names["small"] / 4000 - 0.25) < 0.03  # 4.4 standard deviations
    # the small dataset is upsampled in shuffled passes: all 10 items before any repeats
    smalls = [mixed[i][1] for i in range(len(mixed)) if mixed[i][0] == "small"]
    assert sorted(smalls[:10]) == list(range(10)) and sorted(smalls[10:20]) == list(range(10))


def test_mixed_dataset_is_deterministic_for_a_seed():
    parts = [list(range(50)), list(range(100, 130))]
    first, again, other = (MixedDataset(parts, [1, 1], seed=s) for s in (7, 7, 8))
    assert len(first) == 80
    assert [first[i] for i in range(80)] == [again[i] for i in range(80)]
    assert [first[i] for i in range(80)] != [other[i] for i in range(80)]


@pytest.mark.parametrize("weights", [[1], [-1, 2], [0, 0]])
def test_mixed_dataset_refuses_bad_weights(weights):
    with pytest.raises(ValueError, match="weight"):
        MixedDataset([[1], [2]], weights)


# ---- build_dataset ---------------------------------------------------------------------------------------------

def test_build_dataset_one_spec_several_specs_and_shards(synth_folder, tmp_path):
    pretrain = DataSpec(str(synth_folder / "pretrain_train.json"))
    instruct = DataSpec(str(synth_folder / "instruct_train.json"), video_root=str(synth_folder), weight=2.0)
    single = build_dataset([pretrain], SamplingConfig(num_frames=2))
    assert isinstance(single, VideoConversationDataset) and len(single) == 2 * 6
    mixed = build_dataset([pretrain, instruct], SamplingConfig(num_frames=2), seed=3)
    assert isinstance(mixed, MixedDataset) and len(mixed) == 12 + 6
    assert mixed[0]["frames"].shape == (2, 64, 64, 3)
    write_shards(synth_folder / "instruct_train.json", None, tmp_path / "shards", max_count=4)
    shards = build_dataset([DataSpec(str(tmp_path / "shards"))])
    assert isinstance(shards, ShardDataset) and shards.num_samples == 6
    streams = build_dataset([DataSpec(str(tmp_path / "shards")), DataSpec(str(tmp_path / "shards"), weight=2)])
    assert isinstance(streams, torch.utils.data.IterableDataset)
    with pytest.raises(DataError, match="mixes JSON datasets with shards"):
        build_dataset([pretrain, DataSpec(str(tmp_path / "shards"))])


def test_build_dataset_refuses_what_it_cannot_read(tmp_path):
    with pytest.raises(DataError, match="neither a .json/.jsonl file nor shards"):
        build_dataset([DataSpec(str(tmp_path / "data.txt"))])
    with pytest.raises(DataError, match="unknown data format 'csv'"):
        build_dataset([DataSpec(str(tmp_path / "data.json"), format="csv")])
    with pytest.raises(DataError, match="no datasets"):
        build_dataset([])
