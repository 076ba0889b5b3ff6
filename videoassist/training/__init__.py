"""Training: stage 1 (alignment) and stage 2 (instruction tuning, full or LoRA) with the Hugging Face Trainer.

One module, one job:
    config      the YAML training config → TrainConfig (model, data, stage, lora, training, deepspeed)
    stages      what trains in each stage; trainable parameter counts
    lora        fresh LoRA adapters on the LLM through PEFT (or a saved one made trainable again)
    callbacks   the Trainer callback that reports skipped samples
    trainer     train(config): model + data + TrainingArguments → Trainer → checkpoint
    finetune    one command from a folder of clips to a LoRA checkpoint
Checkpoints (writing, resuming, LoRA adapters in them, merging, loading by name) are videoassist.checkpoints,
which inference uses without this package.

Import from the modules (`from videoassist.training.trainer import train`).
"""
