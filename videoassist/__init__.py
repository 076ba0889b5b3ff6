"""videoassist: a video-language assistant (Valley / LLaMA-VID style) on Hugging Face transformers.

The public names load lazily, so that `import videoassist` (and the CLI) stays fast.
"""

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "build": "videoassist.models.videoassist",  # a new model on an HF vision tower and an HF causal LLM
    "VideoAssistConfig": "videoassist.models.videoassist",
    "VideoAssistForCausalLM": "videoassist.models.videoassist",
    "VideoAssistProcessor": "videoassist.models.videoassist",
    "VideoAssistant": "videoassist.inference",
    "Answer": "videoassist.inference",
}
__all__ = list(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'videoassist' has no attribute {name!r}")
