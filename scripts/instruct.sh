#!/usr/bin/env bash
# Stage 2 (instruction tuning): scripts/pretrain.sh with a stage-2 recipe by default; same options and
# environment (LAUNCHER, NPROC_PER_NODE, DS_CONFIG, HOSTFILE, NNODES, NODE_RANK, MASTER_ADDR, MASTER_PORT).
#
#   scripts/instruct.sh [CONFIG] [videoassist train options]    # default configs/instruct_full.yaml
#   scripts/instruct.sh configs/instruct_lora_valley.yaml       # LoRA
set -euo pipefail
DEFAULT_CONFIG=configs/instruct_full.yaml exec "$(dirname "$0")/pretrain.sh" "$@"
