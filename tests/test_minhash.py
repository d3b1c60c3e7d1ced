"""One-permutation MinHash: Jaccard estimates, shingle counts, short texts."""

from __future__ import annotations

import numpy as np
from conftest import page_text
from hypothesis import given
from hypothesis import strategies as st

from ingest.dedup import compact, jaccard
from ingest.extract import extract
from ingest.minhash import BINS, EMPTY, distinct, sketch, sorted_hashes

SIZE = 5


def grams(text: str) -> set[str]:
    if len(text) <= SIZE:
        return {text} if text else set()
    return {text[i : i + SIZE] for i in range(len(text) - SIZE + 1)}


def exact(a: str, b: str) -> float:
    x, y = grams(a), grams(b)
    return len(x & y) / len(x | y)


def article() -> str:
    return compact(extract(page_text("000")).articles[1].body)


def test_estimates_follow_the_exact_jaccard():
    text = article()
    paragraphs = extract(page_text("000")).articles[1].paragraphs
    copies = [text[: len(text) * share // 10] for share in (9, 7, 5, 3)]
    copies.append(compact("".join(p for i, p in enumerate(paragraphs) if i % 4)))
    full, _ = sketch(text, SIZE)
    for copy in copies:
        estimate = jaccard(full, sketch(copy, SIZE)[0])
        assert abs(estimate - exact(text, copy)) < 0.08


def test_unrelated_texts_barely_agree():
    one = article()
    other = compact(extract(page_text("002")).articles[1].body)
    assert jaccard(sketch(one, SIZE)[0], sketch(other, SIZE)[0]) < 0.05


def test_short_texts_have_no_empty_bins_and_agree_only_when_alike():
    a, count = sketch("城市跨域风险协同治理的模式", SIZE)
    b, _ = sketch("完善社会治理体系的总体要求", SIZE)
    assert count == 9 and not (a == EMPTY).any() and len(a) == BINS
    assert jaccard(a, sketch("城市跨域风险协同治理的模式", SIZE)[0]) == 1.0
    assert jaccard(a, b) < 0.2


def test_empty_text():
    values, count = sketch("", SIZE)
    assert count == 0 and (values == EMPTY).all()


# Text of a few characters repeats its shingles: the count is of distinct ones.
@given(st.one_of(st.text(max_size=60), st.text(alphabet="风险治", max_size=60)))
def test_shingle_count_is_the_number_of_distinct_shingles(text):
    assert distinct(sorted_hashes(text, SIZE)) == len(grams(text))
    assert sketch(text, SIZE)[1] == len(grams(text))


def test_hashes_depend_on_the_shingle_not_its_place():
    one = sorted_hashes("风险协同治理", SIZE)
    two = sorted_hashes("协同治理风险协同治理", SIZE)
    assert np.isin(one, two).all()
