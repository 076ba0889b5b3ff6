#!/usr/bin/env bash
# Set up a virtual environment (CPU torch) and run the test suite. The README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
pip install -q --upgrade pip
pip install -q torch==2.13.0 -e ".[train,dev,eval,ray]"  # ray: tests/test_ray_engine.py runs, not skipped
pip install -q --no-deps lmms-eval==0.7.3  # its own pins cannot share our environment (docs/EVAL.md, "lmms-eval")
python scripts/import_graph.py  # the subpackages' layering: no import cycle, inference without training, ...
python -m pytest "$@"
deactivate
# transformers' own video LLMs (the tests marked hf_video): their video processors need torchvision, which PyPI
# ships only as builds for a CUDA torch; that torch runs on a CPU too, so a second venv holds the pair.
python3 -m venv .venv-hf
.venv-hf/bin/pip install -q torch==2.14.1 torchvision==0.29.1 -e ".[train,dev,hf]"
.venv-hf/bin/python -m pytest -m hf_video "$@"
