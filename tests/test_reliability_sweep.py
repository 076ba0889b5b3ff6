"""The fast part of scripts/reliability_sweep.py: the commands that fail before loading torch get every bad input
(missing, empty, truncated, wrong content, wrong kind) and must print one line naming it, exit non-zero, print no
traceback and leave no finished-looking output. The whole sweep (every command, 10-20 min on 2 cores) is the script
itself; docs/RELIABILITY.md is its table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Those that fail before torch is imported: a second or two each (the sweep builds a tiny model for app's cases).
FAST = ["ask VIDEO", "frames", "app", "data_tools validate", "data_tools import-clips", "data_tools synth"]


@pytest.mark.timeout(300)
def test_the_fast_commands_fail_cleanly_on_every_bad_input(tmp_path):
    results_file = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "scripts/reliability_sweep.py", "--only", *FAST, "--json", str(results_file)],
        cwd=REPO, capture_output=True, text=True, timeout=280,
    )
    assert results_file.is_file(), done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(results_file.read_text())
    assert {r["command"] for r in results} == {"ask", "frames", "app", "data_tools validate", "data_tools import-clips",
                                               "data_tools synth"}
    assert len(results) == 28  # 5 kinds of bad input for each; import-clips: its folder, 2 more; synth: its --out
    failed = [f"{r['command']} {r['role']} {r['kind']}: {r['problems']} {r['lines']}" for r in results
              if r["problems"]]
    assert not failed, "\n".join(failed)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
