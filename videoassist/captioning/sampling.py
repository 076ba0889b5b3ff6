"""The frames a caption is made from: a video decoded and sampled, whole or per time segment. Light (no torch): the
Ray engine's CPU tasks import only this."""

from __future__ import annotations

from ..video import sample_frames, sample_indices
from .segments import segment_rate, split_by_time
from .settings import CaptionSettings


def sample_video(path: str, settings: CaptionSettings, sampling: dict):
    """Decode and sample one video for captioning (no model needed: `sampling` is the model's resolved
    `VideoAssistant.sampling_settings`, so it can run apart from the model, e.g. in a Ray task).
    → (the sampled clip, [(start s, end s, positions of the segment's frames in the clip)])."""
    if settings.segment_seconds is None:
        clip = sample_frames(path, **sampling)
        return clip, [(0.0, clip.info.duration_s, list(range(len(clip.timestamps))))]
    clip = sample_frames(path, fps=segment_rate(settings.segment_seconds, sampling["num_frames"], sampling["fps"]))
    groups = []
    for segment in split_by_time(clip.timestamps, settings.segment_seconds, clip.info.duration_s):
        positions = segment.frames
        if len(positions) > sampling["max_frames"]:  # a high --fps over a long segment: keep an even subset
            times = [clip.timestamps[i] for i in positions]
            positions = [positions[k] for k in sample_indices(times, num_frames=sampling["max_frames"])]
        groups.append((segment.start_s, segment.end_s, positions))
    return clip, groups

