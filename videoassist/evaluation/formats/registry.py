"""The registry of benchmark formats: the base class a format subclasses, and the formats by name."""

from __future__ import annotations

from pathlib import Path

from ..items import EvalItem

CHOICE, OPEN, REFERENCE = "choice", "open", "reference"  # how a format's answers are scored (BenchmarkFormat.kind)


class BenchmarkFormat:
    """One published file layout. Subclass it, then `register_format(YourFormat())`.

    `kind`: CHOICE (multiple choice, scored exactly by choices.py), OPEN (free answers: a judge LLM, or normalised
    match with --judge none) or REFERENCE (today's Valley files: an answer vocabulary or normalised match)."""

    name = ""
    kind = OPEN

    def read(self, data: Path, video_root: Path | None) -> list[EvalItem]:
        """The items of `data` (a file or folder in the set's own layout), videos under `video_root` (None: where
        the set's layout puts them). DataError naming the file and the problem."""
        raise NotImplementedError


_FORMATS: dict[str, BenchmarkFormat] = {}


def register_format(benchmark: BenchmarkFormat) -> BenchmarkFormat:
    if not benchmark.name or benchmark.name in _FORMATS:
        raise ValueError(f"a benchmark format needs a new name, got {benchmark.name!r}")
    _FORMATS[benchmark.name] = benchmark
    return benchmark


def get_format(name: str) -> BenchmarkFormat:
    if name not in _FORMATS:
        raise ValueError(f"unknown format {name!r}; known: {', '.join(_FORMATS)}")
    return _FORMATS[name]


def format_names() -> tuple[str, ...]:
    return tuple(_FORMATS)
