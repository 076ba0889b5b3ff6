"""Settings of a captioning run (light: the CLI reads them without importing torch)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PROMPT = "Describe this video."
OUTPUT_FORMATS = ("jsonl", "csv", "parquet", "srt", "vtt")
SUBTITLE_FORMATS = ("srt", "vtt")


@dataclass
class CaptionSettings:
    prompt: str = DEFAULT_PROMPT
    segment_seconds: float | None = None  # None: one caption for the whole video
    num_frames: int | None = None  # per video, or per segment; None (and no fps): the model's default sampling
    fps: float | None = None
    max_frames: int | None = None  # cap per video, or per segment
    max_new_tokens: int = 128
    temperature: float = 0.0
    prefetch: int = 2  # videos decoded ahead of the one being generated for
