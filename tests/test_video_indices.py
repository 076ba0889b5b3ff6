"""Choosing frame indices: pure functions, no files."""

import numpy as np
import pytest

from videoassist.video import sample_indices
from videoassist.video.indices import at_rate, evenly_spaced


def test_evenly_spaced_takes_segment_centres():
    assert evenly_spaced(30, 8) == [1, 5, 9, 13, 16, 20, 24, 28]
    assert evenly_spaced(80, 8) == [5, 15, 25, 35, 45, 55, 65, 75]
    assert evenly_spaced(10, 1) == [5]
    assert evenly_spaced(8, 8) == list(range(8))


def test_evenly_spaced_repeats_frames_of_a_short_video_to_keep_the_count():
    assert evenly_spaced(3, 8) == [0, 0, 0, 1, 1, 2, 2, 2]
    assert evenly_spaced(1, 4) == [0, 0, 0, 0]


@pytest.mark.parametrize("total", [1, 2, 7, 30, 31, 1000, 90_000])
@pytest.mark.parametrize("count", [1, 3, 8, 16, 64])
def test_evenly_spaced_is_ascending_in_range_and_symmetric(total, count):
    picked = evenly_spaced(total, count)
    assert len(picked) == count
    assert picked == sorted(picked)
    assert 0 <= picked[0] and picked[-1] < total
    # Same margin at both ends (within one frame): centres, not end points.
    assert abs(picked[0] - (total - 1 - picked[-1])) <= 1


def test_at_rate_takes_the_frame_on_screen_every_1_over_f_seconds():
    times = np.arange(30) / 10  # 3 s at 10 fps
    assert at_rate(times, 1) == [0, 10, 20]
    assert at_rate(times, 2.5) == [0, 4, 8, 12, 16, 20, 24, 28]
    assert at_rate(times, 10) == list(range(30))


def test_at_rate_survives_float_rounding_of_frame_times():
    times = [0.0, 0.1, 0.2, 0.1 * 3, 0.4]  # 0.1 * 3 is 0.30000000000000004, later than the wanted 3 / 10
    assert at_rate(times, 10) == [0, 1, 2, 3, 4]


def test_at_rate_follows_real_times_of_a_variable_frame_rate_video():
    times = [0.0, 0.05, 0.9, 1.0, 1.02, 2.7, 3.1]
    # on screen at 0 s, 1 s, 2 s, 3 s: the last frame that started at or before each time
    assert at_rate(times, 1) == [0, 3, 4, 5]


def test_at_rate_faster_than_the_video_repeats_frames():
    assert at_rate(np.arange(3) / 2, 4) == [0, 0, 1, 1, 2]


def test_sample_indices_num_frames_mode_and_its_cap():
    times = np.arange(100) / 25
    assert sample_indices(times, num_frames=4) == [12, 37, 62, 87]
    assert sample_indices(times, num_frames=8, max_frames=4) == [12, 37, 62, 87]


def test_sample_indices_fps_mode_is_respaced_evenly_over_the_cap():
    times = np.arange(250) / 25  # 10 s
    assert sample_indices(times, sample_fps=1) == list(range(0, 250, 25))
    assert sample_indices(times, sample_fps=1, max_frames=10) == list(range(0, 250, 25))
    assert sample_indices(times, sample_fps=1, max_frames=4) == evenly_spaced(250, 4) == [31, 93, 156, 218]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"num_frames": 8, "sample_fps": 1.0},
        {"num_frames": 0},
        {"sample_fps": -1.0},
        {"num_frames": 4, "max_frames": 0},
    ],
)
def test_sample_indices_rejects_a_bad_request(kwargs):
    with pytest.raises(ValueError):
        sample_indices(np.arange(10) / 10, **kwargs)
