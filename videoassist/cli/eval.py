"""`videoassist eval --model M --data FILE.json`: score a model on Valley-format questions with references."""

import argparse
import json
import sys
from pathlib import Path

from videoassist.cli._common import add_model_arguments, positive

DESCRIPTION = """\
Ask a model every question of a Valley-format file (a JSON list or JSON Lines) and score each answer against the
reference reply that follows it. Besides Valley's "id", "video" and "conversations", eval reads:
  question type  "question_type", "qa_type" or "type", on the human turn or on the record (the turn's wins);
                 without one the reply is a caption, scored by keyword recall
  language       "language" or "lang", on the turn or on the record; without one, zh when the question has
                 Chinese characters, else en
Answers are judged by the answer vocabulary answer_vocabulary.json beside the data file (the synthetic world
writes one) or --vocabulary FILE; without one, by normalised match of the reference in the answer (docs/EVAL.md).
An item that cannot be scored (a question type the vocabulary lacks, a reference with no word it knows, a video
that cannot be read) is written to the predictions with an "error", counted in the report's "errors", and the
run goes on. Exit status 1 when no item could be scored.
"""


def register(subparsers):
    parser = subparsers.add_parser("eval", help="score a model on Valley-format conversations with references",
                                   description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(parser)
    parser.add_argument("--data", required=True, help="Valley-format JSON (e.g. eval_test.json of the synth world)")
    parser.add_argument("--video-root", help="folder the records' video paths are relative to (default: the JSON's)")
    parser.add_argument("--vocabulary", metavar="FILE",
                        help="answer vocabulary JSON (default: answer_vocabulary.json beside --data, if there)")
    parser.add_argument("--output", default="report.json", help="report JSON; the chart goes beside it as .png")
    parser.add_argument("--limit", type=positive(int), help="evaluate only the first N questions")
    parser.add_argument("--resume", action="store_true",
                        help="keep the scored predictions already written, ask the rest (errors again)")
    sampling = parser.add_mutually_exclusive_group()
    sampling.add_argument("--frames", type=int, help="N evenly spaced frames")
    sampling.add_argument("--fps", type=float, help="F frames per second")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.set_defaults(func=run)


def run(args) -> int:
    from videoassist.data import read_records
    from videoassist.errors import DataError
    from videoassist.evaluation import eval_items, evaluate, find_vocabulary, load_scorer
    from videoassist.evaluation.run import write_report
    from videoassist.inference import VideoAssistant

    items = eval_items(read_records(args.data, args.video_root))[: args.limit]
    if not items:
        raise DataError(args.data, "holds no question followed by a reference reply")
    scorer = load_scorer(find_vocabulary(args.data, args.vocabulary))  # before the model loads: fail fast
    print(f"scoring by {scorer.description}")
    assistant = VideoAssistant.load(args.model, int8_lm_head=args.int8_lm_head)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    predictions_path = output.with_suffix(".predictions.jsonl")
    predictions = evaluate(assistant, items, scorer, predictions_path, max_new_tokens=args.max_new_tokens,
                           resume=args.resume, num_frames=args.frames, fps=args.fps)
    report = write_report(predictions, output, title=f"{args.model} on {Path(args.data).name}",
                          extra={"model": args.model, "data": str(args.data), "scorer": scorer.description})
    print(json.dumps({k: report[k] for k in ("overall", "by_language", "n", "errors")}, ensure_ascii=False))
    print(f"report: {output}  chart: {output.with_suffix('.png')}  predictions: {predictions_path}")
    if report["errors"]:
        first = report["first_errors"][0]
        print(f"eval: {report['errors']} of {len(items)} items not scored, the first {first['key']}: "
              f"{first['error']} (all in {predictions_path})", file=sys.stderr)
    if report["n"] == 0:
        print("eval: error: no item could be scored", file=sys.stderr)
        return 1
    return 0
