"""The app's settings: which model, how large an upload, where the sample clips are.

`videoassist app` runs `streamlit run app/streamlit_app.py -- --model M --max-upload-mb N --precision P
[--device D]`; the script reads those arguments, or (for tests, which run the script without a command line)
VIDEOASSIST_MODEL, VIDEOASSIST_MAX_UPLOAD_MB, VIDEOASSIST_PRECISION and VIDEOASSIST_DEVICE.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from videoassist.checkpoints.check import DEMO_NAME
from videoassist.precisions import DEFAULT_PRECISION
from videoassist.video.suffixes import VIDEO_SUFFIXES

UPLOAD_TYPES = sorted(suffix.lstrip(".") for suffix in VIDEO_SUFFIXES)  # every video the library reads
REPOSITORY = Path(__file__).resolve().parent.parent
REAL_MODEL = "HuggingFaceTB/SmolVLM2-256M-Video-Instruct"  # small enough for a CPU (README: Use a real model)


def model_notice(model: str) -> str | None:
    """What the user should know about the model before asking: the demo knows only its synthetic world."""
    if model != DEMO_NAME:
        return None
    return (
        "The demo model knows only its synthetic world: coloured shapes that move, appear, disappear and change "
        "colour (like the sample clips). About other videos its answers mean nothing. For your own videos, start "
        f"the app with a real model: `videoassist app --model {REAL_MODEL}` (see the README's \"Use a real model\")."
    )


@dataclass(frozen=True)
class AppSettings:
    model: str = "demo"
    max_upload_mb: float = 200
    samples_dir: Path = field(default=REPOSITORY / "samples")
    precision: str = DEFAULT_PRECISION  # the LLM's weights (videoassist/inference/precision.py)
    device: str | None = None  # where the model runs (None: the CPU)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)  # Streamlit's server.maxUploadSize counts MiB

    @classmethod
    def from_command_line(cls, argv: Sequence[str], environ: Mapping[str, str]) -> "AppSettings":
        parser = argparse.ArgumentParser(add_help=False)
        parser.add_argument("--model")
        parser.add_argument("--max-upload-mb", type=float)
        parser.add_argument("--precision")
        parser.add_argument("--device")
        given, _ = parser.parse_known_args(list(argv))
        limit = given.max_upload_mb or environ.get("VIDEOASSIST_MAX_UPLOAD_MB")
        return cls(
            model=given.model or environ.get("VIDEOASSIST_MODEL") or cls.model,
            max_upload_mb=float(limit) if limit else cls.max_upload_mb,
            precision=given.precision or environ.get("VIDEOASSIST_PRECISION") or cls.precision,
            device=given.device or environ.get("VIDEOASSIST_DEVICE") or cls.device,
        )
