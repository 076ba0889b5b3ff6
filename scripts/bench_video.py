"""Benchmark: sample 16 frames of an hour-long 720p H.264 file, against decoding the whole file with PyAV.

    python scripts/bench_video.py [--duration 3600] [--frames 16] [--cache-dir ~/.cache/videoassist/bench]

The test file is made once and cached. Making it is cheap because only GOP_COUNT distinct GOPs are encoded
(libx264 ultrafast, a keyframe every GOP frames, a moving synthetic pattern); their packets are then written again
and again with shifted timestamps, which is a valid stream because every GOP starts with an IDR frame. The
decoder still has to decode every frame it passes: the cost of seeking and decoding is that of a real file.

Printed: the file's facts, the probe (packet scan) time, the time to sample with each backend (best of
--repeats, warm page cache), the full sequential decode, and whether the sampled frames equal the frames at the
same indices of the full decode. The last line is one JSON object with all of it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from videoassist.video import probe, sample_frames  # noqa: E402

WIDTH, HEIGHT, FPS, GOP, GOP_COUNT = 1280, 720, 25, 250, 10
DEFAULT_CACHE = Path("~/.cache/videoassist/bench").expanduser()


def make_video(path: Path, duration_s: int) -> None:
    """Encode GOP_COUNT GOPs of a moving pattern, then repeat their packets up to `duration_s` seconds."""
    total = duration_s * FPS
    distinct = min(total, GOP * GOP_COUNT)
    y, x = np.mgrid[0 : 2 * HEIGHT, 0 : 2 * WIDTH].astype(np.float32)
    texture = np.stack(
        [127 + 100 * np.sin(x / 37), 127 + 100 * np.sin(y / 23), 127 + 100 * np.sin((x + y) / 51)], axis=-1
    ).astype(np.uint8)
    time_base = Fraction(1, FPS)
    partial = path.with_suffix(".partial.mp4")
    with av.open(str(partial), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.gop_size = GOP
        stream.options = {"preset": "ultrafast", "crf": "18", "sc_threshold": "0"}  # fixed GOPs, no scene cuts
        encoded = []  # (payload, pts, dts, keyframe) of the distinct frames, in frames of 1/FPS
        for index in range(distinct):
            top, left = (index * 3) % HEIGHT, (index * 5) % WIDTH
            image = np.ascontiguousarray(texture[top : top + HEIGHT, left : left + WIDTH])
            image[200:360, (index * 7) % (WIDTH - 160) :][:, :160] = 255  # a white block sliding across
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = index, time_base
            for packet in stream.encode(frame):
                encoded.append((bytes(packet), packet.pts, packet.dts, packet.is_keyframe))
                container.mux(packet)
        for packet in stream.encode(None):
            encoded.append((bytes(packet), packet.pts, packet.dts, packet.is_keyframe))
            container.mux(packet)
        for start in range(distinct, total, distinct):
            for payload, pts, dts, keyframe in encoded[: total - start]:
                packet = av.Packet(payload)
                packet.pts, packet.dts, packet.is_keyframe = pts + start, dts + start, keyframe
                packet.time_base, packet.stream = time_base, stream
                container.mux(packet)
    partial.rename(path)


def full_decode(path: Path, keep: set[int]) -> tuple[float, float, int, dict[int, np.ndarray]]:
    """Decode every frame in order (threaded), as a tool without seeking would; keep the RGB of `keep`."""
    kept = {}
    start, start_cpu = time.perf_counter(), time.process_time()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        count = 0
        for count, frame in enumerate(container.decode(stream), start=1):
            if count - 1 in keep:
                kept[count - 1] = frame.to_ndarray(format="rgb24")
    return time.perf_counter() - start, time.process_time() - start_cpu, count, kept


def timed(function, repeats: int) -> tuple[list[float], float, object]:
    """Wall times of `repeats` calls, the CPU seconds (all threads) of the fastest, and the last result."""
    times, cpu, result = [], [], None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = function()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return times, cpu[times.index(min(times))], result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=3600, help="seconds of video (default: one hour)")
    parser.add_argument("--frames", type=int, default=16, help="frames to sample (default 16)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per backend; the best is reported")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()

    load_before = os.getloadavg()[0]  # other work on the machine shows up in every figure below
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    path = args.cache_dir / f"bench_{HEIGHT}p_{args.duration}s_{FPS}fps_gop{GOP}.mp4"
    generate_s = None
    if not path.exists():
        print(f"making {path} ...", flush=True)
        start = time.perf_counter()
        make_video(path, args.duration)
        generate_s = time.perf_counter() - start
        print(f"made in {generate_s:.1f} s")
    size = path.stat().st_size

    probe_times, probe_cpu, info = timed(lambda: probe(path), args.repeats)
    print(f"file: {path} {size / 1e6:.0f} MB, {info.width}x{info.height}, {info.duration_s:.0f} s, "
          f"{info.num_frames} frames at {info.fps:g} fps, {info.codec}, keyframe every {GOP} frames")
    print(f"probe (header + packet scan + first frame): best {min(probe_times):.2f} s ({probe_cpu:.2f} s CPU)")

    runs = {}
    for backend in ("auto", "decord", "pyav"):
        times, cpu, clip = timed(lambda: sample_frames(path, num_frames=args.frames, backend=backend), args.repeats)
        runs[backend] = (times, cpu, clip)
        print(f"sample {args.frames} frames, backend={backend} (used {clip.backend}): best {min(times):.2f} s "
              f"({cpu:.2f} s CPU), median {statistics.median(times):.2f} s")
    indices = runs["pyav"][2].indices

    print("full sequential decode with PyAV (threaded) ...", flush=True)
    full_s, full_cpu, decoded, reference = full_decode(path, set(indices))
    print(f"full decode: {decoded} frames in {full_s:.1f} s ({full_cpu:.1f} s CPU, {decoded / full_s:.0f} frames/s)")

    pyav_equal = all(np.array_equal(frame, reference[i]) for frame, i in zip(runs["pyav"][2].frames, indices))
    decord_error = max(
        float(np.abs(frame.astype(int) - reference[i]).mean()) for frame, i in zip(runs["decord"][2].frames, indices)
    )
    print(f"sampled frames vs the full decode: PyAV identical={pyav_equal}, decord mean abs difference "
          f"<= {decord_error:.2f} levels")

    sample_s = min(runs["auto"][0])
    result = {
        "sample_s": round(sample_s, 3),
        "full_decode_s": round(full_s, 2),
        "speedup": round(full_s / sample_s, 1),
        "sample_backend": runs["auto"][2].backend,
        "sample_decord_s": round(min(runs["decord"][0]), 3),
        "sample_pyav_s": round(min(runs["pyav"][0]), 3),
        "sample_runs_s": {backend: [round(t, 3) for t in times] for backend, (times, _, _) in runs.items()},
        "sample_cpu_s": {backend: round(cpu, 3) for backend, (_, cpu, _) in runs.items()},
        "probe_s": round(min(probe_times), 3),
        "probe_cpu_s": round(probe_cpu, 3),
        "full_decode_cpu_s": round(full_cpu, 1),
        "generate_s": None if generate_s is None else round(generate_s, 1),
        "frames": args.frames,
        "indices": indices,
        "pyav_frames_identical_to_full_decode": pyav_equal,
        "decord_mean_abs_difference": round(decord_error, 3),
        "file": {
            "path": str(path), "size_bytes": size, "duration_s": info.duration_s, "num_frames": info.num_frames,
            "decoded_frames": decoded, "fps": info.fps, "width": info.width, "height": info.height,
            "codec": info.codec, "gop": GOP, "preset": "ultrafast",
        },
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "av": av.__version__,
                    "platform": platform.platform(), "load_1min_before": load_before,
                    "load_1min_after": os.getloadavg()[0]},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
