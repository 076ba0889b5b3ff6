"""The words of the synthetic world, English and Chinese: the single source of everything the generator says.

Every attribute value is a `Term`: a key (what the ground truth stores), the canonical English and Chinese
writings (what captions and answers say) and the other writings the answer scorer accepts as the same value.
The generator only ever writes canonical forms; the extra forms exist so a model's free answer ("circles",
"红", "3") is read correctly. Keeping both here means a word added to the world is known to the scorer too.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Term:
    """One value of one attribute, e.g. attribute "colour", key "red", en "red", zh "红色"."""

    attribute: str
    key: str
    en: str
    zh: str
    en_forms: tuple[str, ...] = ()
    zh_forms: tuple[str, ...] = ()

    def word(self, lang: str) -> str:
        """The canonical writing in `lang` ("en" or "zh")."""
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")
        return self.en if lang == "en" else self.zh


def _terms(attribute: str, rows: list[tuple]) -> dict[str, Term]:
    return {row[0]: Term(attribute, *row) for row in rows}


# English forms are whole words (the scorer splits English at word boundaries); Chinese forms are matched
# longest-first inside the text, so "三角形" is one shape word and never the number 三.
SHAPES = _terms("shape", [
    ("circle", "circle", "圆形", ("circles",), ("圆", "圆圈")),
    ("square", "square", "正方形", ("squares",), ("方形", "正方", "方块")),
    ("triangle", "triangle", "三角形", ("triangles",), ("三角",)),
    ("star", "star", "星形", ("stars",), ("星星", "五角星", "星")),
])

COLOURS = _terms("colour", [
    ("red", "red", "红色", (), ("红",)),
    ("green", "green", "绿色", (), ("绿",)),
    ("blue", "blue", "蓝色", (), ("蓝",)),
    ("yellow", "yellow", "黄色", (), ("黄",)),
    ("purple", "purple", "紫色", ("violet",), ("紫",)),
    ("white", "white", "白色", (), ("白",)),
])

# The reference sRGB of each colour word: what the default renderer paints, and what backgrounds keep away
# from. Far apart in hue and lightness so they survive H.264's 4:2:0 chroma subsampling.
COLOUR_RGB: dict[str, tuple[int, int, int]] = {
    "red": (225, 40, 40),
    "green": (40, 200, 70),
    "blue": (50, 100, 240),
    "yellow": (240, 215, 40),
    "purple": (165, 60, 215),
    "white": (245, 245, 245),
}

# 上/下 alone are too common in Chinese ("画面上") to mean a direction, so only their compounds are listed;
# 左/右 alone are safe.
MOTIONS = _terms("motion", [
    ("left", "left", "向左", ("leftward", "leftwards"), ("往左", "朝左", "左移", "左")),
    ("right", "right", "向右", ("rightward", "rightwards"), ("往右", "朝右", "右移", "右")),
    ("up", "up", "向上", ("upward", "upwards"), ("往上", "朝上", "上移", "上升")),
    ("down", "down", "向下", ("downward", "downwards"), ("往下", "朝下", "下移", "下降", "下落")),
    ("still", "still", "静止", ("stationary", "motionless"), ("不动", "静")),
])

# Object counts the world uses (1-3 objects). The scorer reads any number 0-10 (NUMBERS below), so "4" is
# recognised as a wrong count rather than ignored.
COUNTS = _terms("count", [
    ("1", "one", "一个"),
    ("2", "two", "两个"),
    ("3", "three", "三个"),
])

# Event keys; "none" answers "What happens to X?" for an object nothing happens to. The change-colour event's
# canonical answer is the phrase plus the colour word: "changes colour to yellow" / "变成黄色".
EVENTS = _terms("event", [
    ("appears", "appears", "出现", ("appear", "appeared", "appearing"), ("显现",)),
    ("disappears", "disappears", "消失",
     ("disappear", "disappeared", "disappearing", "vanishes", "vanish", "vanished"), ("不见",)),
    ("changes_colour", "changes colour to", "变成",
     ("changes", "change", "changed", "changing", "turns", "turned", "becomes", "became"), ("变为", "变色", "变")),
    ("none", "nothing happens", "没有变化", ("nothing",),
     ("没变化", "无变化", "不变", "没有任何变化", "没什么变化", "什么也没发生", "什么都没发生")),
])

# When an object is first seen: from the first frame, or only after an "appears" event.
ORDERS = _terms("order", [
    ("start", "at the start", "一开始", ("start", "beginning", "begin", "first"), ("开始", "开头", "最初")),
    ("partway", "partway through", "中途", ("partway", "midway", "halfway", "middle", "later"),
     ("中间", "途中", "后来", "半途")),
])

ANSWERS = _terms("answer", [
    ("yes", "yes", "有", ("yeah", "yep"), ("是", "是的", "对", "有的")),
    ("no", "no", "没有", ("nope",), ("否", "不是", "没", "不对", "无")),
])

ATTRIBUTES: dict[str, dict[str, Term]] = {
    "shape": SHAPES, "colour": COLOURS, "motion": MOTIONS, "count": COUNTS,
    "event": EVENTS, "order": ORDERS, "answer": ANSWERS,
}

# Numbers in every writing, for the scorer: 3 = three = 三 (= 三个: 个 is not a number word).
NUMBERS_EN: dict[str, int] = {
    w: i for i, w in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"])
}
NUMBERS_ZH: dict[str, int] = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
}

# Chinese words that contain a character of a word above but mean none of them, so the longest-first matcher
# skips them whole: 一共 is not "one", 第一 is an ordinal, 有没有 is neither yes nor no, 所有 is not "yes",
# 变化 alone ("发生了变化") says neither what changed nor that nothing did.
NEUTRAL_ZH = ("一共", "一起", "一直", "一样", "一下", "一些", "一点", "一边", "统一", "唯一", "第一", "第二", "第三",
              "有没有", "是不是", "是否", "不知道", "所有", "变化")

# Marks the colour an object changes *from* ("from red to yellow", "从红色变成黄色"), which is not the answer.
FROM_WORDS_EN = ("from",)
FROM_WORDS_ZH = ("从", "由")

# (shape, colour) pairs that train/val/test never show: the `compositional` split is made of clips that do.
# One pair per shape and four different colours, so every held-out shape and colour is still seen in
# training, only never together.
HELD_OUT_PAIRS: frozenset[tuple[str, str]] = frozenset({
    ("circle", "green"), ("square", "purple"), ("triangle", "yellow"), ("star", "blue"),
})
ALL_PAIRS: tuple[tuple[str, str], ...] = tuple((s, c) for s in SHAPES for c in COLOURS)

# Question types, in the order records list them.
QUESTION_TYPES = ("colour", "shape", "count", "motion", "event", "order", "exists")
