"""Shared fixtures of the data tests (imported by test_data_*.py, test_collator.py, test_shards.py): a small
synthetic dataset in the real Valley formats, and a dataset with a missing and a corrupt video."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from data_tools.__main__ import main as data_tools_main

SYNTH_CLIPS = 6  # all in the train split; 64 px, 2-4 s


@pytest.fixture(scope="session")
def synth_folder(tmp_path_factory) -> Path:
    """`python -m data_tools synth` output: synth/<id>.mp4, pretrain_train.json, instruct_train.json, …"""
    out = tmp_path_factory.mktemp("data_synth") / "synth_data"
    assert data_tools_main(["synth", "--out", str(out), "--n", str(SYNTH_CLIPS), "--seed", "5",
                            "--min-size", "64", "--max-size", "64", "--quiet"]) == 0
    return out


def write_json(path: Path, records) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def caption_record(record_id: str, video: str, caption: str = "A red circle moves to the left.") -> dict:
    return {"id": record_id, "video": video, "conversations": [
        {"from": "human", "value": "<video>\nDescribe this video."}, {"from": "gpt", "value": caption}]}


@pytest.fixture(scope="session")
def flawed_folder(synth_folder, tmp_path_factory) -> Path:
    """videos/ with good clips, one truncated and one text file named .mp4; flawed.json names them and one
    missing clip, in the order good_0, missing, good_1, corrupt, text, good_2."""
    root = tmp_path_factory.mktemp("data_flawed")
    videos = root / "videos"
    videos.mkdir()
    clips = sorted((synth_folder / "synth").glob("*.mp4"))
    for k in range(3):
        shutil.copy(clips[k], videos / f"good_{k}.mp4")
    data = clips[3].read_bytes()
    (videos / "corrupt.mp4").write_bytes(data[: len(data) // 3])
    (videos / "text.mp4").write_text("not a video\n" * 50)
    names = ["good_0", "missing", "good_1", "corrupt", "text", "good_2"]
    write_json(root / "flawed.json", [caption_record(name, f"{name}.mp4") for name in names])
    return root
