"""What the knowledge says about each passage, compared with a question: the signals the ranker
and the coverage decision read.

Every signal compares a question with what a passage offers now: its text (sentence vectors of
its heading and paragraph), its `?` lines and the example questions staff wrote for it (vectors
and words), and its words (BM25). None of them knows which passages or topics exist, so a
passage staff add is found by what it says, before anyone writes an example for it, and one they
remove is gone. Two signals read the knowledge as a whole: how close the question comes to the
questions no passage answers (`examples/no-answer.txt`, the uncovered topics' `?` lines), and
a content model trained at load on this knowledge (passages' sentences and examples against
those unanswered questions).

`Holdout` is for learning (`scripts/train_relevance.py`): it hides examples, unanswered
questions or passages from some questions, so that a question is scored as if its own example,
its passage's examples or its whole section did not exist.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

from bot.classifier import LinearModel, Words, fit
from bot.examples import Example
from bot.knowledge import Knowledge, Passage
from bot.retrieval import Retriever
from bot.vectors import VectorCache

Matrix = npt.NDArray[np.float64]
Floats = npt.NDArray[np.floating[Any]]  # float64, or float32 when learning from many questions
Mask = npt.NDArray[np.bool_]
# Per question and passage.
PASSAGE_SIGNALS = (
    "t_whole",  # cosine to the passage (heading and paragraph) as a whole
    "t_sent",  # the closest of its sentences
    "head",  # cosine to its section heading, on the first passage of the section
    "ex_max",  # the closest of its `?` lines and example questions
    "ex_words",  # the same, by words and word pairs (TF-IDF)
    "bm25",  # BM25 over heading and paragraph, relative to the best passage
    "share",  # the share of the question's term weight the passage contains
    "vote",  # share of the passages' example questions near the question that are its own
    "centroid",  # cosine to the mean of its example questions
    "richness",  # how many example questions it has, 20 or more counting as 1
)
# Per question.
QUESTION_SIGNALS = (
    "unanswered_max",  # cosine to the closest question no passage answers (no-answer.txt)
    "topic_max",  # ... to the closest question of an uncovered topic
    "topic_words",  # ... the same, by words
    "has_topics",  # 1 when the knowledge lists uncovered topics with questions
    "known_share",  # share of nearby evidence that is passages' rather than unanswered
    "novelty",  # share of the question's terms that no passage contains
    "content",  # the content model's probability that the passages cover the question
)
VOTE_WIDTH = 0.03  # kernel width of the votes (cosine); near examples count, far ones vanish
_WORD = re.compile(r"\w+")
RICH_AT = 20.0  # example questions that make a passage's examples count fully
SENTENCE_OFFSET = 0.15  # a question is this much closer to a question than to a statement
CONTENT_REGULARIZATION = 10.0  # scikit-learn's C for the content model


@dataclass(frozen=True)
class Signals:
    """The signals for a batch of questions: per passage, and per question."""

    passages: Floats  # (questions, passages, len(PASSAGE_SIGNALS))
    question: Matrix  # (questions, len(QUESTION_SIGNALS))

    def column(self, name: str) -> Floats:
        """One passage signal for every question and passage."""
        return self.passages[..., PASSAGE_SIGNALS.index(name)]


@dataclass(frozen=True)
class Holdout:
    """For learning only: what each question of a batch may not see (True = visible)."""

    examples: Mask | None = None  # (questions, example questions)
    unanswered: Mask | None = None  # (questions, unanswered questions)
    passages: Mask | None = None  # (questions, passages): hidden passages score nothing


@dataclass(frozen=True)
class Unanswered:
    """Questions no passage answers: the no-answer examples, the uncovered topics' `?` lines
    and a removed passage's example questions, with where each is written."""

    texts: tuple[str, ...]
    topic: tuple[str, ...]  # the topic's name, or "" for a no-answer example
    where: tuple[str, ...]  # `file:line`
    group: tuple[str, ...]  # its topic, removed passage or heading (for learning)
    vectors: Matrix
    words: csr_matrix

    @cached_property
    def words_t(self) -> csr_matrix:
        """`words` transposed, made once rather than for every question."""
        return self.words.T.tocsr()

    @cached_property
    def is_topic(self) -> Mask:
        """Which of them are an uncovered topic's questions."""
        return np.array([bool(t) for t in self.topic], dtype=bool)

    def only(self, keep: Mask) -> Unanswered:
        """These questions, some left out."""
        rows = np.flatnonzero(keep)
        return Unanswered(
            tuple(self.texts[i] for i in rows),
            tuple(self.topic[i] for i in rows),
            tuple(self.where[i] for i in rows),
            tuple(self.group[i] for i in rows),
            self.vectors[rows],
            self.words[rows],
        )


def _corrected(text: str, fixes: dict[str, str]) -> str:
    """The text with each misspelled word replaced by its correction."""
    if not fixes:
        return text
    return _WORD.sub(lambda m: fixes.get(m[0].lower(), m[0]), text)


def _group_max(values: Matrix, owner: npt.NDArray[np.intp], groups: int, empty: float) -> Matrix:
    """Per row, the largest value within each group of columns (`owner[column]` is its group,
    columns grouped in order); `empty` where a group has no column."""
    out = np.full((values.shape[0], groups), empty)
    if values.shape[1] == 0:
        return out
    starts = np.searchsorted(owner, np.arange(groups))
    present = np.bincount(owner, minlength=groups) > 0
    reduced = np.maximum.reduceat(values, np.minimum(starts, values.shape[1] - 1), axis=1)
    out[:, present] = reduced[:, present]
    return out


class Evidence:
    """What one knowledge version offers each passage, ready to compare with questions."""

    def __init__(
        self,
        knowledge: Knowledge,
        cache: VectorCache,
        words: Words,
        known_words: frozenset[str] | None = None,
    ) -> None:
        """`words`: the word view fitted on the knowledge's examples; `known_words`: a
        `Retriever`'s over the same knowledge, if one was built (`Retriever`). Every unanswered
        question counts and there is no content model yet: `with_unanswered` gives both."""
        self.knowledge = knowledge
        self.passages: tuple[Passage, ...] = knowledge.passages
        self.words = words
        n = len(self.passages)
        texts = [f"{p.section}. {p.text}" for p in self.passages]
        read = cache.messages(texts)
        self.whole = np.stack([m.whole for m in read]) if read else np.zeros((0, cache.encoder.dim))
        self.sentence_texts = tuple(s for m in read for s in m.sentences)
        self.sentences = np.vstack([m.parts for m in read]) if read else self.whole
        self.sentence_owner = np.repeat(np.arange(n), [len(m.sentences) for m in read])
        self.heading = cache.sentences([p.section for p in self.passages])
        self.leads = np.array(
            [
                i == 0 or self.passages[i - 1].section != p.section
                for i, p in enumerate(self.passages)
            ],
            dtype=bool,
        )
        where = {p.id: i for i, p in enumerate(self.passages)}
        found = sorted(
            (where[e.target], e.text)
            for e in knowledge.examples
            if e.kind == "passage" and e.target in where
        )
        self.example_texts = tuple(t for _, t in found)
        lines = {q for p in self.passages for q in p.questions}
        self.example_is_line = np.array([t in lines for t in self.example_texts], dtype=bool)
        self.example_owner = np.array([i for i, _ in found], dtype=np.intp)
        self.example_vectors = self._vectors(cache, self.example_texts)
        self.example_words = words.of(self.example_texts)
        self.example_words_t = self.example_words.T.tocsr()
        self.example_counts = np.bincount(self.example_owner, minlength=n).astype(float)
        self.centroids = self._centroids()
        # Unanswered: the no-answer examples, the uncovered topics' questions, and the example
        # questions of a passage staff removed (its block left in `articles/questions.txt`):
        # what visitors asked it, no passage answers now.
        unanswered = [
            e
            for e in knowledge.examples
            if e.kind in ("no_answer", "topic") or (e.kind == "passage" and e.target not in where)
        ]
        texts_u = tuple(e.text for e in unanswered)
        everything = Unanswered(
            texts_u,
            tuple(e.target if e.kind == "topic" else "" for e in unanswered),
            tuple(e.where for e in unanswered),
            tuple(_unanswered_label(e) for e in unanswered),
            self._vectors(cache, texts_u),
            words.of(texts_u),
        )
        self.unanswered = self.all_unanswered = everything
        self.lexical = Retriever(knowledge, questions=False, known_words=known_words)
        self._term_matrix, self._term_column = self._terms()
        self.content: tuple[Words, LinearModel] | None = None

    @staticmethod
    def _vectors(cache: VectorCache, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, cache.encoder.dim))
        return np.stack([m.whole for m in cache.messages(list(texts))])

    def _terms(self) -> tuple[csr_matrix, dict[str, int]]:
        """Which index terms each passage contains (passages by terms, 0/1)."""
        column: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for i, terms in enumerate(self.lexical.document_terms):
            for t in sorted(terms):  # a fixed column order whatever the hash seed
                rows.append(i)
                cols.append(column.setdefault(t, len(column)))
        shape = (len(self.passages), max(len(column), 1))
        return csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape), column

    def train_content(
        self,
        examples: Mask | None = None,
        unanswered: Mask | None = None,
        passages: Mask | None = None,
    ) -> tuple[Words, LinearModel] | None:
        """The content model: passages' sentences and example questions against the questions
        no passage answers, by words and vector (None when either side is empty). The masks
        (for learning only) leave some of them out."""
        u = self.unanswered
        sentences = np.ones(len(self.sentence_texts), dtype=bool)
        examples = np.ones(len(self.example_texts), dtype=bool) if examples is None else examples
        if passages is not None:
            sentences &= passages[self.sentence_owner]
            examples = examples & passages[self.example_owner]
        unanswered = np.ones(len(u.texts), dtype=bool) if unanswered is None else unanswered
        if not sentences.any() or not unanswered.any():
            return None
        texts = [
            *(t for t, k in zip(self.sentence_texts, sentences, strict=True) if k),
            *(t for t, k in zip(self.example_texts, examples, strict=True) if k),
            *(t for t, k in zip(u.texts, unanswered, strict=True) if k),
        ]
        words = Words.fit(texts)
        vectors = np.vstack(
            [self.sentences[sentences], self.example_vectors[examples], u.vectors[unanswered]]
        ).astype(np.float32)
        covered = np.arange(len(texts)) < len(texts) - int(unanswered.sum())
        return words, fit(words.matrix, vectors, covered, CONTENT_REGULARIZATION, False)

    def with_unanswered(self, keep: Mask) -> Evidence:
        """This evidence counting only the unanswered questions in `keep`, without a content
        model (`with_content` gives one)."""
        fresh = copy.copy(self)
        fresh.unanswered = self.all_unanswered.only(keep)
        fresh.content = None
        return fresh

    def with_content(self, content: tuple[Words, LinearModel] | None) -> Evidence:
        """This evidence with a content model (trained by `train_content`, now or before)."""
        fresh = copy.copy(self)
        fresh.content = content
        return fresh

    # -- signals --------------------------------------------------------------------------------

    def signals(
        self, texts: Sequence[str], vectors: Matrix, holdout: Holdout | None = None
    ) -> Signals:
        """The signals of a batch of questions (their texts and whole vectors)."""
        hold = holdout or Holdout()
        n, count = len(texts), len(self.passages)
        bm25, share, novelty, texts = self._lexical(texts)
        t_whole = vectors @ self.whole.T
        sentence_sim = vectors @ self.sentences.T
        t_sent = _group_max(sentence_sim, self.sentence_owner, count, 0.0)
        head = (vectors @ self.heading.T) * self.leads
        ex_sim = vectors @ self.example_vectors.T
        question_words = self.words.of(list(texts))
        ex_words = (question_words @ self.example_words_t).toarray()
        visible = hold.examples
        if visible is not None:
            ex_sim = np.where(visible, ex_sim, -1.0)
            ex_words = np.where(visible, ex_words, -1.0)
        ex_max = np.maximum(_group_max(ex_sim, self.example_owner, count, 0.0), 0.0)
        ex_w = np.maximum(_group_max(ex_words, self.example_owner, count, 0.0), 0.0)
        near = np.exp((ex_sim - 1.0) / VOTE_WIDTH)
        kernel = near if visible is None else near * visible
        vote = np.zeros((n, count))
        np.add.at(vote.T, self.example_owner, kernel.T)
        vote /= np.maximum(vote.sum(axis=1, keepdims=True), 1e-300)
        if visible is None:
            centroid = vectors @ self.centroids.T
            counts = np.broadcast_to(self.example_counts, (n, count))
        else:
            centroid = self._centroid_similarity(vectors @ self.example_vectors.T, visible)
            counts = np.zeros((n, count))
            np.add.at(counts.T, self.example_owner, visible.T.astype(float))
        passages = np.stack(
            [
                t_whole,
                t_sent,
                head,
                ex_max,
                ex_w,
                bm25,
                share,
                vote,
                centroid,
                np.minimum(1.0, counts / RICH_AT),
            ],
            axis=-1,
        )
        if hold.passages is not None:
            passages = np.where(hold.passages[..., None], passages, 0.0)
        question = np.column_stack(
            [
                *self._unanswered(question_words, vectors, near, sentence_sim, hold),
                novelty,
                self._content(texts, vectors),
            ]
        )
        return Signals(passages, question)

    def _centroids(self) -> Matrix:
        """Per passage, the unit mean of its example vectors (zero without examples)."""
        sums = np.zeros((len(self.passages), self.example_vectors.shape[1]))
        np.add.at(sums, self.example_owner, self.example_vectors)
        norms = np.linalg.norm(sums, axis=-1, keepdims=True)
        return sums / np.maximum(norms, 1e-9)  # type: ignore[no-any-return]

    def _centroid_similarity(self, similarity: Matrix, visible: Mask) -> Matrix:
        """Per question and passage, the cosine to the mean of the example vectors the question
        may see: the sum of its cosines to them over the length of their sum (from the examples'
        own cosines), without building a mean per question."""
        out = np.zeros((similarity.shape[0], len(self.passages)))
        weights = visible.astype(float)
        for p in np.unique(self.example_owner):
            own = np.flatnonzero(self.example_owner == p)
            shown = weights[:, own]
            gram = self.example_vectors[own] @ self.example_vectors[own].T
            length = np.sqrt(np.maximum(np.einsum("qi,ij,qj->q", shown, gram, shown), 0.0))
            total = (similarity[:, own] * shown).sum(axis=1)
            out[:, p] = np.where(length > 1e-9, total / np.maximum(length, 1e-9), 0.0)
        return out

    def _lexical(self, texts: Sequence[str]) -> tuple[Matrix, Matrix, Matrix, list[str]]:
        """BM25 relative to the best passage, each passage's share of the question's term
        weight, the share of the question's terms no passage contains, and the questions with
        their misspelled words corrected to words of the knowledge (for the word signals)."""
        count = len(self.passages)
        bm25 = np.zeros((len(texts), count))
        share = np.zeros((len(texts), count))
        novelty = np.zeros(len(texts))
        corrected: list[str] = []
        for i, text in enumerate(texts):
            terms, corrections = self.lexical.analyze_question(text)
            fixes = dict(corrections)
            # One fixed pattern, the words looked up: a pattern made of a misspelled word would
            # be kept in the `re` module's cache, a visitor's word in memory.
            corrected.append(_corrected(text, fixes))
            if not terms or not count:
                continue
            scores = self.lexical.index.scores(terms)
            top = float(scores.max())
            bm25[i] = scores / top if top > 0 else scores
            weights = self.lexical.term_weights(terms)
            total = sum(weights.values())
            vector = np.zeros(self._term_matrix.shape[1])
            for term, weight in weights.items():
                column = self._term_column.get(term)
                if column is not None:
                    vector[column] = weight
            share[i] = (self._term_matrix @ vector) / total if total else 0.0
            distinct = set(terms)
            novelty[i] = sum(1 for t in distinct if not self.lexical.index.df(t)) / len(distinct)
        return bm25, share, novelty, corrected

    def _unanswered(
        self,
        question_words: csr_matrix,
        vectors: Matrix,
        near_examples: Matrix,
        sentence_sim: Matrix,
        hold: Holdout,
    ) -> list[Matrix]:
        """How close the questions (their word rows and vectors) come to questions no passage
        answers, and which side of the evidence (passages' or unanswered) lies nearer.
        `near_examples`: the vote kernel over the example questions they may see;
        `sentence_sim`: their cosines to the passages' sentences."""
        n = vectors.shape[0]
        u = self.unanswered
        sim = vectors @ u.vectors.T
        words = (question_words @ u.words_t).toarray()
        if hold.unanswered is not None:
            sim = np.where(hold.unanswered, sim, -1.0)
            words = np.where(hold.unanswered, words, 0.0)
        is_topic = u.is_topic
        unanswered_max = sim[:, ~is_topic].max(axis=1) if (~is_topic).any() else np.zeros(n)
        topic_max = np.maximum(sim[:, is_topic].max(axis=1), 0.0) if is_topic.any() else np.zeros(n)
        topic_words = words[:, is_topic].max(axis=1) if is_topic.any() else np.zeros(n)
        has_topics = np.full(n, float(is_topic.any()))
        near_known = near_examples.sum(axis=1)
        near_known += np.exp((sentence_sim + SENTENCE_OFFSET - 1.0) / VOTE_WIDTH).sum(axis=1)
        near_unanswered = np.exp((sim - 1.0) / VOTE_WIDTH).sum(axis=1)
        known_share = near_known / np.maximum(near_known + near_unanswered, 1e-300)
        return [unanswered_max, topic_max, topic_words, has_topics, known_share]

    def _content(self, texts: Sequence[str], vectors: Matrix) -> Matrix:
        if self.content is None:
            return np.full(len(texts), 0.5)
        words, model = self.content
        probabilities = model.probabilities(words.of(list(texts)), vectors.astype(np.float32))
        return probabilities[:, model.classes.index(True)]


def _unanswered_label(example: Example) -> str:
    """An unanswered question's group: its topic, the removed passage it was written for, or
    the heading it is written under in `no-answer.txt`."""
    if example.kind == "topic":
        return f"topic {example.target}"
    if example.kind == "passage":
        return f"passage {example.target}, removed"
    return example.heading
