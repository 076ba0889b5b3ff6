"""The tiny HF-native video LLMs of `videoassist.testing.save_tiny_hf_model` load with plain transformers Auto
classes and answer about a video.

Every architecture: the folder loads (no missing or unexpected weights), the chat template puts the model's own
video placeholder in the prompt, and `generate` answers from a 4-frame video given in the exact tensors and
placeholder layout that model's processor produces (documented per model in VIDEO_LAYOUTS). The end-to-end
`AutoProcessor` path needs transformers' video processors, which need torchvision: marked hf_video, it runs in
scripts/test.sh's second venv (.venv-hf, with torchvision and num2words) and is skipped, saying so, elsewhere.
"""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest
import torch
from transformers import AutoConfig, AutoImageProcessor, AutoModelForImageTextToText, AutoTokenizer
from transformers.models.auto.processing_auto import PROCESSOR_MAPPING_NAMES

from test_train_fixtures import one_thread  # noqa: F401 (autouse fixture: tiny models run fastest on one thread)
from videoassist.testing import TINY_HF_ARCHITECTURES, save_tiny_hf_model

FRAMES, SIZE = 4, 32
QUESTION = "What colour is the circle?"

# What each chat template writes for one video (the processor later expands it).
VIDEO_PLACEHOLDER = {
    "llava_onevision": "<|im_start|>user <video>\n" + QUESTION,
    "qwen2_vl": "<|vision_start|><|video_pad|><|vision_end|>" + QUESTION,
    "qwen2_5_vl": "<|vision_start|><|video_pad|><|vision_end|>" + QUESTION,
    "qwen3_vl": "<|vision_start|><|video_pad|><|vision_end|>" + QUESTION,
    "smolvlm": "User: <video>" + QUESTION + "<end_of_utterance>\nAssistant:",
    "llava_next_video": "USER: <video>\n" + QUESTION + " ASSISTANT:",
    "video_llava": "USER: <video>\n" + QUESTION + " ASSISTANT:",
    "internvl": "<|im_start|>user\n<video>\n" + QUESTION,
}

# Tokenizer attributes each processor reads in its __init__ (transformers 5.24 processing_*.py).
QWEN_PROCESSOR_TOKENS = {"image_token": "<|image_pad|>", "video_token": "<|video_pad|>"}
PROCESSOR_TOKENS = {
    "llava_onevision": {"image_token": "<image>", "video_token": "<video>"},
    "qwen2_vl": QWEN_PROCESSOR_TOKENS,
    "qwen2_5_vl": QWEN_PROCESSOR_TOKENS,
    "qwen3_vl": {
        **QWEN_PROCESSOR_TOKENS, "vision_start_token": "<|vision_start|>", "vision_end_token": "<|vision_end|>"
    },
    "smolvlm": {"image_token": "<image>", "video_token": "<video>", "fake_image_token": "<fake_token_around_image>",
                "global_image_token": "<global-img>", "end_of_utterance_token": "<end_of_utterance>"},
    "llava_next_video": {"image_token": "<image>", "video_token": "<video>"},
    "video_llava": {"image_token": "<image>", "video_token": "<video>"},
    "internvl": {"start_image_token": "<img>", "end_image_token": "</img>", "context_image_token": "<IMG_CONTEXT>",
                 "video_token": "<video>"},
}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny_hf")
    return {arch: save_tiny_hf_model(root / arch, arch) for arch in TINY_HF_ARCHITECTURES}


def video_messages():
    return [{"role": "user", "content": [{"type": "video"}, {"type": "text", "text": QUESTION}]}]


def count_features(features, width: int) -> int:
    if isinstance(features, (list, tuple)):
        return sum(count_features(part, width) for part in features)
    return features.numel() // width


def llava_layout(model, tokenizer, prompt):
    """LLaVA-OneVision, LLaVA-NeXT-Video, Video-LLaVA: pixel_values_videos [1, T, 3, H, W]; `<video>` repeated
    once per visual token (OneVision: 2x2-pooled patches per frame + 1 newline; NeXT-Video: stride-2 pooled patches;
    Video-LLaVA: all patches + CLS of every frame)."""
    pixels = torch.randn(1, FRAMES, 3, SIZE, SIZE)
    features = model.model.get_video_features(pixel_values_videos=pixels).pooler_output
    count = count_features(features, model.config.text_config.hidden_size)
    return prompt.replace("<video>", "<video>" * count), {"pixel_values_videos": pixels}


def qwen_layout(model, tokenizer, prompt, timestamps: bool = False):
    """Qwen2-VL / Qwen2.5-VL: pixel_values_videos = flattened patches [t·h·w, 3·2·p·p] with video_grid_thw
    [[t, h, w]] (t = frames / temporal_patch 2), and one `<|video_pad|>` per merged 2x2 patch; Qwen3-VL splits the
    block per temporal step behind a `<x.x seconds>` timestamp. M-RoPE needs mm_token_type_ids (2 = video)."""
    vision = model.config.vision_config
    grid = torch.tensor([[FRAMES // vision.temporal_patch_size, SIZE // vision.patch_size, SIZE // vision.patch_size]])
    pixels = torch.randn(int(grid.prod()), 3 * vision.temporal_patch_size * vision.patch_size**2)
    per_step = int(grid[0, 1:].prod()) // vision.spatial_merge_size**2
    block = "<|vision_start|>" + "<|video_pad|>" * per_step + "<|vision_end|>"
    if timestamps:
        expanded = "".join(f"<{step * 0.5:.1f} seconds>{block}" for step in range(int(grid[0, 0])))
    else:
        expanded = block.replace("<|video_pad|>", "<|video_pad|>" * int(grid[0, 0]))
    return prompt.replace("<|vision_start|><|video_pad|><|vision_end|>", expanded), {
        "pixel_values_videos": pixels,
        "video_grid_thw": grid,
    }


def smolvlm_layout(model, tokenizer, prompt):
    """SmolVLM: the frames travel as images, pixel_values [1, T, 3, H, W]; per frame
    `<fake_token_around_image><global-img>` + image_seq_len × `<image>` + `<fake_token_around_image>` (the
    processor also writes an intro and a "Frame from mm:ss:" line per frame)."""
    pixels = torch.randn(1, FRAMES, 3, SIZE, SIZE)
    features = model.model.get_image_features(pixel_values=pixels).pooler_output
    per_frame = count_features(features, model.config.text_config.hidden_size) // FRAMES
    frame = "<fake_token_around_image><global-img>" + "<image>" * per_frame + "<fake_token_around_image>"
    video = "".join(f"\nFrame from 00:{second:02d}:{frame}" for second in range(FRAMES))
    return prompt.replace("<video>", video), {"pixel_values": pixels}


def internvl_layout(model, tokenizer, prompt):
    """InternVL: the frames travel as images, pixel_values [T, 3, H, W]; the processor writes
    `Frame1: <img>` + image_seq_length × `<IMG_CONTEXT>` + `</img>` per frame, joined by newlines."""
    pixels = torch.randn(FRAMES, 3, SIZE, SIZE)
    features = model.model.get_image_features(pixel_values=pixels).pooler_output
    per_frame = count_features(features, model.config.text_config.hidden_size) // FRAMES
    video = "\n".join(f"Frame{index + 1}: <img>{'<IMG_CONTEXT>' * per_frame}</img>" for index in range(FRAMES))
    return prompt.replace("<video>", video), {"pixel_values": pixels}


VIDEO_LAYOUTS = {
    "llava_onevision": llava_layout,
    "qwen2_vl": qwen_layout,
    "qwen2_5_vl": qwen_layout,
    "qwen3_vl": lambda model, tokenizer, prompt: qwen_layout(model, tokenizer, prompt, timestamps=True),
    "smolvlm": smolvlm_layout,
    "llava_next_video": llava_layout,
    "video_llava": llava_layout,
    "internvl": internvl_layout,
}


@pytest.mark.parametrize("arch", TINY_HF_ARCHITECTURES)
def test_folder_loads_with_auto_classes(folders, arch):
    folder = folders[arch]
    model, info = AutoModelForImageTextToText.from_pretrained(folder, output_loading_info=True)
    assert model.config.model_type == arch == AutoConfig.from_pretrained(folder).model_type
    assert not any(info.values()), info  # every weight saved and loaded, none left random
    assert sum(p.numel() for p in model.parameters()) < 300_000
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert model.config.text_config.vocab_size == len(tokenizer)
    video_id = getattr(model.config, "video_token_id", getattr(model.config, "video_token_index", None))
    if video_id is not None:  # SmolVLM and InternVL show a video as images: they have no video token id
        assert tokenizer.convert_ids_to_tokens(video_id) in ("<video>", "<|video_pad|>")
    assert AutoImageProcessor.from_pretrained(folder) is not None
    video_config = json.loads((folder / "video_preprocessor_config.json").read_text())
    assert video_config["video_processor_type"].endswith("VideoProcessor")


@pytest.mark.parametrize("arch", TINY_HF_ARCHITECTURES)
def test_chat_template_writes_the_video_placeholder(folders, arch):
    tokenizer = AutoTokenizer.from_pretrained(folders[arch])
    prompt = tokenizer.apply_chat_template(video_messages(), tokenize=False, add_generation_prompt=True)
    assert VIDEO_PLACEHOLDER[arch] in prompt
    ids = tokenizer(prompt, add_special_tokens=False).input_ids
    assert tokenizer.unk_token_id not in ids  # every marker is one known token, nothing fell back to <unk>


@pytest.mark.parametrize("arch", TINY_HF_ARCHITECTURES)
def test_generate_answers_from_video_tensors(folders, arch):
    torch.manual_seed(0)
    model = AutoModelForImageTextToText.from_pretrained(folders[arch]).eval()
    tokenizer = AutoTokenizer.from_pretrained(folders[arch])
    prompt = tokenizer.apply_chat_template(video_messages(), tokenize=False, add_generation_prompt=True)
    with torch.no_grad():
        text, video = VIDEO_LAYOUTS[arch](model, tokenizer, prompt)
        inputs = tokenizer(text, return_tensors="pt", add_special_tokens=False)
        if "video_grid_thw" in video:
            video["mm_token_type_ids"] = (inputs.input_ids == model.config.video_token_id).int() * 2
        output = model.generate(**inputs, **video, max_new_tokens=3, min_new_tokens=3, do_sample=False)
    prompt_length = inputs.input_ids.shape[1]
    assert output.shape == (1, prompt_length + 3)
    assert torch.equal(output[0, :prompt_length], inputs.input_ids[0])
    assert isinstance(tokenizer.decode(output[0, prompt_length:]), str)
    # the video is really read: other frames, other logits
    with torch.no_grad():
        first = model(**inputs, **video).logits[0, -1]
        changed = {name: value + 1.0 if name.startswith("pixel") else value for name, value in video.items()}
        second = model(**inputs, **changed).logits[0, -1]
    assert not torch.allclose(first, second)


@pytest.mark.parametrize("arch", TINY_HF_ARCHITECTURES)
def test_processor_config_fits_the_processor_class(folders, arch):
    """What AutoProcessor will pass to the processor's __init__ exists there, and the tokenizer names the tokens
    the processor reads from it (checked without torchvision, which building the processor needs)."""
    import transformers

    settings = json.loads((folders[arch] / "processor_config.json").read_text())
    processor_class = getattr(transformers, settings.pop("processor_class"))
    assert PROCESSOR_MAPPING_NAMES[arch] == processor_class.__name__  # the class AutoProcessor picks anyway
    assert set(settings) <= set(inspect.signature(processor_class.__init__).parameters)
    tokenizer = AutoTokenizer.from_pretrained(folders[arch])
    for name, token in PROCESSOR_TOKENS[arch].items():
        assert getattr(tokenizer, name) == token
        assert tokenizer.convert_tokens_to_ids(token) != tokenizer.unk_token_id


@pytest.mark.hf_video
@pytest.mark.parametrize("arch", TINY_HF_ARCHITECTURES)
def test_processor_formats_a_video_chat(folders, arch):
    from transformers import AutoProcessor

    processor = AutoProcessor.from_pretrained(folders[arch])
    model = AutoModelForImageTextToText.from_pretrained(folders[arch]).eval()
    frames = np.random.default_rng(0).integers(0, 256, (FRAMES, SIZE, SIZE, 3), dtype=np.uint8)
    prompt = processor.apply_chat_template(video_messages(), add_generation_prompt=True)
    inputs = processor(text=prompt, videos=[frames], return_tensors="pt")
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=3, min_new_tokens=3, do_sample=False)
    assert output.shape[1] == inputs["input_ids"].shape[1] + 3
    assert isinstance(processor.decode(output[0, inputs["input_ids"].shape[1] :]), str)


def test_unknown_architecture_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no tiny model for 'llava'.*qwen2_vl"):
        save_tiny_hf_model(tmp_path, "llava")
