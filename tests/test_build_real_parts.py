"""videoassist.build on the kinds of parts real recipes use (tiny random ones, saved as the hub ships them): CLIP,
SigLIP and SigLIP2 (NaFlex) towers, whole or vision-only, with Qwen2 (Qwen2.5's class) and Gemma 3 LLMs; Valley v3
and LLaMA-VID tokens; saved, loaded and asked; and a new model trained from a YAML that names the two folders."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import yaml
from safetensors import safe_open
from transformers import CLIPImageProcessorPil, Siglip2ImageProcessorPil, SiglipImageProcessorPil
from transformers.models.siglip2.image_processing_pil_siglip2 import convert_image_to_patches

from conftest import write_video
from test_train_fixtures import one_thread  # noqa: F401 (fixture)
from videoassist import VideoAssistant, build
from videoassist.checkpoints.folder import save_checkpoint
from videoassist.cli.main import main
from videoassist.models.videoassist import VideoAssistVideoProcessor
from videoassist.tiny_base_models import TINY_LLMS, TINY_VISION_TOWERS, save_tiny_llm, save_tiny_vision_tower
from videoassist.video import SamplingConfig

FRAMES = 4
GRID = 4  # every tiny tower: 32 px frames in 8 px patches (SigLIP2: a budget of 16 patches)
BUILDER_SETTINGS = {"valley_v3": {"temporal_heads": 4}, "llamavid": {"num_queries": 4, "query_heads": 4}}
VISUAL_TOKENS = {"valley_v3": GRID**2 + FRAMES, "llamavid": 2 * FRAMES}  # patches + one global per frame; 2/frame
QUESTION = "What colour is the circle?"


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    """parts(kind) → a saved tiny vision tower (TINY_VISION_TOWERS) or LLM (TINY_LLMS), made once."""
    root = tmp_path_factory.mktemp("parts")
    made = {}

    def get(kind: str) -> str:
        if kind not in made:
            save = save_tiny_vision_tower if kind in TINY_VISION_TOWERS else save_tiny_llm
            made[kind] = str(save(root / kind, kind))
        return made[kind]

    return get


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("video") / "clip.mp4", num_frames=24)


@pytest.mark.parametrize("token_mode", list(BUILDER_SETTINGS))
@pytest.mark.parametrize("llm", TINY_LLMS)
@pytest.mark.parametrize("tower", TINY_VISION_TOWERS)
def test_a_model_built_from_released_parts_answers_after_saving_and_loading(parts, video, tmp_path, tower, llm,
                                                                            token_mode):
    model, processor = build(vision=parts(tower), llm=parts(llm), token_mode=token_mode,
                             sampling=SamplingConfig(num_frames=FRAMES),
                             token_builder_config=BUILDER_SETTINGS[token_mode])
    config = model.config
    assert (config.vision_width, config.patch_grid, config.text_width) == (32, GRID, 64)  # read from the configs
    assert processor.tokenizer.convert_tokens_to_ids("<video>") == config.video_token_id
    assert model.language_model.get_input_embeddings().num_embeddings == config.text_config.vocab_size  # as released
    built = VideoAssistant(model, processor).ask(video, QUESTION, max_new_tokens=4)

    folder = save_checkpoint(model, processor, tmp_path / "model")
    with safe_open(folder / "model.safetensors", "pt") as weights:
        assert {name.split(".")[0] for name in weights.keys()} <= {"token_builder", "projector", "query_encoder"}
    loaded = VideoAssistant.load(str(folder), precision="fp32").ask(video, QUESTION, max_new_tokens=4)  # as built
    assert loaded.visual_tokens == built.visual_tokens == VISUAL_TOKENS[token_mode]
    assert loaded.text == built.text and len(loaded.timestamps) == FRAMES


def test_frames_are_the_size_each_towers_own_processor_gives(tmp_path):
    """A setting the tower's processor leaves out is its own default: SigLIP resizes to its size and never crops
    (CLIP's 224 px centre crop used to cut its 384 px frames); NaFlex gets the square grid of its patch budget."""
    processors = {
        "clip": CLIPImageProcessorPil(size={"shortest_edge": 336}, crop_size={"height": 336, "width": 336}),
        "siglip": SiglipImageProcessorPil(size={"height": 384, "width": 384}),
        "siglip2": Siglip2ImageProcessorPil(patch_size=16, max_num_patches=256),
    }
    frames = np.zeros((2, 360, 640, 3), dtype=np.uint8)
    sizes = {}
    for name, image_processor in processors.items():
        image_processor.save_pretrained(tmp_path / name)
        pixels = VideoAssistVideoProcessor.from_vision_tower(str(tmp_path / name))(frames)["pixel_values_videos"]
        sizes[name] = tuple(pixels.shape)
    assert sizes == {"clip": (2, 3, 336, 336), "siglip": (2, 3, 384, 384), "siglip2": (2, 3, 256, 256)}


def test_naflex_towers_get_patches_cut_as_siglip2s_processor_cuts_them(parts):
    model, _ = build(vision=parts("siglip2_vision"), llm=parts("qwen2"), token_mode="valley_v1")
    pixels = torch.randn(3, 3, 32, 32)
    inputs = model.vision_tower.model_inputs(pixels)
    expected = np.stack([convert_image_to_patches(frame.numpy(), 8) for frame in pixels])
    torch.testing.assert_close(inputs["pixel_values"], torch.from_numpy(expected))
    assert inputs["spatial_shapes"].tolist() == [[GRID, GRID]] * 3 and bool(inputs["pixel_attention_mask"].all())
    features = model.vision_tower(pixels)
    assert features.patch_tokens.shape == (3, GRID**2, 32)
    torch.testing.assert_close(features.global_tokens, features.patch_tokens.mean(1))  # no CLS token: the mean


def test_train_a_new_model_on_siglip_and_qwen2_from_a_yaml_then_ask_it(parts, video, tmp_path, capsys):
    records = [
        {"id": str(i), "video": video.name,
         "conversations": [{"from": "human", "value": "<video>\nDescribe the video."},
                           {"from": "gpt", "value": "A red circle moves to the left."}]}
        for i in range(4)
    ]
    (tmp_path / "data.json").write_text(json.dumps(records))
    recipe = {
        "stage": "pretrain",
        "output_dir": str(tmp_path / "run"),
        "model": {"vision": parts("siglip"), "llm": parts("qwen2"), "token_mode": "llamavid",
                  "token_builder_config": BUILDER_SETTINGS["llamavid"], "sampling": {"num_frames": FRAMES}},
        "data": [{"path": str(tmp_path / "data.json"), "video_root": str(video.parent)}],
        "training": {"max_steps": 2, "per_device_train_batch_size": 2, "learning_rate": 1.0e-3,
                     "dataloader_num_workers": 0, "save_steps": 2, "logging_steps": 1, "gradient_checkpointing": False},
    }
    (tmp_path / "recipe.yaml").write_text(yaml.safe_dump(recipe))
    assert main(["train", str(tmp_path / "recipe.yaml")]) == 0
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["vision_name_or_path"] == parts("siglip") and saved["llm_name_or_path"] == parts("qwen2")
    assert saved["vision_config"]["model_type"] == "siglip_vision_model" and saved["text_config"]["model_type"] == "qwen2"
    state = json.loads((tmp_path / "run" / "checkpoint-2" / "trainer_state.json").read_text())
    assert state["global_step"] == 2

    capsys.readouterr()
    assert main(["ask", str(video), QUESTION, "--model", str(tmp_path / "run"), "--json", "--max-new-tokens", "4"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["visual_tokens"] == VISUAL_TOKENS["llamavid"] and len(answer["timestamps"]) == FRAMES
