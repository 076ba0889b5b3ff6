"""`videoassist caption`: outputs (jsonl, csv, srt, vtt), failures recorded while the batch goes on, exit codes,
resume after a kill, inputs, and the pieces underneath (segments, subtitles, record files, prefetch)."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from data_tools.synth.writer import write_mp4
from videoassist.captioning.inputs import expand_inputs
from videoassist.captioning.prefetch import prefetched
from videoassist.captioning.results import SegmentCaption, VideoCaptions
from videoassist.captioning.segments import segment_rate, split_by_time
from videoassist.captioning.subtitles import render_srt, render_vtt
from videoassist.captioning.writers import RESUME, CsvFile, JsonlFile
from videoassist.cli.main import main
from videoassist.errors import DataError
from videoassist.inference import VideoAssistant
from videoassist.testing import save_tiny_model

FAST = ["--max-new-tokens", "8", "--no-progress"]


def write_clip(path: Path, seconds: float, fps: int = 10, shift: int = 0) -> Path:
    """A 64x64 clip of a square sliding right; `shift` makes clips differ."""
    frames = []
    for index in range(round(seconds * fps)):
        frame = np.full((64, 64, 3), 30, np.uint8)
        x = (index + shift * 7) % 52
        frame[24:36, x : x + 12] = (220, 60, 40)
        frames.append(frame)
    write_mp4(path, frames, fps)
    return path


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> str:
    return str(save_tiny_model(tmp_path_factory.mktemp("caption-model")))


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    """clips/a.mp4 … f.mp4 (2 s each), long.mp4 (5 s), and two unusable files: notes.mp4 (text), cut.mp4 (half)."""
    folder = tmp_path_factory.mktemp("clips")
    for shift, name in enumerate("abcdef"):
        write_clip(folder / f"{name}.mp4", 2.0, shift=shift)
    write_clip(folder / "long.mp4", 5.0)
    (folder / "notes.mp4").write_text("This is a shopping list, not a video.\n" * 20)
    whole = (folder / "a.mp4").read_bytes()
    (folder / "cut.mp4").write_bytes(whole[: len(whole) // 2])
    return folder


def caption(*args) -> int:
    return main(["caption", *map(str, args)])


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


SRT_CUE = re.compile(r"(\d+)\n(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})\n([^\n]+)\n")
VTT_CUE = re.compile(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n([^\n]+)\n")


def seconds_of(h, m, s, ms) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_srt(text: str) -> list[tuple[float, float, str]]:
    """SubRip, strictly: numbered cues from 1, blank-line separated, start < end, nothing else."""
    blocks = text.split("\n\n")
    cues = []
    for number, block in enumerate(blocks, 1):
        match = SRT_CUE.fullmatch(block if block.endswith("\n") else block + "\n")
        assert match, f"not an SRT cue: {block!r}"
        assert int(match[1]) == number
        start, end = seconds_of(*match.groups()[1:5]), seconds_of(*match.groups()[5:9])
        assert start < end
        cues.append((start, end, match[10]))
    assert text.endswith("\n") and not text.endswith("\n\n")
    return cues


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    """WebVTT, strictly: the WEBVTT line, a blank line, then blank-line separated cues without markup."""
    header, _, body = text.partition("\n\n")
    assert header == "WEBVTT"
    cues = []
    for block in body.split("\n\n"):
        match = VTT_CUE.fullmatch(block if block.endswith("\n") else block + "\n")
        assert match, f"not a WebVTT cue: {block!r}"
        start, end = seconds_of(*match.groups()[0:4]), seconds_of(*match.groups()[4:8])
        assert start < end and "-->" not in match[9] and "<" not in match[9]
        cues.append((start, end, match[9]))
    return cues


# ---- end to end ---------------------------------------------------------------------------------------------


def test_jsonl_one_record_per_video_and_a_corrupt_one_in_the_middle_is_recorded(tiny_model, clips, tmp_path,
                                                                                  capsys):
    videos = [clips / "a.mp4", clips / "b.mp4", clips / "notes.mp4", clips / "c.mp4", clips / "cut.mp4"]
    output = tmp_path / "captions.jsonl"
    assert caption(*videos, "--model", tiny_model, "--output", output, "--max-new-tokens", "8") == 0
    records = read_jsonl(output)
    assert [r["path"] for r in records] == [str(v) for v in videos]
    assert [r["status"] for r in records] == ["ok", "ok", "failed", "ok", "failed"]
    for record in records[:2] + records[3:4]:
        assert record["caption"] and record["error"] is None and record["seconds"] > 0
        assert record["timestamps"] == [0.1, 0.3, 0.6, 0.8, 1.1, 1.3, 1.6, 1.8]  # 8 frames of 20 at 10 fps
    assert records[2]["error"].startswith(f"{clips / 'notes.mp4'}: cannot be read as a video")
    assert records[4]["error"].startswith(f"{clips / 'cut.mp4'}: ")
    assert records[2]["caption"] is None and records[2]["timestamps"] == []
    captured = capsys.readouterr()
    assert f"caption: 3 ok, 2 failed, 0 skipped → {output}" in captured.out
    assert "videos/min" in captured.err  # the progress bar


def test_csv_has_a_header_and_one_row_per_video(tiny_model, clips, tmp_path):
    output = tmp_path / "captions.csv"
    assert caption(clips / "a.mp4", clips / "notes.mp4", "--model", tiny_model, "-o", output, "--frames", "4",
                   *FAST) == 0
    with open(output, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["path"], r["status"]) for r in rows] == [(str(clips / "a.mp4"), "ok"), (str(clips / "notes.mp4"),
                                                                                       "failed")]
    assert rows[0]["timestamps"] == "0.200 0.700 1.200 1.700" and rows[0]["error"] == ""
    assert rows[0]["caption"] and float(rows[0]["seconds"]) > 0
    assert rows[1]["caption"] == "" and "cannot be read as a video" in rows[1]["error"]


def test_the_prompt_is_the_instruction_the_model_answers(tiny_model, clips, tmp_path):
    prompt = "用一句话描述这个视频。"
    output = tmp_path / "zh.jsonl"
    assert caption(clips / "a.mp4", "--model", tiny_model, "-o", output, "--prompt", prompt, *FAST) == 0
    assistant = VideoAssistant.load(tiny_model)
    expected = assistant.ask(clips / "a.mp4", prompt, max_new_tokens=8).text
    default = assistant.ask(clips / "a.mp4", "Describe this video.", max_new_tokens=8).text
    assert read_jsonl(output)[0]["caption"] == expected != default


def test_srt_one_cue_per_segment_with_its_time_range(tiny_model, clips, tmp_path):
    output = tmp_path / "long.srt"
    assert caption(clips / "long.mp4", "--model", tiny_model, "-o", output, "--segment-seconds", "2",
                   "--frames", "4", *FAST) == 0
    cues = parse_srt(output.read_text(encoding="utf-8"))
    assert [(start, end) for start, end, _ in cues] == [(0.0, 2.0), (2.0, 4.0), (4.0, 5.0)]
    [progress] = read_jsonl(tmp_path / "long.srt.progress.jsonl")
    # 4 frames per 2 s segment: the video sampled once at 2 fps, frames grouped by time.
    assert progress["status"] == "ok" and progress["timestamps"] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5]


def test_vtt_for_a_folder_one_file_per_video_and_failures_in_the_progress_file(tiny_model, clips, tmp_path):
    output = tmp_path / "subtitles"
    code = caption(clips / "long.mp4", clips / "notes.mp4", clips / "b.mp4", "--model", tiny_model, "-o", output,
                   "--format", "vtt", "--segment-seconds", "1.5", "--frames", "2", *FAST)
    assert code == 0
    assert sorted(p.name for p in output.iterdir()) == ["b.vtt", "long.vtt", "progress.jsonl"]
    long_cues = parse_vtt((output / "long.vtt").read_text(encoding="utf-8"))
    assert [(s, e) for s, e, _ in long_cues] == [(0.0, 1.5), (1.5, 3.0), (3.0, 4.5), (4.5, 5.0)]
    assert [(s, e) for s, e, _ in parse_vtt((output / "b.vtt").read_text(encoding="utf-8"))] == [(0.0, 1.5),
                                                                                                 (1.5, 2.0)]
    assert [r["status"] for r in read_jsonl(output / "progress.jsonl")] == ["ok", "failed", "ok"]


def test_exit_codes_strict_and_all_failed(tiny_model, clips, tmp_path, capsys):
    mixed = [clips / "a.mp4", clips / "notes.mp4"]
    assert caption(*mixed, "--model", tiny_model, "-o", tmp_path / "1.jsonl", *FAST) == 0
    assert caption(*mixed, "--model", tiny_model, "-o", tmp_path / "2.jsonl", "--strict", *FAST) == 1
    assert caption(clips / "notes.mp4", clips / "cut.mp4", "--model", tiny_model, "-o", tmp_path / "3.jsonl",
                   *FAST) == 1
    assert "caption: 0 ok, 2 failed, 0 skipped" in capsys.readouterr().out
    assert len(read_jsonl(tmp_path / "3.jsonl")) == 2


def test_an_existing_output_is_never_overwritten_unless_asked(tiny_model, clips, tmp_path, capsys):
    output = tmp_path / "captions.jsonl"
    assert caption(clips / "a.mp4", "--model", tiny_model, "-o", output, *FAST) == 0
    before = output.read_text()
    assert caption(clips / "b.mp4", "--model", tiny_model, "-o", output, *FAST) == 1
    assert "already exists: pass --resume to continue it or --overwrite" in capsys.readouterr().err
    assert output.read_text() == before
    assert caption(clips / "b.mp4", "--model", tiny_model, "-o", output, "--overwrite", *FAST) == 0
    assert [r["path"] for r in read_jsonl(output)] == [str(clips / "b.mp4")]


def test_killed_mid_batch_then_resumed_every_video_exactly_once(tiny_model, clips, tmp_path, capsys):
    videos = [clips / f"{name}.mp4" for name in "abcdef"] + [clips / "long.mp4", clips / "notes.mp4"]
    output = tmp_path / "captions.jsonl"
    command = [sys.executable, "-m", "videoassist", "caption", *map(str, videos), "--model", tiny_model,
               "-o", str(output), "--max-new-tokens", "64", "--no-progress"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (output.exists() and output.read_bytes().count(b"\n") >= 1):
            assert process.poll() is None and time.monotonic() < deadline, "no result was flushed"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    first_run = output.read_bytes()
    kept = first_run[: first_run.rfind(b"\n") + 1]
    assert 1 <= kept.count(b"\n") < len(videos), "the kill came too late to test anything"

    assert caption(*videos, "--model", tiny_model, "-o", output, "--resume", "--max-new-tokens", "64",
                   "--no-progress") == 0
    records = read_jsonl(output)
    assert sorted(r["path"] for r in records) == sorted(map(str, videos))  # each exactly once
    assert output.read_bytes().startswith(kept)  # what was done before the kill is untouched
    done_before = kept.count(b"\n")
    assert f"{done_before} skipped" in capsys.readouterr().out
    assert [r["status"] for r in records].count("failed") == 1


def test_resume_skips_what_is_recorded_and_cuts_a_truncated_last_line(tiny_model, clips, tmp_path, capsys):
    output = tmp_path / "captions.jsonl"
    assert caption(clips / "a.mp4", clips / "notes.mp4", "--model", tiny_model, "-o", output, *FAST) == 0
    with open(output, "a", encoding="utf-8") as handle:
        handle.write('{"path": "' + str(clips / "b.mp4") + '", "status": "o')  # a kill in the middle of a write
    assert caption(clips / "a.mp4", clips / "notes.mp4", clips / "b.mp4", "--model", tiny_model, "-o", output,
                   "--resume", *FAST) == 0
    captured = capsys.readouterr()
    assert "removed an incomplete last record" in captured.err
    assert "caption: 1 ok, 0 failed, 2 skipped" in captured.out
    assert [r["path"] for r in read_jsonl(output)] == [str(clips / n) for n in ("a.mp4", "notes.mp4", "b.mp4")]


def test_parquet_output_is_a_folder_of_parts_with_the_jsonl_records(tiny_model, clips, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    videos = [clips / "a.mp4", clips / "notes.mp4", clips / "b.mp4"]
    assert caption(*videos, "--model", tiny_model, "-o", tmp_path / "out.jsonl", "--frames", "4", *FAST) == 0
    assert caption(*videos, "--model", tiny_model, "-o", tmp_path / "out.parquet", "--frames", "4", *FAST) == 0
    assert sorted(p.name for p in (tmp_path / "out.parquet").iterdir()) == ["part-000000.parquet"]
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    expected = read_jsonl(tmp_path / "out.jsonl")
    for row, record in zip(rows, expected, strict=True):
        assert {**row, "seconds": 0} == {**record, "seconds": 0}


def test_parquet_parts_roll_over_and_resume_after_a_kill(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    from videoassist.captioning.writers import NEW, ParquetShards

    def result(name):
        return VideoCaptions(name, "ok", [SegmentCaption(0, 1, f"caption of {name}", [0.5])], 1.0)

    shards = ParquetShards(tmp_path / "out", NEW, shard_rows=2)
    for name in ("a", "b", "c"):
        shards.append(result(name))
    # killed here: a and b are in the first part, c only in pending.jsonl
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["part-000000.parquet", "pending.jsonl"]
    shards.pending.close()
    with pytest.raises(DataError, match="already holds captions"):
        ParquetShards(tmp_path / "out", NEW)
    # a kill between a part's rename and the restart of pending.jsonl: its records are in both
    (tmp_path / "out" / "pending.jsonl").write_text(
        "".join(json.dumps(result(n).record()) + "\n" for n in ("a", "b")), encoding="utf-8")
    with ParquetShards(tmp_path / "out", RESUME, shard_rows=2) as resumed:
        assert resumed.done_paths() == {"a", "b"}
        resumed.append(result("c"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["part-000000.parquet", "part-000001.parquet"]
    rows = pq.read_table(tmp_path / "out").to_pylist()
    assert [(r["path"], r["caption"]) for r in rows] == [(n, f"caption of {n}") for n in ("a", "b", "c")]


def test_the_ray_engine_without_ray_says_how_to_install_it(clips, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails, as where it is not installed
    assert caption(clips / "a.mp4", "-o", tmp_path / "out.jsonl", "--engine", "ray", *FAST) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith('videoassist caption: error: the ray engine needs Ray: pip install -e ".[ray]"')
    assert "\n" not in error and "Traceback" not in error


def test_ray_options_need_the_ray_engine(clips, tmp_path, capsys):
    with pytest.raises(SystemExit):
        caption(clips / "a.mp4", "-o", tmp_path / "out.jsonl", "--workers", "2")
    assert "--workers needs --engine ray" in capsys.readouterr().err


def test_csv_resume_cuts_a_truncated_row_even_inside_a_quoted_caption(tmp_path):
    output = tmp_path / "captions.csv"
    with CsvFile(output) as results:
        results.append(VideoCaptions("a.mp4", "ok", [SegmentCaption(0, 1, 'one, "two"\nthree', [0.5])], 1.0))
        results.append(VideoCaptions("b.mp4", "ok", [SegmentCaption(0, 1, "four,\nfive", [0.5])], 1.0))
    whole = output.read_bytes()
    for cut in range(len(whole) - 1, whole.index(b"b.mp4") - 1, -1):  # every place a kill could stop the 2nd row
        output.write_bytes(whole[:cut])
        with CsvFile(output, RESUME) as results:
            assert results.done_paths() == {"a.mp4"}
        assert output.read_bytes() == whole[: whole.index(b"b.mp4")]


def test_resume_refuses_damage_before_the_last_record(tmp_path):
    output = tmp_path / "captions.jsonl"
    output.write_text('{"path": "a.mp4"}\nnot json\n{"path": "b.mp4"}\n')
    with pytest.raises(DataError, match="line 2 is not valid JSON"):
        JsonlFile(output, RESUME)
    assert output.read_text() == '{"path": "a.mp4"}\nnot json\n{"path": "b.mp4"}\n'


def test_inputs_folders_globs_list_files_and_missing_files(tiny_model, clips, tmp_path):
    nested = tmp_path / "videos" / "nested"
    nested.mkdir(parents=True)
    (nested / "x.mp4").write_bytes((clips / "a.mp4").read_bytes())
    (nested / "readme.txt").write_text("not a video")
    (nested / ".hidden.mp4").write_bytes(b"")
    list_file = tmp_path / "lists" / "videos.txt"
    list_file.parent.mkdir()
    list_file.write_text(f"# my clips\n\n{clips / 'b.mp4'}\n../videos/nested/x.mp4\nmissing.mp4\n")
    found = expand_inputs([str(tmp_path / "videos"), str(clips / "[ab].mp4"), f"@{list_file}"])
    assert found == [str(nested / "x.mp4"), str(clips / "a.mp4"), str(clips / "b.mp4"),
                     str(tmp_path / "lists" / "missing.mp4")]
    assert expand_inputs([], [str(list_file)]) == found[2:3] + found[:1] + found[3:]

    output = tmp_path / "out.jsonl"
    assert caption("--list", list_file, "-o", output, "--model", tiny_model, *FAST) == 0
    missing = read_jsonl(output)[2]
    assert missing["status"] == "failed" and missing["error"] == f"{tmp_path / 'lists' / 'missing.mp4'}: no such file"


# ---- the pieces ---------------------------------------------------------------------------------------------


def test_segments_by_time():
    times = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5]
    segments = split_by_time(times, 2.0, 4.8)
    assert [(s.start_s, s.end_s, s.frames) for s in segments] == [
        (0.0, 2.0, [0, 1, 2, 3]), (2.0, 4.0, [4, 5, 6, 7]), (4.0, 4.8, [8, 9])]
    assert [s.frames for s in split_by_time([0.0, 0.30000000000000004 - 1e-9, 0.6], 0.3, 0.7)] == [[0], [1], [2]]
    assert segment_rate(2.0, 4, None) == 2.0 and segment_rate(2.0, None, 5.0) == 5.0
    assert segment_rate(10.0, None, 0.05) == 0.1  # at least one frame per segment


def test_subtitles_are_one_line_escaped_and_timed():
    segments = [SegmentCaption(0.0, 1.5, "A red <circle>\n\nmoves --> left & up", [0.5]),
                SegmentCaption(1.5, 3725.25, "一个红色的圆形。\x07", [2.0]),
                SegmentCaption(3725.25, 3726.0, " \n ", [3725.5])]  # nothing to show: no cue
    srt = render_srt(segments)
    assert parse_srt(srt) == [(0.0, 1.5, "A red <circle> moves --> left & up"), (1.5, 3725.25, "一个红色的圆形。")]
    assert "01:02:05,250" in srt
    vtt = render_vtt(segments)
    assert parse_vtt(vtt) == [(0.0, 1.5, "A red &lt;circle&gt; moves --&gt; left &amp; up"),
                              (1.5, 3725.25, "一个红色的圆形。")]
    assert parse_srt(render_srt([SegmentCaption(0.0, 0.0, "a still image", [0.0])])) == [(0.0, 0.001,
                                                                                         "a still image")]


def test_prefetch_works_ahead_in_order_and_hands_over_errors():
    started = {index: threading.Event() for index in range(4)}

    def work(index):
        started[index].set()
        if index == 2:
            raise ValueError("bad video")
        return index * 10

    results = []
    for index, future in prefetched(range(4), work, depth=2):
        if index == 0:  # while the first one is being used, the next ones are already being worked on
            assert started[1].wait(5) and started[2].wait(5)
        try:
            results.append(future.result())
        except ValueError as error:
            results.append(str(error))
    assert results == [0, 10, "bad video", 30]
