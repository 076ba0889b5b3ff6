"""WebDataset shards: writing them from a Valley/LLaVA JSON, and streaming them back as training items.

A shard is a tar of samples; a sample is `<key>.json` (the original record, with its `id`) and, unless the
record is text only, `<key>.<ext>` holding the video (or image) file's bytes as they were (`.mp4` for MP4). The key
is the record's index in the JSON file (record ids may hold dots or slashes, which WebDataset keys may not).
`index.json` beside the shards lists each shard's sample count. A shard is written as `….tar.partial` and renamed
when complete, so a killed run leaves no truncated `.tar`, and `resume=True` goes on after the last record of the
last complete shard.

ShardDataset reads any URL or brace pattern WebDataset accepts (local files, `pipe:` commands, http, object
stores). Shards are split between ranks (`split_by_node`) and DataLoader workers (`split_by_worker`), so give at
least (ranks × workers) shards; with uneven shard sizes across ranks use `resampled=True` and the Trainer's
`max_steps` (an endless stream, shards drawn at random per rank), or ranks run out of data at different times.
"""

from __future__ import annotations

import json
import os
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
import webdataset as wds

from videoassist.errors import DataError, VideoError
from videoassist.video import SamplingConfig, VideoLimits, probe

from .datasets import load_frames
from .failures import FailureLog
from .records import load_records, sample_from_record

SHARD_PATTERN = "shard-%06d.tar"
INDEX_NAME = "index.json"
_PARTIAL = ".partial"


@dataclass
class ShardReport:
    written: int = 0  # samples written by this run
    shards: list[dict] = field(default_factory=list)  # {"name", "count"} per shard, in order
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (id, video, problem)


def write_shards(
    json_path: str | os.PathLike,
    video_root: str | os.PathLike | None,
    out_dir: str | os.PathLike,
    max_count: int = 1000,
    on_skip: Callable[[str, str, str], None] | None = None,
    progress: bool = False,
    resume: bool = False,
    mapper: Callable[[Callable[[dict], dict], list[dict]], Iterable[dict]] = map,
) -> ShardReport:
    """Write every usable record of `json_path` into shards of at most `max_count` samples in `out_dir`.

    Every record is parsed first: a malformed one raises DataError before anything is written. A record whose
    video is missing or does not probe (videoassist.video.probe) is skipped: `on_skip(id, video, problem)` is
    called and it is listed in the report. `resume`: keep the complete shards already in `out_dir` and go on from
    the record after their last one (without it, a folder that holds shards is refused). `mapper(shard_member,
    jobs)` reads the videos and must give the members back in the jobs' order: `map` here, Ray tasks with
    data_tools/ray_shards.py.
    """
    from tqdm import tqdm

    json_path, out = Path(json_path), Path(out_dir)
    root = Path(video_root) if video_root is not None else json_path.parent
    records = load_records(json_path)
    samples = [sample_from_record(record, index, root, json_path) for index, record in enumerate(records)]
    out.mkdir(parents=True, exist_ok=True)
    if any(out.glob("shard-*.tar")) and not resume:
        raise DataError(out, "already holds shards: resume them (--resume) or choose an empty folder")
    report = ShardReport()
    report.shards, start = _completed_shards(out) if resume else ([], 0)

    writer = wds.ShardWriter(str(out / (SHARD_PATTERN + _PARTIAL)), maxcount=max_count, verbose=0, encoder=False,
                             start_shard=len(report.shards))

    def completed(partial_name: str) -> None:  # called as each shard closes, while writer.count is still its count
        final = partial_name[: -len(_PARTIAL)]
        os.replace(partial_name, final)
        report.shards.append({"name": Path(final).name, "count": writer.count})

    writer.post = completed
    jobs = [{"index": index, "id": sample.id, "video": str(sample.video or ""),
             "record": json.dumps({**records[index], "id": sample.id}, ensure_ascii=False)}
            for index, sample in enumerate(samples) if index >= start]
    with writer:
        for member in tqdm(mapper(shard_member, jobs), total=len(jobs), desc="shards", unit="record",
                           disable=not progress):
            if member["problem"]:
                report.skipped.append((member["id"], member["video"], member["problem"]))
                if on_skip is not None:
                    on_skip(member["id"], member["video"], member["problem"])
                continue
            entry = {"__key__": member["key"], "json": member["json"]}
            if member["extension"]:
                entry[member["extension"]] = member["media"]
            writer.write(entry)
            report.written += 1
    index = {"source": str(json_path), "total": sum(shard["count"] for shard in report.shards),
             "shards": report.shards}
    temporary = out / (INDEX_NAME + _PARTIAL)
    temporary.write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, out / INDEX_NAME)
    return report


def shard_member(job: dict) -> dict:
    """One record's shard sample (any process: a Ray task's too). `job`: {"index", "record" (its JSON text), "id",
    "video" (the media path, "" for a text-only record)} → the job with "key", "json" (bytes), "extension" and
    "media" (the file's bytes; "" and b"" for text only), and "problem" ("" unless the video is missing or does not
    probe, when it says why)."""
    member = {**job, "key": f"{job['index']:09d}", "json": job["record"].encode("utf-8"), "extension": "",
              "media": b"", "problem": ""}
    if job["video"]:
        video = Path(job["video"])
        try:
            probe(video)
            member["extension"], member["media"] = media_extension(video), video.read_bytes()
        except (VideoError, OSError) as error:
            member["problem"] = error.problem if isinstance(error, VideoError) else str(error)
    return member


def _completed_shards(out: Path) -> tuple[list[dict], int]:
    """The complete shards in `out` ({"name", "count"}) and the index of the record to go on from."""
    for partial in out.glob(f"*{_PARTIAL}"):  # cut short by a kill
        partial.unlink()
    shards, next_record = [], 0
    for path in sorted(out.glob("shard-*.tar")):
        with tarfile.open(path) as tar:
            keys = [int(name.split(".", 1)[0]) for name in tar.getnames() if name.endswith(".json")]
        shards.append({"name": path.name, "count": len(keys)})
        next_record = max([next_record, *(key + 1 for key in keys)])
    return shards, next_record


def media_extension(path: Path) -> str:
    """The tar member extension for a media file: its own suffix, lower case (`mp4` for `clip.MP4`)."""
    extension = path.suffix.lower().lstrip(".")
    if not extension or extension == "json":
        raise VideoError(path, "has no video or image file extension")
    return extension


def shard_urls(location: str | os.PathLike | list[str]) -> tuple[str | list[str], int | None]:
    """(what WebDataset opens, the number of samples when index.json says) for a shard folder, a list of URLs, a
    brace pattern or a URL."""
    if isinstance(location, list):
        return location, None
    folder = Path(location)
    if not folder.is_dir():
        return str(location), None
    shards = sorted(str(path) for path in folder.glob("shard-*.tar"))
    if not shards:
        raise DataError(folder, "holds no shard-*.tar files")
    index_file = folder / INDEX_NAME
    total = json.loads(index_file.read_text(encoding="utf-8"))["total"] if index_file.exists() else None
    return shards, total


class ShardDataset(torch.utils.data.IterableDataset):
    """Items `{"id", "messages", "frames", "timestamps"}` (as VideoConversationDataset's) streamed from WebDataset shards written by `write_shards`.

    Media bytes go to a temporary file (removed at once) for videoassist.video to sample. A sample that cannot be
    decoded, a malformed record or an unreadable shard goes to the failure log and is skipped. `shuffle` > 0
    shuffles shards and then samples in a buffer of that size (deterministic for `seed`, different each epoch).
    `num_samples`: the total in the folder's index.json (None when unknown), e.g. to choose `max_steps`.
    """

    def __init__(self, urls: str | os.PathLike | list[str], sampling: SamplingConfig | None = None,
                 failure_log: FailureLog | None = None, limits: VideoLimits | None = None, shuffle: int = 0,
                 seed: int = 0, resampled: bool = False):
        self.urls, self.num_samples = shard_urls(urls)
        self.sampling = sampling or SamplingConfig()
        self.failure_log = failure_log if failure_log is not None else FailureLog()
        self.limits = limits
        self.shuffle = shuffle
        self.seed = seed
        self.resampled = resampled

    def __iter__(self) -> Iterator[dict]:
        stream = wds.WebDataset(
            self.urls,
            handler=self._skip_shard,
            resampled=self.resampled,
            shardshuffle=False if self.resampled or not self.shuffle else self.shuffle,
            detshuffle=True,
            nodesplitter=wds.split_by_node,
            workersplitter=wds.split_by_worker,
            empty_check=False,
            seed=self.seed,
        )
        if self.shuffle:
            stream = stream.shuffle(self.shuffle, seed=self.seed)
        for raw in stream:
            item = self._decode(raw)
            if item is not None:
                yield item

    def _decode(self, raw: dict) -> dict | None:
        where = f"{raw.get('__url__', 'shard')}#{raw['__key__']}"
        try:
            if "json" not in raw:
                raise DataError(where, "has no .json record")
            sample = sample_from_record(json.loads(raw["json"]), 0, None, where)
        except (DataError, ValueError) as error:
            self.failure_log.record(raw["__key__"], where, "bad record", str(error))
            return None
        media = [key for key in raw if key != "json" and not key.startswith("__")]
        sampled = None
        if media:
            try:
                sampled = self._sampled(raw[media[0]], media[0])
            except VideoError as error:
                self.failure_log.record(sample.id, f"{where}.{media[0]}", "unreadable", error.problem)
                return None
        return {"id": sample.id, "messages": sample.messages, "frames": sampled and sampled.frames,
                "timestamps": sampled and sampled.timestamps}

    def _sampled(self, data: bytes, extension: str):
        with tempfile.NamedTemporaryFile(suffix=f".{extension}") as handle:
            handle.write(data)
            handle.flush()
            return load_frames(Path(handle.name), self.sampling, self.limits)

    def _skip_shard(self, error: Exception) -> bool:
        self.failure_log.record("shard", None, "unreadable shard", " ".join(str(error).split()))
        return True  # go on with the next shard
