"""The names of the LLM precisions for answering (what each does: inference/precision.py), in a module of its own
so that the command lines list them without importing torch."""

PRECISIONS = ("auto", "fp32", "bf16", "int8", "int4")
# fp32 until `auto` (int8 on CPUs) is shown faster at 2 threads in a quiet run: its answers matched fp32's on the 46
# sample questions, but the busy machine gave it 0.83x-9.4x fp32 (docs/BENCHMARKS.md, issue 16).
DEFAULT_PRECISION = "fp32"
