"""Where results go, one video at a time, so that a killed batch loses at most the video in flight.

Every record is written whole, flushed and fsync'ed before the next video starts. `--resume` reads back the videos
already recorded (ok or failed: each video is recorded exactly once) and cuts off an incomplete last record, the
only damage an interrupted append can leave; damage anywhere else is reported, never silently removed.

- jsonl / csv: one record per video in the output file.
- parquet: a folder of Parquet shards (part-000000.parquet, …) of the jsonl records, for runs too large for one
  file; the records are appended to its pending.jsonl first, as above, and every SHARD_ROWS of them become a part.
- srt / vtt: one subtitle file per video, written atomically (temporary file, then rename), plus a progress file
  of jsonl records that says which videos are done (OUTPUT.progress.jsonl beside one file, OUTPUT/progress.jsonl
  in a folder).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from abc import ABC, abstractmethod
from pathlib import Path

from ..checkpoints.atomic import atomic_write, open_atomic
from ..errors import DataError, one_line
from .results import OK, VideoCaptions
from .subtitles import RENDERERS

NEW, RESUME, OVERWRITE = "new", "resume", "overwrite"


def fsync_append(handle, text: str) -> None:
    handle.write(text)
    handle.flush()
    os.fsync(handle.fileno())


class RecordFile(ABC):
    """An append-only file of one record per video."""

    def __init__(self, path: str | os.PathLike, mode: str = NEW):
        self.path = Path(path)
        existing = self.path.is_file() and self.path.stat().st_size > 0
        if existing and mode == NEW:
            raise DataError(self.path, "already exists: pass --resume to continue it or --overwrite to start again")
        self.records = self._recover() if existing and mode == RESUME else []
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "a" if mode == RESUME else "w", encoding="utf-8", newline="")
        except OSError as error:
            raise DataError(self.path, f"cannot be written ({error.strerror})") from None

    def done_paths(self) -> set[str]:
        return {record["path"] for record in self.records}

    def append(self, result: VideoCaptions) -> None:
        record = result.record()
        header = self.header() if self._handle.tell() == 0 else ""  # written with the first record, not before
        fsync_append(self._handle, header + self.serialise(record))
        self.records.append(record)

    def close(self) -> None:
        self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _recover(self) -> list[dict]:
        """The records already in the file; an incomplete last record is cut off (with a warning)."""
        data = self.path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            if data.find(b"\n", error.start) >= 0:  # a kill can cut a character in the last record, never earlier
                raise DataError(self.path, f"is not UTF-8 text (byte {error.start})") from None
            text = data[: error.start].decode("utf-8")
        records, complete = self.parse(text)
        cut = len(text[:complete].encode("utf-8"))
        if cut < len(data):
            print(f"warning: {self.path}: removed an incomplete last record ({len(data) - cut} bytes) left by an "
                  "interrupted run", file=sys.stderr)
            with open(self.path, "r+b") as handle:
                handle.truncate(cut)
                os.fsync(handle.fileno())
        return records

    def header(self) -> str:
        return ""

    @abstractmethod
    def serialise(self, record: dict) -> str: ...

    @abstractmethod
    def parse(self, text: str) -> tuple[list[dict], int]:
        """→ (the complete records, the number of characters they take); DataError for damage before the end."""


class JsonlFile(RecordFile):
    def serialise(self, record: dict) -> str:
        return json.dumps(record, ensure_ascii=False) + "\n"

    def parse(self, text: str) -> tuple[list[dict], int]:
        lines = text.split("\n")  # not splitlines(): JSON text may hold U+2028 and friends unescaped
        records, complete = [], 0
        for number, line in enumerate(lines[:-1], 1):  # lines[-1] follows the last newline: incomplete or ""
            complete += len(line) + 1
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise DataError(self.path, f"line {number} is not valid JSON; fix or remove it") from None
            if not isinstance(record, dict) or "path" not in record:
                raise DataError(self.path, f"line {number} is not a caption record (no path)")
            records.append(record)
        return records, complete


class CsvFile(RecordFile):
    COLUMNS = ["path", "status", "caption", "timestamps", "seconds", "error"]

    @staticmethod
    def row_text(row: list[str]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer).writerow(row)
        return buffer.getvalue()

    def header(self) -> str:
        return self.row_text(self.COLUMNS)

    def serialise(self, record: dict) -> str:
        return self.row_text([
            record["path"],
            record["status"],
            record["caption"] or "",
            " ".join(f"{t:.3f}" for t in record["timestamps"]),
            f"{record['seconds']:.3f}",
            record["error"] or "",
        ])

    def parse(self, text: str) -> tuple[list[dict], int]:
        header = self.header()
        if not text.startswith(header):
            if header.startswith(text):  # killed while writing the header
                return [], 0
            raise DataError(self.path, f"is not a caption CSV (its header is not {header.strip()!r})")
        # A row is complete when writing it again gives exactly the text that follows: this finds the end of the
        # last whole row even when captions hold quotes, commas and newlines.
        rows = list(csv.reader(io.StringIO(text[len(header):], newline="")))
        records, complete = [], len(header)
        for index, row in enumerate(rows):
            written = self.row_text(row)
            if len(row) != len(self.COLUMNS) or not text.startswith(written, complete):
                if index < len(rows) - 1:  # only the last row can be incomplete
                    raise DataError(self.path, f"row {index + 2} is damaged; fix or remove it")
                break
            records.append(dict(zip(self.COLUMNS, row)))
            complete += len(written)
        return records, complete


class SubtitleFiles:
    """One .srt/.vtt file per video: OUTPUT itself for one video (OUTPUT ends with .srt/.vtt), else OUTPUT/<name>."""

    def __init__(self, output: str | os.PathLike, videos: list[str], subtitle_format: str, mode: str = NEW):
        self.output = Path(output)
        self.format = subtitle_format
        self.single = self.output.suffix.lower() == f".{subtitle_format}"
        if self.single and len(videos) > 1:
            raise DataError(self.output, f"is one file but there are {len(videos)} videos: give a folder as --output")
        if self.single and mode == NEW and self.output.exists():
            raise DataError(self.output, "already exists: pass --resume to continue it or --overwrite to start again")
        if self.single:
            self.names = {video: self.output for video in videos}
            progress = self.output.with_name(self.output.name + ".progress.jsonl")
        else:
            self.names = subtitle_names(self.output, videos, subtitle_format)
            progress = self.output / "progress.jsonl"
        self.progress = JsonlFile(progress, mode)

    def done_paths(self) -> set[str]:
        return self.progress.done_paths()

    def append(self, result: VideoCaptions) -> None:
        if result.status == OK:
            with open_atomic(self.names[result.path]) as file:
                file.write(RENDERERS[self.format](result.segments))
        self.progress.append(result)

    def close(self) -> None:
        self.progress.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class ParquetShards:
    """OUTPUT/part-NNNNNN.parquet: the per-video records (the jsonl columns), SHARD_ROWS a part, readable by any
    Parquet reader (`pandas.read_parquet(OUTPUT)`, `ray.data.read_parquet`, DuckDB). Each record is first appended
    to OUTPUT/pending.jsonl (durable at once, as a jsonl output); a full pending file becomes the next part, written
    whole and renamed into place, and then starts again; the last records become a smaller part at the end of the
    run. A kill between the rename and the restart leaves the records in both places: resume drops the pending
    copy."""

    SHARD_ROWS = 10_000

    def __init__(self, output: str | os.PathLike, mode: str = NEW, shard_rows: int = SHARD_ROWS):
        import pyarrow as pa  # streamlit's dependency, so always installed with videoassist

        self.output, self.shard_rows = Path(output), shard_rows
        self.schema = pa.schema([("path", pa.string()), ("status", pa.string()), ("caption", pa.string()),
                                 ("timestamps", pa.list_(pa.float64())), ("seconds", pa.float64()),
                                 ("error", pa.string())])
        parts, pending = sorted(self.output.glob("part-*.parquet")), self.output / "pending.jsonl"
        if (parts or pending.exists()) and mode == NEW:
            raise DataError(self.output, "already holds captions: pass --resume to continue them or --overwrite to "
                            "start again")
        if mode == OVERWRITE:
            for part in parts:
                part.unlink()
            parts = []
        self.parts = len(parts)
        self.shard_paths = {path for part in parts for path in self._read(part).column("path").to_pylist()}
        self.pending = JsonlFile(pending, mode)
        if self.pending.done_paths() & self.shard_paths:  # killed after the part was renamed into place
            self.pending.close()
            self.pending = JsonlFile(pending, OVERWRITE)

    def _read(self, part: Path):
        import pyarrow.parquet as pq

        try:
            return pq.read_table(part, columns=["path"])
        except Exception as error:  # pyarrow's errors have no common base class
            raise DataError(part, f"is not a readable Parquet file ({one_line(error)})") from None

    def done_paths(self) -> set[str]:
        return self.shard_paths | self.pending.done_paths()

    def append(self, result: VideoCaptions) -> None:
        self.pending.append(result)
        if len(self.pending.records) >= self.shard_rows:
            self._roll()

    def _roll(self) -> None:
        """The pending records → the next part; pending starts again."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        records = self.pending.records
        with atomic_write(self.output / f"part-{self.parts:06d}.parquet") as scratch:
            pq.write_table(pa.Table.from_pylist(records, schema=self.schema), scratch)
        self.parts += 1
        self.shard_paths.update(record["path"] for record in records)
        self.pending.close()
        self.pending = JsonlFile(self.pending.path, OVERWRITE)

    def close(self) -> None:
        if self.pending.records:
            self._roll()
        self.pending.close()
        self.pending.path.unlink(missing_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def subtitle_names(folder: Path, videos: list[str], suffix: str) -> dict[str, Path]:
    """folder/<video name>.<suffix>; a name taken by an earlier video gets -2, -3, … (stable for the same inputs)."""
    names, taken = {}, set()
    for video in videos:
        stem, count = Path(video).stem, 1
        while (name := stem if count == 1 else f"{stem}-{count}") in taken:
            count += 1
        taken.add(name)
        names[video] = folder / f"{name}.{suffix}"
    return names


def open_results(output: str, output_format: str, videos: list[str], mode: str):
    """The writer for `output_format`: a RecordFile (jsonl, csv), ParquetShards or SubtitleFiles (srt, vtt)."""
    if output_format in RENDERERS:
        return SubtitleFiles(output, videos, output_format, mode)
    if output_format == "parquet":
        return ParquetShards(output, mode)
    return {"jsonl": JsonlFile, "csv": CsvFile}[output_format](output, mode)
