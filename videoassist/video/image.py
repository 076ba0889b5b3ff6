"""Still images (JPEG, PNG, WebP, BMP) as one-frame videos, read with Pillow; EXIF orientation is honoured."""

from __future__ import annotations

import os
from os import PathLike
from pathlib import Path

import numpy as np

from videoassist.errors import VideoError, one_line
from videoassist.video.info import VideoInfo
from videoassist.video.suffixes import IMAGE_SUFFIXES

# EXIF orientation tag values that are pure quarter turns, as the clockwise turn they ask for. The mirrored
# orientations (2, 4, 5, 7) are still displayed correctly by exif_transpose, but report rotation 0.
_EXIF_ORIENTATION = 0x0112
_EXIF_ROTATION = {3: 180, 6: 90, 8: 270}


def is_image_path(path: str | PathLike[str]) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def read_image(path: str | PathLike[str]) -> tuple[VideoInfo, np.ndarray]:
    """The image's VideoInfo and its upright RGB pixels as a one-frame clip `[1, H, W, 3]`."""
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as image:
            orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
            codec = (image.format or "image").lower()
            pixels = np.array(ImageOps.exif_transpose(image).convert("RGB"))  # a writable copy, as video frames are
    except (OSError, Image.DecompressionBombError) as error:
        raise VideoError(path, f"is not a readable image ({one_line(str(error))})") from error
    height, width = pixels.shape[:2]
    info = VideoInfo(
        path=os.fspath(path),
        duration_s=0.0,
        fps=0.0,
        num_frames=1,
        width=width,
        height=height,
        rotation=_EXIF_ROTATION.get(orientation, 0),
        is_image=True,
        codec=codec,
    )
    return info, pixels[None]
