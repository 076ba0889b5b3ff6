"""The app's settings: which model, how large an upload, where the sample clips are.

`videoassist app` runs `streamlit run app/streamlit_app.py -- --model M --max-upload-mb N`; the script reads those
arguments, or (for tests, which run the script without a command line) VIDEOASSIST_MODEL and
VIDEOASSIST_MAX_UPLOAD_MB.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from videoassist.video.suffixes import VIDEO_SUFFIXES

UPLOAD_TYPES = sorted(suffix.lstrip(".") for suffix in VIDEO_SUFFIXES)  # every video the library reads
REPOSITORY = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class AppSettings:
    model: str = "demo"
    max_upload_mb: float = 200
    samples_dir: Path = field(default=REPOSITORY / "samples")

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)  # Streamlit's server.maxUploadSize counts MiB

    @classmethod
    def from_command_line(cls, argv: Sequence[str], environ: Mapping[str, str]) -> "AppSettings":
        parser = argparse.ArgumentParser(add_help=False)
        parser.add_argument("--model")
        parser.add_argument("--max-upload-mb", type=float)
        given, _ = parser.parse_known_args(list(argv))
        limit = given.max_upload_mb or environ.get("VIDEOASSIST_MAX_UPLOAD_MB")
        return cls(
            model=given.model or environ.get("VIDEOASSIST_MODEL") or cls.model,
            max_upload_mb=float(limit) if limit else cls.max_upload_mb,
        )
