"""The recipe of the embedded `demo` model: how its vision tower, read-out, projector and LoRA adapter on Gemma 3
270M are trained on the synthetic world, and packaged into the folder the library ships (videoassist/demo/).

Outside the library: it imports videoassist and data_tools, and nothing of the library imports it (loading the
shipped model, `--model demo`, is videoassist.checkpoints.demo). The modules:
    settings      the recipe's settings (configs/vision.yaml → dataclasses, by videoassist.config_files)
    frame_cache   the data step: frames decoded as inference samples them, with their ground-truth targets
    targets       per-frame pair tables and per-cell targets from the world's ground truth
    tower         the vision tower (ResNetModel or CLIPVisionModel) and its image processor
    probes        the linear probes of stage 0 and their losses and metrics
    augment       batch augmentation that moves the targets with the pixels
    loop          the one training loop of the stages without an LLM (0 and 1): schedule, resumable checkpoints
    pretrain      stage 0: the tower and its probes
    scene, check  questions answered from the probes alone; the held-out check of a tower
    visual_words  the `objects` token mode's vocabulary of the world, and the read-out's targets
    build         the VideoAssist model on the stage-0 tower and Gemma (start of stage 1)
    align         stage 1: the `objects` read-out on the ground truth
    teacher_forced, bench   progress check for stages 1-2; stage-0 step timing
    release       packages stage 2's checkpoint (trained by `videoassist train`) into the shipped folder
    steps         the commands data, vision, check, align over one work folder
Run it with recipes/demo/train_demo.sh, or step by step with `python -m recipes.demo STEP` (README.md, docs/DEMO.md).
"""
