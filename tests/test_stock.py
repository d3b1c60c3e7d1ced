"""The archive without our plugin: stock Datasette and the sqlite3 shell open every page."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import datasette_server

# Datasette skips entry-point plugins when sys._called_from_test is set: stock Datasette.
STOCK = "import sys; sys._called_from_test = True; from datasette.cli import cli; cli()"


@pytest.fixture(scope="module")
def stock_server(archive):
    with datasette_server([sys.executable, "-c", STOCK, "serve", str(archive)]) as base:
        yield base


def tables(archive):
    conn = sqlite3.connect(archive)
    names = [
        r[0]
        for r in conn.execute(
            "select name from sqlite_master where type in ('table', 'view') order by name"
        )
    ]
    conn.close()
    return names


def status(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def test_stock_datasette_has_no_plugin(stock_server):
    with urllib.request.urlopen(stock_server + "/-/plugins.json") as response:
        assert response.read() == b"[]"


def test_every_page_renders_in_stock_datasette(stock_server, archive):
    paths = [
        "/",
        "/archive",
        "/archive/articles/1",
        "/archive/article_occurrences/1",
        "/archive/sources/1",
    ]
    for table in tables(archive):
        paths += [f"/archive/{table}", f"/archive/{table}.json", f"/archive/{table}.csv"]
    for query in ["风险", "险", "風險 治理", '"unbalanced', "*"]:
        paths.append("/archive/articles?_search=" + urllib.parse.quote(query))
    failures = [
        (path, code)
        for path in paths
        if (code := status(stock_server + urllib.parse.quote(path, safe="/?=&%"))) != 200
    ]
    assert failures == []


def test_stock_search_finds_single_characters(stock_server):
    url = stock_server + "/archive/articles.json?_shape=array&_search=" + urllib.parse.quote("险")
    with urllib.request.urlopen(url) as response:
        assert response.read() != b"[]"


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="sqlite3 shell not installed")
def test_sqlite3_shell_reads_every_table_and_searches(archive):
    script = "".join(f"select count(*) from [{t}];\n" for t in tables(archive))
    script += "pragma integrity_check;\n"
    script += "select count(*) from articles_fts where articles_fts match '\"风 险\"';\n"
    result = subprocess.run(
        ["sqlite3", str(archive)], input=script, capture_output=True, text=True, check=True
    )
    assert result.stderr == ""
    lines = result.stdout.split()
    assert lines[-2] == "ok"
    assert int(lines[-1]) > 0
