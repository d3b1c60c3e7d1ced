"""The whole pipeline on the sample corpus, read back from the SQLite file."""

from __future__ import annotations

import re

from conftest import SHARED_TITLE

SPAM = [
    "一分快3",
    "盈彩平台",
    "AG彩票",
    "众赢平台",
    "网信彩票邀请码",
    "💎",
    "地图",
    "中国网客户端",
    "延伸閲讀",
    "延伸阅读",
    "服務預約",
    "服务预约",
    "同微信",
    "[责编:天天中]",
    "www.",
]
PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}")


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


def test_occurrence_counts_match_rows(conn):
    rows = conn.execute("""select a.id, a.occurrence_count, count(o.id) from articles a
                           join article_occurrences o on o.article_id = a.id group by a.id""")
    for _, stated, actual in rows:
        assert stated == actual


def test_no_spam_in_articles(conn):
    for row in conn.execute("select title, body from articles"):
        text = row["title"] + row["body"]
        for word in SPAM:
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
