"""`videoassist convert`: a tiny checkpoint in an original release's key layout and file format (pickled .bin
shards) is converted, loaded with our loader, and its visual tokens compared with the original forward,
re-implemented here from the original code (commits in docs/CHECKPOINTS.md)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from transformers import CLIPVisionConfig, CLIPVisionModel

from videoassist.convert import convert
from videoassist.convert.original import load_state_dict
from videoassist.errors import ModelError
from videoassist.models.videoassist import VideoAssistForCausalLM, VideoAssistProcessor
from videoassist.testing import save_tiny_original_checkpoint


@pytest.fixture(scope="module")
def valley(tmp_path_factory):
    source = save_tiny_original_checkpoint(tmp_path_factory.mktemp("valley_original"), "valley")
    output = convert("valley", source, tmp_path_factory.mktemp("valley_converted") / "out")
    return source, output


def valley_original_visual_tokens(source, frames: torch.Tensor) -> torch.Tensor:
    """Valley v1 (valley_model.py:163-247 @ 83d794f1): CLIPVisionModel hidden_states[mm_vision_select_layer]
    with the CLS kept; mm_projector on every token; patch tokens (CLS excluded) averaged over the frames; then
    the per-frame projected CLS tokens, in the order they fill `<im_start>`…`<im_end>` then `<vi_start>`…."""
    original = json.loads((source / "config.json").read_text())
    state = load_state_dict(source)
    prefix = "model.vision_tower.vision_model."  # CLIPVisionModel of transformers 4.28; today's has no vision_model
    tower_state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    tower_state.pop("embeddings.position_ids")
    tower = CLIPVisionModel(CLIPVisionConfig(hidden_size=128, intermediate_size=256, num_hidden_layers=3,
                                             num_attention_heads=2, image_size=56, patch_size=14)).eval()
    tower.load_state_dict(tower_state)
    hidden = tower(frames, output_hidden_states=True).hidden_states[original["mm_vision_select_layer"]]
    features = F.linear(hidden, state["model.mm_projector.weight"], state["model.mm_projector.bias"])
    mean_image_features = features[:, 1:, :].mean(dim=0)
    frame_image_features = features[:, 0, :]
    return torch.cat([mean_image_features, frame_image_features])


@torch.no_grad()
def test_converted_valley_gives_the_original_visual_tokens(valley):
    source, output = valley
    model = VideoAssistForCausalLM.from_pretrained(output)
    torch.manual_seed(1)
    frames = torch.randn(5, 3, 56, 56)
    ours = model.visual_tokens(model.get_video_features(frames, [5]))
    expected = valley_original_visual_tokens(source, frames)
    assert ours.shape == expected.shape == (16 + 5, 64)
    torch.testing.assert_close(ours, expected, atol=1e-5, rtol=0)


def test_converted_valley_keeps_the_llm_and_tower_weights(valley):
    source, output = valley
    state = load_state_dict(source)
    model = VideoAssistForCausalLM.from_pretrained(output)
    assert torch.equal(model.language_model.model.embed_tokens.weight, state["model.embed_tokens.weight"])
    assert torch.equal(model.language_model.lm_head.weight, state["lm_head.weight"])
    layer = model.vision_tower.model.encoder.layers[2]
    assert torch.equal(layer.mlp.fc1.weight, state["model.vision_tower.vision_model.encoder.layers.2.mlp.fc1.weight"])
    assert model.config.select_layer == -2 and model.config.projector_type == "linear"
    assert {"config.json", "model.safetensors", "processor_config.json", "base_llm", "base_vision"} <= {
        p.name for p in output.iterdir()}
    assert not list(output.rglob("*.bin")) and list((output / "base_llm").glob("*.safetensors"))


def test_converted_valley_prompt_has_valleys_layout(valley):
    """<im_start> P×patch <im_end> <vi_start> T×frame <vi_end> (valley_model.py:387-392), and the visual tokens
    land in those placeholders in the order the original writes them."""
    _, output = valley
    model = VideoAssistForCausalLM.from_pretrained(output)
    processor = VideoAssistProcessor.from_pretrained(output, config=model.config)
    frames = torch.randint(0, 256, (3, 60, 80, 3), dtype=torch.uint8).numpy()
    inputs = processor(conversations=[[{"role": "user", "content": "Describe the video."}]], videos=[frames],
                       add_generation_prompt=True)
    ids = inputs["input_ids"][0].tolist()
    token = processor.tokenizer.convert_tokens_to_ids
    start = ids.index(token("<im_start>"))
    video = model.config.video_token_id
    expected = ([token("<im_start>")] + [video] * 16 + [token("<im_end>"), token("<vi_start>")] + [video] * 3
                + [token("<vi_end>")])
    assert ids[start : start + len(expected)] == expected
    assert processor.tokenizer.decode(ids[:start]).startswith("<bos>You are Valley, a large language")
    assert processor.tokenizer.decode(ids[:start]).endswith("\n\n### Human: ")
    assert processor.tokenizer.decode(ids[start + len(expected):]) == "\nDescribe the video. \n###"


def test_pickle_with_an_object_is_refused_in_one_line(tmp_path):
    source = save_tiny_original_checkpoint(tmp_path / "original", "valley")
    shard = source / "pytorch_model-00001-of-00002.bin"
    state = torch.load(shard, weights_only=True)
    state["evil"] = torch.nn.Linear(2, 2)  # a module object: a pickle that is more than tensors
    torch.save(state, shard)
    with pytest.raises(ModelError, match="pytorch_model-00001-of-00002.bin: refused"):
        convert("valley", source, tmp_path / "out")
    result = subprocess.run([sys.executable, "-m", "videoassist", "convert", "valley", str(source), "--output",
                             str(tmp_path / "out2")], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "refused" in result.stderr
    assert not (tmp_path / "out2" / "config.json").exists()
