"""Hybrid ranking of passages and the calibrated decision to answer or to say "not covered".

Each passage is scored by four signals: how close the question's sentence vector comes to the
passage's example questions (`dense`), how many words and word pairs it shares with them
(`words`), BM25 over the passage's own heading and text (`lexical`, relative to the best), and
the vector similarity to the passage's text (`text`). How much each signal counts is learned
when the knowledge loads, from the example questions themselves, each scored as if it were
unseen (leave-one-out). A second model, fitted the same way on passage, uncovered-topic and
no-answer examples, turns the best passage's signals into the probability that it answers the
question; below `ANSWER_AT` the bot says it has no reviewed answer, naming the uncovered topic
when the question is about one. docs/understanding.md explains the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression

from bot.classifier import Words
from bot.encoder import Vectors
from bot.examples import Example
from bot.knowledge import Passage, UncoveredTopic
from bot.retrieval import Retriever
from bot.vectors import MessageVectors

LOO_ALIKE = 0.9
ANSWER_AT = 0.3  # answer when the best passage answers with at least this probability
TOPIC_OVERRIDE = 0.8  # a question naming an uncovered topic is answered only this surely
NONE = "\0none"  # the group of no-answer examples
Matrix = npt.NDArray[np.floating[Any]]
_STEPS = (0.0, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0)
_WEIGHT_GRID = [np.array([1.0, w, b, t]) for w in _STEPS for b in _STEPS for t in _STEPS]


@dataclass(frozen=True)
class Candidate:
    """A passage with its signals and its fused score (higher is better)."""

    passage: Passage
    score: float
    dense: float
    words: float
    lexical: float
    text: float


@dataclass(frozen=True)
class Ranking:
    """Passages for one question, best first, and whether the best one answers it."""

    candidates: tuple[Candidate, ...]
    confidence: float  # probability that the first candidate answers the question
    topic: UncoveredTopic | None  # the uncovered topic it is about, if any: then no answer

    @property
    def answered(self) -> bool:
        """Whether the first passage is presented as the answer."""
        return bool(self.candidates) and self.topic is None and self.confidence >= ANSWER_AT


def _group_max(
    similarities: Matrix, starts: npt.NDArray[np.intp], empty: npt.NDArray[np.bool_]
) -> Matrix:
    """Per row, the largest similarity within each group of columns (groups are contiguous
    runs beginning at `starts`; an empty group gets 0)."""
    if similarities.shape[1] == 0:
        return np.zeros((similarities.shape[0], len(starts)))
    out = np.maximum.reduceat(similarities, np.minimum(starts, similarities.shape[1] - 1), axis=1)
    out[:, empty] = 0.0
    return np.maximum(out, 0.0)


class Ranker:
    """Ranks a knowledge version's passages for questions, with learned weights."""

    def __init__(
        self,
        passages: Sequence[Passage],
        topics: Sequence[UncoveredTopic],
        retriever: Retriever,
        examples: Sequence[Example],
        vectors: Sequence[MessageVectors],
        words: Words,
        word_rows: Sequence[int],
        passage_vectors: Vectors,
    ) -> None:
        """`examples` are the question examples (passage, topic and no-answer kinds) with their
        `vectors`; `word_rows` are their rows in `words.matrix`."""
        self.passages = tuple(passages)
        self.retriever = retriever
        self.words = words
        self._topics = {t.name: t for t in topics}
        groups = [p.id for p in self.passages] + [t.name for t in topics] + [NONE]
        where = {g: i for i, g in enumerate(groups)}
        target = np.array(
            [where.get(e.target if e.kind != "no_answer" else NONE, -1) for e in examples]
        )
        keep = np.flatnonzero(target >= 0)
        order = keep[np.argsort(target[keep], kind="stable")]  # examples grouped by target
        self._target = target[order]
        self._groups = groups
        self._starts = np.searchsorted(self._target, np.arange(len(groups)))
        self._empty = np.bincount(self._target, minlength=len(groups)) == 0
        self._vectors = (
            np.stack([vectors[i].whole for i in order]) if len(order) else np.zeros((0, 384))
        )
        self._words = words.matrix[np.asarray(word_rows)[order]]
        self._passage_vectors = passage_vectors
        self._fusion, self._answers = self._learn([examples[i] for i in order])

    # -- signals ------------------------------------------------------------------------------

    def _signals(
        self, dense: Matrix, words: Matrix, lexical: Matrix, text: Matrix
    ) -> npt.NDArray[np.float64]:
        """Per question and passage, the four signals stacked on the last axis."""
        n = len(self.passages)
        return np.stack([dense[:, :n], words[:, :n], lexical, text], axis=-1)

    def _lexical(self, question: str) -> tuple[Matrix, float, UncoveredTopic | None]:
        """BM25 of each passage relative to the best, BM25's coverage of the question by the
        best, and the uncovered topic the question names (which the best does not cover)."""
        result = self.retriever.search(question)
        scores = np.zeros(len(self.passages)) if result.scores is None else result.scores
        top = float(scores.max()) if len(scores) else 0.0
        return (scores / top if top > 0 else scores), result.confidence, result.uncovered

    def _answer_features(
        self,
        fused: Matrix,
        signals: npt.NDArray[np.float64],
        dense: Matrix,
        words: Matrix,
        coverage: Sequence[float],
        topic_phrase: Sequence[bool],
    ) -> Matrix:
        """What the answer model reads: the best passage's fused score, its margin over the
        runner-up, its signals, BM25's coverage, and how close the question comes to uncovered
        topics and to questions nobody answers."""
        n = len(self.passages)
        ordered = np.sort(fused, axis=1)
        best = np.argmax(fused, axis=1)
        rows = np.arange(len(fused))
        margin = ordered[:, -1] - (ordered[:, -2] if n > 1 else 0.0)
        topic_dense = dense[:, n:-1].max(axis=1) if dense.shape[1] > n + 1 else np.zeros(len(fused))
        topic_words = words[:, n:-1].max(axis=1) if words.shape[1] > n + 1 else np.zeros(len(fused))
        return np.column_stack(
            [
                ordered[:, -1],
                margin,
                signals[rows, best],
                coverage,
                topic_dense,
                topic_words,
                dense[:, -1],
                words[:, -1],
                np.asarray(topic_phrase, dtype=float),
            ]
        )

    # -- learning -----------------------------------------------------------------------------

    @staticmethod
    def _fusion_weights(signals: npt.NDArray[np.float64], targets: npt.NDArray[np.intp]) -> Matrix:
        """The weights of the signals (dense counts 1) under which the most example questions,
        each left out of its own passage's examples, rank their own passage first."""
        best: tuple[float, Matrix] = (-1.0, np.array([1.0, 0.0, 0.0, 0.0]))
        for weights in _WEIGHT_GRID:
            right = float(np.mean(np.argmax(signals @ weights, axis=1) == targets))
            if right > best[0] + 1e-9:
                best = (right, weights)
        return best[1]

    def _learn(self, examples: Sequence[Example]) -> tuple[Matrix, LogisticRegression]:
        """Fit the fusion weights and the answer model on the examples, leave-one-out."""
        dense_all = self._vectors @ self._vectors.T
        words_all = (self._words @ self._words.T).toarray()
        # An example never counts as its own neighbour, nor do its near paraphrases: questions
        # written together read alike, and visitors' questions will not.
        alike = dense_all >= LOO_ALIKE
        dense_all[alike] = -1.0
        words_all[alike] = -1.0
        dense = _group_max(dense_all, self._starts, self._empty)
        words = _group_max(words_all, self._starts, self._empty)
        read = [self._lexical(e.text) for e in examples]
        lexical = np.array([r[0] for r in read]).reshape(len(examples), len(self.passages))
        coverage = [r[1] for r in read]
        text = self._vectors @ self._passage_vectors.T
        signals = self._signals(dense, words, lexical, text)
        n = len(self.passages)
        on_passage = np.flatnonzero(self._target < n)
        fusion = self._fusion_weights(signals[on_passage], self._target[on_passage])
        fused = signals @ fusion
        best = np.argmax(fused, axis=1)
        topic_phrase = [r[2] is not None for r in read]
        features = self._answer_features(fused, signals, dense, words, coverage, topic_phrase)
        right = (self._target < n) & (best == self._target)
        answers = LogisticRegression(C=1.0).fit(features, right)
        return fusion, answers

    # -- use ----------------------------------------------------------------------------------

    def rank(self, question: str, message: MessageVectors) -> Ranking:
        """Passages for a question, best first, with the probability that the first answers."""
        if not self.passages:
            return Ranking((), 0.0, None)
        vector = message.whole[None]
        dense = _group_max(vector @ self._vectors.T, self._starts, self._empty)
        words_row = self.words.of([question])
        words = _group_max((words_row @ self._words.T).toarray(), self._starts, self._empty)
        relative, coverage, named_topic = self._lexical(question)
        text = vector @ self._passage_vectors.T
        signals = self._signals(dense, words, relative[None], text)
        fused = signals @ self._fusion
        features = self._answer_features(
            fused, signals, dense, words, [coverage], [named_topic is not None]
        )
        confidence = float(self._answers.predict_proba(features)[0, 1])
        order = np.argsort(-fused[0], kind="stable")
        candidates = tuple(
            Candidate(self.passages[i], float(fused[0, i]), *map(float, signals[0, i]))
            for i in order
        )
        topic = None
        if confidence < ANSWER_AT:
            topic = named_topic or self._nearest_topic(dense[0], words[0])
        elif confidence < TOPIC_OVERRIDE:
            topic = named_topic  # an uncovered topic wins over a passage that shares words
        return Ranking(candidates, confidence, topic)

    def _nearest_topic(self, dense: Matrix, words: Matrix) -> UncoveredTopic | None:
        """The uncovered topic whose examples are closest, when closer than the no-answer ones."""
        n = len(self.passages)
        closeness = dense[n:] + words[n:]
        if len(closeness) < 2:
            return None
        best = int(np.argmax(closeness[:-1]))
        if closeness[best] <= closeness[-1]:
            return None
        return self._topics.get(self._groups[n + best])
