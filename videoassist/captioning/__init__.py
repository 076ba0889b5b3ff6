"""Batch captioning: many videos in, one caption per video (or per time segment) out, resumable.

    inputs     files, folders, globs, list files → video paths
    settings   CaptionSettings (prompt, segments, sampling, generation)
    segments   a timeline cut into fixed-length segments
    sampling   sample_video: the frames a caption is made from (light: no torch)
    pipeline   Captioner: decode/encode ahead in a thread, generate in the caller's (the local engine)
    engines    where captioning runs: local, ray (a name → a module; EngineOptions)
    ray_engine the Ray Data engine: frames sampled in CPU tasks, the model in an actor pool
    results    VideoCaptions, one per video
    subtitles  SRT / WebVTT text
    writers    jsonl, csv, parquet, srt/vtt outputs: durable appends, resume
    batch      run_batch: skip done, progress bar, summary and exit code

Submodules are imported where needed (the pipeline imports torch).
"""
