"""The language of a text, where the project has to guess it: Chinese when it holds a CJK ideograph, else English.

One definition for every guess (eval items without a language field, imported captions, tests), so they agree.
"""

from __future__ import annotations

import re

# CJK Unified Ideographs, Extension A, the compatibility block and the supplementary planes' extensions (B-F and
# their compatibility supplement); not the Yijing symbols (U+4DC0-4DFF) between Extension A and the main block.
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")


def language_of(text: str) -> str:
    """"zh" when `text` has a CJK ideograph, "en" otherwise."""
    return "zh" if CJK.search(text) else "en"
