"""The videos a caption batch works on: files, folders (recursive), glob patterns and list files, expanded in order.

A file named on the command line (or in a list file) is always taken, whatever its extension, so an unusable one
is recorded as failed rather than silently dropped; folders and globs contribute only video and image files.
"""

from __future__ import annotations

import glob
import os
import sys
from pathlib import Path

from ..errors import DataError
from ..video.suffixes import MEDIA_SUFFIXES

GLOB_CHARACTERS = set("*?[")


def is_media(path: Path) -> bool:
    return path.suffix.lower() in MEDIA_SUFFIXES and not path.name.startswith(".")


def folder_media(folder: Path) -> list[str]:
    """Every video and image file under `folder`, recursively, in a stable order; hidden files left out."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(root, name) for name in sorted(files) if is_media(Path(name)))
    return found


def read_list_file(list_file: str) -> list[str]:
    """Paths from a list file, one per line; blank lines and `#` comments skipped; relative paths are relative to
    the list file's folder (so a list travels with its videos)."""
    path = Path(list_file)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise DataError(list_file, f"cannot read the list file ({error.strerror})") from None
    except UnicodeDecodeError:
        raise DataError(list_file, "the list file is not UTF-8 text") from None
    entries = [line.strip() for line in lines]
    return [os.path.normpath(path.parent / entry) for entry in entries if entry and not entry.startswith("#")]


def expand_one(argument: str) -> list[str]:
    if argument.startswith("@"):
        return [video for entry in read_list_file(argument[1:]) for video in expand_one(entry)]
    if os.path.isdir(argument):
        return folder_media(Path(argument))
    if GLOB_CHARACTERS & set(argument) and not os.path.exists(argument):
        matches = sorted(glob.glob(argument, recursive=True))
        if not matches:
            print(f"warning: {argument} matches no files", file=sys.stderr)
        found = []
        for match in matches:
            if os.path.isdir(match):
                found += folder_media(Path(match))
            elif is_media(Path(match)):
                found.append(match)
        return found
    return [os.path.normpath(argument)]  # a missing file is kept: it is recorded as failed, with its reason


def expand_inputs(arguments: list[str], list_files: list[str] = ()) -> list[str]:
    """The video paths named by `arguments` and `list_files`, in order, each once."""
    videos = [video for argument in arguments for video in expand_one(argument)]
    videos += [video for list_file in list_files for video in expand_one(f"@{list_file}")]
    return list(dict.fromkeys(videos))
