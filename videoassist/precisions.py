"""The names of the LLM precisions for answering (what each does: inference/precision.py), in a module of its own
so that the command lines list them without importing torch."""

PRECISIONS = ("auto", "fp32", "bf16", "int8", "int4")
# `auto` (int8 on CPUs): its answers matched fp32's on the 46 sample questions, 1.79x fp32's tokens/s at 2 threads
# on the quiet AMD EPYC (docs/BENCHMARKS.md, issue 16).
DEFAULT_PRECISION = "auto"
