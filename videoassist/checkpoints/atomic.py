"""Atomic writes: a file or folder appears under its name only once it is complete.

Everything is written to a temporary sibling (same folder, so the final rename stays on one file system), then
renamed into place; an error or a crash leaves the previous version, or nothing, and never half a file.

    with open_atomic(path) as file:          # a file written through a handle (text by default; "wb" for bytes)
        file.write(text)
    with atomic_write(folder) as partial:    # a file or folder written by a library to a path
        model.save_pretrained(partial)
    with atomic_update(run, marker="config.json") as partial:   # new entries for a folder that holds more
        ...
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def old_copy(path: Path) -> Path:
    """Where a folder being replaced waits, between the two renames, until the new one is in place: a crash
    there leaves the previous version under this name, for the writer to recover."""
    return path.with_name(path.name + ".old")


@contextmanager
def _scratch_beside(path: str | Path) -> Iterator[Path]:
    """A temporary sibling path of `path` (not created), removed at the end whatever happened."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        yield scratch
    finally:
        _remove(scratch)


@contextmanager
def atomic_write(path: str | Path) -> Iterator[Path]:
    """Yields a temporary path to write `path`'s new content to (a file, or a folder the writer creates); on a
    clean exit it replaces `path`. An existing folder goes to `old_copy(path)` first and is removed last."""
    path = Path(path)
    with _scratch_beside(path) as scratch:
        yield scratch
        if path.is_dir():
            old = old_copy(path)
            _remove(old)
            os.replace(path, old)
            os.replace(scratch, path)
            _remove(old)
        else:
            os.replace(scratch, path)


@contextmanager
def open_atomic(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """`open(path, mode)` for a whole new file, flushed to disk before it replaces `path`."""
    with atomic_write(path) as scratch:
        binary = "b" in mode
        with open(scratch, mode, encoding=None if binary else encoding, newline=None if binary else "\n") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())


@contextmanager
def atomic_update(folder: str | Path, marker: str, stale: Iterable[str] = ()) -> Iterator[Path]:
    """New entries for `folder`, which may hold more that must stay (a training run's checkpoints and logs): yields
    an empty scratch folder; on a clean exit `marker` is removed from `folder`, then the entries matching the
    `stale` patterns (what an earlier write left that the new one may not overwrite), then every entry written
    moves in, `marker` last. So `folder` with its marker always holds one complete write. A folder that does not
    exist yet is the scratch folder renamed."""
    folder = Path(folder)
    with _scratch_beside(folder) as scratch:
        scratch.mkdir()
        yield scratch
        if not folder.exists():
            os.replace(scratch, folder)
            return
        _remove(folder / marker)
        for pattern in stale:
            for entry in folder.glob(pattern):
                _remove(entry)
        for entry in sorted(scratch.iterdir(), key=lambda p: p.name == marker):
            if (folder / entry.name).is_dir():
                _remove(folder / entry.name)
            os.replace(entry, folder / entry.name)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


__all__ = ["atomic_write", "open_atomic", "atomic_update", "old_copy"]
