"""The Ray Data engine of `videoassist caption --engine ray`: one machine's cores, or a cluster's GPUs.

    paths ──from_items──▶ sample frames (CPU tasks, our sampler) ──▶ encode + caption (actor pool: one model load
    per actor, on a GPU share when asked) ──iter_rows──▶ the driver appends each result to the output as it arrives

The driver writes every record itself, with the same writers as the local engine, as the results stream back:
a killed job loses only the videos in flight, and `--resume` skips what is recorded. The actors run the local
engine's Captioner, so a video gets the same caption (and the same error record) on either engine. The model
answers one video at a time (VideoAssistant.ask has no batched generate): a batch of videos per actor call only
amortises Ray's per-call cost. Results come back in completion order, not input order.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ..ray_cluster import ray_session, small_blocks, task_result
from .engines import EngineOptions, ModelChoice
from .results import FAILED, VideoCaptions
from .settings import CaptionSettings

NO_FRAMES = np.zeros((0, 1, 1, 3), np.uint8)  # the frames of a video that failed to sample: Ray columns need an array


@contextmanager
def ray_captioner(model: ModelChoice, settings: CaptionSettings, options: EngineOptions):
    with ray_session(options.address) as ray:
        yield RayCaptioner(ray, model, settings, options)


def model_sampling(model: ModelChoice, settings: CaptionSettings) -> dict:
    """The frame sampling the model asks for (its defaults where the settings leave them open)."""
    from ..inference import VideoAssistant

    assistant = VideoAssistant.load(model.name)  # on a CPU: only its settings are wanted
    return assistant.sampling_settings(settings.num_frames, settings.fps, settings.max_frames)


def sample_frames_row(row: dict, settings: CaptionSettings, sampling) -> dict:
    """Stage 1 (CPU tasks): decode and sample one video; an unusable file becomes its error message. `sampling`:
    the reference to model_sampling's result (the actors load the model meanwhile, rather than after it)."""
    import ray

    from .sampling import sample_video

    path, sampling = row["path"], ray.get(sampling)  # outside the try: a model that does not load stops the job
    started = time.perf_counter()
    try:
        clip, groups = sample_video(path, settings, sampling)
    except Exception as error:  # as the local engine: recorded, and the batch goes on
        return {"path": path, "frames": NO_FRAMES, "timestamps": np.zeros(0), "groups": "[]", "seconds": 0.0,
                "error": VideoCaptions.failure(path, error).error}
    return {"path": path, "frames": clip.frames, "timestamps": np.asarray(clip.timestamps, np.float64),
            "groups": json.dumps(groups), "seconds": time.perf_counter() - started, "error": ""}


class CaptionActor:
    """Stage 2 (an actor of the pool): the model, loaded once; encodes and captions the sampled videos it is given."""

    def __init__(self, model: ModelChoice, settings: CaptionSettings, device: str | None):
        from ..inference import VideoAssistant
        from .pipeline import Captioner

        assistant = VideoAssistant.load(model.name, device=device, precision=model.precision)
        self.captioner = Captioner(assistant, settings)

    def __call__(self, batch: dict) -> dict:
        results = []
        for index, path in enumerate(batch["path"]):
            if batch["error"][index]:
                result = VideoCaptions(str(path), FAILED, error=str(batch["error"][index]))
            else:
                groups = json.loads(batch["groups"][index])
                result = self.captioner.caption_sampled(str(path), batch["frames"][index],
                                                        batch["timestamps"][index].tolist(), groups,
                                                        float(batch["seconds"][index]))
            results.append(result.to_json())
        return {"result": np.array(results, dtype=object)}


class RayCaptioner:
    def __init__(self, ray, model: ModelChoice, settings: CaptionSettings, options: EngineOptions):
        self.ray, self.model, self.settings, self.options = ray, model, settings, options

    def workers(self) -> int:
        """--workers, or as many actors as the cluster holds: one per GPU share, else one per 2 CPUs."""
        if self.options.workers:
            return self.options.workers
        resources = self.ray.cluster_resources()
        if self.options.num_gpus_per_worker:
            return max(1, int(resources.get("GPU", 0) // self.options.num_gpus_per_worker))
        return max(1, int(resources.get("CPU", 1)) // 2)

    def nodes(self) -> int:
        return sum(node["Alive"] for node in self.ray.nodes())

    def run(self, paths: list[str]) -> Iterator[VideoCaptions]:
        if not paths:
            return
        ray, options = self.ray, self.options
        gpu = options.num_gpus_per_worker > 0
        # The model's default sampling, asked of the cluster (its files are where the workers are), on a CPU.
        sampling = ray.remote(model_sampling).options(num_cpus=1).remote(self.model, self.settings)
        dataset = ray.data.from_items([{"path": path} for path in paths], override_num_blocks=small_blocks(len(paths)))
        # Half a CPU a task: sampling is short beside generating, and a CPU share unlike the actors' keeps Ray Data
        # from fusing the two stages into the actors (where decoding would wait for the model, and vice versa).
        dataset = dataset.map(sample_frames_row, fn_kwargs={"settings": self.settings, "sampling": sampling},
                              num_cpus=0.5)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="`ray_remote_args` is deprecated", category=DeprecationWarning)
            dataset = dataset.map_batches(
                CaptionActor,
                fn_constructor_args=(self.model, self.settings, self.model.device or ("cuda" if gpu else None)),
                batch_size=options.batch_size,
                batch_format="numpy",
                concurrency=self.workers(),
                num_gpus=options.num_gpus_per_worker if gpu else None,
                num_cpus=1,
                # On a cluster Ray Data restarts a lost actor (a node gone) on another node; on one machine there is
                # nowhere else, and a restartable actor makes Ray's core print an error line on every run
                # (ray-project/ray#53727). Ray 2.60 has no named parameter for it yet, hence the filter above.
                **({} if self.nodes() > 1 else {"max_restarts": 0}),
            )
        try:
            for row in dataset.iter_rows():
                yield VideoCaptions.from_json(row["result"])
        except Exception:
            task_result(ray, sampling)  # a model that does not load stops the job: its one-line error, if so
            raise
