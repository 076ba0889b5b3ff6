"""The `classes` token mode: a classifier tower's class distribution per frame, read by the LLM as soft text.

For each frame the tower's class logits (VisionFeatures.class_logits: an ImageNet tower's 1000, see
base_models.vision_model_class) become a distribution: the `top_k` most likely classes, renormalised (at
`temperature`). One visual token per frame, in time order, is that distribution through a linear projector
[classes → LLM width]. Started from the LLM's embeddings of the class names (`init_projector_from_class_names`),
each token is the probability-weighted mix of the names' embeddings (`class_words`): a frame of a tabby reads as
(mostly) " cat". A cut from one scene to another shows as the tokens changing at that frame.

Nothing before the projector is learned: the builder has no weights of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ....errors import ModelError
from ...efficientnet_lite import imagenet_names
from ..vision_tower import VisionFeatures
from .base import TokenBuilder, TokenBuilderConfig


@dataclass
class ClassTokensConfig(TokenBuilderConfig):
    """`top_k` classes kept per frame (0: all), renormalised after a softmax at `temperature`."""

    top_k: int = 5
    temperature: float = 1.0

    def __post_init__(self):
        if self.top_k < 0 or self.temperature <= 0:
            raise ValueError(f"classes: top_k must be ≥ 0 and temperature > 0, got {self.top_k}, {self.temperature}")


class ClassTokens(TokenBuilder):
    config_class = ClassTokensConfig

    @classmethod
    def input_width(cls, config) -> int:
        labels = getattr(config.vision_config, "id2label", None) or {}
        if len(labels) < 3:  # PreTrainedConfig's default is two placeholder labels
            raise ValueError("token_mode 'classes' needs a classifier vision tower whose config names its classes "
                             "(id2label), e.g. the ImageNet tower of videoassist.checkpoints.imagenet_tower")
        return len(labels)

    @classmethod
    def visual_block_sizes(cls, config, num_frames: int, num_questions: int = 1) -> list[int]:
        return [num_frames]

    def distributions(self, class_logits: torch.Tensor) -> torch.Tensor:
        """[T, classes] logits → [T, classes] probabilities, zero outside each frame's top_k, summing to 1."""
        probs = (class_logits.float() / self.settings.temperature).softmax(-1)
        if 0 < self.settings.top_k < probs.shape[-1]:
            kept, index = probs.topk(self.settings.top_k, dim=-1)
            probs = torch.zeros_like(probs).scatter(-1, index, kept / kept.sum(-1, keepdim=True))
        return probs

    def forward(self, features: VisionFeatures, projector: nn.Module, queries=None) -> torch.Tensor:
        if features.class_logits is None:
            raise ModelError("token_mode 'classes': the vision tower gives no class logits (load a classifier "
                             "checkpoint, whose config names an …ForImageClassification architecture)")
        distributions = self.distributions(features.class_logits)
        return projector(distributions.to(next(projector.parameters()).dtype))


def class_words(config) -> list[str]:
    """One name per class, as it reads in a sentence (leading space). An ImageNet class gets its everyday English
    name from imagenet_names() ("tabby, tabby cat" → " cat", "space shuttle" → " space shuttle"): whole, since a
    last word can name something else ("hot dog" → "dog"). Any other label gets the last word of its first name,
    usually its head noun ("red circle" → " circle")."""
    everyday = {name.label: name.en for name in imagenet_names()}
    labels = [config.vision_config.id2label[index] for index in range(len(config.vision_config.id2label))]
    return [" " + everyday.get(label, label.split(",")[0].split()[-1]) for label in labels]


@torch.no_grad()
def init_projector_from_class_names(model, tokenizer) -> None:
    """The `classes` projector (linear) from the LLM's input embeddings of the class words: a word of several
    tokens gets their mean. Each visual token then starts as the mix of its classes' words."""
    if not isinstance(model.projector, nn.Linear):
        raise ModelError("init_projector_from_class_names needs projector_type 'linear'")
    embed = model.get_input_embeddings()
    rows = []
    for word in class_words(model.config):
        ids = torch.tensor(tokenizer(word, add_special_tokens=False)["input_ids"], device=embed.weight.device)
        rows.append(embed(ids).mean(0))  # through the embedding module: scaled as the LLM scales (Gemma)
    model.projector.weight.copy_(torch.stack(rows).T.to(model.projector.weight.dtype))
    model.projector.bias.zero_()
