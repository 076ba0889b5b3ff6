"""Teacher-forced answer accuracy: a cheap progress check for stages 1-2 (one forward pass per 8 questions).

A question counts as right when the model's argmax at every token of the reference answer is that token (the
end-of-turn and whitespace tokens after it are not counted). It tracks what generation + the scorer give, for a
fraction of the time; `videoassist eval` stays the measurement.

    python -m recipes.demo teacher-forced --model outputs/demo/instruct --data DIR/eval_test.json --limit 160
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import torch
from tqdm import tqdm

from videoassist.cli import positive
from videoassist.data.records import load_records
from videoassist.video import sample_frames

ROLES = {"human": "user", "gpt": "assistant"}


def answer_positions(labels: torch.Tensor, tokenizer) -> torch.Tensor:
    """Positions (into the shifted targets) of the reference answer's own tokens."""
    special = set(tokenizer.all_special_ids)
    return torch.tensor([i for i, token in enumerate(labels.tolist())
                         if token != -100 and token not in special and tokenizer.decode([token]).strip()],
                        dtype=torch.long)


@torch.no_grad()
def teacher_forced_accuracy(model, processor, records: list[dict], video_root: Path, num_frames: int = 8,
                            batch_size: int = 8, progress: bool = True) -> dict[str, dict]:
    right, total = Counter(), Counter()
    for start in tqdm(range(0, len(records), batch_size), desc="teacher-forced", disable=not progress):
        chunk = records[start:start + batch_size]
        conversations = [[{"role": ROLES[t["from"]], "content": t["value"]} for t in r["conversations"]]
                         for r in chunk]
        videos = [sample_frames(video_root / r["video"], num_frames=num_frames).frames for r in chunk]
        batch = processor(conversations, videos=videos, padding_side="right")
        targets = batch.pop("labels")[:, 1:]
        predicted = model(**batch).logits[:, :-1].argmax(-1)
        for row, record in enumerate(chunk):
            positions = answer_positions(targets[row], processor.tokenizer)
            ok = len(positions) > 0 and bool((predicted[row, positions] == targets[row, positions]).all())
            for key in ("overall", record.get("question_type", "?"), record.get("language", "?")):
                right[key] += ok
                total[key] += 1
    return {key: {"accuracy": round(right[key] / total[key], 4), "n": total[key]} for key in sorted(total)}


def register(subparsers) -> None:
    parser = subparsers.add_parser("teacher-forced", help="teacher-forced answer accuracy of a checkpoint",
                                   description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="a checkpoint folder")
    parser.add_argument("--data", type=Path, required=True, help="single-question Valley JSON (eval_<split>.json)")
    parser.add_argument("--limit", type=positive(int), default=None, help="the first N questions")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from videoassist.checkpoints.sources import load_model

    records = load_records(args.data)[: args.limit]
    model, processor = load_model(args.model)
    report = teacher_forced_accuracy(model.eval(), processor, records, args.data.parent)
    print(json.dumps(report, ensure_ascii=False))
    return 0
