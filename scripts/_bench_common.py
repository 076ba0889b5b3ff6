"""What every benchmark script shares: timing with CPU accounting, peak memory, machine facts, model loading and
the final JSON line.

Every script ends with exactly one JSON line (`finish(result)`), which always holds `peak_rss_mb`: the peak
resident memory of the process (getrusage ru_maxrss, KiB on Linux, here in MiB). Timings come with the CPU
seconds this process used and, on Linux, the CPU seconds other processes used meanwhile, because the build
machine is shared: that tells a clean run from a contended one.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1 << 20) if sys.platform == "darwin" else peak / 1024, 1)


def busy_cpu_s() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (Linux /proc/stat), None elsewhere."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(field) for field in stat.readline().split()[1:]]
    except OSError:
        return None
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


@dataclass
class Measurement:
    walls: list[float]  # every run's wall time, seconds
    cpu: float  # CPU seconds of this process (all threads) in the fastest run
    others_cpu: float | None  # CPU seconds other processes used during the fastest run
    result: Any

    @property
    def best(self) -> float:
        return min(self.walls)

    def describe(self) -> str:
        others = "" if self.others_cpu is None else f", other processes {self.others_cpu:.2f} s CPU meanwhile"
        spread = f", median {statistics.median(self.walls):.2f} s" if len(self.walls) > 1 else ""
        return f"best {self.best:.2f} s{spread} ({self.cpu:.2f} s CPU{others})"

    def as_json(self) -> dict:
        others = None if self.others_cpu is None else round(self.others_cpu, 2)
        return {"best_s": round(self.best, 3), "runs_s": [round(w, 3) for w in self.walls],
                "cpu_s": round(self.cpu, 3), "others_cpu_s": others}


def measure(function, repeats: int = 1) -> Measurement:
    """Run `function` `repeats` times; keep every wall time, and the CPU figures and result of the fastest run."""
    runs = []
    for _ in range(repeats):
        busy, start, start_cpu = busy_cpu_s(), time.perf_counter(), time.process_time()
        result = function()
        wall, cpu, busy_after = time.perf_counter() - start, time.process_time() - start_cpu, busy_cpu_s()
        others = None if busy is None or busy_after is None else max(0.0, busy_after - busy - cpu)
        runs.append((wall, cpu, others, result))
    best = min(runs, key=lambda run: run[0])
    return Measurement([run[0] for run in runs], best[1], best[2], best[3])


def cpu_name() -> dict:
    """The CPU's vendor and model name (Linux /proc/cpuinfo; platform's guess elsewhere): speed depends on them."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    return {"vendor": fields.get("vendor_id", platform.machine()), "model": fields.get("model name", platform.processor())}


def machine(load_before: float, **versions: str) -> dict:
    """Facts to store beside the figures: CPU, Python, platform, 1-minute load before and after."""
    facts = {"cpu": cpu_name(), "cpus": os.cpu_count(), "python": platform.python_version(),
             "platform": platform.platform(),
             **versions, "load_1min_before": round(load_before, 2), "load_1min_after": round(os.getloadavg()[0], 2)}
    torch = sys.modules.get("torch")  # only when the script uses it: importing it here would add to peak_rss_mb
    if torch is not None:
        facts.update(torch=torch.__version__, torch_threads=torch.get_num_threads())
    return facts


def add_model_argument(parser, threads: bool = True, precision: bool = False) -> None:
    """--model, (unless told not) --threads: torch's intra-op thread count, and (when told) --precision, the
    CLI's option; load_assistant applies both."""
    parser.add_argument("--model", default="demo",
                        help="demo (once it ships), a checkpoint folder or a hub id; see docs/BENCHMARKS.md for "
                             "the stand-in the published figures were measured on")
    if threads:
        parser.add_argument("--threads", type=int, help="torch threads (default: torch's own, one per core)")
    if precision:
        from videoassist.precisions import DEFAULT_PRECISION, PRECISIONS

        parser.add_argument("--precision", choices=PRECISIONS, default=DEFAULT_PRECISION,
                            help="the LLM's weights, as the CLI's --precision (default %(default)s)")


def load_assistant(name: str, dtype=None, threads: int | None = None, precision: str | None = None):
    """→ (VideoAssistant, load Measurement), with `threads` torch threads when given. Exits with the library's
    one-line error when the model cannot load."""
    import torch

    from videoassist.errors import VideoAssistError
    from videoassist.inference import VideoAssistant

    if threads:
        torch.set_num_threads(threads)

    print(f"loading {name} ...", flush=True)
    try:
        options = {} if precision is None else {"precision": precision}
        loaded = measure(lambda: VideoAssistant.load(name, dtype=dtype, **options))
    except VideoAssistError as error:
        sys.exit(f"error: {error}")
    print(f"model loaded: {loaded.describe()}; LLM precision {loaded.result.precision or 'as loaded'}")
    return loaded.result, loaded


def finish(result: dict) -> None:
    """Print the final JSON line: `result` plus `peak_rss_mb`. Call it last."""
    result["peak_rss_mb"] = peak_rss_mb()
    print(f"peak resident memory: {result['peak_rss_mb']:.0f} MiB")
    print(json.dumps(result, ensure_ascii=False), flush=True)
