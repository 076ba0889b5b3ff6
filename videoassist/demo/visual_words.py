"""The `objects` token mode's visual words for the synthetic world, and the read-out's targets from ground truth.

The read-out's classes are the world's 24 (shape, colour) pairs (ALL_PAIRS order, as the stage-0 cell probe);
its motions, events and counts are the vocabulary's. An object is named by its first (shape, colour); a colour
change is its event ("changes colour to X", one event class per colour), not a second object. The projector
starts from Gemma's embedding of one English word per visual word (`WORDS`, in the order of
`VideoAssistConfig.projector_in_features`): the tokens begin as soft text that the LLM already reads.
"""

from __future__ import annotations

import numpy as np

from data_tools.synth.vocabulary import ALL_PAIRS, COLOURS, MOTIONS
from data_tools.synth.world import Clip

MOTION_KEYS = tuple(MOTIONS)  # left, right, up, down, still
EVENT_KEYS = ("none", "appears", "disappears") + tuple(f"changes_colour:{c}" for c in COLOURS)
COUNTS = 3
IGNORE = -100  # motion and event of a class that names no object

# One English word (one Gemma token each, with its leading space) per visual word.
WORDS = (
    [f" {colour}" for _, colour in ALL_PAIRS]          # first name word of each class: its colour
    + [f" {shape}" for shape, _ in ALL_PAIRS]          # second: its shape
    + [f" {motion}" for motion in MOTION_KEYS]
    + [" nothing", " appears", " disappears"] + [f" {colour}" for colour in COLOURS]  # "changes colour to X": X
    + [" start", " midway"]                            # there from the start, or appears partway through
    + [" one", " two", " three"]
    + [" none"]                                        # an empty slot
)

ARCHITECTURE = {"token_mode": "objects", "projector_type": "linear", "object_classes": len(ALL_PAIRS),
                "object_motions": len(MOTION_KEYS), "object_events": len(EVENT_KEYS), "object_max_count": COUNTS}


def scene_targets(clip: Clip) -> dict[str, np.ndarray]:
    """A clip's read-out targets: count (objects - 1), objectness [24] (0/1), motion [24], event [24] and order
    [24] (indices; order 1: appears partway; IGNORE where the class names no object)."""
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
