"""Benchmark: sample 16 frames of an hour-long 720p H.264 file, against decoding the whole file with PyAV.

    python scripts/bench_video.py [--duration 3600] [--frames 16] [--preset ultrafast] [--cache-dir DIR]

The test file is made once and cached (default ~/.cache/videoassist/bench). Making it is cheap because only
GOP_COUNT distinct GOPs are encoded (libx264, a keyframe every GOP frames, a moving synthetic pattern); their
packets are then written again and again with shifted timestamps, which is a valid stream because every GOP is
closed and starts with an IDR frame. `--preset ultrafast` gives no B-frames; `veryfast` and slower presets give
x264's usual 3 B-frames, as most real H.264 has. The
decoder still has to decode every frame it passes: the cost of seeking and decoding is that of a real file.

Printed: the file's facts, the probe time (the frame table from the MP4 index without B-frames, else a packet
scan), the time to sample with each backend (best of --repeats, warm page cache), the full sequential decode, and
whether the sampled frames equal the frames at the same indices of the full decode. The last line is one JSON
object with all of it, including the process's peak resident memory (`peak_rss_mb`). Every figure comes with the
CPU seconds this process used and, on Linux, the CPU seconds other processes used meanwhile: on a shared machine that tells a clean run from a contended one.
"""

from __future__ import annotations

import argparse
import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from _bench_common import finish, machine, measure  # also puts the repository on sys.path

from videoassist.checkpoints.atomic import atomic_write
from videoassist.video import probe, sample_frames

WIDTH, HEIGHT, FPS, GOP, GOP_COUNT = 1280, 720, 25, 250, 10
DEFAULT_CACHE = Path("~/.cache/videoassist/bench").expanduser()


def make_video(path: Path, duration_s: int, preset: str) -> None:
    """Encode GOP_COUNT GOPs of a moving pattern, then repeat their packets up to `duration_s` seconds."""
    total = duration_s * FPS
    distinct = min(total, GOP * GOP_COUNT)
    y, x = np.mgrid[0 : 2 * HEIGHT, 0 : 2 * WIDTH].astype(np.float32)
    texture = np.stack(
        [127 + 100 * np.sin(x / 37), 127 + 100 * np.sin(y / 23), 127 + 100 * np.sin((x + y) / 51)], axis=-1
    ).astype(np.uint8)
    time_base = Fraction(1, FPS)
    with atomic_write(path) as partial, av.open(str(partial), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.gop_size = GOP
        stream.options = {"preset": preset, "crf": "18", "sc_threshold": "0"}  # fixed GOPs, no scene cuts
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


def full_decode(path: Path, keep: set[int]) -> tuple[int, dict[int, np.ndarray]]:
    """Decode every frame in order (threaded), as a tool without seeking would; keep the RGB of `keep`."""
    kept = {}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        count = 0
        for count, frame in enumerate(container.decode(stream), start=1):
            if count - 1 in keep:
                kept[count - 1] = frame.to_ndarray(format="rgb24")
    return count, kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=3600, help="seconds of video (default: one hour)")
    parser.add_argument("--frames", type=int, default=16, help="frames to sample (default 16)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per backend; the best is reported")
    parser.add_argument("--preset", default="ultrafast", help="libx264 preset of the test file (default ultrafast)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    preset = "" if args.preset == "ultrafast" else f"_{args.preset}"  # keeps the first benchmark's file name
    path = args.cache_dir / f"bench_{HEIGHT}p_{args.duration}s_{FPS}fps_gop{GOP}{preset}.mp4"
    generated = None
    if not path.exists():
        print(f"making {path} ...", flush=True)
        generated = measure(lambda: make_video(path, args.duration, args.preset))
        print(f"made in {generated.describe()}")
    size = path.stat().st_size

    probed = measure(lambda: probe(path), args.repeats)
    info = probed.result
    print(f"file: {path} {size / 1e6:.0f} MB, {info.width}x{info.height}, {info.duration_s:.0f} s, "
          f"{info.num_frames} frames at {info.fps:g} fps, {info.codec}, keyframe every {GOP} frames")
    print(f"probe (header, frame table, first frames): {probed.describe()}")

    sampled = {}
    for backend in ("auto", "decord", "pyav"):
        sampled[backend] = measure(lambda: sample_frames(path, num_frames=args.frames, backend=backend), args.repeats)
        print(f"sample {args.frames} frames, backend={backend} (used {sampled[backend].result.backend}): "
              f"{sampled[backend].describe()}")
    indices = sampled["pyav"].result.indices

    print("full sequential decode with PyAV (threaded) ...", flush=True)
    full = measure(lambda: full_decode(path, set(indices)))
    decoded, reference = full.result
    print(f"full decode: {decoded} frames, {full.describe()}, {decoded / full.best:.0f} frames/s")

    pyav_equal = all(np.array_equal(frame, reference[i]) for frame, i in zip(sampled["pyav"].result.frames, indices))
    decord_error = max(
        float(np.abs(frame.astype(int) - reference[i]).mean())
        for frame, i in zip(sampled["decord"].result.frames, indices)
    )
    print(f"sampled frames vs the full decode: PyAV identical={pyav_equal}, decord mean abs difference "
          f"<= {decord_error:.2f} levels")

    result = {
        "sample_s": round(sampled["auto"].best, 3),
        "full_decode_s": round(full.best, 2),
        "speedup": round(full.best / sampled["auto"].best, 1),
        "sample_backend": sampled["auto"].result.backend,
        "sample_decord_s": round(sampled["decord"].best, 3),
        "sample_pyav_s": round(sampled["pyav"].best, 3),
        "details": {
            "probe": probed.as_json(),
            **{f"sample_{backend}": m.as_json() for backend, m in sampled.items()},
            "full_decode": full.as_json(),
            "generate": None if generated is None else generated.as_json(),
        },
        "frames": args.frames,
        "indices": indices,
        "pyav_frames_identical_to_full_decode": pyav_equal,
        "decord_mean_abs_difference": round(decord_error, 3),
        "file": {
            "path": str(path), "size_bytes": size, "duration_s": info.duration_s, "num_frames": info.num_frames,
            "decoded_frames": decoded, "fps": info.fps, "width": info.width, "height": info.height,
            "codec": info.codec, "gop": GOP, "preset": args.preset,
        },
        "machine": machine(load_before, av=av.__version__),
    }
    finish(result)


if __name__ == "__main__":
    main()
