"""The names of the LLM precisions for answering (what each does: inference/precision.py), in a module of its own
so that the command lines list them without importing torch."""

PRECISIONS = ("auto", "fp32", "bf16", "int8", "int4")
# fp32 until `auto` (int4 on CPUs) is shown within 1 point of fp32's answers: on the 46 sample questions it was one
# answer (2.2 points) below, and the machine was too busy to measure a larger set (docs/BENCHMARKS.md, issue 16).
DEFAULT_PRECISION = "fp32"
