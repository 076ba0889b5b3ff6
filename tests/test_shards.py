"""write_shards / ShardDataset: the shards give back exactly the JSON dataset's samples (ids, messages, frames),
bad videos are skipped when writing, bad samples and bad shards when reading, and ranks and workers split the
shards without duplicates."""

from __future__ import annotations

import io
import json
import tarfile

import numpy as np
import pytest
import torch

from test_data_fixtures import caption_record, flawed_folder, synth_folder, write_json  # noqa: F401 (fixtures)
from videoassist.data import FailureLog, ShardDataset, VideoConversationDataset, read_records, write_shards
from videoassist.errors import DataError
from videoassist.video import SamplingConfig

SAMPLING = SamplingConfig(num_frames=3)


@pytest.fixture(scope="module")
def instruct_shards(synth_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("shards") / "instruct"
    report = write_shards(synth_folder / "instruct_train.json", synth_folder, out, max_count=2)
    return out, report


def test_shards_hold_every_record_and_an_index(instruct_shards):
    out, report = instruct_shards
    assert report.written == 6 and not report.skipped
    assert sorted(p.name for p in out.iterdir()) == ["index.json", "shard-000000.tar", "shard-000001.tar",
                                                     "shard-000002.tar"]
    index = json.loads((out / "index.json").read_text())
    assert index["total"] == 6 and [s["count"] for s in index["shards"]] == [2, 2, 2]
    with tarfile.open(out / "shard-000000.tar") as tar:  # keys are the records' indices in the JSON
        assert tar.getnames() == ["000000000.json", "000000000.mp4", "000000001.json", "000000001.mp4"]


def test_shards_yield_the_same_samples_as_the_json(synth_folder, instruct_shards):
    out, _ = instruct_shards
    from_json = VideoConversationDataset(read_records(synth_folder / "instruct_train.json"), SAMPLING)
    from_shards = list(ShardDataset(out, SAMPLING))
    assert [i["id"] for i in from_shards] == [from_json[k]["id"] for k in range(len(from_json))]
    for k, streamed in enumerate(from_shards):
        assert streamed["messages"] == from_json[k]["messages"]
        assert streamed["frames"].shape == (3, 64, 64, 3)
        assert np.array_equal(streamed["frames"], from_json[k]["frames"])


def test_missing_and_corrupt_videos_are_not_written(flawed_folder, tmp_path):
    skipped = []
    report = write_shards(flawed_folder / "flawed.json", flawed_folder / "videos", tmp_path / "out",
                          on_skip=lambda *args: skipped.append(args))
    assert report.written == 3
    assert [(sample_id, problem) for sample_id, _, problem in skipped][0] == ("missing", "no such file")
    assert [sample_id for sample_id, _, _ in skipped] == ["missing", "corrupt", "text"]
    assert all(video.endswith(f"{sample_id}.mp4") for sample_id, video, _ in skipped)
    assert [i["id"] for i in ShardDataset(tmp_path / "out", SAMPLING)] == ["good_0", "good_1", "good_2"]


def test_image_and_text_only_records_round_trip(media, tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "images/still.png").write_bytes(media["png"].read_bytes())
    path = write_json(tmp_path / "llava.json", [
        {"id": "img", "image": "still.png", "conversations": [
            {"from": "human", "value": "<image>\nWhat is shown?"}, {"from": "gpt", "value": "Blocks."}]},
        {"id": "txt", "conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]},
    ])
    write_shards(path, tmp_path / "images", tmp_path / "out")
    expected = VideoConversationDataset(read_records(path, tmp_path / "images"), SAMPLING)
    streamed = list(ShardDataset(tmp_path / "out", SAMPLING))
    assert [i["id"] for i in streamed] == ["img", "txt"]
    assert streamed[0]["frames"].shape[0] == 1 and np.array_equal(streamed[0]["frames"], expected[0]["frames"])
    assert streamed[0]["messages"] == expected[0]["messages"] and "<video>" in streamed[0]["messages"][0]["content"]
    assert streamed[1] == expected[1]


def test_writing_into_a_folder_with_shards_is_refused(instruct_shards, synth_folder):
    out, _ = instruct_shards
    with pytest.raises(DataError, match="already holds shards"):
        write_shards(synth_folder / "instruct_train.json", synth_folder, out)


def test_an_interrupted_run_resumes_after_its_last_complete_shard(flawed_folder, tmp_path):
    out = tmp_path / "out"

    def interrupt(*skipped):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # stopped at record 1 (the missing clip), after good_0 was written
        write_shards(flawed_folder / "flawed.json", flawed_folder / "videos", out, max_count=2, on_skip=interrupt)
    assert [p.name for p in out.iterdir()] == ["shard-000000.tar"]
    report = write_shards(flawed_folder / "flawed.json", flawed_folder / "videos", out, max_count=2, resume=True)
    assert report.written == 2 and [s["count"] for s in report.shards] == [1, 2]
    assert json.loads((out / "index.json").read_text())["total"] == 3
    assert [i["id"] for i in ShardDataset(out, SAMPLING)] == ["good_0", "good_1", "good_2"]


def test_a_brace_pattern_names_the_shards(instruct_shards):
    out, _ = instruct_shards
    streamed = ShardDataset(f"{out}/shard-{{000000..000001}}.tar", SamplingConfig(num_frames=1))
    assert [i["id"] for i in streamed] == [f"synth_{k:06d}" for k in range(4)]
    assert streamed.num_samples is None


def test_ranks_and_workers_split_the_shards_without_duplicates(instruct_shards, monkeypatch):
    out, _ = instruct_shards
    seen = []
    for rank in range(2):  # two ranks, each with two DataLoader workers: 4 readers of 3 shards
        monkeypatch.setenv("RANK", str(rank))
        monkeypatch.setenv("WORLD_SIZE", "2")
        loader = torch.utils.data.DataLoader(ShardDataset(out, SAMPLING), batch_size=None, num_workers=2)
        seen.append([item["id"] for item in loader])
    assert sorted(seen[0] + seen[1]) == [f"synth_{k:06d}" for k in range(6)]
    assert len(seen[0]) == 4 and len(seen[1]) == 2  # rank 0 has shards 0 and 2, rank 1 shard 1


def test_shuffling_is_deterministic_for_a_seed(instruct_shards):
    out, _ = instruct_shards

    def order(seed):
        return [item["id"] for item in ShardDataset(out, SamplingConfig(num_frames=1), shuffle=10, seed=seed)]

    assert order(1) == order(1)
    assert sorted(order(1)) == [f"synth_{k:06d}" for k in range(6)]
    assert len({tuple(order(seed)) for seed in range(5)}) > 1


def _tar(path, members: dict[str, bytes]):
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_bad_samples_and_bad_shards_are_logged_and_skipped(synth_folder, tmp_path):
    clip = next((synth_folder / "synth").glob("*.mp4")).read_bytes()
    record = json.dumps(caption_record("ok", "x.mp4")).encode()
    _tar(tmp_path / "shard-000000.tar", {
        "a.json": record, "a.mp4": clip,
        "b.json": json.dumps(caption_record("garbled", "x.mp4")).encode(), "b.mp4": b"\x00not a video" * 40,
        "c.json": b'{"id": "broken", "conversations": 3}', "c.mp4": clip,
        "d.json": record.replace(b'"ok"', b'"ok2"'), "d.mp4": clip,
    })
    (tmp_path / "shard-000001.tar").write_bytes(b"this is not a tar file" * 100)
    log = FailureLog(tmp_path / "failures.jsonl")
    items = list(ShardDataset(tmp_path, SAMPLING, failure_log=log))
    assert [i["id"] for i in items] == ["ok", "ok2"]
    assert log.counts == {"unreadable": 1, "bad record": 1, "unreadable shard": 1}
    assert FailureLog.read(tmp_path / "failures.jsonl").counts == log.counts
