"""Substitutions learnt from articles seen in both scripts, and re-normalisation."""

from __future__ import annotations

import shutil

from conftest import SHARED_TITLE

from ingest import store, variants
from ingest.normalise import common_chars, han_mask, normalise, standard_chars, variant_table
from ingest.store import open_db
from ingest.variants import MIN_PAIRS, MIN_SHARE, Tally, paragraph_pairs


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
    tally.add("的联郃国", "地联合国", (1, 0), 1)
    assert tally.aligned == {"郃": 1}  # 的 is common: an edit, not a converter's doing
    (evidence,) = tally.weigh()
    assert (evidence.char, evidence.replacement, evidence.share) == ("郃", "合", 1.0)


def test_acceptance_needs_pairs_and_share():
    tally = Tally()
    for i in range(MIN_PAIRS - 1):
        tally.add("联郃国", "联合国", (i, 0), 1)
    assert not tally.weigh()[0].accepted()
    tally.add("联郃国", "联合国", (9, 0), 2)
    assert tally.weigh()[0].accepted()
    for i in range(3):  # the same character left as it is in other pairs
        tally.add("郃阳县", "郃阳县", (20 + i, 0), 3)
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
