"""How decoder trouble becomes a VideoError: one line that names the file and the problem, never a raw
PyAV/decord exception, and never FFmpeg's own log spilling onto the user's terminal."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from os import PathLike

import av
import av.logging

from videoassist.errors import VideoError, one_line

LogLine = tuple[int, str, str]  # (level, component, message) as av.logging.Capture records it


class BackendFailed(Exception):
    """A decoder backend cannot handle this file (not installed, refuses it, or raised); another one may."""


def error_lines(logs: list[LogLine]) -> list[str]:
    """The messages FFmpeg logged at error level or worse, one line each."""
    return [one_line(message) for level, _, message in logs if level <= av.logging.ERROR]


# Messages from FFmpeg's own decoder threads are not captured (Capture is per thread) and go to Python logging
# under "libav": this handler keeps Python's last-resort handler from printing them on a terminal, while an
# application that configures logging still receives them.
logging.getLogger("libav").addHandler(logging.NullHandler())

# FFmpeg's log settings are process-wide; several threads may sample at once, so the first one in raises the
# level to ERROR (PyAV then hands messages to Python, where Capture collects each thread's own) and turns off
# "repeated N times" folding (which would hide one file's message because another file logged it last); the last
# one out puts both back. PyAV's default level (None) keeps FFmpeg silent.
_level_lock = threading.Lock()
_level_users = 0
_saved_settings: tuple[int | None, bool] = (None, True)


@contextmanager
def ffmpeg_session(path: str | PathLike[str], trouble: str) -> Iterator[list[LogLine]]:
    """Run PyAV work on `path`: collect FFmpeg's log lines (yielded, for callers that judge them), and turn any
    PyAV exception into `VideoError(path, f"{trouble} ({detail})")`."""
    global _level_users, _saved_settings
    with _level_lock:
        if _level_users == 0:
            _saved_settings = (av.logging.get_level(), av.logging.get_skip_repeated())
            av.logging.set_level(av.logging.ERROR)
            av.logging.set_skip_repeated(False)
        _level_users += 1
    try:
        with av.logging.Capture() as logs:
            try:
                yield logs
            except av.FFmpegError as error:
                detail = (error_lines(logs) or [one_line(error.strerror or type(error).__name__)])[-1]
                raise VideoError(path, f"{trouble} ({detail})") from error
    finally:
        with _level_lock:
            _level_users -= 1
            if _level_users == 0:
                av.logging.set_level(_saved_settings[0])
                av.logging.set_skip_repeated(_saved_settings[1])
