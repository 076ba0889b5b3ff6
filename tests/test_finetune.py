"""`videoassist finetune`: a folder of clips with captions → a LoRA checkpoint that `videoassist ask` loads."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from test_train_fixtures import clips, one_thread, tiny_models  # noqa: F401 (fixtures)
from videoassist.cli.main import main
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
    folder = clip_folder(clips, tmp_path / "clips", count=2)
    spec = prepare_data(folder / "captions.csv", tmp_path / "out")
    assert spec.video_root == str(folder) and len(json.loads(open(spec.path).read())) == 2
    (folder / "captions.csv").rename(folder / "my_clips.csv")  # a folder's only captions file, by any name
    spec = prepare_data(folder, tmp_path / "out2")
    assert spec.video_root == str(folder) and len(json.loads(open(spec.path).read())) == 2


@pytest.mark.parametrize("make, problem", [(lambda d: d, "has no captions.csv or captions.jsonl"),
                                           (lambda d: d / "absent", "no such file or folder")])
def test_unusable_data_is_one_line_naming_it(tmp_path, capsys, make, problem):
    data = make(tmp_path)
    assert main(["finetune", "--data", str(data), "--output", str(tmp_path / "out"), "--base", "demo"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"{data}: {problem}" in error
