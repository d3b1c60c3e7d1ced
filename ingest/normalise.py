"""Normalise text to standard Simplified Chinese.

Spam pages run copied articles through a bad converter into Traditional script with rare
variant characters. Normalising is: OpenCC's ``t2s``, then a fold table of variant
characters OpenCC leaves, applied only to text that came in Traditional script so that
Simplified text is never touched.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

HAN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# Share of Han characters that t2s changes above which text counts as Traditional.
TRADITIONAL_RATIO = 0.02


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    """OpenCC's Traditional-to-Simplified converter, from either Python binding."""
    try:
        return opencc.OpenCC("t2s.json")
    except Exception:  # opencc-python-reimplemented names its configs without .json
        return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """OpenCC ``t2s`` alone."""
    return _t2s().convert(text)


def count_changed(before: str, after: str) -> int:
    """How many characters differ, position by position, plus any difference in length."""
    gap = abs(len(before) - len(after))
    return gap + sum(a != b for a, b in zip(before, after, strict=False))


def detect_script(text: str) -> str:
    """``traditional`` if converting the text to Simplified changes a fair share of it."""
    han = len(HAN_RE.findall(text))
    if not han:
        return "simplified"
    changed = count_changed(text, to_simplified(text))
    return "traditional" if changed / han > TRADITIONAL_RATIO else "simplified"


def normalise(text: str, script: str | None = None) -> str:
    """Text in standard Simplified Chinese; Simplified input comes back unchanged."""
    if (script or detect_script(text)) == "simplified":
        return text
    return to_simplified(text)
