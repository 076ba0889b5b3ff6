"""The frame table on its own, and its two sources: the packet scan and an MP4's index (both also run in every
sampling test)."""

import os
from fractions import Fraction

import av
import numpy as np
import pytest

from videoassist.video.timeline import FrameTable, from_index, scan


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


def tables(path) -> tuple[FrameTable | None, FrameTable]:
    """(from the index, from the scan) of the file's video stream."""
    with av.open(str(path)) as container:
        indexed = from_index(container, container.streams.video[0], os.path.getsize(path))
        return indexed, scan(container, container.streams.video[0], path)


@pytest.mark.parametrize("name", ["mp4_no_bframes", "mov_no_bframes", "vfr_mp4_no_bframes"])
def test_an_mp4_index_gives_the_table_the_packet_scan_gives(media, name):
    indexed, scanned = tables(media[name])
    assert indexed is not None
    assert np.array_equal(indexed.pts, scanned.pts) and np.array_equal(indexed.keyframe, scanned.keyframe)
    assert (indexed.time_base, indexed.end_pts, indexed.open_gop) == (scanned.time_base, scanned.end_pts, False)
    assert indexed.keyframe[0] and indexed.keyframe.sum() >= 3


@pytest.mark.parametrize(
    "name",
    [
        "mp4",  # B-frames: the index holds decode times, not the order frames are shown in
        "mkv",  # Matroska's index (cues) lists keyframes only
        "half_faststart_no_bframes",  # the index points past the end of the file: the scan says what is missing
        "fragmented_mp4",  # the index and the header's frame count disagree
    ],
)
def test_the_index_is_not_used_where_it_cannot_stand_in_for_the_scan(media, name):
    assert tables(media[name])[0] is None
