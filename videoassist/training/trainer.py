"""Training with the Hugging Face Trainer: a config → model, stage, data, TrainingArguments → a checkpoint.

    config = load_config("configs/pretrain_llamavid.yaml")
    result = train(config)           # resumes from the last complete checkpoint-N in output_dir, if any

DeepSpeed comes in through the Trainer's integration (`deepspeed:` in the config or `--deepspeed`); run several
processes with the `deepspeed` or `torchrun` launcher (scripts/pretrain.sh, scripts/instruct.sh).
"""

from __future__ import annotations

import json
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import torch
import yaml
from accelerate import PartialState
from transformers import Trainer, TrainingArguments, set_seed
from transformers.trainer import TRAINER_STATE_NAME

from ..checkpoints.atomic import open_atomic
from ..checkpoints.folder import load_checkpoint_weights, save_checkpoint
from ..checkpoints.runs import RUN_CONFIG, last_complete_checkpoint
from ..checkpoints.sources import load_model
from ..data import FailureLog, VideoAssistCollator, build_dataset
from ..inference.hf_chat import DEFAULT_SAMPLING
from ..models.videoassist import VideoAssistForCausalLM, build
from .callbacks import FailureReportCallback
from .hf_video import HFVideoCollator, add_llm_lora
from ..errors import ConfigError
from .config import ModelSettings, TrainConfig, config_to_dict
from .stages import parameter_table, prepare_for_stage
from .worker_errors import worker_error

logger = logging.getLogger(__name__)

FAILURES_FILE = "failures.jsonl"


class VideoAssistTrainer(Trainer):
    """The Trainer, writing and reading checkpoints in VideoAssist's format (trained weights + references to the
    base models, the LoRA adapter beside them) instead of the whole model."""

    def _save(self, output_dir: str | None = None, state_dict: dict | None = None) -> None:
        if self.args.should_save:
            model = self.accelerator.unwrap_model(self.model)
            save_checkpoint(model, self.processing_class, output_dir or self.args.output_dir, state_dict)

    def _load_from_checkpoint(self, resume_from_checkpoint: str, model=None) -> None:
        load_checkpoint_weights(model if model is not None else self.model, resume_from_checkpoint)


@dataclass
class TrainResult:
    output_dir: Path
    global_step: int
    resumed_from: Path | None
    train_loss: float
    skipped_samples: dict[str, int]  # failure reason → samples


def training_arguments(config: TrainConfig, **settings) -> TrainingArguments:
    t = config.training
    return TrainingArguments(
        output_dir=config.output_dir,
        learning_rate=t.learning_rate,
        num_train_epochs=t.num_train_epochs,
        max_steps=t.max_steps,
        per_device_train_batch_size=t.per_device_train_batch_size,
        gradient_accumulation_steps=t.gradient_accumulation_steps,
        warmup_steps=t.warmup_ratio,  # below 1: a fraction of the training steps
        lr_scheduler_type=t.lr_scheduler_type,
        weight_decay=t.weight_decay,
        max_grad_norm=t.max_grad_norm,
        activation_checkpointing=t.gradient_checkpointing,  # the LLM's (and a trained vision tower's) layers
        activation_checkpointing_kwargs={"use_reentrant": False},  # gradients flow through a frozen LLM
        bf16=t.bf16,
        save_strategy="steps",
        save_steps=t.save_steps,
        save_total_limit=t.save_total_limit,
        logging_steps=t.logging_steps,
        seed=t.seed,
        dataloader_num_workers=t.dataloader_num_workers,
        dataloader_pin_memory=torch.cuda.is_available(),
        remove_unused_columns=False,  # the collator needs "messages" and "frames"
        report_to=t.report_to,
        deepspeed=config.deepspeed,
        disable_tqdm=False,  # the progress bar, also when the commands quiet transformers' notices (cli/_quiet.py)
        **settings,
    )


def load_or_build_model(settings: ModelSettings):
    """→ (model, processor): the `base` checkpoint (ours or one of transformers' video LLMs), or a new model on the
    two base models."""
    if settings.base:
        model, processor = load_model(settings.base)
    else:
        model, processor = build(settings.vision, settings.llm, **settings.architecture)
    if settings.sampling is not None and isinstance(model, VideoAssistForCausalLM):
        processor.sampling = settings.sampling_config()
    return model, processor


def training_parts(model, processor, config: TrainConfig):
    """Prepare the model for the config's stage; → (the model to train, its frame sampling, its collator, the
    Trainer class)."""
    if isinstance(model, VideoAssistForCausalLM):
        prepare_for_stage(model, config.stage, config.lora)
        collator = VideoAssistCollator(processor, config.training.max_length)
        return model, processor.sampling, collator, VideoAssistTrainer
    if config.stage != "instruct":
        raise ConfigError(config.model.base, f"a transformers video LLM trains in the instruct stage, not {config.stage}")
    sampling = config.model.sampling_config() if config.model.sampling is not None else DEFAULT_SAMPLING
    # the Trainer saves a PeftModel as its adapter, and the processor's files beside it
    return add_llm_lora(model, config.lora, config.model.base), sampling, HFVideoCollator(processor), Trainer


def resume_point(output_dir: str | Path, resume: str | Path | None) -> Path | None:
    """`resume`: "auto" (the last complete checkpoint in output_dir, if any), a checkpoint folder, or None (start
    fresh, which output_dir must allow: checkpoints of an earlier run there would be rotated away)."""
    last = last_complete_checkpoint(output_dir)
    if resume == "auto":
        return last
    if resume is None:
        if last is not None:
            raise ConfigError(output_dir, f"holds checkpoints of an earlier run ({last.name}): resume it, or choose "
                                          "another output_dir")
        return None
    if not (Path(resume) / TRAINER_STATE_NAME).is_file():
        raise ConfigError(resume, f"is not a complete training checkpoint (no {TRAINER_STATE_NAME})")
    return Path(resume)


def check_deepspeed_config(path: str) -> None:
    """Fail before training, not at the first save: the file must be JSON, and ZeRO-3 must gather the weights to
    save them (our checkpoints hold real weights, not DeepSpeed shards)."""
    try:
        settings = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ConfigError(path, "no such DeepSpeed config") from None
    except (OSError, json.JSONDecodeError) as error:
        raise ConfigError(path, f"cannot be read as JSON ({error})") from None
    zero = settings.get("zero_optimization", {})
    if zero.get("stage") == 3 and zero.get("stage3_gather_16bit_weights_on_model_save") is not True:
        raise ConfigError(path, "ZeRO-3 needs zero_optimization.stage3_gather_16bit_weights_on_model_save: true")


def process_settings(config: TrainConfig) -> dict:
    """Set up the processes before TrainingArguments; → the TrainingArguments settings that go with them.

    Without a GPU: plain runs use accelerate's CPU mode (gloo DDP under torchrun, bf16 autocast). DeepSpeed
    started without a launcher still wants a process group: it gets a group of one; and accelerate gives
    DeepSpeed no process-group backend without a GPU and counts a single process however many there are, so the
    group is made here with gloo (DeepSpeed's CPU accelerator then runs ZeRO over it) and TrainingArguments is
    told to use it.
    """
    if torch.cuda.is_available() or torch.backends.mps.is_available():
        return {}
    if not config.deepspeed:
        return {"use_cpu": True}
    if "RANK" not in os.environ:
        with socket.socket() as probe:  # a free port for the group's rendezvous
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        os.environ.update(RANK="0", LOCAL_RANK="0", WORLD_SIZE="1", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    os.environ["ACCELERATE_USE_DEEPSPEED"] = "true"  # as TrainingArguments does while it makes its state
    try:
        PartialState(backend="gloo")
    finally:
        del os.environ["ACCELERATE_USE_DEEPSPEED"]
    return {"accelerator_config": {"use_configured_state": True}}


def train(config: TrainConfig, resume: str | Path | None = "auto", callbacks=()) -> TrainResult:
    """Train as `config` says; `resume`: see resume_point; `callbacks`: more TrainerCallbacks."""
    if config.deepspeed:
        check_deepspeed_config(config.deepspeed)
    args = training_arguments(config, **process_settings(config))  # first: it sets up the processes
    output_dir = Path(config.output_dir)
    checkpoint = resume_point(output_dir, resume)
    set_seed(config.training.seed)  # new modules and LoRA adapters start the same in every process and every run
    model, processor = load_or_build_model(config.model)
    model, sampling, collator, trainer_class = training_parts(model, processor, config)
    failures = FailureLog(output_dir / FAILURES_FILE)
    dataset = build_dataset(config.data, sampling, failures, seed=config.training.seed)
    if not hasattr(dataset, "__len__") and config.training.max_steps <= 0:
        raise ConfigError(config.data[0].path, "is streamed (webdataset shards): set training.max_steps")
    if args.should_save:
        output_dir.mkdir(parents=True, exist_ok=True)
        with open_atomic(output_dir / RUN_CONFIG) as file:
            file.write(yaml.safe_dump(config_to_dict(config), sort_keys=False))
    if args.should_log:
        logger.info("stage %s, trainable parameters:\n%s", config.stage, parameter_table(model))
        if checkpoint is not None:
            logger.info("resuming from %s", checkpoint)
    trainer = trainer_class(
        model=model,
        args=args,
        train_dataset=dataset,
        data_collator=collator,
        processing_class=processor,
        callbacks=[FailureReportCallback(failures.path), *callbacks],
    )
    try:
        output = trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    except Exception as error:
        rebuilt = worker_error(error)
        if rebuilt is None:
            raise
        raise rebuilt from error  # the one-line error the worker raised; --debug shows the worker's traceback
    trainer.save_model(str(output_dir))  # every process: under ZeRO-3 the weights are gathered first
    if args.should_log:
        logger.info("trained %d steps (loss %.4f); model saved to %s", output.global_step, output.training_loss,
                    output_dir)
    return TrainResult(
        output_dir=output_dir,
        global_step=output.global_step,
        resumed_from=checkpoint,
        train_loss=output.training_loss,
        skipped_samples=FailureLog.read(failures.path).counts,
    )


__all__ = ["train", "TrainResult", "VideoAssistTrainer", "training_arguments", "load_or_build_model"]
