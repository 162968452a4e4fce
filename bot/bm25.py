"""BM25 scoring: rank-bm25's model and exact scores, evaluated through per-term postings.

rank-bm25 scores every document in a Python loop for every query term. `BM25Index` builds the
model with rank-bm25 once, then keeps, per term, the documents that contain it and their
precomputed term weights, so a query touches only matching documents. Scores equal
`model.get_scores(query)` (same formula, same order of additions).
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25Okapi

IdfKind = Literal["okapi", "smoothed"]


class SmoothedBM25(BM25Okapi):  # type: ignore[misc]  # rank-bm25 ships no types
    """BM25Okapi with the non-negative idf log(1 + (N - n + 0.5) / (n + 0.5)).

    Plain BM25Okapi gives zero idf to a term in exactly half the documents and a floor of
    `epsilon * average idf` (negative when the average is) to terms in more than half; on a
    knowledge base of a dozen passages that ranks a passage lower for matching a common term.
    This idf is positive and falls steadily as a term gets more common, on any corpus size.
    """

    def _calc_idf(self, nd: dict[str, int]) -> None:
        for word, freq in nd.items():
            self.idf[word] = math.log(1.0 + (self.corpus_size - freq + 0.5) / (freq + 0.5))


class _CountSink:
    """Stands in for rank-bm25's `doc_freqs` list: keeps each document's term counts as compact
    arrays (term id, document, count) instead of one dict per document."""

    def __init__(self) -> None:
        self.term_ids: dict[str, int] = {}
        self.terms = array("i")
        self.docs = array("i")
        self.counts = array("i")
        self.size = 0

    def append(self, frequencies: dict[str, int]) -> None:
        ids = self.term_ids
        for term, count in frequencies.items():
            self.terms.append(ids.setdefault(term, len(ids)))
            self.docs.append(self.size)
            self.counts.append(count)
        self.size += 1


def _lean(model_class: type[BM25Okapi]) -> type[BM25Okapi]:
    """A subclass of `model_class` whose per-document counts go to a `_CountSink`."""

    class Lean(model_class):  # type: ignore[misc]
        def _initialize(self, corpus: Sequence[Sequence[str]]) -> dict[str, int]:
            self.doc_freqs = _CountSink()
            return super()._initialize(corpus)  # type: ignore[no-any-return]

    return Lean


_MODELS: dict[str, type[BM25Okapi]] = {
    "okapi": _lean(BM25Okapi),
    "smoothed": _lean(SmoothedBM25),
}


@dataclass(frozen=True)
class Scored:
    """A document index with its BM25 score."""

    doc: int
    score: float


class BM25Index:
    """Exact rank-bm25 scores from postings: cost proportional to the matching documents."""

    def __init__(
        self,
        corpus: Sequence[Sequence[str]],
        k1: float = 1.5,
        b: float = 0.75,
        idf: IdfKind = "smoothed",
    ) -> None:
        if not corpus:
            raise ValueError("cannot index an empty corpus")
        docs = [d if d else [""] for d in corpus]  # rank-bm25 divides by zero-length docs
        self.model = _MODELS[idf](docs, k1=k1, b=b)
        self.size = len(docs)
        self.idf: dict[str, float] = dict(self.model.idf)
        sink: _CountSink = self.model.doc_freqs
        self.model.doc_freqs = []  # the postings below hold the same information
        names = list(sink.term_ids)
        terms = np.frombuffer(sink.terms, dtype=np.int32)
        order = np.argsort(terms, kind="stable")  # by term, documents ascending within each
        terms = terms[order]
        bounds = np.searchsorted(terms, np.arange(len(names) + 1))
        docs_of = np.frombuffer(sink.docs, dtype=np.int32)[order]
        weights = np.frombuffer(sink.counts, dtype=np.int32)[order].astype(float)  # tf
        del order, sink  # keep the peak low on large corpora: free staging arrays early
        # rank-bm25's expression idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))),
        # computed in place; IEEE addition and multiplication commute exactly, so the floats
        # are the same as rank-bm25's.
        doc_len = np.asarray(self.model.doc_len, dtype=float)
        denominator = (k1 * (1 - b + b * doc_len / self.model.avgdl))[docs_of]
        denominator += weights
        weights *= k1 + 1
        weights /= denominator
        del denominator
        weights *= np.asarray([self.idf[t] for t in names])[terms]
        del terms
        self._postings: dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]] = {
            name: (docs_of[bounds[i] : bounds[i + 1]], weights[bounds[i] : bounds[i + 1]])
            for i, name in enumerate(names)
        }

    def df(self, term: str) -> int:
        """How many documents contain `term`."""
        posting = self._postings.get(term)
        return 0 if posting is None else len(posting[0])

    def scores(self, query: Sequence[str]) -> npt.NDArray[np.float64]:
        """Scores of every document, equal to rank-bm25's `get_scores(query)`; a repeated term
        is added once, times its count."""
        scores = np.zeros(self.size)
        for term, count in Counter(query).items():
            posting = self._postings.get(term)
            if posting is not None:
                scores[posting[0]] += count * posting[1]
        return scores

    def top(self, query: Sequence[str], k: int = 10) -> list[Scored]:
        """The k best documents with a positive score, best first (ties: lower index first)."""
        if k <= 0:
            return []
        scores = self.scores(query)
        candidates = np.flatnonzero(scores > 0)
        values = scores[candidates]
        if len(candidates) > k:  # keep every score that ties the k-th, then order and cut
            keep = values >= -np.partition(-values, k - 1)[k - 1]
            candidates, values = candidates[keep], values[keep]
        order = np.lexsort((candidates, -values))[:k]
        return [
            Scored(doc, score)
            for doc, score in zip(candidates[order].tolist(), values[order].tolist(), strict=True)
        ]
