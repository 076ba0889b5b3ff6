"""Training: stage 1 (alignment) and stage 2 (instruction tuning, full or LoRA) with the Hugging Face Trainer.

One module, one job:
    config      the YAML training config → TrainConfig (model, data, stage, lora, training, deepspeed)
    stages      what trains in each stage; trainable parameter counts
    lora        LoRA adapters on the LLM through PEFT: add, save, attach, merge
    checkpoint  checkpoints in VideoAssist's format, written atomically; resuming
    callbacks   the Trainer callback that reports skipped samples
    trainer     train(config): model + data + TrainingArguments → Trainer → checkpoint
    merge       a standalone checkpoint with the adapters folded in
    finetune    one command from a folder of clips to a LoRA checkpoint

Import from the modules (`from videoassist.training.trainer import train`): loading a LoRA checkpoint for
inference needs only `lora`, without the Trainer.
"""
