"""The pixels say what the ground truth says: positions, motion, colours, events and counts, after H.264."""

from __future__ import annotations

from collections.abc import Callable

import av
import numpy as np
import pytest

from data_tools.synth.generate import sample_world
from data_tools.synth.render import RenderStyle, render_background, render_frame, render_frames
from data_tools.synth.vocabulary import COLOUR_RGB
from data_tools.synth.world import Clip, WorldObject
from data_tools.synth.writer import write_mp4

MOTIONS = ("left", "right", "up", "down", "still")
EVENT_TYPES = ("appears", "disappears", "changes_colour")


def decode(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


PALETTE_NAMES = list(COLOUR_RGB)
PALETTE = np.array([COLOUR_RGB[name] for name in PALETTE_NAMES], np.float32)


def colour_mask(frame: np.ndarray, colour: str) -> np.ndarray:
    """Pixels within 70 (RGB distance) of `colour` and nearer to it than to any other palette colour.
    Every palette colour has a channel above 200 and backgrounds stay below 110, so only brighter pixels
    are compared."""
    mask = np.zeros(frame.shape[:2], bool)
    bright = frame.max(axis=-1) > 110
    distance = np.linalg.norm(frame[bright][:, None, :].astype(np.float32) - PALETTE, axis=-1)
    k = PALETTE_NAMES.index(colour)
    mask[bright] = (distance.argmin(axis=1) == k) & (distance[:, k] < 70)
    return mask


def centroid(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    return np.array([xs.mean(), ys.mean()]) + 0.5  # pixel i covers [i, i+1)


def around(mask: np.ndarray, xy, radius: float) -> np.ndarray:
    """The part of `mask` within the object's circle (plus a pixel and a half)."""
    ys, xs = np.mgrid[: mask.shape[0], : mask.shape[1]]
    return mask & (np.hypot(xs + 0.5 - xy[0], ys + 0.5 - xy[1]) <= radius + 1.5)


def own_colour(clip: Clip, obj: WorldObject) -> bool:
    """No other object ever shows a colour this one shows, so a colour mask finds this object alone."""
    mine = {obj.colour, obj.colour_after} - {None}
    return all(not mine & {o.colour, o.colour_after} for o in clip.objects if o is not obj)


def find_clip(predicate: Callable[[Clip], bool]) -> Clip:
    for index in range(5000):
        clip = sample_world(1234, index, "train")
        if predicate(clip):
            return clip
    raise AssertionError("no sampled clip satisfies the predicate")


def components(mask: np.ndarray) -> int:
    """Number of 8-connected components of a boolean mask."""
    seen = np.zeros_like(mask)
    count = 0
    height, width = mask.shape
    for start in zip(*np.nonzero(mask)):
        if seen[start]:
            continue
        count += 1
        stack = [start]
        seen[start] = True
        while stack:
            y, x = stack.pop()
            for ny in range(max(0, y - 1), min(height, y + 2)):
                for nx in range(max(0, x - 1), min(width, x + 2)):
                    if mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        stack.append((ny, nx))
    return count


@pytest.fixture(scope="module")
def encoded(tmp_path_factory) -> list[tuple[Clip, list[np.ndarray]]]:
    """Decoded H.264 frames of sampled clips covering every motion (no event) and every event, each time on
    an object whose colours are its own."""
    clips = [find_clip(lambda c, m=m: c.event is None and any(o.motion == m and own_colour(c, o) for o in c.objects))
             for m in MOTIONS]
    clips += [find_clip(lambda c, e=e: c.event is not None and c.event.type == e
                        and own_colour(c, c.objects[c.event.object])) for e in EVENT_TYPES]
    folder = tmp_path_factory.mktemp("render")
    out = []
    for i, clip in enumerate(clips):
        path = folder / f"clip{i}.mp4"
        write_mp4(path, render_frames(clip), clip.fps)
        out.append((clip, decode(path)))
    return out


def test_decoded_video_has_the_ground_truth_size_length_and_rate(encoded, tmp_path):
    for clip, frames in encoded:
        assert len(frames) == clip.num_frames
        assert all(f.shape == (clip.height, clip.width, 3) for f in frames)
    clip = encoded[0][0]
    write_mp4(tmp_path / "a.mp4", render_frames(clip), clip.fps)
    with av.open(str(tmp_path / "a.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.average_rate == clip.fps
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"


def test_objects_are_where_the_ground_truth_says_and_move_its_way(encoded):
    checked = set()
    for clip, frames in encoded:
        for obj in clip.objects:
            if not own_colour(clip, obj) or obj.colour_after is not None:
                continue
            visible = [i for i in range(clip.num_frames) if clip.is_visible(obj, i)]
            centres = []
            for i in visible:
                mask = colour_mask(frames[i], obj.colour)
                assert mask.sum() > 0.3 * obj.radius_px ** 2, f"{obj.colour} {obj.shape} missing in frame {i}"
                centres.append(centroid(mask))
                assert np.linalg.norm(centres[-1] - clip.position(obj, i)) < 1.5, (obj, i, centres[-1])
            moved = centres[-1] - centres[0]
            if obj.motion == "still":
                assert np.abs(moved).max() < 1.0
            else:
                axis = 0 if obj.motion in ("left", "right") else 1
                sign = -1 if obj.motion in ("left", "up") else 1
                assert sign * moved[axis] > 0.18 * (clip.width if axis == 0 else clip.height)
                assert abs(moved[1 - axis]) < 0.2 * abs(moved[axis])  # the drift stays small
            checked.add(obj.motion)
    assert checked == set(MOTIONS)


def _event_clip(encoded, kind: str) -> tuple[Clip, WorldObject, list[np.ndarray]]:
    clip, frames = next((c, f) for c, f in encoded if c.event is not None and c.event.type == kind)
    return clip, clip.objects[clip.event.object], frames


def test_colour_change_shows_the_old_colour_before_and_the_new_after(encoded):
    clip, obj, frames = _event_clip(encoded, "changes_colour")
    for i, frame in enumerate(frames):
        xy = clip.position(obj, i)
        old = around(colour_mask(frame, obj.colour), xy, obj.radius_px).sum()
        new = around(colour_mask(frame, obj.colour_after), xy, obj.radius_px).sum()
        before = i < clip.event.frame
        assert (old > 0.3 * obj.radius_px ** 2) == before and (new > 0.3 * obj.radius_px ** 2) != before, i
        assert (new if before else old) <= 2, i


@pytest.mark.parametrize("kind", ["appears", "disappears"])
def test_object_is_visible_exactly_when_the_ground_truth_says(encoded, kind):
    clip, obj, frames = _event_clip(encoded, kind)
    for i, frame in enumerate(frames):
        pixels = around(colour_mask(frame, obj.colour), clip.position(obj, i), obj.radius_px).sum()
        after = i >= clip.event.frame
        assert clip.is_visible(obj, i) == (after if kind == "appears" else not after)
        if clip.is_visible(obj, i):
            assert pixels > 0.3 * obj.radius_px ** 2, i
        else:
            assert pixels <= 2, i


def test_count_is_the_number_of_connected_components_of_a_clean_render():
    seen_counts = set()
    for index in range(40):
        clip = sample_world(99, index, "train")
        # A frame where every object is visible: there is at most one event.
        frame_index = clip.num_frames - 1 if clip.event is not None and clip.event.type == "appears" else 0
        frame = render_frame(clip, frame_index).astype(np.int16)
        background = np.rint(render_background(clip.background, clip.width, clip.height)).astype(np.int16)
        assert components(np.abs(frame - background).max(axis=-1) > 40) == len(clip.objects), index
        seen_counts.add(len(clip.objects))
    assert seen_counts == {1, 2, 3}


def test_edges_are_anti_aliased_and_the_style_is_separate_from_the_ground_truth():
    clip = find_clip(lambda c: c.background.kind == "solid" and c.event is None)
    obj = clip.objects[0]
    frame = render_frame(clip, 0)
    colour = np.array(COLOUR_RGB[obj.colour])
    values = frame[around(np.ones(frame.shape[:2], bool), clip.position(obj, 0), obj.radius_px)].astype(int)
    blended = (np.abs(values - colour).max(axis=1) > 10) & (np.abs(values - clip.background.rgb).max(axis=1) > 10)
    assert blended.sum() > 3  # edge pixels mix object and background

    # The same ground truth, another style: same geometry, other pixels; and the record round-trips.
    assert Clip.from_record(clip.to_record()) == clip
    grey = RenderStyle(palette={name: (128, 128, 128) for name in COLOUR_RGB}, supersample=2)
    restyled = render_frame(Clip.from_record(clip.to_record()), 0, grey)
    assert not np.array_equal(restyled, frame)
    changed = np.abs(restyled.astype(int) - frame).max(axis=-1) > 0
    inside = np.logical_or.reduce([around(np.ones(frame.shape[:2], bool), clip.position(o, 0), o.radius_px)
                                   for o in clip.objects])
    assert changed.any() and not changed[~inside].any()  # only the objects' pixels differ


def test_writer_refuses_odd_sizes_and_leaves_no_file(tmp_path):
    frames = [np.zeros((31, 32, 3), np.uint8)]
    with pytest.raises(ValueError, match="even"):
        write_mp4(tmp_path / "odd.mp4", frames, 8)
    assert list(tmp_path.iterdir()) == []
