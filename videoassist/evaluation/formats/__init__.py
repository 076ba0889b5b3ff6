"""Benchmark file layouts → evaluation items: one module per published format, registered here by name.

    valley          Valley conversations with reference replies (the synthetic world's eval files)
    mvbench         MVBench: json/<task>.json + video/<task folder>/, multiple choice
    videomme        Video-MME: the parquet (or JSON) rows + data/<videoID>.mp4, multiple choice, short/medium/long
    msvd_qa, msrvtt_qa, activitynet_qa
                    test_q.json + test_a.json (Video-ChatGPT / Video-LLaVA / ActivityNet-QA), open-ended

How to add a format: a module here with a `registry.BenchmarkFormat` subclass (`name`, `kind`, and `read(data,
video_root)` returning `items.EvalItem`s, DataError naming the file on bad input), and one `register_format` line
below. `videoassist eval --format NAME` then reads it, and scoring, resuming and the report are the same as for
every other format.
"""

from .mvbench import MVBench
from .registry import CHOICE, OPEN, REFERENCE, BenchmarkFormat, format_names, get_format, register_format
from .valley import Valley
from .videomme import VideoMME
from .zero_shot_qa import ACTIVITYNET_TYPES, ZeroShotQA

register_format(Valley())
register_format(MVBench())
register_format(VideoMME())
register_format(ZeroShotQA("msvd_qa"))
register_format(ZeroShotQA("msrvtt_qa"))
register_format(ZeroShotQA("activitynet_qa", video_prefix="v_", type_names=ACTIVITYNET_TYPES))

__all__ = ["CHOICE", "OPEN", "REFERENCE", "BenchmarkFormat", "format_names", "get_format", "register_format"]
