"""The `objects` token mode: class tracks from the cells, the read-out's tokens, and its stage-1 targets."""

import numpy as np
import pytest
import torch

from data_tools.synth.vocabulary import ALL_PAIRS
from data_tools.synth.world import Clip, Event, WorldObject
from recipes.demo.align import mirror, readout_losses
from recipes.demo.visual_words import EVENT_KEYS, IGNORE, MOTION_KEYS, VOCABULARY, scene_targets
from videoassist.checkpoints.demo import DEMO_MODEL
from videoassist.models.videoassist import VideoAssistConfig
from videoassist.models.videoassist.token_builders import ObjectScene, ObjectTokens, ObjectTokensConfig
from videoassist.testing import TINY_BUILDER_SETTINGS, build_tiny_model, tiny_config

CLASSES, GRID = 3, 4  # the tiny vocabulary's classes (testing.TINY_BUILDER_SETTINGS), the tiny tower's grid
MOTIONS, EVENTS, ORDERS, COUNTS = (len(TINY_BUILDER_SETTINGS["objects"][key])
                                   for key in ("motions", "events", "orders", "counts"))


def readout(**overrides) -> ObjectTokens:
    config = tiny_config("objects", token_builder_config={"track_steps": 4, **overrides})
    return ObjectTokens(config)


def one_hot_features(frames: list[dict[int, int]], width: int) -> torch.Tensor:
    """Patch tokens [T, 16, width] whose first 1 + CLASSES channels one-hot the class of each cell (0: none)."""
    tokens = torch.zeros(len(frames), GRID * GRID, width)
    tokens[..., 0] = 1.0
    for t, cells in enumerate(frames):
        for cell, k in cells.items():
            tokens[t, cell, 0] = 0.0
            tokens[t, cell, 1 + k] = 1.0
    return tokens


def test_tracks_give_each_class_its_presence_and_position_over_time():
    builder = readout()
    with torch.no_grad():
        builder.cell_class.weight.zero_()
        builder.cell_class.weight[:, : 1 + CLASSES] = 50.0 * torch.eye(1 + CLASSES)
        builder.cell_class.bias.zero_()
        builder.cell_offset.weight.zero_()
        builder.cell_offset.bias.zero_()  # sigmoid(0): every centre in the middle of its cell
    # class 1 moves right along row 1 (cells 4, 5, 6, 7); class 2 only in the last two frames, at cell 15
    frames = [{4: 1}, {5: 1}, {6: 1, 15: 2}, {7: 1, 15: 2}]
    tracks = builder.tracks(one_hot_features(frames, builder.config.vision_width)).detach()
    assert tracks.shape == (CLASSES, 3 * 4)
    presence, x, y = tracks[:, :4], tracks[:, 4:8], tracks[:, 8:]
    assert torch.allclose(presence[1], torch.ones(4), atol=1e-4)
    assert torch.allclose(presence[2], torch.tensor([0.0, 0.0, 1.0, 1.0]), atol=1e-4)
    assert presence[0].max() < 1e-4
    assert torch.allclose(x[1], (torch.arange(4) + 0.5) / GRID - 0.5, atol=1e-4)  # centred x, moving right
    assert torch.allclose(y[1], torch.full((4,), 1.5 / GRID - 0.5), atol=1e-4)
    assert torch.allclose(x[2, 2:], torch.full((2,), 3.5 / GRID - 0.5), atol=1e-4)
    # 8 frames are resampled to the same 4 steps: the track does not depend on the frame count
    doubled = builder.tracks(one_hot_features([f for f in frames for _ in (0, 1)], builder.config.vision_width))
    assert doubled.shape == tracks.shape
    assert torch.allclose(doubled[1, :4], presence[1], atol=1e-4)


def scene(objectness, count=0) -> ObjectScene:
    batch = len(objectness)
    motion = torch.zeros(batch, CLASSES, MOTIONS)
    motion[..., 2] = 20.0  # "up" for every class
    event = torch.zeros(batch, CLASSES, EVENTS)
    event[..., 1] = 20.0  # "appears"
    order = torch.zeros(batch, CLASSES, ORDERS)
    order[..., 1] = 20.0  # partway
    counts = torch.zeros(batch, COUNTS)
    counts[:, count] = 20.0
    return ObjectScene(counts, torch.tensor(objectness), motion, event, order)


def test_words_put_the_likely_objects_first_and_empty_slots_on_the_empty_word():
    builder = readout(slots=2)
    vocabulary = builder.config.projector_in_features
    assert vocabulary == 2 * CLASSES + MOTIONS + EVENTS + ORDERS + COUNTS + 1
    words = builder.word_distributions(scene([[-20.0, 20.0, -20.0]], count=0))
    assert words.shape == (1, 1 + 5 * 2, vocabulary)
    assert torch.allclose(words.sum(-1), torch.ones(1, 11))
    top = [builder.settings.words[i] for i in words[0].argmax(-1).tolist()]
    assert top[0] == "one"  # the count token
    assert top[1:6] == ["blue", "square", "up", "appears", "partway"]  # class 1: its names, up, appears, partway
    assert top[6:] == ["none"] * 5  # the second slot holds no object


def test_objects_mode_gives_its_fixed_token_count_through_the_model():
    model, processor = build_tiny_model("objects")
    for frames in (1, 3, 8):
        video = np.random.default_rng(frames).integers(0, 256, (frames, 36, 48, 3), dtype=np.uint8)
        batch = processor([[{"role": "user", "content": "How many objects are there?"}]], videos=[video],
                          add_generation_prompt=True)
        assert int((batch["input_ids"] == processor.video_token_id).sum()) == 1 + 5 * 3
        with torch.no_grad():
            out = model(**{k: v for k, v in batch.items() if k != "labels"})
        assert torch.isfinite(out.logits).all()


def test_frozen_read_out_is_not_a_trained_module():
    model, _ = build_tiny_model("objects")
    assert "token_builder" in model.trained_modules()
    model.config.token_builder_config.freeze = True
    assert set(model.trained_modules()) == {"projector"}


def clip_with(objects, event=None) -> Clip:
    from data_tools.synth.world import Background

    return Clip(width=128, height=128, fps=8, num_frames=24, background=Background("solid", (0, 0, 0)),
                objects=tuple(objects), event=event)


def obj(shape, colour, motion, colour_after=None) -> WorldObject:
    return WorldObject(shape, colour, 8.0, 0.0, (40.0, 40.0), (80.0, 40.0), motion, 0.0, 3.0, colour_after)


def test_scene_targets_name_objects_by_their_first_colour_and_encode_the_event():
    clip = clip_with([obj("circle", "red", "right", colour_after="blue"), obj("star", "white", "still")],
                     Event("changes_colour", 0, 1.5, 12, "blue"))
    targets = scene_targets(clip)
    red_circle, blue_circle = ALL_PAIRS.index(("circle", "red")), ALL_PAIRS.index(("circle", "blue"))
    white_star = ALL_PAIRS.index(("star", "white"))
    assert targets["count"] == 1  # two objects
    assert np.flatnonzero(targets["objectness"]).tolist() == sorted([red_circle, white_star])
    assert targets["motion"][red_circle] == MOTION_KEYS.index("right")
    assert targets["event"][red_circle] == EVENT_KEYS.index("changes_colour:blue")
    assert targets["event"][white_star] == EVENT_KEYS.index("none")
    assert targets["order"][red_circle] == 0 and targets["order"][white_star] == 0
    appearing = scene_targets(clip_with([obj("star", "white", "up")], Event("appears", 0, 1.5, 12)))
    assert appearing["order"][white_star] == 1 and appearing["event"][white_star] == EVENT_KEYS.index("appears")
    assert targets["motion"][blue_circle] == IGNORE and targets["event"][blue_circle] == IGNORE
    # the targets index the recipe's vocabulary, which the read-out's heads are sized by
    settings = ObjectTokensConfig(**VOCABULARY)
    assert len(settings.classes) == len(ALL_PAIRS) == len(targets["objectness"])
    assert len(settings.motions) == len(MOTION_KEYS) and len(settings.events) == len(EVENT_KEYS)
    assert settings.events[EVENT_KEYS.index("changes_colour:blue")] == "blue"


def test_the_vocabulary_sizes_the_read_out_and_the_projector():
    vocabulary = {"classes": [["a", "b"], ["c", "d"]], "motions": ["m1", "m2", "m3"],
                  "events": ["e1", "e2", "e3", "e4"], "orders": ["o1", "o2"], "counts": ["n1", "n2"], "empty": "x"}
    model, _ = build_tiny_model("objects", token_builder_config=vocabulary)
    builder = model.token_builder
    assert (builder.cell_class.out_features, builder.motion.out_features, builder.event.out_features,
            builder.order.out_features, builder.count.out_features) == (3, 3, 4, 2, 2)
    assert builder.settings.words == ["a", "c", "b", "d", "m1", "m2", "m3", "e1", "e2", "e3", "e4", "o1", "o2",
                                      "n1", "n2", "x"]
    assert model.projector[0].in_features == model.config.projector_in_features == 16
    with pytest.raises(ValueError, match="needs its vocabulary; motions"):
        tiny_config("objects", token_builder_config={**vocabulary, "motions": []})
    with pytest.raises(ValueError, match="two name words per class"):
        tiny_config("objects", token_builder_config={**vocabulary, "classes": [["a"]]})


def test_the_shipped_demo_stores_its_recipe_vocabulary():
    settings = VideoAssistConfig.from_pretrained(DEMO_MODEL).token_builder_config
    assert settings.words == ObjectTokensConfig(**VOCABULARY).words
    assert settings.freeze  # the read-out was trained apart (align) and frozen for stage 2


def test_mirroring_flips_the_tracks_and_swaps_the_motions():
    steps = 4
    tracks = torch.randn(2, CLASSES, 3 * steps)
    motion = torch.tensor([[MOTION_KEYS.index("left"), MOTION_KEYS.index("up"), IGNORE]] * 2)
    targets = {"motion": motion}
    flips = torch.tensor([[True, False], [False, True]])  # clip 0 left-right, clip 1 up-down
    flipped, new = mirror(tracks, targets, flips)
    assert torch.equal(flipped[0, :, steps:2 * steps], -tracks[0, :, steps:2 * steps])
    assert torch.equal(flipped[0, :, 2 * steps:], tracks[0, :, 2 * steps:])
    assert torch.equal(flipped[1, :, 2 * steps:], -tracks[1, :, 2 * steps:])
    assert torch.equal(flipped[:, :, :steps], tracks[:, :, :steps])  # presence unchanged
    names = [[MOTION_KEYS[i] if i != IGNORE else None for i in row] for row in new["motion"].tolist()]
    assert names == [["right", "up", None], ["left", "down", None]]


def test_read_out_learns_the_targets_of_its_tracks():
    torch.manual_seed(0)
    builder = readout()
    tracks = torch.randn(16, CLASSES, 12)
    targets = {"count": torch.randint(0, COUNTS, (16,)), "objectness": (torch.rand(16, CLASSES) < 0.5).float(),
               "motion": torch.randint(0, MOTIONS, (16, CLASSES)), "event": torch.randint(0, EVENTS, (16, CLASSES)),
               "order": torch.randint(0, ORDERS, (16, CLASSES))}
    trained = [p for n, p in builder.named_parameters() if not n.startswith("cell_")]
    optimizer = torch.optim.AdamW(trained, lr=3e-3)
    first = None
    for _ in range(150):
        loss = readout_losses(builder.scene(tracks), targets)["total"]
        first = loss.item() if first is None else first
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.2 * first
    assert builder.cell_class.weight.grad is None  # the stage-0 classifier is not trained here
