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
"""

from .build import DataSpec, build_dataset
from .collator import VideoAssistCollator
from .datasets import MixedDataset, VideoConversationDataset
from .failures import FailureLog
from .records import Sample, read_records
from .shards import ShardDataset, write_shards

__all__ = [
    "Sample",
    "read_records",
    "DataSpec",
    "build_dataset",
    "VideoConversationDataset",
    "MixedDataset",
    "ShardDataset",
    "write_shards",
    "VideoAssistCollator",
    "FailureLog",
]
