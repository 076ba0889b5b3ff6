"""The Ray engine (`caption --engine ray`, `data_tools shard --engine ray`) on a local 2-CPU Ray instance, started
once for the module: the same records as the local engine, failures recorded, a killed driver resumed with every
clip once, and the same shard members as the local shard writer."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from videoassist.ray_cluster import LOCAL_ONLY

os.environ.setdefault(LOCAL_ONLY, "0")  # before ray is imported: the test instance listens on 127.0.0.1 only
ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

from data_tools.__main__ import main as data_tools_main  # noqa: E402
from test_caption import caption, clips, read_jsonl, tiny_model  # noqa: E402,F401 (fixtures)
from test_data_fixtures import flawed_folder, synth_folder  # noqa: E402,F401 (fixtures)

REPO = Path(__file__).resolve().parents[1]
RECORD_FIELDS = ["path", "status", "caption", "timestamps", "error"]  # all but `seconds`, a timing


@pytest.fixture(scope="module")
def ray_address():
    """One local Ray instance for the module (its start costs seconds); the commands join it."""
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def by_path(records: list[dict]) -> dict[str, dict]:
    return {record["path"]: {name: record[name] for name in RECORD_FIELDS} for record in records}


def test_ray_writes_the_local_engines_records(tiny_model, clips, ray_address, tmp_path, capsys):
    local, on_ray = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    common = [clips, "--model", tiny_model, "--frames", "4", "--max-new-tokens", "8", "--no-progress"]
    assert caption(*common, "--output", local) == 0
    assert caption(*common, "--output", on_ray, "--engine", "ray") == 0
    records = read_jsonl(on_ray)
    assert len(records) == len({r["path"] for r in records}) == 9  # every clip once
    assert by_path(records) == by_path(read_jsonl(local))  # same captions, timestamps and error records
    failed = {Path(r["path"]).name for r in records if r["status"] == "failed"}
    assert failed == {"notes.mp4", "cut.mp4"}
    assert all(r["seconds"] > 0 for r in records if r["status"] == "ok")
    assert f"caption: 7 ok, 2 failed, 0 skipped → {on_ray}" in capsys.readouterr().out


def test_a_killed_ray_job_resumes_with_each_clip_once(tiny_model, clips, ray_address, tmp_path):
    output = tmp_path / "captions.jsonl"
    command = [sys.executable, "-m", "videoassist", "caption", str(clips), "--model", tiny_model, "--output",
               str(output), "--max-new-tokens", "8", "--no-progress", "--engine", "ray", "--ray-address",
               ray_address]
    driver = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (output.exists() and output.read_text().count("\n") >= 1):
        assert driver.poll() is None, driver.stderr.read().decode()
        assert time.monotonic() < deadline, "no record within 120 s"
        time.sleep(0.02)
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    assert driver.stderr.read().decode() == ""  # no Ray banner, notice or log line (--no-progress: no bar either)
    driver.stderr.close()
    written = read_jsonl(output)
    assert 1 <= len(written) < 9, "the job ended before the kill: nothing was left to resume"
    assert caption(clips, "--model", tiny_model, "--output", output, "--max-new-tokens", "8", "--no-progress",
                   "--engine", "ray", "--ray-address", ray_address, "--resume") == 0
    records = read_jsonl(output)
    assert sorted(r["path"] for r in records) == sorted(str(p) for p in clips.iterdir())  # each clip exactly once
    assert records[: len(written)] == written  # what the killed job wrote is kept as it was


def members(folder: Path) -> dict[str, list[tuple[str, bytes]]]:
    shards = {}
    for path in sorted(folder.glob("shard-*.tar")):
        with tarfile.open(path) as tar:
            shards[path.name] = [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]
    return shards


def test_ray_shards_hold_the_local_shards_members_and_resume(flawed_folder, ray_address, tmp_path):
    source = ["shard", str(flawed_folder / "flawed.json"), "--video-root", str(flawed_folder / "videos"),
              "--max-count", "2", "--quiet"]
    assert data_tools_main([*source, "--out", str(tmp_path / "local")]) == 1  # 1: three records skipped
    assert data_tools_main([*source, "--out", str(tmp_path / "ray"), "--engine", "ray"]) == 1
    expected = members(tmp_path / "local")
    assert members(tmp_path / "ray") == expected and len(expected) == 2
    assert [name for name, _ in expected["shard-000000.tar"]] == ["000000000.json", "000000000.mp4",
                                                                   "000000002.json", "000000002.mp4"]
    index = json.loads((tmp_path / "ray" / "index.json").read_text())
    assert index == json.loads((tmp_path / "local" / "index.json").read_text())

    (tmp_path / "ray" / "shard-000001.tar").unlink()  # as if killed while writing the second shard
    assert data_tools_main([*source, "--out", str(tmp_path / "ray"), "--engine", "ray", "--resume"]) == 1
    assert members(tmp_path / "ray") == expected
