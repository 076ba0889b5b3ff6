"""The answer scorer: SYNTH_WORLD.md's rule, both languages, and the substring traps; the library's scorer fed
the world's vocabulary decides as the world's own scorer did; answer vocabulary files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data_tools.synth.scoring import SCORER, TYPE_ATTRIBUTES, answer_vocabulary, keyword_recall, score_answer, tokenize
from data_tools.synth.vocabulary import ATTRIBUTES, COLOURS, QUESTION_TYPES
from videoassist.errors import DataError
from videoassist.evaluation import (VOCABULARY_FILE, AnswerVocabulary, MatchScorer, ScoringError, find_vocabulary,
                                    load_scorer, read_vocabulary)


@pytest.mark.parametrize("prediction, reference, qtype, right", [
    # The rule: the answer word, and no other word of the same attribute.
    ("red", "red", "colour", True),
    ("It is red.", "red", "colour", True),
    ("red or blue", "red", "colour", False),
    ("blue", "red", "colour", False),
    ("", "red", "colour", False),
    ("The circle is RED!", "red", "colour", True),
    # English and Chinese words of one value are the same answer; 红 alone and inside 红色.
    ("红色", "red", "colour", True),
    ("红", "red", None, True),
    ("它是红的", "red", "colour", True),
    ("red", "红色", "colour", True),
    ("紫红色", "red", "colour", False),
    # English words match whole: a longer word is not the shorter one.
    ("yellowish", "yellow", "colour", False),
    ("starfish", "star", "shape", False),
    ("circles", "circle", "shape", True),
    # Chinese words are matched longest first.
    ("三角形", "triangle", "shape", True),
    ("三角形", "3", "count", False),
    ("正方形", "square", "shape", True),
    ("方块", "正方形", "shape", True),
    ("五角星", "star", "shape", True),
    # Numbers in any writing.
    ("3", "three", "count", True),
    ("three", "三个", "count", True),
    ("三", "3", "count", True),
    ("三个", "3", "count", True),
    ("３", "3", "count", True),
    ("两个", "two", "count", True),
    ("二", "2", "count", True),
    ("There are 3 objects.", "three", "count", True),
    ("一共有三个物体", "三个", "count", True),
    ("一个", "one", "count", True),
    ("30", "3", "count", False),
    ("3 or 4", "3", "count", False),
    ("four", "3", "count", False),
    ("一共有两个", "三个", "count", False),
    # yes / no: whole words in English, longest match in Chinese.
    ("yes", "yes", "exists", True),
    ("Yes, there is.", "有", "exists", True),
    ("是的", "yes", "exists", True),
    ("有", "yes", "exists", True),
    ("是", "有", "exists", True),
    ("no", "no", "exists", True),
    ("No.", "没有", "exists", True),
    ("否", "no", "exists", True),
    ("不是", "no", "exists", True),
    ("不是", "yes", "exists", False),
    ("没有", "有", "exists", False),
    ("没有", "没有", "exists", True),
    ("I don't know", "no", "exists", False),
    ("not", "no", "exists", False),
    ("我不知道", "没有", "exists", False),
    ("有没有呢", "有", "exists", False),
    ("yes and no", "yes", "exists", False),
    # Motion: 上/下 only in their compounds, since 画面上 is not "up".
    ("left", "向左", "motion", True),
    ("It moves to the left.", "left", "motion", True),
    ("在画面上向左移动", "left", "motion", True),
    ("向上移动", "up", "motion", True),
    ("up", "向下", "motion", False),
    ("保持静止", "still", "motion", True),
    ("静止不动", "still", "motion", True),
    ("left, then right", "left", "motion", False),
    # Events: "disappears" is not "appears"; the colour that counts is the one changed to.
    ("appears", "appears", "event", True),
    ("It disappears.", "appears", "event", False),
    ("消失了", "disappears", "event", True),
    ("中途出现", "appears", "event", True),
    ("changes colour to yellow", "changes colour to yellow", "event", True),
    ("The red square turns yellow.", "changes colour to yellow", "event", True),
    ("It changes from red to yellow.", "变成黄色", "event", True),
    ("从红色变成了黄色", "changes colour to yellow", "event", True),
    ("It turns red.", "changes colour to yellow", "event", False),
    ("It turns yellow or blue.", "changes colour to yellow", "event", False),
    ("It changes colour.", "changes colour to yellow", "event", False),
    ("yellow", "changes colour to yellow", "event", False),
    ("nothing happens", "没有变化", "event", True),
    ("它没有任何变化", "nothing happens", "event", True),
    ("It disappears.", "nothing happens", "event", False),
    # Order.
    ("at the start", "一开始", "order", True),
    ("It is there from the beginning.", "at the start", "order", True),
    ("中途出现的", "partway through", "order", True),
    ("Partway through.", "中途", "order", True),
    ("at the start or partway through", "at the start", "order", False),
])
def test_score_answer(prediction, reference, qtype, right):
    assert score_answer(prediction, reference, qtype) is right


def test_question_type_limits_what_is_judged():
    # An order answer may mention the event (出现) without being judged on it.
    assert score_answer("它一开始就出现了", "一开始", "order")
    # Without a type, every attribute the reference names is judged.
    assert score_answer("red circle", "red circle") and not score_answer("red square", "red circle")
    assert set(TYPE_ATTRIBUTES) == set(QUESTION_TYPES)


def test_broken_references_and_types_are_errors():
    with pytest.raises(ValueError, match="no vocabulary word"):
        score_answer("red", "banana")
    with pytest.raises(ValueError, match="no vocabulary word"):
        score_answer("red", "red", "count")
    with pytest.raises(ValueError, match="unknown question type"):
        score_answer("red", "red", "size")


def test_every_canonical_word_reads_back_as_its_own_value_in_both_languages():
    for attribute, terms in ATTRIBUTES.items():
        for term in terms.values():
            for writing in (term.en, term.zh, *term.en_forms, *term.zh_forms):
                values = {t.value for t in tokenize(writing) if t.attribute == attribute}
                assert values == {term.key}, (attribute, writing, values)
            if attribute in ("colour", "shape", "motion", "order", "answer"):
                qtype = {"answer": "exists"}.get(attribute, attribute)
                assert score_answer(term.zh, term.en, qtype) and score_answer(term.en, term.zh, qtype)
                for other in terms.values():
                    if other is not term:
                        assert not score_answer(other.en, term.en, qtype)
                        assert not score_answer(other.zh, term.en, qtype)


def test_change_event_answers_match_across_languages():
    for colour in COLOURS.values():
        english, chinese = f"changes colour to {colour.en}", f"变成{colour.zh}"
        assert score_answer(chinese, english, "event") and score_answer(english, chinese, "event")
        for other in COLOURS.values():
            if other is not colour:
                assert not score_answer(f"变成{other.zh}", english, "event")


def test_keyword_recall():
    en = "A red circle moves to the left. A blue square stays still. The red circle disappears."
    zh = "一个红色的圆形向左移动。一个蓝色的正方形保持静止。红色的圆形消失。"
    assert keyword_recall(en, en) == 1.0
    assert keyword_recall(zh, en) == 1.0 and keyword_recall(en, zh) == 1.0  # language-agnostic
    # 9 words: red circle left blue square still red circle disappears; repeats count.
    assert keyword_recall("A red circle.", en) == pytest.approx(2 / 9)
    assert keyword_recall("A red circle. The red circle.", en) == pytest.approx(4 / 9)
    assert keyword_recall("", en) == 0.0
    assert keyword_recall("A purple star moves up.", en) == 0.0
    with pytest.raises(ValueError):
        keyword_recall("red", "hello, world")


# ---- the scorer is the library's, fed the world's vocabulary ---------------------------------------------------

DECISIONS = Path(__file__).resolve().parent / "data" / "synth_scoring_decisions.json"
SAMPLE_VOCABULARY = Path(__file__).resolve().parents[1] / "samples" / VOCABULARY_FILE


@pytest.mark.parametrize("scorer", ["data_tools", "file"])
def test_decisions_are_those_of_the_scorer_before_it_moved_into_the_library(scorer):
    """Every decision the synthetic world's scorer made (tests/data: recorded from the code before this one) on
    the questions, answers and captions of generated clips: by data_tools.synth.scoring, and by the library's
    scorer loaded from the answer_vocabulary.json the synth command writes (what `videoassist eval` uses)."""
    scorer = SCORER if scorer == "data_tools" else load_scorer(SAMPLE_VOCABULARY)
    recorded = json.loads(DECISIONS.read_text(encoding="utf-8"))
    predictions = recorded["predictions"]
    for qtype, reference, expected in recorded["cases"]:
        if isinstance(expected, list):
            right = [i for i, p in enumerate(predictions) if scorer.score_answer(p, reference, qtype)]
            assert right == expected, (qtype, reference)
        else:
            try:
                scorer.score_answer(reference, reference, qtype)
                outcome = "scorable"
            except ScoringError:
                outcome = "error"
            assert outcome == expected, (qtype, reference)
    captions = recorded["captions"]
    for r, row in enumerate(recorded["caption_recall"]):
        assert [round(scorer.keyword_recall(p, captions[r]), 6) for p in captions] == row


def test_the_vocabulary_file_is_the_worlds_vocabulary():
    assert read_vocabulary(SAMPLE_VOCABULARY) == answer_vocabulary()
    assert AnswerVocabulary.from_json(answer_vocabulary().to_json()) == answer_vocabulary()


def _vocabulary_file(tmp_path, **changes) -> Path:
    data = {"attributes": {"colour": {"red": {"en": ["red"], "zh": ["红色"]}, "blue": {"en": ["blue"]}}},
            "question_types": {"colour": ["colour"]}, **changes}
    path = tmp_path / "vocabulary.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_small_vocabulary_of_ones_own(tmp_path):
    scorer = load_scorer(_vocabulary_file(tmp_path))
    assert scorer.score("colour", "It is red.", "红色") == 1.0
    assert scorer.score("colour", "red or blue", "red") == 0.0
    assert scorer.score("caption", "a red car", "A red and blue car.") == 0.5  # caption words: every attribute
    with pytest.raises(ScoringError, match="unknown question type 'shape'; the answer vocabulary has colour"):
        scorer.check("shape", "red")


@pytest.mark.parametrize("changes, problem", [
    ({"colours": {}}, "unknown field 'colours'"),
    ({"question_types": {"shape": ["shape"]}}, 'question type "shape" names attribute "shape"'),
    ({"question_types": {"colour": "colour"}}, 'question type "colour" must be a list of strings'),
    ({"attributes": {"colour": {"red": {"en": ["red"]}, "rose": {"en": ["red"]}}}}, "means both"),
    ({"attributes": {"colour": {"red": {"en": ["dark red"]}}}}, "must be one word of letters"),
    ({"numbers": {"attribute": "colour", "words": {"en": {"one": "1"}}}}, "must be a whole number"),
    ({"change": {"attribute": "colour", "value": "green", "target": "colour"}}, 'does not have'),
])
def test_a_broken_vocabulary_file_is_one_line_naming_it(tmp_path, changes, problem):
    path = _vocabulary_file(tmp_path, **changes)
    with pytest.raises(DataError, match="is not an answer vocabulary") as error:
        load_scorer(path)
    assert str(error.value).startswith(f"{path}: ") and problem in str(error.value) and "\n" not in str(error.value)


def test_finding_the_vocabulary(tmp_path):
    data = tmp_path / "eval.json"
    assert find_vocabulary(data) is None and isinstance(load_scorer(None), MatchScorer)
    (tmp_path / VOCABULARY_FILE).write_text("{}")
    assert find_vocabulary(data) == tmp_path / VOCABULARY_FILE
    assert find_vocabulary(data, "elsewhere.json") == Path("elsewhere.json")
    with pytest.raises(DataError, match=r"elsewhere.json: no such file"):
        load_scorer(find_vocabulary(data, tmp_path / "elsewhere.json"))
