"""Hybrid ranking of passages and the calibrated decision to answer or to say "not covered".

Each passage is scored by four signals: how close the question's sentence vector comes to the
passage's example questions (`dense`), how many words and word pairs it shares with them
(`words`), BM25 over the passage's own heading and text (`lexical`, relative to the best), and
the vector similarity to the passage's text (`text`). How much each signal counts is learned
when the knowledge loads, from the example questions themselves, each scored as if it were
unseen (leave-one-out, near paraphrases left out too).

Whether to answer at all is a second model: a logistic regression over the question's words
and sentence vector, fitted on the labelled questions (passage examples against uncovered-topic
and no-answer examples), giving the probability that the articles cover the question. Below
`ANSWER_AT` the bot says it has no reviewed answer, naming the uncovered topic when the question
is about one; a question that names an uncovered topic is answered only above
`TOPIC_OVERRIDE`. docs/understanding.md explains both thresholds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import vstack

from bot.classifier import LinearModel, Words, fit
from bot.encoder import Vectors
from bot.examples import Example
from bot.knowledge import Passage, UncoveredTopic
from bot.retrieval import Retriever
from bot.vectors import MessageVectors

LOO_ALIKE = 0.9
FUSION_TOLERANCE = 0.01  # weightings this close to the best share of examples count too
ANSWER_AT = 0.5  # answer when the articles cover the question with at least this probability
TOPIC_OVERRIDE = 0.8  # a question naming an uncovered topic is answered only this surely
COVERAGE_REGULARIZATION = 10.0  # scikit-learn's C for the coverage model
PASSAGE_REGULARIZATION = 10.0  # and for the passage model
PASSAGE_WEIGHT = 0.25  # the passage model's probability adds this much to the fused score
NONE = "\0none"  # the group of no-answer examples
_WORD = re.compile(r"\w+")  # a word of a question, for putting corrections in
Matrix = npt.NDArray[np.floating[Any]]
_STEPS = (0.0, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0)
_WEIGHT_GRID = [np.array([1.0, w, b, t]) for w in _STEPS for b in _STEPS for t in _STEPS]


@dataclass(frozen=True)
class Learned:
    """What a Ranker learns from the examples (saved with `bot.models`)."""

    fusion: Matrix  # the signals' weights
    covered: LinearModel  # whether the articles cover a question
    which: LinearModel  # which passage a question is for


@dataclass(frozen=True)
class Candidate:
    """A passage with its signals and its fused score (higher is better)."""

    passage: Passage
    score: float
    dense: float
    words: float
    lexical: float
    text: float
    model: float  # the passage model's probability that the question is for this passage


@dataclass(frozen=True)
class Ranking:
    """Passages for one question, best first, and whether the best one answers it."""

    candidates: tuple[Candidate, ...]
    confidence: float  # probability that the articles cover the question
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
        passage_texts: Sequence[MessageVectors],
        learned: Learned | None = None,
    ) -> None:
        """`examples` are the question examples (passage, topic and no-answer kinds) with their
        `vectors`; `word_rows` are their rows in `words.matrix`. Without `learned`, it is
        learned from them."""
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
        self._words_t = self._words.T.tocsr()  # for one product per question
        # Each passage's text is read whole and sentence by sentence; the closest counts.
        per_passage = [np.vstack([m.whole, m.parts]) for m in passage_texts]
        self._text_vectors = np.vstack(per_passage) if per_passage else np.zeros((0, 384))
        sizes = [len(v) for v in per_passage]
        self._text_starts = np.cumsum([0, *sizes[:-1]]).astype(np.intp)
        self._text_empty = np.zeros(len(sizes), dtype=bool)
        # The passages' own sentences also teach the coverage and passage models what each
        # passage is about, so a new paragraph is found before anyone writes examples for it.
        self._own = (
            words.of([s for m in passage_texts for s in m.sentences]),
            np.vstack([m.parts for m in passage_texts]) if passage_texts else np.zeros((0, 384)),
            np.repeat(np.arange(len(passage_texts)), [len(m.sentences) for m in passage_texts]),
        )
        self.learned = learned or self._learn([examples[i] for i in order])
        self._fusion = self.learned.fusion
        self._covered, self._which = self.learned.covered, self.learned.which

    # -- signals ------------------------------------------------------------------------------

    def _signals(
        self, dense: Matrix, words: Matrix, lexical: Matrix, text: Matrix
    ) -> npt.NDArray[np.float64]:
        """Per question and passage, the four signals stacked on the last axis."""
        n = len(self.passages)
        return np.stack([dense[:, :n], words[:, :n], lexical, text], axis=-1)

    def _text(self, vectors: Vectors | Matrix) -> Matrix:
        """Per question and passage, the closest of the passage's text and its sentences."""
        return _group_max(vectors @ self._text_vectors.T, self._text_starts, self._text_empty)

    def _lexical(self, question: str) -> tuple[Matrix, str, UncoveredTopic | None]:
        """BM25 of each passage relative to the best, the question with its misspelled words
        corrected to words of the knowledge, and the uncovered topic the question names (which
        the best passage does not cover)."""
        result = self.retriever.search(question)
        scores = np.zeros(len(self.passages)) if result.scores is None else result.scores
        top = float(scores.max()) if len(scores) else 0.0
        # One fixed pattern, the words looked up: a pattern made of a misspelled word would be
        # kept in the `re` module's cache of compiled patterns, a visitor's word in memory.
        fixes = dict(result.corrections)
        corrected = (
            _WORD.sub(lambda m: fixes.get(m[0].lower(), m[0]), question) if fixes else question
        )
        return (scores / top if top > 0 else scores), corrected, result.uncovered

    # -- learning -----------------------------------------------------------------------------

    @staticmethod
    def _fusion_weights(signals: npt.NDArray[np.float64], targets: npt.NDArray[np.intp]) -> Matrix:
        """The weights of the signals (dense counts 1): the mean of every weighting on the grid
        under which nearly as many example questions as under the best (within
        `FUSION_TOLERANCE`), each left out of its own passage's examples, rank their own
        passage first. Averaging the near-best instead of taking one keeps the choice steady
        when many weightings do about as well on the examples."""
        right = np.array([np.mean(np.argmax(signals @ w, axis=1) == targets) for w in _WEIGHT_GRID])
        near_best = right >= right.max() - FUSION_TOLERANCE
        return np.mean(np.array(_WEIGHT_GRID)[near_best], axis=0)  # type: ignore[no-any-return]

    def _learn(self, examples: Sequence[Example]) -> Learned:
        """Fit the fusion weights (leave-one-out), the model of what the articles cover and the
        model of which passage a question is for."""
        dense_all = self._vectors @ self._vectors.T
        words_all = (self._words @ self._words.T).toarray()
        # An example never counts as its own neighbour, nor do its near paraphrases: questions
        # written together read alike, and visitors' questions will not.
        alike = dense_all >= LOO_ALIKE
        dense_all[alike] = -1.0
        words_all[alike] = -1.0
        dense = _group_max(dense_all, self._starts, self._empty)
        words = _group_max(words_all, self._starts, self._empty)
        n = len(self.passages)
        on_passage = np.flatnonzero(self._target < n)
        lexical = np.array([self._lexical(examples[int(i)].text)[0] for i in on_passage])
        text = self._text(self._vectors[on_passage])
        signals = self._signals(dense[on_passage], words[on_passage], lexical, text)
        fusion = self._fusion_weights(signals, self._target[on_passage])
        own_words, own_vectors, own_target = self._own
        all_words = vstack([self._words, own_words], format="csr")
        all_vectors = np.vstack([self._vectors, own_vectors])
        target = np.concatenate([self._target, own_target])
        covered = fit(all_words, all_vectors, target < n, COVERAGE_REGULARIZATION, False)
        on_any = np.flatnonzero(target < n)
        which = fit(
            all_words[on_any], all_vectors[on_any], target[on_any], PASSAGE_REGULARIZATION, True
        )
        return Learned(fusion, covered, which)

    # -- use ----------------------------------------------------------------------------------

    def rank(self, question: str, message: MessageVectors) -> Ranking:
        """Passages for a question, best first, with the probability that they cover it."""
        if not self.passages:
            return Ranking((), 0.0, None)
        vector = message.whole[None]
        dense = _group_max(vector @ self._vectors.T, self._starts, self._empty)
        relative, corrected, named_topic = self._lexical(question)
        words_row = self.words.of([corrected])
        words = _group_max((words_row @ self._words_t).toarray(), self._starts, self._empty)
        text = self._text(vector)
        signals = self._signals(dense, words, relative[None], text)
        which = np.zeros((1, len(self.passages)))
        which[:, self._which.classes] = self._which.probabilities(words_row, vector)
        fused = signals @ self._fusion + PASSAGE_WEIGHT * which
        covered = self._covered.probabilities(words_row, vector)
        confidence = float(covered[0, self._covered.classes.index(True)])
        order = np.argsort(-fused[0], kind="stable")
        candidates = tuple(
            Candidate(
                self.passages[i],
                float(fused[0, i]),
                dense=float(signals[0, i, 0]),
                words=float(signals[0, i, 1]),
                lexical=float(signals[0, i, 2]),
                text=float(signals[0, i, 3]),
                model=float(which[0, i]),
            )
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
