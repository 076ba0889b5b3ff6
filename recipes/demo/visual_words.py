"""The `objects` token mode's vocabulary for the synthetic world, and the read-out's targets from ground truth.

The read-out's classes are the world's 24 (shape, colour) pairs (ALL_PAIRS order, as the stage-0 cell probe);
its motions, events and counts are the vocabulary's. An object is named by its first (shape, colour); a colour
change is its event ("changes colour to X", one event class per colour), not a second object. `VOCABULARY` gives
one English word (one Gemma token with its leading space) per visual word; it goes into the model's
`token_builder_config`, which every size of the read-out and the projector follows, and the projector starts from
Gemma's embeddings of those words (build.py): the tokens begin as soft text that the LLM already reads.
"""

from __future__ import annotations

import numpy as np

from data_tools.synth.vocabulary import ALL_PAIRS, COLOURS, MOTIONS
from data_tools.synth.world import Clip

MOTION_KEYS = tuple(MOTIONS)  # left, right, up, down, still
EVENT_KEYS = ("none", "appears", "disappears") + tuple(f"changes_colour:{c}" for c in COLOURS)
IGNORE = -100  # motion and event of a class that names no object

VOCABULARY = {
    "classes": [[colour, shape] for shape, colour in ALL_PAIRS],      # named by colour, then shape
    "motions": list(MOTION_KEYS),
    "events": ["nothing", "appears", "disappears", *COLOURS],         # EVENT_KEYS' words: "changes colour to X": X
    "orders": ["start", "midway"],                                    # there from the start, or appears partway
    "counts": ["one", "two", "three"],                                # 1, 2 or 3 objects
    "empty": "none",                                                  # a slot that holds no object
}
ARCHITECTURE = {"token_mode": "objects", "projector_type": "linear", "token_builder_config": VOCABULARY}


def scene_targets(clip: Clip) -> dict[str, np.ndarray]:
    """A clip's read-out targets: count (objects - 1), objectness [24] (0/1), motion [24], event [24] and order
    [24] (indices into VOCABULARY's lists; order 1: appears partway; IGNORE where the class names no object)."""
    objectness = np.zeros(len(ALL_PAIRS), np.float32)
    motion = np.full(len(ALL_PAIRS), IGNORE, np.int64)
    event = np.full(len(ALL_PAIRS), IGNORE, np.int64)
    order = np.full(len(ALL_PAIRS), IGNORE, np.int64)
    for index, obj in enumerate(clip.objects):
        k = ALL_PAIRS.index((obj.shape, obj.colour))
        objectness[k] = 1.0
        motion[k] = MOTION_KEYS.index(obj.motion)
        happening = clip.event if clip.event is not None and clip.event.object == index else None
        order[k] = int(happening is not None and happening.type == "appears")
        if happening is None:
            event[k] = 0
        elif happening.type == "changes_colour":
            event[k] = EVENT_KEYS.index(f"changes_colour:{happening.to_colour}")
        else:
            event[k] = EVENT_KEYS.index(happening.type)
    return {"count": np.int64(len(clip.objects) - 1), "objectness": objectness, "motion": motion, "event": event,
            "order": order}
