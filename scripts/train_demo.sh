#!/usr/bin/env bash
# The embedded `demo` model, stage by stage. Every stage resumes: what is done is skipped, what was interrupted
# continues from its last checkpoint. docs/DEMO.md explains the stages and the numbers they gave.
#
#   scripts/train_demo.sh                 # all stages: data vision check build align instruct release
#   scripts/train_demo.sh vision check    # only these
#
#   data      the demo's synthetic worlds (training seed, check seed) and the decoded training frames
#   vision    stage 0: pre-train the vision tower (a tiny ResNet) with linear probes on dense targets
#   check     stage 0's tower on its own, on held-out clips: probe accuracies and probe-only answers
#   build     the VideoAssist model: stage-0 tower (stored) + Gemma 3 270M (referenced), `objects` token mode,
#             its cell classifier from the stage-0 probes and its projector from Gemma's word embeddings
#   align     stage 1: the `objects` read-out on the world's ground truth, tower and Gemma frozen
#   instruct  stage 2: LoRA on Gemma + the projector on the instruction data         (videoassist train)
#   release   package stage 2's result into videoassist/demo/weights/model (what `--model demo` loads)
#
# Environment: DEMO_WORK (default outputs/demo), DEMO_CONFIG (default configs/demo/vision.yaml),
# DEMO_RELEASE (default videoassist/demo/weights/model).
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${DEMO_WORK:-outputs/demo}
CONFIG=${DEMO_CONFIG:-configs/demo/vision.yaml}
RELEASE=${DEMO_RELEASE:-videoassist/demo/weights/model}
STAGES=("$@")
[ ${#STAGES[@]} -eq 0 ] && STAGES=(data vision check build align instruct release)

stage0() {  # the demo's own steps: python -m videoassist.demo
    python -m videoassist.demo "$1" --config "$CONFIG" --work "$WORK"
}

instruct() {  # the project's trainer, with configs/demo/instruct.yaml and paths under WORK
    videoassist train configs/demo/instruct.yaml --set "output_dir=$WORK/instruct" --set "model.base=$WORK/align" \
        --set "data.0.path=$WORK/world_train/instruct_train.json" --set "data.0.video_root=$WORK/world_train" \
        --set "data.1.path=$WORK/world_train/eval_train.json" --set "data.1.video_root=$WORK/world_train" \
        --set "data.2.path=$WORK/world_train/pretrain_train.json" --set "data.2.video_root=$WORK/world_train"
}

for stage in "${STAGES[@]}"; do
    echo "== train_demo.sh: $stage" >&2
    case $stage in
        data|vision|check|align) stage0 "$stage" ;;
        build) python -m videoassist.demo.build --tower "$WORK/vision" --out "$WORK/base" ;;
        instruct) instruct ;;
        release) python -m videoassist.demo.release --checkpoint "$WORK/instruct" --out "$RELEASE" ;;
        *) echo "train_demo.sh: unknown stage '$stage' (data vision check build align instruct release)" >&2
           exit 2 ;;
    esac
done
