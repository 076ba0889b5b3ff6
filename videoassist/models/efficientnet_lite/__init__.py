"""EfficientNet-Lite, the ImageNet classifier the demo's vision tower is made of (videoassist/checkpoints/
imagenet_tower.py converts its weights), registered with AutoConfig, AutoModel and AutoModelForImageClassification."""

from importlib.resources import files

from transformers import AutoConfig, AutoModel, AutoModelForImageClassification

from .modeling_efficientnet_lite import (
    EfficientNetLiteConfig,
    EfficientNetLiteForImageClassification,
    EfficientNetLiteModel,
)

AutoConfig.register(EfficientNetLiteConfig.model_type, EfficientNetLiteConfig)
AutoModel.register(EfficientNetLiteConfig, EfficientNetLiteModel)
AutoModelForImageClassification.register(EfficientNetLiteConfig, EfficientNetLiteForImageClassification)


def imagenet_class_names() -> list[str]:
    """The 1000 ImageNet-1k classes in the classifiers' order, each its WordNet lemmas ("tabby, tabby cat"), from
    timm's data/_info files (Apache-2.0)."""
    return files(__name__).joinpath("imagenet_classes.txt").read_text(encoding="utf-8").splitlines()


__all__ = ["EfficientNetLiteConfig", "EfficientNetLiteModel", "EfficientNetLiteForImageClassification",
           "imagenet_class_names"]
