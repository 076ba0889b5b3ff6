"""Benchmark: `videoassist ask` on a 60-second clip: time to first token and total, cold and with cached features.

    python scripts/bench_ask.py --model DIR [--duration 60] [--max-new-tokens 64] [--repeats 2] [--clip-dir DIR]
                                [--threads N]

The clip is a synthetic-world clip (data_tools.synth: moving coloured shapes) rendered at 25 fps for --duration
seconds, 360-640 px a side, H.264; it is made once and kept in --clip-dir (default: a folder under the system
temp dir). The model is loaded once (timed on its own, as `videoassist ask` does before anything else), then the
Python API the CLI uses, `VideoAssistant.ask(..., stream=True)`, is called:

    first   the first question of the process, features computed (what one `videoassist ask` command sees
            after loading: it includes first-call costs such as kernel selection)
    cold    the feature cache emptied first: hash the file, decode and sample frames, encode them, then
            prefill and generate
    cached  the same question again: the features come from the FeatureCache (no decode, no vision tower)

cold and cached alternate --repeats times; the best of each is reported. Time to first token is when the LLM's
first forward pass (the prefill, whose logits give the first token) returns, taken with a forward hook on the
LLM; the first streamed text piece is reported beside it, later by up to a word because the text streamer holds
text back until a word is complete. Total is when the stream ends (greedy, up to --max-new-tokens; the untrained
stand-in's answers are meaningless, only their timing counts, and the number of generated tokens is given).
After the asks, the cold path's parts are timed one by one: file hash, frame sampling, vision encoding.

The last line is one JSON object: `ttft_cold_s`, `ttft_cached_s`, `total_s` (the cold ask), `load_s`, the
details, the machine, and `peak_rss_mb`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _bench_common import add_model_argument, finish, load_assistant, machine, measure

DEFAULT_CLIP_DIR = Path(tempfile.gettempdir()) / "videoassist-bench"
FPS = 25


def make_clip(path: Path, duration_s: float, seed: int = 0) -> dict:
    """Render one synthetic-world clip of `duration_s` seconds at FPS into `path` (H.264, veryfast)."""
    import numpy as np
    from tqdm import tqdm

    from data_tools.synth.render import render_frames
    from data_tools.synth.world import WorldSettings, sample_clip
    from data_tools.synth.writer import EncoderSettings, write_mp4

    settings = WorldSettings(min_size=360, max_size=640, fps_range=(FPS, FPS),
                             duration_range_s=(duration_s, duration_s))
    clip = sample_clip(np.random.default_rng(seed), settings)
    frames = tqdm(render_frames(clip), total=clip.num_frames, desc="rendering the clip", unit="frame")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_mp4(path, frames, clip.fps, EncoderSettings(preset="veryfast"))
    return {"width": clip.width, "height": clip.height, "frames": clip.num_frames}


class LLMCalls:
    """End time and sequence length of every forward call of the LLM (a hook; generation runs in a thread)."""

    def __init__(self, llm):
        self.calls: list[tuple[float, int]] = []
        self.handle = llm.register_forward_hook(self._record, with_kwargs=True)

    def _record(self, module, args, kwargs, output):
        embeds = kwargs.get("inputs_embeds")
        ids = kwargs.get("input_ids")
        length = (embeds if embeds is not None else ids).shape[1]
        self.calls.append((time.perf_counter(), int(length)))

    def since(self, start: float) -> list[tuple[float, int]]:
        return [call for call in self.calls if call[0] >= start]


def ask_once(assistant, calls: LLMCalls, video: Path, question: str, max_new_tokens: int) -> dict:
    """One streamed ask: first-token time (hook), first text piece, total, generated tokens, prompt length."""
    start = time.perf_counter()
    first_text = None
    stream = assistant.ask(video, question, stream=True, max_new_tokens=max_new_tokens)
    for piece in stream:
        if first_text is None and piece.strip():
            first_text = time.perf_counter() - start
    total = time.perf_counter() - start
    mine = calls.since(start)
    answer = stream.answer
    return {
        "ttft_s": round(mine[0][0] - start, 3),
        "first_text_s": None if first_text is None else round(first_text, 3),
        "total_s": round(total, 3),
        "prompt_tokens": mine[0][1],
        "generated_tokens": len(mine),
        "decode_tokens_per_s": round((len(mine) - 1) / (mine[-1][0] - mine[0][0]), 2) if len(mine) > 1 else None,
        "visual_tokens": answer.visual_tokens,
        "cached": answer.cached,
        "answer_start": answer.text[:60],
    }


def describe(name: str, run: dict) -> str:
    return (f"{name:6s}: first token {run['ttft_s']:6.2f} s (first text {run['first_text_s']} s), total "
            f"{run['total_s']:6.2f} s, {run['generated_tokens']} tokens after a {run['prompt_tokens']}-token prompt "
            f"({run['visual_tokens']} visual), cached={run['cached']}")


def cold_parts(assistant, video: Path, repeats: int) -> dict:
    """The cold path's steps on their own: hash the file, sample the frames, encode them."""
    from videoassist.inference.feature_cache import file_digest
    from videoassist.video import sample_frames

    settings = assistant.sampling_settings()
    digest = measure(lambda: file_digest(video), repeats)
    sampled = measure(lambda: sample_frames(video, **settings), repeats)
    clip = sampled.result
    encoded = measure(lambda: assistant.encode(clip.frames, clip.timestamps), repeats)
    print(f"cold parts: hash {digest.best:.3f} s, sample {len(clip.timestamps)} frames ({clip.backend}) "
          f"{sampled.best:.3f} s, encode {encoded.best:.3f} s")
    return {"hash": digest.as_json(), "sample": sampled.as_json(), "encode": encoded.as_json(),
            "sampling": settings, "frames": len(clip.timestamps), "backend": clip.backend}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_model_argument(parser, precision=True)
    parser.add_argument("--duration", type=float, default=60.0, help="clip length in seconds (default 60)")
    parser.add_argument("--question", default="What happens in this video?")
    parser.add_argument("--max-new-tokens", type=int, default=64, help="answer length cap (default 64)")
    parser.add_argument("--repeats", type=int, default=2, help="cold/cached pairs; the best of each is reported")
    parser.add_argument("--clip-dir", type=Path, default=DEFAULT_CLIP_DIR, help=f"default {DEFAULT_CLIP_DIR}")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    video = args.clip_dir / f"synth_{args.duration:g}s_{FPS}fps.mp4"
    made = None
    if not video.exists():
        made = measure(lambda: make_clip(video, args.duration))
        print(f"made {video} in {made.describe()}")
    from videoassist.video import probe

    info = probe(video)
    print(f"clip: {video}, {info.width}x{info.height}, {info.duration_s:.1f} s, {info.num_frames} frames, "
          f"{video.stat().st_size / 1e6:.1f} MB")

    from videoassist.inference.feature_cache import FeatureCache

    assistant, loaded = load_assistant(args.model, threads=args.threads, precision=args.precision)
    calls = LLMCalls(assistant.model.language_model)
    ask = lambda: ask_once(assistant, calls, video, args.question, args.max_new_tokens)  # noqa: E731

    print(f"asking {args.question!r} (up to {args.max_new_tokens} new tokens) ...", flush=True)
    first = ask()
    print(describe("first", first), flush=True)
    colds, cacheds = [], []
    for _ in range(args.repeats):
        assistant.cache = FeatureCache(assistant.cache.capacity)  # forget the features: a cold ask again
        colds.append(ask())
        print(describe("cold", colds[-1]), flush=True)
        cacheds.append(ask())
        print(describe("cached", cacheds[-1]), flush=True)
    cold = min(colds, key=lambda r: r["ttft_s"])
    cached = min(cacheds, key=lambda r: r["ttft_s"])
    parts = cold_parts(assistant, video, args.repeats)
    print(f"load {loaded.best:.2f} s; time to first token: cold {cold['ttft_s']:.2f} s, "
          f"cached {cached['ttft_s']:.2f} s; "
          f"total (cold, {cold['generated_tokens']} tokens) {min(r['total_s'] for r in colds):.2f} s")

    finish({
        "ttft_cold_s": cold["ttft_s"],
        "ttft_cached_s": cached["ttft_s"],
        "total_s": min(r["total_s"] for r in colds),
        "load_s": round(loaded.best, 3),
        "ttft_first_call_s": first["ttft_s"],
        "first_text_cold_s": cold["first_text_s"],
        "first_text_cached_s": cached["first_text_s"],
        "total_cached_s": min(r["total_s"] for r in cacheds),
        "runs": {"first": first, "cold": colds, "cached": cacheds},
        "cold_parts": parts,
        "clip": {"path": str(video), "duration_s": info.duration_s, "width": info.width, "height": info.height,
                 "frames": info.num_frames, "size_bytes": video.stat().st_size,
                 "made": None if made is None else made.as_json()},
        "model": args.model,
        "precision": assistant.precision,
        "max_new_tokens": args.max_new_tokens,
        "load": loaded.as_json(),
        "machine": machine(load_before),
    })


if __name__ == "__main__":
    main()
