#!/usr/bin/env bash
# Set up a virtual environment (CPU torch) and run the test suite. The README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
pip install -q --upgrade pip
pip install -q torch==2.13.0 -e ".[train,dev]"
python scripts/import_graph.py  # the subpackages' layering: no import cycle, inference without training, ...
python -m pytest "$@"
