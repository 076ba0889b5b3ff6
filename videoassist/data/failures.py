"""FailureLog: every sample that could not be used, one JSON line each, written the moment it happens.

Training never stops for a bad video; it records it here and moves on. Each record() opens the file in append
mode, writes one line and closes it, so a crash loses nothing, and DataLoader workers (each with its own copy of
the log) can append to the same file: small appends are atomic on POSIX. Counts are over distinct
(sample, video, reason), so a sample seen again in the next epoch or by another worker counts once; read the
whole run's summary back with `FailureLog.read(path)`.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter
from pathlib import Path

logger = logging.getLogger(__name__)


class FailureLog:
    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else None
        self.entries: list[dict] = []

    def record(self, sample_id: str, video_path: str | os.PathLike | None, reason: str, detail: str = "") -> None:
        """Note that `sample_id` was skipped for `reason` (a short category: "missing", "unreadable", ...)."""
        entry = {"id": str(sample_id), "video": None if video_path is None else str(video_path), "reason": reason,
                 "detail": detail, "pid": os.getpid(), "time": round(time.time(), 3)}
        self.entries.append(entry)
        logger.warning("skipped sample %s (%s): %s", sample_id, reason, detail or video_path)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
                handle.flush()

    @property
    def counts(self) -> dict[str, int]:
        """Distinct failed samples per reason."""
        distinct = {(e["id"], e["video"], e["reason"]) for e in self.entries}
        return dict(Counter(reason for _, _, reason in distinct))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """One line: "3 samples skipped (missing 2, unreadable 1)" or "no samples skipped"."""
        if not self.total:
            return "no samples skipped"
        parts = ", ".join(f"{reason} {count}" for reason, count in sorted(self.counts.items()))
        return f"{self.total} sample{'s' if self.total != 1 else ''} skipped ({parts})"

    @classmethod
    def read(cls, path: str | os.PathLike) -> "FailureLog":
        """The log written at `path` by every process of a run (an absent file is an empty log; a last line cut
        short by a crash is ignored). Further record() calls append to the same file."""
        log = cls(path)
        if log.path.exists():
            for line in log.path.read_text(encoding="utf-8").splitlines():
                try:
                    log.entries.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return log
