"""Normalisation to standard Simplified Chinese."""

from __future__ import annotations

from conftest import page_text

from ingest.extract import extract
from ingest.normalise import count_changed, detect_script, normalise


def test_traditional_becomes_simplified():
    assert normalise("城市跨域風險協同治理的模式與路逕") == "城市跨域风险协同治理的模式与路径"


def test_simplified_pages_are_not_changed():
    for name in ("000", "002"):
        for article in extract(page_text(name)).articles:
            assert normalise(article.body) == article.body
            assert detect_script(article.body) == "simplified"


def test_script_of_sample_pages():
    scripts = {name: detect_script(page_text(name)) for name in ("000", "001", "002", "003", "004")}
    assert scripts == {
        "000": "simplified",
        "001": "traditional",
        "002": "simplified",
        "003": "traditional",
        "004": "traditional",
    }


def test_count_changed():
    assert count_changed("風險", "风险") == 2
    assert count_changed("风险", "风险") == 0
    assert count_changed("风险a", "风险") == 1
