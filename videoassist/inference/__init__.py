from .assistant import Answer, AnswerStream, VideoAssistant

__all__ = ["VideoAssistant", "Answer", "AnswerStream"]
