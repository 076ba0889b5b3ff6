"""`videoassist eval --model M --data FILE.json [--format NAME]`: score a model on questions with references, in
Valley format or a public benchmark's own layout."""

import argparse
import json
import sys
from pathlib import Path

from videoassist.cli._common import add_model_arguments, positive

DESCRIPTION = """\
Ask a model every question of a benchmark and score each answer. --format names the layout --data is in:
  valley          (default) Valley conversations: each reference reply follows its question
  mvbench         MVBench's folder (json/<task>.json, video/): multiple choice, scored exactly, per task
  videomme        Video-MME's parquet (videomme/test-*.parquet; videos in data/): multiple choice, scored exactly,
                  per task type, duration, domain
  msvd_qa, msrvtt_qa, activitynet_qa
                  test_q.json + test_a.json: open-ended, judged by --judge MODEL (a local causal LM, the
                  Video-ChatGPT protocol: yes/no and a 0-5 score, cached) or, by default, normalised and exact match
(docs/EVAL.md: the layouts, how to download each set, the commands that reproduce published numbers.)
A Valley file (a JSON list or JSON Lines), besides "id", "video" and "conversations", may give:
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
    parser.add_argument("--data", required=True,
                        help="the benchmark's file or folder (valley: e.g. eval_test.json of the synth world)")
    parser.add_argument("--format", default="valley", help="the layout of --data (see above; default: valley)")
    parser.add_argument("--video-root", help="folder the videos are in (default: where the format's layout puts "
                                             "them; valley: the JSON's folder)")
    parser.add_argument("--vocabulary", metavar="FILE",
                        help="answer vocabulary JSON (default: answer_vocabulary.json beside --data, if there)")
    parser.add_argument("--judge", default="none", metavar="MODEL",
                        help="open-ended formats: a Hugging Face causal LM (folder or cached hub id) judging each "
                             "answer by Video-ChatGPT's prompt; none (default): normalised and exact match")
    parser.add_argument("--judge-cache", metavar="FILE",
                        help="the judge's verdicts, reused by every run that names it (default: "
                             "<output>.judge.jsonl)")
    parser.add_argument("--output", default="report.json", help="report JSON; the chart goes beside it as .png")
    parser.add_argument("--limit", type=positive(int), help="evaluate only the first N questions (of the shard)")
    parser.add_argument("--shard", type=shard, metavar="I/K",
                        help="evaluate every K-th question from the I-th (0 <= I < K): K runs with I = 0..K-1 and "
                             "their own --output cover the set once")
    parser.add_argument("--resume", action="store_true",
                        help="keep the scored predictions already written, ask the rest (errors again)")
    sampling = parser.add_mutually_exclusive_group()
    sampling.add_argument("--frames", type=int, help="N evenly spaced frames")
    sampling.add_argument("--fps", type=float, help="F frames per second")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.set_defaults(func=run)


def shard(text: str) -> tuple[int, int]:
    """argparse type: "I/K" with 0 <= I < K."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not I/K: {text!r}") from None
    if not 0 <= index < count:
        raise argparse.ArgumentTypeError(f"need 0 <= I < K, got {text}")
    return index, count


def _scorer(benchmark, args):
    from videoassist.errors import VideoAssistError
    from videoassist.evaluation import MatchScorer, find_vocabulary, load_scorer
    from videoassist.evaluation.choices import ChoiceScorer
    from videoassist.evaluation.formats import CHOICE, OPEN
    from videoassist.evaluation.judge import LLMJudge

    judged = args.judge != "none"
    if judged and benchmark.kind != OPEN:
        raise VideoAssistError(f"--judge: {args.format} is not open-ended (its answers are scored exactly)")
    if benchmark.kind == CHOICE:
        return ChoiceScorer()
    if benchmark.kind == OPEN:
        cache = Path(args.judge_cache) if args.judge_cache else Path(args.output).with_suffix(".judge.jsonl")
        if not judged:
            return MatchScorer()
        judge = LLMJudge(args.judge, cache)
        judge.check_model()
        return judge
    return load_scorer(find_vocabulary(args.data, args.vocabulary))


def run(args) -> int:
    from videoassist.errors import DataError, VideoAssistError
    from videoassist.evaluation import evaluate
    from videoassist.evaluation.formats import get_format
    from videoassist.evaluation.run import write_report
    from videoassist.inference import VideoAssistant

    try:
        benchmark = get_format(args.format)
    except ValueError as error:
        raise VideoAssistError(f"--format: {error}") from None
    items = benchmark.read(Path(args.data), Path(args.video_root) if args.video_root else None)
    if args.shard:
        items = items[args.shard[0]::args.shard[1]]
    items = items[: args.limit]
    if not items:
        raise DataError(args.data, "holds no question with a reference answer"
                        + (f" in shard {args.shard[0]}/{args.shard[1]}" if args.shard else ""))
    scorer = _scorer(benchmark, args)  # before the model loads: fail fast
    print(f"scoring by {scorer.description}")
    assistant = VideoAssistant.load(args.model, device=args.device, precision=args.precision)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    predictions_path = output.with_suffix(".predictions.jsonl")
    predictions = evaluate(assistant, items, scorer, predictions_path, max_new_tokens=args.max_new_tokens,
                           resume=args.resume, num_frames=args.frames, fps=args.fps)
    groups = tuple(dict.fromkeys(group for item in items for group in item.groups))
    report = write_report(predictions, output, title=f"{args.model} on {Path(args.data).name} ({args.format})",
                          extra={"model": args.model, "data": str(args.data), "format": args.format,
                                 "scorer": scorer.description, "shard": f"{args.shard[0]}/{args.shard[1]}" if args.shard else None},
                          groups=groups)
    print(json.dumps({k: report[k] for k in ("headline", "by_language", "n", "errors")}, ensure_ascii=False))
    print(f"report: {output}  chart: {output.with_suffix('.png')}  predictions: {predictions_path}")
    if report["errors"]:
        first = report["first_errors"][0]
        print(f"eval: {report['errors']} of {len(items)} items not scored, the first {first['key']}: "
              f"{first['error']} (all in {predictions_path})", file=sys.stderr)
    if report["n"] == 0:
        print("eval: error: no item could be scored", file=sys.stderr)
        return 1
    return 0
