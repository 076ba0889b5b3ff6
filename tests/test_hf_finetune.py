"""`videoassist finetune --base HF_MODEL`: LoRA adapters on the LLM of one of transformers' video LLMs, trained on our
data formats with the loss on the answers only; the output (adapter + processor) loads with `--model OUTPUT`."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from test_finetune import clip_folder
from test_train_fixtures import clips, one_thread  # noqa: F401 (fixtures)
from videoassist.cli.main import main
from videoassist.testing import TINY_HF_ARCHITECTURES, save_tiny_hf_model

pytestmark = pytest.mark.hf_video
# Labels are checked on two templates; every architecture is fine-tuned and asked.
ARCHITECTURES = ("qwen2_vl", "llava_onevision")
# What each tiny model's template ends an answer with.
END_OF_TURN = {"qwen2_vl": "<|im_end|>\n", "llava_onevision": "<|im_end|>\n"}


@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf_bases")
    return {arch: save_tiny_hf_model(root / arch, arch) for arch in TINY_HF_ARCHITECTURES}


def vision_and_llm_weights(model) -> tuple[dict, dict]:
    """The vision tower's and projector's weights, and the LLM's linear weights, by name."""
    decoder = model.get_decoder()
    llm = {name: module.weight.detach().clone() for name, module in decoder.named_modules()
           if isinstance(module, torch.nn.Linear)}
    llm_names = {id(p) for p in decoder.parameters()} | {id(p) for p in model.lm_head.parameters()}
    vision = {name: p.detach().clone() for name, p in model.named_parameters() if id(p) not in llm_names}
    return vision, llm


@pytest.mark.parametrize("arch", TINY_HF_ARCHITECTURES)
def test_finetune_trains_the_llm_adapters_and_ask_loads_the_output(arch, bases, clips, tmp_path, capsys):
    from videoassist.checkpoints.sources import load_model

    folder, output = clip_folder(clips, tmp_path / "my_clips", count=4), tmp_path / "finetuned"
    argv = ["finetune", "--data", str(folder), "--output", str(output), "--base", str(bases[arch]),
            "--max-steps", "2", "--batch-size", "2", "--frames", "2"]
    assert main(argv) == 0
    capsys.readouterr()
    adapter = json.loads((output / "adapter_config.json").read_text())
    assert adapter["base_model_name_or_path"] == str(bases[arch].resolve())
    assert not (output / "config.json").exists()  # the adapter and the processor, not a copy of the base
    base = load_model(str(bases[arch]))[0]
    decoder_path = next(name for name, module in base.named_modules() if module is base.get_decoder())
    weights = load_file(output / "adapter_model.safetensors")
    assert weights and all(f".{decoder_path}." in name for name in weights)  # the LLM's layers only
    lora_b = [w for name, w in weights.items() if "lora_B" in name]
    assert lora_b and any(w.abs().sum() > 0 for w in lora_b)  # PEFT starts B at zero: training moved it

    base_vision, base_llm = vision_and_llm_weights(base)
    tuned_vision, tuned_llm = vision_and_llm_weights(load_model(str(output))[0])  # the adapter folded in
    assert base_vision.keys() == tuned_vision.keys()
    assert all(torch.equal(base_vision[name], tuned_vision[name]) for name in base_vision)
    assert any(not torch.equal(base_llm[name], tuned_llm[name]) for name in base_llm)

    video = next(folder.glob("*.mp4"))
    assert main(["ask", str(video), "What colour is the circle?", "--model", str(output), "--json",
                 "--frames", "2", "--max-new-tokens", "3"]) == 0
    answer = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert isinstance(answer["answer"], str) and len(answer["timestamps"]) == 2


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_labels_are_the_answers_tokens_only(arch, bases):
    from videoassist.checkpoints.sources import load_model
    from videoassist.models.videoassist import IGNORE_INDEX
    from videoassist.training.hf_video import HFVideoCollator

    processor = load_model(str(bases[arch]))[1]
    frames = np.random.default_rng(0).integers(0, 255, (2, 32, 32, 3), dtype=np.uint8)
    turns = [{"role": "user", "content": "<video>\nWhat colour is the circle?"},
             {"role": "assistant", "content": "a red circle"},
             {"role": "user", "content": "Where does it go?"},
             {"role": "assistant", "content": "to the left"}]
    items = [{"id": "two_turns", "messages": turns, "frames": frames, "timestamps": [0.0, 0.5]},
             {"id": "one_turn", "messages": turns[:2], "frames": frames, "timestamps": [0.0, 0.5]}]
    batch = HFVideoCollator(processor)(items)
    end = END_OF_TURN[arch]
    expected = [f"a red circle{end}to the left{end}", f"a red circle{end}"]
    for row, answers in enumerate(expected):
        labels, ids = batch["labels"][row], batch["input_ids"][row]
        trained = labels != IGNORE_INDEX
        assert torch.equal(labels[trained], ids[trained])
        assert processor.tokenizer.decode(labels[trained]) == answers
        rest = processor.tokenizer.decode(ids[~trained & batch["attention_mask"][row].bool()])
        assert "What colour is the circle?" in rest and ("Where does it go?" in rest) == (row == 0)
        assert "red" not in rest and "left" not in rest
    assert "pixel_values_videos" in batch


def test_full_finetuning_of_an_hf_model_is_refused_in_one_line(bases, clips, tmp_path, capsys):
    folder = clip_folder(clips, tmp_path / "my_clips", count=2)
    argv = ["finetune", "--data", str(folder), "--output", str(tmp_path / "out"), "--base", str(bases["qwen2_vl"]),
            "--full", "--max-steps", "1"]
    assert main(argv) == 1
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.endswith("a transformers video LLM trains LoRA adapters only (drop --full)")
