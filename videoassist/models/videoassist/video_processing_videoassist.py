"""VideoAssistVideoProcessor: RGB uint8 frames [T, H, W, 3] → pixel values [T, 3, h, w] for the vision tower.

A transformers video processor (`VideoProcessorMixin`: `from_pretrained`, `save_pretrained`, nested in the
processor's `processor_config.json`) whose settings are the vision tower's own image-processor settings (resize,
centre crop, rescale, normalise), read from its `preprocessor_config.json` when a model is built. The work is
done in torch, all frames of a video at once, with no torchvision (which `BaseVideoProcessor` needs) and no PIL:
an antialiased bicubic resize of the float frames, as the tower's processor resizes but without rounding to
uint8 in between. Frames come decoded and sampled (videoassist.video): this class neither decodes nor samples.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from transformers import AutoImageProcessor, BatchFeature
from transformers.image_utils import OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, PILImageResampling, SizeDict
from transformers.video_processing_utils import VideoProcessorMixin
from transformers.video_utils import is_valid_video, make_batched_videos


class VideoAssistVideoProcessor(VideoProcessorMixin):
    # CLIP's defaults, for settings a tower's config leaves out
    resample = PILImageResampling.BICUBIC
    size = {"shortest_edge": 224}
    crop_size = {"height": 224, "width": 224}
    do_resize = True
    do_center_crop = True
    do_rescale = True
    do_normalize = True
    image_mean = OPENAI_CLIP_MEAN
    image_std = OPENAI_CLIP_STD
    do_sample_frames = False  # videoassist.video samples

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._set_attributes(**kwargs)

    @classmethod
    def from_vision_tower(cls, name_or_path: str) -> "VideoAssistVideoProcessor":
        """The settings of a vision tower's own image processor, with the defaults of that processor's class for
        what its preprocessor_config.json leaves out (not CLIP's: SigLIP does not crop, it resizes to `size`).
        SigLIP2's NaFlex processor gives a patch budget (`max_num_patches`) instead of a size: the frames are
        resized to the largest square grid of patches within it."""
        settings = AutoImageProcessor.from_pretrained(name_or_path).to_dict()  # without the settings it lacks (None)
        settings.pop("image_processor_type", None)
        settings.setdefault("do_center_crop", False)
        if "size" not in settings and "max_num_patches" in settings:
            side = math.isqrt(settings["max_num_patches"]) * settings["patch_size"]
            settings["size"] = {"height": side, "width": side}
        return cls(**settings)

    def _decode_and_sample_videos(self, videos, video_metadata=None, do_sample_frames=None, sample_indices_fn=None):
        if do_sample_frames:
            raise ValueError("VideoAssistVideoProcessor does not sample frames: videoassist.video.sample_frames does")
        videos = make_batched_videos(videos)
        if not all(is_valid_video(video) for video in videos):
            raise ValueError("give decoded RGB frames [T, H, W, 3] (videoassist.video.sample_frames), not files")
        return videos, video_metadata

    def _prepare_input_videos(self, videos, **kwargs) -> list[torch.Tensor]:
        """uint8 [T, H, W, 3] (numpy or torch) → float [T, 3, H, W], values still 0..255."""
        return [torch.as_tensor(np.asarray(video)).permute(0, 3, 1, 2).float() for video in videos]

    def _preprocess(
        self,
        videos: list[torch.Tensor],
        do_resize: bool,
        size: SizeDict,
        resample,
        do_center_crop: bool,
        crop_size: SizeDict,
        do_rescale: bool,
        rescale_factor: float,
        do_normalize: bool,
        image_mean,
        image_std,
        **kwargs,
    ) -> BatchFeature:
        """→ `pixel_values_videos`: the frames of all videos, in order, [sum of T, 3, h, w]."""
        processed = []
        for pixels in videos:
            if do_resize:
                pixels = self.resize_frames(pixels, size, resample)
            if do_center_crop:
                top = (pixels.shape[-2] - crop_size.height) // 2
                left = (pixels.shape[-1] - crop_size.width) // 2
                pixels = pixels[..., top : top + crop_size.height, left : left + crop_size.width]
            if do_rescale:
                pixels = pixels * rescale_factor
            if do_normalize:
                mean = torch.tensor(image_mean).view(1, -1, 1, 1)
                std = torch.tensor(image_std).view(1, -1, 1, 1)
                pixels = (pixels - mean) / std
            processed.append(pixels.contiguous())
        return BatchFeature({"pixel_values_videos": torch.cat(processed)})

    @staticmethod
    def resize_frames(pixels: torch.Tensor, size: SizeDict, resample) -> torch.Tensor:
        """[T, 3, H, W] floats 0..255 → the shorter side to `size.shortest_edge` (aspect kept), or exactly
        `size.height` × `size.width`; clamped back to 0..255 (bicubic overshoots)."""
        height, width = pixels.shape[-2:]
        if size.shortest_edge:
            scale = size.shortest_edge / min(height, width)
            target = (max(size.shortest_edge, round(height * scale)), max(size.shortest_edge, round(width * scale)))
        else:
            target = (size.height, size.width)
        mode = "bicubic" if resample == PILImageResampling.BICUBIC else "bilinear"
        return F.interpolate(pixels, size=target, mode=mode, antialias=True, align_corners=False).clamp(0, 255)


__all__ = ["VideoAssistVideoProcessor"]
