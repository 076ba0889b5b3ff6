"""Visual token counts and the behaviour of each token builder."""

import numpy as np
import pytest
import torch

from videoassist.testing import build_tiny_model

PATCHES = 16  # tiny CLIP: 32 px images, 8 px patches → 4×4 grid


def frames(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, 36, 48, 3), dtype=np.uint8)


def visual_tokens(model, processor, video: np.ndarray, question: str = "What colour is the circle?"):
    batch = processor([[{"role": "user", "content": question}]], videos=[video], add_generation_prompt=True)
    placeholders = int((batch["input_ids"] == processor.video_token_id).sum())
    with torch.no_grad():
        features = model.get_video_features(batch["pixel_values_videos"], batch["frames_per_video"])
        tokens = model.visual_tokens(
            features, batch.get("query_input_ids"), batch.get("query_attention_mask"), batch.get("queries_per_video")
        )
    return tokens, placeholders


@pytest.mark.parametrize(
    ("mode", "overrides", "per_video"),
    [
        ("valley_v1", {}, lambda t: PATCHES + t),
        ("valley_v2", {}, lambda t: PATCHES + t),
        ("valley_v3", {}, lambda t: PATCHES + t),
        ("llamavid", {"token_builder_config": {"content_pool": "mean"}}, lambda t: 2 * t),
        ("llamavid", {"token_builder_config": {"content_pool": "grid:2"}}, lambda t: 5 * t),
    ],
)
@pytest.mark.parametrize("num_frames", [1, 3, 8])
def test_visual_token_count(mode, overrides, per_video, num_frames):
    model, processor = build_tiny_model(mode, **overrides)
    tokens, placeholders = visual_tokens(model, processor, frames(num_frames))
    expected = per_video(num_frames)
    assert model.config.num_visual_tokens(num_frames) == expected
    assert tokens.shape == (expected, model.config.text_width)
    assert placeholders == expected


def test_llamavid_every_question_gets_context_tokens():
    model, processor = build_tiny_model("llamavid")
    conversation = [
        {"role": "user", "content": "What colour is the circle?"},
        {"role": "assistant", "content": "red"},
        {"role": "user", "content": "How many objects are there?"},
    ]
    batch = processor([conversation], videos=[frames(4)], add_generation_prompt=True)
    # first question: (context + content) per frame; the second: its own context token per frame
    assert int((batch["input_ids"] == processor.video_token_id).sum()) == 4 * 2 + 4
    assert batch["queries_per_video"].tolist() == [2]
    with torch.no_grad():
        out = model(**{k: v for k, v in batch.items() if k != "labels"})
    assert torch.isfinite(out.logits).all()


def test_llamavid_context_follows_the_question_content_does_not():
    model, processor = build_tiny_model("llamavid", token_builder_config={"content_pool": "grid:2"})
    video = frames(3)
    a, _ = visual_tokens(model, processor, video, "What colour is the circle?")
    b, _ = visual_tokens(model, processor, video, "Which way does the square move?")
    a, b = a.view(3, 5, -1), b.view(3, 5, -1)  # per frame: 1 context token, then 4 content tokens
    assert not torch.allclose(a[:, 0], b[:, 0], atol=1e-4)
    torch.testing.assert_close(a[:, 1:], b[:, 1:])


def pooled_patches(model, processor, video):
    tokens, _ = visual_tokens(model, processor, video)
    return tokens[:PATCHES]


def test_valley_v1_pooling_ignores_frame_order_and_v3_does_not():
    video = frames(6)
    reversed_video = video[::-1].copy()
    v1, v1_processor = build_tiny_model("valley_v1")
    torch.testing.assert_close(
        pooled_patches(v1, v1_processor, video), pooled_patches(v1, v1_processor, reversed_video)
    )
    v3, v3_processor = build_tiny_model("valley_v3")
    assert not torch.allclose(
        pooled_patches(v3, v3_processor, video), pooled_patches(v3, v3_processor, reversed_video), atol=1e-4
    )


def test_valley_v2_weights_frames_by_learned_scores():
    model, processor = build_tiny_model("valley_v2")
    video = frames(4)
    before = pooled_patches(model, processor, video)
    with torch.no_grad():
        model.token_builder.frame_score.weight.mul_(50.0)  # sharper frame weights → a different weighted sum
    assert not torch.allclose(before, pooled_patches(model, processor, video), atol=1e-4)


def test_frames_of_a_video_are_encoded_as_one_batch(monkeypatch):
    model, processor = build_tiny_model("valley_v1")
    calls = []
    original = model.vision_tower.model.forward

    def counting_forward(*args, **kwargs):
        calls.append(kwargs["pixel_values"].shape[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(model.vision_tower.model, "forward", counting_forward)
    batch = processor(
        [[{"role": "user", "content": "a?"}], [{"role": "user", "content": "b?"}]],
        videos=[frames(3), frames(5)],
        add_generation_prompt=True,
    )
    with torch.no_grad():
        model(**{k: v for k, v in batch.items() if k != "labels"})
    assert calls == [8]
