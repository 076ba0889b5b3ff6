"""A captioning batch: skip what is already recorded, caption the rest with a progress bar, count the outcome."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tqdm import tqdm

from .results import OK, VideoCaptions


@dataclass
class BatchSummary:
    ok: int = 0
    failed: int = 0
    skipped: int = 0  # already in the output (--resume)

    def exit_code(self, strict: bool) -> int:
        """0 unless a video failed under --strict, or every video tried failed."""
        return 1 if self.failed and (strict or not self.ok) else 0

    def line(self) -> str:
        return f"{self.ok} ok, {self.failed} failed, {self.skipped} skipped"


def run_batch(caption: Callable[[list[str]], Iterable[VideoCaptions]], videos: list[str], results,
              progress: bool = True) -> BatchSummary:
    """Caption every video of `videos` not yet in `results` with `caption` (an engine's `run`: the videos in, one
    result per video out, in any order), appending each result as soon as it is ready."""
    done = results.done_paths()
    todo = [video for video in videos if video not in done]
    summary = BatchSummary(skipped=len(videos) - len(todo))
    started = time.perf_counter()
    with tqdm(total=len(todo), unit="video", file=sys.stderr, disable=not progress, dynamic_ncols=True) as bar:
        for result in caption(todo):
            results.append(result)
            if result.status == OK:
                summary.ok += 1
            else:
                summary.failed += 1
                bar.write(f"failed: {result.error}", file=sys.stderr)
            per_minute = (summary.ok + summary.failed) / (time.perf_counter() - started) * 60
            bar.set_postfix_str(f"{per_minute:.1f} videos/min, {summary.failed} failed", refresh=False)
            bar.update()
    return summary
