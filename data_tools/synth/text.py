"""Captions and questions about a clip, in English and Chinese, from its ground truth.

Every attribute word comes from the vocabulary; this module only holds the sentence frames around them.
A question is only asked when the ground truth answers it unambiguously:
- an object is named by its (shape, colour) pair, unique in a clip, or by its shape alone when no other object
  has that shape; a colour-changing object keeps the name of its first colour;
- "What colour is the circle?" only when exactly one circle, and it never changes colour;
- "What shape is the red object?" only when exactly one object is ever red;
- `count` counts every object the clip shows at any time (an object that appears partway counts);
- `exists` asks "yes" about a pair the clip shows, and "no" about one it never shows, mostly a near miss that
  shares the shape or the colour of an object in the clip; never about a held-out pair outside the
  compositional split, so the training text does not mention those pairs either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from data_tools.synth.vocabulary import (ALL_PAIRS, ANSWERS, COLOURS, COUNTS, EVENTS, LANGUAGES, MOTIONS, ORDERS,
                                         QUESTION_TYPES, SHAPES)
from data_tools.synth.world import Clip, Pair, WorldObject, pairs_shown


@dataclass(frozen=True)
class QA:
    type: str       # one of QUESTION_TYPES
    lang: str       # "en" | "zh"
    question: str
    answer: str     # canonical: vocabulary words in the question's language


CAPTION_REQUESTS = {
    "en": (
        "Describe the video.",
        "What is happening in this video?",
        "Write a short caption for this clip.",
        "Give a brief description of the video.",
        "Summarize what you see in the video.",
        "Describe the objects in this clip and what they do.",
    ),
    "zh": (
        "描述这段视频。",
        "这个视频里发生了什么？",
        "请为这段视频写一句简短的描述。",
        "简要描述一下视频的内容。",
        "用几句话概括这个视频。",
        "描述视频中的物体以及它们在做什么。",
    ),
}

# {obj}: an object's name; {shape}, {colour}: vocabulary words; {pair}: a (shape, colour) pair.
QUESTION_TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "colour": {
        "en": ("What colour is the {shape}?", "What is the colour of the {shape}?",
               "Which colour does the {shape} have?", "Tell me the colour of the {shape}."),
        "zh": ("{shape}是什么颜色的？", "{shape}是什么颜色？", "视频中的{shape}是哪种颜色？", "请说出{shape}的颜色。"),
    },
    "shape": {
        "en": ("What shape is the {colour} object?", "Which shape is {colour}?",
               "What kind of shape is the {colour} one?", "The {colour} object is what shape?"),
        "zh": ("{colour}的物体是什么形状？", "哪个形状是{colour}的？", "{colour}的那个是什么形状？",
               "请说出{colour}物体的形状。"),
    },
    "count": {
        "en": ("How many objects are there?", "How many shapes appear in the video?",
               "Count the objects in the clip.", "How many different objects can you see?"),
        "zh": ("视频里有几个物体？", "视频中出现了多少个形状？", "画面中有多少个物体？", "数一数视频中有几个物体。"),
    },
    "motion": {
        "en": ("Which way does the {obj} move?", "In which direction is the {obj} moving?",
               "How does the {obj} move?", "Where does the {obj} go?"),
        "zh": ("{obj}往哪个方向移动？", "{obj}朝哪个方向运动？", "{obj}是怎么移动的？", "{obj}的运动方向是什么？"),
    },
    "event": {
        "en": ("What happens to the {obj}?", "Does anything happen to the {obj}?",
               "What change, if any, happens to the {obj}?", "Describe what happens to the {obj}."),
        "zh": ("{obj}发生了什么？", "{obj}有什么变化？", "视频中{obj}怎么了？", "{obj}在视频里发生了什么变化？"),
    },
    "order": {
        "en": ("Does the {obj} appear at the start or partway through?",
               "Is the {obj} there from the start, or does it appear partway through?",
               "When does the {obj} first appear: at the start or partway through?"),
        "zh": ("{obj}是一开始就出现，还是中途出现的？", "{obj}从开始就在画面里，还是中途才出现？",
               "{obj}是在开始时出现还是在中途出现？"),
    },
    "exists": {
        "en": ("Is there a {pair}?", "Does a {pair} appear in the video?", "Can you see a {pair} in the clip?",
               "Is a {pair} shown in the video?"),
        "zh": ("视频里有{pair}吗？", "画面中有没有{pair}？", "视频中是否有{pair}？", "这段视频里有{pair}吗？"),
    },
}



@dataclass(frozen=True)
class Phrasing:
    """The sentence frames a dataset's questions and caption requests are drawn from: per question type and
    language, templates with the slots above. The words in the slots, and so the answers, are the vocabulary's
    whatever the phrasing (phrasing_variant.py holds a second set, for evaluation only)."""

    questions: Mapping[str, Mapping[str, tuple[str, ...]]]
    caption_requests: Mapping[str, tuple[str, ...]]


DEFAULT_PHRASING = Phrasing(QUESTION_TEMPLATES, CAPTION_REQUESTS)


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def pair_name(pair: Pair, lang: str) -> str:
    """"red circle" / "红色的圆形"."""
    shape, colour = SHAPES[pair[0]].word(lang), COLOURS[pair[1]].word(lang)
    return f"{colour} {shape}" if lang == "en" else f"{colour}的{shape}"


def _object_name(clip: Clip, obj: WorldObject, lang: str, rng: np.random.Generator) -> str:
    unique_shape = sum(o.shape == obj.shape for o in clip.objects) == 1
    if unique_shape and rng.random() < 0.5:
        return SHAPES[obj.shape].word(lang)
    return pair_name((obj.shape, obj.colour), lang)


def _motion_phrase(motion: str, lang: str) -> str:
    word = MOTIONS[motion].word(lang)
    if lang == "zh":
        return "保持静止" if motion == "still" else f"{word}移动"
    if motion == "still":
        return f"stays {word}"
    return f"moves to the {word}" if motion in ("left", "right") else f"moves {word}"


def _event_phrase(clip: Clip, lang: str) -> str:
    """The event's predicate: "appears partway through", "disappears", "changes colour to yellow"."""
    event = clip.event
    assert event is not None
    if event.type == "appears":
        order = ORDERS["partway"].word(lang)
        return f"{order}{EVENTS['appears'].zh}" if lang == "zh" else f"{EVENTS['appears'].en} {order}"
    return event_answer(clip, clip.objects[event.object], lang)


def caption(clip: Clip, lang: str) -> str:
    """One sentence per object, then one for the event: "A red circle moves to the left. The red circle
    disappears." / "一个红色的圆形向左移动。红色的圆形消失。"."""
    sentences = []
    for obj in clip.objects:
        name = pair_name((obj.shape, obj.colour), lang)
        motion = _motion_phrase(obj.motion, lang)
        sentences.append(f"{COUNTS['1'].zh}{name}{motion}。" if lang == "zh" else f"A {name} {motion}.")
    if clip.event is not None:
        obj = clip.objects[clip.event.object]
        name = pair_name((obj.shape, obj.colour), lang)
        sentences.append(f"{name}{_event_phrase(clip, lang)}。" if lang == "zh"
                         else f"The {name} {_event_phrase(clip, lang)}.")
    return ("" if lang == "zh" else " ").join(sentences)


def caption_request(rng: np.random.Generator, lang: str, phrasing: Phrasing = DEFAULT_PHRASING) -> str:
    return _pick(rng, phrasing.caption_requests[lang])


def event_answer(clip: Clip, obj: WorldObject, lang: str) -> str:
    """What happens to `obj`: "appears", "disappears", "changes colour to yellow" or "nothing happens"."""
    event = clip.event
    if event is None or clip.objects[event.object] != obj:
        return EVENTS["none"].word(lang)
    if event.type == "changes_colour":
        colour = COLOURS[event.to_colour].word(lang)
        return f"{EVENTS['changes_colour'].zh}{colour}" if lang == "zh" else f"{EVENTS['changes_colour'].en} {colour}"
    return EVENTS[event.type].word(lang)


def order_answer(clip: Clip, obj: WorldObject, lang: str) -> str:
    appears = clip.event is not None and clip.event.type == "appears" and clip.objects[clip.event.object] == obj
    return ORDERS["partway" if appears else "start"].word(lang)


def _ask(qtype: str, lang: str, rng: np.random.Generator, phrasing: Phrasing, answer: str, **slots: str) -> QA:
    return QA(qtype, lang, _pick(rng, phrasing.questions[qtype][lang]).format(**slots), answer)


def candidate_questions(clip: Clip, lang: str, rng: np.random.Generator,
                        forbidden_pairs: frozenset[Pair] = frozenset(),
                        phrasing: Phrasing = DEFAULT_PHRASING) -> dict[str, list[QA]]:
    """Every answerable question about the clip, by type (a type with none is absent). Each question's
    template (from `phrasing`) and object name are drawn from `rng`; "no" questions never name a pair in
    `forbidden_pairs`."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    objects = clip.objects
    out: dict[str, list[QA]] = {}

    out["colour"] = [
        _ask("colour", lang, rng, phrasing, COLOURS[o.colour].word(lang), shape=SHAPES[o.shape].word(lang))
        for o in objects
        if o.colour_after is None and sum(p.shape == o.shape for p in objects) == 1
    ]
    colours_shown = [c for o in objects for c in dict.fromkeys((o.colour, o.colour_after)) if c is not None]
    out["shape"] = [
        _ask("shape", lang, rng, phrasing, SHAPES[o.shape].word(lang), colour=COLOURS[c].word(lang))
        for o in objects for c in dict.fromkeys((o.colour, o.colour_after))
        if c is not None and colours_shown.count(c) == 1
    ]
    out["count"] = [_ask("count", lang, rng, phrasing, COUNTS[str(len(objects))].word(lang))]
    out["motion"] = [
        _ask("motion", lang, rng, phrasing, MOTIONS[o.motion].word(lang), obj=_object_name(clip, o, lang, rng))
        for o in objects
    ]
    out["event"] = [
        _ask("event", lang, rng, phrasing, event_answer(clip, o, lang), obj=_object_name(clip, o, lang, rng))
        for o in objects
    ]
    out["order"] = [
        _ask("order", lang, rng, phrasing, order_answer(clip, o, lang), obj=_object_name(clip, o, lang, rng))
        for o in objects
    ]
    shown = sorted(pairs_shown(clip))
    absent = [p for p in ALL_PAIRS if p not in shown and p not in forbidden_pairs]
    # Near misses (same shape or same colour as something shown) test binding; keep them the majority.
    near = [p for p in absent if any(p[0] == s[0] or p[1] == s[1] for s in shown)]
    negatives: list[Pair] = []
    for _ in range(min(len(shown), len(absent))):  # as many "no" as "yes"
        near_left = [p for p in near if p not in negatives]
        pool = near_left if near_left and rng.random() < 0.75 else [p for p in absent if p not in negatives]
        negatives.append(_pick(rng, pool))
    out["exists"] = (
        [_ask("exists", lang, rng, phrasing, ANSWERS["yes"].word(lang), pair=pair_name(p, lang)) for p in shown]
        + [_ask("exists", lang, rng, phrasing, ANSWERS["no"].word(lang), pair=pair_name(p, lang)) for p in negatives]
    )
    return {t: out[t] for t in QUESTION_TYPES if out[t]}


def eval_questions(clip: Clip, languages: tuple[str, ...], rng: np.random.Generator,
                   forbidden_pairs: frozenset[Pair] = frozenset(), phrasing: Phrasing = DEFAULT_PHRASING) -> list[QA]:
    """A benchmark set for one clip: per language, one question of every answerable type, two for `exists`
    (one "yes", one "no"). `event` and `order` ask about the event's object when there is one, so the
    benchmark is not dominated by "nothing happens" and "at the start"."""
    chosen: list[QA] = []
    event_obj = clip.event_object()
    for lang in languages:
        candidates = candidate_questions(clip, lang, rng, forbidden_pairs, phrasing)
        for qtype, qas in candidates.items():
            if qtype == "exists":
                for answer in ("yes", "no"):
                    matching = [q for q in qas if q.answer == ANSWERS[answer].word(lang)]
                    if matching:
                        chosen.append(_pick(rng, matching))
            elif event_obj is not None and (qtype == "event" or (qtype == "order" and clip.event.type == "appears")):
                chosen.append(qas[clip.objects.index(event_obj)])  # these lists hold one question per object
            else:
                chosen.append(_pick(rng, qas))
    return chosen


def conversation(clip: Clip, languages: tuple[str, ...], rng: np.random.Generator,
                 forbidden_pairs: frozenset[Pair] = frozenset(), phrasing: Phrasing = DEFAULT_PHRASING) -> list[QA]:
    """2-4 questions of different types, each in a language drawn from `languages`."""
    by_lang = {lang: candidate_questions(clip, lang, rng, forbidden_pairs, phrasing) for lang in languages}
    types = [t for t in QUESTION_TYPES if all(t in by_lang[lang] for lang in languages)]
    n_turns = min(len(types), int(rng.integers(2, 5)))
    turns = []
    for index in rng.permutation(len(types))[:n_turns]:
        lang = _pick(rng, languages)
        turns.append(_pick(rng, by_lang[lang][types[int(index)]]))
    return turns
