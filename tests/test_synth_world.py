"""The world sampler: every clip obeys SYNTH_WORLD.md's rules, and varies what the vocabulary does not name."""

from __future__ import annotations

import math

import numpy as np
import pytest

from data_tools.synth.vocabulary import ALL_PAIRS, COLOUR_RGB, HELD_OUT_PAIRS
from data_tools.synth.world import MOTION_VECTORS, Clip, WorldSettings, pairs_shown, sample_clip

SETTINGS = WorldSettings()


@pytest.fixture(scope="module")
def clips() -> list[Clip]:
    return [sample_clip(np.random.default_rng(seed), SETTINGS, forbidden_pairs=HELD_OUT_PAIRS) for seed in range(400)]


def test_frames_timing_and_background(clips):
    for clip in clips:
        assert clip.width % 2 == 0 and clip.height % 2 == 0
        assert SETTINGS.min_size <= min(clip.width, clip.height) <= max(clip.width, clip.height) <= SETTINGS.max_size
        assert max(clip.width, clip.height) / min(clip.width, clip.height) <= SETTINGS.max_aspect + 0.02
        assert 8 <= clip.fps <= 16
        assert 2.0 <= clip.duration_s <= 4.0
        bg = clip.background
        assert bg.kind in ("solid", "noise") and (bg.noise_amplitude > 0) == (bg.kind == "noise")
        assert max(bg.rgb) <= SETTINGS.background_max_channel
        for rgb in COLOUR_RGB.values():
            assert math.dist(bg.rgb, rgb) - bg.noise_amplitude * math.sqrt(3) >= SETTINGS.background_min_distance
    # It varies widely.
    assert len({(c.width, c.height) for c in clips}) > 100
    assert {c.fps for c in clips} == set(range(8, 17))
    assert {c.background.kind for c in clips} == {"solid", "noise"}


def test_objects_stay_in_view_apart_and_move_as_labelled(clips):
    for clip in clips:
        short = min(clip.width, clip.height)
        assert 1 <= len(clip.objects) <= 3
        assert len({(o.shape, o.colour) for o in clip.objects}) == len(clip.objects)
        for obj in clip.objects:
            assert 0.04 * short - 0.01 <= obj.radius_px <= 0.12 * short + 0.01
            for x, y in (obj.start_xy, obj.end_xy):  # straight line: the ends in view means all of it is
                assert obj.radius_px <= x <= clip.width - obj.radius_px
                assert obj.radius_px <= y <= clip.height - obj.radius_px
            dx, dy = np.subtract(obj.end_xy, obj.start_xy)
            ux, uy = MOTION_VECTORS[obj.motion]
            if obj.motion == "still":
                assert dx == dy == 0
                continue
            along, across = (dx * ux, dy) if ux else (dy * uy, dx)
            extent = clip.width if ux else clip.height
            assert 0.2 * extent - 0.02 <= along <= 0.6 * extent + 0.02
            assert abs(across) <= 0.15 * along + 0.02
        # No two objects ever touch, at any frame.
        for i, a in enumerate(clip.objects):
            for b in clip.objects[i + 1:]:
                gaps = [math.dist(clip.position(a, f), clip.position(b, f)) - a.radius_px - b.radius_px
                        for f in range(clip.num_frames)]
                assert min(gaps) > 0
    assert {o.motion for c in clips for o in c.objects} == set(MOTION_VECTORS)
    assert {len(c.objects) for c in clips} == {1, 2, 3}


def test_events_are_single_in_the_middle_half_and_change_visibility(clips):
    kinds = set()
    for clip in clips:
        event = clip.event
        others = [o for i, o in enumerate(clip.objects) if event is None or i != event.object]
        for obj in others:
            assert obj.visible_from_s == 0 and obj.visible_until_s >= clip.duration_s - 1e-3
            assert obj.colour_after is None
        if event is None:
            continue
        kinds.add(event.type)
        assert clip.duration_s / 4 <= event.time_s <= 3 * clip.duration_s / 4
        # The event takes effect exactly at `frame`, half a frame after the previous one.
        assert clip.time(event.frame - 1) < event.time_s < clip.time(event.frame)
        obj = clip.objects[event.object]
        visible = [clip.is_visible(obj, f) for f in range(clip.num_frames)]
        colours = [clip.colour_at(obj, f) for f in range(clip.num_frames)]
        after = [f >= event.frame for f in range(clip.num_frames)]
        if event.type == "appears":
            assert visible == after and obj.visible_from_s == event.time_s
        elif event.type == "disappears":
            assert visible == [not a for a in after] and obj.visible_until_s == event.time_s
        else:
            assert all(visible) and event.to_colour == obj.colour_after != obj.colour
            assert colours == [obj.colour_after if a else obj.colour for a in after]
            assert len(pairs_shown(clip)) == len(clip.objects) + 1  # the new pair is not another object's
    assert kinds == {"appears", "disappears", "changes_colour"}
    share = sum(c.event is not None for c in clips) / len(clips)
    assert 0.4 < share < 0.8


def test_held_out_pairs(clips):
    assert len(HELD_OUT_PAIRS) == 4 and HELD_OUT_PAIRS < set(ALL_PAIRS)
    assert all(not pairs_shown(c) & HELD_OUT_PAIRS for c in clips)  # not even after a colour change
    required = [sample_clip(np.random.default_rng(s), required_pairs=HELD_OUT_PAIRS) for s in range(100)]
    assert all(pairs_shown(c) & HELD_OUT_PAIRS for c in required)
    assert {(c.objects[0].shape, c.objects[0].colour) for c in required if len(c.objects) == 1} <= HELD_OUT_PAIRS
    with pytest.raises(ValueError):
        sample_clip(np.random.default_rng(0), forbidden_pairs=HELD_OUT_PAIRS, required_pairs=HELD_OUT_PAIRS)


def test_same_generator_state_same_clip_and_record_round_trip(clips):
    again = sample_clip(np.random.default_rng(7), SETTINGS, forbidden_pairs=HELD_OUT_PAIRS)
    assert again == clips[7] and clips[7] != clips[8]
    for clip in clips:
        assert Clip.from_record(clip.to_record()) == clip


def test_settings_can_narrow_the_world():
    small = WorldSettings(min_size=128, max_size=160, max_objects=1, event_probability=0.0)
    for seed in range(30):
        clip = sample_clip(np.random.default_rng(seed), small)
        assert max(clip.width, clip.height) <= 160 and len(clip.objects) == 1 and clip.event is None
    with pytest.raises(ValueError):
        WorldSettings(min_size=200, max_size=100)
