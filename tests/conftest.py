"""Fixture media for the video tests, written with PyAV into a session temp folder, each file made on first use.

Every video frame shows its own index as 12 big black/white blocks (robust to compression and JPEG) under a red
band that marks "up", so a test can tell which frame it got and whether it is upright.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

# transformers' video processors need torchvision, which the CPU torch of this project's machines lacks; the tests
# marked hf_video (HF-native video LLMs through their own processors) run in scripts/test.sh's second venv.
HAS_TORCHVISION = importlib.util.find_spec("torchvision") is not None


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="transformers' video processors need torchvision (pip install \"videoassist[hf]\")")
    for item in items:
        if not HAS_TORCHVISION and item.get_closest_marker("hf_video"):
            item.add_marker(skip)


# decord is optional (pyproject installs it on x86_64 only): without it, "auto" is PyAV and decord's tests skip.
HAS_DECORD = importlib.util.find_spec("decord") is not None
AUTO_BACKEND = "pyav"  # what backend="auto" uses (videoassist.video.sampler)
requires_decord = pytest.mark.skipif(not HAS_DECORD, reason="decord is not installed")
BOTH_BACKENDS = [pytest.param("decord", marks=requires_decord), "pyav"]  # for parametrize

@pytest.fixture(autouse=True)
def _keep_main_module():
    """Streamlit's AppTest leaves its script as sys.modules["__main__"]; a process spawned later (the synth
    generator's workers) would run that script on start-up. Put the real one back after every test."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


WIDTH, HEIGHT = 128, 96
FPS = 24
BITS = 12  # frame indices up to 4095


def index_pattern(index: int) -> np.ndarray:
    """Upright RGB frame [96, 128, 3] showing `index`: a red top band, then 3 rows of 4 blocks, bit b at b."""
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    block_w, block_h = WIDTH // 4, HEIGHT // 4
    image[:block_h] = (255, 0, 0)
    for bit in range(BITS):
        row, col = 1 + bit // 4, bit % 4
        if index >> bit & 1:
            image[row * block_h : (row + 1) * block_h, col * block_w : (col + 1) * block_w] = 255
    return image


def read_index(image: np.ndarray) -> int:
    """The index an upright pattern frame shows (the centre half of each block, so edges may blur freely)."""
    height, width = image.shape[:2]
    assert (height, width) == (HEIGHT, WIDTH), f"frame is {width}x{height}, not upright {WIDTH}x{HEIGHT}"
    top = image[: height // 8].reshape(-1, 3).mean(axis=0)
    assert top[0] > 150 and top[1] < 100 and top[2] < 100, f"no red band on top (mean {top}): not upright"
    block_w, block_h = width // 4, height // 4
    value = 0
    for bit in range(BITS):
        row, col = 1 + bit // 4, bit % 4
        block = image[row * block_h + block_h // 4 : (row + 1) * block_h - block_h // 4,
                      col * block_w + block_w // 4 : (col + 1) * block_w - block_w // 4]
        value |= int(block.mean() > 128) << bit
    return value


def write_video(
    path: Path,
    num_frames: int = 72,
    *,
    codec: str = "libx264",
    container_format: str | None = None,
    times: np.ndarray | None = None,
    rotation: int = 0,
    rotate_tag: bool = False,
    gop: int = 12,
    pix_fmt: str = "yuv420p",
    options: dict[str, str] | None = None,
    container_options: dict[str, str] | None = None,
    rate: int = FPS,
) -> Path:
    """A clip of index-pattern frames. `times` (seconds) gives variable frame rate; `rotation` is the clockwise
    turn the player must apply (the stored frames are turned the other way, so the displayed ones are upright),
    written as a display matrix, or with `rotate_tag` as the classic `rotate` tag (FFmpeg 8 keeps it in MKV only)."""
    time_base = Fraction(1, 1000) if times is not None else Fraction(1, rate)
    with av.open(str(path), "w", format=container_format, options=container_options or {}) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height = (HEIGHT, WIDTH) if rotation in (90, 270) else (WIDTH, HEIGHT)
        stream.pix_fmt = pix_fmt
        stream.codec_context.time_base = time_base
        stream.codec_context.gop_size = gop
        if options:
            stream.options = options
        if rotation and rotate_tag:
            stream.metadata["rotate"] = str(rotation)
        elif rotation:
            stream.set_display_rotation(-rotation)  # FFmpeg's angle is counter-clockwise
        for index in range(num_frames):
            stored = np.ascontiguousarray(np.rot90(index_pattern(index), k=rotation // 90))
            frame = av.VideoFrame.from_ndarray(stored, format="rgb24")
            frame.pts = index if times is None else int(round(times[index] / time_base))
            frame.time_base = time_base
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def write_audio(
    path: Path, codec: str = "aac", container_format: str | None = None, *, with_video: bool = False
) -> Path:
    """One second of a 440 Hz tone. `with_video` adds a video stream that gets not a single frame."""
    with av.open(str(path), "w", format=container_format) as container:
        if with_video:
            video = container.add_stream("mpeg4", rate=FPS)
            video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream = container.add_stream(codec, rate=44100)
        stream.layout = "mono"
        container.start_encoding()
        tone = (np.sin(np.arange(44100) * 2 * np.pi * 440 / 44100) * 0.3).astype(np.float32)
        for start in range(0, tone.size, 1024):
            frame = av.AudioFrame.from_ndarray(tone[None, start : start + 1024], format="flt", layout="mono")
            frame.sample_rate = 44100
            frame.pts = start
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def write_image(path: Path, index: int = 5, exif_rotation: int = 0) -> Path:
    """An image file of `index`'s pattern; `exif_rotation` (clockwise) stores it turned with an EXIF tag."""
    from PIL import Image

    orientation = {0: 1, 90: 6, 180: 3, 270: 8}[exif_rotation]
    stored = np.ascontiguousarray(np.rot90(index_pattern(index), k=exif_rotation // 90))
    image = Image.fromarray(stored)
    if orientation != 1:
        exif = Image.Exif()
        exif[0x0112] = orientation
        image.save(path, exif=exif, quality=95)
    else:
        image.save(path, **({"quality": 95} if path.suffix in (".jpg", ".webp") else {}))
    return path


def _damaged(source: Path, path: Path, how: str) -> Path:
    data = bytearray(source.read_bytes())
    if how == "half":
        data = data[: len(data) // 2]
    else:  # random bytes over the middle third
        third = len(data) // 3
        data[third : 2 * third] = np.random.default_rng(7).integers(0, 256, third, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    return path


def _cut_mid_gop(source: Path, path: Path, skip: int = 5) -> Path:
    """`source`'s packets without the first `skip` (in decode order), remuxed without re-encoding: the stream
    starts with frames whose reference frames are gone, like a recording cut anywhere but at a keyframe."""
    with av.open(str(source)) as reader, av.open(str(path), "w") as writer:
        stream = reader.streams.video[0]
        output = writer.add_stream_from_template(stream)
        for number, packet in enumerate(reader.demux(stream)):
            if packet.dts is not None and number >= skip:
                packet.stream = output
                writer.mux(packet)
    return path


def _offset_pts(source: Path, path: Path, offset: int) -> Path:
    """`source`'s packets with every pts moved `offset` later, remuxed into MP4: the index (decode times) then no
    longer gives the frames' pts, though no frame is reordered and the header does not say otherwise."""
    with av.open(str(source)) as reader, av.open(str(path), "w") as writer:
        stream = reader.streams.video[0]
        output = writer.add_stream_from_template(stream)
        for packet in reader.demux(stream):
            if packet.dts is not None:
                packet.pts += offset
                packet.stream = output
                writer.mux(packet)
    return path


NO_BFRAMES = {"bf": "0"}  # frames stored in the order they are shown: an MP4's index then gives the frame table

VFR_TIMES = np.round(np.cumsum(np.r_[0.0, np.random.default_rng(3).uniform(0.01, 0.2, 59)]), 3)

# name -> maker(folder) -> path. Videos are 72 frames at 24 fps (3 s) unless said otherwise.
MAKERS: dict[str, Callable[[Path], Path]] = {
    "mp4": lambda d: write_video(d / "clip.mp4"),  # H.264 with B-frames, a keyframe every 12 frames
    "mov": lambda d: write_video(d / "clip.mov"),
    "mkv": lambda d: write_video(d / "clip.mkv"),
    "webm_vp8": lambda d: write_video(d / "vp8.webm", codec="libvpx"),
    "webm_vp9": lambda d: write_video(d / "vp9.webm", codec="libvpx-vp9"),
    "avi": lambda d: write_video(d / "clip.avi", codec="mpeg4"),
    "avi_mpeg4_bframes": lambda d: write_video(d / "bframes.avi", codec="mpeg4", options={"bf": "2"}),
    "avi_h264": lambda d: write_video(d / "h264.avi"),  # B-frames in AVI: FFmpeg's guessed pts come out shuffled
    "ts": lambda d: write_video(d / "clip.ts"),  # MPEG-TS starts its clock at 1.4 s
    "gif": lambda d: write_video(d / "clip.gif", 30, codec="gif", pix_fmt="rgb8", rate=10),
    # x265's default open GOPs: frames decoded after a keyframe are shown before it
    "hevc_open_gop": lambda d: write_video(d / "hevc.mkv", codec="hevc", options={"x265-params": "log-level=error"}),
    "long_gop": lambda d: write_video(d / "long_gop.mp4", 300, gop=100),
    "mp4_no_bframes": lambda d: write_video(d / "no_bframes.mp4", options=NO_BFRAMES),
    "mov_no_bframes": lambda d: write_video(d / "long_gop_no_bframes.mov", 300, gop=100, options=NO_BFRAMES),
    # Fragmented MP4 (as recorders and DASH write it): the header's frame count covers only the first fragment.
    "fragmented_mp4": lambda d: write_video(
        d / "fragmented.mp4", options=NO_BFRAMES, container_options={"movflags": "frag_keyframe"}),
    "pts_offset_mp4": lambda d: _offset_pts(
        write_video(d / "unshifted.mp4", options=NO_BFRAMES), d / "offset.mp4", 1024),
    "mid_gop": lambda d: _cut_mid_gop(write_video(d / "uncut.mp4"), d / "mid_gop.mkv"),  # frames 12.. decode
    "vfr_mp4": lambda d: write_video(d / "vfr.mp4", len(VFR_TIMES), times=VFR_TIMES),
    "vfr_mp4_no_bframes": lambda d: write_video(
        d / "vfr_no_bframes.mp4", len(VFR_TIMES), times=VFR_TIMES, options=NO_BFRAMES),
    "vfr_mkv": lambda d: write_video(d / "vfr.mkv", len(VFR_TIMES), times=VFR_TIMES),
    "rot90": lambda d: write_video(d / "rot90.mp4", 24, rotation=90),
    "rot180": lambda d: write_video(d / "rot180.mp4", 24, rotation=180),
    "rot270": lambda d: write_video(d / "rot270.mov", 24, rotation=270),
    "rot90_tag": lambda d: write_video(d / "rot90_tag.mkv", 24, rotation=90, rotate_tag=True),
    "jpg": lambda d: write_image(d / "still.jpg"),
    "png": lambda d: write_image(d / "still.png"),
    "webp": lambda d: write_image(d / "still.webp"),
    "bmp": lambda d: write_image(d / "still.bmp"),
    "jpg_exif90": lambda d: write_image(d / "portrait.jpg", exif_rotation=90),
    # unusable files
    "empty": lambda d: _touch(d / "empty.mp4"),
    # MKV keeps a video stream without frames; FFmpeg's MP4 reader drops such a track.
    "no_frames_mkv": lambda d: write_audio(d / "no_frames.mkv", with_video=True),
    "no_frames_mp4": lambda d: write_audio(d / "no_frames.mp4", with_video=True),
    "text": lambda d: _text(d / "notes.mp4"),
    "half": lambda d: _damaged(write_video(d / "whole.mp4"), d / "half.mp4", "half"),
    "half_faststart": lambda d: _damaged(
        write_video(d / "fs.mp4", container_options={"movflags": "faststart"}), d / "half_faststart.mp4", "half"),
    "half_faststart_no_bframes": lambda d: _damaged(
        write_video(d / "fs_nb.mp4", container_options={"movflags": "faststart"}, options=NO_BFRAMES),
        d / "half_faststart_no_bframes.mp4", "half"),
    "noisy_middle": lambda d: _damaged(write_video(d / "whole2.mp4"), d / "noisy_middle.mp4", "noise"),
    # Found by decoding, not by probe(): see test_video_sampling.
    "noisy_middle_no_bframes": lambda d: _damaged(
        write_video(d / "whole3.mp4", options=NO_BFRAMES), d / "noisy_middle_no_bframes.mp4", "noise"),
    "half_webm": lambda d: _damaged(write_video(d / "whole.webm", codec="libvpx"), d / "half.webm", "half"),
    "audio_mp4": lambda d: write_audio(d / "speech.mp4"),
    "audio_m4a": lambda d: write_audio(d / "song.m4a", container_format="ipod"),
    "audio_mp3": lambda d: write_audio(d / "song.mp3", codec="mp3"),
}


def _touch(path: Path) -> Path:
    path.touch()
    return path


def _text(path: Path) -> Path:
    path.write_text("This is a shopping list, not a video.\n" * 20)
    return path


class Media:
    """`media["mp4"]` -> Path of that fixture file, written on first use."""

    def __init__(self, folder: Path):
        self._folder = folder
        self._made: dict[str, Path] = {}

    def __getitem__(self, name: str) -> Path:
        if name not in self._made:
            self._made[name] = MAKERS[name](self._folder)
        return self._made[name]


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Media:
    return Media(tmp_path_factory.mktemp("media"))
