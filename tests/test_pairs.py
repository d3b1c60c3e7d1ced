"""The generated pair set: dedup's thresholds give precision >= 0.99 and recall >= 0.95."""

from __future__ import annotations

from bench.pairs import pair_set, partial_accuracy, precision_recall, score
from ingest import dedup


def test_precision_and_recall_at_the_chosen_thresholds():
    pairs = pair_set(bases=24, seed=3)
    kinds = {p.kind for p in pairs}
    assert {"truncated", "s2tw", "same author", "same topic", "recombined"} <= kinds
    assert sum(p.same for p in pairs) > 150 and sum(not p.same for p in pairs) > 120
    scored = [score(p) for p in pairs]
    precision, recall = precision_recall(scored, dedup.SAME_CONTAINMENT, dedup.MIN_RATIO)
    assert precision >= 0.99
    assert recall >= 0.95


def test_the_set_would_catch_a_bad_threshold():
    scored = [score(p) for p in pair_set(bases=12, seed=4)]
    assert precision_recall(scored, 0.05, 0.0)[0] < 0.99
    assert precision_recall(scored, 0.99, dedup.MIN_RATIO)[1] < 0.95


def test_partial_marks_cut_short_copies():
    accuracy = partial_accuracy([score(p) for p in pair_set(bases=12, seed=4)])
    assert accuracy["truncated"] >= 0.95
    assert accuracy["injected"] >= 0.95
