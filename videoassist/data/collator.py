"""VideoAssistCollator: dataset items → the batch VideoAssistForCausalLM.forward takes."""

from __future__ import annotations

import logging

import torch
from transformers import BatchFeature

from videoassist.models.videoassist import IGNORE_INDEX, VideoAssistProcessor

logger = logging.getLogger(__name__)


class VideoAssistCollator:
    """Items `{"id", "messages", "frames"}` (frames None: text only) → one right-padded batch.

    `max_length` cuts text only. The model needs every visual placeholder (their number must match the visual
    tokens the videos give), so a row is cut at `max_length` or just after its last placeholder, whichever is
    later: a prompt whose visual tokens alone pass `max_length` keeps them all and loses the text after them.
    Labels are cut with the ids.
    """

    def __init__(self, processor: VideoAssistProcessor, max_length: int | None = None):
        if max_length is not None and max_length < 1:
            raise ValueError(f"max_length must be positive, got {max_length}")
        self.processor = processor
        self.max_length = max_length
        self._warned = False

    def __call__(self, items: list[dict]) -> BatchFeature:
        batch = self.processor(
            [item["messages"] for item in items],
            videos=[item["frames"] for item in items],
            padding_side="right",
        )
        if self.max_length is not None and batch["input_ids"].shape[1] > self.max_length:
            self._truncate(batch)
        return batch

    def _truncate(self, batch: BatchFeature) -> None:
        input_ids, attention_mask, labels = batch["input_ids"], batch["attention_mask"], batch["labels"]
        lengths = attention_mask.sum(dim=1)
        keep = torch.zeros_like(lengths)
        for row in range(input_ids.shape[0]):
            placeholders = (input_ids[row] == self.processor.video_token_id).nonzero()
            after_visual = int(placeholders.max()) + 1 if placeholders.numel() else 0
            keep[row] = min(int(lengths[row]), max(self.max_length, after_visual))
            if after_visual > self.max_length and not self._warned:
                logger.warning("a sample's visual tokens end at position %d, past max_length %d: its text after them "
                               "is dropped (raise max_length or sample fewer frames)", after_visual, self.max_length)
                self._warned = True
        beyond = torch.arange(input_ids.shape[1]) >= keep[:, None]
        input_ids[beyond] = self.processor.tokenizer.pad_token_id
        attention_mask[beyond] = 0
        labels[beyond] = IGNORE_INDEX
        width = int(keep.max())
        for name in ("input_ids", "attention_mask", "labels"):
            batch[name] = batch[name][:, :width]
