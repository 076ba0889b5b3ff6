"""Answer the synthetic world's questions from the stage-0 probes alone: the ceiling the LLM can reach.

The global-token probes of a clip's T frames give, per (shape, colour) pair, whether it is visible in each frame
and where (so do the cell probes, read by `scene_from_cells`). From those alone:
- count:   the most pairs visible in one frame (an object that appears or disappears is seen with all the others
           before or after its event; a colour change swaps one pair for another);
- colour / shape: the pair of the named shape (colour) seen most;
- exists:  the pair is visible in some frame;
- motion:  the least-squares velocity of the named object's position over the frames it is visible in
           (followed through a colour change): the dominant axis and its sign, or still;
- event, order: visibility at the start (first two frames) and at the end (last two): the world's events happen
           in the middle half of a clip, and 8 evenly spaced frames put two on each side of it.
Questions are read with the scorer's own tokenizer (the vocabulary words they contain), answers written with
the vocabulary's canonical words in the question's language.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data_tools.synth.scoring import tokenize
from data_tools.synth.vocabulary import ANSWERS, COLOURS, COUNTS, EVENTS, MOTIONS, ORDERS, SHAPES
from .targets import COLOUR_KEYS, PAIR_INDEX, SHAPE_KEYS

STILL_SPEED = 0.08  # fraction of the frame per clip; the world's slowest mover travels 0.2 (sampled: ~0.17)


@dataclass
class ClipScene:
    """What the probes saw in one clip's frames: visible [T, 24] bool, xy [T, 24, 2] (fractions of the frame)."""

    visible: np.ndarray
    xy: np.ndarray
    times: np.ndarray  # [T] where each frame lies in the clip, 0..1

    def seen(self, pair: int) -> float:
        return float(self.visible[:, pair].mean())

    def count(self) -> int:
        return int(self.visible.sum(1).max())

    def best_pair(self, shape: str | None = None, colour: str | None = None) -> int:
        """The pair seen most among those matching the named shape and/or colour."""
        candidates = [k for (s, c), k in PAIR_INDEX.items()
                      if (shape is None or s == shape) and (colour is None or c == colour)]
        return max(candidates, key=self.seen)

    def object_pair(self, shape: str | None, colour: str | None) -> int:
        """The pair an object's name refers to: a name is the object's first colour, so among the matching pairs
        one seen at the start wins over one that only a colour change brings."""
        candidates = [k for (s, c), k in PAIR_INDEX.items()
                      if (shape is None or s == shape) and (colour is None or c == colour)]
        return max(candidates, key=lambda k: (self.start(k), self.seen(k)))

    def track(self, pair: int) -> tuple[np.ndarray, np.ndarray]:
        """(times, xy) of the object showing `pair`, followed through a colour change."""
        frames, xy = self.visible[:, pair].copy(), self.xy[:, pair].copy()
        kind, new_colour = self.event(pair)
        if kind == "changes_colour":
            new = PAIR_INDEX[(_pair_of(pair)[0], new_colour)]
            after = self.visible[:, new] & ~frames
            frames |= after
            xy[after] = self.xy[after, new]
        return self.times[frames], xy[frames]

    def motion(self, pair: int) -> str:
        t, xy = self.track(pair)
        if len(t) < 2:
            return "still"
        velocity = ((t - t.mean())[:, None] * (xy - xy.mean(0))).sum(0) / ((t - t.mean()) ** 2).sum()
        axis = int(np.abs(velocity).argmax())
        if abs(velocity[axis]) < STILL_SPEED:
            return "still"
        return (("left", "right"), ("up", "down"))[axis][int(velocity[axis] > 0)]

    def start(self, pair: int) -> bool:
        return bool(self.visible[:2, pair].mean() >= 0.5)

    def end(self, pair: int) -> bool:
        return bool(self.visible[-2:, pair].mean() >= 0.5)

    def event(self, pair: int) -> tuple[str, str | None]:
        """("appears" | "disappears" | "changes_colour" | "none", the new colour or None)."""
        start, end = self.start(pair), self.end(pair)
        if not start and end:
            return "appears", None
        if start and not end:
            shape = _pair_of(pair)[0]
            new = [c for (s, c), k in PAIR_INDEX.items() if s == shape and k != pair and not self.start(k)
                   and self.end(k)]
            return ("changes_colour", new[0]) if new else ("disappears", None)
        return "none", None


def scene_from_cells(shape_logits: np.ndarray, colour_logits: np.ndarray, offsets: np.ndarray, times: np.ndarray
                     ) -> ClipScene:
    """A clip's scene from the per-cell probes [T, G², ...]: every cell whose shape is not "none" shows the pair
    (its shape, its colour) at the cell's corner + offset; a pair found in two cells keeps the surer one."""
    frames, cells = shape_logits.shape[:2]
    grid = int(round(cells ** 0.5))
    shape, colour = shape_logits.argmax(-1), colour_logits[..., 1:].argmax(-1)  # an object cell has some colour
    sure = shape_logits.max(-1)
    visible = np.zeros((frames, len(PAIR_INDEX)), bool)
    xy = np.zeros((frames, len(PAIR_INDEX), 2))
    best = np.full((frames, len(PAIR_INDEX)), -np.inf)
    for t, cell in zip(*np.nonzero(shape > 0)):
        k = PAIR_INDEX[(SHAPE_KEYS[shape[t, cell] - 1], COLOUR_KEYS[colour[t, cell]])]
        if sure[t, cell] > best[t, k]:
            best[t, k], visible[t, k] = sure[t, cell], True
            xy[t, k] = (np.array([cell % grid, cell // grid]) + offsets[t, cell]) / grid
    return ClipScene(visible, xy, times)


def _named(question: str) -> tuple[str | None, str | None]:
    """The shape and colour a question names (the last of each; questions name one object)."""
    shape = colour = None
    for token in tokenize(question):
        if token.attribute == "shape":
            shape = token.value
        elif token.attribute == "colour":
            colour = token.value
    return shape, colour


def answer(scene: ClipScene, question_type: str, question: str, lang: str) -> str:
    """The probes' answer to one question of the synthetic benchmark, in `lang`."""
    shape, colour = _named(question)
    if question_type == "count":
        return COUNTS[str(min(max(scene.count(), 1), 3))].word(lang)
    if question_type == "colour":
        return COLOURS[_pair_of(scene.best_pair(shape=shape))[1]].word(lang)
    if question_type == "shape":
        return SHAPES[_pair_of(scene.best_pair(colour=colour))[0]].word(lang)
    if question_type == "exists":
        pair = PAIR_INDEX[(shape, colour)]
        return ANSWERS["yes" if scene.visible[:, pair].any() else "no"].word(lang)
    pair = scene.object_pair(shape, colour)
    if question_type == "motion":
        return MOTIONS[scene.motion(pair)].word(lang)
    if question_type == "order":
        return ORDERS["partway" if scene.event(pair)[0] == "appears" else "start"].word(lang)
    if question_type == "event":
        kind, new_colour = scene.event(pair)
        if kind != "changes_colour":
            return EVENTS[kind].word(lang)
        word = COLOURS[new_colour].word(lang)
        return f"{EVENTS[kind].zh}{word}" if lang == "zh" else f"{EVENTS[kind].en} {word}"
    raise ValueError(f"unknown question type {question_type!r}")


def _pair_of(index: int) -> tuple[str, str]:
    return next(pair for pair, k in PAIR_INDEX.items() if k == index)
