"""The labelled corpus (bench/corpus.py) scores precision and recall >= 0.99 for every detector."""

from __future__ import annotations

from bench.corpus_score import TARGET, score


def test_precision_and_recall_per_detector_on_labelled_corpus() -> None:
    result = score(4000, seed=11)
    rows = result.table()
    assert len(rows) == 20  # every detector has support in the corpus
    below = [(det, support, round(p, 4), round(r, 4)) for det, support, p, r in rows if p < TARGET or r < TARGET]
    assert below == []
