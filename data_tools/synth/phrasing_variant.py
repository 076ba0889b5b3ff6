"""A second set of sentence frames for the synthetic world's questions and caption requests, for EVALUATION ONLY:
no training world is made with it, so a model scored on it is asked in words it was never trained on.

Written apart from text.py's templates (none is one of theirs), with the same slots ({shape}, {colour}, {obj},
{pair}) and the same answers: the words in the slots and the canonical answers come from the vocabulary, so the
world's scorer judges these questions as it judges the others. A template's natural answer is its type's word: no
yes/no question outside `exists` ("Does the circle change?" was answered "yes", which names no event).
`python -m data_tools synth --phrasing variant`.
"""

from __future__ import annotations

from data_tools.synth.text import Phrasing

VARIANT_CAPTION_REQUESTS = {
    "en": (
        "What does this clip show?",
        "Tell me what goes on in the clip.",
        "Caption this video in a sentence or two.",
        "Say briefly what you see.",
        "Explain what the shapes in the video are doing.",
        "Give a one-line summary of the clip.",
    ),
    "zh": (
        "这段视频展示了什么？",
        "请讲讲视频里发生的事情。",
        "给这个视频配一句说明。",
        "告诉我你看到了什么。",
        "说说视频中的图形在做什么。",
        "用一句话总结这段视频。",
    ),
}

VARIANT_QUESTION_TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "colour": {
        "en": ("Which colour is the {shape} painted in?", "Name the colour of the {shape}.",
               "The {shape} is which colour?", "What colour would you call the {shape}?"),
        "zh": ("{shape}的颜色是什么？", "{shape}涂的是什么颜色？", "请告诉我{shape}的颜色。", "你看到的{shape}是什么颜色？"),
    },
    "shape": {
        "en": ("Which shape is coloured {colour}?", "Name the shape of the {colour} thing.",
               "The thing that is {colour}: what shape is it?", "What is the shape of the {colour} item?"),
        "zh": ("{colour}的东西是什么形状的？", "颜色是{colour}的那个物体是什么形状？", "请告诉我{colour}物体的形状。",
               "{colour}的图形是哪种形状？"),
    },
    "count": {
        "en": ("How many objects does the clip show?", "What is the number of shapes in this video?",
               "Tell me how many objects there are.", "How many things are in the video?"),
        "zh": ("这段视频里共有几个物体？", "画面里出现了几个图形？", "请数一下视频里物体的数量。", "视频中总共有多少个物体？"),
    },
    "motion": {
        "en": ("In what direction does the {obj} travel?", "Which direction is the {obj} heading?",
               "Tell me which way the {obj} goes.", "What is the direction of the {obj}'s movement?"),
        "zh": ("{obj}向哪边移动？", "{obj}在往哪里走？", "请说出{obj}的移动方向。", "{obj}朝什么方向运动？"),
    },
    "event": {
        "en": ("What becomes of the {obj} during the clip?", "What happens with the {obj} in the video?",
               "Describe any change the {obj} goes through.", "What, if anything, happens to the {obj} in this clip?"),
        "zh": ("{obj}在视频中起了什么变化？", "{obj}出了什么事？", "请描述{obj}发生的变化。", "视频里的{obj}怎么样了？"),
    },
    "order": {
        "en": ("Is the {obj} visible from the start, or does it show up partway through?",
               "Was the {obj} there at the start, or did it appear partway through?",
               "When does the {obj} show up: at the start or partway through?"),
        "zh": ("{obj}是开头就有，还是中途才出现？", "{obj}一开始就在吗，还是中途出现的？",
               "{obj}什么时候出现：一开始还是中途？"),
    },
    "exists": {
        "en": ("Do you see a {pair} in the video?", "Is any {pair} visible?", "Does the clip contain a {pair}?",
               "Is there a {pair} anywhere in the clip?"),
        "zh": ("你能在视频里看到{pair}吗？", "视频中出现了{pair}吗？", "这个画面里有{pair}吗？", "视频里有没有出现{pair}？"),
    },
}

VARIANT_PHRASING = Phrasing(VARIANT_QUESTION_TEMPLATES, VARIANT_CAPTION_REQUESTS)
