"""`videoassist eval`: ask a model every question of a Valley-format file and score the answers.

    items       Valley records → one item per reference reply (question type and language from the data)
    vocabulary  the answer vocabulary file (the words answers are judged on)
    scoring     the scorers: by an answer vocabulary, or by normalised match without one
    run         ask, score, append each prediction (resumable); an unscorable item is recorded, not fatal
    report      the report per type and language, with errors, and its chart
"""

from .items import EvalItem, eval_items
from .report import summarize, write_chart
from .run import evaluate
from .scoring import MatchScorer, ScoringError, VocabularyScorer, load_scorer
from .vocabulary import VOCABULARY_FILE, AnswerVocabulary, find_vocabulary, read_vocabulary, write_vocabulary

__all__ = ["VOCABULARY_FILE", "AnswerVocabulary", "EvalItem", "MatchScorer", "ScoringError", "VocabularyScorer",
           "eval_items", "evaluate", "find_vocabulary", "load_scorer", "read_vocabulary", "summarize",
           "write_chart", "write_vocabulary"]
