"""Captioning videos with a loaded assistant: frames are decoded, preprocessed and encoded for the next videos in a
background thread while the model generates for the current one, so generation does not wait on I/O."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..inference import VideoAssistant
from ..inference.feature_cache import CachedVideo
from .engines import EngineOptions, ModelChoice
from .prefetch import prefetched
from .results import OK, SegmentCaption, VideoCaptions
from .sampling import sample_video
from .settings import CaptionSettings


@dataclass
class EncodedVideo:
    path: str
    segments: list[tuple[float, float, CachedVideo]]  # (start s, end s, encoded frames)
    seconds: float


class Captioner:
    def __init__(self, assistant: VideoAssistant, settings: CaptionSettings):
        self.assistant = assistant
        self.settings = settings

    def encode(self, path: str) -> EncodedVideo:
        """Decode, sample and encode one video (in the prefetch thread); VideoError for an unusable file."""
        started = time.perf_counter()
        clip, groups = self.sample(path)
        return self.encode_sampled(path, clip.frames, clip.timestamps, groups, time.perf_counter() - started)

    def sample(self, path: str):
        """→ (the sampled clip, [(start s, end s, positions of the segment's frames in the clip)])."""
        s = self.settings
        return sample_video(path, s, self.assistant.sampling_settings(s.num_frames, s.fps, s.max_frames))

    def encode_sampled(self, path: str, frames, timestamps: list[float], groups, seconds: float = 0.0) -> EncodedVideo:
        """Encode the frames of a sampled video, segment by segment; `seconds`: spent sampling it (anywhere)."""
        started = time.perf_counter()
        segments = [
            (start, end, self.assistant.encode(frames[positions], [timestamps[i] for i in positions],
                                               keep_frames=False))
            for start, end, positions in groups
        ]
        return EncodedVideo(path, segments, seconds + time.perf_counter() - started)

    def describe(self, video: EncodedVideo) -> VideoCaptions:
        """Generate the caption of every segment (in the calling thread)."""
        started = time.perf_counter()
        captions = []
        for start, end, frames in video.segments:
            answer = self.assistant.ask(
                frames, self.settings.prompt, max_new_tokens=self.settings.max_new_tokens,
                temperature=self.settings.temperature,
            )
            captions.append(SegmentCaption(start, end, answer.text, frames.timestamps))
        return VideoCaptions(video.path, OK, captions, video.seconds + time.perf_counter() - started)

    def caption_sampled(self, path: str, frames, timestamps: list[float], groups, seconds: float) -> VideoCaptions:
        """Encode and caption a video sampled elsewhere (the Ray engine's CPU tasks); a failure is recorded."""
        try:
            return self.describe(self.encode_sampled(path, frames, timestamps, groups, seconds))
        except Exception as error:  # as in run: the batch records the reason and goes on
            return VideoCaptions.failure(path, error)

    def run(self, paths: list[str]) -> Iterator[VideoCaptions]:
        """Caption `paths` in order; a video that fails gives a failed VideoCaptions and the batch goes on."""
        for path, encoding in prefetched(paths, self.encode, self.settings.prefetch):
            try:
                result = self.describe(encoding.result())
            except Exception as error:  # a batch records the reason and goes on with the next video
                result = VideoCaptions.failure(path, error)
            yield result


@contextmanager
def local_captioner(model: ModelChoice, settings: CaptionSettings, options: EngineOptions) -> Iterator[Captioner]:
    """The local engine: the model loaded in this process, frames prefetched in a thread (`options` unused)."""
    yield Captioner(VideoAssistant.load(model.name, device=model.device, precision=model.precision), settings)
