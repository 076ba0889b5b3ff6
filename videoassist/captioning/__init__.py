"""Batch captioning: many videos in, one caption per video (or per time segment) out, resumable.

    inputs     files, folders, globs, list files → video paths
    settings   CaptionSettings (prompt, segments, sampling, generation)
    segments   a timeline cut into fixed-length segments
    pipeline   Captioner: decode/encode ahead in a thread, generate in the caller's
    results    VideoCaptions, one per video
    subtitles  SRT / WebVTT text
    writers    jsonl, csv, srt/vtt outputs: durable appends, resume
    batch      run_batch: skip done, progress bar, summary and exit code

Submodules are imported where needed (the pipeline imports torch).
"""
