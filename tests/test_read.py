"""Reading pages: files, directories and JSON Lines, every page accounted for."""

from __future__ import annotations

import gzip
import json

from ingest.read import decode, iter_pages

TEXT = "城市跨域风险协同治理的模式与路径******\n  正文段落。\n"


def test_directory_is_read_recursively_in_stable_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "1.html").write_text(TEXT + "x", encoding="utf-8")
    (tmp_path / ".hidden").write_text(TEXT, encoding="utf-8")
    pages = list(iter_pages([tmp_path]))
    assert [p.path for p in pages] == ["1.html", "b/2.txt"]
    assert all(p.encoding == "utf-8" and p.error is None for p in pages)


def test_single_file_keeps_its_path(tmp_path):
    path = tmp_path / "page.txt"
    path.write_bytes(TEXT.encode("gb18030"))
    (page,) = iter_pages([path])
    assert page.path == str(path)
    assert page.text == TEXT
    assert page.encoding == "gb18030"


def test_encodings_are_detected():
    assert decode(TEXT.encode("utf-8-sig")) == (TEXT, "utf-8-bom")
    assert decode(TEXT.encode("utf-16")) == (TEXT, "utf-16")
    assert decode(TEXT.encode("utf-8")) == (TEXT, "utf-8")


def test_unreadable_pages_carry_a_reason(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    pages = {p.path: p for p in iter_pages([tmp_path])}
    assert pages["empty.txt"].error == "empty page"
    assert "binary" in pages["image.png"].error
    assert all(p.text is None for p in pages.values())


def test_jsonl_gz_one_page_per_line_bad_lines_become_errors(tmp_path):
    path = tmp_path / "crawl.jsonl.gz"
    lines = [
        json.dumps({"text": TEXT, "url": "http://a.example/1", "date": "2024-01-01", "id": 7}),
        "{not json",
        json.dumps({"url": "http://a.example/3"}),
    ]
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    pages = list(iter_pages([tmp_path]))
    assert [p.path for p in pages] == ["crawl.jsonl.gz:1", "crawl.jsonl.gz:2", "crawl.jsonl.gz:3"]
    first, bad, missing = pages
    assert (first.text, first.url, first.date, first.external_id, first.line) == (
        TEXT,
        "http://a.example/1",
        "2024-01-01",
        "7",
        1,
    )
    assert bad.error.startswith("malformed JSON line")
    assert missing.error == "JSON line has no 'text' string"


def test_page_over_the_limit_is_an_error_not_read(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text(TEXT * 100, encoding="utf-8")
    (page,) = iter_pages([path], max_bytes=1000)
    assert page.error.startswith("page too large")
    assert page.text is None
    assert page.bytes == path.stat().st_size
