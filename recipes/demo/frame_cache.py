"""The data step of stage 0: decode each synthetic clip once, as inference will, and keep it with its targets.

For every clip of a synthetic dataset (`python -m data_tools synth` output) the cache holds one file
`<cache>/<split>/<id>.npz` with
    frames   uint8 [T, S, S, 3]  the T evenly spaced frames `videoassist.video.sample_frames` picks, decoded from
                                 the H.264 file and resized like the video processor (tower.resize_uint8)
    tables   float32 [T, 24, 5]  the pair table of each of those frames (targets.pair_tables), exact ground truth
    indices  int64 [T]           the frame indices sampled
Each file is written beside its name and renamed, so an interrupted run resumes by skipping the files present.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from data_tools.synth.world import Clip
from videoassist.checkpoints.atomic import open_atomic
from videoassist.errors import DataError
from videoassist.video import sample_frames
from .settings import FrameSettings
from .targets import pair_tables
from .tower import image_processor, resize_uint8


def ground_truth(world: Path) -> list[dict]:
    path = Path(world) / "ground_truth.jsonl"
    try:
        with open(path, encoding="utf-8") as file:
            return [json.loads(line) for line in file if line.strip()]
    except (OSError, json.JSONDecodeError) as error:
        raise DataError(path, f"cannot read the ground truth ({error})") from error


def decode_clip(world: Path, record: dict, frames: FrameSettings) -> dict[str, np.ndarray]:
    """One clip's cache entry (see the module docstring)."""
    sampled = sample_frames(Path(world) / record["video"], num_frames=frames.num_frames)
    return {
        "frames": resize_uint8(image_processor(frames), sampled.frames),
        "tables": pair_tables(Clip.from_record(record), sampled.indices),
        "indices": np.asarray(sampled.indices, np.int64),
    }


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with open_atomic(path, "wb") as file:
        np.savez(file, **arrays)


def cache_path(cache: Path, record: dict) -> Path:
    return Path(cache) / record["split"] / f"{record['id']}.npz"


def build_cache(world: Path, cache: Path, frames: FrameSettings, splits: tuple[str, ...] | None = None,
                progress: bool = True) -> int:
    """Decode every clip of `world` (of `splits`; None: all) not yet in `cache`; returns how many were written."""
    records = [r for r in ground_truth(world) if splits is None or r["split"] in splits]
    todo = [r for r in records if not cache_path(cache, r).is_file()]
    for split in {r["split"] for r in todo}:
        (Path(cache) / split).mkdir(parents=True, exist_ok=True)
    for record in tqdm(todo, desc=f"cache {Path(world).name}", unit="clip", disable=not progress):
        _write_npz(cache_path(cache, record), decode_clip(world, record, frames))
    return len(todo)


@dataclass
class CachedSplit:
    """All clips of one split in memory: frames uint8 [N, T, S, S, 3], tables float32 [N, T, 24, 5]."""

    ids: list[str]
    frames: np.ndarray
    tables: np.ndarray
    indices: np.ndarray


def _entries(cache: Path, split: str, records: list[dict]) -> Iterator[tuple[str, dict]]:
    for record in records:
        path = cache_path(cache, record)
        try:
            with np.load(path, allow_pickle=False) as data:
                yield record["id"], {key: data[key] for key in ("frames", "tables", "indices")}
        except (OSError, ValueError, KeyError) as error:
            raise DataError(path, f"cannot read the cached clip ({error}); delete it and rerun the data step") \
                from error


def load_split(world: Path, cache: Path, split: str, progress: bool = True) -> CachedSplit:
    """The cached clips of `split`, in ground-truth order; every clip of the split must be cached."""
    records = [r for r in ground_truth(world) if r["split"] == split]
    if not records:
        raise DataError(Path(world) / "ground_truth.jsonl", f"no clip in split {split!r}")
    missing = [r["id"] for r in records if not cache_path(cache, r).is_file()]
    if missing:
        raise DataError(Path(cache) / split, f"{len(missing)} clips not cached (first {missing[0]}): "
                                             "run the data step first")
    ids, frames, tables, indices = [], [], [], []
    entries = tqdm(_entries(cache, split, records), total=len(records), desc=f"load {split}", unit="clip",
                   disable=not progress)
    for clip_id, entry in entries:
        ids.append(clip_id)
        frames.append(entry["frames"])
        tables.append(entry["tables"])
        indices.append(entry["indices"])
    return CachedSplit(ids, np.stack(frames), np.stack(tables), np.stack(indices))
