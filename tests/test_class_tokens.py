"""The `classes` token mode: each frame's class distribution (top-k, renormalised) as one soft-text visual token,
its projector started from the LLM's embeddings of the class names."""

import numpy as np
import pytest
import torch

from videoassist.models.efficientnet_lite import EfficientNetLiteConfig
from videoassist.models.videoassist.token_builders.classes import class_words, init_projector_from_class_names
from videoassist.testing import build_tiny_model

LABELS = ["tabby, tabby cat", "Egyptian cat", "espresso", "space shuttle", "hotdog, hot dog, red hot", "red circle"]


def tiny_classifier(**builder) -> tuple:
    tower = EfficientNetLiteConfig(image_size=32, stem_width=8, stages=[[1, 3, 1, 1, 8], [1, 3, 2, 2, 16]],
                                   head_width=16, id2label=dict(enumerate(LABELS)),
                                   architectures=["EfficientNetLiteForImageClassification"])
    return build_tiny_model("classes", vision_config=tower.to_dict(), projector_type="linear",
                            token_builder_config=builder)


def test_one_token_per_frame_from_the_top_k_classes():
    model, processor = tiny_classifier(top_k=2)
    assert model.config.projector_in_features == len(LABELS)
    logits = torch.tensor([[4.0, 3.0, 0.0, -1.0, 0.5, 0.2], [0.0, 0.0, 5.0, 5.0, 0.0, 0.0]])
    probs = model.token_builder.distributions(logits)
    assert (probs > 0).sum(-1).tolist() == [2, 2]
    torch.testing.assert_close(probs.sum(-1), torch.ones(2))
    assert probs[0, 0] > probs[0, 1] > 0 and probs[1, 2] == probs[1, 3] == 0.5

    video = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    batch = processor([[{"role": "user", "content": "What is in the video?"}]], videos=[video],
                      add_generation_prompt=True)
    assert int((batch["input_ids"] == model.config.video_token_id).sum()) == 3
    with torch.no_grad():
        out = model(**{k: v for k, v in batch.items() if k != "labels"})
    assert torch.isfinite(out.logits).all()


def test_projector_starts_as_the_embeddings_of_the_class_words():
    model, processor = tiny_classifier(top_k=1)
    # ImageNet classes by their everyday names (whole: "hot dog" is no dog), other labels by their head noun
    assert class_words(model.config) == [" cat", " cat", " espresso", " space shuttle", " hot dog", " circle"]
    init_projector_from_class_names(model, processor.tokenizer)
    features = model.get_video_features(torch.randn(2, 3, 32, 32), [2])[0]
    tokens = model.token_builder(features, model.projector)
    top = features.class_logits.argmax(-1)
    embed = model.get_input_embeddings()
    for frame, index in enumerate(top.tolist()):
        ids = torch.tensor(processor.tokenizer(class_words(model.config)[index], add_special_tokens=False)["input_ids"])
        torch.testing.assert_close(tokens[frame], embed(ids).mean(0))


def test_a_tower_without_class_names_is_refused():
    with pytest.raises(ValueError, match="classifier vision tower"):
        build_tiny_model("classes", projector_type="linear")
