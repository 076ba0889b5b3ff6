"""Make a synthetic dataset: clips, ground truth, and Valley-format pretraining, instruction and eval JSON.

Layout of the output folder DIR:
    synth/<id>.mp4              the clips (ids synth_000000, synth_000001, ...)
    ground_truth.jsonl          one ground-truth record per clip, every split, in id order
    pretrain_<split>.json       Valley pretraining records (one per clip and language)
    instruct_<split>.json       Valley instruction records (one multi-turn conversation per clip)
    eval_<split>.json           single-question Valley instruction records, every type and language
    answer_vocabulary.json      the words answers are judged on, read by `videoassist eval` beside eval_*.json
    manifest.json               seed, counts, settings and generator version
for split in train, val, test, compositional.

`renderer` and `phrasing` name how the clips are drawn and the questions worded: "default" (render.py, text.py),
or "variant" (render_variant.py, phrasing_variant.py), written independently for evaluation only: the same world
and answers, drawn and asked another way.

Clip i is drawn from its own seed, SeedSequence([seed, i]), so the output does not depend on the number of
workers or the order they finish in; world and text draw from separate child streams, so a change to the
text (say, a new phrasing) leaves the clips as they were.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np
from tqdm import tqdm

from data_tools.synth.phrasing_variant import VARIANT_PHRASING
from data_tools.synth.render import RenderStyle
from data_tools.synth.render_variant import VARIANT_ENCODER, VariantStyle
from data_tools.synth.scoring import answer_vocabulary
from data_tools.synth.text import DEFAULT_PHRASING, QA, Phrasing, caption, caption_request, conversation, eval_questions
from data_tools.synth.vocabulary import HELD_OUT_PAIRS, LANGUAGES
from data_tools.synth.world import Clip, WorldSettings, sample_clip
from data_tools.synth.writer import EncoderSettings, write_mp4
from videoassist.checkpoints.atomic import open_atomic
from videoassist.errors import DataError
from videoassist.evaluation.vocabulary import VOCABULARY_FILE, write_vocabulary

GENERATOR_VERSION = "2"
SPLITS = ("train", "val", "test", "compositional")
SOURCE = "synth"  # the sub-folder of the video root, and the "source" of instruction records
VIDEO_TOKEN = "<video>"

# A renderer's name → its drawing style and the encoder settings its clips are written with.
RENDERERS: dict[str, tuple[RenderStyle | VariantStyle, EncoderSettings]] = {
    "default": (RenderStyle(), EncoderSettings()),
    "variant": (VariantStyle(), VARIANT_ENCODER),
}
PHRASINGS: dict[str, Phrasing] = {"default": DEFAULT_PHRASING, "variant": VARIANT_PHRASING}


@dataclass(frozen=True)
class SynthConfig:
    out: Path
    n: int                                  # clips in train + val + test (80 / 10 / 10)
    seed: int
    languages: tuple[str, ...] = LANGUAGES  # languages of the JSON records (ground truth always has both)
    n_compositional: int | None = None      # clips in the compositional split; None: n // 10
    workers: int = 1
    overwrite: bool = False
    world: WorldSettings = field(default_factory=WorldSettings)
    style: RenderStyle | VariantStyle = field(default_factory=RenderStyle)  # the renderer: RENDERERS
    encoder: EncoderSettings = field(default_factory=EncoderSettings)
    phrasing: str = "default"               # a name in PHRASINGS

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError("n must be at least 1")
        if not self.languages or set(self.languages) - set(LANGUAGES):
            raise ValueError(f"languages must be a non-empty subset of {LANGUAGES}, got {self.languages}")
        if self.n_compositional is not None and self.n_compositional < 0:
            raise ValueError("n_compositional must not be negative")
        if self.phrasing not in PHRASINGS:
            raise ValueError(f"phrasing must be one of {', '.join(PHRASINGS)}, got {self.phrasing!r}")

    def split_sizes(self) -> dict[str, int]:
        held = self.n // 10
        compositional = held if self.n_compositional is None else self.n_compositional
        return {"train": self.n - 2 * held, "val": held, "test": held, "compositional": compositional}


def clip_id(index: int) -> str:
    return f"synth_{index:06d}"


def video_path(index: int) -> str:
    """The clip's path relative to the dataset folder (Valley's video root)."""
    return f"{SOURCE}/{clip_id(index)}.mp4"


def split_plan(config: SynthConfig) -> list[str]:
    """The split of each clip index: train first, then val, test and compositional."""
    return [split for split, size in config.split_sizes().items() for _ in range(size)]


def _streams(seed: int, index: int) -> tuple[np.random.Generator, np.random.Generator]:
    world, text = np.random.SeedSequence([seed, index]).spawn(2)
    return np.random.default_rng(world), np.random.default_rng(text)


def _pair_constraints(split: str) -> dict[str, frozenset]:
    if split == "compositional":
        return {"required_pairs": HELD_OUT_PAIRS}
    return {"forbidden_pairs": HELD_OUT_PAIRS}


def sample_world(seed: int, index: int, split: str, settings: WorldSettings = WorldSettings()) -> Clip:
    """The ground truth of clip `index` of a dataset made with `seed` (no rendering)."""
    return sample_clip(_streams(seed, index)[0], settings, **_pair_constraints(split))


def _human(question: str, qa: QA | None = None, first: bool = False) -> dict:
    turn = {"from": "human", "value": f"{VIDEO_TOKEN}\n{question}" if first else question}
    if qa is not None:
        turn.update(type=qa.type, lang=qa.lang)
    return turn


def _qa_turns(qas: list[QA]) -> list[dict]:
    turns = []
    for i, qa in enumerate(qas):
        turns += [_human(qa.question, qa, first=i == 0), {"from": "gpt", "value": qa.answer}]
    return turns


def clip_records(config: SynthConfig, index: int, split: str) -> dict:
    """Sample, render and write clip `index`; return its ground-truth, pretrain, instruct and eval records."""
    clip = sample_world(config.seed, index, split, config.world)
    text_rng = _streams(config.seed, index)[1]
    write_mp4(config.out / video_path(index), config.style.frames(clip), clip.fps, config.encoder)
    phrasing = PHRASINGS[config.phrasing]

    cid, video = clip_id(index), video_path(index)
    captions = {lang: caption(clip, lang) for lang in LANGUAGES}
    ground_truth = {"id": cid, "split": split, "video": video, **clip.to_record(),
                    "caption_en": captions["en"], "caption_zh": captions["zh"]}
    pretrain = [
        {"id": f"{cid}_{lang}", "video": video,
         "conversations": [_human(caption_request(text_rng, lang, phrasing), first=True),
                           {"from": "gpt", "value": captions[lang]}]}
        for lang in config.languages
    ]
    forbidden = _pair_constraints(split).get("forbidden_pairs", frozenset())
    instruct = {"id": cid, "video": video, "source": SOURCE, "v_id": cid,
                "conversations": _qa_turns(conversation(clip, config.languages, text_rng, forbidden, phrasing))}
    evaluation = [
        {"id": f"{cid}_q{k:02d}", "video": video, "source": SOURCE, "v_id": cid,
         "conversations": _qa_turns([qa]), "question_type": qa.type, "language": qa.lang}
        for k, qa in enumerate(eval_questions(clip, config.languages, text_rng, forbidden, phrasing))
    ]
    return {"ground_truth": ground_truth, "pretrain": pretrain, "instruct": instruct, "eval": evaluation}


def _clip_job(job: tuple[SynthConfig, int, str]) -> dict:
    return clip_records(*job)


def _results(config: SynthConfig, jobs: list[tuple[SynthConfig, int, str]]) -> Iterator[dict]:
    """Each job's records, in job order, computed by `config.workers` processes."""
    if config.workers == 1 or len(jobs) == 1:
        yield from map(_clip_job, jobs)
        return
    # spawn, not fork: the caller may hold threads (torch, tqdm) that a forked child would inherit broken. An
    # executor, not a Pool: a worker that dies raises BrokenProcessPool here instead of hanging the run.
    workers = min(config.workers, len(jobs))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as executor:
        yield from executor.map(_clip_job, jobs, chunksize=4)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


class _JsonList:
    """A JSON list written one record per line as records arrive (what Valley loaders read, still diffable),
    so memory does not grow with the dataset."""

    def __init__(self, file: TextIO) -> None:
        self.file, self.count = file, 0

    def extend(self, records: list[dict]) -> None:
        for record in records:
            self.file.write(("[\n" if self.count == 0 else ",\n") + _json(record))
            self.count += 1

    def finish(self) -> None:
        self.file.write("\n]\n" if self.count else "[]\n")


def _prepare_output(config: SynthConfig) -> None:
    if config.out.exists() and not config.out.is_dir():
        raise DataError(config.out, "is not a folder")
    clips = config.out / SOURCE
    if (config.out / "manifest.json").exists() or any(clips.glob("synth_*.mp4")):
        if not config.overwrite:
            raise DataError(config.out, "already holds a synthetic dataset; pass --overwrite to replace it")
        for stale in clips.glob("synth_*.mp4"):
            stale.unlink()
    try:
        clips.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(clips, f"cannot create the output folder ({error.strerror})") from error


def generate(config: SynthConfig, progress: bool = True) -> dict:
    """Write the whole dataset into `config.out` and return its manifest."""
    _prepare_output(config)
    jobs = [(config, index, split) for index, split in enumerate(split_plan(config))]
    kinds = ("pretrain", "instruct", "eval")
    with ExitStack() as files:
        truth = files.enter_context(open_atomic(config.out / "ground_truth.jsonl"))
        lists = {(kind, split): _JsonList(files.enter_context(open_atomic(config.out / f"{kind}_{split}.json")))
                 for kind in kinds for split in SPLITS}
        results = tqdm(_results(config, jobs), total=len(jobs), desc="synth", unit="clip", disable=not progress)
        for (_, _, split), result in zip(jobs, results, strict=True):
            truth.write(_json(result["ground_truth"]) + "\n")
            lists["pretrain", split].extend(result["pretrain"])
            lists["instruct", split].extend([result["instruct"]])
            lists["eval", split].extend(result["eval"])
        for json_list in lists.values():
            json_list.finish()
    write_vocabulary(answer_vocabulary(), config.out / VOCABULARY_FILE)
    sizes = config.split_sizes()
    counts = {split: {"clips": sizes[split], **{kind: lists[kind, split].count for kind in kinds}}
              for split in SPLITS}

    manifest = {
        "generator": "data_tools.synth", "generator_version": GENERATOR_VERSION,
        "seed": config.seed, "n": config.n, "n_compositional": sizes["compositional"],
        "languages": list(config.languages), "splits": counts,
        "held_out_pairs": sorted(map(list, HELD_OUT_PAIRS)),
        "world_settings": asdict(config.world), "renderer": config.style.name, "render_style": asdict(config.style),
        "encoder": asdict(config.encoder), "phrasing": config.phrasing,
    }
    with open_atomic(config.out / "manifest.json") as file:
        file.write(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return manifest
