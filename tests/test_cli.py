"""The command line: build (incremental, rebuild), normalise, and python -m ingest."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys

from click.testing import CliRunner
from conftest import SHARED_TITLE

from ingest.build import build
from ingest.cli import cli
from ingest.read import iter_pages
from ingest.store import open_db

TABLES = [
    "sources",
    "articles",
    "article_occurrences",
    "article_bands",
    "article_signatures",
    "variant_substitutions",
]
# Which run added a page: differs between equal archives built in different runs.
RUN_COLUMNS = {"run_id"}


def rows(conn, table):
    columns = [c[1] for c in conn.execute(f"pragma table_info({table})")]
    kept = ", ".join(c for c in columns if c not in RUN_COLUMNS)
    return conn.execute(f"select {kept} from {table} order by 1, 2").fetchall()


def dump(path):
    conn = sqlite3.connect(path)
    content = {t: rows(conn, t) for t in TABLES}
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
