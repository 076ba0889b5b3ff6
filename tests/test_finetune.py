"""`videoassist finetune`: a folder of clips with captions → a LoRA checkpoint that `videoassist ask` loads."""

from __future__ import annotations

import csv
import json
import shutil

import av
import numpy as np
import pytest

from data_tools.__main__ import main as data_tools_main
from test_train_fixtures import clips, one_thread, tiny_models  # noqa: F401 (fixtures)
from videoassist.cli.main import main
from videoassist.data import read_records
from videoassist.training.finetune import prepare_data


def clip_folder(clips, folder, count=6):
    """`count` synthetic clips and their captions.csv, as a user would bring them."""
    folder.mkdir()
    records = json.loads((clips / "pretrain_train.json").read_text())[:count]
    with open(folder / "captions.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["video", "caption"])
        for record in records:
            name = f"clip_{record['id']}.mp4"
            shutil.copy(clips / record["video"], folder / name)
            writer.writerow([name, record["conversations"][1]["value"]])
    return folder


def test_finetune_a_folder_of_clips_into_a_checkpoint_that_ask_loads(clips, tiny_models, tmp_path, capsys):
    folder, output = clip_folder(clips, tmp_path / "my_clips"), tmp_path / "finetuned"
    argv = ["finetune", "--data", str(folder), "--output", str(output), "--base", str(tiny_models("llamavid")),
            "--max-steps", "3", "--batch-size", "2"]
    assert main(argv) == 0
    assert len(json.loads((output / "finetune_data.json").read_text())) == 6
    assert (output / "llm_adapter" / "adapter_model.safetensors").is_file()
    assert (output / "model.safetensors").stat().st_size < 200_000  # trained modules only, base models referenced
    capsys.readouterr()

    video = next(folder.glob("*.mp4"))
    assert main(["ask", str(video), "What colour is the circle?", "--model", str(output), "--json",
                 "--frames", "4", "--max-new-tokens", "3"]) == 0
    answer = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert isinstance(answer["answer"], str) and answer["visual_tokens"] == 4 * 2  # llamavid: 2 per frame


def test_data_given_as_a_valley_json_or_a_captions_file(clips, tmp_path):
    spec = prepare_data(clips / "pretrain_train.json", tmp_path / "out")
    assert spec.path == str(clips / "pretrain_train.json") and spec.video_root is None  # used as it is
    spec = prepare_data(clips / "pretrain_train.json", tmp_path / "out", video_root=tmp_path / "videos")
    assert spec.video_root == str(tmp_path / "videos")
    folder = clip_folder(clips, tmp_path / "clips", count=2)
    spec = prepare_data(folder / "captions.csv", tmp_path / "out")
    assert spec.video_root is None and all(s.video.is_file() for s in read_records(spec.path))
    (folder / "captions.csv").rename(folder / "my_clips.csv")  # a folder's only captions file, by any name
    spec = prepare_data(folder, tmp_path / "out2")
    assert spec.video_root is None and len(read_records(spec.path)) == 2
    assert all(s.video.is_file() for s in read_records(spec.path))


def test_captions_in_one_folder_and_clips_in_another(clips, tmp_path):
    folder = clip_folder(clips, tmp_path / "clips", count=2)
    captions = tmp_path / "notes" / "captions.csv"
    captions.parent.mkdir()
    (folder / "captions.csv").rename(captions)
    spec = prepare_data(captions, tmp_path / "out", video_root=folder)
    videos = sorted(s.video.resolve() for s in read_records(spec.path))
    assert videos == sorted(p.resolve() for p in folder.glob("*.mp4"))


def write_clip(path, width, height, codec="libx264", pix_fmt="yuv420p", frames=8):
    """A short clip of a bar that grows from the left, in any container and frame size PyAV can write."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=8)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        for index in range(frames):
            image = np.zeros((height, width, 3), np.uint8)
            image[:, : (index + 1) * width // frames] = (220, 40, 40)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode(None))
    return path


def test_import_clips_then_finetune_its_json_then_ask(tiny_models, tmp_path, capsys):
    """The chain a user runs: import-clips writes a JSON in another folder; finetune reads it with no flag."""
    folder = tmp_path / "CLIPS"
    folder.mkdir()
    write_clip(folder / "a.mp4", 64, 48)
    write_clip(folder / "b.mkv", 64, 48)
    write_clip(folder / "c.avi", 64, 48, codec="mpeg4")
    write_clip(folder / "odd.mp4", 97, 61, pix_fmt="yuv444p")  # odd frame size (4:2:0 needs even sizes)
    (folder / "captions.csv").write_text("video,caption\na.mp4,A red bar grows.\nb.mkv,A red bar grows to the "
                                         "right.\nc.avi,The bar fills the frame.\nodd.mp4,红色的条变长。\n")
    data, output = tmp_path / "work" / "data.json", tmp_path / "ft"
    assert data_tools_main(["import-clips", str(folder), "--captions", str(folder / "captions.csv"),
                            "--out", str(data)]) == 0
    assert "wrote 4 records" in capsys.readouterr().out

    assert main(["finetune", "--data", str(data), "--output", str(output), "--base", str(tiny_models("llamavid")),
                 "--max-steps", "2", "--batch-size", "2"]) == 0
    assert not (output / "failures.jsonl").exists()  # 2 steps of 2: every clip was read, none skipped
    assert (output / "llm_adapter" / "adapter_model.safetensors").is_file()
    capsys.readouterr()

    assert main(["ask", str(folder / "odd.mp4"), "What grows?", "--model", str(output), "--json",
                 "--frames", "4", "--max-new-tokens", "3"]) == 0
    answer = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert isinstance(answer["answer"], str) and answer["visual_tokens"] == 4 * 2


@pytest.mark.parametrize("make, problem", [(lambda d: d, "has no captions.csv or captions.jsonl"),
                                           (lambda d: d / "absent", "no such file or folder")])
def test_unusable_data_is_one_line_naming_it(tmp_path, capsys, make, problem):
    data = make(tmp_path)
    assert main(["finetune", "--data", str(data), "--output", str(tmp_path / "out"), "--base", "demo"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"{data}: {problem}" in error
