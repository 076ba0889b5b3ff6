"""A browser session's uploaded video, kept as a temporary file for as long as the session needs it.

Decoders want a file path, so an upload is written to a temporary file (with the upload's extension, which tells
images from videos). There is one at a time per session: a new upload replaces it, clearing the uploader removes
it, and when the session ends the store is garbage-collected with the session's state and its finalizer removes
the file (the finalizer also runs when the process exits).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import BinaryIO

PREFIX = "videoassist-upload-"


def _remove(paths: list[Path]) -> None:
    while paths:
        paths.pop().unlink(missing_ok=True)


class UploadStore:
    def __init__(self, folder: str | os.PathLike | None = None):
        self.folder = folder
        self.upload_id: str | None = None
        self._paths: list[Path] = []  # shared with the finalizer, which must not hold a reference to self
        self._finalizer = weakref.finalize(self, _remove, self._paths)

    @property
    def path(self) -> Path | None:
        return self._paths[-1] if self._paths else None

    def save(self, upload_id: str, name: str, data: BinaryIO) -> Path:
        """The temporary file holding upload `upload_id`, written on its first call; the previous one is removed."""
        if upload_id == self.upload_id and self.path is not None:
            return self.path
        self.clear()
        handle, path = tempfile.mkstemp(prefix=PREFIX, suffix=Path(name).suffix.lower(), dir=self.folder)
        self._paths.append(Path(path))
        with os.fdopen(handle, "wb") as out:
            data.seek(0)
            shutil.copyfileobj(data, out)
        self.upload_id = upload_id
        return Path(path)

    def clear(self) -> None:
        _remove(self._paths)
        self.upload_id = None
