"""The synthetic world's answer scorer: the library's vocabulary scorer (videoassist.evaluation.scoring) fed the
world's words (vocabulary.py).

Rule (SYNTH_WORLD.md "Scoring"): an answer is right when it contains the reference's vocabulary word and no
other word of the same attribute — "red" is right for red, "red or blue" is wrong. English and Chinese words
of one value are the same answer, and numbers match in any writing (3 = three = 三 = 三个). How text is read
(whole English words, longest Chinese words, the colour after "changes colour to") is the library scorer's.

`python -m data_tools synth` writes `answer_vocabulary()` beside its eval files, so `videoassist eval` judges
them by these same rules.
"""

from __future__ import annotations

from data_tools.synth.vocabulary import (ATTRIBUTES, FROM_WORDS_EN, FROM_WORDS_ZH, NEUTRAL_ZH, NUMBERS_EN,
                                         NUMBERS_ZH)
from videoassist.evaluation.scoring import VocabularyScorer
from videoassist.evaluation.vocabulary import AnswerVocabulary, ChangeRule, NumberWords

# The attributes a question type's answer is judged on. An event answer may carry a colour
# ("changes colour to yellow"); the other types are judged on one attribute.
TYPE_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "colour": ("colour",), "shape": ("shape",), "count": ("count",), "motion": ("motion",),
    "event": ("event", "colour"), "order": ("order",), "exists": ("answer",),
}

# What a caption is about; counts (Chinese captions say 一个 where English says "a") and yes/no are not.
CAPTION_ATTRIBUTES = ("shape", "colour", "motion", "event", "order")


def answer_vocabulary() -> AnswerVocabulary:
    """The world's words as the scorer reads them. Multi-word English canonicals ("at the start") are found
    through a one-word writing ("start"), since English is read word by word."""
    attributes = {
        attribute: {term.key: {"en": tuple(f for f in (term.en, *term.en_forms) if " " not in f),
                               "zh": (term.zh, *term.zh_forms)}
                    for term in terms.values()}
        for attribute, terms in ATTRIBUTES.items()
    }
    return AnswerVocabulary(
        attributes=attributes, question_types=TYPE_ATTRIBUTES, caption_attributes=CAPTION_ATTRIBUTES,
        numbers=NumberWords("count", {"en": NUMBERS_EN, "zh": NUMBERS_ZH}),
        change=ChangeRule("event", "changes_colour", "colour", {"en": FROM_WORDS_EN, "zh": FROM_WORDS_ZH}),
        neutral={"zh": NEUTRAL_ZH},
    )


SCORER = VocabularyScorer(answer_vocabulary())
tokenize = SCORER.tokenize
score_answer = SCORER.score_answer
keyword_recall = SCORER.keyword_recall
