"""The demo's shipping format: a trained LoRA checkpoint packaged (bf16, no tokenizer, no machine paths) and
loaded again on its LLM folder answers as the checkpoint does."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from recipes.demo.release import package
from videoassist.checkpoints.demo import load_demo
from videoassist.checkpoints.folder import save_checkpoint
from videoassist.checkpoints.sources import load_model
from videoassist.errors import ModelError
from videoassist.testing import save_tiny_model
from videoassist.training.lora import add_lora


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny checkpoint like the recipe's: the tower stored, the LLM referenced, a LoRA adapter that matters."""
    root = tmp_path_factory.mktemp("release")
    model, processor = load_model(str(save_tiny_model(root / "tiny", token_mode="valley_v1")))
    model.config.vision_name_or_path = None
    add_lora(model, r=4, alpha=8, dropout=0.0, target_modules="all-linear")
    torch.manual_seed(1)
    with torch.no_grad():
        for name, weight in model.named_parameters():
            if "lora_B" in name:
                weight.normal_(std=0.5)
    save_checkpoint(model, processor, root / "checkpoint")
    return root


def _logits(model, processor):
    frames = torch.randint(0, 256, (4, 40, 48, 3), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    batch = processor([[{"role": "user", "content": "What colour is the circle?"}]], videos=[frames.numpy()])
    batch.pop("labels", None)
    with torch.no_grad():
        return model(**batch).logits


def test_a_packaged_checkpoint_loads_on_its_llm_folder_and_answers_as_before(trained):
    llm = trained / "tiny" / "base_llm"
    (llm / "GEMMA_TERMS.html").write_text("terms")
    out = trained / "shipped"
    package(trained / "checkpoint", out, llm)

    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"config.json", "model.safetensors", "llm_adapter/adapter_model.safetensors", "GEMMA_TERMS.html"} <= files
    assert not any(name.startswith("tokenizer") for name in files)
    config = json.loads((out / "config.json").read_text())
    assert config["llm_name_or_path"] == "base_llm" and config["vision_name_or_path"] is None
    shipped_text = "".join(p.read_text() for p in out.rglob("*.json"))
    assert str(trained) not in shipped_text  # no path of the machine that packaged it

    original, processor = load_model(str(trained / "checkpoint"))
    shipped, shipped_processor = load_demo(out, llm)
    assert shipped_processor.tokenizer.convert_tokens_to_ids("<video>") == shipped.config.video_token_id
    # bf16 storage rounds the trained weights: the same answer, logits within bf16's precision
    expected, got = _logits(original, processor), _logits(shipped, shipped_processor)
    assert torch.equal(expected.argmax(-1), got.argmax(-1))
    assert torch.allclose(expected, got, atol=0.05 * expected.abs().max().item())
    stored = load_file(str(out / "model.safetensors"))
    assert {v.dtype for k, v in stored.items() if k.startswith("vision_tower.") and v.is_floating_point()} == {
        torch.bfloat16}
    assert {v.dtype for k, v in stored.items() if k.startswith(("projector.", "token_builder."))} == {torch.float32}
    size = sum(p.stat().st_size for p in out.rglob("*.safetensors"))
    assert size < 0.6 * sum(p.stat().st_size for p in (trained / "checkpoint").rglob("*.safetensors"))


def test_a_missing_demo_is_a_one_line_error(tmp_path):
    with pytest.raises(ModelError, match="demo model is not in this installation") as error:
        load_demo(tmp_path / "nothing", tmp_path)
    assert "\n" not in str(error.value)


def test_package_refuses_a_checkpoint_that_references_its_tower(tmp_path):
    folder = save_tiny_model(tmp_path / "tiny")
    with pytest.raises(ModelError, match="not a demo checkpoint"):
        package(folder, tmp_path / "out", folder / "base_llm")


def test_the_assistant_folds_a_lora_adapter_in_and_answers_as_the_adapter_does(trained):
    from videoassist import VideoAssistant
    from videoassist.checkpoints.lora import has_lora

    adapted, processor = load_model(str(trained / "checkpoint"))
    assert has_lora(adapted)
    assistant = VideoAssistant.load(str(trained / "checkpoint"))
    assert not has_lora(assistant.model)  # merged: no adapter products left at inference
    expected, got = _logits(adapted, processor), _logits(assistant.model, assistant.processor)
    assert torch.allclose(expected, got, atol=1e-4 * expected.abs().max().item())
