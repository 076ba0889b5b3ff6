"""What Gemma 3 270M answers with the `classes` tokens and no training at all (issue 15's starting point).

    python scripts/class_tokens_zero_shot.py --data DIR [--clips real_000 real_003 ...]   # DIR: data_tools real-clips

Builds VideoAssist on the ImageNet tower (videoassist.checkpoints.imagenet_tower) and Gemma with token_mode
`classes` (one soft-text token per frame: the top-k ImageNet classes' name embeddings, mixed by probability), asks
each clip's eval questions, and prints the answers with the vocabulary's verdict.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from videoassist.checkpoints.gemma import gemma_folder
from videoassist.checkpoints.imagenet_tower import imagenet_tower_folder
from videoassist.evaluation.scoring import VocabularyScorer
from videoassist.evaluation.vocabulary import read_vocabulary
from videoassist.inference.assistant import VideoAssistant
from videoassist.models.videoassist import build
from videoassist.models.videoassist.token_builders.classes import init_projector_from_class_names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--clips", nargs="*", help="clip ids (default: all)")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--max-new-tokens", type=int, default=24)
    args = parser.parse_args()
    model, processor = build(str(imagenet_tower_folder()), str(gemma_folder()), token_mode="classes",
                             projector_type="linear", select_layer=-1,
                             token_builder_config={"top_k": args.top_k})
    init_projector_from_class_names(model, processor.tokenizer)
    assistant = VideoAssistant(model, processor)
    scorer = VocabularyScorer(read_vocabulary(args.data / "answer_vocabulary.json"))
    items = json.loads((args.data / "eval_real.json").read_text())
    right = asked = 0
    for item in items:
        if args.clips and item["id"].rsplit("_", 1)[0] not in args.clips:
            continue
        question = item["conversations"][0]["value"].split("\n", 1)[1]
        reference = item["conversations"][1]["value"]
        answer = assistant.ask(args.data / item["video"], question, max_new_tokens=args.max_new_tokens).text
        ok = scorer.score_answer(answer, reference, item["question_type"])
        right, asked = right + ok, asked + 1
        print(f"{item['id']}\t{reference}\t{'RIGHT' if ok else 'wrong'}\t{answer!r}", flush=True)
    print(f"named correctly: {right}/{asked}")


if __name__ == "__main__":
    main()
