"""Near-duplicate decisions on MinHash signatures."""

from __future__ import annotations

import hashlib
from itertools import permutations

import numpy as np
import pytest
from conftest import page_text
from hypothesis import given
from hypothesis import strategies as st

from ingest import dedup, minhash, store
from ingest.dedup import (
    BANDS,
    NUM_PERM,
    SHINGLE,
    BandIndex,
    Copy,
    band_keys,
    better_copy,
    compact,
    containment,
    coverage,
    find_article,
    jaccard,
    length,
    same_article,
    shingles,
    signature,
)
from ingest.extract import extract
from ingest.normalise import normalise


def bodies(name):
    return [normalise(a.body) for a in extract(page_text(name)).articles]


# Whitespace of every kind, letters with a lower case beyond ASCII (İ, Σ, ǅ), forms NFKC
# changes (㎏, Ａ), and Chinese; no lone surrogate, which reading a page replaces.
@given(
    st.text(
        alphabet=st.sampled_from("风险 \n\u3000\xa0\x1cAbZİΣσＡ㎏ǅ一")
        | st.characters(exclude_categories=["Cs"])
    )
)
def test_a_signature_is_of_the_compact_text_and_counts_its_length(text):
    sig = signature(text)
    flat = compact(text)
    assert sig.text_hash == hashlib.sha256(flat.encode()).hexdigest()
    assert sig.chars == length(text)
    assert sig.hashvalues.tolist() == minhash.sketch(flat, SHINGLE)[0].tolist()


def test_a_length_is_of_the_text_before_lower_case():
    # İ lowers to two characters: a copy's length is its characters as written.
    assert signature("İstanbul 风险").chars == length("İstanbul 风险") == 10


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
    assert (a.bands == b.bands).all()
    assert len(a.bands) == BANDS and len(set(a.bands.tolist())) == BANDS
    # Equal values in two bands make two keys.
    assert len(set(band_keys(np.zeros(NUM_PERM, dtype=np.uint32)).tolist())) == BANDS


def test_band_keys_of_many_signatures_are_those_of_each():
    sigs = [signature(text) for text in bodies("000")]
    matrix = np.stack([s.hashvalues for s in sigs])
    assert (band_keys(matrix) == np.stack([s.bands for s in sigs])).all()


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


def keys(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def test_band_index_ranks_candidates_by_shared_bands_then_id():
    index = BandIndex()
    index.add(7, keys(1, 2, 3), version=1)
    index.add(5, keys(1, 9), version=2)
    index.add(6, keys(2, 3), version=3)
    assert index.candidates(keys(1, 2, 3, 4)) == [7, 6, 5]
    assert index.candidates(keys(4)) == []
    assert index.version == 3


def test_band_index_merges_recent_bands_into_its_arrays():
    index = BandIndex()
    rng = np.random.default_rng(1)
    bands = {article: rng.integers(-(2**62), 2**62, BANDS) for article in range(1, 3000)}
    for article, article_keys in bands.items():
        index.add(article, article_keys, version=article)
    assert len(index.keys) > 0 and len(index.recent) < len(bands) * BANDS
    assert (np.diff(index.keys) >= 0).all()
    for article in (1, 1500, 2999):
        assert index.candidates(bands[article])[0] == article


def archive_with(tmp_path, texts: list[str]):
    """An archive holding one article per text, with its signature."""
    db = store.open_db(str(tmp_path / "a.db"))
    store.ensure_schema(db)
    with store.write_transaction(db):
        for text in texts:
            sig = signature(text)
            store.insert_article(db, {"title": "t", "body": text}, sig.blob(), sig.shingles)
    return db


def test_index_is_built_from_the_archive_and_catches_up_with_other_writers(tmp_path):
    texts = bodies("000") + bodies("001")[:1] + bodies("002")[1:] + bodies("003")[:1]
    db = archive_with(tmp_path, texts[:3])
    index = BandIndex()
    assert find_article(db, signature(texts[1][:-40]), index)[0] == 2
    assert index.loaded and index.version == 3
    # Another build adds an article, then gives article 1 another text.
    other = store.open_db(str(tmp_path / "a.db"))
    with store.write_transaction(other):
        sig = signature(texts[3])
        store.insert_article(other, {"title": "t", "body": texts[3]}, sig.blob(), sig.shingles)
        sig = signature(texts[4])
        store.replace_canonical(other, 1, {"body": texts[4]}, sig.blob(), sig.shingles)
    assert find_article(db, signature(texts[3][:-40]), index) is None
    index.catch_up(db)
    assert index.version == 5
    assert find_article(db, signature(texts[3][:-40]), index)[0] == 4
    assert find_article(db, signature(texts[4][:-40]), index)[0] == 1
    # Article 1's earlier text shares bands with it still, and is compared with its current one.
    assert find_article(db, signature(texts[0][:-40]), index) is None


@pytest.mark.parametrize("keys_at_a_time", [7, dedup.BUCKET_SLICE])
def test_band_index_finds_every_article_of_a_key_across_the_whole_range(
    keys_at_a_time, monkeypatch
):
    # Counted a few keys at a time, a bucket's keys are split between slices.
    monkeypatch.setattr(dedup, "BUCKET_SLICE", keys_at_a_time)
    index = BandIndex()
    rng = np.random.default_rng(2)
    edges = keys(-(2**63), -1, 0, 1, 2**63 - 1)
    stored = np.concatenate([edges, edges, rng.integers(-(2**63), 2**63 - 1, 5000)])
    articles = np.arange(len(stored), dtype=np.int32)
    index.merge(stored, articles)
    for key in [*edges.tolist(), *stored[-5:].tolist()]:
        expected = sorted(articles[stored == key].tolist())
        assert index.candidates(keys(key)) == expected
    assert index.candidates(keys(12345)) == []
