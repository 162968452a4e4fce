"""The BM25 engine: rank-bm25's exact scores through postings, and the small-corpus idf."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.bm25 import BM25Index, SmoothedBM25


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("idf", ["okapi", "smoothed"])
def test_scores_equal_rank_bm25_on_random_corpora(seed: int, idf: str) -> None:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(rng.randint(5, 60))]
    corpus = [
        [rng.choice(vocab) for _ in range(rng.randint(1, 30))] for _ in range(rng.randint(2, 120))
    ]
    index = BM25Index(corpus, k1=1.2 + seed / 10, b=0.75, idf=idf)  # type: ignore[arg-type]
    reference = (SmoothedBM25 if idf == "smoothed" else BM25Okapi)(
        corpus, k1=1.2 + seed / 10, b=0.75
    )
    for _ in range(20):
        query = [rng.choice([*vocab, "unknown"]) for _ in range(rng.randint(1, 6))]
        expected = reference.get_scores(query)
        assert np.allclose(index.scores(query), expected, rtol=0, atol=1e-9)
        top = index.top(query, k=5)
        best = sorted(((-s, i) for i, s in enumerate(expected) if s > 0))[:5]
        assert [round(t.score, 9) for t in top] == [round(-s, 9) for s, _ in best]


@pytest.mark.parametrize("seed", range(5))
def test_top_is_a_full_sort_of_the_positive_scores_cut_at_k(seed: int) -> None:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(30)]
    corpus = [[rng.choice(vocab) for _ in range(rng.randint(1, 25))] for _ in range(200)]
    index = BM25Index(corpus)
    for _ in range(50):
        query = [rng.choice([*vocab, "unknown"]) for _ in range(rng.randint(0, 8))]
        k = rng.randint(0, 12)
        scores = index.scores(query).tolist()
        ranked = sorted((-s, doc) for doc, s in enumerate(scores) if s > 0)[:k]
        assert [(t.doc, t.score) for t in index.top(query, k)] == [(d, -s) for s, d in ranked]


def test_plain_okapi_idf_breaks_a_two_passage_corpus() -> None:
    corpus = [["ketamin", "nmda"], ["ketamin", "serotonin"]]
    plain = BM25Okapi(corpus)
    # "nmda" is in half the passages: rank-bm25 gives it an idf of exactly zero.
    assert plain.get_scores(["nmda"]).tolist() == [0.0, 0.0]
    index = BM25Index(corpus)
    assert [h.doc for h in index.top(["nmda"])] == [0]
    assert [h.doc for h in index.top(["serotonin"])] == [1]


def test_smoothed_idf_is_positive_and_falls_with_document_frequency() -> None:
    corpus = [["a", "b", "c", "d"], ["a", "b", "c"], ["a", "b"], ["a"]]
    index = BM25Index(corpus)
    idf = [index.idf[t] for t in "dcba"]
    assert all(v > 0 for v in idf)
    assert idf == sorted(idf, reverse=True)
    # A term in every passage still counts a little, so the passage with more of it ranks first.
    assert index.top(["a", "d"])[0].doc == 0
    # The breakage the smoothed idf avoids: zero idf at half the passages, negative above.
    plain = BM25Okapi(corpus)
    assert plain.idf["c"] == 0.0
    assert plain.idf["b"] < 0


def test_repeated_and_unknown_query_terms() -> None:
    index = BM25Index([["x", "y"], ["y", "z"], ["z"]])
    assert index.top(["nothing", "unknown"]) == []
    once, twice = index.scores(["x"]), index.scores(["x", "x"])
    assert np.allclose(twice, 2 * once)


def test_empty_documents_and_empty_corpus() -> None:
    index = BM25Index([[], ["a"]])
    assert [h.doc for h in index.top(["a"])] == [1]
    with pytest.raises(ValueError, match="empty corpus"):
        BM25Index([])
