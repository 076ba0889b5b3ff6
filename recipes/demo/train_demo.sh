#!/usr/bin/env bash
# The embedded `demo` model, stage by stage. Every stage resumes: what is done is skipped, what was interrupted
# continues from its last checkpoint. docs/DEMO.md explains the stages and the numbers they gave.
#
#   recipes/demo/train_demo.sh                 # all stages: data vision check build align instruct release
#   recipes/demo/train_demo.sh vision check    # only these
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
# Environment: DEMO_WORK (default outputs/demo); DEMO_CONFIG, the settings of data, vision, check and align
# (default recipes/demo/configs/vision.yaml), and DEMO_SET, space-separated KEY=VALUE overrides of them (no space
# inside a value: tower.hidden_sizes=[8,8,16]);
# DEMO_INSTRUCT_CONFIG, stage 2's training config (default recipes/demo/configs/instruct.yaml), and
# DEMO_INSTRUCT_SET, overrides of it; DEMO_RELEASE (default videoassist/demo/weights/model). A tiny run of every
# stage: DEMO_SET="data.train_n=20 data.check_n=10 train.steps=2 align.steps=2" DEMO_INSTRUCT_SET="training.max_steps=1".
set -euo pipefail
cd "$(dirname "$0")/../.."  # the repository root: `python -m recipes.demo` imports the recipe from there

WORK=${DEMO_WORK:-outputs/demo}
CONFIG=${DEMO_CONFIG:-recipes/demo/configs/vision.yaml}
INSTRUCT_CONFIG=${DEMO_INSTRUCT_CONFIG:-recipes/demo/configs/instruct.yaml}
RELEASE=${DEMO_RELEASE:-videoassist/demo/weights/model}
read -r -a SETTINGS <<< "${DEMO_SET:-}"
read -r -a INSTRUCT_SETTINGS <<< "${DEMO_INSTRUCT_SET:-}"
STAGES=("$@")
[ ${#STAGES[@]} -eq 0 ] && STAGES=(data vision check build align instruct release)

step() {  # the recipe's own steps, with the settings and their overrides
    python -m recipes.demo "$1" --config "$CONFIG" --work "$WORK" "${SETTINGS[@]/#/--set=}"
}

instruct() {  # the project's trainer, with the instruct config and paths under WORK
    videoassist train "$INSTRUCT_CONFIG" --set "output_dir=$WORK/instruct" --set "model.base=$WORK/align" \
        --set "data.0.path=$WORK/world_train/instruct_train.json" --set "data.0.video_root=$WORK/world_train" \
        --set "data.1.path=$WORK/world_train/eval_train.json" --set "data.1.video_root=$WORK/world_train" \
        --set "data.2.path=$WORK/world_train/pretrain_train.json" --set "data.2.video_root=$WORK/world_train" \
        "${INSTRUCT_SETTINGS[@]/#/--set=}"
}

for stage in "${STAGES[@]}"; do
    echo "== train_demo.sh: $stage" >&2
    case $stage in
        data|vision|check|align) step "$stage" ;;
        build) python -m recipes.demo build --tower "$WORK/vision" --out "$WORK/base" ;;
        instruct) instruct ;;
        release) python -m recipes.demo release --checkpoint "$WORK/instruct" --out "$RELEASE" ;;
        *) echo "train_demo.sh: unknown stage '$stage' (data vision check build align instruct release)" >&2
           exit 2 ;;
    esac
done
