"""scripts/bench_llm.py with tiny settings: every path timed in one run, its last line the JSON the docs quote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from videoassist.testing import save_tiny_model

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench_llm.py"


def test_bench_llm_times_each_precision_and_says_why_llama_cpp_is_missing(tmp_path):
    checkpoint = save_tiny_model(tmp_path / "tiny")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--model", str(checkpoint), "--precisions", "auto,fp32", "--tokens", "3",
         "--repeats", "1", "--bandwidth-mb", "8", "--agreement-tokens", "4", "--threads", "1",
         "--llama-cpp-python", str(tmp_path / "no-python")],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["precision"] in ("int4", "int8", "bf16")  # auto, resolved on this CPU
    assert set(report["by_precision"]) == {"auto", "fp32"}
    # (their sign is not asserted: with 3 tokens on a busy machine, noise can exceed the decode time itself)
    assert report["tokens_per_s"] == report["by_precision"]["auto"]["tokens_per_s"]
    assert report["fp32_tokens_per_s"] == report["by_precision"]["fp32"]["tokens_per_s"]
    assert report["ratio_to_bound"] == round(report["tokens_per_s"] / report["bound_tokens_per_s"], 3)
    fp32, packed = report["by_precision"]["fp32"], report["by_precision"]["auto"]
    assert packed["bytes_per_token"]["total"] < fp32["bytes_per_token"]["total"]  # low bits: fewer bytes to read
    assert packed["bytes_per_token"]["head"] == "PackedLinear" and fp32["bytes_per_token"]["head"] == "Linear"
    for run in report["by_precision"].values():
        assert run["decoder_ms_per_token"] > 0 and run["lm_head_ms_per_token"] >= 0
    assert 0 <= packed["greedy_same_as_fp32"] <= 4
    assert report["llama_cpp_tokens_per_s"] is None and "no-python" in report["llama_cpp_unavailable"]
    assert report["cpu"]["vendor"] and "model" in report["cpu"]
