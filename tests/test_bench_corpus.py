"""The synthetic corpus: deterministic, and the ingest finds what was planted in it."""

from __future__ import annotations

import sqlite3
from collections import defaultdict

import pytest

from bench import corpus
from ingest import build, store
from ingest.read import iter_pages

PAGES = 40


def test_same_seed_same_bytes():
    first = [corpus.page(7, n, PAGES) for n in range(PAGES)]
    again = [corpus.page(7, n, PAGES) for n in range(PAGES)]
    assert [p.data for p in first] == [p.data for p in again]
    assert first == again


def test_different_seeds_differ():
    one = [corpus.page(1, n, PAGES).data for n in range(PAGES)]
    two = [corpus.page(2, n, PAGES).data for n in range(PAGES)]
    assert sum(a != b for a, b in zip(one, two, strict=True)) > PAGES * 0.9


def test_parallel_generation_gives_the_same_pages():
    assert list(corpus.generate(3, PAGES, jobs=2)) == list(corpus.generate(3, PAGES, jobs=1))


def test_pages_vary_as_planted():
    pages = [corpus.page(5, n, 400) for n in range(400)]
    copies = [a for p in pages for a in p.articles]
    assert len({p.site for p in pages}) > 4
    assert {a.script for a in copies} == {"simplified", "s2t", "s2tw", "variant"}
    assert any(a.cut for a in copies)
    assert any(a.kept < a.paragraphs for a in copies)
    assert any(a.spam_lines for a in copies)
    assert any(not p.articles for p in pages)
    sizes = sorted(len(p.data) for p in pages)
    assert 20_000 < sizes[len(sizes) // 2] < 50_000
    for p in pages:
        text = p.data.decode("utf-8")
        assert p.site in text


def test_written_corpus_is_reused_only_when_unchanged(tmp_path):
    pages = corpus.write_corpus(tmp_path / "c", 1, 12)
    files = sorted(pages.rglob("*.txt"))
    assert len(files) == 12
    assert files[3].read_bytes() == corpus.page(1, 3, 12).data
    files[3].write_bytes(b"changed")
    (tmp_path / "c" / corpus.INFO).write_text("{}")
    corpus.write_corpus(tmp_path / "c", 1, 12)
    assert files[3].read_bytes() == corpus.page(1, 3, 12).data
    assert len(corpus.read_manifest(tmp_path / "c")) == 12


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """A small generated corpus, its ground truth, and the archive built from it."""
    folder = tmp_path_factory.mktemp("synthetic")
    pages = corpus.write_corpus(folder, 11, PAGES, jobs=1)
    db = store.open_db(str(folder / "archive.db"))
    build.build(db, iter_pages([pages]))
    db.close()
    conn = sqlite3.connect(folder / "archive.db")
    yield corpus.read_manifest(folder), conn
    conn.close()


def test_every_planted_article_is_found(ingested):
    truth, conn = ingested
    sources = {
        path: (site, count)
        for path, site, count in conn.execute("select path, site, article_count from sources")
    }
    for page in truth:
        if page["name"] in sources and page["articles"]:
            assert sources[page["name"]] == (page["site"], len(page["articles"])), page["name"]


def test_copies_of_one_article_are_one_article(ingested):
    truth, conn = ingested
    found = {
        (path, position): article
        for path, position, article in conn.execute(
            """select s.path, o.position, o.article_id
               from article_occurrences o join sources s on s.id = o.source_id"""
        )
    }
    stored_as: dict[int, set[int]] = defaultdict(set)
    copies = 0
    for page in truth:
        for planted in page["articles"]:
            if not planted["cut"] and (page["name"], planted["position"]) in found:
                stored_as[planted["article"]].add(found[page["name"], planted["position"]])
                copies += 1
    assert len(stored_as) > PAGES // 4
    assert copies > len(stored_as) * 1.5
    assert all(len(ids) == 1 for ids in stored_as.values())
    owners = [next(iter(ids)) for ids in stored_as.values()]
    assert len(owners) == len(set(owners))


def test_no_spam_leaks_into_articles(ingested):
    truth, conn = ingested
    spam = {
        page["name"]: (page["site"], page["mobile"], page["landline"], page["domain"], "💎")
        for page in truth
    }
    rows = conn.execute(
        """select s.path, o.title_original || o.body_original, a.title || a.body
           from article_occurrences o join sources s on s.id = o.source_id
           join articles a on a.id = o.article_id"""
    ).fetchall()
    assert rows
    for path, original, article in rows:
        for word in spam[path]:
            assert word not in original and word not in article, (path, word)
