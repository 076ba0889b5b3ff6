"""Ground truth of one synthetic clip, and the sampler that draws it from a seed.

A `Clip` is everything needed to render the clip exactly, in any renderer: frame size and timing, the
background, each object's shape, colour, size, straight-line path and visibility, and the one event. Time
runs per frame: frame i shows time i / fps; an object moves linearly from `start_xy` (first frame) to
`end_xy` (last frame). Event times lie half-way between two frames, so "has the event happened in frame i"
never depends on floating-point rounding.

The sampler varies everything the vocabulary does not name (size, resolution, frame rate, length, speed,
start position, a slight drift across the motion, rotation, background) so a model cannot learn one
rendering's habits, and it keeps what the vocabulary does name unambiguous: objects never overlap and stay
fully in view, no two objects share a (shape, colour) pair, and the dominant motion axis is clear.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from data_tools.synth.vocabulary import ALL_PAIRS, COLOUR_RGB, COLOURS, EVENTS, MOTIONS

Pair = tuple[str, str]

# Unit direction of each motion in image coordinates (y grows downwards).
MOTION_VECTORS: dict[str, tuple[int, int]] = {
    "left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1), "still": (0, 0),
}
EVENT_TYPES = tuple(k for k in EVENTS if k != "none")


@dataclass(frozen=True)
class WorldSettings:
    """Ranges the sampler draws from. Fractions are of the frame's shorter side unless said otherwise."""

    min_size: int = 128                   # frame width and height, pixels (both even)
    max_size: int = 256
    max_aspect: float = 1.8               # longer side / shorter side
    fps_range: tuple[int, int] = (8, 16)
    duration_range_s: tuple[float, float] = (2.0, 4.0)
    radius_range: tuple[float, float] = (0.04, 0.12)
    travel_range: tuple[float, float] = (0.20, 0.60)  # of the frame's extent along the motion, over the clip
    max_drift: float = 0.15               # sideways movement, as a fraction of the travel
    max_angle_deg: float = 20.0           # rotation of squares, triangles and stars
    max_objects: int = 3
    object_gap: float = 0.02              # minimum space between two objects' outlines
    event_probability: float = 0.6
    noise_background_probability: float = 0.5
    background_max_channel: int = 80      # backgrounds are dark ...
    background_min_distance: float = 120.0  # ... and at least this far (RGB distance) from every object colour
    noise_amplitude_range: tuple[int, int] = (6, 20)
    noise_cells_range: tuple[int, int] = (3, 12)
    max_attempts: int = 200

    def __post_init__(self) -> None:
        if self.min_size < 32 or self.max_size < self.min_size + self.min_size % 2:
            raise ValueError(f"frame sizes {self.min_size}..{self.max_size}: need an even size of at least 32 "
                             "in the range")
        if not 1 <= self.max_objects <= 3:
            raise ValueError("max_objects must be 1..3 (the vocabulary counts to three)")


@dataclass(frozen=True)
class Background:
    """A dark solid colour, plus (when `noise_amplitude` > 0) a smooth grey noise texture drawn from
    `noise_seed` on a grid of `noise_cells` cells across the width."""

    kind: str                       # "solid" | "noise"
    rgb: tuple[int, int, int]
    noise_amplitude: int = 0
    noise_cells: int = 0
    noise_seed: int = 0


@dataclass(frozen=True)
class WorldObject:
    shape: str
    colour: str
    radius_px: float                # circumscribed radius: the object fits in this circle whatever its shape
    angle_deg: float
    start_xy: tuple[float, float]   # centre in the first frame
    end_xy: tuple[float, float]     # centre in the last frame
    motion: str
    visible_from_s: float
    visible_until_s: float
    colour_after: str | None        # colour after a change-colour event, else None

    @property
    def pairs(self) -> tuple[Pair, ...]:
        """The (shape, colour) pairs this object shows during the clip."""
        if self.colour_after is None:
            return ((self.shape, self.colour),)
        return (self.shape, self.colour), (self.shape, self.colour_after)


@dataclass(frozen=True)
class Event:
    type: str                       # "appears" | "disappears" | "changes_colour"
    object: int                     # index into Clip.objects
    time_s: float
    frame: int                      # first frame that shows the result of the event
    to_colour: str | None = None


@dataclass(frozen=True)
class Clip:
    width: int
    height: int
    fps: int
    num_frames: int
    background: Background
    objects: tuple[WorldObject, ...]
    event: Event | None

    @property
    def duration_s(self) -> float:
        return self.num_frames / self.fps

    def time(self, frame: int) -> float:
        return frame / self.fps

    def position(self, obj: WorldObject, frame: int) -> tuple[float, float]:
        p = frame / (self.num_frames - 1)
        return (obj.start_xy[0] + p * (obj.end_xy[0] - obj.start_xy[0]),
                obj.start_xy[1] + p * (obj.end_xy[1] - obj.start_xy[1]))

    def is_visible(self, obj: WorldObject, frame: int) -> bool:
        return obj.visible_from_s <= self.time(frame) < obj.visible_until_s

    def colour_at(self, obj: WorldObject, frame: int) -> str:
        if obj.colour_after is not None and self.event is not None and self.time(frame) >= self.event.time_s:
            return obj.colour_after
        return obj.colour

    def event_object(self) -> WorldObject | None:
        return None if self.event is None else self.objects[self.event.object]

    def to_record(self) -> dict:
        """The JSON form written to ground_truth.jsonl (without id/split/video, which the generator adds)."""
        return {
            "width": self.width, "height": self.height, "fps": self.fps, "num_frames": self.num_frames,
            "duration_s": round(self.duration_s, 4),
            "background": {**asdict(self.background), "rgb": list(self.background.rgb)},
            "objects": [
                {**asdict(o), "start_xy": list(o.start_xy), "end_xy": list(o.end_xy)} for o in self.objects
            ],
            "event": None if self.event is None else asdict(self.event),
        }

    @classmethod
    def from_record(cls, record: dict) -> Clip:
        """Inverse of `to_record` (extra keys such as id, captions are ignored), so a ground-truth file can be
        rendered again, e.g. by another renderer style."""
        bg = record["background"]
        event = record["event"]
        return cls(
            width=record["width"], height=record["height"], fps=record["fps"], num_frames=record["num_frames"],
            background=Background(**{**bg, "rgb": tuple(bg["rgb"])}),
            objects=tuple(
                WorldObject(**{**o, "start_xy": tuple(o["start_xy"]), "end_xy": tuple(o["end_xy"])})
                for o in record["objects"]
            ),
            event=None if event is None else Event(**event),
        )


def sample_clip(rng: np.random.Generator, settings: WorldSettings = WorldSettings(), *,
                forbidden_pairs: frozenset[Pair] = frozenset(),
                required_pairs: frozenset[Pair] = frozenset()) -> Clip:
    """Draw one clip. No object ever shows a pair in `forbidden_pairs` (not even after a colour change);
    when `required_pairs` is given, at least one object starts with one of them."""
    allowed = [p for p in ALL_PAIRS if p not in forbidden_pairs]
    required = sorted(required_pairs - forbidden_pairs)
    if required_pairs and not required:
        raise ValueError("every required pair is also forbidden")
    for _ in range(settings.max_attempts):
        clip = _try_sample(rng, settings, allowed, required, forbidden_pairs)
        if clip is not None:
            return clip
    raise RuntimeError(f"could not place the objects in {settings.max_attempts} attempts; widen the settings")


def _uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(rng.uniform(bounds[0], bounds[1]))


def _even(rng: np.random.Generator, lo: float, hi: float) -> int:
    return 2 * int(rng.integers(math.ceil(lo / 2), math.floor(hi / 2) + 1))


def _try_sample(rng: np.random.Generator, s: WorldSettings, allowed: list[Pair], required: list[Pair],
                forbidden: frozenset[Pair]) -> Clip | None:
    width = _even(rng, s.min_size, s.max_size)
    height = _even(rng, max(s.min_size, width / s.max_aspect), min(s.max_size, width * s.max_aspect))
    fps = int(rng.integers(s.fps_range[0], s.fps_range[1] + 1))
    num_frames = int(rng.integers(math.ceil(s.duration_range_s[0] * fps), math.floor(s.duration_range_s[1] * fps) + 1))
    background = _sample_background(rng, s)

    n_objects = int(rng.integers(1, s.max_objects + 1))
    pairs: list[Pair] = []
    if required:
        pairs.append(required[int(rng.integers(len(required)))])
    while len(pairs) < n_objects:
        pair = allowed[int(rng.integers(len(allowed)))]
        if pair not in pairs:
            pairs.append(pair)
    order = rng.permutation(n_objects)  # the required pair need not always be the first object listed
    pairs = [pairs[i] for i in order]

    event = None
    if rng.random() < s.event_probability:
        event = _sample_event(rng, pairs, forbidden, num_frames, fps)

    short = min(width, height)
    placed: list[WorldObject] = []
    for index, (shape, colour) in enumerate(pairs):
        obj = _place_object(rng, s, shape, width, height, short, placed)
        if obj is None:
            return None
        visible_from, visible_until, colour_after = 0.0, round(num_frames / fps, 4), None
        if event is not None and event.object == index:
            if event.type == "appears":
                visible_from = event.time_s
            elif event.type == "disappears":
                visible_until = event.time_s
            else:
                colour_after = event.to_colour
        placed.append(WorldObject(
            shape=shape, colour=colour, radius_px=obj.radius_px, angle_deg=obj.angle_deg,
            start_xy=obj.start_xy, end_xy=obj.end_xy, motion=obj.motion,
            visible_from_s=visible_from, visible_until_s=visible_until, colour_after=colour_after,
        ))
    return Clip(width, height, fps, num_frames, background, tuple(placed), event)


def _sample_background(rng: np.random.Generator, s: WorldSettings) -> Background:
    noisy = rng.random() < s.noise_background_probability
    amplitude = int(rng.integers(s.noise_amplitude_range[0], s.noise_amplitude_range[1] + 1)) if noisy else 0
    while True:
        rgb = tuple(int(v) for v in rng.integers(0, s.background_max_channel + 1, size=3))
        # The brightest noise pixel moves at most amplitude·√3 towards an object colour.
        nearest = min(math.dist(rgb, c) for c in COLOUR_RGB.values()) - amplitude * math.sqrt(3)
        if nearest >= s.background_min_distance:
            break
    if not noisy:
        return Background("solid", rgb)
    cells = int(rng.integers(s.noise_cells_range[0], s.noise_cells_range[1] + 1))
    return Background("noise", rgb, amplitude, cells, int(rng.integers(2**31)))


def _sample_event(rng: np.random.Generator, pairs: list[Pair], forbidden: frozenset[Pair],
                  num_frames: int, fps: int) -> Event | None:
    index = int(rng.integers(len(pairs)))
    kind = EVENT_TYPES[int(rng.integers(len(EVENT_TYPES)))]
    to_colour = None
    if kind == "changes_colour":
        shape = pairs[index][0]
        options = [c for c in COLOURS if (shape, c) not in pairs and (shape, c) not in forbidden]
        if not options:
            return None
        to_colour = options[int(rng.integers(len(options)))]
    # The event takes effect at frame k, at time (k - 0.5) / fps, strictly inside the middle half of the clip
    # (by at least a quarter frame, so the rounded time is inside too).
    first = math.floor(num_frames / 4 + 0.5) + 1
    last = math.ceil(3 * num_frames / 4 + 0.5) - 1
    frame = int(rng.integers(first, last + 1))
    return Event(kind, index, round((frame - 0.5) / fps, 6), frame, to_colour)


@dataclass(frozen=True)
class _Placement:
    radius_px: float
    angle_deg: float
    start_xy: tuple[float, float]
    end_xy: tuple[float, float]
    motion: str


def _place_object(rng: np.random.Generator, s: WorldSettings, shape: str, width: int, height: int,
                  short: int, placed: list[WorldObject]) -> _Placement | None:
    """A path for one object that stays in view and keeps clear of the objects already placed."""
    margin = 1.0  # pixels between the outline and the frame edge, so rounding never clips an object
    for _ in range(50):
        radius = round(_uniform(rng, s.radius_range) * short, 2)
        motion = list(MOTIONS)[int(rng.integers(len(MOTIONS)))]
        angle = 0.0 if shape == "circle" else round(_uniform(rng, (-s.max_angle_deg, s.max_angle_deg)), 1)
        dx, dy = MOTION_VECTORS[motion]
        lo = radius + margin
        span_x, span_y = width - 2 * lo, height - 2 * lo
        if motion == "still":
            move = (0.0, 0.0)
        else:
            extent = width if dx else height
            room = (span_x if dx else span_y) / extent
            if room < s.travel_range[0]:
                continue
            travel = _uniform(rng, (s.travel_range[0], min(s.travel_range[1], room))) * extent
            drift = _uniform(rng, (-s.max_drift, s.max_drift)) * travel
            move = (dx * travel + (drift if dy else 0.0), dy * travel + (drift if dx else 0.0))
        if abs(move[0]) > span_x or abs(move[1]) > span_y:
            continue
        start_x = _uniform(rng, (lo + max(0.0, -move[0]), lo + span_x - max(0.0, move[0])))
        start_y = _uniform(rng, (lo + max(0.0, -move[1]), lo + span_y - max(0.0, move[1])))
        start = (round(start_x, 2), round(start_y, 2))
        end = (round(start_x + move[0], 2), round(start_y + move[1], 2))
        gap = s.object_gap * short
        if all(_min_distance(start, end, o.start_xy, o.end_xy) >= radius + o.radius_px + gap for o in placed):
            return _Placement(radius, angle, start, end, motion)
    return None


def _min_distance(a0, a1, b0, b1) -> float:
    """Closest approach of two points moving linearly (and in step) from a0 to a1 and from b0 to b1."""
    p = np.subtract(a0, b0, dtype=float)
    v = np.subtract(a1, a0, dtype=float) - np.subtract(b1, b0, dtype=float)
    vv = float(v @ v)
    t = 0.0 if vv == 0 else float(np.clip(-(p @ v) / vv, 0.0, 1.0))
    return float(np.linalg.norm(p + t * v))


def pairs_shown(clip: Clip) -> set[Pair]:
    """Every (shape, colour) pair the clip shows, including after a colour change."""
    return {pair for obj in clip.objects for pair in obj.pairs}
