#!/usr/bin/env bash
# Stage 1 (alignment) — and, through instruct.sh, stage 2 — on one node or many, under deepspeed or torchrun.
#
#   scripts/pretrain.sh [CONFIG] [videoassist train options: --set KEY=VALUE, --resume …]
#
# CONFIG: a training recipe (default configs/pretrain_llamavid.yaml). Environment:
#   LAUNCHER        deepspeed (default) or torchrun
#   NPROC_PER_NODE  processes per node (default: the node's GPUs, 1 without one)
#   DS_CONFIG       DeepSpeed JSON passed as --deepspeed (default: the recipe's own `deepspeed:`)
#   Several nodes:
#     deepspeed: HOSTFILE (lines "hostname slots=N"); run this once, on the first node; it starts the others
#                over ssh. MASTER_ADDR / MASTER_PORT optional.
#     torchrun:  NNODES, NODE_RANK, MASTER_ADDR, MASTER_PORT; run this on every node with its NODE_RANK.
# Without a GPU, both launchers work on the CPU (DeepSpeed's CPU accelerator over gloo).
set -euo pipefail
cd "$(dirname "$0")/.."

CONFIG=${1:-${DEFAULT_CONFIG:-configs/pretrain_llamavid.yaml}}
shift $(( $# > 0 ? 1 : 0 ))
ARGS=(train "$CONFIG" "$@")
if [[ -n "${DS_CONFIG:-}" ]]; then ARGS+=(--deepspeed "$DS_CONFIG"); fi

NPROC_PER_NODE=${NPROC_PER_NODE:-$(python -c "import torch; print(max(torch.cuda.device_count(), 1))")}
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
MASTER_PORT=${MASTER_PORT:-29500}

case "${LAUNCHER:-deepspeed}" in
  deepspeed)
    # --no_local_rank: the processes read LOCAL_RANK from the environment, the command line stays ours.
    if [[ -n "${HOSTFILE:-}" ]]; then
      exec deepspeed --hostfile "$HOSTFILE" --master_addr "$MASTER_ADDR" --master_port "$MASTER_PORT" \
        --no_local_rank --module videoassist "${ARGS[@]}"
    fi
    exec deepspeed --num_gpus "$NPROC_PER_NODE" --master_port "$MASTER_PORT" \
      --no_local_rank --module videoassist "${ARGS[@]}"
    ;;
  torchrun)
    exec torchrun --nnodes "$NNODES" --node_rank "$NODE_RANK" --nproc_per_node "$NPROC_PER_NODE" \
      --master_addr "$MASTER_ADDR" --master_port "$MASTER_PORT" -m videoassist "${ARGS[@]}"
    ;;
  *)
    echo "LAUNCHER must be deepspeed or torchrun, got '${LAUNCHER}'" >&2
    exit 2
    ;;
esac
