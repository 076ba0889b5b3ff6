"""The frame table on its own (the packet scan that fills it runs in every sampling test)."""

from fractions import Fraction

import numpy as np

from videoassist.video.timeline import FrameTable


def make_table() -> FrameTable:
    keyframes = np.zeros(10, bool)
    keyframes[[2, 6]] = True  # frames 0 and 1 come before the first keyframe, as in a stream cut mid-GOP
    return FrameTable(pts=np.arange(10) * 40 + 1000, keyframe=keyframes, time_base=Fraction(1, 1000), end_pts=1400)


def test_times_count_from_the_first_frame_and_duration_runs_to_the_end():
    table = make_table()
    assert table.num_frames == 10
    assert table.times.tolist() == [k * 0.04 for k in range(10)]
    assert table.duration_s == 0.4


def test_keyframe_before_is_where_decoding_must_start():
    assert [make_table().keyframe_before(i) for i in range(10)] == [0, 0, 2, 2, 2, 2, 6, 6, 6, 6]


def test_starting_at_drops_the_frames_before_the_first_decodable_one():
    table = make_table().starting_at(1080)
    assert table.num_frames == 8 and table.times[0] == 0.0
    assert [table.keyframe_before(i) for i in range(8)] == [0, 0, 0, 0, 4, 4, 4, 4]
    assert make_table().starting_at(1000).num_frames == 10
