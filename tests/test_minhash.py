"""One-permutation MinHash: the scheme as stated, Jaccard estimates, shingle counts, short
texts."""

from __future__ import annotations

import pytest
from conftest import page_text
from hypothesis import given
from hypothesis import strategies as st

from ingest.dedup import compact, jaccard
from ingest.extract import extract
from ingest.minhash import BINS, EMPTY, sketch

SIZE = 5
MASK = (1 << 64) - 1


def mixed(value: int) -> int:
    """SplitMix64's finaliser."""
    value ^= value >> 30
    value = value * 0xBF58476D1CE4E5B9 & MASK
    value ^= value >> 27
    value = value * 0x94D049BB133111EB & MASK
    return value ^ value >> 31


def shingle_hash(shingle: str) -> int:
    value = len(shingle)
    for char in shingle:
        value = (value * 0x9E3779B97F4A7C15 + ord(char)) & MASK
    return mixed(value)


def stated(text: str, size: int) -> tuple[list[int], int]:
    """The signature as ingest.minhash describes it, one shingle at a time."""
    shingles = {text[i : i + size] for i in range(max(1, len(text) - size + 1))} if text else set()
    bins: dict[int, int] = {}
    for value in map(shingle_hash, shingles):
        bin = value >> 56
        bins[bin] = min(bins.get(bin, 1 << 32), value >> 24 & 0xFFFFFFFF)
    signature = []
    for bin in range(BINS):
        # The next filled bin at or after this one, going round past the end.
        distance = next((d for d in range(BINS) if (bin + d) % BINS in bins), None)
        if distance is None:
            signature.append(int(EMPTY))
        else:
            borrowed = bins[(bin + distance) % BINS]
            signature.append((borrowed + distance * 0x9E3779B1) & 0xFFFFFFFF)
    return signature, len(shingles)


# Code points of every width Python stores strings in, lone surrogates included.
@given(
    st.one_of(st.text(max_size=300), st.text(alphabet="风险治理躰😀", max_size=300)),
    st.sampled_from([1, 2, SIZE, 9]),
)
def test_signatures_are_the_scheme_as_stated(text, size):
    values, count = sketch(text, size)
    assert (values.tolist(), count) == stated(text, size)


def test_long_texts_are_the_scheme_as_stated():
    text = article()
    assert len(text) > 2000
    values, count = sketch(text, SIZE)
    assert (values.tolist(), count) == stated(text, SIZE)
    assert sketch(text + "\ud800", SIZE)[0].tolist() == stated(text + "\ud800", SIZE)[0]


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
    assert sketch(text, SIZE)[1] == len(grams(text))


def test_hashes_depend_on_the_shingle_not_its_place():
    # Both hold the same six shingles, at other places and other numbers of times.
    one = sketch("风险协同治理" * 2, SIZE)
    two = sketch("协同治理风险" * 3, SIZE)
    assert one[0].tolist() == two[0].tolist() and one[1] == two[1] == 6


def test_a_long_text_between_short_ones_leaves_them_as_they_were():
    # Room for a long text's hashes is given back after it; for a short one, kept.
    short = "城市跨域风险协同治理的模式" * 20
    long = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(300_000))
    before = sketch(short, SIZE)
    values, count = sketch(long, SIZE)
    assert count == len(grams(long))
    assert sketch(short, SIZE)[0].tolist() == before[0].tolist() == stated(short, SIZE)[0]
    assert sketch(long, SIZE)[0].tolist() == values.tolist()


def test_a_shingle_size_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        sketch("风险", 0)
