"""Benchmark: vision encoding throughput (frames per second) through the model's own vision path, by batch size.

    python scripts/bench_vision.py --model DIR [--batch-sizes 1,8,32] [--frames 64] [--repeats 3]
                                   [--height 360 --width 640] [--threads N]

What is timed is what `VideoAssistant` does to a video's sampled frames before any question is asked
(`VideoAssistant.encode`): RGB uint8 frames [B, H, W, 3] → `processor.video_processor` (resize, crop,
normalise) → `model.get_video_features` (the vision tower, one batch) → the features the feature cache keeps. It is
split into the two steps, and the per-question step that runs even on cached features (the token builder and
projector: `model.visual_tokens` on one video of the model's default frame count) is timed beside it.

Why batch sizes: a question about a video encodes its `num_frames` (8 by default) frames as one batch;
captioning encodes one video at a time too; a larger batch shows what the tower could do if frames were
batched across videos. Each figure is over at least --frames frames (so small batches are timed over many
calls), after one warm-up call, best of --repeats. The frames are a smooth pattern with noise at --height x
--width (the tower's cost does not depend on what the pixels show; the resize does depend on the input size).

The last line is one JSON object: `frames_per_s` (the best end-to-end rate over the batch sizes), the rates of
every step by batch size, the CPU seconds, the machine, and `peak_rss_mb`.
"""

from __future__ import annotations

import argparse
import math
import os

import numpy as np
from _bench_common import add_model_argument, finish, load_assistant, machine, measure


def make_frames(count: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    """`count` RGB uint8 frames: a moving smooth pattern plus noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    frames = np.empty((count, height, width, 3), np.uint8)
    for i in range(count):
        pattern = np.stack([np.sin((x + 7 * i) / 29), np.sin((y + 3 * i) / 17), np.sin((x + y + 5 * i) / 41)], -1)
        frames[i] = np.clip(127 + 90 * pattern + rng.normal(0, 12, pattern.shape), 0, 255)
    return frames


def rate(frames_per_call: int, calls: int, seconds: float) -> float:
    return frames_per_call * calls / seconds


def time_batch(assistant, frames: np.ndarray, batch: int, min_frames: int, repeats: int) -> dict:
    """Frames per second of preprocess, tower and both (VideoAssistant.encode) at batch size `batch`."""
    import torch

    model, processor = assistant.model, assistant.processor
    chunk = frames[:batch]
    timestamps = [float(i) for i in range(batch)]
    calls = max(1, math.ceil(min_frames / batch))
    pixels = processor.video_processor(chunk)["pixel_values_videos"]

    def tower():
        with torch.inference_mode():
            model.get_video_features(pixels, [batch])

    def preprocess():
        processor.video_processor(chunk)

    def encode():
        assistant.encode(chunk, timestamps, keep_frames=False)

    steps = {}
    for name, step in (("preprocess", preprocess), ("tower", tower), ("encode", encode)):
        step()  # warm-up: first-call allocations, oneDNN kernel selection
        steps[name] = measure(lambda step=step: [step() for _ in range(calls)], repeats)
    result = {name: round(rate(batch, calls, m.best), 2) for name, m in steps.items()}
    result["frames_timed"] = batch * calls
    result["details"] = {name: m.as_json() for name, m in steps.items()}
    print(f"batch {batch:3d} ({calls} calls per run): encode {result['encode']:8.1f} frames/s "
          f"[preprocess {result['preprocess']:8.1f}, tower {result['tower']:8.1f}]; "
          f"encode {steps['encode'].describe()}", flush=True)
    return result


def time_visual_tokens(assistant, frames: np.ndarray, repeats: int) -> dict:
    """Token builder + projector on cached features of one video of the model's default frame count."""
    import torch

    model = assistant.model
    num_frames = assistant.processor.sampling.num_frames or 8
    entry = assistant.encode(frames[:num_frames], [float(i) for i in range(num_frames)], keep_frames=False)
    if model.query_encoder is not None:
        return {"skipped": "llamavid: the content tokens depend on the question (timed in bench_ask.py)"}

    def tokens():
        with torch.inference_mode():
            return model.visual_tokens([entry.features])

    tokens()
    m = measure(lambda: [tokens() for _ in range(10)], repeats)
    count = int(tokens().shape[0])
    print(f"token builder + projector on {num_frames} frames' features ({count} visual tokens): "
          f"{m.best / 10 * 1000:.1f} ms per video", flush=True)
    return {"frames": num_frames, "visual_tokens": count, "ms_per_video": round(m.best / 10 * 1000, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_model_argument(parser)
    parser.add_argument("--batch-sizes", default="1,8,32", help="comma-separated (default 1,8,32)")
    parser.add_argument("--frames", type=int, default=64, help="frames per timed run, at least (default 64)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per figure; the best is reported")
    parser.add_argument("--height", type=int, default=360, help="input frame height (default 360)")
    parser.add_argument("--width", type=int, default=640, help="input frame width (default 640)")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    batches = [int(b) for b in args.batch_sizes.split(",")]
    assistant, loaded = load_assistant(args.model, threads=args.threads)
    model = assistant.model
    tower = model.vision_tower.model
    params = sum(p.numel() for p in tower.parameters())
    one_frame = assistant.processor.video_processor(make_frames(1, args.height, args.width))
    pixels_shape = tuple(one_frame["pixel_values_videos"].shape[1:])
    print(f"vision tower: {type(tower).__name__}, {params / 1e6:.2f} M parameters, {tower.dtype}, input "
          f"{args.height}x{args.width} → pixels {pixels_shape}; token mode {model.config.token_mode}")

    frames = make_frames(max(batches), args.height, args.width)
    by_batch = {b: time_batch(assistant, frames, b, args.frames, args.repeats) for b in batches}
    best_batch = max(by_batch, key=lambda b: by_batch[b]["encode"])
    tokens = time_visual_tokens(assistant, frames, args.repeats)
    print(f"best: {by_batch[best_batch]['encode']:.1f} frames/s at batch {best_batch}")

    finish({
        "frames_per_s": by_batch[best_batch]["encode"],
        "best_batch": best_batch,
        "by_batch": {str(b): r for b, r in by_batch.items()},
        "visual_tokens_step": tokens,
        "model": args.model,
        "tower": {"class": type(tower).__name__, "parameters": params, "dtype": str(tower.dtype),
                  "pixels": list(pixels_shape)},
        "input_frame": [args.height, args.width],
        "load": loaded.as_json(),
        "machine": machine(load_before),
    })


if __name__ == "__main__":
    main()
