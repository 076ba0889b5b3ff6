"""The processor: a transformers ProcessorMixin over the video processor and the tokenizer, saved and loaded as one.

The video processor must give the pixel values the old hand-written `preprocess_frames` gave (kept below as the
reference, verbatim in substance): the demo was trained on them, and its answers depend on them.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from transformers import CLIPImageProcessorPil

from videoassist.models.videoassist import VideoAssistProcessor, VideoAssistVideoProcessor
from videoassist.testing import build_tiny_model, tiny_image_processor
from videoassist.video import SamplingConfig

CONVERSATION = [{"role": "user", "content": "What moves?"}, {"role": "assistant", "content": "A red circle."}]


def reference_preprocess(ip, frames: np.ndarray) -> torch.Tensor:
    """The pre-ProcessorMixin `VideoAssistProcessor.preprocess_frames`, on an image processor's settings."""
    pixels = torch.as_tensor(np.asarray(frames)).permute(0, 3, 1, 2).float()
    mode = "bicubic" if ip.resample == 3 else "bilinear"
    if ip.do_resize:
        height, width = pixels.shape[-2:]
        if ip.size.get("shortest_edge"):
            edge = ip.size["shortest_edge"]
            scale = edge / min(height, width)
            target = (max(edge, round(height * scale)), max(edge, round(width * scale)))
        else:
            target = (ip.size["height"], ip.size["width"])
        pixels = F.interpolate(pixels, size=target, mode=mode, antialias=True, align_corners=False).clamp(0, 255)
    if ip.do_center_crop:
        crop_h, crop_w = ip.crop_size["height"], ip.crop_size["width"]
        top, left = (pixels.shape[-2] - crop_h) // 2, (pixels.shape[-1] - crop_w) // 2
        pixels = pixels[..., top : top + crop_h, left : left + crop_w]
    pixels = pixels * ip.rescale_factor
    mean, std = torch.tensor(ip.image_mean).view(1, -1, 1, 1), torch.tensor(ip.image_std).view(1, -1, 1, 1)
    return (pixels - mean) / std


IMAGE_PROCESSORS = {
    "clip shortest edge + crop": tiny_image_processor(),
    "demo: square, no crop": CLIPImageProcessorPil(size={"height": 48, "width": 48}, do_center_crop=False,
                                                   crop_size={"height": 48, "width": 48}),
    "bilinear": CLIPImageProcessorPil(size={"shortest_edge": 24}, crop_size={"height": 20, "width": 24}, resample=2),
}


@pytest.mark.parametrize("name", IMAGE_PROCESSORS)
@pytest.mark.parametrize("shape", [(3, 40, 80), (2, 97, 61), (1, 32, 32)])
def test_video_processor_gives_the_old_preprocessing(name, shape):
    image_processor = IMAGE_PROCESSORS[name]
    frames = np.random.default_rng(sum(shape)).integers(0, 256, (*shape, 3), dtype=np.uint8)
    pixels = VideoAssistVideoProcessor(**image_processor.to_dict())(frames)["pixel_values_videos"]
    torch.testing.assert_close(pixels, reference_preprocess(image_processor, frames), atol=1e-5, rtol=0)


def test_video_processor_matches_the_towers_own_image_processor():
    image_processor = tiny_image_processor()
    video_processor = VideoAssistVideoProcessor(**image_processor.to_dict())
    frames = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)  # the tower's size: no resize
    own = torch.as_tensor(np.stack(image_processor(list(frames))["pixel_values"]))
    torch.testing.assert_close(video_processor(frames)["pixel_values_videos"], own, atol=1e-5, rtol=0)
    # Resized, PIL rounds to uint8 after resampling and torch does not: a level or so of 255 apart.
    wide = np.random.default_rng(1).integers(0, 256, (2, 40, 80, 3), dtype=np.uint8)
    own = torch.as_tensor(np.stack(image_processor(list(wide))["pixel_values"]))
    ours = video_processor(wide)["pixel_values_videos"]
    assert ours.shape == own.shape == (2, 3, 32, 32)
    assert (ours - own).abs().mean() < 0.05


def test_videos_of_a_batch_are_concatenated_in_order():
    _, processor = build_tiny_model("valley_v1")
    first = np.random.default_rng(0).integers(0, 256, (3, 40, 40, 3), dtype=np.uint8)
    second = np.random.default_rng(1).integers(0, 256, (2, 40, 40, 3), dtype=np.uint8)
    batch = processor([CONVERSATION, CONVERSATION[:1], CONVERSATION], videos=[first, None, second])
    alone = [processor.video_processor(v)["pixel_values_videos"] for v in (first, second)]
    torch.testing.assert_close(batch["pixel_values_videos"], torch.cat(alone))
    assert batch["frames_per_video"].tolist() == [3, 2]


def test_video_processor_refuses_files_and_sampling():
    video_processor = VideoAssistVideoProcessor(**tiny_image_processor().to_dict())
    with pytest.raises(ValueError, match="decoded RGB frames"):
        video_processor(["clip.mp4"])
    with pytest.raises(ValueError, match="does not sample frames"):
        video_processor(np.zeros((2, 32, 32, 3), np.uint8), do_sample_frames=True)


def test_processor_saves_and_loads_as_one(tmp_path):
    model, processor = build_tiny_model("llamavid")
    model.config.save_pretrained(tmp_path)
    processor.sampling = SamplingConfig(num_frames=None, fps=2.0, max_frames=16)
    processor.save_pretrained(tmp_path)
    settings = json.loads((tmp_path / "processor_config.json").read_text())
    assert settings["processor_class"] == "VideoAssistProcessor"
    assert settings["sampling"] == {"num_frames": None, "fps": 2.0, "max_frames": 16}
    assert settings["video_processor"]["video_processor_type"] == "VideoAssistVideoProcessor"
    assert not (tmp_path / "preprocessor_config.json").exists()

    loaded = VideoAssistProcessor.from_pretrained(tmp_path)
    assert isinstance(loaded.video_processor, VideoAssistVideoProcessor)
    assert loaded.sampling == processor.sampling
    video = np.random.default_rng(0).integers(0, 256, (2, 50, 70, 3), dtype=np.uint8)
    expected, got = processor([CONVERSATION], videos=[video]), loaded([CONVERSATION], videos=[video])
    assert expected.keys() == got.keys()
    for key in expected:
        torch.testing.assert_close(got[key], expected[key])


def test_a_checkpoint_of_the_old_layout_still_loads(tmp_path):
    # Before the ProcessorMixin: the tower's image processor in preprocessor_config.json, the sampling in
    # videoassist_processor.json.
    model, processor = build_tiny_model("valley_v1")
    model.config.save_pretrained(tmp_path)
    processor.tokenizer.save_pretrained(tmp_path)
    tiny_image_processor().save_pretrained(tmp_path)
    sampling = {"num_frames": None, "fps": 1.0, "max_frames": 32}
    (tmp_path / "videoassist_processor.json").write_text(json.dumps({"sampling": sampling}))

    loaded = VideoAssistProcessor.from_pretrained(tmp_path)
    assert loaded.sampling == SamplingConfig(**sampling)
    video = np.random.default_rng(0).integers(0, 256, (2, 50, 70, 3), dtype=np.uint8)
    torch.testing.assert_close(loaded.video_processor(video)["pixel_values_videos"],
                               reference_preprocess(tiny_image_processor(), video), atol=1e-5, rtol=0)


def test_loading_and_processing_need_no_torchvision_and_say_nothing(tmp_path):
    # transformers resolves an image processor class named in a config (the old layout's "CLIPImageProcessor")
    # to its PIL twin when torchvision is missing, with a notice on stderr; the video processor names no such class.
    model, processor = build_tiny_model("valley_v1")
    for layout in ("new", "old"):
        model.config.save_pretrained(tmp_path / layout)
        processor.tokenizer.save_pretrained(tmp_path / layout)
    processor.save_pretrained(tmp_path / "new")
    settings = {**tiny_image_processor().to_dict(), "image_processor_type": "CLIPImageProcessor"}
    (tmp_path / "old" / "preprocessor_config.json").write_text(json.dumps(settings))
    script = (
        "import sys, warnings, numpy as np\n"
        "warnings.simplefilter('error')\n"
        "from videoassist.models.videoassist import VideoAssistProcessor\n"
        "for folder in sys.argv[1:]:\n"
        "    p = VideoAssistProcessor.from_pretrained(folder)\n"
        "    p([[{'role': 'user', 'content': 'Hi?'}]], videos=[np.zeros((2, 40, 40, 3), np.uint8)])\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path / "new"), str(tmp_path / "old")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stderr == "", run.stderr
