"""Near-duplicate decisions on MinHash signatures."""

from __future__ import annotations

from itertools import permutations

from conftest import page_text

from ingest.dedup import (
    Copy,
    better_copy,
    containment,
    coverage,
    jaccard,
    same_article,
    shingles,
    signature,
)
from ingest.extract import extract
from ingest.normalise import normalise


def bodies(name):
    return [normalise(a.body) for a in extract(page_text(name)).articles]


def test_identical_text_has_identical_hash_despite_layout():
    a = signature("第一段。\n第二段。")
    b = signature("第一段。 第二段。")
    assert a.text_hash == b.text_hash
    assert jaccard(a.hashvalues, b.hashvalues) == 1.0


def test_traditional_copy_matches_simplified_copy():
    simplified = signature(bodies("000")[1])
    traditional = signature(bodies("001")[1])
    j = jaccard(simplified.hashvalues, traditional.hashvalues)
    assert same_article(j, simplified.shingles, traditional.shingles)


def test_different_articles_do_not_match():
    texts = bodies("000") + bodies("002")[1:] + bodies("004")[:1]
    sigs = [signature(t) for t in texts]
    for i, a in enumerate(sigs):
        for b in sigs[i + 1 :]:
            assert not same_article(jaccard(a.hashvalues, b.hashvalues), a.shingles, b.shingles)


def test_cut_short_copy_matches_as_partial():
    full = bodies("000")[1]
    half = full[: len(full) * 6 // 10]
    a, b = signature(full), signature(half)
    j = jaccard(a.hashvalues, b.hashvalues)
    assert j < 0.7
    assert same_article(j, a.shingles, b.shingles)
    assert containment(j, a.shingles, b.shingles) > 0.8


def test_bands_are_stable_and_one_per_band():
    a, b = signature("同一篇文章的正文内容。" * 20), signature("同一篇文章的正文内容。" * 20)
    assert a.bands == b.bands
    assert len(set(a.bands)) == len(a.bands)


def test_short_text_shingles():
    assert shingles("") == set()
    assert shingles("短") == {"短"}
    assert shingles("Ａ B\nc") == {"abc"}


def test_thresholds_keep_a_half_prefix_and_refuse_a_third():
    full = bodies("000")[1]
    half, third = signature(full[: len(full) // 2]), signature(full[: len(full) // 3])
    whole = signature(full)
    assert same_article(jaccard(whole.hashvalues, half.hashvalues), whole.shingles, half.shingles)
    assert not same_article(
        jaccard(whole.hashvalues, third.hashvalues), whole.shingles, third.shingles
    )


def test_a_half_prefix_shares_a_band():
    full = bodies("000")[1]
    assert set(signature(full).bands) & set(signature(full[: len(full) // 2]).bands)


def test_coverage_and_partial():
    assert coverage(100, 100) == (1.0, 0)
    assert coverage(120, 100) == (1.0, 0)
    assert coverage(90, 100) == (0.9, 0)
    assert coverage(89, 100) == (0.89, 1)
    assert coverage(1, 3) == (0.333, 1)


def test_better_copy_is_fullest_then_simplified_whatever_the_order():
    full_trad = Copy("traditional", 1000, "b" * 1000, "t")
    near_full_simp = Copy("simplified", 950, "a" * 950, "t")
    cut_simp = Copy("simplified", 600, "a" * 600, "t")
    copies = [full_trad, near_full_simp, cut_simp]
    for order in permutations(copies):
        best, longest = order[0], order[0].chars
        for copy in order[1:]:
            longest = max(longest, copy.chars)
            if better_copy(copy, best, longest):
                best = copy
        assert best == near_full_simp
    # A Simplified copy cut short never wins over a full Traditional one.
    assert better_copy(full_trad, cut_simp, 1000)
    assert not better_copy(cut_simp, full_trad, 1000)
    # Ties go to the smaller text, from either side.
    a, b = Copy("simplified", 5, "aaaaa", "t"), Copy("simplified", 5, "bbbbb", "t")
    assert better_copy(a, b, 5) and not better_copy(b, a, 5)
