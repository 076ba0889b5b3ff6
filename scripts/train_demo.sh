#!/usr/bin/env bash
# The embedded `demo` model, stage by stage. Every stage resumes: what is done is skipped, what was interrupted
# continues from its last checkpoint. docs/DEMO.md explains the stages and the numbers they gave.
#
#   scripts/train_demo.sh                 # all stages: data vision check align instruct
#   scripts/train_demo.sh vision check    # only these
#
#   data      the demo's synthetic worlds (training seed, check seed) and the decoded training frames
#   vision    stage 0: pre-train the vision tower (a tiny CLIP ViT) with linear probes on dense targets
#   check     stage 0's tower on its own, on held-out clips: probe accuracies and probe-only answers
#   align     stage 1: token builder + projector on captions, tower and Gemma frozen  (videoassist train)
#   instruct  stage 2: LoRA on Gemma + projector on the instruction data               (videoassist train)
#
# Environment: DEMO_WORK (default outputs/demo), DEMO_CONFIG (default configs/demo/vision.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${DEMO_WORK:-outputs/demo}
CONFIG=${DEMO_CONFIG:-configs/demo/vision.yaml}
STAGES=("$@")
[ ${#STAGES[@]} -eq 0 ] && STAGES=(data vision check align instruct)

stage0() {
    python -m videoassist.demo "$1" --config "$CONFIG" --work "$WORK"
}

llm_stage() {  # align | instruct: through the project's trainer, with its config in configs/demo/
    local stage=$1 config=configs/demo/$1.yaml
    if ! videoassist train --help >/dev/null 2>&1; then
        echo "train_demo.sh: stage $stage needs 'videoassist train', which this installation does not have yet" >&2
        exit 2
    fi
    if [ ! -f "$config" ]; then
        echo "train_demo.sh: stage $stage: $config is not written yet (see docs/DEMO.md, 'What is missing')" >&2
        exit 2
    fi
    videoassist train "$config" --set "model.llm=$(python -c 'from videoassist.demo.gemma import gemma_folder; print(gemma_folder())')"
}

for stage in "${STAGES[@]}"; do
    echo "== train_demo.sh: $stage" >&2
    case $stage in
        data|vision|check) stage0 "$stage" ;;
        align|instruct) llm_stage "$stage" ;;
        *) echo "train_demo.sh: unknown stage '$stage' (data vision check align instruct)" >&2; exit 2 ;;
    esac
done
