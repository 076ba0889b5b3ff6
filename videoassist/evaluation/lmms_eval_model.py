"""`videoassist` as a model of lmms-eval, the field's evaluation harness (`lmms-eval --model videoassist`).

    lmms-eval --model videoassist --model_args pretrained=demo|DIR|HUB_ID[,frames=N|fps=F] --tasks mvbench,videomme

lmms-eval (0.7 and later) finds plug-in models through the `lmms_eval.models` entry point group; this package
declares `videoassist = "videoassist.evaluation.lmms_eval_model:manifest"` in its pyproject, so installing
videoassist is all it takes (lmms-eval itself: docs/EVAL.md, "lmms-eval"). Every model source loads (`pretrained`
is any `--model` name), and answers come from VideoAssistant: our frame sampler (the model's own sampling, or
`frames` / `fps`), our chat template, greedy decoding unless the task asks for a temperature. The task's video
path goes to the sampler; a task that gives images instead gets them as the frames of one video.

This module imports lmms-eval: only lmms-eval loads it.
"""

from __future__ import annotations

import numpy as np
from lmms_eval.api.instance import Instance
from lmms_eval.api.model import lmms
from lmms_eval.models.registry_v2 import ModelManifest
from loguru import logger
from tqdm import tqdm

from ..errors import VideoAssistError
from ..precisions import DEFAULT_PRECISION

MODEL_ID = "videoassist"
DEFAULT_MAX_NEW_TOKENS = 32  # our eval's default; a task's generation_kwargs override it


def manifest() -> ModelManifest:
    """The entry point lmms-eval loads: the model's name and where its class is."""
    return ModelManifest(model_id=MODEL_ID, simple_class_path=f"{__name__}.VideoAssistLMM")


class VideoAssistLMM(lmms):
    """A videoassist model answering lmms-eval's generation requests (one video or image set per question)."""

    is_simple = True

    def __init__(self, pretrained: str = "demo", device: str | None = None, frames: int | str | None = None,
                 fps: float | str | None = None, batch_size: int | str | None = 1, max_batch_size=None,
                 precision: str = DEFAULT_PRECISION, **unknown):
        super().__init__()
        if unknown:
            raise ValueError(f"videoassist: unknown model_args {', '.join(sorted(unknown))} (known: pretrained, "
                             f"device, frames, fps, precision)")
        if str(batch_size) not in ("1", "None"):
            raise ValueError(f"videoassist: answers one question at a time, got batch_size={batch_size}")
        from ..inference import VideoAssistant

        self.assistant = VideoAssistant.load(str(pretrained), device=device, precision=str(precision))
        self.sampling = {"num_frames": int(frames) if frames else None, "fps": float(fps) if fps else None}

    def _video(self, visuals: list):
        """The video to ask about: a file's path, or images as the frames of one encoded video."""
        if not visuals:
            raise ValueError("videoassist: the task gives no video or image")
        if isinstance(visuals[0], str):
            return visuals[0]
        frames = [np.asarray(image.convert("RGB")) for image in visuals]
        if len({frame.shape for frame in frames}) > 1:
            raise ValueError("videoassist: the task's images differ in size; they cannot be one video")
        return self.assistant.encode(np.stack(frames), [float(i) for i in range(len(frames))], keep_frames=False)

    def generate_until(self, requests: list[Instance]) -> list[str]:
        answers = []
        for request in tqdm(requests, disable=self.rank != 0, desc="videoassist"):
            context, generation, doc_to_visual, doc_id, task, split = request.args
            visuals = doc_to_visual(self.task_dict[task][split][doc_id])
            visuals = [v for group in visuals for v in (group if isinstance(group, list) else [group])]
            try:
                text = self.assistant.ask(
                    self._video(visuals), context,
                    max_new_tokens=int(generation.get("max_new_tokens") or DEFAULT_MAX_NEW_TOKENS),
                    temperature=float(generation.get("temperature") or 0.0), **self.sampling).text
            except VideoAssistError as error:  # an unreadable video is answered with nothing, and said why
                logger.warning(f"videoassist: {task} document {doc_id}: {error}")
                text = ""
            for stop in generation.get("until") or []:
                if isinstance(stop, str) and stop:
                    text = text.split(stop)[0]
            answers.append(text)
            self.cache_hook.add_partial("generate_until", (context, generation), text)
        return answers

    def loglikelihood(self, requests):
        raise NotImplementedError("videoassist answers generation tasks (output_type: generate_until) only")

    def generate_until_multi_round(self, requests):
        raise NotImplementedError("videoassist answers generation tasks (output_type: generate_until) only")
