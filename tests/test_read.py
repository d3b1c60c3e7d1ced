"""Reading pages: files, directories and JSON Lines, every page accounted for."""

from __future__ import annotations

import gzip
import json
import os
import re
import stat
import subprocess
import sys
import tracemalloc

import pytest
from conftest import UNPRIVILEGED

from ingest.read import iter_pages, iter_unread, load

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


def test_unreadable_pages_carry_a_reason(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    pages = {p.path: p for p in iter_pages([tmp_path])}
    assert pages["empty.txt"].error == "empty file (0 bytes)"
    assert pages["image.png"].error == "binary file (PNG image), not text"
    assert pages["loop"].error == "cannot read file: Too many levels of symbolic links"
    assert pages["gone.txt"].error == "cannot read file: No such file or directory"
    assert all(p.text is None for p in pages.values())
    assert len({p.sha256 for p in pages.values()}) == 4


def test_a_pipe_in_the_corpus_is_recorded_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (page,) = iter_pages([tmp_path])
    assert page.error == "not a regular file (a device, pipe or socket)"


def test_damage_is_repaired_and_said(tmp_path):
    (tmp_path / "cut.txt").write_bytes(TEXT.encode("gb18030") + "城".encode("gb18030")[:1])
    (page,) = iter_pages([tmp_path])
    assert (page.text, page.encoding, page.error) == (TEXT, "gb18030", None)
    assert page.warning == "incomplete last character dropped (1 byte)"


def test_linked_folders_are_followed_once(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "1.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "a" / "again").symlink_to(tmp_path / "a")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    assert [p.path for p in iter_pages([tmp_path])] == ["a/1.txt"]


def test_the_archive_inside_the_corpus_is_not_read(tmp_path):
    (tmp_path / "1.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "a.db").write_bytes(b"SQLite format 3\x00")
    (tmp_path / "a.db-wal").write_bytes(b"x")
    skip = frozenset(str(tmp_path / name) for name in ["a.db", "a.db-wal"])
    assert [p.path for p in iter_pages([tmp_path], skip=skip)] == ["1.txt"]


@pytest.mark.skipif(UNPRIVILEGED is None, reason="cannot run without file permission overrides")
def test_a_folder_that_cannot_be_listed_is_an_error_row(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "1.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text(TEXT + "2", encoding="utf-8")
    (tmp_path / "b").chmod(0o000)
    script = (
        "import sys; from pathlib import Path; from ingest.read import iter_pages\n"
        "for p in iter_pages([Path(sys.argv[1])]): print(p.path, p.error)"
    )
    try:
        result = subprocess.run(
            [*UNPRIVILEGED, sys.executable, "-c", script, str(tmp_path)],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        (tmp_path / "b").chmod(0o755)
    assert result.stdout.splitlines() == [
        "a/1.txt None",
        "b cannot list folder: Permission denied",
    ]


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


@pytest.mark.parametrize("extra, too_large", [(-1, False), (0, False), (1, True)])
def test_the_limit_is_the_largest_page_read(tmp_path, extra, too_large):
    path = tmp_path / "page.txt"
    path.write_bytes(("新闻" * 400).encode("utf-8")[: 2000 + extra])
    (page,) = iter_pages([path], max_bytes=2000)
    assert (page.error is not None and page.error.startswith("page too large")) == too_large
    assert page.bytes == 2000 + extra
    assert (page.text is None) == too_large


def test_a_file_reporting_no_size_is_read_whole(tmp_path, monkeypatch):
    """Files whose size the system does not know (/proc, some network mounts) say 0: the
    page is read to its end all the same."""
    path = tmp_path / "page.txt"
    path.write_text(TEXT, encoding="utf-8")
    real_fstat = os.fstat

    def fstat_without_size(fd):
        fields = list(real_fstat(fd))
        fields[stat.ST_SIZE] = 0
        return os.stat_result(fields)

    monkeypatch.setattr(os, "fstat", fstat_without_size)
    (page,) = iter_pages([path])
    assert page.error is None
    assert page.text == TEXT


def test_page_over_the_limit_is_an_error_not_read(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text(TEXT * 100, encoding="utf-8")
    (page,) = iter_pages([path], max_bytes=1000)
    assert page.error.startswith("page too large")
    assert page.text is None
    assert page.bytes == path.stat().st_size


def test_pages_over_the_limit_are_never_held_whole(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # a 50 MB page
    crawl = tmp_path / "crawl.jsonl"
    with crawl.open("wb") as f:
        f.write(b'{"text": "' + "中".encode() * (17 * 1024 * 1024) + b'"}\n')  # a 50 MB line
        f.write(json.dumps({"text": TEXT}).encode() + b"\n")
    tracemalloc.start()
    pages = list(iter_pages([tmp_path], max_bytes=1024 * 1024))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * 1024 * 1024
    line = 3 * 17 * 1024 * 1024 + 13
    assert [(p.path, p.bytes, p.error) for p in pages] == [
        ("big.txt", 50 << 20, f"page too large: {50 << 20} bytes, limit 1048576 (--max-bytes)"),
        ("crawl.jsonl:1", line, f"page too large: {line} bytes, limit 1048576 (--max-bytes)"),
        ("crawl.jsonl:2", len(json.dumps({"text": TEXT})) + 1, None),
    ]
    assert pages[2].text == TEXT


def gzipped_lines(records: list[str]) -> bytes:
    return gzip.compress(("\n".join(records) + "\n").encode("utf-8"))


def test_truncated_gzip_keeps_the_lines_before_the_break(tmp_path):
    records = [json.dumps({"text": f"{TEXT}{i}", "id": i}) for i in range(200)]
    data = gzipped_lines(records)
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    pages = list(iter_pages([tmp_path]))
    read, broken = pages[:-1], pages[-1]
    assert len(read) > 10
    assert [p.external_id for p in read] == [str(i) for i in range(len(read))]
    assert all(p.error is None for p in read)
    assert broken.path == f"cut.jsonl.gz:{len(read) + 1}"
    assert broken.error == (
        f"cannot read past line {len(read)}: truncated: Compressed file ended before the"
        " end-of-stream marker was reached"
    )
    assert broken.bytes == len(data) // 2


def test_corrupt_gzip_and_a_file_that_is_not_gzip(tmp_path):
    data = bytearray(gzipped_lines([json.dumps({"text": TEXT + str(i)}) for i in range(500)]))
    data[len(data) // 2 : len(data) // 2 + 16] = bytes(16)
    (tmp_path / "a.jsonl.gz").write_bytes(bytes(data))
    (tmp_path / "b.jsonl.gz").write_text(json.dumps({"text": TEXT}), encoding="utf-8")
    pages = list(iter_pages([tmp_path]))
    broken = r"cannot read past line \d+: (corrupt compressed data|not valid gzip: CRC check)"
    assert re.match(broken, pages[-2].error)
    assert pages[-1].path == "b.jsonl.gz:1"
    assert pages[-1].error == "cannot read past line 0: not valid gzip: Not a gzipped file (b'{\"')"


def test_odd_json_lines_each_get_their_own_row(tmp_path):
    lines = [
        json.dumps({"text": "   "}),
        json.dumps({"text": 5}),
        json.dumps(["text"]),
        "[" * 100_000,
        json.dumps({"text": TEXT + "\ud800", "url": {"host": "a"}, "timestamp": 1700000000}),
        json.dumps({"text": TEXT + "\u0000"}),
        "",
    ]
    gb18030 = json.dumps({"text": "乡村振兴" + TEXT}, ensure_ascii=False).encode("gb18030")
    (tmp_path / "odd.jsonl").write_bytes(b"\n".join([*(x.encode() for x in lines), gb18030]))
    pages = list(iter_pages([tmp_path]))
    assert [p.line for p in pages] == [1, 2, 3, 4, 5, 6, 8]
    assert pages[0].error == "empty page (only whitespace)"
    assert pages[1].error == pages[2].error == "JSON line has no 'text' string"
    assert pages[3].error.startswith("malformed JSON line: maximum recursion depth")
    assert pages[4].text == TEXT + "\ufffd"
    assert pages[4].warning == "1 unpaired surrogate escape replaced by U+FFFD"
    assert (pages[4].url, pages[4].date) == ('{"host": "a"}', "1700000000")
    assert (pages[5].text, pages[5].warning) == (TEXT, "1 control character removed")
    assert (pages[6].text, pages[6].encoding) == ("乡村振兴" + TEXT, "gb18030")


def test_a_page_the_archive_holds_is_hashed_not_decoded(tmp_path):
    good = "城市跨域风险协同治理".encode()
    binary = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    (tmp_path / "good.txt").write_bytes(good)
    (tmp_path / "binary.png").write_bytes(binary)
    record = json.dumps({"text": "乡村振兴"}, ensure_ascii=False).encode() + b"\n"
    (tmp_path / "crawl.jsonl").write_bytes(record)
    items = list(iter_unread([tmp_path]))
    fresh = {page.path: page for page in map(load, items)}
    held = {fresh["good.txt"].sha256, fresh["binary.png"].sha256, fresh["crawl.jsonl:1"].sha256}
    seen = {page.path: page for page in (load(item, held.__contains__) for item in items)}
    for path, page in seen.items():
        assert page.known and page.text is None and page.error is None
        assert page.sha256 == fresh[path].sha256 and page.bytes == fresh[path].bytes
    assert fresh["binary.png"].error  # decoded, it would have been an error
    assert not any(page.known for page in fresh.values())
