"""Frame-accurate video sampling: the one place videos are opened and decoded.

    from videoassist.video import probe, sample_frames, VideoInfo, SampledFrames, VideoLimits
    info = probe("clip.mp4")                                  # cheap facts; VideoError if unusable
    clip = sample_frames("clip.mp4", num_frames=8)           # Valley: 8 evenly spaced frames
    clip = sample_frames("talk.mkv", fps=1, max_frames=256)  # LLaMA-VID: 1 frame per second, capped
    clip = sample_frames("long.mp4", num_frames=8, window=(12.0, 20.5))  # only the frames of one segment
    clip = sample_frame_folder("tvqa/clip_0001/", frame_rate=3, num_frames=8)  # extracted frames as a video
    SamplingConfig(num_frames=8)                              # a model's default sampling (its checkpoint keeps it)

Frame i is the i-th frame in presentation order and its timestamp is its real pts, found by a packet scan of
the file or read from an MP4's index (timeline.py); PyAV (seek + decode forward) or decord (get_batch) decode only
what is asked. numpy only: no torch here.
"""

from videoassist.video.frame_folder import sample_frame_folder
from videoassist.video.indices import sample_indices
from videoassist.video.info import SampledFrames, VideoInfo, VideoLimits
from videoassist.video.probe import probe
from videoassist.video.sampler import BACKENDS, sample_frames
from videoassist.video.settings import SamplingConfig

__all__ = [
    "BACKENDS",
    "SampledFrames",
    "SamplingConfig",
    "VideoInfo",
    "VideoLimits",
    "probe",
    "sample_frame_folder",
    "sample_frames",
    "sample_indices",
]
