"""SubRip (.srt) and WebVTT (.vtt) text for a video's segment captions.

Cue text is kept to one line: a blank line would end a cue early, control characters are not text, and WebVTT
reads `<`, `&` and `-->` in a cue as markup.
"""

from __future__ import annotations

from ..errors import one_line
from .results import SegmentCaption


def clock(seconds: float, decimal_mark: str) -> str:
    milliseconds = max(0, round(seconds * 1000))
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{whole:02d}{decimal_mark}{millis:03d}"


def cue_times(segment: SegmentCaption, decimal_mark: str) -> str:
    # A cue must end after it starts: a still image's segment lasts 0 s, so it is shown for a millisecond.
    end = max(segment.end_s, segment.start_s + 0.001)
    return f"{clock(segment.start_s, decimal_mark)} --> {clock(end, decimal_mark)}"


def render_srt(segments: list[SegmentCaption]) -> str:
    blocks = []
    for segment in segments:
        text = one_line(segment.caption)
        if text:  # an empty cue is not valid SubRip
            blocks.append(f"{len(blocks) + 1}\n{cue_times(segment, ',')}\n{text}\n")
    return "\n".join(blocks)


def render_vtt(segments: list[SegmentCaption]) -> str:
    blocks = ["WEBVTT\n"]
    for segment in segments:
        text = one_line(segment.caption).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if text:
            blocks.append(f"{cue_times(segment, '.')}\n{text}\n")
    return "\n".join(blocks)


RENDERERS = {"srt": render_srt, "vtt": render_vtt}
