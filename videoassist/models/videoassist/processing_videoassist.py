"""VideoAssistProcessor: a transformers `ProcessorMixin` over the video processor and the LLM tokenizer.

- Frames (decoded and sampled by videoassist.video) become pixel values through `video_processor`
  (VideoAssistVideoProcessor: the vision tower's resize, crop and normalisation).
- Conversations are rendered with the LLM tokenizer's chat template, or `PLAIN_CHAT_TEMPLATE` when it has none.
- Every `<video>` marker is expanded into exactly as many placeholder tokens as the model will write visual
  tokens there (`VideoAssistConfig.visual_block_sizes`).
- Labels are -100 everywhere but the assistant's replies (with the template's end-of-turn marker).
- A token builder with a marker per question (llamavid) gives every user turn of a video conversation its own
  visual tokens; one that needs queries also gets each question's text as `query_input_ids` for the query encoder:
  in the LLM's vocabulary, or (`VideoAssistQFormerProcessor`, LLaMA-VID's Q-Former) in the Q-Former's own BERT
  vocabulary. `VideoAssistProcessor.from_pretrained` gives whichever the model's config needs.

`save_pretrained` writes the tokenizer and `processor_config.json` (the video processor's settings and the
model's default frame sampling, a `videoassist.video.SamplingConfig`); the model's own config.json beside it
gives the placeholder counts.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict

import numpy as np
import torch
from transformers import AutoTokenizer, BatchFeature, ProcessorMixin
from transformers.utils import PROCESSOR_NAME
from transformers.video_processing_utils import VideoProcessorMixin

from ...video import SamplingConfig
from .configuration_videoassist import VideoAssistConfig
from .token_builders.query_encoder import QUERY_ENCODERS
from .video_processing_videoassist import VideoAssistVideoProcessor

# The plain template for LLMs without a chat template of their own (base models):
#   <bos>[system text\n\n]USER: <question>\nASSISTANT: <reply><eos>\nUSER: …\nASSISTANT:
PLAIN_CHAT_TEMPLATE = (
    "{% if bos_token %}{{ bos_token }}{% endif %}"
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}{{ message['content'] }}\n\n"
    "{% elif message['role'] == 'user' %}USER: {{ message['content'] }}\n"
    "{% else %}ASSISTANT: {{ message['content'] }}{{ eos_token }}\n{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}ASSISTANT:{% endif %}"
)
IGNORE_INDEX = -100
# Checkpoints written before processor_config.json (PROCESSOR_NAME) kept their sampling here, and their video
# processor's settings in preprocessor_config.json, which VideoAssistVideoProcessor.from_pretrained still reads.
LEGACY_SETTINGS_NAME = "videoassist_processor.json"


class VideoAssistProcessor(ProcessorMixin):
    def __init__(
        self,
        video_processor: VideoAssistVideoProcessor,
        tokenizer,
        config: VideoAssistConfig,
        sampling: SamplingConfig | dict | None = None,
    ):
        super().__init__(video_processor, tokenizer)
        self._configure(config, sampling)

    def _configure(self, config: VideoAssistConfig, sampling: SamplingConfig | dict | None) -> None:
        needed = self.processor_class_for(config)
        if isinstance(self, VideoAssistQFormerProcessor) != (needed is VideoAssistQFormerProcessor):
            raise ValueError(f"this model's questions need a {needed.__name__}")
        tokenizer = self.tokenizer
        self.config = config
        self.sampling = SamplingConfig(**sampling) if isinstance(sampling, dict) else sampling or SamplingConfig()
        self.video_token = config.video_token
        self.video_token_id = tokenizer.convert_tokens_to_ids(config.video_token)
        if self.video_token_id is None or self.video_token_id == tokenizer.unk_token_id:
            raise ValueError(f"the tokenizer has no {config.video_token!r} token: add it with add_special_tokens")
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token

    @staticmethod
    def processor_class_for(config: VideoAssistConfig) -> type["VideoAssistProcessor"]:
        """VideoAssistQFormerProcessor for a query encoder with its own tokenizer, else VideoAssistProcessor."""
        builder = config.token_builder_class
        if builder.needs_queries and not QUERY_ENCODERS[config.token_builder_config.query_encoder].reads_llm_tokens:
            return VideoAssistQFormerProcessor
        return VideoAssistProcessor

    def check_argument_for_proper_class(self, argument_name, argument):
        # transformers looks VideoProcessorMixin up among its exports, which hold it only when torchvision is there.
        if argument_name == "video_processor":
            if not isinstance(argument, VideoProcessorMixin):
                raise TypeError(f"video_processor must be a VideoProcessorMixin, got {type(argument).__name__}")
            return VideoProcessorMixin
        return super().check_argument_for_proper_class(argument_name, argument)

    # ---- text ------------------------------------------------------------------------------------------------

    def render(self, messages: list[dict], add_generation_prompt: bool = False) -> str:
        return self.tokenizer.apply_chat_template(
            messages,
            chat_template=self.tokenizer.chat_template or PLAIN_CHAT_TEMPLATE,
            tokenize=False,
            add_generation_prompt=add_generation_prompt,
        )

    def place_markers(self, messages: list[dict], has_video: bool) -> list[dict]:
        """One `<video>` marker at the start of the first user turn of a video conversation (and, for a token
        builder with a marker per question, of every later user turn); none anywhere else."""
        marker = self.video_token
        per_question = self.config.token_builder_class.marker_per_question
        placed, seen_user = [], False
        for message in messages:
            content = message["content"].replace(marker, "").strip()
            if message["role"] == "user" and has_video and (not seen_user or per_question):
                content = f"{marker}\n{content}"
            seen_user = seen_user or message["role"] == "user"
            placed.append({**message, "content": content})
        return placed

    def expand_markers(self, text: str, block_sizes: list[int]) -> str:
        """Replace the k-th marker with the builder's text for block_sizes[k] placeholders (markers past the list
        are a bug upstream)."""
        pieces = text.split(self.video_token)
        if len(pieces) - 1 > len(block_sizes):
            raise ValueError(f"{len(pieces) - 1} video markers but {len(block_sizes)} visual blocks")
        builder = self.config.token_builder_class
        expanded = [pieces[0]]
        for size, piece in zip(block_sizes, pieces[1:]):
            expanded.append(builder.placeholder_text(self.config, size, self.video_token) + piece)
        return "".join(expanded)

    def encode_conversation(
        self, messages: list[dict], num_frames: int | None, add_generation_prompt: bool
    ) -> tuple[list[int], list[int], list[str]]:
        """→ (input_ids, labels, questions) for one conversation; num_frames None for a text-only one."""
        messages = self.place_markers(messages, has_video=num_frames is not None)
        questions = [m["content"].replace(self.video_token, "").strip() for m in messages if m["role"] == "user"]
        blocks = self.config.visual_block_sizes(num_frames, len(questions)) if num_frames is not None else []

        def expanded(upto: int, generation_prompt: bool) -> str:
            return self.expand_markers(self.render(messages[:upto], generation_prompt), blocks)

        text = expanded(len(messages), add_generation_prompt)
        reply_spans = []
        for index, message in enumerate(messages):
            if message["role"] != "assistant":
                continue
            prefix, through = expanded(index, True), expanded(index + 1, False)
            if not text.startswith(through) or not through.startswith(prefix):
                raise ValueError("the chat template does not render conversations prefix by prefix")
            reply_spans.append((len(prefix), len(through)))
        encoding = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        labels = [
            token if any(start <= s < end for start, end in reply_spans) else IGNORE_INDEX
            for token, (s, _) in zip(encoding["input_ids"], encoding["offset_mapping"])
        ]
        return encoding["input_ids"], labels, questions

    # ---- batches ---------------------------------------------------------------------------------------------

    def __call__(
        self,
        conversations: list[list[dict]],
        videos: list[np.ndarray | None] | None = None,
        num_frames: list[int | None] | None = None,
        add_generation_prompt: bool = False,
        padding_side: str = "left",
    ) -> BatchFeature:
        """Build a batch. `videos[i]` holds conversation i's RGB frames [T, H, W, 3] (None: text only); or give
        only `num_frames[i]` when the vision features are already computed (the feature cache)."""
        if videos is not None:
            num_frames = [None if v is None else len(v) for v in videos]
        num_frames = num_frames if num_frames is not None else [None] * len(conversations)
        ids, labels, queries, queries_per_video = [], [], [], []
        for messages, frames in zip(conversations, num_frames, strict=True):
            input_ids, label_ids, questions = self.encode_conversation(messages, frames, add_generation_prompt)
            ids.append(input_ids)
            labels.append(label_ids)
            if frames is not None:
                queries.extend(questions)
                queries_per_video.append(len(questions))
        batch = self.pad(ids, labels, padding_side)
        video_frames = [v for v in (videos or []) if v is not None]
        if video_frames:
            batch["pixel_values_videos"] = self.video_processor(video_frames)["pixel_values_videos"]
        if any(n is not None for n in num_frames):
            batch["frames_per_video"] = torch.tensor([n for n in num_frames if n is not None])
            if self.config.token_builder_class.needs_queries:
                query = self.question_ids(queries)
                batch["query_input_ids"] = query["input_ids"]
                batch["query_attention_mask"] = query["attention_mask"]
                batch["queries_per_video"] = torch.tensor(queries_per_video)
        return BatchFeature(batch)

    def question_ids(self, questions: list[str]) -> dict[str, torch.Tensor]:
        """The questions for the query encoder: LLM token ids (no special tokens), padded, truncated."""
        return self.tokenizer(questions, add_special_tokens=False, padding=True, truncation=True,
                              max_length=self.config.token_builder_config.max_query_tokens, return_tensors="pt")

    def pad(self, ids: list[list[int]], labels: list[list[int]], padding_side: str) -> dict[str, torch.Tensor]:
        length = max(len(x) for x in ids)
        pad_id = self.tokenizer.pad_token_id
        input_ids = torch.full((len(ids), length), pad_id, dtype=torch.long)
        label_ids = torch.full((len(ids), length), IGNORE_INDEX, dtype=torch.long)
        attention_mask = torch.zeros((len(ids), length), dtype=torch.long)
        for row, (x, y) in enumerate(zip(ids, labels)):
            span = slice(length - len(x), length) if padding_side == "left" else slice(0, len(x))
            input_ids[row, span] = torch.tensor(x, dtype=torch.long)
            label_ids[row, span] = torch.tensor(y, dtype=torch.long)
            attention_mask[row, span] = 1
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": label_ids}

    def decode(self, token_ids, **kwargs) -> str:
        return self.tokenizer.decode(token_ids, skip_special_tokens=True, **kwargs).strip()

    # ---- save / load -----------------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        output = super().to_dict()
        output.pop("config")  # the model's own config.json, not the processor's to store
        output["sampling"] = asdict(self.sampling)
        return output

    @classmethod
    def from_pretrained(cls, folder: str | os.PathLike, config: VideoAssistConfig | None = None, tokenizer=None,
                        **kwargs):
        """`config`: the model's (default: the folder's config.json); `tokenizer`: one to use instead of the
        folder's (a checkpoint shipped without its LLM's tokenizer)."""
        config = config or VideoAssistConfig.from_pretrained(folder)
        if cls.processor_class_for(config) is not cls:
            return cls.processor_class_for(config).from_pretrained(folder, config, tokenizer, **kwargs)
        tokenizer = tokenizer or AutoTokenizer.from_pretrained(folder)
        legacy = os.path.join(str(folder), LEGACY_SETTINGS_NAME)
        if os.path.isfile(legacy) and not os.path.isfile(os.path.join(str(folder), PROCESSOR_NAME)):
            with open(legacy) as handle:
                kwargs.setdefault("sampling", json.load(handle)["sampling"])
        return super().from_pretrained(folder, config=config, tokenizer=tokenizer, **kwargs)

    @classmethod
    def _get_arguments_from_pretrained(cls, folder, processor_dict=None, **kwargs):
        # ProcessorMixin would load the video processor through AutoVideoProcessor, which needs torchvision.
        return [VideoAssistVideoProcessor.from_pretrained(folder), kwargs["tokenizer"]]


class VideoAssistQFormerProcessor(VideoAssistProcessor):
    """For a Q-Former query encoder (LLaMA-VID): the questions also go through the Q-Former's own tokenizer
    (`qformer_tokenizer`, BERT WordPiece, saved in the `qformer_tokenizer/` sub-folder as InstructBlipProcessor
    saves its own): `[CLS] question [SEP]`, padded on the right (the Q-Former's positions count from its first
    token), the longest cut from the left (llamavid_arch.py:203-204, 274-280)."""

    def __init__(self, video_processor: VideoAssistVideoProcessor, tokenizer, qformer_tokenizer,
                 config: VideoAssistConfig, sampling: SamplingConfig | dict | None = None):
        ProcessorMixin.__init__(self, video_processor, tokenizer, qformer_tokenizer)
        self._configure(config, sampling)

    def question_ids(self, questions: list[str]) -> dict[str, torch.Tensor]:
        return self.qformer_tokenizer(questions, padding="longest", padding_side="right", truncation=True,
                                      max_length=self.config.token_builder_config.max_query_tokens,
                                      return_tensors="pt")

    @classmethod
    def _get_arguments_from_pretrained(cls, folder, processor_dict=None, **kwargs):
        qformer_tokenizer = AutoTokenizer.from_pretrained(folder, subfolder="qformer_tokenizer")
        return [*super()._get_arguments_from_pretrained(folder, processor_dict, **kwargs), qformer_tokenizer]


__all__ = ["VideoAssistProcessor", "VideoAssistQFormerProcessor", "PLAIN_CHAT_TEMPLATE", "IGNORE_INDEX"]
