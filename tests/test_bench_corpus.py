"""The synthetic corpus: deterministic, and the ingest finds what was planted in it."""

from __future__ import annotations

import sqlite3

import pytest

from bench import corpus, quality
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
    found = quality.pages_found(conn, truth)
    assert found["pages_planted"] > PAGES // 2
    assert found["pages_whole"] == found["pages_planted"]


def test_copies_of_one_article_are_one_article(ingested):
    truth, conn = ingested
    grouped = quality.grouping(quality.placed_copies(conn, truth))
    assert grouped["articles_planted"] > PAGES // 4
    assert grouped["copies_checked"] > grouped["articles_planted"] * 1.5
    assert grouped["articles_split"] == grouped["articles_merged"] == 0


def test_copies_keep_every_planted_paragraph(ingested):
    truth, conn = ingested
    kept = quality.completeness(quality.placed_copies(conn, truth))
    assert kept["copies_whole"] > PAGES
    assert kept["copies_short"] == kept["copies_long"] == 0


def test_no_spam_leaks_into_articles(ingested):
    truth, conn = ingested
    leaked = quality.leaks(conn, truth)
    assert leaked["copies"] > PAGES
    assert leaked["copies_with_spam"] == 0


def test_quality_sees_what_went_wrong(ingested, tmp_path):
    """The figures count failures: a wrong site, a split and a merge, a line too many, a
    spam word."""
    truth, conn = ingested
    broken = sqlite3.connect(tmp_path / "broken.db")
    conn.backup(broken)
    first, second = broken.execute(
        "select id from articles where occurrence_count > 1 order by id limit 2"
    ).fetchall()
    # One copy of the first article is moved to the second: the first is split in two
    # stored articles, the second holds two planted articles.
    broken.execute(
        "update article_occurrences set article_id = ? where id = "
        "(select max(id) from article_occurrences where article_id = ?)",
        [second[0], first[0]],
    )
    broken.execute("update sources set site = 'x' where id = (select min(id) from sources)")
    path, site = next((p["name"], p["site"]) for p in truth if p["articles"])
    broken.execute(
        """update article_occurrences set body_original = body_original || ?
           where id = (select min(o.id) from article_occurrences o
                       join sources s on s.id = o.source_id where s.path = ?)""",
        [site, path],
    )
    broken.execute(
        """update article_occurrences set body_original = body_original || char(10) || 'x'
           where id = (select max(id) from article_occurrences)"""
    )
    figures = quality.quality(broken, truth)
    assert figures["pages_whole"] < figures["pages_planted"]
    assert figures["articles_split"] == 1 and figures["articles_merged"] == 1
    assert figures["copies_with_spam"] == 1
    assert figures["copies_long"] == 1
