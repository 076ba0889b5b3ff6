"""What captioning one video gives: its captions (one per time segment) or the reason it failed."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

OK, FAILED = "ok", "failed"


@dataclass
class SegmentCaption:
    start_s: float
    end_s: float
    caption: str
    timestamps: list[float]  # the frames the model saw, seconds from the start of the video


@dataclass
class VideoCaptions:
    path: str
    status: str  # OK or FAILED
    segments: list[SegmentCaption] = field(default_factory=list)
    seconds: float = 0.0  # decoding, encoding and generating this video
    error: str | None = None

    @classmethod
    def failure(cls, path: str, error: BaseException, seconds: float = 0.0) -> "VideoCaptions":
        # A VideoError already reads "<path>: <problem>"; anything else gets its type name, on one line.
        message = " ".join(str(error).split()) or type(error).__name__
        if not message.startswith(path):
            message = f"{path}: {type(error).__name__}: {message}"
        return cls(path, FAILED, seconds=seconds, error=message)

    def to_json(self) -> str:
        """All of it (segments included) as JSON text: how a result travels between processes (the Ray engine)."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "VideoCaptions":
        fields = json.loads(text)
        return cls(**{**fields, "segments": [SegmentCaption(**segment) for segment in fields["segments"]]})

    @property
    def caption(self) -> str:
        return " ".join(segment.caption for segment in self.segments)

    @property
    def timestamps(self) -> list[float]:
        return [t for segment in self.segments for t in segment.timestamps]

    def record(self) -> dict:
        """The per-video record of the jsonl and csv outputs (and of the subtitles' progress file)."""
        return {
            "path": self.path,
            "status": self.status,
            "caption": self.caption if self.status == OK else None,
            "timestamps": [round(t, 3) for t in self.timestamps],
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }
