"""The training config: the recipes load, bad files get one clear line naming the file and the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from test_train_fixtures import REPO, one_thread, tiny_models  # noqa: F401 (fixtures)
from videoassist.cli.main import main
from videoassist.errors import ConfigError
from videoassist.training.config import load_config
from videoassist.training.trainer import check_deepspeed_config, load_or_build_model, resume_point, train

RECIPES = sorted((REPO / "configs").rglob("*.yaml"))  # every training recipe (the demo's: recipes/demo/configs)


def write(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def minimal(**changes) -> dict:
    return {"stage": "pretrain", "output_dir": "runs/x", "model": {"base": "ckpt"}, "data": [{"path": "d.json"}],
            **changes}


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.relative_to(REPO / "configs").as_posix())
def test_every_recipe_loads(recipe):
    config = load_config(recipe)
    assert config.stage in ("pretrain", "instruct")
    assert config.training.warmup_ratio == 0.03 and config.training.lr_scheduler_type == "cosine"
    if config.stage == "pretrain":
        assert config.lora is None and config.training.learning_rate >= 1e-3


def test_the_papers_numbers():
    lr = {p.stem: load_config(p).training.learning_rate for p in RECIPES if p.parent.name == "configs"}
    assert lr == {"pretrain_llamavid": 1e-3, "pretrain_valley": 2e-3, "instruct_full": 2e-5,
                  "instruct_lora_valley": 5e-4, "instruct_lora_llava": 2e-4,
                  "pretrain_valley_siglip_qwen2.5": 2e-3, "instruct_valley_siglip_qwen2.5": 2e-5,
                  "pretrain_llamavid_siglip_qwen2.5": 1e-3, "instruct_llamavid_siglip_qwen2.5": 2e-5}
    valley, llava = load_config(REPO / "configs/instruct_lora_valley.yaml"), load_config(
        REPO / "configs/instruct_lora_llava.yaml")
    assert (valley.lora.r, valley.lora.alpha, llava.lora.r, llava.lora.alpha) == (16, 32, 128, 256)
    assert load_config(REPO / "configs/instruct_full.yaml").deepspeed == "scripts/zero3.json"


@pytest.mark.parametrize("family, global_batch", [("valley", 128), ("llamavid", 256)])
def test_the_recipes_on_siglip_and_qwen2_5_chain_their_stages(family, global_batch):
    pretrain = load_config(REPO / f"configs/pretrain_{family}_siglip_qwen2.5.yaml")
    instruct = load_config(REPO / f"configs/instruct_{family}_siglip_qwen2.5.yaml")
    assert pretrain.model.llm == "Qwen/Qwen2.5-1.5B-Instruct" and "siglip" in pretrain.model.vision
    assert pretrain.model.architecture["token_mode"] == {"valley": "valley_v3", "llamavid": "llamavid"}[family]
    assert instruct.model.base == pretrain.output_dir and instruct.lora is None  # stage 2 starts from stage 1
    assert pretrain.training.per_device_train_batch_size * 8 == global_batch  # the papers' batch on 8 GPUs
    assert (pretrain.deepspeed, instruct.deepspeed) == ("scripts/zero2.json", "scripts/zero3.json")
    for recipe in (pretrain, instruct):
        check_deepspeed_config(str(REPO / recipe.deepspeed))


def test_yaml_numbers_without_a_dot_and_overrides(tmp_path):
    path = write(tmp_path, minimal(training={"learning_rate": "1e-3"}))  # YAML 1.1 reads 1e-3 as a string
    config = load_config(path, ["training.max_steps=7", "data.0.video_root=videos", "lora=null"])
    assert config.training.learning_rate == 1e-3 and config.training.max_steps == 7
    assert config.data[0].video_root == "videos"


@pytest.mark.parametrize(
    "config, message",
    [
        (minimal(trainig={}), "unknown key trainig (did you mean training?)"),
        (minimal(training={"learning_rat": 0.1}), "unknown key training.learning_rat (did you mean learning_rate?)"),
        (minimal(training={"learning_rate": "fast"}), "training.learning_rate: expected float, got 'fast'"),
        (minimal(training={"save_steps": 1.5}), "training.save_steps: expected int, got 1.5"),
        (minimal(stage="finetune"), "stage must be one of pretrain, instruct"),
        (minimal(lora={"r": 8}), "stage 1 (pretrain) trains no LLM weights"),
        (minimal(data=[{"path": "d.json", "root": "v"}]), "unknown key data[0].root (known: path, video_root"),
        (minimal(data=[]), "data: give at least one dataset"),
        (minimal(model={"base": "ckpt", "vision": "v"}), "give either base"),
        (minimal(model={"vision": "v", "llm": "l", "token_mode": "valley_v9"}), "token_mode must be one of"),
        (minimal(model={"base": "ckpt", "token_mode": "llamavid"}), "token_mode: set only for a new model"),
        (minimal(model={"vision": "v", "llm": "l", "token_mode": "llamavid",
                        "token_builder_config": {"num_queries": "many"}}), "num_queries: expected int"),
        (minimal(model={"vision": "v", "llm": "l", "token_mode": "llamavid", "token_builder_config": {"pool": "x"}}),
         "unknown setting 'pool' of LlamaVidConfig"),
        (minimal(model={"vision": "v", "llm": "l", "content_pool": "grid:2"}),
         "model.content_pool: a token builder setting; write it under model.token_builder_config"),
        (minimal(model={"base": "ckpt", "sampling": {"num_frames": 8, "fps": 1}}), "exactly one of num_frames"),
        ({k: v for k, v in minimal().items() if k != "output_dir"}, "missing key output_dir"),
    ],
)
def test_bad_configs_name_the_file_and_the_key(tmp_path, config, message):
    path = write(tmp_path, config)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)


def test_the_command_prints_one_line_and_exits_1(tmp_path, capsys):
    path = write(tmp_path, minimal(training={"epochs": 3}))
    assert main(["train", str(path)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and str(path) in error and "training.epochs" in error


def test_a_new_model_is_built_from_the_two_base_models(tmp_path, tiny_models):  # noqa: F811
    base = tiny_models("llamavid")
    path = write(tmp_path, minimal(model={"vision": str(base / "base_vision"), "llm": str(base / "base_llm"),
                                          "token_mode": "valley_v3", "projector_type": "linear",
                                          "token_builder_config": {"temporal_heads": 2, "temporal_layers": 2},
                                          "sampling": {"num_frames": 4}}))
    model, processor = load_or_build_model(load_config(path).model)
    assert model.config.token_mode == "valley_v3" and model.config.projector_type == "linear"
    assert len(model.token_builder.temporal.layers) == 2  # the builder's own settings reached it
    assert model.config.llm_name_or_path == str(base / "base_llm")  # checkpoints will reference it
    assert processor.sampling.num_frames == 4


def test_starting_over_on_an_earlier_runs_checkpoints_is_refused(tmp_path):
    (tmp_path / "checkpoint-5").mkdir()
    (tmp_path / "checkpoint-5" / "trainer_state.json").write_text("{}")
    (tmp_path / "checkpoint-9").mkdir()  # cut short: no trainer_state.json
    assert resume_point(tmp_path, "auto") == tmp_path / "checkpoint-5"
    with pytest.raises(ConfigError, match="holds checkpoints of an earlier run"):
        resume_point(tmp_path, None)
    with pytest.raises(ConfigError, match="not a complete training checkpoint"):
        resume_point(tmp_path, tmp_path / "checkpoint-9")


def test_deepspeed_configs_are_checked_before_training(tmp_path):
    for path in sorted((REPO / "scripts").glob("zero*.json")):
        check_deepspeed_config(str(path))  # the shipped ones pass
    unsavable = tmp_path / "zero3.json"
    unsavable.write_text(json.dumps({"zero_optimization": {"stage": 3}}))
    with pytest.raises(ConfigError, match="stage3_gather_16bit_weights_on_model_save: true"):
        train(load_config(write(tmp_path, minimal(deepspeed=str(unsavable)))))
    with pytest.raises(ConfigError, match="no such DeepSpeed config"):
        train(load_config(write(tmp_path, minimal(deepspeed=str(tmp_path / "absent.json")))))
