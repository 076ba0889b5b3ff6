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
SAMPLE_EVAL = REPO / "samples" / "eval_train.json"
TINY_PRETRAIN = REPO / "configs" / "tiny" / "pretrain.yaml"
TIMEOUT_S = 300
APP_TIMEOUT_S = 60  # `videoassist app` that starts its server on a bad model: stopped, and the case fails
# A tqdm bar (ours or a library's): "37%|███▋ | 3/8 [00:01<00:02, 2.3it/s]". Bars may stay on stderr; nothing else.
PROGRESS_BAR = re.compile(r"\d+%\|.*\|\s*\d+/\d+|^\s*\d+/\d+ \[|\d+it \[")

# The kinds of bad input, in the table's column order.
MISSING, EMPTY, TRUNCATED, WRONG_CONTENT, WRONG_KIND = "missing", "empty", "truncated", "wrong content", "wrong kind"
KINDS = (MISSING, EMPTY, TRUNCATED, WRONG_CONTENT, WRONG_KIND)
TINY_MODEL, ORIGINAL = "tiny", "original"
# The folders Inputs.build_models and Inputs.build_originals make (torch, seconds): only when a case names one.
MODEL_FOLDERS = {TINY_MODEL, "model_truncated", "model_garbled"}
ORIGINAL_FOLDERS = {ORIGINAL, "original_truncated", "original_garbled"}
# The table's order: the user's commands as the README lists them, then the data tools.
COMMANDS = ["ask", "caption", "app", "frames", "train", "finetune", "merge", "eval", "convert", "data_tools synth",
            "data_tools validate", "data_tools import-clips", "data_tools shard"]


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


def slug(kind: str) -> str:
    return kind.replace(" ", "_")


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

    def build_files(self) -> None:
        """The good files the cases need beside their bad input."""
        shutil.copy(SAMPLE_CLIP, self.root / "clip.mp4")
        # Clips with captions, as finetune and import-clips read them. One record: cut in half, nothing in it is
        # usable (a longer file would keep its first records).
        self.folder("clips")
        shutil.copy(SAMPLE_CLIP, self.root / "clips" / "a.mp4")
        self.write("captions_full.jsonl", json.dumps({"video": "a.mp4", "caption": "A red circle moves left."}) + "\n")
        shutil.copy(self.root / "captions_full.jsonl", self.root / "clips" / "captions.jsonl")
        eval_records = json.loads(SAMPLE_EVAL.read_text())
        for record in eval_records:
            record["video"] = str(SAMPLE_EVAL.parent / record["video"])
        self.write("eval_full.json", json.dumps(eval_records, ensure_ascii=False, indent=1))
        pretrain = [{"id": f"a{k}", "video": "clips/a.mp4",
                     "conversations": [{"from": "human", "value": "<video>\nDescribe this video."},
                                       {"from": "gpt", "value": "A red circle moves to the left."}]} for k in range(4)]
        self.write("pretrain_full.json", json.dumps(pretrain, indent=1))

    def build_models(self) -> None:
        """The tiny model, and copies of it with the weights cut in half and with a config.json that is not JSON."""
        from videoassist.testing import save_tiny_model

        save_tiny_model(self.root / TINY_MODEL)
        for copy in ("model_truncated", "model_garbled"):
            shutil.copytree(self.root / TINY_MODEL, self.root / copy, ignore=shutil.ignore_patterns("base_*"))
        self.truncated("model_truncated/model.safetensors", self.root / TINY_MODEL / "model.safetensors")
        self.write("model_garbled/config.json", "this is not a model config\n")

    def build_originals(self) -> None:
        """A tiny original Valley checkpoint (convert's input), copies with a weights shard cut in half and with a
        config.json that is not JSON."""
        from videoassist.testing import save_tiny_original_checkpoint

        original = save_tiny_original_checkpoint(self.root / ORIGINAL, "valley")
        shutil.copytree(original, self.root / "original_truncated")
        shard = sorted(original.glob("pytorch_model-*.bin"))[0]
        self.truncated(f"original_truncated/{shard.name}", shard)
        shutil.copytree(original, self.root / "original_garbled")
        self.write("original_garbled/config.json", "this is not a model config\n")


# (kind, the bad input's name, the bad input in words) for each kind of input; the makers write the files.
def video_inputs(inputs: Inputs) -> list[tuple[str, str, str]]:
    return [
        (MISSING, "missing.mp4", "a path that does not exist"),
        (EMPTY, inputs.write("empty.mp4", b""), "an empty file"),
        (TRUNCATED, inputs.truncated("truncated.mp4", SAMPLE_CLIP), "the first half of an MP4"),
        (WRONG_CONTENT, inputs.write("text.mp4", "this is not a video\n"), "a text file renamed .mp4"),
        (WRONG_KIND, inputs.folder("folder.mp4"), "a folder named .mp4"),
    ]


def model_inputs(inputs: Inputs, stem: str = "model") -> list[tuple[str, str, str]]:
    """A model folder (--model, --base, merge's CHECKPOINT, convert's SOURCE: stem "original")."""
    return [
        (MISSING, f"no_{stem}", "a folder that does not exist"),
        (EMPTY, inputs.folder(f"empty_{stem}"), "an empty folder"),
        (TRUNCATED, f"{stem}_truncated", "a checkpoint with weights cut in half"),
        (WRONG_CONTENT, f"{stem}_garbled", "a checkpoint whose config.json is text"),
        (WRONG_KIND, inputs.write(f"{stem}.txt", "a file, not a folder\n"), "a file where a folder is expected"),
    ]


def json_inputs(inputs: Inputs, stem: str, full: str, suffix: str = ".json") -> list[tuple[str, str, str]]:
    """A data file; `full` is a good one to cut in half."""
    return [
        (MISSING, f"{stem}_missing{suffix}", "a path that does not exist"),
        (EMPTY, inputs.write(f"{stem}_empty{suffix}", b""), "an empty file"),
        (TRUNCATED, inputs.truncated(f"{stem}_truncated{suffix}", inputs.root / full), "the first half of the file"),
        (WRONG_CONTENT, inputs.write(f"{stem}_video{suffix}", SAMPLE_CLIP.read_bytes()), f"an MP4 renamed {suffix}"),
        (WRONG_KIND, inputs.folder(f"{stem}_folder{suffix}"), f"a folder named {suffix}"),
    ]


def config_inputs(inputs: Inputs) -> list[tuple[str, str, str]]:
    return [
        (MISSING, "missing.yaml", "a path that does not exist"),
        (EMPTY, inputs.write("empty.yaml", b""), "an empty file"),
        (TRUNCATED, inputs.truncated("truncated.yaml", TINY_PRETRAIN), "the first half of a config"),
        (WRONG_CONTENT, inputs.write("broken.yaml", "stage: pretrain\nmodel: {base: [tiny\n"), "broken YAML"),
        (WRONG_KIND, inputs.folder("folder.yaml"), "a folder named .yaml"),
    ]


def cases(inputs: Inputs) -> list[Case]:
    """Every command × the bad inputs it can be given, in COMMANDS order."""
    found = []

    def add(command, role, kind, bad, what, argv, *outputs, timeout_s=TIMEOUT_S):
        found.append(Case(command, role, kind, bad, what, argv, list(outputs), timeout_s))

    videoassist, data_tools = [sys.executable, "-m", "videoassist"], [sys.executable, "-m", "data_tools"]
    tiny = ["--model", TINY_MODEL]
    train = [*videoassist, "train", str(TINY_PRETRAIN), "--set", "training.max_steps=1"]
    for kind, bad, what in video_inputs(inputs):
        add("ask", "VIDEO", kind, bad, what, [*videoassist, "ask", bad, "What happens?", *tiny])
        out = f"caption_out_{slug(kind)}.jsonl"
        add("caption", "INPUT", kind, bad, what,
            [*videoassist, "caption", bad, "--output", out, "--no-progress", *tiny], Output(out, has_ok_caption))
        add("frames", "VIDEO", kind, bad, what, [*videoassist, "frames", bad, "--out", f"frames_{slug(kind)}"],
            Output(f"frames_{slug(kind)}/frames.json"))
    for kind, bad, what in model_inputs(inputs):
        add("ask", "--model", kind, bad, what, [*videoassist, "ask", "clip.mp4", "What happens?", "--model", bad])
        out = f"caption_out_model_{slug(kind)}.jsonl"
        add("caption", "--model", kind, bad, what,
            [*videoassist, "caption", "clip.mp4", "--output", out, "--no-progress", "--model", bad],
            Output(out, has_ok_caption))
        add("app", "--model", kind, bad, what, [*videoassist, "app", "--model", bad, "--port", str(free_port())],
            timeout_s=APP_TIMEOUT_S)
        add("train", "model.base", kind, bad, what,
            [*train, "--set", f"model.base={bad}", "--set", "data.0.path=pretrain_full.json",
             "--set", f"output_dir=run_base_{slug(kind)}"], Output(f"run_base_{slug(kind)}/config.json"))
        add("finetune", "--base", kind, bad, what,
            [*videoassist, "finetune", "--data", "clips", "--output", f"tuned_base_{slug(kind)}", "--base", bad,
             "--max-steps", "1"], Output(f"tuned_base_{slug(kind)}/config.json"))
        add("merge", "CHECKPOINT", kind, bad, what, [*videoassist, "merge", bad, "--output", f"merged_{slug(kind)}"],
            Output(f"merged_{slug(kind)}/config.json"))
        add("eval", "--model", kind, bad, what,
            [*videoassist, "eval", "--model", bad, "--data", "eval_full.json", "--limit", "1",
             "--output", f"report_model_{slug(kind)}.json"], Output(f"report_model_{slug(kind)}.json"))
    for kind, bad, what in model_inputs(inputs, ORIGINAL):
        add("convert", "SOURCE", kind, bad, what,
            [*videoassist, "convert", "valley", bad, "--output", f"converted_{slug(kind)}"],
            Output(f"converted_{slug(kind)}/config.json"))
    for kind, bad, what in config_inputs(inputs):
        add("train", "CONFIG", kind, bad, what,
            [*videoassist, "train", bad, "--set", f"output_dir=run_config_{slug(kind)}"],
            Output(f"run_config_{slug(kind)}/config.json"))
    for kind, bad, what in json_inputs(inputs, "pretrain", "pretrain_full.json"):
        add("train", "data.0.path", kind, bad, what,
            [*train, "--set", f"model.base={TINY_MODEL}", "--set", f"data.0.path={bad}",
             "--set", f"output_dir=run_data_{slug(kind)}"], Output(f"run_data_{slug(kind)}/config.json"))
    for kind, bad, what in json_inputs(inputs, "eval", "eval_full.json"):
        add("eval", "--data", kind, bad, what,
            [*videoassist, "eval", *tiny, "--data", bad, "--output", f"report_{slug(kind)}.json"],
            Output(f"report_{slug(kind)}.json"))
        add("data_tools validate", "JSON", kind, bad, what, [*data_tools, "validate", bad, "--quiet"])
        add("data_tools shard", "JSON", kind, bad, what,
            [*data_tools, "shard", bad, "--out", f"shards_{slug(kind)}", "--quiet"],
            Output(f"shards_{slug(kind)}/index.json"))
    for kind, bad, what in json_inputs(inputs, "captions", "captions_full.jsonl", ".jsonl"):
        add("data_tools import-clips", "--captions", kind, bad, what,
            [*data_tools, "import-clips", "clips", "--captions", bad, "--out", f"imported_{slug(kind)}.json"],
            Output(f"imported_{slug(kind)}.json"))
        # finetune --data FOLDER: the folder's captions.jsonl is the bad file (or the folder is missing)
        data = inputs.folder(f"data_{slug(kind)}") if kind != MISSING else f"data_{slug(kind)}"
        if kind != MISSING:
            shutil.copy(SAMPLE_CLIP, inputs.root / data / "a.mp4")
            source, target = inputs.root / bad, inputs.root / data / "captions.jsonl"
            shutil.copytree(source, target) if source.is_dir() else shutil.copy(source, target)
        add("finetune", "--data", kind, f"{data}/captions.jsonl" if kind != MISSING else data, what,
            [*videoassist, "finetune", "--data", data, "--output", f"tuned_data_{slug(kind)}", "--base", TINY_MODEL,
             "--max-steps", "1"], Output(f"tuned_data_{slug(kind)}/config.json"))
    for kind, bad, what in [(MISSING, "no_clips", "a folder that does not exist"),
                            (WRONG_KIND, "clip.mp4", "a file where a folder is expected")]:
        add("data_tools import-clips", "FOLDER", kind, bad, what,
            [*data_tools, "import-clips", bad, "--captions", "captions_full.jsonl", "--out",
             f"imported_folder_{slug(kind)}.json"], Output(f"imported_folder_{slug(kind)}.json"))
    add("data_tools synth", "--out", WRONG_KIND, "clip.mp4", "a file where a folder is expected",
        [*data_tools, "synth", "--out", "clip.mp4", "--n", "2", "--quiet"])
    return sorted(found, key=lambda case: COMMANDS.index(case.command))


def names_any(cases: list[Case], folders: set[str]) -> bool:
    return any(argument.split("=")[-1] in folders for case in cases for argument in case.argv)


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
    # HF_HUB_OFFLINE: a name that is no folder is looked up in the hub's cache only, the same answer on every
    # machine, without a network's retries.
    return env | {"OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1",
                  "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))}


def summary_table(results: list[Result]) -> list[str]:
    """Command and input × kind of bad input → exit status, ✓ when the case passes (— where the kind does not
    apply)."""
    rows = ["| command | input | " + " | ".join(KINDS) + " |", "|---|---|" + "---|" * len(KINDS)]
    inputs = list(dict.fromkeys((r.command, r.role) for r in results))
    cells = {(r.command, r.role, r.kind): f"{r.exit_code} {'✓' if r.passed else '✗'}" for r in results}
    for command, role in inputs:
        rows.append(f"| {command} | {role} | " + " | ".join(cells.get((command, role, kind), "—") for kind in KINDS)
                    + " |")
    return rows


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
        "Written by `python scripts/reliability_sweep.py --markdown docs/RELIABILITY.md` (rerun it to check; about\n"
        "10-20 minutes on 2 CPU cores); do not edit by hand. `tests/test_reliability_sweep.py` runs its fast part (the\n"
        "commands that fail before torch loads) with the test suite.\n\n"
        "Each command runs in a subprocess (a tiny random model, inputs built in a temporary folder; paths below are\n"
        "relative to it; `HF_HUB_OFFLINE=1`, so a name that is no folder gets the same answer on every machine) with\n"
        "one bad input: missing, empty, truncated (the first half of a good file), the wrong content (a text file\n"
        "renamed .mp4, an MP4 renamed .json, a config.json that is text) or the wrong kind (a folder where a file is\n"
        "expected, or the reverse). A case passes when the command exits non-zero, prints one line on stderr that\n"
        "names the bad input (progress bars aside), prints no traceback, and leaves no output that looks complete\n"
        "behind: a report, a checkpoint's config.json, a shard index, frames.json, an imported JSON (caption's output\n"
        "may hold failure records: a batch records a bad video and goes on with the rest, and exits 1 when every\n"
        "video failed). Library notices and warnings never reach stderr (`videoassist --debug` shows them, and the\n"
        "traceback; tests/test_quiet.py).\n\n"
        f"**{passed} of {len(results)} cases pass** ({seconds:.0f} s).\n\n"
        "Exit status per command, input and kind of bad input (✓: the case passes):\n\n"
        + "\n".join(summary_table(results)) + "\n\n## Every case\n\n" + "\n".join(rows) + "\n"
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
        if names_any(todo, MODEL_FOLDERS):
            inputs.build_models()
        if names_any(todo, ORIGINAL_FOLDERS):
            inputs.build_originals()
        results = []
        with ThreadPoolExecutor(args.workers) as pool:
            for r in pool.map(lambda case: run_case(case, Path(folder), env), todo):  # in order, as they finish
                print(f"{'ok  ' if r.passed else 'FAIL'} {r.command:24} {r.role:12} {r.kind:14} exit {r.exit_code:<3} "
                      f"{' | '.join(r.lines)[:150]}" + ("" if r.passed else f"  [{'; '.join(r.problems)}]"),
                      flush=True)
                results.append(r)
    seconds = time.perf_counter() - started
    print(f"{sum(r.passed for r in results)} of {len(results)} cases pass ({seconds:.0f} s)")
    if args.markdown:
        args.markdown.write_text(markdown(results, seconds))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) | {"passed": r.passed} for r in results], indent=1))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
