"""EfficientNet-Lite, the ImageNet classifier the demo's vision tower is made of (videoassist/checkpoints/
imagenet_tower.py converts its weights), registered with AutoConfig, AutoModel and AutoModelForImageClassification."""

import csv
from dataclasses import dataclass
from functools import cache
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


@dataclass(frozen=True)
class ImageNetName:
    """One ImageNet class: `label` as in imagenet_classes.txt, `en` and `zh` what a person would call it
    ("tabby, tabby cat" → cat, 猫; the 120 dog breeds → dog, 狗): the names the demo answers with."""

    index: int
    label: str
    en: str
    zh: str


@cache
def imagenet_names() -> tuple[ImageNetName, ...]:
    """The 1000 classes' everyday English and Simplified Chinese names, in the classifiers' order
    (imagenet_names.tsv, written for this project)."""
    text = files(__name__).joinpath("imagenet_names.tsv").read_text(encoding="utf-8")
    return tuple(ImageNetName(int(row["index"]), row["class"], row["name_en"], row["name_zh"])
                 for row in csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))


__all__ = ["EfficientNetLiteConfig", "EfficientNetLiteModel", "EfficientNetLiteForImageClassification",
           "ImageNetName", "imagenet_class_names", "imagenet_names"]
