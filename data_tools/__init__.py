"""Dataset tools, outside the library and importing it (`python -m data_tools …`): the synthetic world
(synth/), checks of Valley / LLaVA JSON (validate), importing a folder of clips (import_clips), WebDataset shards
(shard).
"""
