"""`videoassist frames`: JPEGs + frames.json, and one-line errors with exit status 1."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import AUTO_BACKEND, read_index
from PIL import Image

from videoassist.cli.frames import BACKEND_CHOICES
from videoassist.cli.main import main
from videoassist.video import BACKENDS

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "videoassist", *args], capture_output=True, text=True, env=env, timeout=60
    )


def load_output(out: Path) -> tuple[dict, list[np.ndarray]]:
    record = json.loads((out / "frames.json").read_text())
    return record, [np.asarray(Image.open(out / name)) for name in record["files"]]


def test_writes_jpegs_and_frames_json(media, tmp_path):
    out = tmp_path / "frames"
    result = run_cli("frames", str(media["mp4"]), "--frames", "4", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and "4 frames" in result.stdout
    record, images = load_output(out)
    assert record["source"] == str(media["mp4"])
    assert record["backend"] == AUTO_BACKEND and record["num_frames"] == 4
    assert record["indices"] == [9, 27, 45, 63]
    assert record["timestamps"] == pytest.approx([9 / 24, 27 / 24, 45 / 24, 63 / 24])
    assert record["files"] == [f"frame_{k:04d}.jpg" for k in range(4)]
    assert record["video"] == {
        "path": str(media["mp4"]), "duration_s": 3.0, "fps": 24.0, "num_frames": 72, "width": 128,
        "height": 96, "rotation": 0, "is_image": False, "codec": "h264",
    }
    assert [read_index(image) for image in images] == record["indices"]
    assert sorted(p.name for p in out.iterdir()) == sorted(record["files"] + ["frames.json"])


def test_default_is_8_frames_and_fps_mode_with_cap(media, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["frames", str(media["mkv"]), "--out", str(out)]) == 0
    assert load_output(out)[0]["num_frames"] == 8
    # A second run into the same folder leaves no frames of the first one behind.
    again = ["frames", str(media["mkv"]), "--fps", "2", "--max-frames", "3", "--backend", "pyav", "--out", str(out)]
    assert main(again) == 0
    record, images = load_output(out)
    assert (record["backend"], record["indices"]) == ("pyav", [12, 36, 60])  # 6 frames at 2 fps, re-spaced to 3
    assert [read_index(image) for image in images] == [12, 36, 60]
    assert len(list(out.glob("frame_*.jpg"))) == 3
    assert "3 frames" in capsys.readouterr().out


def test_a_rotated_video_is_written_upright(media, tmp_path):
    out = tmp_path / "rot"
    assert main(["frames", str(media["rot90"]), "--frames", "2", "--out", str(out)]) == 0
    record, images = load_output(out)
    assert [read_index(image) for image in images] == record["indices"]


def test_a_bad_file_is_one_line_on_stderr_and_exit_1(media, tmp_path):
    out = tmp_path / "never"
    result = run_cli("frames", str(media["text"]), "--out", str(out))
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and str(media["text"]) in lines[0] and "cannot be read as a video" in lines[0]
    assert "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "name, extra, words",
    [
        ("mp4", ["--max-duration", "1"], "over the 1.0 s limit"),
        ("mp4", ["--max-size-mb", "0.001"], "over the limit of 1,000 bytes"),
        ("audio_m4a", [], "no video stream (audio only)"),
        ("half", [], "moov atom not found"),
        ("rot90", ["--backend", "decord"], "rotated"),
    ],
)
def test_errors_in_process(media, tmp_path, capsys, name, extra, words):
    assert main(["frames", str(media[name]), *extra, "--out", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(media[name]) in err and words in err


def test_missing_file_and_unwritable_output(media, tmp_path, capsys):
    assert main(["frames", str(tmp_path / "gone.mp4"), "--out", str(tmp_path / "x")]) == 1
    assert "gone.mp4: no such file" in capsys.readouterr().err
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert main(["frames", str(media["png"]), "--out", str(blocker / "sub")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write the frames" in err


def test_frames_and_fps_are_exclusive_and_positive(media, tmp_path, capsys):
    for bad in (["--frames", "4", "--fps", "1"], ["--frames", "0"], ["--fps", "-1"], ["--frames", "x"]):
        with pytest.raises(SystemExit) as exit_:
            main(["frames", str(media["mp4"]), *bad, "--out", str(tmp_path)])
        assert exit_.value.code == 2
    capsys.readouterr()


def test_backend_choices_match_the_library():
    assert BACKEND_CHOICES == BACKENDS


@pytest.mark.parametrize("given, expected", [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_the_command_lets_idle_openmp_threads_sleep_unless_told_otherwise(given, expected):
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"} | {"PYTHONPATH": str(REPO)}
    if given:
        env["OMP_WAIT_POLICY"] = given
    probe = "import os, videoassist.cli.main, torch; print(os.environ['OMP_WAIT_POLICY'])"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    assert result.stdout.strip() == expected, result.stderr
