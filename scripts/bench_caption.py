"""Benchmark: `videoassist caption` throughput (clips per minute) over synthetic clips, the model loaded once.

    python scripts/bench_caption.py --model DIR [--clips 50] [--max-new-tokens 32] [--data-dir DIR] [--threads N]
                                    [--engine local|ray]

The clips come from the synthetic world: `python -m data_tools synth --out DIR --n 50 --seed 0 --quiet` (2-4 s,
8-16 fps, 128-256 px a side; made once and kept in --data-dir, by default a folder under the system temp dir);
the first --clips of them are captioned. The code path is the CLI's: `VideoAssistant.load` once, a
`Captioner` with `CaptionSettings` (default prompt, the model's default frame sampling, greedy), and `run_batch`
writing a jsonl file with its progress bar: decoding and encoding of the next videos run in the prefetch thread
while the caller's thread generates.

Why --max-new-tokens 32 rather than the CLI's 128: the reference captions of these clips are 17.5 Gemma tokens
on average (measured and printed each run), so a trained model stops near there; the untrained stand-in may not
stop at all, and 128 tokens would time its rambling instead. The generated token count is reported (a hook
counts the LLM's forward calls), so the figure can be scaled to any caption length; the wall time spent in the
LLM's forward calls is given too, which tells generation from decode/encode time.

`--engine ray` captions the same clips a second time, in the same run, with the Ray Data engine on a local Ray
instance (started for it: this machine's CPUs, one model actor per 2 of them, frames sampled in Ray tasks): the
figures are measured side by side, so their ratio holds even on a busy machine. The Ray run's wall time includes
Ray's start and the actors' model loads (the local run's model is loaded before it is timed); the per-clip
overhead of the engine is its steady state, the time between the first and the last result per clip, against the
local run's.

The last line is one JSON object: `engine`, `clips_per_min`, the seconds, the tokens, the machine, and
`peak_rss_mb`; with `--engine ray`, `ray` holds the Ray run's figures and their ratios to the local run's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bench_common import REPO, add_model_argument, finish, load_assistant, machine, measure

DEFAULT_DATA_DIR = Path(tempfile.gettempdir()) / "videoassist-bench" / "synth50"


def make_clips(folder: Path, n: int) -> None:
    """The synthetic dataset, with the project's own command."""
    command = [sys.executable, "-m", "data_tools", "synth", "--out", str(folder), "--n", str(n), "--seed", "0",
               "--quiet"]
    print(f"making the clips: {' '.join(command[1:])}", flush=True)
    subprocess.run(command, check=True, cwd=REPO)


def reference_caption_tokens(folder: Path, tokenizer) -> float:
    """Mean length in LLM tokens of the English reference captions (pretraining records) of the dataset."""
    lengths = []
    for path in folder.glob("pretrain_*.json"):
        for record in json.loads(path.read_text()):
            if record["id"].endswith("_en"):
                lengths.append(len(tokenizer(record["conversations"][-1]["value"])["input_ids"]))
    return sum(lengths) / len(lengths) if lengths else float("nan")


class LLMTimer:
    """Count and wall time of the LLM's forward calls (pre/post hooks). A generate of k tokens makes k calls: the
    prefill gives the first token, each later call one more."""

    def __init__(self, llm):
        self.calls, self.seconds, self._start = 0, 0.0, 0.0
        llm.register_forward_pre_hook(self._before)
        llm.register_forward_hook(self._after)

    def _before(self, *_):
        self._start = time.perf_counter()

    def _after(self, *_):
        self.calls += 1
        self.seconds += time.perf_counter() - self._start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_model_argument(parser, precision=True)
    parser.add_argument("--clips", type=int, default=50, help="clips to caption (default 50)")
    parser.add_argument("--max-new-tokens", type=int, default=32, help="caption length cap (default 32)")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help=f"default {DEFAULT_DATA_DIR}")
    parser.add_argument("--engine", choices=["local", "ray"], default="local",
                        help="ray: the Ray engine too, beside the local one, in the same run")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    if not (args.data_dir / "manifest.json").is_file():
        made = measure(lambda: make_clips(args.data_dir, max(args.clips, 50)))
        print(f"clips made in {made.describe()}")
    videos = sorted(str(p) for p in (args.data_dir / "synth").glob("*.mp4"))[: args.clips]
    if len(videos) < args.clips:
        raise SystemExit(f"error: {args.data_dir} has only {len(videos)} clips; remove it to make {args.clips}")

    from videoassist.captioning.batch import run_batch
    from videoassist.captioning.pipeline import Captioner
    from videoassist.captioning.settings import CaptionSettings
    from videoassist.captioning.writers import NEW, open_results

    assistant, loaded = load_assistant(args.model, threads=args.threads, precision=args.precision)
    reference = reference_caption_tokens(args.data_dir, assistant.processor.tokenizer)
    print(f"{len(videos)} clips from {args.data_dir}; reference captions: {reference:.1f} tokens on average; "
          f"captioning with up to {args.max_new_tokens} new tokens ...", flush=True)
    settings = CaptionSettings(max_new_tokens=args.max_new_tokens)
    timer = LLMTimer(assistant.model.language_model)
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "captions.jsonl"
        busy = measure(lambda: _run(run_batch, Captioner(assistant, settings).run, videos, open_results, output, NEW))
        summary, records, arrivals = busy.result
    wall = busy.best
    per_min = summary.ok / wall * 60
    print(f"{summary.line()} in {busy.describe()}: {per_min:.1f} clips/min, {wall / len(videos):.2f} s per clip; "
          f"{timer.calls} LLM forward calls ({timer.calls / max(summary.ok, 1):.1f} tokens per caption) took "
          f"{timer.seconds:.1f} s of the wall time")
    print(f"first caption: {records[0]['caption'][:80]!r}" if records else "no captions")

    result = {
        "engine": args.engine,
        "clips_per_min": round(per_min, 2),
        "clips": len(videos),
        "ok": summary.ok,
        "failed": summary.failed,
        "wall_s": round(wall, 2),
        "s_per_clip": round(wall / len(videos), 3),
        "generated_tokens": timer.calls,
        "tokens_per_caption": round(timer.calls / max(summary.ok, 1), 2),
        "llm_forward_s": round(timer.seconds, 2),
        "llm_forward_share": round(timer.seconds / wall, 3),
        "reference_caption_tokens": round(reference, 1),
        "max_new_tokens": args.max_new_tokens,
        "mean_video_seconds": round(sum(r["seconds"] for r in records) / max(len(records), 1), 3),
        "run": busy.as_json(),
        "load": loaded.as_json(),
        "model": args.model,
        "precision": assistant.precision,
        "data_dir": str(args.data_dir),
        "steady_s_per_clip": round(steady_per_clip(arrivals), 3),
    }
    if args.engine == "ray":
        sampling = assistant.sampling_settings()
        result["ray"] = bench_ray(args, videos, settings, sampling, run_batch, open_results, result, records)
    result["machine"] = machine(load_before)
    finish(result)


def steady_per_clip(arrivals: list[float]) -> float:
    """Seconds per clip between the first result and the last (an engine's start left out)."""
    return (arrivals[-1] - arrivals[0]) / (len(arrivals) - 1) if len(arrivals) > 1 else float("nan")


def bench_ray(args, videos, settings, sampling: dict, run_batch, open_results, local: dict,
              local_records: list[dict]) -> dict:
    """The same clips on the Ray engine (a local instance started here) → its figures beside the local run's."""
    from videoassist.captioning.engines import EngineOptions, ModelChoice, open_engine
    from videoassist.captioning.writers import NEW

    print(f"the same {len(videos)} clips on the Ray engine (a local instance) ...", flush=True)
    model = ModelChoice(args.model, precision=args.precision)

    def ray_run():
        with open_engine("ray", model, settings, EngineOptions()) as captioner, \
                tempfile.TemporaryDirectory() as folder:
            return _run(run_batch, captioner.run, videos, open_results, Path(folder) / "captions.jsonl", NEW)

    busy = measure(ray_run)
    summary, records, arrivals = busy.result
    sampled = measure(lambda: sample_all(videos, settings, sampling))
    per_min = summary.ok / busy.best * 60
    steady = steady_per_clip(arrivals)
    same = {r["path"]: r["caption"] for r in records} == {r["path"]: r["caption"] for r in local_records}
    print(f"ray: {summary.line()} in {busy.describe()}: {per_min:.1f} clips/min ({per_min / local['clips_per_min']:.2f}"
          f"x the local engine's); steady state {steady:.2f} s per clip against {local['steady_s_per_clip']:.2f} s; "
          f"captions {'identical' if same else 'DIFFERENT'} to the local engine's")
    return {
        "clips_per_min": round(per_min, 2),
        "ok": summary.ok,
        "failed": summary.failed,
        "wall_s": round(busy.best, 2),
        "steady_s_per_clip": round(steady, 3),
        "ratio_clips_per_min": round(per_min / local["clips_per_min"], 3),
        "ratio_steady": round(local["steady_s_per_clip"] / steady, 3),
        "overhead_s_per_clip": round(steady - local["steady_s_per_clip"], 3),
        "start_s": round(busy.best - steady * len(videos), 2),
        "sample_s_per_clip": round(sampled.best / len(videos), 3),  # a CPU task's work: decode + sample, one clip  # Ray's start, the actor's model load, the first clip
        "captions_identical": same,
        "run": busy.as_json(),
    }


def sample_all(videos: list[str], settings, sampling: dict) -> None:
    """Decode and sample every clip as the Ray engine's CPU tasks do."""
    from videoassist.captioning.sampling import sample_video

    for video in videos:
        sample_video(video, settings, sampling)


def _run(run_batch, caption, videos, open_results, output: Path, mode: str):
    """One captioning batch into `output` (jsonl) → (summary, the records written, when each result arrived)."""
    arrivals = []

    def timed(todo):
        for result in caption(todo):
            arrivals.append(time.perf_counter())
            yield result

    with open_results(str(output), "jsonl", videos, mode) as results:
        summary = run_batch(timed, videos, results, progress=True)
    records = [json.loads(line) for line in output.read_text().splitlines() if line.strip()]
    return summary, records, arrivals


if __name__ == "__main__":
    main()
