#!/usr/bin/env bash
# The embedded `demo` model, stage by stage. Every stage resumes: what is done is skipped, what was interrupted
# continues from its last checkpoint. docs/DEMO.md explains the stages and the numbers they gave.
#
#   scripts/train_demo.sh                 # all stages: data vision check build align instruct
#   scripts/train_demo.sh vision check    # only these
#
#   data      the demo's synthetic worlds (training seed, check seed) and the decoded training frames
#   vision    stage 0: pre-train the vision tower (a tiny ResNet) with linear probes on dense targets
#   check     stage 0's tower on its own, on held-out clips: probe accuracies and probe-only answers
#   build     the VideoAssist model: stage-0 tower (stored) + Gemma 3 270M (referenced), token mode DEMO_TOKEN_MODE
#   align     stage 1: token builder + projector on captions, tower and Gemma frozen  (videoassist train)
#   instruct  stage 2: LoRA on Gemma + projector on the instruction data               (videoassist train)
#
# Environment: DEMO_WORK (default outputs/demo), DEMO_CONFIG (default configs/demo/vision.yaml),
# DEMO_TOKEN_MODE (default llamavid).
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${DEMO_WORK:-outputs/demo}
CONFIG=${DEMO_CONFIG:-configs/demo/vision.yaml}
TOKEN_MODE=${DEMO_TOKEN_MODE:-llamavid}
STAGES=("$@")
[ ${#STAGES[@]} -eq 0 ] && STAGES=(data vision check build align instruct)

stage0() {
    python -m videoassist.demo "$1" --config "$CONFIG" --work "$WORK"
}

llm_stage() {  # align | instruct: the project's trainer, with configs/demo/<stage>.yaml and paths under WORK
    local stage=$1 base
    if ! videoassist train --help >/dev/null 2>&1; then
        echo "train_demo.sh: stage $stage needs 'videoassist train', which this installation does not have" >&2
        exit 2
    fi
    if [ "$stage" = align ]; then base=$WORK/base; else base=$WORK/align; fi
    videoassist train "configs/demo/$stage.yaml" --set "output_dir=$WORK/$stage" --set "model.base=$base" \
        --set "data.0.path=$WORK/world_train/${stage/align/pretrain}_train.json" \
        --set "data.0.video_root=$WORK/world_train"
}

for stage in "${STAGES[@]}"; do
    echo "== train_demo.sh: $stage" >&2
    case $stage in
        data|vision|check) stage0 "$stage" ;;
        build) python -m videoassist.demo.build --tower "$WORK/vision" --out "$WORK/base" --token-mode "$TOKEN_MODE" ;;
        align|instruct) llm_stage "$stage" ;;
        *) echo "train_demo.sh: unknown stage '$stage' (data vision check build align instruct)" >&2; exit 2 ;;
    esac
done
