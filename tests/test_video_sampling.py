"""sample_frames / probe on real files: every container, both backends, frame accuracy, rotation, images."""

import subprocess
import sys

import numpy as np
import pytest
from conftest import (
    AUTO_BACKEND,
    BOTH_BACKENDS,
    FPS,
    HAS_DECORD,
    HEIGHT,
    VFR_TIMES,
    WIDTH,
    index_pattern,
    read_index,
    requires_decord,
)

from videoassist.errors import VideoError
from videoassist.video import SampledFrames, probe, sample_frames
from videoassist.video.indices import evenly_spaced

# fixture name -> (codec, backend "auto" ends up with). 72 frames at 24 fps unless said otherwise.
CONTAINERS = {
    "mp4": ("h264", AUTO_BACKEND),
    "mp4_no_bframes": ("h264", AUTO_BACKEND),  # its frame table comes from the MP4's index, not a packet scan
    "fragmented_mp4": ("h264", AUTO_BACKEND),
    "mov": ("h264", AUTO_BACKEND),
    "mkv": ("h264", AUTO_BACKEND),
    "webm_vp8": ("vp8", AUTO_BACKEND),
    "webm_vp9": ("vp9", AUTO_BACKEND),
    "avi": ("mpeg4", AUTO_BACKEND),
    "avi_mpeg4_bframes": ("mpeg4", "pyav"),  # decord's timestamps are garbage: caught, PyAV takes over
    "avi_h264": ("h264", "pyav"),  # no usable pts at all: decord refused, PyAV counts frames
    "ts": ("h264", "pyav"),  # decord is not frame-accurate in MPEG-TS
    "hevc_open_gop": ("hevc", "pyav"),  # nor after seeks in open GOPs
    "gif": ("gif", "pyav"),  # decord cannot open GIFs
}


def assert_frames_show_their_indices(clip: SampledFrames) -> None:
    assert clip.frames.dtype == np.uint8 and clip.frames.shape[1:] == (HEIGHT, WIDTH, 3)
    assert [read_index(frame) for frame in clip.frames] == clip.indices


@pytest.mark.parametrize("name", CONTAINERS)
def test_every_container_gives_the_requested_frames(media, name):
    codec, backend = CONTAINERS[name]
    clip = sample_frames(media[name], num_frames=8)
    total, rate = (30, 10) if name == "gif" else (72, FPS)
    assert clip.backend == backend
    assert clip.indices == evenly_spaced(total, 8)
    assert clip.timestamps == pytest.approx([i / rate for i in clip.indices], abs=1e-3)
    assert_frames_show_their_indices(clip)
    info = clip.info
    assert (info.num_frames, info.codec, info.width, info.height, info.rotation) == (total, codec, WIDTH, HEIGHT, 0)
    assert info.fps == pytest.approx(rate)
    assert info.duration_s == pytest.approx(total / rate, abs=0.01)
    assert not info.is_image and info.path == str(media[name])


@requires_decord
@pytest.mark.parametrize("name", ["mp4", "mkv", "webm_vp9", "avi", "vfr_mp4", "vfr_mkv", "long_gop"])
def test_decord_and_pyav_return_the_same_frames_and_timestamps(media, name):
    for request in ({"num_frames": 16}, {"fps": 3.0}):
        by_decord = sample_frames(media[name], backend="decord", **request)
        by_pyav = sample_frames(media[name], backend="pyav", **request)
        assert (by_decord.backend, by_pyav.backend) == ("decord", "pyav")
        assert by_decord.indices == by_pyav.indices
        assert by_decord.timestamps == by_pyav.timestamps
        assert by_decord.info == by_pyav.info
        difference = np.abs(by_decord.frames.astype(int) - by_pyav.frames.astype(int))
        assert difference.mean() < 1.0 and np.percentile(difference, 99) <= 8  # two FFmpeg builds' rounding
        assert_frames_show_their_indices(by_pyav)


@pytest.mark.parametrize(
    "name, backend",
    [
        *(pytest.param(name, "decord", marks=requires_decord) for name in ("mp4", "long_gop", "webm_vp8")),
        *((name, "pyav") for name in ("mp4", "long_gop", "webm_vp8", "avi_h264", "avi_mpeg4_bframes", "ts")),
        *((name, "pyav") for name in ("mov_no_bframes", "pts_offset_mp4")),
        ("hevc_open_gop", "pyav"),
    ],
)
def test_every_single_frame_is_the_right_one(media, name, backend):
    total = probe(media[name]).num_frames
    clip = sample_frames(media[name], num_frames=total, backend=backend)
    assert clip.indices == list(range(total))
    assert_frames_show_their_indices(clip)


@pytest.mark.parametrize("backend", BOTH_BACKENDS)
def test_seeking_deep_into_long_gops_lands_on_the_exact_frame(media, backend):
    # 300 frames, a keyframe every 100: targets in the middle of GOPs, and frames either side of a keyframe.
    from videoassist.video.probe import inspect_file

    inspection = inspect_file(media["long_gop"])
    module = __import__(f"videoassist.video.{backend}_backend", fromlist=["decode_frames"])
    wanted = [1, 99, 100, 101, 150, 199, 200, 298, 299]
    if backend == "decord":
        frames = module.decode_frames(media["long_gop"], inspection.table, inspection.container_format, 0, wanted)
    else:
        frames = module.decode_frames(media["long_gop"], inspection.table, inspection.stream_index, wanted)
    assert {index: read_index(frame) for index, frame in frames.items()} == {i: i for i in wanted}


def test_one_decoder_or_one_per_core_give_the_same_frames(media, monkeypatch):
    from videoassist.video import pyav_backend

    results = []
    for cores in (1, 3):
        monkeypatch.setattr(pyav_backend, "_usable_cores", lambda cores=cores: cores)
        results.append(sample_frames(media["long_gop"], num_frames=10, backend="pyav"))
    assert results[0].indices == results[1].indices
    assert np.array_equal(results[0].frames, results[1].frames)
    assert_frames_show_their_indices(results[1])


def test_decoding_leaves_nothing_for_the_garbage_collector(media):
    # Decoder state left in a reference cycle is freed whenever the collector runs: in a forked DataLoader
    # worker, freeing FFmpeg objects whose threads stayed in the parent hangs the worker.
    import gc
    import types

    gc.collect()
    gc.disable()
    try:
        sample_frames(media["long_gop"], num_frames=10, backend="pyav")
        # type(), not isinstance(): the latter asks some of torch's objects for __class__, which warns
        leftovers = [o for o in gc.get_objects() if type(o) is types.GeneratorType and o.gi_code.co_name == "_decoded"]
    finally:
        gc.enable()
    assert leftovers == []


def test_mpeg_ts_clock_offset_does_not_leak_into_timestamps(media):
    clip = sample_frames(media["ts"], num_frames=3)  # the TS clock starts at 1.4 s
    assert clip.timestamps == pytest.approx([12 / FPS, 36 / FPS, 60 / FPS])
    assert_frames_show_their_indices(clip)


def test_a_stream_cut_mid_gop_starts_at_its_first_decodable_frame(media):
    # Frames 5..11 of the original are present but undecodable (their references were cut off): they are not
    # frames. decord counts them, and would hand out frame 12 as "frame 0"; so PyAV takes over.
    clip = sample_frames(media["mid_gop"], num_frames=60)
    assert clip.info.num_frames == 60 and clip.backend == "pyav"
    assert [read_index(frame) for frame in clip.frames] == [i + 12 for i in clip.indices]
    assert clip.timestamps == pytest.approx([i / FPS for i in clip.indices], abs=1e-3)
    if HAS_DECORD:
        with pytest.raises(VideoError, match="decord counts 67 frames, the file has 60"):
            sample_frames(media["mid_gop"], num_frames=4, backend="decord")


@pytest.mark.parametrize("backend", BOTH_BACKENDS)
@pytest.mark.parametrize("name", ["vfr_mp4", "vfr_mp4_no_bframes", "vfr_mkv"])
def test_variable_frame_rate_uses_real_presentation_times(media, name, backend):
    clip = sample_frames(media[name], num_frames=6, backend=backend)
    assert clip.timestamps == pytest.approx([VFR_TIMES[i] for i in clip.indices], abs=1e-3)
    assert_frames_show_their_indices(clip)
    by_time = sample_frames(media[name], fps=1.0, backend=backend)
    # the frame on screen at 0 s, 1 s, ...: the last one whose time is <= t
    expected = [int(np.searchsorted(VFR_TIMES, t + 1e-6, side="right") - 1) for t in range(int(VFR_TIMES[-1]) + 1)]
    assert by_time.indices == expected
    assert_frames_show_their_indices(by_time)


@pytest.fixture
def scans(monkeypatch) -> list:
    """The files probe() reads packet by packet, in order."""
    probe_module = sys.modules["videoassist.video.probe"]  # the module, not the function the package exports
    scanned, real_scan = [], probe_module.scan

    def counting_scan(container, stream, path):
        scanned.append(path)
        return real_scan(container, stream, path)

    monkeypatch.setattr(probe_module, "scan", counting_scan)
    return scanned


def test_an_mp4_index_spares_reading_every_packet(media, scans):
    from videoassist.video.probe import inspect_file

    clip = sample_frames(media["mov_no_bframes"], num_frames=10)
    assert scans == []
    assert clip.indices == evenly_spaced(300, 10)
    assert_frames_show_their_indices(clip)
    sample_frames(media["mp4"], num_frames=4)  # B-frames: the index holds decode times, so the packets are read
    assert scans == [media["mp4"]]
    # What decord gets is always read end to end first: it can crash on a damaged file.
    inspect_file(media["mov_no_bframes"], read_packets=True)
    assert scans == [media["mp4"], media["mov_no_bframes"]]


def test_an_index_whose_times_are_not_the_frames_gives_way_to_the_scan(media, scans):
    # Every pts sits 1024 ticks after its decode time: the index's times match no decoded frame.
    path = media["pts_offset_mp4"]
    clip = sample_frames(path, num_frames=8)
    assert scans == [path]
    assert clip.indices == evenly_spaced(72, 8)
    assert clip.timestamps == pytest.approx([i / FPS for i in clip.indices], abs=1e-3)
    assert_frames_show_their_indices(clip)


def test_damage_in_an_indexed_mp4_is_caught_where_decoding_meets_it(media):
    from videoassist.video.probe import inspect_file

    path = media["noisy_middle_no_bframes"]  # random bytes over the middle third of the frames
    assert probe(path).num_frames == 72  # no frame data was read: nothing to trip over yet
    with pytest.raises(VideoError) as caught:
        sample_frames(path, num_frames=16)
    message = str(caught.value)
    assert message.startswith(f"{path}: cannot be decoded (") and "\n" not in message, message
    with pytest.raises(VideoError, match="damaged or truncated"):
        inspect_file(path, read_packets=True)


def test_fps_sampling_and_max_frames(media):
    clip = sample_frames(media["mp4"], fps=2.0)  # 3 s at 24 fps
    assert clip.indices == [0, 12, 24, 36, 48, 60]
    assert clip.timestamps == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0, 2.5])
    assert_frames_show_their_indices(clip)
    capped = sample_frames(media["mp4"], fps=2.0, max_frames=4)
    assert capped.indices == evenly_spaced(72, 4) == [9, 27, 45, 63]
    assert_frames_show_their_indices(capped)
    assert sample_frames(media["mp4"], num_frames=16, max_frames=5).indices == evenly_spaced(72, 5)


def test_more_frames_than_the_video_has_repeats_frames(media):
    clip = sample_frames(media["rot180"], num_frames=48)  # 24 frames
    assert len(clip.frames) == 48 and clip.indices == evenly_spaced(24, 48)
    assert_frames_show_their_indices(clip)


@pytest.mark.parametrize("name, rotation", [("rot90", 90), ("rot180", 180), ("rot270", 270), ("rot90_tag", 90)])
def test_rotated_videos_come_out_upright(media, name, rotation):
    info = probe(media[name])
    assert (info.rotation, info.width, info.height) == (rotation, WIDTH, HEIGHT)  # displayed size
    clip = sample_frames(media[name], num_frames=4)
    assert clip.backend == "pyav"  # decord mis-handles rotation, see decord_backend
    assert_frames_show_their_indices(clip)  # read_index also checks the red band is on top
    assert np.abs(clip.frames[0].astype(int) - index_pattern(clip.indices[0])).mean() < 8


def test_decord_refuses_an_open_gop_stream_when_forced(media):
    with pytest.raises(VideoError, match="open-GOP"):
        sample_frames(media["hevc_open_gop"], num_frames=7, backend="decord")


def test_decord_refuses_a_rotated_video_when_forced(media):  # refused before decord is even imported
    with pytest.raises(VideoError, match="rotated"):
        sample_frames(media["rot90"], num_frames=2, backend="decord")


@pytest.mark.parametrize("name, codec", [("jpg", "jpeg"), ("png", "png"), ("webp", "webp"), ("bmp", "bmp")])
def test_images_are_one_frame_videos(media, name, codec):
    for backend in ("auto", "pyav"):  # an image needs no decoder backend
        clip = sample_frames(media[name], num_frames=8, backend=backend)
        assert (clip.backend, clip.timestamps, clip.indices) == ("image", [0.0], [0])
        assert clip.frames.shape == (1, HEIGHT, WIDTH, 3) and clip.frames.dtype == np.uint8
        assert clip.frames.flags.writeable
        assert read_index(clip.frames[0]) == 5
    info = probe(media[name])
    assert (info.is_image, info.num_frames, info.codec, info.width, info.height) == (True, 1, codec, WIDTH, HEIGHT)


def test_exif_orientation_of_a_photo_is_honoured(media):
    clip = sample_frames(media["jpg_exif90"], num_frames=1)
    assert clip.info.rotation == 90 and (clip.info.width, clip.info.height) == (WIDTH, HEIGHT)
    assert read_index(clip.frames[0]) == 5


def test_without_decord_auto_falls_back_on_pyav(media, monkeypatch):
    monkeypatch.setitem(sys.modules, "decord", None)  # `import decord` now raises ImportError
    clip = sample_frames(media["mp4"], num_frames=4)
    assert clip.backend == "pyav"
    assert_frames_show_their_indices(clip)
    with pytest.raises(VideoError, match="decord is not installed"):
        sample_frames(media["mp4"], num_frames=4, backend="decord")


@requires_decord
def test_a_file_decord_cannot_open_falls_back_on_pyav(media, monkeypatch):
    # Pretend GIF were a container decord is trusted with: decord then raises, and auto must still succeed.
    from videoassist.video import decord_backend
    from videoassist.video.probe import inspect_file

    gif_format = inspect_file(media["gif"]).container_format
    monkeypatch.setattr(decord_backend, "VERIFIED_FORMATS", decord_backend.VERIFIED_FORMATS | {gif_format})
    clip = sample_frames(media["gif"], num_frames=3)
    assert clip.backend == "pyav"
    assert_frames_show_their_indices(clip)
    with pytest.raises(VideoError, match="decord failed"):
        sample_frames(media["gif"], num_frames=3, backend="decord")


def test_bad_requests_are_value_errors(media):
    with pytest.raises(ValueError, match="exactly one"):
        sample_frames(media["mp4"], num_frames=8, fps=1.0)
    with pytest.raises(ValueError, match="exactly one"):
        sample_frames(media["mp4"])
    with pytest.raises(ValueError, match="backend"):
        sample_frames(media["mp4"], num_frames=8, backend="opencv")


def test_the_video_package_does_not_import_torch():
    code = "import sys, videoassist.video; assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
