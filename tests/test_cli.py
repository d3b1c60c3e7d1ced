"""The command line: build (incremental, rebuild), normalise, and python -m ingest."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import CORPUS, SHARED_TITLE, UNPRIVILEGED, comparable_rows

from ingest.build import build
from ingest.cli import cli
from ingest.read import iter_pages
from ingest.store import open_db

TABLES = [
    "sources",
    "articles",
    "article_occurrences",
    "article_signatures",
    "variant_substitutions",
]


def dump(path):
    conn = sqlite3.connect(path)
    content = {t: comparable_rows(conn, t) for t in TABLES}
    content["fts"] = conn.execute("select rowid, * from articles_fts order by rowid").fetchall()
    conn.close()
    return content


def test_second_build_changes_nothing(tmp_path, corpus):
    path = tmp_path / "a.db"
    runner = CliRunner()
    first = runner.invoke(cli, ["build", str(path), str(corpus)])
    assert first.exit_code == 0, first.output
    assert "5 pages read, 0 skipped" in first.output
    assert "6 articles new, 10 occurrences added" in first.output
    before = dump(path)
    second = runner.invoke(cli, ["build", str(path), str(corpus)])
    assert second.exit_code == 0
    assert "5 pages read, 5 skipped" in second.output
    assert "0 articles new, 0 occurrences added" in second.output
    assert dump(path) == before


def test_second_build_writes_nothing(tmp_path, corpus):
    path = tmp_path / "a.db"
    build(open_db(str(path)), iter_pages([corpus]))
    statements = []
    db = open_db(str(path), tracer=lambda sql, params: statements.append(sql))
    summary = build(db, iter_pages([corpus]))
    assert summary.pages_skipped == 5
    writes = [
        s
        for s in statements
        if s.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE", "REPLACE"}
    ]
    assert writes == []
    assert db.conn.total_changes == 0


def test_two_halves_give_the_same_archive(tmp_path, corpus):
    halves = [tmp_path / "first", tmp_path / "second"]
    for i, page in enumerate(sorted(corpus.iterdir())):
        halves[i >= 3].mkdir(exist_ok=True)
        shutil.copy(page, halves[i >= 3] / page.name)
    whole, split = tmp_path / "whole.db", tmp_path / "split.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["build", str(whole), str(corpus)]).exit_code == 0
    assert runner.invoke(cli, ["build", str(split), str(halves[0])]).exit_code == 0
    assert runner.invoke(cli, ["build", str(split), str(halves[1])]).exit_code == 0
    assert dump(split) == dump(whole)


def test_rebuild_starts_from_empty(tmp_path, corpus):
    path = tmp_path / "a.db"
    runner = CliRunner()
    runner.invoke(cli, ["build", str(path), str(corpus)])
    result = runner.invoke(cli, ["build", str(path), str(corpus), "--rebuild"])
    assert result.exit_code == 0
    assert "0 skipped" in result.output
    assert dump(path)["articles"][0][0] == 1


def test_normalise_reads_stdin():
    result = CliRunner().invoke(cli, ["normalise"], input="城市跨域風險協同治理的模式與路逕\n")
    assert result.exit_code == 0
    assert result.output == "城市跨域风险协同治理的模式与路径\n"


def test_normalise_with_db_applies_what_the_archive_learnt(archive):
    text = "揭秘:是誰在聯郃國氣候大會上爲中國談判?"
    plain = CliRunner().invoke(cli, ["normalise"], input=text)
    learnt = CliRunner().invoke(cli, ["normalise", "--db", str(archive)], input=text)
    assert plain.output == "揭秘:是谁在联郃国气候大会上为中国谈判?"
    assert learnt.output == "揭秘:是谁在联合国气候大会上为中国谈判?"
    simplified = CliRunner().invoke(cli, ["normalise", "--db", str(archive)], input="联郃国")
    assert simplified.output == "联郃国"


def test_normalise_with_db_of_shared_copies(archive):
    conn = sqlite3.connect(archive)
    rows = conn.execute(
        """select o.script, o.body_original from article_occurrences o
           join articles a on a.id = o.article_id where a.title = ?""",
        [SHARED_TITLE],
    ).fetchall()
    conn.close()
    (simplified,) = {"".join(body.split()) for script, body in rows if script == "simplified"}
    copies = [body for script, body in rows if script == "traditional"]
    assert len(copies) == 3
    for body in copies:
        result = CliRunner().invoke(cli, ["normalise", "--db", str(archive)], input=body)
        assert "".join(result.output.split()) == simplified


def test_normalise_with_a_bad_db_is_one_line_error(tmp_path):
    missing = CliRunner().invoke(cli, ["normalise", "--db", str(tmp_path / "no.db")], input="x")
    assert missing.exit_code == 2 and "does not exist" in missing.output
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    result = CliRunner().invoke(cli, ["normalise", "--db", str(junk)], input="x")
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "junk.db" in result.output


def test_python_dash_m_runs_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "ingest", "normalise"],
        input="風險",
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "风险"


def test_missing_corpus_is_one_line_error(tmp_path):
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "a.db"), str(tmp_path / "nope")])
    assert result.exit_code != 0
    assert "does not exist" in result.output
    assert "Traceback" not in result.output


def test_foreign_database_is_one_line_error(tmp_path, corpus):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("create table t (x)")
    conn.commit()
    conn.close()
    result = CliRunner().invoke(cli, ["build", str(path), str(corpus)])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "not an archive" in result.output


# Every page accounted for: a corpus of every bad case, built by the test itself.

GOOD = "乡村振兴的新路径******\n  {}这是一段真实的新闻报道,讲述了某地推进乡村振兴的做法和成效。\n"
TRADITIONAL = "鄉村振興的新路徑******\n  在全面推進鄉村振興中,農村基層黨組織如何發力?\n"
NOT_LATIN1 = (
    "not text in UTF-8, GB18030 or Big5: invalid UTF-8 at byte 6 (invalid continuation byte)"
)
NOT_JSON = "malformed JSON line: Expecting property name enclosed in double quotes: line 1 column 2"


def article_page(tag: str) -> str:
    return GOOD.format(tag)


def too_large(size: int) -> str:
    return f"page too large: {size} bytes, limit 100000 (--max-bytes)"


def write_bad_corpus(root):
    """Sample pages beside every kind of bad input; returns path -> (status, encoding, reason)."""
    shutil.copytree(CORPUS, root)
    files = {
        "big5.txt": TRADITIONAL.encode("big5"),
        "gbk.txt": article_page("甲").encode("gb18030"),
        "bom.txt": article_page("乙").encode("utf-8-sig"),
        "utf16.txt": article_page("丙").encode("utf-16"),
        "crlf.txt": article_page("丁").replace("\n", "\r\n").encode(),
        "truncated.txt": article_page("戊").encode() + "城".encode()[:2],
        "nul.txt": article_page("己").encode().replace(b"\n", b"\x00\n") + bytes(4096),
        "image.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        "random.bin": bytes(range(256)) * 64,
        "empty.txt": b"",
        "blank.txt": b" \r\n\t\n",
        "latin1.txt": ("Le café était très agréable à Paris, où l'été dure." * 3).encode("cp1252"),
        "huge.txt": article_page("庚" * 200_000).encode(),
        "one-line.txt": ("中文" * 15_000).encode(),
        "markers.txt": ("******\n" * 1000 + "标题******\n" * 1000).encode(),
        "title-only.txt": "只有标题没有正文******\n\n\n".encode(),
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    os.mkfifo(root / "pipe")
    (root / "loop").symlink_to(root / "loop")
    lines = [
        json.dumps({"text": article_page("辛"), "url": "http://a.example/1", "id": "a1"}),
        "{not json",
        json.dumps({"url": "http://a.example/3"}),
        json.dumps({"text": article_page("壬" * 200_000)}),
        json.dumps({"text": article_page("癸"), "date": "2024-05-01"}),
    ] + [json.dumps({"text": article_page(f"第{i}页")}) for i in range(300)]
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    (root / "crawl.jsonl.gz").write_bytes(data[: len(data) * 3 // 4])
    expected = {page.name: ("ok", "utf-8", None) for page in CORPUS.iterdir()}
    expected |= {
        "big5.txt": ("ok", "big5-hkscs", None),
        "gbk.txt": ("ok", "gb18030", None),
        "bom.txt": ("ok", "utf-8-bom", None),
        "utf16.txt": ("ok", "utf-16", None),
        "crlf.txt": ("ok", "utf-8", None),
        "truncated.txt": ("ok", "utf-8", "incomplete last character dropped (2 bytes)"),
        "nul.txt": (
            "ok",
            "utf-8",
            "4096 NUL bytes of padding at the end dropped; 2 control bytes removed",
        ),
        "image.png": ("error", None, "binary file (PNG image), not text"),
        "random.bin": ("error", None, "binary data, not text (1664 control bytes)"),
        "empty.txt": ("error", None, "empty file (0 bytes)"),
        "blank.txt": ("error", None, "empty page (only whitespace)"),
        "latin1.txt": ("error", None, NOT_LATIN1),
        "huge.txt": ("error", None, too_large(len(files["huge.txt"]))),
        "one-line.txt": ("no_articles", "utf-8", None),
        "markers.txt": ("no_articles", "utf-8", None),
        "title-only.txt": ("no_articles", "utf-8", None),
        "pipe": ("error", None, "not a regular file (a device, pipe or socket)"),
        "loop": ("error", None, "cannot read file: Too many levels of symbolic links"),
        "crawl.jsonl.gz:1": ("ok", "utf-8", None),
        "crawl.jsonl.gz:2": ("error", None, NOT_JSON + " (char 1)"),
        "crawl.jsonl.gz:3": ("error", None, "JSON line has no 'text' string"),
        "crawl.jsonl.gz:4": ("error", None, too_large(len(lines[3]) + 1)),
        "crawl.jsonl.gz:5": ("ok", "utf-8", None),
    }
    return expected


def test_every_bad_page_gets_a_row_with_its_reason(tmp_path, archive):
    expected = write_bad_corpus(tmp_path / "corpus")
    path = tmp_path / "a.db"
    result = CliRunner().invoke(
        cli, ["build", str(path), str(tmp_path / "corpus"), "--max-bytes", "100000"]
    )
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "select path, status, encoding, coalesce(error, warning), run_id from sources"
    ).fetchall()
    got = {path: (status, encoding, reason) for path, status, encoding, reason, _ in rows}
    jsonl = sorted((p for p in got if p.startswith("crawl.jsonl.gz:")), key=lambda p: int(p[15:]))
    broken = jsonl[-1]
    assert got.pop(broken) == (
        "error",
        None,
        f"cannot read past line {int(broken[15:]) - 1}: truncated: Compressed file ended before"
        " the end-of-stream marker was reached",
    )
    read_lines = {p: ("ok", "utf-8", None) for p in jsonl[5:-1]}
    assert len(read_lines) > 50
    assert got == expected | read_lines
    counts = dict(conn.execute("select status, count(*) from sources group by status"))
    assert {row[4] for row in rows} == {1}
    assert result.output.startswith(
        f"{len(rows)} pages read, 0 skipped (already in the archive), {counts['ok']} ok, "
        f"{counts['no_articles']} no_articles, {counts['error']} errors; "
    )
    run = conn.execute("select pages_read, ok, no_articles, errors, finished from runs").fetchone()
    assert run[:4] == (len(rows), counts["ok"], counts["no_articles"], counts["error"])
    assert run[4] is not None
    assert occurrences(path, "like '0%'") == occurrences(archive, "like '0%'")


def occurrences(path, where="is not null"):
    """The articles found on each page, as seen and as stored."""
    conn = sqlite3.connect(path)
    rows = conn.execute(
        f"""select o.position, o.title_original, o.body_original, a.title, a.body
            from article_occurrences o join sources s on s.id = o.source_id
            join articles a on a.id = o.article_id where s.path {where}
            order by substr(s.path, 1, 3), o.position"""
    ).fetchall()
    conn.close()
    return rows


REENCODINGS = {
    "gb18030": lambda text: text.encode("gb18030"),
    "utf-8-bom": lambda text: text.encode("utf-8-sig"),
    "utf-16": lambda text: text.encode("utf-16"),
    "crlf": lambda text: text.replace("\n", "\r\n").encode(),
}


def articles_and_copies(path):
    """Everything found: articles, their copies in page order, and what each page held."""
    conn = sqlite3.connect(path)
    found = {
        "articles": comparable_rows(conn, "articles"),
        "copies": conn.execute(
            """select s.id, o.position, o.title_original, o.body_original, o.article_id
               from article_occurrences o join sources s on s.id = o.source_id
               order by s.id, o.position"""
        ).fetchall(),
        "pages": conn.execute(
            "select id, status, site, script, article_count from sources order by id"
        ).fetchall(),
    }
    conn.close()
    return found


@pytest.mark.parametrize("form", [*REENCODINGS, "jsonl.gz"])
def test_sample_pages_in_other_forms_give_the_same_articles(tmp_path, archive, form):
    folder = tmp_path / "corpus"
    folder.mkdir()
    pages = sorted(CORPUS.iterdir())
    if form == "jsonl.gz":
        records = [
            json.dumps({"text": page.read_text(encoding="utf-8"), "url": f"http://x/{page.name}"})
            for page in pages
        ]
        (folder / "pages.jsonl.gz").write_bytes(gzip.compress("\n".join(records).encode()))
    else:
        for page in pages:
            (folder / page.name).write_bytes(REENCODINGS[form](page.read_text(encoding="utf-8")))
    path = tmp_path / "a.db"
    result = CliRunner().invoke(cli, ["build", str(path), str(folder)])
    assert result.exit_code == 0, result.output
    assert "5 pages read, 0 skipped (already in the archive), 5 ok" in result.output
    assert articles_and_copies(path) == articles_and_copies(archive)
    encodings = {row[0] for row in sqlite3.connect(path).execute("select encoding from sources")}
    assert encodings == {"utf-8" if form in ("crlf", "jsonl.gz") else form}


# The user's own mistakes: one line, a non-zero exit, and nothing touched.


def snapshot(folder):
    """Every file under a folder with a hash of its bytes."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def foreign_database(path):
    conn = sqlite3.connect(path)
    conn.execute("create table customers (id integer primary key, name text)")
    conn.execute("insert into customers (name) values ('a')")
    conn.commit()
    conn.close()


def mistake(case, folder, archive):
    """Set up one user mistake in ``folder``; the build's arguments and the line it must say."""
    db = folder / "archive.db"
    shutil.copy(archive, db)
    if case == "missing corpus":
        return [str(db), str(folder / "nope")], f"corpus path does not exist: {folder / 'nope'}"
    if case == "missing folder":
        target = folder / "no" / "a.db"
        return [str(target), str(CORPUS)], f"{target}: folder {folder / 'no'} does not exist"
    if case == "file as folder":
        target = db / "a.db"
        return [str(target), str(CORPUS)], f"{target}: {db} is a file, not a folder"
    if case == "folder as database":
        return [str(folder), str(CORPUS)], f"{folder}: is a folder, not a database file"
    if case in ("foreign database", "foreign database --rebuild"):
        other = folder / "shop.db"
        foreign_database(other)
        rebuild = ["--rebuild"] if "rebuild" in case else []
        return [str(other), str(CORPUS), *rebuild], (
            f"{other}: not an archive: it holds other tables (customers); refusing to write into it"
        )
    if case in ("not sqlite", "not sqlite --rebuild"):
        page = folder / "page.txt"
        shutil.copy(next(CORPUS.iterdir()), page)
        rebuild = ["--rebuild"] if "rebuild" in case else []
        return [str(page), str(CORPUS), *rebuild], (
            f"{page}: not a SQLite database (file is not a database); refusing to write into it"
        )
    if case == "read-only database":
        db.chmod(0o444)
        return [str(db), str(CORPUS)], f"{db}: no permission to write it"
    if case == "read-only folder":
        locked = folder / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        target = locked / "a.db"
        return [str(target), str(CORPUS)], f"{target}: no permission to write in folder {locked}"
    raise ValueError(case)


MISTAKES = [
    "missing corpus",
    "missing folder",
    "file as folder",
    "folder as database",
    "foreign database",
    "foreign database --rebuild",
    "not sqlite",
    "not sqlite --rebuild",
]
PERMISSION_MISTAKES = ["read-only database", "read-only folder"]


@pytest.mark.parametrize("case", MISTAKES)
def test_user_mistakes_are_one_line_and_touch_nothing(tmp_path, archive, case):
    args, line = mistake(case, tmp_path, archive)
    before = snapshot(tmp_path)
    result = CliRunner().invoke(cli, ["build", *args])
    assert (result.exit_code, result.output) == (1, f"Error: {line}\n")
    assert isinstance(result.exception, SystemExit)  # no traceback
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(UNPRIVILEGED is None, reason="cannot run without file permission overrides")
@pytest.mark.parametrize("case", PERMISSION_MISTAKES)
def test_permission_mistakes_are_one_line_and_touch_nothing(tmp_path, archive, case):
    args, line = mistake(case, tmp_path, archive)
    before = snapshot(tmp_path)
    result = subprocess.run(
        [*UNPRIVILEGED, sys.executable, "-m", "ingest", "build", *args],
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout, result.stderr) == (1, "", f"Error: {line}\n")
    assert snapshot(tmp_path) == before


def test_a_locked_database_is_waited_for_then_reported(tmp_path, corpus):
    path = tmp_path / "a.db"
    assert CliRunner().invoke(cli, ["build", str(path), str(corpus)]).exit_code == 0
    before = dump(path)
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "new.txt").write_text(article_page("新"), encoding="utf-8")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        result = CliRunner().invoke(
            cli, ["build", str(path), str(tmp_path / "more"), "--lock-timeout", "0.3"]
        )
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {path}: locked by another writer; gave up after 0.3 s (wait for it to finish,"
        " or raise --lock-timeout)\n"
    )
    assert dump(path) == before
    assert sqlite3.connect(path).execute("select count(*) from runs").fetchone() == (1,)


def test_each_run_that_adds_pages_is_recorded(tmp_path, corpus):
    path = tmp_path / "a.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["build", str(path), str(corpus)]).exit_code == 0
    assert runner.invoke(cli, ["build", str(path), str(corpus)]).exit_code == 0
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "new.txt").write_text(article_page("新"), encoding="utf-8")
    (tmp_path / "more" / "empty.txt").write_bytes(b"")
    args = ["build", str(path), str(corpus), str(tmp_path / "more")]
    assert runner.invoke(cli, args).exit_code == 0
    conn = sqlite3.connect(path)
    runs = conn.execute(
        """select id, corpus, pages_read, pages_skipped, ok, no_articles, errors,
                  started <= finished from runs order by id"""
    ).fetchall()
    assert runs == [
        (1, json.dumps([str(corpus)]), 5, 0, 5, 0, 0, 1),
        (2, json.dumps([str(corpus), str(tmp_path / "more")]), 7, 5, 1, 0, 1, 1),
    ]
    per_run = conn.execute("select run_id, count(*) from sources group by run_id").fetchall()
    assert per_run == [(1, 5), (2, 2)]


def test_two_builds_at_once_store_each_page_once(tmp_path, corpus):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i in range(6):
        for page in corpus.iterdir():
            text = page.read_text(encoding="utf-8") + f"\n  第{i}份\n"
            (folder / f"{i}-{page.name}").write_text(text, encoding="utf-8")
    path = tmp_path / "a.db"
    command = [sys.executable, "-m", "ingest", "build", str(path), str(folder)]
    builds = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [b.communicate(timeout=120)[0] for b in builds]
    assert [b.returncode for b in builds] == [0, 0]
    stored = [
        int(re.search(r"(\d+) ok, (\d+) no_articles, (\d+) errors", out)[1]) for out in outputs
    ]
    assert sum(stored) == 30
    conn = sqlite3.connect(path)
    assert conn.execute("select count(*), count(distinct sha256) from sources").fetchone() == (
        30,
        30,
    )
    assert conn.execute(
        """select count(*) from articles a where occurrence_count !=
           (select count(*) from article_occurrences o where o.article_id = a.id)"""
    ).fetchone() == (0,)


def test_a_finished_build_leaves_everything_in_the_database_file(tmp_path, corpus):
    """The archive can be copied as one file once a build is over: no page is left behind
    in the WAL file (a connection left open by the build would keep it there)."""
    path = tmp_path / "a.db"
    result = CliRunner().invoke(cli, ["build", str(path), str(corpus)])
    assert result.exit_code == 0, result.output
    wal = tmp_path / "a.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    copy = tmp_path / "copy.db"
    shutil.copy(path, copy)
    conn = sqlite3.connect(copy)
    assert conn.execute("select count(*) from sources").fetchone()[0] == 5
    conn.close()
