"""`python -m data_tools validate | import-clips | shard` on good and bad inputs: exit codes, one-line messages
naming the file, and the files they write."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from data_tools.__main__ import main
from test_data_fixtures import flawed_folder, synth_folder, write_json  # noqa: F401 (fixtures)
from videoassist.data import ShardDataset, read_records


def error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    return err


# ---- validate --------------------------------------------------------------------------------------------------

def test_validate_accepts_a_good_dataset(synth_folder, capsys):
    assert main(["validate", str(synth_folder / "instruct_train.json"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "6 records, 6 distinct videos checked" in out and "all videos are usable" in out


@pytest.mark.parametrize("workers", [1, 2])
def test_validate_reports_missing_corrupt_and_short_videos(flawed_folder, tmp_path, capsys, workers):
    report = tmp_path / "report.jsonl"
    status = main(["validate", str(flawed_folder / "flawed.json"), "--video-root", str(flawed_folder / "videos"),
                   "--min-seconds", "60", "--report", str(report), "--workers", str(workers), "--quiet"])
    out = capsys.readouterr().out
    assert status == 1
    assert "corrupt: 2 videos (2 records)" in out
    assert "missing: 1 video (1 records)" in out
    assert "too short: 3 videos (3 records)" in out
    assert f"{flawed_folder / 'videos' / 'missing.mp4'}: no such file" in out
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    assert sorted((line["ids"][0], line["problem"]) for line in lines) == [
        ("corrupt", "corrupt"), ("good_0", "too short"), ("good_1", "too short"), ("good_2", "too short"),
        ("missing", "missing"), ("text", "corrupt")]
    assert all("less than 60 s" in line["detail"] for line in lines if line["problem"] == "too short")


def test_validate_counts_frames(synth_folder, capsys):
    assert main(["validate", str(synth_folder / "pretrain_train.json"), "--min-frames", "10", "--quiet"]) == 0
    assert main(["validate", str(synth_folder / "pretrain_train.json"), "--min-frames", "100000", "--quiet"]) == 1
    assert "too short: 6 videos (12 records)" in capsys.readouterr().out


def test_validate_names_a_malformed_file(tmp_path, capsys):
    path = write_json(tmp_path / "bad.json", [{"id": "x", "video": "x.mp4"}])
    assert main(["validate", str(path)]) == 1
    assert error_line(capsys) == f'data_tools validate: error: {path}: record 0 (id x) has no "conversations"'


# ---- import-clips ----------------------------------------------------------------------------------------------

@pytest.fixture
def clips(synth_folder, tmp_path):
    """A user's folder: clips/a.mp4, clips/b.mp4, clips/sub/c.mp4."""
    folder = tmp_path / "clips"
    (folder / "sub").mkdir(parents=True)
    sources = sorted((synth_folder / "synth").glob("*.mp4"))
    for source, name in zip(sources, ["a.mp4", "b.mp4", "sub/c.mp4"]):
        shutil.copy(source, folder / name)
    return folder


def test_import_clips_from_csv(clips, tmp_path, capsys):
    captions = tmp_path / "captions.csv"
    captions.write_text("video,caption\na.mp4,A red circle moves up.\nsub/c.mp4,一个蓝色的正方形保持静止。\n"
                        "gone.mp4,Nothing here.\n" 'b.mp4,"Two shapes, one red.\nThe end."\n', encoding="utf-8")
    out = tmp_path / "out" / "deeper" / "train.json"
    status = main(["import-clips", str(clips), "--captions", str(captions), "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 1  # a clip was missing; the rest is written all the same
    assert captured.err.strip() == f"import-clips: skipped {clips / 'gone.mp4'}: no such file ({captions} line 4)"
    records = json.loads(out.read_text(encoding="utf-8"))
    assert records == [  # video paths relative to the JSON file's own folder
        {"id": "a", "video": "../../clips/a.mp4", "conversations": [
            {"from": "human", "value": "<video>\nDescribe this video."},
            {"from": "gpt", "value": "A red circle moves up."}]},
        {"id": "sub_c", "video": "../../clips/sub/c.mp4", "conversations": [
            {"from": "human", "value": "<video>\n描述这个视频。"},
            {"from": "gpt", "value": "一个蓝色的正方形保持静止。"}]},
        {"id": "b", "video": "../../clips/b.mp4", "conversations": [
            {"from": "human", "value": "<video>\nDescribe this video."},
            {"from": "gpt", "value": "Two shapes, one red.\nThe end."}]},
    ]
    samples = read_records(out)  # no video root needed
    assert [s.video.resolve() for s in samples] == [clips.resolve() / n for n in ("a.mp4", "sub/c.mp4", "b.mp4")]
    assert f"wrote 3 records to {out} (video paths relative to {out.parent})" in captured.out
    assert "skipped 1 rows" in captured.out
    assert main(["validate", str(out), "--quiet"]) == 0  # the next tool reads it with no flag
    assert "all videos are usable" in capsys.readouterr().out


def test_import_clips_from_jsonl_with_conversations_captions_and_absolute_paths(clips, tmp_path, capsys):
    captions = tmp_path / "clips.jsonl"
    rows = [
        {"video": "a.mp4", "conversations": [{"from": "human", "value": "What moves?"},
                                             {"from": "gpt", "value": "The circle.", "lang": "en"}]},
        {"video": "b.mp4", "conversations": [{"role": "user", "content": "<video>\nHow many?"},
                                             {"role": "assistant", "content": "two"}]},
        {"video": str((clips / "sub/c.mp4").resolve()), "caption": "一个圆形。", "id": "mine"},
        {"video": "a.mp4", "caption": "Again the same clip."},
    ]
    captions.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{broken\n")
    out = tmp_path / "train.json"
    assert main(["import-clips", str(clips), "--captions", str(captions), "--out", str(out),
                 "--prompt-lang", "en"]) == 1
    assert error_line(capsys).startswith(f"import-clips: skipped {captions} line 5: is not valid JSON")
    records = json.loads(out.read_text(encoding="utf-8"))
    assert [r["id"] for r in records] == ["a", "b", "mine", "a_2"]
    assert records[0]["conversations"] == [{"from": "human", "value": "<video>\nWhat moves?"},
                                           {"from": "gpt", "value": "The circle.", "lang": "en"}]
    assert records[1]["conversations"][0] == {"from": "human", "value": "<video>\nHow many?"}
    assert records[2]["video"] == "clips/sub/c.mp4"  # absolute, but inside the folder: stored relative
    assert records[2]["conversations"][0]["value"] == "<video>\nDescribe this video."  # --prompt-lang en
    assert all(s.video.is_file() for s in read_records(out))


def test_import_clips_keeps_a_clip_outside_the_folder_absolute(clips, tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere.mp4"
    shutil.copy(clips / "a.mp4", elsewhere)
    captions = clips / "captions.csv"
    captions.write_text(f"video,caption\nb.mp4,A clip.\n{elsewhere},Another.\n")
    out = tmp_path / "data" / "train.json"
    assert main(["import-clips", str(clips), "--captions", str(captions), "--out", str(out)]) == 0
    records = json.loads(out.read_text(encoding="utf-8"))
    assert [r["video"] for r in records] == ["../clips/b.mp4", str(elsewhere.resolve())]
    assert [s.video.resolve() for s in read_records(out)] == [(clips / "b.mp4").resolve(), elsewhere.resolve()]


def test_import_clips_refuses_a_csv_without_captions(clips, tmp_path, capsys):
    captions = tmp_path / "captions.csv"
    captions.write_text("file,text\na.mp4,hello\n")
    assert main(["import-clips", str(clips), "--captions", str(captions), "--out", str(tmp_path / "o.json")]) == 1
    assert error_line(capsys) == (f"data_tools import-clips: error: {captions}: has no caption or video column "
                                  "(expected a header: video,caption)")
    assert not (tmp_path / "o.json").exists()


def test_import_clips_with_no_usable_clip_writes_nothing(clips, tmp_path, capsys):
    captions = tmp_path / "captions.csv"
    captions.write_text("video,caption\nnope.mp4,A clip.\n")
    assert main(["import-clips", str(clips), "--captions", str(captions), "--out", str(tmp_path / "o.json")]) == 1
    nope = clips / "nope.mp4"
    assert error_line(capsys) == (f"data_tools import-clips: error: {captions}: no usable clips, nothing written "
                                  f"(1 row skipped: {nope}: no such file ({captions} line 2))")
    assert not (tmp_path / "o.json").exists()


# ---- shard -----------------------------------------------------------------------------------------------------

def test_shard_writes_streamable_shards(synth_folder, tmp_path, capsys):
    out = tmp_path / "shards"
    assert main(["shard", str(synth_folder / "pretrain_train.json"), "--video-root", str(synth_folder),
                 "--out", str(out), "--max-count", "5", "--quiet"]) == 0
    assert "wrote 12 samples in 3 shards" in capsys.readouterr().out
    assert sorted(p.name for p in out.glob("*.tar")) == [f"shard-{k:06d}.tar" for k in range(3)]
    assert len(list(ShardDataset(out))) == 12


def test_shard_skips_and_reports_bad_videos(flawed_folder, tmp_path, capsys):
    out = tmp_path / "shards"
    assert main(["shard", str(flawed_folder / "flawed.json"), "--video-root", str(flawed_folder / "videos"),
                 "--out", str(out), "--quiet"]) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 3 and lines[0] == (f"shard: skipped {flawed_folder / 'videos' / 'missing.mp4'}: "
                                            "no such file (record missing)")
    assert "wrote 3 samples in 1 shards" in captured.out and "skipped 3" in captured.out
    assert main(["shard", str(flawed_folder / "flawed.json"), "--out", str(out)]) == 1
    assert error_line(capsys) == (f"data_tools shard: error: {out}: already holds shards: resume them (--resume) "
                                  "or choose an empty folder")


def test_the_commands_run_as_a_module(tmp_path):
    result = subprocess.run([sys.executable, "-m", "data_tools", "validate", str(tmp_path / "none.json")],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip() == f"data_tools validate: error: {tmp_path / 'none.json'}: no such file"
