"""The generated pair set: dedup's thresholds give precision >= 0.99 and recall >= 0.95."""

from __future__ import annotations

import pytest

from bench.pairs import pair_set, partial_accuracy, precision_recall, score
from ingest import dedup


@pytest.fixture(scope="module")
def scored():
    pairs = pair_set(bases=24, seed=3)
    kinds = {p.kind for p in pairs}
    assert {"truncated", "s2tw", "same author", "same topic", "recombined"} <= kinds
    assert sum(p.same for p in pairs) > 150 and sum(not p.same for p in pairs) > 120
    return [score(p) for p in pairs]


def test_precision_and_recall_at_the_chosen_thresholds(scored):
    precision, recall = precision_recall(scored, dedup.SAME_CONTAINMENT, dedup.MIN_RATIO)
    assert precision >= 0.99
    assert recall >= 0.95


def test_the_set_is_not_trivially_separable(scored):
    """Hard cases on both sides: a threshold too strict loses copies, and different articles
    come close to the containment threshold (within the estimate's noise of it)."""
    assert precision_recall(scored, 0.99, dedup.MIN_RATIO)[1] < 0.95
    hardest_different = max(s.containment for s in scored if not s.pair.same)
    loosest_copy = min(s.containment for s in scored if s.pair.same)
    assert hardest_different > dedup.SAME_CONTAINMENT - 0.1 and loosest_copy < 0.9


def test_partial_marks_cut_short_copies(scored):
    accuracy = partial_accuracy(scored)
    assert accuracy["truncated"] >= 0.95
    assert accuracy["injected"] >= 0.95
