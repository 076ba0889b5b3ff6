"""videoassist: a video-language assistant (Valley / LLaMA-VID style) on Hugging Face transformers."""

__version__ = "0.1.0"
