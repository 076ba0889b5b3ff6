"""The synthetic world: clips of coloured shapes with exact ground truth, captions and questions in English
and Chinese (shared/SYNTH_WORLD.md). One module per job:

    vocabulary  every word the world uses, English and Chinese, and the held-out pairs
    world       ground truth of a clip, and its sampler
    render      paints a clip's frames from its ground truth (the style kept apart)
    writer      H.264 MP4 files with PyAV
    text        captions and questions
    scoring     the answer scorer: the library's (videoassist.evaluation) fed the world's vocabulary
    generate    splits and output files
    cli         `python -m data_tools synth`
"""
