"""The whole pipeline on the sample corpus, read back from the SQLite file."""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import PHONE, SHARED_TITLE, SITES, SPAM
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import spam_pages

from bench import corpus as bench_corpus
from ingest import build as pipeline
from ingest import store
from ingest.build import build
from ingest.read import Page, iter_pages
from ingest.store import open_db


def test_counts(conn):
    assert conn.execute("select count(*) from sources where status = 'ok'").fetchone()[0] == 5
    assert conn.execute("select count(*) from sources").fetchone()[0] == 5
    assert conn.execute("select count(*) from articles").fetchone()[0] == 6
    assert conn.execute("select count(*) from article_occurrences").fetchone()[0] == 10


def test_sources_metadata(conn):
    rows = conn.execute(
        "select path, site, script, encoding, article_count from sources order by path"
    ).fetchall()
    assert [tuple(r) for r in rows] == [
        ("000_5ccb8347f7d1d543.txt", "一分快3", "simplified", "utf-8", 2),
        ("001_f08ac7c5697dab11.txt", "盈彩平台", "traditional", "utf-8", 2),
        ("002_622c42ad8fc65679.txt", "AG彩票", "simplified", "utf-8", 2),
        ("003_9930495b2296cd67.txt", "众赢平台", "traditional", "utf-8", 2),
        ("004_6d1a95dccc794cbc.txt", "网信彩票邀请码", "traditional", "utf-8", 2),
    ]


def test_shared_article_once_with_five_occurrences(conn):
    (article,) = conn.execute("select * from articles where title = ?", [SHARED_TITLE]).fetchall()
    assert article["occurrence_count"] == 5
    assert article["script"] == "simplified"
    paragraphs = article["body"].split("\n")
    assert paragraphs[0].startswith("作者:张小明")
    assert paragraphs[-1].startswith("最后,构建稳定的信任机制")
    sources = conn.execute(
        "select source_id from article_occurrences where article_id = ?", [article["id"]]
    ).fetchall()
    assert sorted(r[0] for r in sources) == [1, 2, 3, 4, 5]


def test_titles_are_standard_simplified(conn):
    titles = [r[0] for r in conn.execute("select title from articles order by id")]
    assert titles == [
        "深入学习领会党的二十大精神 用新的伟大奋斗创造新的伟业",
        "城市跨域风险协同治理的模式与路径",
        "找到组织 信任组织 依靠组织",
        "完善社会治理体系(认真学习宣传贯彻党的二十大精神)",
        "在“数”与“网”中架飞桥 中国新闻网干部职工热议习近平贺信",
        "揭秘:是谁在联合国气候大会上为中国谈判?",
    ]


def test_script_and_changes_per_occurrence(conn):
    rows = conn.execute(
        """select s.script, o.script, o.chars_changed from article_occurrences o
           join sources s on s.id = o.source_id"""
    ).fetchall()
    assert {(page, copy) for page, copy, _ in rows} == {
        ("simplified", "simplified"),
        ("traditional", "traditional"),
    }
    assert all((changed == 0) == (script == "simplified") for _, script, changed in rows)


COUNTERS = """
    select a.occurrence_count, a.injected_copies, a.first_source_id, a.last_source_id,
           count(o.id), count(o.injected_bylines), min(o.source_id), max(o.source_id)
    from articles a left join article_occurrences o on o.article_id = a.id group by a.id"""


def counters_disagreeing(conn: sqlite3.Connection) -> list[tuple]:
    """Articles whose counters are not what their copies' rows say."""
    return [tuple(r) for r in conn.execute(COUNTERS) if tuple(r)[:4] != tuple(r)[4:]]


def test_occurrence_counts_match_rows(conn):
    assert conn.execute("select count(*) from articles").fetchone()[0]
    assert counters_disagreeing(conn) == []


def test_no_spam_in_articles(conn):
    for row in conn.execute("select title, body from articles"):
        text = row["title"] + row["body"]
        for word in [*SITES.values(), *SPAM]:
            assert word not in text, word
        assert not PHONE.search(text)


def test_article_endings(conn):
    body = dict(conn.execute("select title, body from articles").fetchall())
    by_start = {title[:6]: text for title, text in body.items()}
    assert by_start["完善社会治理"].endswith("(文图:赵筱尘 巫邓炎)")
    assert by_start["深入学习领会"].split("\n")[-1].startswith("《光明日报》")
    assert "我以他们为骄傲" in by_start["揭秘:是谁在"]
    assert "张小明" not in by_start["揭秘:是谁在"]


def test_originals_are_kept_as_seen(conn):
    row = conn.execute("""select o.title_original, o.body_original, o.script from
        article_occurrences o join sources s on s.id = o.source_id
        where s.path like '001%' and o.position = 1""").fetchone()
    assert row["title_original"] == "城市跨域風險協同治理的模式與路逕"
    assert row["body_original"].startswith("作者:張小明")
    assert row["script"] == "traditional"


def test_occurrence_positions(conn):
    rows = conn.execute(
        "select source_id, group_concat(position) from article_occurrences group by source_id"
    ).fetchall()
    assert all(sorted(r[1].split(",")) == ["0", "1"] for r in rows)


def article_by_title(conn, start):
    (row,) = conn.execute("select * from articles where title like ?", [start + "%"]).fetchall()
    return row


def test_article_metadata_on_the_sample_corpus(conn):
    row = article_by_title(conn, "深入学习领会")
    assert (row["publication"], row["published"], json.loads(row["authors"])) == (
        "光明日报",
        "2023-01-10",
        ["欧阳恩良"],
    )
    assert (row["published_year"], row["published_month"]) == (2023, "2023-01")
    assert row["column_label"] == "深入学习宣传贯彻党的二十大精神"
    assert json.loads(article_by_title(conn, "城市跨域")["authors"]) == ["张小明"]
    row = article_by_title(conn, "在“数”与“网”")
    assert (row["dateline_place"], row["dateline_date"], row["publication"]) == (
        "北京",
        "9月25日",
        "中新网",
    )
    assert json.loads(row["authors"]) == ["马学玲"]


def test_injected_editor_is_flagged_not_taken(conn):
    row = article_by_title(conn, "完善社会治理体系")
    assert json.loads(row["authors"]) == ["陈一新"]
    assert row["editors"] is None and row["injected_copies"] == 1
    (copy,) = conn.execute(
        "select injected_bylines from article_occurrences where article_id = ?", [row["id"]]
    ).fetchall()
    assert json.loads(copy[0]) == ["[责编:天天中]"]
    clean = conn.execute("select count(*) from article_occurrences where injected_bylines is null")
    assert clean.fetchone()[0] == 9


def test_metadata_is_null_where_the_text_says_nothing(conn):
    row = article_by_title(conn, "城市跨域")
    assert [row[c] for c in ["publication", "published", "dateline_place", "column_label"]] == [
        None
    ] * 4
    assert row["occurrence_bucket"] == "4-9"


def test_page_facts_and_site_links(conn):
    row = conn.execute("select * from sources where path like '001%'").fetchone()
    assert row["stated_date"] == "2024-01-14"
    assert json.loads(row["phones"]) == ["15597985695", "0797-60605227"]
    assert json.loads(row["domains"]) == ["taofunet.com"]
    contacts = conn.execute("select kind, value from site_contacts where site = '盈彩平台'")
    assert sorted(tuple(r) for r in contacts) == [
        ("domain", "taofunet.com"),
        ("phone", "0797-60605227"),
        ("phone", "15597985695"),
        ("template", row["template"]),
    ]
    links = conn.execute("select site, linked_site, kind from site_links order by site")
    assert [tuple(r) for r in links] == [
        ("盈彩平台", "网信彩票邀请码", "template"),
        ("网信彩票邀请码", "盈彩平台", "template"),
    ]


def spam_page(site: str, ending: str) -> Page:
    """A page of the spam template holding one article whose last line is ``ending``."""
    paragraphs = [
        "这是一段真实的新闻报道内容,讲述了某地推进乡村振兴的具体做法和成效,群众反响良好。" * 2,
        "当地还建立了长效机制,持续巩固拓展脱贫攻坚成果,推动产业发展和农民增收再上台阶。" * 2,
        "专家表示,这些做法为其他地区提供了可复制可推广的经验,值得认真总结和深入研究。" * 2,
    ]
    text = "\n".join(
        [f"{site}官网|{site}注册", f"手机:13800001111 编辑:{site}", "乡村振兴见实效******"]
        + [f"  {p}" for p in paragraphs + [ending]]
        + [f"{site}地图"]
    )
    data = text.encode()
    return Page(f"{site}.txt", hashlib.sha256(data).hexdigest(), len(data), "utf-8", text)


def test_metadata_of_later_copies_fills_what_the_first_lacked(tmp_path):
    db = store.open_db(str(tmp_path / "a.db"))
    pages = [
        spam_page("金沙彩票", "(完)"),
        spam_page("澳门葡京", "(记者 王五)"),
        spam_page("大发快三", "(记者 李六)"),
    ]
    summary = build(db, pages)
    assert (summary.articles_new, summary.occurrences_added) == (1, 3)
    (row,) = db.execute("select authors, occurrence_count from articles").fetchall()
    # Of two equally full copies the article's text is the smaller text, whatever the order.
    assert json.loads(row[0]) == ["李六"] and row[1] == 3
    links = db.execute("select distinct value from site_links where kind = 'phone'").fetchall()
    assert links == [("13800001111",)]


def articles_by_content(path: Path) -> set:
    """Each article with its copies, by what they are, not by the ids ingest order gives."""
    conn = sqlite3.connect(path)
    copies = defaultdict(set)
    for row in conn.execute("""select o.article_id, s.path, o.position, o.script, o.chars,
                                      o.coverage, o.partial, o.text_hash
                               from article_occurrences o join sources s on s.id = o.source_id"""):
        copies[row[0]].add(row[1:])
    articles = {
        (title, body, script, chars, count, frozenset(copies[article_id]))
        for article_id, title, body, script, chars, count in conn.execute(
            "select id, title, body, script, chars, occurrence_count from articles"
        )
    }
    bounds = conn.execute("""select count(*) from articles a
        join (select article_id, min(source_id) as first, max(source_id) as last
              from article_occurrences group by article_id) o on o.article_id = a.id
        where a.first_source_id != o.first or a.last_source_id != o.last""").fetchone()[0]
    # Texts come from the workers as UTF-8 bytes (pipeline.FoundArticle): stored as text,
    # whether written with a new article, a copy, or a better copy replacing the text.
    blobs = conn.execute("""select
        (select count(*) from articles where 'blob' in (typeof(title), typeof(body)))
        + (select count(*) from article_occurrences
           where 'blob' in (typeof(title_original), typeof(body_original)))""").fetchone()[0]
    conn.close()
    assert bounds == 0, "first/last source are not the first and last page the article was on"
    assert blobs == 0, "texts stored as blobs"
    return articles


def test_any_ingest_order_gives_the_same_articles(tmp_path, corpus):
    # Thirty pages drawing on fifteen articles: each article is on several pages, in
    # Simplified and Traditional copies, some of them cut short. No two of these pages are
    # the same bytes (a page seen twice keeps the path it was first seen under).
    generated = bench_corpus.write_corpus(tmp_path / "generated", 1, 30, jobs=1)
    files = sorted(corpus.iterdir()) + sorted(generated.rglob("*.txt"))
    shuffled = list(files)
    random.Random(1).shuffle(shuffled)
    results = []
    for name, order in [("sorted", files), ("reversed", files[::-1]), ("shuffled", shuffled)]:
        path = tmp_path / f"{name}.db"
        build(open_db(str(path)), iter_pages(order))
        results.append(articles_by_content(path))
        with sqlite3.connect(path) as conn:
            assert counters_disagreeing(conn) == []
            assert conn.execute("select sum(injected_copies) from articles").fetchone()[0]
    assert results[0] == results[1] == results[2]
    titles = {article[0] for article in results[0]}
    assert SHARED_TITLE in titles
    # Copies whose order could matter: an article on several generated pages, in both
    # scripts, with a copy cut short (partial) among them.
    assert any(
        len({copy[0] for copy in copies if copy[0].startswith(str(generated))}) > 1
        and len({copy[2] for copy in copies}) > 1
        and any(copy[5] for copy in copies)
        for *_, copies in results[0]
    )


ENCODINGS = ["utf-8", "gb18030", "utf-16", "utf-8-sig"]
corpus_items = st.one_of(
    st.tuples(spam_pages(), st.sampled_from(ENCODINGS)),
    st.binary(max_size=300),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(corpus_items, min_size=1, max_size=4), st.booleans())
def test_any_corpus_ingests_with_one_row_per_page_and_no_spam(items, as_jsonl):
    pages = [item[0] for item in items if isinstance(item, tuple)]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "corpus"
        root.mkdir()
        for i, item in enumerate(items):
            if isinstance(item, bytes):
                (root / f"{i}.bin").write_bytes(item)
            elif as_jsonl:
                with (root / "pages.jsonl").open("a", encoding="utf-8") as f:
                    f.write(json.dumps({"text": item[0].text, "id": i}) + "\n")
            else:
                (root / f"{i}.txt").write_bytes(item[0].text.encode(item[1]))
        distinct = {page.sha256 for page in iter_pages([root])}
        path = Path(folder) / "a.db"
        summary = build(open_db(str(path)), iter_pages([root]))
        conn = sqlite3.connect(path)
        rows = conn.execute("select status, error from sources").fetchall()
        texts = conn.execute(
            """select title || char(10) || body from articles union all
               select title_original || char(10) || body_original from article_occurrences"""
        ).fetchall()
        conn.close()
    assert len(rows) == len(distinct) == summary.pages_read - summary.pages_skipped
    assert summary.ok + summary.no_articles + summary.errors == len(rows)
    assert all((status == "error") == bool(error) for status, error in rows)
    for (text,) in texts:
        for page in pages:
            assert page.leaks(text) == []


# FTS5's index pages depend on the order the index was written in: what the index holds is
# compared through every (term, article, column, position) it lists and FTS5's
# integrity-check instead.
INDEX_PAGES = {"runs", "articles_fts_data", "articles_fts_idx"}


def dump(path) -> dict[str, list[tuple]]:
    """Every row of every table of an archive, but for when and in which run it was built."""
    conn = sqlite3.connect(path)
    conn.execute("insert into articles_fts (articles_fts) values ('integrity-check')")
    tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")]
    rows = {}
    for table in set(tables) - INDEX_PAGES:
        columns = [r[1] for r in conn.execute(f"pragma table_info([{table}])") if r[1] != "run_id"]
        listed = ", ".join(f"[{c}]" for c in columns)
        rows[table] = sorted(conn.execute(f"select {listed} from [{table}]").fetchall(), key=repr)
    conn.execute("create virtual table temp.indexed using fts5vocab(main, articles_fts, instance)")
    rows["indexed"] = conn.execute("select * from temp.indexed order by 1, 2, 3, 4").fetchall()
    conn.close()
    return rows


def test_parallel_build_is_identical_to_one_job(tmp_path, corpus):
    synthetic = bench_corpus.write_corpus(tmp_path / "synthetic", 4, 36, jobs=1)
    (synthetic / "again.txt").write_bytes(next(corpus.iterdir()).read_bytes())
    archives = []
    for jobs in (1, 2):
        path = tmp_path / f"jobs{jobs}.db"
        db = store.open_db(str(path))
        summary = pipeline.build(db, iter_pages([corpus, synthetic]), jobs=jobs)
        db.close()
        archives.append((dump(path), summary))
    (one, one_summary), (two, two_summary) = archives
    assert one_summary == two_summary
    assert one_summary.pages_skipped >= 1
    assert one["articles"] and one["article_occurrences"]
    assert one == two


def test_interrupted_build_keeps_whole_batches_and_completes_on_rerun(
    tmp_path, corpus, monkeypatch
):
    pages = list(iter_pages([corpus]))
    whole = store.open_db(str(tmp_path / "whole.db"))
    pipeline.build(whole, pages)
    whole.close()
    monkeypatch.setattr(pipeline, "PAGES_PER_COMMIT", 2)
    db = store.open_db(str(tmp_path / "cut.db"))

    def stop_at_the_third(page):
        if page.path.startswith("002"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pipeline.build(db, pages, on_page=stop_at_the_third)
    db.close()
    kept = sqlite3.connect(tmp_path / "cut.db")
    assert kept.execute("select count(*) from sources").fetchone()[0] == 2
    assert kept.execute("select count(*) from article_occurrences").fetchone()[0] == 4
    kept.close()
    db = store.open_db(str(tmp_path / "cut.db"))
    assert pipeline.build(db, pages).pages_skipped == 2
    db.close()
    assert dump(tmp_path / "cut.db") == dump(tmp_path / "whole.db")


def test_search_index_catches_up_on_the_way_when_far_behind(tmp_path, corpus, monkeypatch):
    synthetic = bench_corpus.write_corpus(tmp_path / "synthetic", 5, 30, jobs=1)
    pages = list(iter_pages([corpus, synthetic]))
    whole = store.open_db(str(tmp_path / "whole.db"))
    pipeline.build(whole, pages)
    whole.close()
    monkeypatch.setattr(pipeline, "PAGES_PER_COMMIT", 3)
    monkeypatch.setattr(pipeline.search, "INDEX_BEHIND", 4)
    step = pipeline.search.step
    monkeypatch.setattr(pipeline.search, "step", lambda db, chunk=2: step(db, min(chunk, 2)))
    path = tmp_path / "steps.db"
    db = store.open_db(str(path))
    watcher = sqlite3.connect(path)
    seen = []

    def watch(page):
        seen.append(
            watcher.execute(
                """select (select count(*) from search_pending),
                          (select count(*) from articles_fts_docsize)"""
            ).fetchone()
        )

    pipeline.build(db, pages, on_page=watch)
    db.close()
    watcher.close()
    # Once more than 4 wait, each batch indexes two: the queue stays short while the
    # index grows during the build, not only at its end.
    waiting = [count for count, _ in seen]
    behind = next(i for i, count in enumerate(waiting) if count > 4)
    assert max(waiting) <= 4 + 6 and min(waiting[behind:]) >= 3  # a step, not all at once
    assert seen[-1][1] > 0
    assert dump(path) == dump(tmp_path / "whole.db")
