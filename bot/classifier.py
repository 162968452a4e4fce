"""What kind of message this is, learned from the reviewed examples: crisis, a request for
medical advice, small talk, or a question for retrieval.

One linear model (scikit-learn's logistic regression, one-vs-rest) reads two views of a message:
its sentence vector (`bot.vectors`) and its words and word pairs (TF-IDF). The vector carries
meaning across wordings; the words carry what a mean of a long message dilutes, such as a short
crisis sentence inside a treatment question. docs/understanding.md gives the measurements behind
this choice. It is trained when the knowledge loads, in well under a second.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from bot.encoder import Vectors
from bot.examples import Example, ExampleKind
from bot.normalize import clean
from bot.vectors import MessageVectors

MessageKind = Literal["crisis", "medical_advice", "smalltalk", "question"]
MESSAGE_KINDS: tuple[MessageKind, ...] = ("crisis", "medical_advice", "smalltalk", "question")
# What each kind of example teaches the classifier. Hard negatives (not-crisis) are mostly
# questions; what matters is that they are not crisis.
TEACHES: dict[ExampleKind, MessageKind] = {
    "crisis": "crisis",
    "not_crisis": "question",
    "medical_advice": "medical_advice",
    "smalltalk": "smalltalk",
    "no_answer": "question",
    "passage": "question",
    "topic": "question",
}
REGULARIZATION = 30.0  # scikit-learn's C; chosen by cross-validation (docs/understanding.md)


def words_of(text: str) -> str:
    """The text the word view reads: disguises undone, lower case."""
    return clean(text).lower()


@dataclass(frozen=True)
class KindScores:
    """The classifier's probability of each kind, for one message or sentence (one-vs-rest:
    they need not sum to 1)."""

    crisis: float
    medical_advice: float
    smalltalk: float
    question: float

    def likeliest(self) -> MessageKind:
        """The most probable kind other than crisis (crisis has a threshold of its own)."""
        others: dict[MessageKind, float] = {
            "medical_advice": self.medical_advice,
            "smalltalk": self.smalltalk,
            "question": self.question,
        }
        return max(others, key=lambda kind: others[kind])


@dataclass(frozen=True)
class Reading:
    """The classifier's view of a message as a whole and of each of its sentences."""

    whole: KindScores
    sentences: tuple[KindScores, ...]


class Words:
    """The word view: TF-IDF of words and word pairs, fitted on the examples' texts."""

    def __init__(self, texts: Sequence[str]) -> None:
        vectorizer = TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"
        )
        self.matrix: csr_matrix = vectorizer.fit_transform([words_of(t) for t in texts])
        self._terms = vectorizer.build_analyzer()
        self._columns: dict[str, int] = vectorizer.vocabulary_
        self._idf = vectorizer.idf_

    def of(self, texts: Sequence[str]) -> csr_matrix:
        """TF-IDF rows (unit length) of texts, as the fitted vectorizer's `transform` gives them
        (tested), without its per-call checks: a question reads a few texts each time."""
        data: list[float] = []
        indices: list[int] = []
        indptr = [0]
        for text in texts:
            counts = Counter(t for t in self._terms(words_of(text)) if t in self._columns)
            columns = sorted(self._columns[t] for t in counts)
            by_column = {self._columns[t]: n for t, n in counts.items()}
            weights = np.array([(1 + math.log(by_column[c])) * self._idf[c] for c in columns])
            norm = float(np.linalg.norm(weights)) if len(weights) else 0.0
            data += list(weights / norm) if norm else []
            indices += columns if norm else []
            indptr.append(len(indices))
        return csr_matrix((data, indices, indptr), shape=(len(texts), len(self._idf)))


class LinearModel:
    """A logistic regression (binary, or one-vs-rest over several classes) over the two views of
    a message, its words and its vector, applied with numpy: scikit-learn's `predict_proba`
    checks its input on every call and for every class, which cost more than the sentence
    encoder on each question. Same probabilities (tested)."""

    def __init__(self, fitted: LogisticRegression | OneVsRestClassifier, word_columns: int) -> None:
        self.classes = list(fitted.classes_)
        self._one_vs_rest = isinstance(fitted, OneVsRestClassifier)
        if self._one_vs_rest:
            weights = np.vstack([e.coef_ for e in fitted.estimators_]).T
            self._bias = np.concatenate([e.intercept_ for e in fitted.estimators_])
        else:
            weights, self._bias = fitted.coef_.T, fitted.intercept_
        self._on_words = csr_matrix(weights[:word_columns])
        self._on_vector = np.ascontiguousarray(weights[word_columns:])

    def probabilities(self, words: csr_matrix, vectors: Vectors) -> npt.NDArray[np.float64]:
        """Rows of class probabilities, columns in the order of `classes`."""
        scores = (words @ self._on_words).toarray() + vectors @ self._on_vector + self._bias
        positive = 1.0 / (1.0 + np.exp(-scores))
        if not self._one_vs_rest:
            return np.hstack([1.0 - positive, positive])
        total = positive.sum(axis=1, keepdims=True)
        return positive / np.where(total > 0, total, 1.0)  # type: ignore[no-any-return]


def fit(
    words: csr_matrix,
    vectors: Vectors,
    labels: Sequence[object] | npt.NDArray[Any],
    regularization: float,
    each_class: bool,
) -> LinearModel:
    """A logistic regression over words and vectors, fitted with liblinear (one-vs-rest when
    `each_class`)."""
    model = LogisticRegression(
        C=regularization,
        solver="liblinear",
        dual=True,  # fast on many more features than examples
        tol=1e-2,
        random_state=0,
    )
    fitted = (OneVsRestClassifier(model) if each_class else model).fit(
        hstack([words, csr_matrix(vectors)], format="csr"), labels
    )
    return LinearModel(fitted, words.shape[1])


class MessageClassifier:
    """Reads a message's kind; trained from examples when the knowledge loads."""

    def __init__(
        self, examples: Sequence[Example], vectors: Sequence[MessageVectors], words: Words
    ) -> None:
        self.words = words
        labels = [TEACHES[e.kind] for e in examples]
        whole = np.stack([v.whole for v in vectors])
        self._model = fit(words.matrix, whole, labels, REGULARIZATION, each_class=True)
        self._columns = [self._model.classes.index(k) for k in MESSAGE_KINDS]

    def read(self, text: str, message: MessageVectors) -> Reading:
        """Scores for the message as a whole and for each sentence (when there are several)."""
        texts = [text] if len(message.sentences) < 2 else [text, *message.sentences]
        vectors = (
            message.whole[None] if len(texts) == 1 else np.vstack([message.whole, message.parts])
        )
        probabilities = self._model.probabilities(self.words.of(texts), vectors)
        scores = [KindScores(*(float(row[c]) for c in self._columns)) for row in probabilities]
        return Reading(scores[0], tuple(scores[1:]))
