"""Asking about videos: `VideoAssistant` loads a model once (through videoassist.checkpoints) and answers
questions about video files, streamed or whole, with each video's features cached. Never imports training.
"""

from .assistant import Answer, AnswerStream, VideoAssistant
from .generation import RepetitionGuard

__all__ = ["VideoAssistant", "Answer", "AnswerStream", "RepetitionGuard"]
