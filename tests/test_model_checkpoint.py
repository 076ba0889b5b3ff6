"""save_pretrained / from_pretrained: references to the base models, safetensors only, same logits."""

import json
import shutil

import numpy as np
import pytest
import torch

from videoassist.errors import ModelError
from videoassist.checkpoints.check import check_model
from videoassist.checkpoints.sources import load_model
from videoassist.models.videoassist import VideoAssistForCausalLM, VideoAssistProcessor
from videoassist.testing import build_tiny_model, save_tiny_model


def batch_for(processor):
    video = np.random.default_rng(3).integers(0, 256, (4, 40, 40, 3), dtype=np.uint8)
    conversation = [{"role": "user", "content": "What shape is it?"}, {"role": "assistant", "content": "a star"}]
    batch = processor([conversation], videos=[video], padding_side="right")
    return {k: v for k, v in batch.items() if k != "labels"}


@pytest.mark.parametrize("mode", ["valley_v1", "valley_v2", "valley_v3", "llamavid"])
def test_save_then_load_gives_the_same_logits(tmp_path, mode):
    save_tiny_model(tmp_path, mode, seed=5)
    original, processor = build_tiny_model(mode, seed=5)
    loaded = VideoAssistForCausalLM.from_pretrained(tmp_path)
    loaded_processor = VideoAssistProcessor.from_pretrained(tmp_path)
    with torch.no_grad():
        torch.testing.assert_close(original(**batch_for(processor)).logits, loaded(**batch_for(loaded_processor)).logits)


def test_checkpoint_stores_only_trained_weights_as_safetensors(tmp_path):
    save_tiny_model(tmp_path, "llamavid")
    from safetensors.torch import load_file

    keys = load_file(tmp_path / "model.safetensors").keys()
    assert keys and all(k.startswith(("token_builder.", "projector.", "query_encoder.")) for k in keys)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["llm_name_or_path"].endswith("base_llm") and config["vision_name_or_path"].endswith("base_vision")
    pickled = [p for p in tmp_path.rglob("*") if p.suffix in {".bin", ".pt", ".pth", ".pkl"}]
    assert pickled == []


def test_a_standalone_checkpoint_holds_every_weight(tmp_path):
    model, processor = build_tiny_model("valley_v1", seed=2)
    model.save_pretrained(tmp_path)
    processor.save_pretrained(tmp_path)
    loaded = VideoAssistForCausalLM.from_pretrained(tmp_path)
    with torch.no_grad():
        torch.testing.assert_close(model(**batch_for(processor)).logits, loaded(**batch_for(processor)).logits)


def test_a_trained_llm_is_stored_too(tmp_path):
    save_tiny_model(tmp_path, "valley_v1", freeze_llm=False)
    from safetensors.torch import load_file

    assert any(k.startswith("language_model.") for k in load_file(tmp_path / "model.safetensors"))
    VideoAssistForCausalLM.from_pretrained(tmp_path)


def test_bad_model_names_give_one_line_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="no config.json"):
        load_model(str(tmp_path / "empty"))
    save_tiny_model(tmp_path / "ckpt", "valley_v1")
    (tmp_path / "ckpt" / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="model.safetensors"):
        load_model(str(tmp_path / "ckpt"))


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("tiny") / "ckpt", "llamavid")


def broken_copy(source, folder, file: str, data: bytes | None = None):
    """A copy of the checkpoint `source` with `file` replaced by `data` (default: its first half)."""
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("base_*"))
    original = (source / file).read_bytes() if (source / file).exists() else b""
    (folder / file).parent.mkdir(parents=True, exist_ok=True)
    (folder / file).write_bytes(original[: len(original) // 2] if data is None else data)
    return folder


@pytest.mark.parametrize("file, data, problem", [
    ("model.safetensors", None, "model.safetensors: cannot be read as safetensors (Error while deserializing header"),
    ("config.json", b"not a config\n", "config.json: cannot be read as JSON (Expecting value"),
    ("config.json", b"[1, 2]", "config.json: is not a JSON object"),
    ("llm_adapter/adapter_model.safetensors", b"{}", "adapter_model.safetensors: cannot be read as safetensors"),
])
def test_a_broken_checkpoint_is_one_line_naming_the_file(tiny_checkpoint, tmp_path, file, data, problem):
    """Before, a cut weights file or a garbled config.json surfaced as the loader's traceback."""
    folder = broken_copy(tiny_checkpoint, tmp_path / "broken", file, data)
    with pytest.raises(ModelError) as caught:
        load_model(str(folder))
    assert str(caught.value).startswith(str(folder)) and problem in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_name_that_is_neither_a_folder_nor_a_hub_id_is_no_such_folder(tmp_path):
    with pytest.raises(ModelError, match=r"/nowhere/ckpt: no such folder$"):
        check_model(str(tmp_path / "nowhere" / "ckpt"))
    check_model("demo")  # ships with the package: nothing to check


def test_build_then_save_and_load(tmp_path):
    from videoassist import build

    save_tiny_model(tmp_path / "tiny", "valley_v1")  # gives us base models saved in folders
    model, processor = build(
        str(tmp_path / "tiny" / "base_vision"), str(tmp_path / "tiny" / "base_llm"), token_mode="llamavid"
    )
    assert model.config.video_token_id == processor.video_token_id
    assert model.config.vision_width == 32 and model.config.text_width == 48
    model.save_pretrained(tmp_path / "new")
    processor.save_pretrained(tmp_path / "new")
    loaded = VideoAssistForCausalLM.from_pretrained(tmp_path / "new")
    with torch.no_grad():
        torch.testing.assert_close(model(**batch_for(processor)).logits, loaded(**batch_for(processor)).logits)


def test_a_vision_tower_without_reference_is_stored_in_the_checkpoint(tmp_path):
    """The demo's own vision tower is trained from scratch: no base to refer to, so it travels with the weights."""
    save_tiny_model(tmp_path / "tiny", "valley_v1", seed=4)  # for its saved base LLM
    model, processor = build_tiny_model("valley_v1", seed=4)
    model.config.llm_name_or_path = str(tmp_path / "tiny" / "base_llm")
    model.save_pretrained(tmp_path / "ckpt")
    from safetensors.torch import load_file

    keys = load_file(tmp_path / "ckpt" / "model.safetensors").keys()
    assert any(k.startswith("vision_tower.") for k in keys)
    assert not any(k.startswith("language_model.") for k in keys)
    loaded = VideoAssistForCausalLM.from_pretrained(tmp_path / "ckpt")
    with torch.no_grad():
        torch.testing.assert_close(model(**batch_for(processor)).logits, loaded(**batch_for(processor)).logits)
