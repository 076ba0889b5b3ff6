"""Tiny random Hugging Face-native video LLMs, written offline in the layout their hub checkpoints have.

`save_tiny_hf_model(folder, architecture)` writes, for one transformers `model_type`, a folder that
`AutoModelForImageTextToText.from_pretrained` loads: config.json, random weights as safetensors, a tokenizer
(the byte-level BPE of `videoassist.tiny_tokenizer` plus the model's own special tokens), the model's chat
template, its image processor, its video processor config and its processor config. Widths are 32-64, two
layers, 32 px frames, so a folder takes a few hundred kilobytes and a second to write.

The video processors of transformers 5 need torchvision to be instantiated; where torchvision is missing
`AutoProcessor.from_pretrained` cannot load these folders (nor any real checkpoint of these models), while the
model, tokenizer, chat template and image processor still load.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
from transformers import (
    AutoConfig,
    AutoModelForImageTextToText,
    GotOcr2ImageProcessorPil,
    LlavaNextImageProcessorPil,
    LlavaOnevisionImageProcessorPil,
    PreTrainedTokenizerFast,
    Qwen2VLImageProcessorPil,
    SmolVLMImageProcessorPil,
    VideoLlavaImageProcessor,
)
from transformers.models.auto.processing_auto import PROCESSOR_MAPPING_NAMES
from transformers.models.smolvlm.processing_smolvlm import DEFAULT_CHAT_TEMPLATE as SMOLVLM_CHAT_TEMPLATE

from .tiny_tokenizer import tiny_tokenizer

FRAME_SIZE = 32  # every tiny vision tower sees 32x32 frames
PATCH = 8  # ViT patch of the CLIP / SigLIP / InternViT towers: a 4x4 grid
QWEN_PATCH = 4  # Qwen's patch: 8x8 patches, merged 2x2 into a 4x4 grid of LLM tokens per 2 frames
TEXT = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2)
VISION = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4)
CLIP_MEAN, CLIP_STD = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]
HALF = [0.5, 0.5, 0.5]  # the mean and the std of SigLIP-style towers
SQUARE = {"height": FRAME_SIZE, "width": FRAME_SIZE}
PINPOINTS = [[FRAME_SIZE, FRAME_SIZE], [FRAME_SIZE, 2 * FRAME_SIZE], [2 * FRAME_SIZE, FRAME_SIZE]]  # LLaVA-NeXT anyres

# Chat templates, trimmed from the released checkpoints' own (same placeholders, roles and separators).
QWEN_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
LLAVA_ONEVISION_CHAT_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + ' ' }}"
    "{% if message['content'] is string %}{{ '\n' + message['content'] }}{% else %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}{{ '<image>' }}{% endfor %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'video') %}{{ '<video>' }}{% endfor %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{{ '\n' + content['text'] }}"
    "{% endfor %}{% endif %}{{ '<|im_end|>\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
VICUNA_CHAT_TEMPLATE = (  # LLaVA-NeXT-Video and Video-LLaVA (Vicuna): "USER: <video>\nquestion ASSISTANT:"
    "{% for message in messages %}{% if message['role'] == 'system' %}{{ message['content'] + ' ' }}{% else %}"
    "{{ message['role'].upper() + ': ' }}{% if message['content'] is string %}{{ message['content'] + ' ' }}"
    "{% else %}{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}{{ '<image>\n' }}"
    "{% endfor %}{% for content in message['content'] | selectattr('type', 'equalto', 'video') %}{{ '<video>\n' }}"
    "{% endfor %}{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}"
    "{{ content['text'] + ' ' }}{% endfor %}{% endif %}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"
)
INTERNVL_CHAT_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' }}"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' %}{{ '<image>\n' }}{% elif content['type'] == 'video' %}{{ '<video>\n' }}"
    "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}{% endfor %}{% endif %}"
    "{{ '<|im_end|>\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

QWEN_TOKENS = dict(
    eos_token="<|im_end|>", pad_token="<|endoftext|>", image_token="<|image_pad|>", video_token="<|video_pad|>",
    vision_start_token="<|vision_start|>", vision_end_token="<|vision_end|>",
)
CHATML_EXTRA = ("<|im_start|>",)
VICUNA_TOKENS = dict(bos_token="<s>", eos_token="</s>", pad_token="<pad>", image_token="<image>", video_token="<video>")


@dataclass(frozen=True)
class TinyHFSpec:
    """What one architecture's folder holds besides its weights."""

    tokens: dict[str, str]  # named special tokens: bos/eos/pad and the model's own (image_token, video_token, …)
    chat_template: str
    config: Callable[[Callable[[str], int]], dict]  # token id lookup → config.json contents (with model_type)
    image_processor: Callable[[], object]
    video_processor: dict  # video_preprocessor_config.json (the class needs torchvision to be built)
    processor: dict = field(default_factory=dict)  # processor_config.json beyond processor_class
    extra_tokens: tuple[str, ...] = ()  # further special tokens the template or processor writes


def _qwen_text(model_type: str, **rope) -> dict:
    # mrope sections split the rotary half-dimension (head_dim 16 → 8) between time, height and width
    rope_parameters = {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 3, 3], **rope}
    return dict(TEXT, model_type=model_type, max_position_embeddings=4096, rope_parameters=rope_parameters)


def _qwen_ids(token_id: Callable[[str], int]) -> dict:
    return dict(
        image_token_id=token_id("<|image_pad|>"), video_token_id=token_id("<|video_pad|>"),
        vision_start_token_id=token_id("<|vision_start|>"), vision_end_token_id=token_id("<|vision_end|>"),
    )


def _qwen_pixels() -> dict:
    # min/max pixels that keep a 32x32 frame at 32x32 (a multiple of patch × merge = 8)
    return dict(patch_size=QWEN_PATCH, merge_size=2, temporal_patch_size=2,
                size={"shortest_edge": 8 * 8, "longest_edge": 64 * 64})


def _qwen_image_processor(mean=CLIP_MEAN, std=CLIP_STD):
    return lambda: Qwen2VLImageProcessorPil(image_mean=mean, image_std=std, **_qwen_pixels())


def _qwen_video_processor(kind: str, mean=CLIP_MEAN, std=CLIP_STD) -> dict:
    # our sampler picks the frames (released Qwen3-VL configs say do_sample_frames true, fps 2)
    return dict(video_processor_type=kind, image_mean=mean, image_std=std, min_frames=2, do_sample_frames=False,
                **_qwen_pixels())


def _qwen2_vl(token_id) -> dict:
    vision = dict(depth=2, embed_dim=32, hidden_size=TEXT["hidden_size"], mlp_ratio=2, num_heads=4,
                  patch_size=QWEN_PATCH, spatial_merge_size=2, temporal_patch_size=2)
    return dict(model_type="qwen2_vl", text_config=_qwen_text("qwen2_vl_text"), vision_config=vision,
                **_qwen_ids(token_id))


def _qwen2_5_vl(token_id) -> dict:
    vision = dict(depth=2, hidden_size=32, intermediate_size=64, num_heads=4, out_hidden_size=TEXT["hidden_size"],
                  patch_size=QWEN_PATCH, spatial_merge_size=2, temporal_patch_size=2, window_size=16,
                  fullatt_block_indexes=[1], tokens_per_second=2)
    return dict(model_type="qwen2_5_vl", text_config=_qwen_text("qwen2_5_vl_text"), vision_config=vision,
                **_qwen_ids(token_id))


def _qwen3_vl(token_id) -> dict:
    vision = dict(depth=2, hidden_size=32, intermediate_size=64, num_heads=4, out_hidden_size=TEXT["hidden_size"],
                  patch_size=QWEN_PATCH, spatial_merge_size=2, temporal_patch_size=2, num_position_embeddings=64,
                  deepstack_visual_indexes=[0])
    text = _qwen_text("qwen3_vl_text", mrope_interleaved=True)
    text["head_dim"] = TEXT["hidden_size"] // TEXT["num_attention_heads"]
    return dict(model_type="qwen3_vl", text_config=text, vision_config=vision, **_qwen_ids(token_id))


def _llama_text(**overrides) -> dict:
    return dict(TEXT, model_type="llama", max_position_embeddings=4096, **overrides)


def _qwen2_text() -> dict:
    return dict(TEXT, model_type="qwen2", max_position_embeddings=4096)


def _vit(model_type: str, **overrides) -> dict:
    return {**VISION, "model_type": model_type, "image_size": FRAME_SIZE, "patch_size": PATCH, **overrides}


def _llava_onevision(token_id) -> dict:
    return dict(
        model_type="llava_onevision", text_config=_qwen2_text(), vision_config=_vit("siglip_vision_model"),
        image_token_index=token_id("<image>"), video_token_index=token_id("<video>"),
        vision_feature_select_strategy="full", vision_feature_layer=-1,
        image_grid_pinpoints=PINPOINTS,
    )


def _llava_next_video(token_id) -> dict:
    return dict(
        model_type="llava_next_video", text_config=_llama_text(), vision_config=_vit("clip_vision_model"),
        image_token_index=token_id("<image>"), video_token_index=token_id("<video>"),
        image_grid_pinpoints=PINPOINTS,
        image_seq_length=(FRAME_SIZE // PATCH) ** 2, video_seq_length=(FRAME_SIZE // PATCH // 2) ** 2,
    )


def _video_llava(token_id) -> dict:
    return dict(
        model_type="video_llava", text_config=_llama_text(), vision_config=_vit("clip_vision_model"),
        image_token_index=token_id("<image>"), video_token_index=token_id("<video>"),
        image_seq_length=(FRAME_SIZE // PATCH) ** 2, video_seq_length=8 * ((FRAME_SIZE // PATCH) ** 2 + 1),
    )


def _smolvlm(token_id) -> dict:
    return dict(
        model_type="smolvlm", text_config=_llama_text(), vision_config=_vit("smolvlm_vision"),
        image_token_id=token_id("<image>"), scale_factor=2,
    )


def _internvl(token_id) -> dict:
    vision = _vit("internvl_vision", image_size=[FRAME_SIZE, FRAME_SIZE], patch_size=[PATCH, PATCH])
    return dict(
        model_type="internvl", text_config=_qwen2_text(), vision_config=vision,
        image_token_id=token_id("<IMG_CONTEXT>"), image_seq_length=(FRAME_SIZE // PATCH // 2) ** 2,
        downsample_ratio=0.5, vision_feature_layer=-1,
    )


SPECS: dict[str, TinyHFSpec] = {
    "llava_onevision": TinyHFSpec(
        tokens=dict(eos_token="<|im_end|>", pad_token="<|endoftext|>", image_token="<image>", video_token="<video>"),
        extra_tokens=CHATML_EXTRA,
        chat_template=LLAVA_ONEVISION_CHAT_TEMPLATE,
        config=_llava_onevision,
        image_processor=lambda: LlavaOnevisionImageProcessorPil(
            size=SQUARE, image_grid_pinpoints=PINPOINTS, image_mean=HALF, image_std=HALF
        ),
        video_processor=dict(video_processor_type="LlavaOnevisionVideoProcessor", size=SQUARE,
                             image_mean=HALF, image_std=HALF),
        processor=dict(num_image_tokens=(FRAME_SIZE // PATCH) ** 2, vision_feature_select_strategy="full",
                       vision_aspect_ratio="anyres_max_9"),
    ),
    "qwen2_vl": TinyHFSpec(
        tokens=QWEN_TOKENS, extra_tokens=CHATML_EXTRA, chat_template=QWEN_CHAT_TEMPLATE, config=_qwen2_vl,
        image_processor=_qwen_image_processor(),
        video_processor=_qwen_video_processor("Qwen2VLVideoProcessor"),
    ),
    "qwen2_5_vl": TinyHFSpec(
        tokens=QWEN_TOKENS, extra_tokens=CHATML_EXTRA, chat_template=QWEN_CHAT_TEMPLATE, config=_qwen2_5_vl,
        image_processor=_qwen_image_processor(),
        video_processor=_qwen_video_processor("Qwen2VLVideoProcessor"),
    ),
    "qwen3_vl": TinyHFSpec(
        tokens=QWEN_TOKENS, extra_tokens=CHATML_EXTRA, chat_template=QWEN_CHAT_TEMPLATE, config=_qwen3_vl,
        image_processor=_qwen_image_processor(HALF, HALF),
        video_processor=_qwen_video_processor("Qwen3VLVideoProcessor", HALF, HALF),
    ),
    "smolvlm": TinyHFSpec(
        tokens=dict(bos_token="<|im_start|>", eos_token="<end_of_utterance>", pad_token="<|endoftext|>",
                    image_token="<image>", video_token="<video>", fake_image_token="<fake_token_around_image>",
                    global_image_token="<global-img>", end_of_utterance_token="<end_of_utterance>"),
        chat_template=SMOLVLM_CHAT_TEMPLATE,
        config=_smolvlm,
        image_processor=lambda: SmolVLMImageProcessorPil(
            size={"longest_edge": FRAME_SIZE}, max_image_size={"longest_edge": FRAME_SIZE}, do_image_splitting=False,
            image_mean=HALF, image_std=HALF,
        ),
        video_processor=dict(video_processor_type="SmolVLMVideoProcessor", size={"longest_edge": FRAME_SIZE},
                             max_image_size={"longest_edge": FRAME_SIZE}, image_mean=HALF, image_std=HALF,
                             do_sample_frames=False),
        processor=dict(image_seq_len=(FRAME_SIZE // PATCH // 2) ** 2),
    ),
    "llava_next_video": TinyHFSpec(
        tokens=VICUNA_TOKENS, chat_template=VICUNA_CHAT_TEMPLATE, config=_llava_next_video,
        image_processor=lambda: LlavaNextImageProcessorPil(
            size={"shortest_edge": FRAME_SIZE}, crop_size=SQUARE, image_grid_pinpoints=PINPOINTS
        ),
        video_processor=dict(video_processor_type="LlavaNextVideoVideoProcessor", size={"shortest_edge": FRAME_SIZE},
                             crop_size=SQUARE, do_center_crop=True),
        processor=dict(patch_size=PATCH, vision_feature_select_strategy="default", num_additional_image_tokens=1),
    ),
    "video_llava": TinyHFSpec(
        tokens=VICUNA_TOKENS, chat_template=VICUNA_CHAT_TEMPLATE, config=_video_llava,
        image_processor=lambda: VideoLlavaImageProcessor(
            size={"shortest_edge": FRAME_SIZE}, crop_size=SQUARE
        ),
        video_processor=dict(video_processor_type="VideoLlavaVideoProcessor", size={"shortest_edge": FRAME_SIZE},
                             crop_size=SQUARE, do_center_crop=True),
        processor=dict(patch_size=PATCH, vision_feature_select_strategy="default", num_additional_image_tokens=1),
    ),
    "internvl": TinyHFSpec(
        tokens=dict(eos_token="<|im_end|>", pad_token="<|endoftext|>", start_image_token="<img>",
                    end_image_token="</img>", context_image_token="<IMG_CONTEXT>", video_token="<video>"),
        extra_tokens=CHATML_EXTRA + ("<image>",),
        chat_template=INTERNVL_CHAT_TEMPLATE,
        config=_internvl,
        image_processor=lambda: GotOcr2ImageProcessorPil(size=SQUARE, crop_to_patches=False),
        video_processor=dict(video_processor_type="InternVLVideoProcessor", size=SQUARE, do_sample_frames=False),
        processor=dict(image_seq_length=(FRAME_SIZE // PATCH // 2) ** 2),
    ),
}
TINY_HF_ARCHITECTURES = tuple(SPECS)


def tiny_hf_tokenizer(spec: TinyHFSpec) -> PreTrainedTokenizerFast:
    """tiny_tokenizer's trained BPE, with the architecture's special tokens added after its vocabulary."""
    named = {"bos_token": "<bos>", "unk_token": "<unk>", **spec.tokens}
    standard = {key: value for key, value in named.items() if key in PreTrainedTokenizerFast.SPECIAL_TOKENS_ATTRIBUTES}
    own = {key: value for key, value in named.items() if key not in standard}
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tiny_tokenizer().backend_tokenizer, extra_special_tokens=own, **standard
    )
    tokenizer.add_special_tokens({"extra_special_tokens": list(spec.extra_tokens)}, replace_extra_special_tokens=False)
    tokenizer.chat_template = spec.chat_template
    return tokenizer


def _write_json(path: Path, content: dict) -> None:
    path.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n")


def save_tiny_hf_model(folder: str | os.PathLike, architecture: str, seed: int = 0) -> Path:
    """Write a tiny random `architecture` (a transformers model_type, see TINY_HF_ARCHITECTURES) to `folder`."""
    if architecture not in SPECS:
        raise ValueError(f"no tiny model for {architecture!r}: choose one of {', '.join(TINY_HF_ARCHITECTURES)}")
    spec, folder = SPECS[architecture], Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = tiny_hf_tokenizer(spec)
    settings = spec.config(tokenizer.convert_tokens_to_ids)
    settings["text_config"].update(
        vocab_size=len(tokenizer), bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    config = AutoConfig.for_model(**settings)
    torch.manual_seed(seed)
    model = AutoModelForImageTextToText.from_config(config).eval()
    model.generation_config.update(
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id
    )
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    spec.image_processor().save_pretrained(folder)
    _write_json(folder / "video_preprocessor_config.json", spec.video_processor)
    processor_class = PROCESSOR_MAPPING_NAMES[architecture]
    _write_json(folder / "processor_config.json", {"processor_class": processor_class, **spec.processor})
    return folder
