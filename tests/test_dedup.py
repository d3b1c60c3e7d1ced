"""Near-duplicate decisions on MinHash signatures."""

from __future__ import annotations

from conftest import page_text

from ingest.dedup import containment, jaccard, same_article, shingles, signature
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
    assert a.bands() == b.bands()
    assert len(set(a.bands())) == len(a.bands())


def test_short_text_shingles():
    assert shingles("") == set()
    assert shingles("短") == {"短".encode()}
