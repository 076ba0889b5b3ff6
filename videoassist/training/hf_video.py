"""LoRA fine-tuning of transformers' own video LLMs (checkpoints/hf_video.py): our sampled frames and their times go
to the model's processor as inference gives them (inference/hf_chat.py), in the model's chat template; the loss is
on the assistant's answers only.

The adapters go on the linear layers of the language model only (its decoder: `get_decoder()`); the vision tower,
the projector and the output head stay frozen. The output folder is what PEFT writes (adapter_config.json naming
the base by its hub id or absolute folder, adapter_model.safetensors: megabytes) plus the processor's files; the
HF source loads the base it names and folds the adapter in (checkpoints/hf_video.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import torch

from ..data.records import VIDEO_MARKER
from ..errors import ConfigError, DataError
from ..inference.hf_chat import chat_with_video, video_metadata
from ..models.videoassist import IGNORE_INDEX
from .config import LoraSettings



def add_llm_lora(model, lora: LoraSettings | None, base: str):
    """Freeze the model and put fresh LoRA adapters on its language model's linear layers. → the PeftModel, which
    the Trainer saves as the adapter alone."""
    if lora is None:
        raise ConfigError(base, "a transformers video LLM trains LoRA adapters only (drop --full)")
    from peft import LoraConfig, get_peft_model

    if Path(base).is_dir():  # the adapter config names the base: a folder by its absolute path
        model.name_or_path = str(Path(base).resolve())
    model.requires_grad_(False)
    config = LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                        target_modules=llm_linear_layers(model))
    return get_peft_model(model, config)


def llm_linear_layers(model) -> str:
    """A regex (PEFT matches it against whole module names) for the Linear layers inside the language model."""
    decoder = model.get_decoder()
    prefix = next(name for name, module in model.named_modules() if module is decoder)
    leaves = sorted({name.rsplit(".", 1)[-1] for name, module in decoder.named_modules()
                     if isinstance(module, torch.nn.Linear)})
    return rf"{re.escape(prefix)}\..*\.({'|'.join(map(re.escape, leaves))})"


def without_video_marker(messages: list[dict]) -> list[dict]:
    """Our data's `<video>` marker out of the text: the chat template places the video itself."""
    return [{**message, "content": message["content"].replace(f"{VIDEO_MARKER}\n", "").replace(VIDEO_MARKER, "")}
            for message in messages]


class HFVideoCollator:
    """Items `{"id", "messages", "frames", "timestamps"}` → one right-padded batch of the processor's outputs (ids,
    mask, the video's pixels, grids and token types) with `labels`: the ids of the assistant's answers (through the
    template's end of their turn), IGNORE_INDEX everywhere else.

    An answer's span in the rendered text: the conversation rendered through its turn, from where the answer's
    text starts after the part it shares with the conversation rendered before it with the generation prompt
    (templates differ in what they write between the two: LLaVA-OneVision's "assistant \n"). The tokens the span
    covers come from the tokenizer's character offsets; the video's placeholders (the processor expands them) sit
    in the first user turn, before every answer, so they shift the answers by the row's length less the tokens of
    its text alone."""

    def __init__(self, processor):
        self.processor = processor

    def __call__(self, items: list[dict]) -> dict:
        for item in items:
            if item["frames"] is None:
                raise DataError(item["id"], "has no video: a transformers video LLM trains on video samples only")
        conversations = [without_video_marker(item["messages"]) for item in items]
        texts = [self.render(messages) for messages in conversations]
        batch = self.processor(
            text=texts,
            videos=[item["frames"] for item in items],
            video_metadata=[video_metadata(item["frames"], item["timestamps"]) for item in items],
            do_sample_frames=False,  # exactly our frames, as in inference
            padding=True,
            padding_side="right",
            return_tensors="pt",
        )
        labels = torch.full_like(batch["input_ids"], IGNORE_INDEX)
        for row, (messages, text) in enumerate(zip(conversations, texts)):
            answer = self.answer_tokens(messages, text)
            placeholders = int(batch["attention_mask"][row].sum()) - len(answer)
            positions = placeholders + torch.tensor(answer).nonzero().flatten()
            labels[row, positions] = batch["input_ids"][row, positions]
        return {**batch, "labels": labels}

    def render(self, messages: list[dict], add_generation_prompt: bool = False) -> str:
        return self.processor.apply_chat_template(chat_with_video(messages), add_generation_prompt=add_generation_prompt)

    def answer_tokens(self, messages: list[dict], text: str) -> list[bool]:
        """For each token of `text` (the whole conversation rendered, without the video's expansion): whether it
        belongs to an assistant turn's answer."""
        spans = []
        for turn, message in enumerate(messages):
            if message["role"] != "assistant":
                continue
            prompt = self.render(messages[:turn], add_generation_prompt=True)
            through = self.render(messages[: turn + 1])
            if not text.startswith(through):
                raise ConfigError(self.processor.tokenizer.name_or_path,
                                  "its chat template renders a conversation's first turns unlike the whole")
            shared = len(os.path.commonprefix([prompt, through]))
            start = through.find(message["content"].strip(), shared)
            spans.append((shared if start < 0 else start, len(through)))
        offsets = self.processor.tokenizer(text, return_offsets_mapping=True)["offset_mapping"]
        return [any(first < end and last > start for start, end in spans) for first, last in offsets]


__all__ = ["HFVideoCollator", "add_llm_lora", "llm_linear_layers"]
