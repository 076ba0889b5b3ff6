"""The names of the LLM precisions for answering (what each does: inference/precision.py), in a module of its own
so that the command lines list them without importing torch."""

PRECISIONS = ("auto", "fp32", "bf16", "int8", "int4")
DEFAULT_PRECISION = "auto"  # chosen by measured speed and answer quality (docs/BENCHMARKS.md, issue 16)
