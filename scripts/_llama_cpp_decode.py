"""llama.cpp's decode speed on a GGUF file, for bench_llm.py: run by the Python of an environment that has
llama-cpp-python (it builds for ~16 minutes on 2 cores, so it usually lives in a venv of its own; this script
needs nothing else). Prints one JSON line.

    PYTHON scripts/_llama_cpp_decode.py GGUF --prompt TEXT --tokens N --repeats R --threads T [--no-extra-bufts]

Greedy generation of N tokens, best of R after a warm-up; the decode rate is from the first token to the last.
--no-extra-bufts turns off llama.cpp's extra CPU buffer types (AMX, repacked weights): a build for a CPU with AMX
dies of SIGILL in a virtual machine that does not allow those instructions.
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("gguf")
    parser.add_argument("--prompt", required=True)
    parser.add_argument("--tokens", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--no-extra-bufts", action="store_true")
    args = parser.parse_args()

    import llama_cpp.llama_cpp as raw
    from llama_cpp import Llama, __version__

    if args.no_extra_bufts:
        defaults = raw.llama_model_default_params

        def without_extra_bufts():
            params = defaults()
            params.use_extra_bufts = False
            return params

        raw.llama_model_default_params = without_extra_bufts
    llm = Llama(model_path=args.gguf, n_ctx=512, n_threads=args.threads, n_threads_batch=args.threads, verbose=False)
    prompt = llm.tokenize(args.prompt.encode())

    def run() -> tuple[float, float]:
        llm.reset()
        start, first = time.perf_counter(), None
        for count, _ in enumerate(llm.generate(prompt, top_k=1, temp=0.0, repeat_penalty=1.0), start=1):
            if first is None:
                first = time.perf_counter()
            if count == args.tokens:
                break
        return first - start, (args.tokens - 1) / (time.perf_counter() - first)

    run()  # warm-up
    runs = [run() for _ in range(args.repeats)]
    print(json.dumps({"tokens_per_s": round(max(r[1] for r in runs), 2),
                      "prefill_and_first_token_s": round(min(r[0] for r in runs), 3),
                      "runs_tokens_per_s": [round(r[1], 2) for r in runs], "threads": args.threads,
                      "extra_bufts": not args.no_extra_bufts, "version": __version__}))


if __name__ == "__main__":
    main()
