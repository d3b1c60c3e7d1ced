"""Substitutions learnt from articles seen in both scripts, and re-normalisation."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import opencc
import pytest
from click.testing import CliRunner
from conftest import CORPUS, SHARED_TITLE, comparable_rows
from hypothesis import given
from hypothesis import strategies as st

from bench import corpus as bench_corpus
from ingest import parallel, search, store, variants
from ingest.cli import cli
from ingest.normalise import (
    common_chars,
    han_mask,
    make_fold,
    normalise,
    standard_chars,
    to_simplified,
    variant_table,
)
from ingest.store import ensure_schema, open_db
from ingest.variants import MIN_PAIRS, MIN_SHARE, Tally, paragraph_pairs

# What a build writes: equal after any sequence of builds over the same pages in one order.
CONTENT = [
    "articles",
    "article_occurrences",
    "article_signatures",
    "variant_substitutions",
    "variant_evidence",
    "variant_totals",
    "archive_passes",
]
GENERATED_PAGES = 160


def compact(text: str) -> str:
    return "".join(text.split())


def test_paragraph_pairs_need_equal_length_and_mostly_the_same():
    simplified = ["联合国气候大会", "完全不同的一段文字", "短"]
    traditional = ["联郃国气候大会", "另外一段毫无关系话", "多出来的段落很长很长"]
    assert list(paragraph_pairs(traditional, simplified)) == [("联郃国气候大会", "联合国气候大会")]


def test_paragraph_pairs_ignore_whitespace():
    pairs = list(paragraph_pairs(["联郃 国气候大会"], ["联合国气候大会\u3000"]))
    assert pairs == [("联郃国气候大会", "联合国气候大会")]


def test_tally_counts_rare_characters_only():
    tally = Tally()
    tally.add("的联郃国", "地联合国", 1, 1)
    assert tally.aligned == {"郃": 1}  # 的 is common: an edit, not a converter's doing
    (evidence,) = tally.weigh()
    assert (evidence.char, evidence.replacement, evidence.share) == ("郃", "合", 1.0)
    (row,) = tally.rows(1)
    assert row == {
        "article_id": 1,
        "char": "郃",
        "replacement": "合",
        "aligned": 1,
        "pairs": 1,
        "example_occurrence": 1,
        "example": "的联郃国 → 地联合国",
    }


def test_rare_characters_are_listed_once_in_code_point_order():
    assert variants.rare_chars("郃琯合的郃,ABC") == "".join(sorted("郃琯")) == "琯郃"
    assert variants.rare_chars("合的") == ""


def test_acceptance_needs_pairs_and_share():
    tally = Tally()
    for i in range(MIN_PAIRS - 1):
        tally.add("联郃国", "联合国", i, 1)
    assert not tally.weigh()[0].accepted()
    tally.add("联郃国", "联合国", 9, 2)
    assert tally.weigh()[0].accepted()
    for i in range(3):  # the same character left as it is in other pairs
        tally.add("郃阳县", "郃阳县", 20 + i, 3)
    evidence = tally.weigh()[0]
    assert evidence.share < MIN_SHARE and not evidence.accepted()


def test_learnt_substitutions_and_their_evidence(conn):
    rows = [dict(r) for r in conn.execute("select * from variant_substitutions order by char")]
    learnt = {r["char"]: r["replacement"] for r in rows}
    assert learnt == {"儅": "当", "琯": "管", "郃": "合", "𪟝": "绩", "𬙂": "演"}
    standard, common = standard_chars(), common_chars()
    for row in rows:
        assert row["char"] not in common and row["replacement"] in standard
        assert row["pairs"] >= MIN_PAIRS and row["share"] >= MIN_SHARE
        assert row["agreeing"] <= row["aligned"]
        assert row["char"] in row["example"] and row["replacement"] in row["example"]


def test_traditional_copies_equal_the_simplified_one_with_the_archive_fold(conn):
    fold = variants.archive_fold(conn)
    (simplified,) = {
        compact(r[0])
        for r in conn.execute(
            """select o.body_original from article_occurrences o join articles a
               on a.id = o.article_id where a.title = ? and o.script = 'simplified'""",
            [SHARED_TITLE],
        )
    }
    copies = conn.execute(
        """select o.body_original from article_occurrences o join articles a
           on a.id = o.article_id where a.title = ? and o.script = 'traditional'""",
        [SHARED_TITLE],
    ).fetchall()
    assert len(copies) == 3
    for (body,) in copies:
        assert compact(normalise(body, fold=fold)) == simplified
        without = compact(normalise(body))
        left = {a for a, b in zip(without, simplified, strict=True) if a != b}
        assert left == set(variants.substitutions(conn))


def test_traditional_only_articles_are_renormalised(conn):
    learnt = variants.substitutions(conn)
    rows = conn.execute("select title, body from articles where script = 'traditional'").fetchall()
    assert len(rows) == 3
    for title, body in rows:
        assert not set(title + body) & set(learnt)
    assert "揭秘:是谁在联合国气候大会上为中国谈判?" in [title for title, _ in rows]


def test_chars_changed_counts_what_the_archive_fold_changed(conn):
    fold = variants.archive_fold(conn)
    for title, body, script, changed in conn.execute(
        "select title_original, body_original, script, chars_changed from article_occurrences"
    ):
        if script == "simplified":
            assert changed == 0
        else:
            expected = sum(
                sum(a != b for a, b in zip(t, normalise(t, "traditional", fold), strict=True))
                for t in (title, body)
            )
            assert changed == expected


def test_copies_of_one_article_share_its_text_hash(conn):
    hashes = conn.execute(
        """select count(distinct text_hash) from article_occurrences o join articles a
           on a.id = o.article_id where a.title = ?""",
        [SHARED_TITLE],
    ).fetchone()[0]
    assert hashes == 1


def test_no_han_character_left_outside_what_can_be_known(conn):
    """After normalisation a non-standard character is one no source and no copy explains."""
    known = set(variant_table()) | set(variants.substitutions(conn))
    for title, body in conn.execute("select title, body from articles"):
        left = {c for c in title + body if han_mask()[ord(c)] and c not in standard_chars()}
        assert not left & known


def test_refresh_again_writes_nothing(archive, tmp_path):
    path = tmp_path / "copy.db"
    shutil.copy(archive, path)
    statements = []
    db = open_db(str(path), tracer=lambda sql, params: statements.append(sql))
    variants.refresh(db)
    writes = [
        s for s in statements if s.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []


def test_forgetting_substitutions_and_refreshing_restores_them(archive, tmp_path):
    path = tmp_path / "copy.db"
    shutil.copy(archive, path)
    db = open_db(str(path))
    before = {t: list(db[t].rows) for t in ("articles", "article_occurrences")}
    learnt = variants.substitutions(db)
    with store.write_transaction(db):
        db.execute("delete from variant_substitutions")
        variants.renormalise(db, variants.make_fold({}), variants.make_fold(learnt))
    assert "联郃国" in db.execute("select group_concat(title) from articles").fetchone()[0]
    variants.refresh(db)
    assert {t: list(db[t].rows) for t in before} == before


def full_learn(conn: sqlite3.Connection) -> list[variants.Evidence]:
    """The substitutions learnt in one go over the whole archive, in memory: what the pass
    did before it kept its evidence in the archive."""
    tally = Tally()
    rows = conn.execute(
        """SELECT a.id, a.title, a.body, o.id, o.title_original, o.body_original
           FROM articles a JOIN article_occurrences o ON o.article_id = a.id
           WHERE a.script = 'simplified' AND o.script = 'traditional'
           ORDER BY o.id"""
    )
    for article_id, title, body, occurrence_id, title_original, body_original in rows:
        simplified = [title, *body.split("\n")]
        traditional = [
            normalise(title_original, "traditional"),
            *normalise(body_original, "traditional").split("\n"),
        ]
        for trad, simp in paragraph_pairs(traditional, simplified):
            tally.add(trad, simp, occurrence_id, article_id)
    return [e for e in tally.weigh() if e.accepted()]


def stored(conn: sqlite3.Connection) -> list[variants.Evidence]:
    columns = ", ".join(variants.Evidence.__dataclass_fields__)
    rows = conn.execute(f"select {columns} from variant_substitutions order by char")
    return [variants.Evidence(*row) for row in rows]


def content(path: Path) -> dict:
    conn = sqlite3.connect(path)
    tables = {t: comparable_rows(conn, t) for t in CONTENT}
    conn.execute("create virtual table temp.indexed using fts5vocab(main, articles_fts, instance)")
    tables["fts"] = conn.execute("select * from temp.indexed order by 1, 2, 3, 4").fetchall()
    conn.close()
    return tables


def build(path: Path, *corpus: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "--jobs", "1", str(path), *map(str, corpus)])
    assert result.exit_code == 0, result.output


def test_stored_evidence_is_what_one_learn_over_the_archive_gives(conn):
    assert stored(conn) == full_learn(conn)


def test_totals_are_the_sums_of_each_articles_evidence(conn):
    sums = conn.execute(
        """select char, replacement, sum(aligned), sum(pairs), count(*) from variant_evidence
           group by char, replacement order by 1, 2"""
    )
    totals = conn.execute("select * from variant_totals order by 1, 2")
    assert [tuple(r) for r in sums] == [tuple(r) for r in totals]
    articles = {r[0] for r in conn.execute("select article_id from variant_evidence")}
    shared = conn.execute("select id from articles where title = ?", [SHARED_TITLE]).fetchone()
    assert articles == {shared[0]}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, Path]:
    """Two halves of a generated corpus whose copies carry the bad converter's variants."""
    halves = [tmp_path_factory.mktemp(f"half{i}") for i in (1, 2)]
    for n in range(GENERATED_PAGES):
        page = bench_corpus.page(7, n, GENERATED_PAGES)
        (halves[n * 2 // GENERATED_PAGES] / Path(page.name).name).write_bytes(page.data)
    return halves[0], halves[1]


@pytest.fixture(scope="module")
def one_run(generated, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("one") / "archive.db"
    build(path, CORPUS, *generated)
    return path


def test_two_runs_learn_and_normalise_as_one_run(generated, one_run, tmp_path):
    """The second run's copies are normalised with what the first learnt; its pass learns
    more, and normalises again the copies of both runs that this changes."""
    path = tmp_path / "archive.db"
    build(path, CORPUS, generated[0])
    first = variants.substitutions(sqlite3.connect(path))
    build(path, CORPUS, *generated)
    conn = sqlite3.connect(path)
    assert first and variants.substitutions(conn).items() > first.items()
    assert stored(conn) == full_learn(conn)
    assert content(path) == content(one_run)


def test_a_simplified_text_arriving_after_its_traditional_copies(tmp_path):
    """The shared article is Traditional-only until its Simplified copies come: its evidence
    is then computed for the copies an earlier run stored."""
    traditional = [CORPUS / name for name in sorted(p.name for p in CORPUS.iterdir())[1::2]]
    rest = [p for p in sorted(CORPUS.iterdir()) if p not in traditional]
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    build(one, *traditional, *rest)
    build(two, *traditional)
    assert variants.substitutions(sqlite3.connect(two)) == {}
    build(two, *rest)
    assert len(variants.substitutions(sqlite3.connect(two))) == 5
    assert content(two) == content(one)


def test_an_archive_without_stored_evidence_learns_it_all_once(one_run, tmp_path):
    """An archive built before evidence was stored: the next build's pass does a full learn."""
    path = tmp_path / "old.db"
    shutil.copy(one_run, path)
    conn = sqlite3.connect(path)
    for trigger in ("variant_evidence_insert", "variant_evidence_delete"):
        conn.execute(f"drop trigger {trigger}")
    conn.execute("drop table variant_evidence")
    conn.execute("drop table variant_totals")
    conn.commit()
    assert variants.store.pass_through(open_db(str(path)), variants.TABLE) > 0
    db = open_db(str(path))
    ensure_schema(db)
    variants.refresh(db)
    assert content(path) == content(one_run)


def unlearnt(one_run: Path, path: Path):
    """A copy of the archive at ``path`` with its evidence and passes forgotten: the next
    pass aligns every article again."""
    shutil.copy(one_run, path)
    db = open_db(str(path))
    with db.atomic():
        db.execute("delete from variant_evidence")
        db.execute("delete from archive_passes")
    return db


def test_learning_again_from_scratch_gives_the_same_archive(one_run, tmp_path):
    path = tmp_path / "again.db"
    db = unlearnt(one_run, path)
    assert db.execute("select count(*) from variant_totals").fetchone()[0] == 0
    variants.refresh(db, chunk=7)
    assert content(path) == content(one_run)


def test_workers_prepare_what_the_pass_writes_meanwhile(one_run, tmp_path):
    """The search index entries of queued articles, made by the workers with their
    evidence, reach ``meanwhile`` (its last call with what is left at the end)."""
    path = tmp_path / "again.db"
    db = unlearnt(one_run, path)
    with db.atomic():
        db.execute(
            """insert into search_pending (article_id, indexed_title, indexed_body)
               select id, title, body from articles where id in (2, 3, 5)"""
        )
    written = []

    def meanwhile(entries):
        written.append([entry[0] for entry in entries])
        search.write_prepared(db, entries)

    with parallel.Workers(2) as workers:
        variants.refresh(db, chunk=7, workers=workers, prepare=search.prepare, meanwhile=meanwhile)
    assert written == [[2, 3, 5]]
    assert store.pending_count(db) == 0
    db.execute("insert into articles_fts (articles_fts) values ('integrity-check')")
    assert content(path) == content(one_run)


def test_renormalise_reads_only_copies_holding_a_changed_character(archive, tmp_path):
    path = tmp_path / "copy.db"
    shutil.copy(archive, path)
    db = open_db(str(path))
    learnt = variants.substitutions(db)
    more = variants.affected(make_fold({**learnt, "龘": "龙"}), make_fold(learnt))
    assert more and not list(variants.traditional_copies(db, more))
    forgotten = {c: r for c, r in learnt.items() if c != "郃"}
    holding = list(
        variants.traditional_copies(db, variants.affected(make_fold(forgotten), make_fold(learnt)))
    )
    assert holding and all("郃" in title + body for _, _, title, body in holding)
    statements = []
    db = open_db(str(path), tracer=lambda sql, params: statements.append(sql))
    with db.atomic():
        changed = variants.renormalise(db, make_fold({**learnt, "龘": "龙"}), make_fold(learnt))
    assert changed == 0
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE")]


def test_each_traditional_copy_keeps_the_rare_characters_normalisation_left(conn):
    fold = variants.archive_fold(conn)
    rows = conn.execute(
        "select script, title_original, body_original, rare_chars from article_occurrences"
    ).fetchall()
    assert any(rare for script, *_, rare in rows if script == "traditional")
    for script, title, body, rare in rows:
        if script == "simplified":
            assert rare is None
        else:
            text = normalise(title, script, fold) + normalise(body, script, fold)
            assert rare == variants.rare_chars(text)


def test_affected_copies_are_told_by_what_normalisation_left_or_by_their_original():
    added = variants.affected(make_fold({"锺": "钟"}), make_fold({}))
    assert added.left == {"锺"} and not added.original
    assert {"鍾", "锺"} <= added.fallback
    forgotten = variants.affected(make_fold({}), make_fold({"郃": "合"}))
    assert not forgotten.left and "郃" in forgotten.original
    for c in forgotten.original:
        assert to_simplified(c) == "郃" or c == "郃"
    assert not variants.affected(make_fold({}), make_fold({}))


def opencc_dictionary(name: str) -> dict[str, list[str]]:
    """One of OpenCC's own dictionaries, as text, by the opencc_dict of its wheel."""
    clib = Path(opencc.__file__).parent / "clib"
    tool = clib / "bin" / "opencc_dict"
    if not tool.exists():
        pytest.skip("this opencc has no opencc_dict")
    out = subprocess.run(
        [str(tool), "-i", str(clib / "share" / "opencc" / f"{name}.ocd2"), "-o", "/dev/stdout",
         "-f", "ocd2", "-t", "text"],
        env={"LD_LIBRARY_PATH": str(clib / "lib64")},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return {k: v.split(" ") for k, v in (line.split("\t") for line in out.splitlines())}


def test_phrase_outputs_are_every_character_t2s_makes_only_inside_a_phrase():
    found = {}
    for source, targets in opencc_dictionary("TSPhrases").items():
        for target in targets:
            assert len(target) == len(source)
            for a, b in zip(source, target, strict=True):
                if b not in (a, to_simplified(a)):
                    found[a] = b
    assert found == variants.PHRASE_OUTPUTS


def test_paragraphs_that_cannot_hold_a_rare_character_once_normalised_are_left_out():
    paragraphs = ["風險協同治理", "联郃国", "", "鍾情", "風險"]
    # 郃 is rare and stays; t2s makes 锺 (rare) of 鍾 in some phrases; 风险协同治理 is common.
    assert variants.rare_paragraphs(paragraphs) == ["联郃国", "鍾情"]
    assert variants.rare_paragraphs(["風險"]) == []


# Traditional text of common characters, rare ones, and phrase sources: what
# rare_paragraphs leaves out has no rare character once normalised.
TRADITIONAL_CHARS = "風險協同治理郃琯儅躰縂藉口錢鍾書瞭解著作甦醒覆蓋彷彿畫"


@given(st.lists(st.text(alphabet=TRADITIONAL_CHARS + "，。 ", max_size=12), max_size=5))
def test_rare_paragraphs_never_leaves_out_a_paragraph_with_a_rare_character(paragraphs):
    rare = variants._rare()
    kept = variants.rare_paragraphs(paragraphs)
    for paragraph in paragraphs:
        normalised = normalise(paragraph, "traditional")
        if paragraph not in kept:
            assert not any(rare[ord(c)] for c in normalised)
