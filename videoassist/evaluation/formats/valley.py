"""`valley`: Valley-format conversations with reference replies (the synthetic world's eval files), items.py."""

from __future__ import annotations

from pathlib import Path

from videoassist.data import read_records

from ..items import EvalItem, eval_items
from .registry import REFERENCE, BenchmarkFormat


class Valley(BenchmarkFormat):
    name = "valley"
    kind = REFERENCE

    def read(self, data: Path, video_root: Path | None) -> list[EvalItem]:
        return eval_items(read_records(data, video_root))
