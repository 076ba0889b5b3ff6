"""`videoassist eval`: ask a model every question of a benchmark and score the answers.

    items       the evaluation item; Valley records → one item per reference reply (type and language from the data)
    formats/    the benchmarks' own layouts (valley, mvbench, videomme, msvd_qa, msrvtt_qa, activitynet_qa) → items
    vocabulary  the answer vocabulary file (the words answers are judged on)
    scoring     the scorers: by an answer vocabulary, or by normalised match without one
    choices     multiple-choice answers: the option an answer picks, scored exactly
    judge       open-ended answers judged by a local LLM (Video-ChatGPT's prompt), verdicts cached
    lmms_eval_model  `lmms-eval --model videoassist`: the plug-in model (imports lmms-eval; only lmms-eval loads it)
    run         ask, score, append each prediction (resumable); an unscorable item is recorded, not fatal
    report      the report per type, language and the benchmark's groupings, its headline, errors; its chart
"""

from .items import EvalItem, eval_items
from .report import summarize, write_chart
from .run import evaluate
from .scoring import MatchScorer, ScoringError, VocabularyScorer, load_scorer
from .vocabulary import VOCABULARY_FILE, AnswerVocabulary, find_vocabulary, read_vocabulary, write_vocabulary

__all__ = ["VOCABULARY_FILE", "AnswerVocabulary", "EvalItem", "MatchScorer", "ScoringError", "VocabularyScorer",
           "eval_items", "evaluate", "find_vocabulary", "load_scorer", "read_vocabulary", "summarize",
           "write_chart", "write_vocabulary"]
