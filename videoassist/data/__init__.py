"""Training data: Valley / LLaVA JSON and WebDataset shards → conversations with frames → batches.

    from videoassist.data import DataSpec, build_dataset, VideoAssistCollator, FailureLog
    log = FailureLog("out/failures.jsonl")
    dataset = build_dataset([DataSpec("pretrain.json", video_root="videos")], processor.sampling, log)
    collator = VideoAssistCollator(processor, max_length=2048)     # → Trainer(train_dataset=…, data_collator=…)

One module per job:
    records   the JSON formats → Sample (id, messages, video)
    datasets  VideoConversationDataset (frames per sample, bad videos skipped) and MixedDataset (weighted mix)
    shards    write_shards and ShardDataset (WebDataset, split by rank and worker)
    build     DataSpec and build_dataset
    collator  VideoAssistCollator (processor + text-only truncation)
    failures  FailureLog (one JSON line per skipped sample)
    captions  import_captions (a folder of clips and its captions CSV/JSONL → Valley JSON)
"""

import importlib

# Public names load lazily, like the package root's: the data tools that only read records (validate,
# import-clips) do not pay for importing torch and transformers.
_EXPORTS = {
    "Sample": "records",
    "read_records": "records",
    "DataSpec": "build",
    "build_dataset": "build",
    "VideoConversationDataset": "datasets",
    "MixedDataset": "datasets",
    "ShardDataset": "shards",
    "write_shards": "shards",
    "VideoAssistCollator": "collator",
    "FailureLog": "failures",
    "import_captions": "captions",
}
__all__ = list(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
