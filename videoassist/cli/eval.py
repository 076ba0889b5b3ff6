"""`videoassist eval --model M --data FILE.json`: score a model on Valley-format questions with references."""

import json
from pathlib import Path

from videoassist.cli._common import add_model_arguments


def register(subparsers):
    parser = subparsers.add_parser("eval", help="score a model on Valley-format conversations with references")
    add_model_arguments(parser)
    parser.add_argument("--data", required=True, help="Valley-format JSON (e.g. eval_test.json of the synth world)")
    parser.add_argument("--video-root", help="folder the records' video paths are relative to (default: the JSON's)")
    parser.add_argument("--output", default="report.json", help="report JSON; the chart goes beside it as .png")
    parser.add_argument("--limit", type=int, help="evaluate only the first N questions")
    parser.add_argument("--resume", action="store_true", help="keep the predictions already written, ask the rest")
    sampling = parser.add_mutually_exclusive_group()
    sampling.add_argument("--frames", type=int, help="N evenly spaced frames")
    sampling.add_argument("--fps", type=float, help="F frames per second")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.set_defaults(func=run)


def run(args) -> int:
    from videoassist.cli._quiet import quiet_libraries
    from videoassist.data import read_records
    from videoassist.evaluation import eval_items, evaluate
    from videoassist.evaluation.run import write_report
    from videoassist.inference import VideoAssistant

    items = eval_items(read_records(args.data, args.video_root))[: args.limit]
    quiet_libraries()
    assistant = VideoAssistant.load(args.model, int8_lm_head=args.int8_lm_head)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    predictions_path = output.with_suffix(".predictions.jsonl")
    predictions = evaluate(assistant, items, predictions_path, max_new_tokens=args.max_new_tokens,
                           resume=args.resume, num_frames=args.frames, fps=args.fps)
    report = write_report(predictions, output, title=f"{args.model} on {Path(args.data).name}",
                          extra={"model": args.model, "data": str(args.data)})
    print(json.dumps({k: report[k] for k in ("overall", "by_language", "n")}, ensure_ascii=False))
    print(f"report: {output}  chart: {output.with_suffix('.png')}  predictions: {predictions_path}")
    return 0
