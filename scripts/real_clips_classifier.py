"""What the ImageNet tower alone says about each real clip: the ceiling of what it can tell the LLM.

    python scripts/real_clips_classifier.py --data DIR      # DIR: written by `python -m data_tools real-clips`

Samples each clip as the demo does (8 evenly spaced frames), classifies every frame with the converted
EfficientNet-Lite0 (videoassist.checkpoints.imagenet_tower) and takes the top-1 of the frames' mean distribution;
a clip that cuts to another photograph gets the top-1 before and after the cut ("X, then Y"). That text is judged
with the clips' answer vocabulary against the English reference, as `videoassist eval` judges an answer. Prints a
Markdown table and the share of clips named correctly.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from videoassist.checkpoints.imagenet_tower import imagenet_tower_folder
from videoassist.evaluation.scoring import VocabularyScorer
from videoassist.evaluation.vocabulary import read_vocabulary
from videoassist.models.videoassist.base_models import load_vision_model
from videoassist.models.videoassist.video_processing_videoassist import VideoAssistVideoProcessor
from videoassist.video import sample_frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="folder written by data_tools real-clips")
    parser.add_argument("--frames", type=int, default=8)
    args = parser.parse_args()
    folder = imagenet_tower_folder()
    model = load_vision_model(str(folder)).eval()
    processor = VideoAssistVideoProcessor.from_vision_tower(str(folder))
    scorer = VocabularyScorer(read_vocabulary(args.data / "answer_vocabulary.json"))
    references = {r["video"]: r["conversations"][1]["value"] for r in
                  json.loads((args.data / "eval_real.json").read_text()) if r["language"] == "en"}
    right = 0
    truths = [json.loads(line) for line in (args.data / "ground_truth.jsonl").read_text().splitlines()]
    print("| clip | object | classifier top-1 (mean probability) | named |\n|---|---|---|---|")
    for truth in truths:
        clip = sample_frames(args.data / truth["video"], num_frames=args.frames)
        with torch.no_grad():
            probs = model(processor(clip.frames)["pixel_values_videos"]).logits.softmax(-1)
        if truth["change_s"] is None:
            groups = [probs]
        else:
            before = torch.as_tensor(clip.timestamps) < truth["change_s"]
            groups = [probs[before], probs[~before]]
        tops = [group.mean(0).max(0) for group in groups]
        said = ", then ".join(model.config.id2label[int(i)].split(",")[0] for _, i in tops)
        named = scorer.score_answer(said, references[truth["video"]], "object")
        right += named
        shown = ", then ".join(f"{model.config.id2label[int(i)].split(',')[0]} ({p:.2f})" for p, i in tops)
        print(f"| {truth['id']} | {' → '.join(truth['objects'])} | {shown} | {'yes' if named else 'no'} |")
    print(f"\nnamed correctly: {right}/{len(truths)} = {100 * right / len(truths):.1f}%")


if __name__ == "__main__":
    main()
