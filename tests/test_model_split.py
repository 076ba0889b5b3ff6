"""transformers' split: VideoAssistModel (get_video_features, hidden states) and VideoAssistForCausalLM (generate
from pixel values or from cached features); a question is processor → generate → decode."""

from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoModel

from videoassist.inference import VideoAssistant
from videoassist.models.videoassist import VideoAssistForCausalLM, VideoAssistModel, VideoAssistProcessor
from videoassist.testing import build_tiny_model, save_tiny_model
from videoassist.video import sample_frames

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "synth" / "synth_000001.mp4"
QUESTION = [{"role": "user", "content": "Which way does the red circle move?"}]


def frames(count: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, 40, 56, 3), dtype=np.uint8)


def test_get_video_features_gives_each_videos_global_tokens_and_patch_grid():
    model, processor = build_tiny_model("valley_v1")
    batch = processor([QUESTION, QUESTION], videos=[frames(3, 0), frames(5, 1)], add_generation_prompt=True)
    with torch.no_grad():
        features = model.get_video_features(batch["pixel_values_videos"], batch["frames_per_video"])
    assert [f.global_tokens.shape for f in features] == [(3, 32), (5, 32)]  # [T, vision width]
    assert [f.patch_tokens.shape for f in features] == [(3, 16, 32), (5, 16, 32)]  # [T, 4x4 patches, width]
    with torch.no_grad():
        alone = model.get_video_features(processor.video_processor(frames(5, 1))["pixel_values_videos"], [5])[0]
    torch.testing.assert_close(features[1].patch_tokens, alone.patch_tokens)


@pytest.mark.parametrize("mode", ["valley_v1", "llamavid"])
def test_generate_from_pixel_values_and_from_cached_features_gives_the_same_tokens(mode):
    model, processor = build_tiny_model(mode, seed=3)
    video = frames(4, 2)
    inputs = processor([QUESTION], videos=[video], add_generation_prompt=True)
    del inputs["labels"]
    settings = {"max_new_tokens": 10, "do_sample": False, "pad_token_id": processor.tokenizer.pad_token_id}
    with torch.no_grad():
        from_pixels = model.generate(**inputs, **settings)
        features = model.get_video_features(inputs.pop("pixel_values_videos"), inputs["frames_per_video"])
        from_features = model.generate(**inputs, video_features=features, **settings)
    prompt = inputs["input_ids"].shape[1]
    assert from_pixels.shape[1] > prompt
    assert torch.equal(from_pixels, from_features)
    with pytest.raises(ValueError, match="no pixel_values_videos or video_features"):
        model.generate(**inputs, **settings)


def test_the_model_gives_the_hidden_states_the_causal_lm_reads_its_logits_from(tmp_path):
    folder = save_tiny_model(tmp_path / "tiny", "llamavid")
    base = AutoModel.from_pretrained(folder)
    causal = VideoAssistForCausalLM.from_pretrained(folder)
    assert type(base) is VideoAssistModel
    assert base.state_dict().keys() == causal.state_dict().keys()  # one set of weight names for both
    processor = VideoAssistProcessor.from_pretrained(folder)
    inputs = processor([QUESTION], videos=[frames(3, 4)], add_generation_prompt=True)
    del inputs["labels"]
    with torch.no_grad():
        hidden = base(**inputs).last_hidden_state
        logits = causal(**inputs).logits
    assert hidden.shape == (*inputs["input_ids"].shape, causal.config.text_width)
    torch.testing.assert_close(causal.get_output_embeddings()(hidden), logits)


def test_ask_is_processor_then_generate_then_decode(tmp_path):
    assistant = VideoAssistant.load(str(save_tiny_model(tmp_path / "tiny", "llamavid")))
    question = QUESTION[0]["content"]
    answer = assistant.ask(SAMPLE, question, max_new_tokens=8, num_frames=4)
    clip = sample_frames(SAMPLE, num_frames=4)
    inputs = assistant.processor([QUESTION], videos=[clip.frames], add_generation_prompt=True)
    del inputs["labels"]
    with torch.no_grad():
        output = assistant.model.generate(**inputs, max_new_tokens=8, do_sample=False,
                                          pad_token_id=assistant.processor.tokenizer.pad_token_id)
    assert answer.text == assistant.processor.decode(output[0, inputs["input_ids"].shape[1]:])
    assert answer.timestamps == clip.timestamps and answer.visual_tokens == 4 * 2
