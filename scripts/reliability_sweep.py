"""Run every command against bad inputs and check it fails the way a user can act on.

Each case runs one command in a subprocess (a tiny random model, files built in a temporary folder) with one bad
input: missing, empty, truncated, the wrong content (a text file renamed .mp4, a video given as JSON, …) or the
wrong kind (a folder where a file is expected, or the reverse). A case passes when the command

- exits non-zero,
- prints one line on stderr (progress bars aside) that names the bad input, and no traceback,
- leaves no output behind that looks complete (a report, a model folder's config.json, a shard index, …).

    python scripts/reliability_sweep.py [--only frames "ask VIDEO" …] [--markdown docs/RELIABILITY.md] [--json FILE]

Exit status 0 when every case passes. docs/RELIABILITY.md is this script's `--markdown` output.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from videoassist.cli._quiet import LIBRARY_SETTINGS, quiet_libraries

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CLIP = REPO / "samples" / "synth" / "synth_000000.mp4"
SAMPLE_EVAL = REPO / "samples" / "eval_test.json"
TINY_PRETRAIN = REPO / "configs" / "tiny" / "pretrain.yaml"
TIMEOUT_S = 300
APP_TIMEOUT_S = 60  # `videoassist app` that starts its server on a bad model: stopped, and the case fails
# A tqdm bar (ours or a library's): "37%|███▋ | 3/8 [00:01<00:02, 2.3it/s]". Bars may stay on stderr; nothing else.
PROGRESS_BAR = re.compile(r"\d+%\|.*\|\s*\d+/\d+|^\s*\d+/\d+ \[|\d+it \[")

# The kinds of bad input, in the table's column order.
MISSING, EMPTY, TRUNCATED, WRONG_CONTENT, WRONG_KIND = "missing", "empty", "truncated", "wrong content", "wrong kind"
KINDS = (MISSING, EMPTY, TRUNCATED, WRONG_CONTENT, WRONG_KIND)
TINY_MODEL = "tiny"
MODEL_FOLDERS = {TINY_MODEL, "model_truncated", "model_garbled"}  # Inputs.build_models makes them


@dataclass
class Output:
    """A file a command would write: after a failure it must not exist (or must not look complete)."""

    path: str  # relative to the sweep's folder
    looks_complete: Callable[[Path], bool] = Path.exists


@dataclass
class Case:
    command: str  # as the user types it: "ask", "data_tools shard", …
    role: str  # which input is bad: "VIDEO", "--model", …
    kind: str  # one of KINDS
    bad: str  # the bad input, relative to the sweep's folder; the error line must name it
    what: str  # the bad input in words: "a text file renamed .mp4"
    argv: list[str]
    outputs: list[Output] = field(default_factory=list)
    timeout_s: float = TIMEOUT_S


@dataclass
class Result:
    command: str
    role: str
    kind: str
    what: str
    exit_code: int
    lines: list[str]  # stderr without progress bars
    problems: list[str]  # why the case fails; empty: it passes
    seconds: float

    @property
    def passed(self) -> bool:
        return not self.problems


def has_ok_caption(path: Path) -> bool:
    """A caption jsonl that holds a caption (failure records are the batch's design, not a finished result)."""
    if not path.is_file():
        return False
    return any(json.loads(line).get("status") == "ok" for line in path.read_text().splitlines() if line.strip())


class Inputs:
    """The bad (and the few good) files of the sweep, built in `root`; every name is relative to `root`."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, name: str, data: bytes | str) -> str:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return name

    def folder(self, name: str) -> str:
        (self.root / name).mkdir(parents=True, exist_ok=True)
        return name

    def truncated(self, name: str, source: Path) -> str:
        data = source.read_bytes()
        return self.write(name, data[: len(data) // 2])

    def build_models(self) -> None:
        """The tiny model, a copy with its weights cut in half, one whose config.json is not JSON (needs torch)."""
        from videoassist.testing import save_tiny_model

        save_tiny_model(self.root / TINY_MODEL)
        shutil.copytree(self.root / TINY_MODEL, self.root / "model_truncated", ignore=shutil.ignore_patterns("base_*"))
        self.truncated("model_truncated/model.safetensors", self.root / TINY_MODEL / "model.safetensors")
        shutil.copytree(self.root / TINY_MODEL, self.root / "model_garbled", ignore=shutil.ignore_patterns("base_*"))
        self.write("model_garbled/config.json", "this is not a model config\n")

    def build_files(self) -> None:
        """The good files the cases need beside their bad input."""
        shutil.copy(SAMPLE_CLIP, self.root / "clip.mp4")
        # Clips with captions, as finetune and import-clips read them. One record: cut in half, nothing in it is
        # usable (a longer file would keep its first records).
        self.folder("clips")
        shutil.copy(SAMPLE_CLIP, self.root / "clips" / "a.mp4")
        self.write("captions_full.jsonl", json.dumps({"video": "a.mp4", "caption": "A red circle moves left."}) + "\n")
        shutil.copy(self.root / "captions_full.jsonl", self.root / "clips" / "captions.jsonl")
        # A training config that reads good data, for the bad-config and bad-data cases.
        eval_records = json.loads(SAMPLE_EVAL.read_text())
        for record in eval_records:
            record["video"] = str(REPO / "samples" / record["video"])
        self.write("eval_full.json", json.dumps(eval_records, ensure_ascii=False, indent=1))
        pretrain = [{"id": "a", "video": "clips/a.mp4",
                     "conversations": [{"from": "human", "value": "<video>\nDescribe this video."},
                                       {"from": "gpt", "value": "A red circle moves to the left."}]}] * 4
        self.write("pretrain_full.json", json.dumps(pretrain, indent=1))


def video_inputs(inputs: Inputs) -> list[tuple[str, str, str]]:
    """(kind, path, in words) for a VIDEO argument."""
    return [
        (MISSING, "missing.mp4", "a path that does not exist"),
        (EMPTY, inputs.write("empty.mp4", b""), "an empty file"),
        (TRUNCATED, inputs.truncated("truncated.mp4", SAMPLE_CLIP), "the first half of an MP4"),
        (WRONG_CONTENT, inputs.write("text.mp4", "this is not a video\n"), "a text file renamed .mp4"),
        (WRONG_KIND, inputs.folder("folder.mp4"), "a folder named .mp4"),
    ]


def model_inputs(inputs: Inputs) -> list[tuple[str, str, str]]:
    """(kind, path, in words) for a model folder (--model, --base, merge's CHECKPOINT)."""
    return [
        (MISSING, "no_model", "a folder that does not exist"),
        (EMPTY, inputs.folder("empty_model"), "an empty folder"),
        (TRUNCATED, "model_truncated", "a checkpoint with its weights cut in half"),
        (WRONG_CONTENT, "model_garbled", "a checkpoint whose config.json is text"),
        (WRONG_KIND, inputs.write("model.txt", "a file, not a folder\n"), "a file where a folder is expected"),
    ]


def json_inputs(inputs: Inputs, stem: str, full: str) -> list[tuple[str, str, str]]:
    """(kind, path, in words) for a JSON data file; `full` is a good one to cut in half."""
    return [
        (MISSING, f"{stem}_missing.json", "a path that does not exist"),
        (EMPTY, inputs.write(f"{stem}_empty.json", b""), "an empty file"),
        (TRUNCATED, inputs.truncated(f"{stem}_truncated.json", inputs.root / full), "the first half of the file"),
        (WRONG_CONTENT, inputs.write(f"{stem}_video.json", SAMPLE_CLIP.read_bytes()), "an MP4 renamed .json"),
        (WRONG_KIND, inputs.folder(f"{stem}_folder.json"), "a folder named .json"),
    ]


def cases(inputs: Inputs) -> list[Case]:
    """Every command × the bad inputs it can be given."""
    found = []

    def add(command, role, kind, bad, what, argv, *outputs, timeout_s=TIMEOUT_S):
        found.append(Case(command, role, kind, bad, what, argv, list(outputs), timeout_s))

    videoassist = [sys.executable, "-m", "videoassist"]
    data_tools = [sys.executable, "-m", "data_tools"]
    tiny = ["--model", TINY_MODEL]
    for kind, bad, what in video_inputs(inputs):
        add("ask", "VIDEO", kind, bad, what, [*videoassist, "ask", bad, "What happens?", *tiny])
        out = f"captions_{kind.replace(' ', '_')}.jsonl"
        add("caption", "INPUT", kind, bad, what,
            [*videoassist, "caption", bad, "--output", out, "--no-progress", *tiny], Output(out, has_ok_caption))
        frames_out = f"frames_{kind.replace(' ', '_')}"
        add("frames", "VIDEO", kind, bad, what, [*videoassist, "frames", bad, "--out", frames_out],
            Output(f"{frames_out}/frames.json"))
    for kind, bad, what in model_inputs(inputs):
        add("ask", "--model", kind, bad, what, [*videoassist, "ask", "clip.mp4", "What happens?", "--model", bad])
        out = f"captions_model_{kind.replace(' ', '_')}.jsonl"
        add("caption", "--model", kind, bad, what,
            [*videoassist, "caption", "clip.mp4", "--output", out, "--no-progress", "--model", bad],
            Output(out, has_ok_caption))
        add("app", "--model", kind, bad, what, [*videoassist, "app", "--model", bad, "--port", str(free_port())],
            timeout_s=APP_TIMEOUT_S)
        merged = f"merged_{kind.replace(' ', '_')}"
        add("merge", "CHECKPOINT", kind, bad, what, [*videoassist, "merge", bad, "--output", merged],
            Output(f"{merged}/config.json"))
        report = f"report_model_{kind.replace(' ', '_')}.json"
        add("eval", "--model", kind, bad, what,
            [*videoassist, "eval", "--model", bad, "--data", "eval_full.json", "--limit", "1", "--output", report],
            Output(report))
        tuned = f"tuned_base_{kind.replace(' ', '_')}"
        add("finetune", "--base", kind, bad, what,
            [*videoassist, "finetune", "--data", "clips", "--output", tuned, "--base", bad, "--max-steps", "1"],
            Output(f"{tuned}/config.json"))
    for kind, bad, what in json_inputs(inputs, "eval", "eval_full.json"):
        report = f"report_{kind.replace(' ', '_')}.json"
        add("eval", "--data", kind, bad, what,
            [*videoassist, "eval", *tiny, "--data", bad, "--output", report], Output(report))
        add("data_tools validate", "JSON", kind, bad, what, [*data_tools, "validate", bad, "--quiet"])
        shards = f"shards_{kind.replace(' ', '_')}"
        add("data_tools shard", "JSON", kind, bad, what, [*data_tools, "shard", bad, "--out", shards, "--quiet"],
            Output(f"{shards}/index.json"))
    for kind, bad, what in json_inputs(inputs, "pretrain", "pretrain_full.json"):
        run_dir = f"run_data_{kind.replace(' ', '_')}"
        add("train", "data.0.path", kind, bad, what,
            [*videoassist, "train", str(TINY_PRETRAIN), "--set", f"model.base={TINY_MODEL}", "--set", f"data.0.path={bad}",
             "--set", f"output_dir={run_dir}", "--set", "training.max_steps=1"],
            Output(f"{run_dir}/config.json"))
    inputs.write("pretrain_full.yaml", TINY_PRETRAIN.read_text())
    configs = [
        (MISSING, "missing.yaml", "a path that does not exist"),
        (EMPTY, inputs.write("empty.yaml", b""), "an empty file"),
        (TRUNCATED, inputs.truncated("truncated.yaml", TINY_PRETRAIN), "the first half of a config"),
        (WRONG_CONTENT, inputs.write("broken.yaml", "stage: pretrain\nmodel: {base: [tiny\n"), "broken YAML"),
        (WRONG_KIND, inputs.folder("folder.yaml"), "a folder named .yaml"),
    ]
    for kind, bad, what in configs:
        run_dir = f"run_config_{kind.replace(' ', '_')}"
        add("train", "CONFIG", kind, bad, what,
            [*videoassist, "train", bad, "--set", f"output_dir={run_dir}"], Output(f"{run_dir}/config.json"))
    captions = [
        (MISSING, "missing_captions.jsonl", "a path that does not exist"),
        (EMPTY, inputs.write("empty_captions.jsonl", b""), "an empty file"),
        (TRUNCATED, inputs.truncated("truncated_captions.jsonl", inputs.root / "captions_full.jsonl"),
         "the first half of the file"),
        (WRONG_CONTENT, inputs.write("video_captions.jsonl", SAMPLE_CLIP.read_bytes()), "an MP4 renamed .jsonl"),
        (WRONG_KIND, inputs.folder("folder_captions.jsonl"), "a folder named .jsonl"),
    ]
    for kind, bad, what in captions:
        imported = f"imported_{kind.replace(' ', '_')}.json"
        add("data_tools import-clips", "--captions", kind, bad, what,
            [*data_tools, "import-clips", "clips", "--captions", bad, "--out", imported], Output(imported))
        data = f"data_{kind.replace(' ', '_')}"
        inputs.folder(data)
        shutil.copy(SAMPLE_CLIP, inputs.root / data / "a.mp4")
        if kind != MISSING:
            target = inputs.root / data / "captions.jsonl"
            source = inputs.root / bad
            shutil.copytree(source, target) if source.is_dir() else shutil.copy(source, target)
        tuned = f"tuned_data_{kind.replace(' ', '_')}"
        add("finetune", "--data", kind, f"{data}/captions.jsonl" if kind != MISSING else data, what,
            [*videoassist, "finetune", "--data", data if kind != MISSING else f"{data}_missing",
             "--output", tuned, "--base", TINY_MODEL, "--max-steps", "1"],
            Output(f"{tuned}/config.json"))
    for kind, bad, what in [(MISSING, "no_clips", "a folder that does not exist"),
                            (WRONG_KIND, "clip.mp4", "a file where a folder is expected")]:
        imported = f"imported_folder_{kind.replace(' ', '_')}.json"
        add("data_tools import-clips", "FOLDER", kind, bad, what,
            [*data_tools, "import-clips", bad, "--captions", "captions_full.jsonl", "--out", imported],
            Output(imported))
    add("data_tools synth", "--out", WRONG_KIND, "clip.mp4", "a file where a folder is expected",
        [*data_tools, "synth", "--out", "clip.mp4", "--n", "2", "--quiet"])
    return found


def needs_models(case: Case) -> bool:
    return any(argument.split("=")[-1] in MODEL_FOLDERS for argument in case.argv)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def check(case: Case, root: Path, exit_code: int, stderr: str) -> tuple[list[str], list[str]]:
    """→ (stderr's lines that are not progress bars, the problems found)."""
    pieces = [piece.strip() for line in stderr.splitlines() for piece in line.split("\r")]
    lines = [piece for piece in pieces if piece and not PROGRESS_BAR.search(piece)]
    problems = []
    if exit_code == 0:
        problems.append("exit status 0")
    if "Traceback" in stderr:
        problems.append("traceback")
    if len(lines) != 1:
        problems.append(f"{len(lines)} lines on stderr")
    if not any(Path(case.bad).name in line for line in lines):
        problems.append("the bad input is not named")
    for output in case.outputs:
        if output.looks_complete(root / output.path):
            problems.append(f"{output.path} left behind")
    return lines, problems


def run_case(case: Case, root: Path, env: dict[str, str]) -> Result:
    started = time.perf_counter()
    try:
        done = subprocess.run(case.argv, cwd=root, env=env, capture_output=True, text=True, timeout=case.timeout_s,
                              stdin=subprocess.DEVNULL)
        exit_code, stderr = done.returncode, done.stderr
    except subprocess.TimeoutExpired as timeout:  # subprocess.run has killed it
        stderr = timeout.stderr.decode(errors="replace") if isinstance(timeout.stderr, bytes) else timeout.stderr
        exit_code, stderr = 0, (stderr or "") + f"\n(still running after {case.timeout_s:g} s: stopped)"
    lines, problems = check(case, root, exit_code, stderr)
    lines = [line.replace(f"{root}{os.sep}", "") for line in lines]  # the table reads the same on every machine
    return Result(case.command, case.role, case.kind, case.what, exit_code, lines, problems,
                  time.perf_counter() - started)


def sweep_env() -> dict[str, str]:
    """The commands' environment: one thread each, and none of the libraries' switches (their quieting is tested)."""
    switches = {*LIBRARY_SETTINGS, "PYTHONWARNINGS"}
    env = {name: value for name, value in os.environ.items() if name not in switches}
    return env | {"OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))}


def markdown(results: list[Result], seconds: float) -> str:
    passed = sum(r.passed for r in results)
    rows = [
        "| command | input | kind | given | exit | stderr (progress bars aside) | |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        printed = "<br>".join(f"`{line}`" for line in r.lines).replace("|", "\\|") or "(nothing)"
        verdict = "ok" if r.passed else "**" + "; ".join(r.problems) + "**"
        rows.append(f"| {r.command} | {r.role} | {r.kind} | {r.what} | {r.exit_code} | {printed} | {verdict} |")
    return (
        "# Reliability: every command against bad inputs\n\n"
        "Written by `python scripts/reliability_sweep.py --markdown docs/RELIABILITY.md`; do not edit by hand.\n\n"
        "Each command runs in a subprocess (a tiny random model, inputs built in a temporary folder; paths below are\n"
        "relative to it) with one bad input. A case passes when the command exits non-zero, prints one line on\n"
        "stderr that names the bad input (progress bars aside), prints no traceback, and leaves no output that\n"
        "looks complete behind (caption's output may hold failure records, which is the batch's design).\n"
        "`tests/test_reliability_sweep.py` runs a fast part of it.\n\n"
        f"**{passed} of {len(results)} cases pass** ({seconds:.0f} s on 2 CPU cores).\n\n" + "\n".join(rows) + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="COMMAND",
                        help='only these commands ("ask", "data_tools shard", …) or inputs of a command ("ask VIDEO")')
    parser.add_argument("--markdown", type=Path, help="write the table here (docs/RELIABILITY.md)")
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    parser.add_argument("--workers", type=int, default=2, help="cases run at once (default 2)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    env = sweep_env()
    quiet_libraries()  # building the tiny model here; the commands' own quieting is what the cases test
    with tempfile.TemporaryDirectory(prefix="reliability_") as folder:
        inputs = Inputs(Path(folder))
        inputs.build_files()
        todo = [case for case in cases(inputs)
                if not args.only or {case.command, f"{case.command} {case.role}"} & set(args.only)]
        if any(needs_models(case) for case in todo):
            inputs.build_models()
        with ThreadPoolExecutor(args.workers) as pool:
            results = list(pool.map(lambda case: run_case(case, Path(folder), env), todo))
    seconds = time.perf_counter() - started
    for r in results:
        print(f"{'ok  ' if r.passed else 'FAIL'} {r.command:26} {r.role:12} {r.kind:14} exit {r.exit_code:<3} "
              f"{' | '.join(r.lines)[:150]}" + ("" if r.passed else f"  [{'; '.join(r.problems)}]"))
    print(f"{sum(r.passed for r in results)} of {len(results)} cases pass ({seconds:.0f} s)")
    if args.markdown:
        args.markdown.write_text(markdown(results, seconds))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) | {"passed": r.passed} for r in results], indent=1))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
