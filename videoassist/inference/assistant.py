"""VideoAssistant: load a model once, then ask about videos, with streamed answers and cached video features.

A question is the processor (the chat with its visual placeholders), `generate` (given the video's features, from
the cache or encoded once) and decoding the new tokens. Those steps that differ between our model and transformers'
own video LLMs live in the model's ChatModel (chat_models.py); this loop is the same for both.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

from ..checkpoints.sources import load_model
from ..precisions import DEFAULT_PRECISION
from ..video import sample_frames
from .chat_models import chat_model_for
from .feature_cache import CachedVideo, FeatureCache, file_digest
from .generation import DEFAULT_REPETITION_GUARD, RepetitionGuard, StopOnRepeatedPhrase, without_repeats


@dataclass
class Answer:
    text: str
    timestamps: list[float]  # seconds, one per frame the model saw
    visual_tokens: int
    seconds: float
    cached: bool  # the video's features came from the cache

    def to_json(self) -> dict:
        return {
            "answer": self.text,
            "timestamps": [round(t, 3) for t in self.timestamps],
            "visual_tokens": self.visual_tokens,
            "seconds": round(self.seconds, 3),
            "cached": self.cached,
        }


class StopWhenSet(StoppingCriteria):
    """Ends generation once `event` is set: the reader of a stream went away, so the model is freed now."""

    def __init__(self, event: threading.Event):
        self.event = event

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs) -> torch.BoolTensor:
        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool, device=input_ids.device)


@dataclass
class AnswerStream:
    """Iterate for the text as it is generated; `answer` is set once the iteration is over. Stopping early
    (`close()`, or dropping a half-read stream) ends the generation and frees the model for the next question."""

    chunks: Iterator[str]
    answer: Answer | None = field(default=None)

    def __iter__(self) -> Iterator[str]:
        yield from self.chunks

    def close(self) -> None:
        self.chunks.close()


class VideoAssistant:
    """`repetition_guard`: every answer stops once it repeats one phrase over and over (generation.py), whatever the
    model; None turns that off."""

    def __init__(self, model, processor, cache_size: int = 16,
                 repetition_guard: RepetitionGuard | None = DEFAULT_REPETITION_GUARD):
        self.model = model.eval()
        self.processor = processor
        self.chat = chat_model_for(self.model, processor)
        self.cache = FeatureCache(cache_size)
        self.repetition_guard = repetition_guard
        self._lock = threading.Lock()  # one generation at a time: the model is shared between callers
        self.precision: str | None = None  # set by load: the LLM's precision (precision.py), None = as loaded

    @classmethod
    def load(cls, name_or_path: str = "demo", dtype=None, device: str | None = None,
             precision: str = DEFAULT_PRECISION, **kwargs) -> "VideoAssistant":
        """`name_or_path`: any name a model source knows (checkpoints/sources.py). A LoRA checkpoint's adapter is
        folded in. `precision`: the LLM's weights for answering, one of PRECISIONS (inference/precision.py):
        fp32, bf16, int8 or int4 (packed CPU kernels), or auto (by what the device runs); `self.precision` is the
        one applied (None: the checkpoint's dtype as loaded)."""
        model, processor = load_model(name_or_path, dtype=dtype, device=device)
        assistant = cls(model, processor, **kwargs)
        assistant.precision = assistant.chat.prepare(precision)
        return assistant

    def sampling_settings(self, num_frames=None, fps=None, max_frames=None) -> dict:
        defaults = self.chat.sampling
        if num_frames is None and fps is None:
            num_frames, fps = defaults.num_frames, defaults.fps
        return {"num_frames": num_frames, "fps": fps, "max_frames": max_frames or defaults.max_frames}

    def encode(self, frames, timestamps: list[float], keep_frames: bool = True) -> CachedVideo:
        """RGB frames [T, H, W, 3] → the video as the model's ChatModel keeps it (our model: its vision features),
        with the frames for display unless told not."""
        return CachedVideo(self.chat.encode(frames, timestamps), list(timestamps), frames if keep_frames else None)

    def video_features(self, video: str | Path | CachedVideo, **sampling) -> tuple[CachedVideo, bool]:
        """Decode, sample and encode the video, or take it from the cache. → (entry, was it cached).
        An already encoded CachedVideo (e.g. one segment of a long video) is used as it is."""
        if isinstance(video, CachedVideo):
            return video, False
        settings = self.sampling_settings(**sampling)
        key = (file_digest(video), tuple(sorted(settings.items())), self.chat.identity)
        entry = self.cache.get(key)
        if entry is not None:
            return entry, True
        clip = sample_frames(video, **settings)
        entry = self.encode(clip.frames, clip.timestamps)
        self.cache.put(key, entry)
        return entry, False

    def ask(
        self,
        video: str | Path | CachedVideo,
        question: str,
        history: list[dict] | None = None,
        stream: bool = False,
        max_new_tokens: int = 128,
        temperature: float = 0.0,
        **sampling,
    ) -> Answer | AnswerStream:
        """Answer `question` about `video`. `history`: earlier turns as {"role", "content"} messages."""
        started = time.perf_counter()
        entry, cached = self.video_features(video, **sampling)
        messages = [*(history or []), {"role": "user", "content": question}]
        prompt = self.chat.prompt(messages, entry)
        prompt_length = prompt.inputs["input_ids"].shape[1]

        def generate(streamer=None, stop: threading.Event | None = None) -> torch.Tensor:
            criteria = StoppingCriteriaList()
            if self.repetition_guard is not None:
                criteria.append(StopOnRepeatedPhrase(prompt_length, self.repetition_guard))
            if stop is not None:
                criteria.append(StopWhenSet(stop))
            with self._lock, torch.inference_mode():
                return self.model.generate(
                    **prompt.inputs,
                    max_new_tokens=max_new_tokens,
                    do_sample=temperature > 0,
                    temperature=temperature if temperature > 0 else None,
                    top_p=None,
                    top_k=None,
                    streamer=streamer,
                    stopping_criteria=criteria,
                    pad_token_id=self.chat.pad_token_id,
                )

        def answer_from(output: torch.Tensor) -> Answer:
            tokens = output[0, prompt_length:].tolist()
            if self.repetition_guard is not None:  # a stopped loop: its phrase once in the answer kept
                tokens = without_repeats(tokens, self.repetition_guard)
            text = self.chat.decode(torch.tensor(tokens, dtype=torch.long))
            return Answer(text.strip(), entry.timestamps, prompt.visual_tokens, time.perf_counter() - started, cached)

        if not stream:
            return answer_from(generate())

        result = AnswerStream(iter(()))

        def chunks() -> Iterator[str]:
            streamer = TextIteratorStreamer(self.chat.tokenizer, skip_prompt=True, skip_special_tokens=True)
            stop = threading.Event()
            failure: list[BaseException] = []
            output: list[torch.Tensor] = []

            def run():
                try:
                    output.append(generate(streamer, stop))
                except BaseException as error:  # re-raised in the caller's thread below
                    failure.append(error)
                    streamer.end()

            worker = threading.Thread(target=run, daemon=True)
            worker.start()
            try:
                for piece in streamer:
                    if piece:
                        yield piece
            finally:  # also when the reader stops early: end the generation at its next token
                stop.set()
                worker.join()
            if failure:
                raise failure[0]
            result.answer = answer_from(output[0])

        result.chunks = chunks()
        return result
