"""From the CLI to a real ``datasette`` process on 127.0.0.1, plugin found by entry point."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import datasette_command, datasette_server

from ingest.serve import SETTINGS

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def server(tmp_path_factory, corpus):
    folder = tmp_path_factory.mktemp("e2e")
    db = folder / "archive.db"
    subprocess.run(
        [str(BIN / "ingest"), "build", str(db), str(corpus)], check=True, capture_output=True
    )
    with datasette_server([*datasette_command(), str(db)]) as base:
        yield base


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def test_plugin_is_loaded_without_flags(server):
    plugins = [p["name"] for p in get_json(server + "/-/plugins.json")]
    assert any("serve" in name or "spam" in name for name in plugins), plugins


def test_search_through_the_real_server(server):
    query = urllib.parse.quote("协同治理")
    rows = get_json(f"{server}/archive/articles.json?_search={query}&_shape=array")
    assert [r["title"] for r in rows] == ["城市跨域风险协同治理的模式与路径"]


def test_metadata_is_served_without_flags(server):
    metadata = get_json(server + "/-/metadata.json")
    assert metadata["title"] == "Spam-page news archive"
    assert metadata["databases"]["archive"]["tables"]["articles"]["fts_table"] == "articles_fts"


def test_settings_for_big_tables_without_flags(server):
    settings = get_json(server + "/-/settings.json")
    assert settings["suggest_facets"] is False
    assert {key: settings[key] for key in SETTINGS} == SETTINGS
