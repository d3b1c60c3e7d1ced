"""Datasette over a real archive: tables, facets, search, JSON and CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from datasette.app import Datasette
from datasette.plugins import pm

from ingest import serve


@pytest.fixture(scope="module")
def ds(archive):
    if not pm.is_registered(serve):
        pm.register(serve, name="spam_news_archive_test")
    return Datasette([str(archive)])


async def search(ds, query, path="/archive/articles.json"):
    response = await ds.client.get(path, params={"_search": query, "_shape": "array"})
    assert response.status_code == 200, response.text
    return sorted(row["id"] for row in response.json())


def containing(conn, *words):
    rows = conn.execute("select id, title || char(10) || body from articles").fetchall()
    return sorted(i for i, text in rows if all(w in text for w in words))


async def test_pages_render(ds):
    for path in [
        "/",
        "/archive",
        "/archive/sources",
        "/archive/articles",
        "/archive/article_occurrences",
        "/archive/articles/1",
        "/archive/search",
        "/archive/sources?_facet=site",
        "/-/metadata.json",
    ]:
        response = await ds.client.get(path)
        assert response.status_code == 200, path


async def test_site_facet(ds):
    response = await ds.client.get("/archive/sources.json?_facet=site")
    facet = response.json()["facet_results"]["site"]["results"]
    assert sorted(r["value"] for r in facet) == [
        "AG彩票",
        "一分快3",
        "众赢平台",
        "盈彩平台",
        "网信彩票邀请码",
    ]


async def test_json_and_csv_export(ds):
    response = await ds.client.get(
        "/archive/articles.json?_shape=array&_sort_desc=occurrence_count"
    )
    rows = response.json()
    assert len(rows) == 6
    assert rows[0]["title"] == "城市跨域风险协同治理的模式与路径"
    response = await ds.client.get("/archive/article_occurrences.csv?_size=max")
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert len(table) == 10
    assert {"article_id", "source_id", "title_original", "body_original"} <= set(table[0])


@pytest.mark.parametrize(
    "query,words",
    [
        ("风险", ["风险"]),
        ("险", ["险"]),
        ("协同治理", ["协同治理"]),
        ("风险 治理", ["风险", "治理"]),
        ("2023", ["2023"]),
        ("風險", ["风险"]),
    ],
)
async def test_search_finds_exactly_the_articles_containing(ds, conn, query, words):
    expected = containing(conn, *words)
    assert expected
    assert await search(ds, query) == expected


@pytest.mark.parametrize("query", ['"unbalanced', "NEAR(风险", "*", "😀风险", "x" * 10000])
async def test_odd_queries_return_a_page(ds, query):
    response = await ds.client.get("/archive/articles", params={"_search": query})
    assert response.status_code == 200


async def test_canned_search_query_matches_table_search(ds):
    response = await ds.client.get(
        "/archive/search.json", params={"q": "协同治理", "_shape": "array"}
    )
    assert response.status_code == 200
    assert sorted(r["id"] for r in response.json()) == await search(ds, "协同治理")


async def test_article_page_links_its_occurrences(ds):
    response = await ds.client.get("/archive/articles/2")
    assert "article_occurrences?article_id=2" in response.text


async def test_occurrence_search_finds_the_copies_of_matching_articles(ds, conn):
    response = await ds.client.get(
        "/archive/article_occurrences.json", params={"_search": "協同治理", "_shape": "array"}
    )
    assert response.status_code == 200
    found = sorted(row["id"] for row in response.json())
    articles = set(containing(conn, "协同治理"))
    rows = conn.execute("select id, article_id from article_occurrences").fetchall()
    expected = sorted(i for i, article_id in rows if article_id in articles)
    assert found == expected and len(found) == 5


async def query(ds, name, **params):
    response = await ds.client.get(f"/archive/{name}.json", params={**params, "_shape": "array"})
    assert response.status_code == 200, response.text
    return response.json()


async def test_canned_queries(ds, conn):
    rows = await query(ds, "most_reprinted")
    assert rows[0]["title"] == "城市跨域风险协同治理的模式与路径"
    assert [r["occurrence_count"] for r in rows] == sorted(
        (r["occurrence_count"] for r in rows), reverse=True
    )
    copies = await query(ds, "article_copies", article_id=2)
    expected = conn.execute(
        "select body_original from article_occurrences where article_id = 2 order by source_id"
    ).fetchall()
    assert [r["body_original"] for r in copies] == [r[0] for r in expected]
    sites = conn.execute("select site from sources").fetchall()
    assert {r["site"] for r in copies} == {r[0] for r in sites} and len(sites) == 5
    shared = await query(ds, "shared_contacts")
    assert [(r["kind"], r["sites"]) for r in shared] == [("template", 2)]
    assert set(shared[0]["site_names"].split(" · ")) == {"盈彩平台", "网信彩票邀请码"}
    months = await query(ds, "articles_by_publication_month")
    row = {"publication": "光明日报", "published_month": "2023-01", "articles": 1, "copies": 1}
    assert row in months
    assert sum(r["articles"] for r in months) == 6


async def test_article_page_lists_its_copies_and_their_pages(ds, conn):
    article_id = conn.execute("select id from articles where title like '完善社会%'").fetchone()[0]
    response = await ds.client.get(f"/archive/articles/{article_id}")
    assert response.status_code == 200
    html = response.text
    assert "<dd>陈一新</dd>" in html and "[责编:天天中]" in html
    for occurrence_id, source_id in conn.execute(
        "select id, source_id from article_occurrences where article_id = ?", [article_id]
    ):
        assert f'href="/archive/article_occurrences/{occurrence_id}"' in html
        assert f'href="/archive/sources/{source_id}"' in html
    assert f"article_occurrences?article_id={article_id}" in html


async def test_other_row_pages_keep_datasettes_layout(ds):
    response = await ds.client.get("/archive/sources/1")
    assert response.status_code == 200
    assert "Copies on spam pages" not in response.text and "sha256" in response.text


async def test_settings_for_big_tables(ds, archive):
    settings = (await ds.client.get("/-/settings.json")).json()
    assert settings["suggest_facets"] is False
    response = await ds.client.get("/archive/articles.json")
    assert response.json()["suggested_facets"] == []
    chosen = Datasette([str(archive)], settings={"truncate_cells_html": 1000})
    settings = (await chosen.client.get("/-/settings.json")).json()
    assert settings["truncate_cells_html"] == 1000
