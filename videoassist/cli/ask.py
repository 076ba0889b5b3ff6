"""`videoassist ask VIDEO "question"`: one answer about one video, printed, streamed or as JSON."""

import json
import sys

from videoassist.cli._common import add_model_arguments


def register(subparsers):
    parser = subparsers.add_parser("ask", help="ask a question about a video")
    parser.add_argument("video", help="video or image file")
    parser.add_argument("question")
    add_model_arguments(parser)
    sampling = parser.add_mutually_exclusive_group()
    sampling.add_argument("--frames", type=int, help="N evenly spaced frames (Valley)")
    sampling.add_argument("--fps", type=float, help="F frames per second (LLaMA-VID)")
    parser.add_argument("--max-frames", type=int, help="cap on the frames taken with --fps")
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--temperature", type=float, default=0.0, help="0: greedy")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--stream", action="store_true", help="print the answer as it is generated")
    output.add_argument("--json", action="store_true", help="print one JSON object: answer, timestamps, …")
    parser.set_defaults(func=run)


def run(args) -> int:
    from videoassist.video import probe

    probe(args.video)  # a bad file fails here, before torch is imported and the model loaded
    from videoassist.inference import VideoAssistant

    assistant = VideoAssistant.load(args.model, device=args.device, precision=args.precision)
    options = dict(
        num_frames=args.frames,
        fps=args.fps,
        max_frames=args.max_frames,
        max_new_tokens=args.max_new_tokens,
        temperature=args.temperature,
    )
    if args.stream:
        for piece in assistant.ask(args.video, args.question, stream=True, **options):
            sys.stdout.write(piece)
            sys.stdout.flush()
        sys.stdout.write("\n")
        return 0
    answer = assistant.ask(args.video, args.question, **options)
    print(json.dumps(answer.to_json(), ensure_ascii=False) if args.json else answer.text)
    return 0
