"""Cache of a video's vision features, so a second question about the same video neither decodes nor encodes it.

Keyed by (file content hash, sampling settings, the model's vision tower or name): a renamed copy of a file hits the cache, an edited
file does not. Kept in memory, least recently used first out.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path


def file_digest(path: str | Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class CachedVideo:
    features: object  # what the model's ChatModel.encode made of the frames (our model: its VisionFeatures)
    timestamps: list[float]
    frames: object  # the sampled RGB frames [T, H, W, 3], for display (the app's frame strip)


class FeatureCache:
    def __init__(self, capacity: int = 16):
        self.capacity = capacity
        self._entries: OrderedDict[tuple, CachedVideo] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> CachedVideo | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: CachedVideo) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
